package pages

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"google.golang.org/protobuf/encoding/protojson"

	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	taxonomyv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/taxonomy/v1"
)

// routeProfile routes the consultant's profile editor and calendar.
func (s *Site) routeProfile() {
	s.routes.HandleFunc("GET /profile", s.myProfile)
	s.routes.HandleFunc("POST /profile", s.createProfile)
	s.routes.HandleFunc("GET /profile/{id}", s.profile)
	s.routes.HandleFunc("POST /profile/{id}", s.replaceProfile)
	s.routes.HandleFunc("POST /profile/{id}/bookings", s.addBooking)
	s.routes.HandleFunc("POST /profile/{id}/bookings/remove", s.removeBooking)
}

// profileFields are the editor's single inputs, named as the API's JSON fields so that its
// field violations land beside them.
var profileFields = []string{"displayName", "email", "headline", "yearsExperience", "location.country", "location.city",
	"workMode", "dailyRateEur", "availableFrom", "noticePeriodDays", "certifications", "mobilityCountries", "profilingOptOut"}

var profileNumbers = []string{"yearsExperience", "dailyRateEur", "noticePeriodDays"}

// profileLists are the editor's lists of choices, each a group of checkboxes.
var profileLists = []string{"sectors", "languages"}

// profileOwned are the API fields the editor replaces; the others (past missions, bookings)
// are sent back as the profile holds them.
var profileOwned = []string{"displayName", "email", "headline", "sectors", "skills", "yearsExperience", "languages",
	"location", "workMode", "dailyRateEur", "availableFrom", "certifications", "noticePeriodDays", "mobilityCountries",
	"profilingOptOut"}

// Skill rows: the profile's skills and a few empty rows to add more, without a script.
const (
	spareSkillRows = 3
	minSkillRows   = 5
	maxSkillRows   = 50
)

// profilePage is the editor: the profile (nil while there is none yet), its form, the
// choices from the taxonomy and the bookings' calendar.
type profilePage struct {
	form
	Profile   *profilev1.Profile
	Sectors   []*taxonomyv1.Sector
	Skills    []*taxonomyv1.Skill
	Languages []string
	WorkModes []string
	Levels    []string
	Chosen    map[string][]string
	Rows      []skillRow
	Calendar  calendar
	// Booking is the add-a-booking form.
	Booking form
	// OtherProblems are the API's problems with fields the form does not show.
	OtherProblems map[string]string
	Saved         bool
	// visitor is the consultant, known once per request.
	visitor visitor
}

// skillRow is one skill with its level and years of practice, and the API's problems with them
// ("id", "level", "years").
type skillRow struct {
	Index            int
	ID, Level, Years string
	Errors           map[string]string
	Loc              *i18n.Localizer
}

// Number counts rows from 1, for people.
func (row skillRow) Number() int { return row.Index + 1 }

// Field is the row's input of kind "skill", "level" or "years", as "skill-2".
func (row skillRow) Field(kind string) pageField {
	id := kind + "-" + strconv.Itoa(row.Index)
	value := map[string]string{"skill": row.ID, "level": row.Level, "years": row.Years}[kind]
	problem := row.Errors[map[string]string{"skill": "id", "level": "level", "years": "years"}[kind]]
	return pageField{Loc: row.Loc, ID: id, Name: id, Type: "number", Value: value, Problem: problem,
		Label: translate(row.Loc, "Profile_Field_skill_"+kind)}
}

// Action is where the form posts: a creation until the profile exists.
func (p profilePage) Action() string {
	if p.Profile == nil {
		return "/profile"
	}
	return "/profile/" + pathEscape(p.Profile.GetId())
}

func (p profilePage) Has(list, value string) bool { return slices.Contains(p.Chosen[list], value) }

// Field is one of the editor's inputs.
func (p profilePage) Field(loc *i18n.Localizer, name, inputType string) pageField {
	return newField(loc, "Profile_Field_", name, name, inputType, p.form)
}

// BookingField is one of the add-a-booking form's inputs.
func (p profilePage) BookingField(loc *i18n.Localizer, name string) pageField {
	return newField(loc, "Profile_Field_", "booking-"+name, name, "date", p.Booking)
}

// MonthOf is the month ("2027-03") of a date ("2027-03-29"), for a link to its calendar.
func (profilePage) MonthOf(date string) string {
	if t, err := time.Parse(time.DateOnly, date); err == nil {
		return t.Format("2006-01")
	}
	return ""
}

