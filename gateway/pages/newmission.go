package pages

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	taxonomyv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/taxonomy/v1"
	"github.com/nicksnyder/go-i18n/v2/i18n"
)

// missionFields are the new-mission form's inputs, named as the API's JSON fields so that its
// field violations land beside them.
var missionFields = []string{"title", "sector", "missionType", "startDate", "durationMonths", "maxDailyRateEur",
	"location.country", "location.city", "workMode", "minYearsExperience"}

var missionNumbers = []string{"durationMonths", "maxDailyRateEur", "minYearsExperience"}

// missionLanguages are the languages a mission may ask for on the form.
var missionLanguages = []string{"fr", "en", "de", "es", "it", "nl"}

// missionForm is the new-mission form with its choices from the taxonomy.
type missionForm struct {
	form
	Sectors       []*taxonomyv1.Sector
	Skills        []*taxonomyv1.Skill
	MissionTypes  []string
	WorkModes     []string
	Languages     []string
	Chosen        map[string][]string
	OtherProblems map[string]string
}

func (f missionForm) Has(list, value string) bool { return slices.Contains(f.Chosen[list], value) }

func (s *Site) missionFormPage(w http.ResponseWriter, r *http.Request, f missionForm) {
	var sectors taxonomyv1.ListSectorsResponse
	var skills taxonomyv1.ListSkillsResponse
	if err := s.get(r, "/v1/taxonomy/sectors", &sectors); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.get(r, "/v1/taxonomy/skills", &skills); err != nil {
		s.fail(w, r, err)
		return
	}
	f.Sectors, f.Skills, f.Languages = sectors.GetSectors(), skills.GetSkills(), missionLanguages
	for v := range missionv1.MissionType_name {
		if v != 0 {
			f.MissionTypes = append(f.MissionTypes, missionv1.MissionType(v).String())
		}
	}
	slices.Sort(f.MissionTypes)
	f.WorkModes = []string{"WORK_MODE_ON_SITE", "WORK_MODE_HYBRID", "WORK_MODE_REMOTE"}
	f.OtherProblems = map[string]string{}
	for field, problem := range f.Errors {
		if !slices.Contains(missionFields, field) && !slices.Contains([]string{"requiredSkills", "niceToHaveSkills", "languages"}, field) {
			f.OtherProblems[field] = problem
		}
	}
	status := http.StatusOK
	if len(f.Errors) > 0 || f.Failed {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, "newmission", s.visitor(r), f)
}

func (s *Site) newMission(w http.ResponseWriter, r *http.Request) {
	if !s.firmOnly(w, r) {
		return
	}
	s.missionFormPage(w, r, missionForm{form: form{Values: map[string]string{"durationMonths": "6"}, Errors: map[string]string{}}})
}

// createMission posts the form to the API and opens the new mission, or shows the form again
// with every problem beside its field.
func (s *Site) createMission(w http.ResponseWriter, r *http.Request) {
	if !s.firmOnly(w, r) {
		return
	}
	f := missionForm{form: newForm(r, missionFields...), Chosen: map[string][]string{}}
	body := map[string]any{}
	for _, field := range missionFields {
		if v := f.Values[field]; v != "" && !strings.HasPrefix(field, "location.") {
			body[field] = v
		}
	}
	for _, field := range missionNumbers {
		if v := f.Values[field]; v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				f.Errors[field] = translate(s.localizer(r), "NotAWholeNumber")
				continue
			}
			body[field] = n
		}
	}
	body["location"] = map[string]string{"country": strings.ToUpper(f.Values["location.country"]), "city": f.Values["location.city"]}
	for _, list := range []string{"requiredSkills", "niceToHaveSkills", "languages"} {
		f.Chosen[list] = r.PostForm[list]
		body[list] = append([]string{}, r.PostForm[list]...)
	}
	if len(f.Errors) > 0 {
		s.missionFormPage(w, r, f)
		return
	}
	out, err := s.call(r, http.MethodPost, "/v1/missions", body)
	if failsThePage(err) {
		s.fail(w, r, err)
		return
	}
	if err != nil {
		f.refuse(err)
		s.missionFormPage(w, r, f)
		return
	}
	var created missionv1.CreateMissionResponse
	if err := unmarshal(out, &created); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/missions/"+pathEscape(created.GetMission().GetId()), http.StatusSeeOther)
}

// firmOnly lets firms through; anyone else gets the sign-in page or 403, and false.
func (s *Site) firmOnly(w http.ResponseWriter, r *http.Request) bool {
	switch v := s.identify(r); {
	case !v.SignedIn:
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return false
	case !v.Firm():
		s.renderError(w, r, http.StatusForbidden)
		return false
	}
	return true
}

// formField is one input of a form as its template draws it.
type formField struct {
	Loc                            *i18n.Localizer
	ID, Name, Type, Value, Problem string
}

// fieldOf picks field name out of the page's form; a dotted name gets an id without a dot, so
// CSS and label references stay simple.
func fieldOf(page view, name, inputType string) formField {
	f := page.Data.(missionForm)
	return formField{Loc: page.Loc, ID: strings.ReplaceAll(name, ".", "-"), Name: name, Type: inputType,
		Value: f.Values[name], Problem: f.Errors[name]}
}