// Day is a date ("2027-03-29") as people read it in the visitor's language ("29 March 2027").
func (profilePage) Day(loc *i18n.Localizer, date string) string {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return date
	}
	return fmt.Sprintf("%d %s %d", t.Day(), label(loc, "Profile_Month_", strconv.Itoa(int(t.Month()))), t.Year())
}

// ChosenSectors counts the ticked sectors, for the disclosure's summary.
func (p profilePage) ChosenSectors() int { return len(p.Chosen["sectors"]) }

// consultant is the visitor when they are a consultant; otherwise it answers the request (to
// sign in, or 403: only consultants keep a profile) and reports false.
func (s *Site) consultant(w http.ResponseWriter, r *http.Request) (visitor, bool) {
	v := s.visitor(r)
	switch {
	case !v.SignedIn:
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return v, false
	case !v.Consultant():
		s.renderError(w, r, http.StatusForbidden)
		return v, false
	}
	return v, true
}

// myProfile opens the consultant's profile, or the creation form when they have none yet.
func (s *Site) myProfile(w http.ResponseWriter, r *http.Request) {
	v, ok := s.consultant(w, r)
	if !ok {
		return
	}
	var mine profilev1.ListProfilesResponse
	if err := s.get(r, "/v1/profiles", &mine); err != nil {
		s.fail(w, r, err)
		return
	}
	if profiles := mine.GetProfiles(); len(profiles) > 0 {
		page := profilePageOf(profiles[0])
		page.visitor = v
		s.showProfile(w, r, http.StatusOK, page)
		return
	}
	f := form{Values: map[string]string{"displayName": v.Account.Name, "email": v.Account.Email}, Errors: map[string]string{}}
	s.showProfile(w, r, http.StatusOK, profilePage{form: f, visitor: v})
}

// profile opens a profile by its id: another consultant's is the API's 404.
func (s *Site) profile(w http.ResponseWriter, r *http.Request) {
	v, p, ok := s.ownProfile(w, r)
	if !ok {
		return
	}
	page := profilePageOf(p)
	page.visitor = v
	page.Saved = r.URL.Query().Get("saved") == "1"
	s.showProfile(w, r, http.StatusOK, page)
}

// ownProfile is the consultant and the profile the path names; otherwise it answers the
// request (another consultant's profile is the API's 404) and reports false.
func (s *Site) ownProfile(w http.ResponseWriter, r *http.Request) (visitor, *profilev1.Profile, bool) {
	v, ok := s.consultant(w, r)
	if !ok {
		return v, nil, false
	}
	var got profilev1.GetProfileResponse
	if err := s.get(r, "/v1/profiles/"+pathEscape(r.PathValue("id")), &got); err != nil {
		s.fail(w, r, err)
		return v, nil, false
	}
	return v, got.GetProfile(), true
}

// profilePageOf fills the editor with the profile's values.
func profilePageOf(p *profilev1.Profile) profilePage {
	values := map[string]string{"displayName": p.GetDisplayName(), "email": p.GetEmail(), "headline": p.GetHeadline(),
		"location.country": p.GetLocation().GetCountry(), "location.city": p.GetLocation().GetCity(),
		"availableFrom": p.GetAvailableFrom(), "certifications": strings.Join(p.GetCertifications(), "\n"),
		"mobilityCountries": strings.Join(p.GetMobilityCountries(), " ")}
	if p.GetWorkMode() != taxonomyv1.WorkMode_WORK_MODE_UNSPECIFIED {
		values["workMode"] = p.GetWorkMode().String()
	}
	for field, n := range map[string]int32{"yearsExperience": p.GetYearsExperience(), "dailyRateEur": p.GetDailyRateEur(),
		"noticePeriodDays": p.GetNoticePeriodDays()} {
		values[field] = strconv.Itoa(int(n))
	}
	if p.GetProfilingOptOut() {
		values["profilingOptOut"] = "on"
	}
	page := profilePage{form: form{Values: values, Errors: map[string]string{}}, Profile: p,
		Chosen: map[string][]string{"sectors": p.GetSectors(), "languages": p.GetLanguages()}}
	for i, skill := range p.GetSkills() {
		row := skillRow{Index: i, ID: skill.GetId(), Level: strconv.Itoa(int(skill.GetLevel()))}
		if skill.GetYears() > 0 {
			row.Years = strconv.Itoa(int(skill.GetYears()))
		}
		page.Rows = append(page.Rows, row)
	}
	return page
}

// showProfile renders the editor over page's state, with the taxonomy's choices and, for an
// existing profile, the calendar of the month asked for (?month=YYYY-MM, else this month).
func (s *Site) showProfile(w http.ResponseWriter, r *http.Request, status int, page profilePage) {
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
	loc := s.localizer(r)
	page.Sectors, page.Skills = sectors.GetSectors(), skills.GetSkills()
	page.Languages = slices.Clone(missionLanguages)
	for _, lang := range page.Chosen["languages"] {
		if !slices.Contains(page.Languages, lang) {
			page.Languages = append(page.Languages, lang)
		}
	}
	page.WorkModes = []string{"WORK_MODE_ON_SITE", "WORK_MODE_HYBRID", "WORK_MODE_REMOTE"}
	page.Levels = []string{"1", "2", "3", "4", "5"}
	if page.Chosen == nil {
		page.Chosen = map[string][]string{}
	}
	for len(page.Rows) < minSkillRows || len(page.Rows) < len(page.Profile.GetSkills())+spareSkillRows && len(page.Rows) < maxSkillRows {
		page.Rows = append(page.Rows, skillRow{Index: len(page.Rows)})
	}
	for i := range page.Rows {
		row := &page.Rows[i]
		row.Loc = loc
	}
	if page.Booking.Values == nil {
		page.Booking = form{Values: map[string]string{}, Errors: map[string]string{}}
	}
	if page.OtherProblems == nil {
		page.OtherProblems = map[string]string{}
	}
	if page.Profile != nil {
		page.Calendar = newCalendar(monthOf(r), page.Profile.GetBookings())
	}
	s.render(w, r, status, "profile", page.visitor, page)
}

// monthOf is the month ?month=YYYY-MM asks for, else the current one (UTC).
func monthOf(r *http.Request) time.Time {
	if m, err := time.Parse("2006-01", r.URL.Query().Get("month")); err == nil {
		return m
	}
	now := time.Now().UTC()
	return time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// readProfileForm reads the posted editor into its page state and the API's body; sent lists,
// for each skill sent, the form row it came from.
func (s *Site) readProfileForm(r *http.Request) (page profilePage, body map[string]any, sent []int) {
	page.form = newForm(r, profileFields...)
	page.Chosen = map[string][]string{}
	page.OtherProblems = map[string]string{}
	values := page.Values
	body = map[string]any{"displayName": values["displayName"], "email": values["email"], "headline": values["headline"],
		"location":        map[string]string{"country": strings.ToUpper(values["location.country"]), "city": values["location.city"]},
		"profilingOptOut": values["profilingOptOut"] != ""}
	for _, field := range []string{"workMode", "availableFrom"} {
		if values[field] != "" {
			body[field] = values[field]
		}
	}
	notNumber := translate(s.localizer(r), "NotAWholeNumber")
	for _, field := range profileNumbers {
		if values[field] == "" {
			continue
		}
		n, err := strconv.Atoi(values[field])
		if err != nil {
			page.Errors[field] = notNumber
			continue
		}
		body[field] = n
	}
	body["certifications"] = nonBlankLines(values["certifications"])
	body["mobilityCountries"] = strings.Fields(strings.ToUpper(strings.ReplaceAll(values["mobilityCountries"], ",", " ")))
	for _, list := range profileLists {
		page.Chosen[list] = r.PostForm[list]
		body[list] = append([]string{}, r.PostForm[list]...)
	}
	rows, _ := strconv.Atoi(r.PostFormValue("skillRows"))
	skills := []map[string]any{}
	for i := range min(max(rows, 0), maxSkillRows) {
		n := strconv.Itoa(i)
		row := skillRow{Index: i, ID: r.PostFormValue("skill-" + n), Level: r.PostFormValue("level-" + n),
			Years: strings.TrimSpace(r.PostFormValue("years-" + n)), Errors: map[string]string{}}
		page.Rows = append(page.Rows, row)
		if row.ID == "" {
			continue
		}
		level, _ := strconv.Atoi(row.Level)
		skill := map[string]any{"id": row.ID, "level": level}
		if row.Years != "" {
			years, err := strconv.Atoi(row.Years)
			if err != nil {
				row.Errors["years"] = notNumber
			}
			skill["years"] = years
		}
		skills = append(skills, skill)
		sent = append(sent, i)
	}
	body["skills"] = skills
	return page, body, sent
}

func nonBlankLines(text string) []string {
	out := []string{}
	for line := range strings.Lines(text) {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// valid tells whether the page's own checks found nothing to fix before asking the API.
func (p profilePage) valid() bool {
	if len(p.Errors) > 0 {
		return false
	}
	for _, row := range p.Rows {
		if len(row.Errors) > 0 {
			return false
		}
	}
	return true
}

// createProfile posts the editor as a new profile and opens it.
func (s *Site) createProfile(w http.ResponseWriter, r *http.Request) {
	v, ok := s.consultant(w, r)
	if !ok {
		return
	}
	page, body, sent := s.readProfileForm(r)
	page.visitor = v
	if !page.valid() {
		s.showProfile(w, r, http.StatusUnprocessableEntity, page)
		return
	}
	out, err := s.call(r, http.MethodPost, "/v1/profiles", body)
	if err != nil {
		if isConflict(err) {
			// The account has a profile already (made elsewhere meanwhile): it opens.
			http.Redirect(w, r, "/profile", http.StatusSeeOther)
			return
		}
		if !refusedFields(err) {
			s.fail(w, r, err)
			return
		}
		page.place(err, sent, -1)
		s.showProfile(w, r, http.StatusUnprocessableEntity, page)
		return
	}
	var created profilev1.CreateProfileResponse
	if err := unmarshal(out, &created); err != nil {
		s.fail(w, r, err)
		return
	}
	s.savedProfile(w, r, created.GetProfile().GetId(), "")
}

func isConflict(err error) bool {
	var e *apiError
	return errors.As(err, &e) && e.Status == http.StatusConflict
}

// savedProfile opens the profile after a change, at month when one is given.
func (s *Site) savedProfile(w http.ResponseWriter, r *http.Request, id, month string) {
	to := "/profile/" + pathEscape(id) + "?saved=1"
	if month != "" {
		to += "&month=" + month
	}
	seeOther(w, r, to)
}

// replaceProfile sends the editor as the profile's full replacement: what the form does not
// show (past missions, the consultant's bookings) is sent back as the profile holds it.
func (s *Site) replaceProfile(w http.ResponseWriter, r *http.Request) {
	v, current, ok := s.ownProfile(w, r)
	if !ok {
		return
	}
	page, body, sent := s.readProfileForm(r)
	page.Profile, page.visitor = current, v
	if !page.valid() {
		s.showProfile(w, r, http.StatusUnprocessableEntity, page)
		return
	}
	replacement, err := replacementOf(current)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, field := range profileOwned {
		delete(replacement, field)
		if v, ok := body[field]; ok {
			replacement[field] = v
		}
	}
	s.putProfile(w, r, current, replacement, page, sent, -1, "")
}

// putProfile replaces current with body, or shows the editor again with the API's problems.
func (s *Site) putProfile(w http.ResponseWriter, r *http.Request, current *profilev1.Profile, body map[string]any,
	page profilePage, sent []int, booking int, month string) {
	if _, err := s.call(r, http.MethodPut, "/v1/profiles/"+pathEscape(current.GetId()), body); err != nil {
		if !refusedFields(err) {
			s.fail(w, r, err)
			return
		}
		page.place(err, sent, booking)
		s.showProfile(w, r, http.StatusUnprocessableEntity, page)
		return
	}
	s.savedProfile(w, r, current.GetId(), month)
}

// replacementOf is the body of a full replacement that changes nothing: the profile without
// what the API sets itself, and only the bookings the consultant declared.
func replacementOf(p *profilev1.Profile) (map[string]any, error) {
	data, err := protojson.Marshal(p)
	if err != nil {
		return nil, err
	}
	var body map[string]any
	if err := json.Unmarshal(data, &body); err != nil {
		return nil, err
	}
	for _, field := range []string{"id", "accountId", "createdAt", "updatedAt"} {
		delete(body, field)
	}
	body["bookings"] = declaredBookings(p)
	return body, nil
}

func declaredBookings(p *profilev1.Profile) []any {
	out := []any{}
	for _, b := range p.GetBookings() {
		if b.GetMissionId() == "" {
			out = append(out, map[string]any{"startDate": b.GetStartDate(), "endDate": b.GetEndDate()})
		}
	}
	return out
}

// addBooking adds a period when the consultant is not available, and shows its month.
func (s *Site) addBooking(w http.ResponseWriter, r *http.Request) {
	s.changeBookings(w, r, func(page *profilePage, bookings []any) ([]any, int, string) {
		f := newForm(r, "startDate", "endDate")
		page.Booking = f
		month := ""
		if len(f.Values["startDate"]) >= 7 {
			month = f.Values["startDate"][:7]
		}
		return append(bookings, map[string]any{"startDate": f.Values["startDate"], "endDate": f.Values["endDate"]}), len(bookings), month
	})
}

// removeBooking removes one of the consultant's bookings, named by its dates.
func (s *Site) removeBooking(w http.ResponseWriter, r *http.Request) {
	s.changeBookings(w, r, func(_ *profilePage, bookings []any) ([]any, int, string) {
		start, end := r.PostFormValue("startDate"), r.PostFormValue("endDate")
		i := slices.IndexFunc(bookings, func(b any) bool {
			m := b.(map[string]any)
			return m["startDate"] == start && m["endDate"] == end
		})
		if i >= 0 {
			bookings = slices.Delete(bookings, i, i+1)
		}
		return bookings, -1, r.PostFormValue("month")
	})
}

// changeBookings replaces the profile with its declared bookings as change makes them; change
// returns the new booking's index (-1 when none) and the month to show afterwards.
func (s *Site) changeBookings(w http.ResponseWriter, r *http.Request, change func(*profilePage, []any) ([]any, int, string)) {
	v, current, ok := s.ownProfile(w, r)
	if !ok {
		return
	}
	body, err := replacementOf(current)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page := profilePageOf(current)
	page.visitor = v
	bookings, added, month := change(&page, declaredBookings(current))
	if _, err := time.Parse("2006-01", month); err != nil {
		month = ""
	}
	body["bookings"] = bookings
	s.putProfile(w, r, current, body, page, nil, added, month)
}

// violation is a field path of the API's: "skills[2].level" is list "skills", index 2, sub "level".
var violation = regexp.MustCompile(`^(\w+)\[(\d+)\](?:\.(\w+))?$`)

// place puts the API's problems beside their fields: a skill's beside its row (sent maps the
// skills sent to their rows), the new booking's (at index booking) beside the booking form, a
// list's element's beside the list, and any other above the form.
func (p *profilePage) place(err error, sent []int, booking int) {
	var e *apiError
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		p.Failed = true
		return
	}
	if p.OtherProblems == nil {
		p.OtherProblems = map[string]string{}
	}
	for field, problem := range e.Fields {
		m := violation.FindStringSubmatch(field)
		switch {
		case m == nil && (slices.Contains(profileFields, field) || slices.Contains(profileLists, field) || field == "skills"):
			p.Errors[field] = problem
		case m == nil:
			p.OtherProblems[field] = problem
		case m[1] == "skills":
			i, _ := strconv.Atoi(m[2])
			if i >= len(sent) {
				p.OtherProblems[field] = problem
				continue
			}
			row := &p.Rows[sent[i]]
			if row.Errors == nil {
				row.Errors = map[string]string{}
			}
			row.Errors[cmp.Or(m[3], "id")] = problem
		case m[1] == "bookings" && strconv.Itoa(booking) == m[2] && m[3] != "":
			p.Booking.Errors[m[3]] = problem
		case slices.Contains(profileLists, m[1]) || m[1] == "certifications" || m[1] == "mobilityCountries":
			p.Errors[m[1]] = problem
		default:
			p.OtherProblems[field] = problem
		}
	}
}

// calendar is one month of a profile's bookings, in weeks from Monday to Sunday.
type calendar struct {
	Month      time.Time
	Prev, Next string
	Weeks      [][]calendarDay
}

// calendarDay is a day of the month (Day 0: a day of the month before or after, left blank);
// Booked when a booking holds it, Staffed when that booking is a mission's.
type calendarDay struct {
	Date            string
	Day             int
	Booked, Staffed bool
}

// MonthNumber is the month's number, to name it in the visitor's language.
func (c calendar) MonthNumber() int { return int(c.Month.Month()) }

func newCalendar(month time.Time, bookings []*profilev1.Booking) calendar {
	first := time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, time.UTC)
	c := calendar{Month: first, Prev: first.AddDate(0, -1, 0).Format("2006-01"), Next: first.AddDate(0, 1, 0).Format("2006-01")}
	// Monday is the first day of a week: go back to the Monday on or before the 1st.
	day := first.AddDate(0, 0, -((int(first.Weekday()) + 6) % 7))
	for day.Before(first.AddDate(0, 1, 0)) {
		var week []calendarDay
		for range 7 {
			cell := calendarDay{}
			if day.Month() == first.Month() {
				cell = calendarDay{Date: day.Format(time.DateOnly), Day: day.Day()}
				for _, b := range bookings {
					if b.GetStartDate() <= cell.Date && cell.Date <= b.GetEndDate() {
						cell.Booked = true
						cell.Staffed = cell.Staffed || b.GetMissionId() != ""
					}
				}
			}
			week = append(week, cell)
			day = day.AddDate(0, 0, 1)
		}
		c.Weeks = append(c.Weeks, week)
	}
	return c
}
