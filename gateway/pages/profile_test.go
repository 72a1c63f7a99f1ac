package pages

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/caiomatch/caiomatch/gateway/accounts"
	"github.com/caiomatch/caiomatch/pkg/identity"
)

// profileJSON is consultant c1's profile: a booking they declared across the end of March 2027
// and one the platform made for a mission in May.
const profileJSON = `{"profile":{"id":"p1","accountId":"c1","displayName":"Ada Martin","email":"ada@example.org",
 "headline":"Interim CAIO","sectors":["C21"],"skills":[{"id":"ai-strategy","level":5},{"id":"mlops","level":3,"years":4}],
 "yearsExperience":15,"languages":["fr","pt"],"location":{"country":"FR","city":"Lyon"},"workMode":"WORK_MODE_HYBRID",
 "dailyRateEur":1200,"availableFrom":"2027-01-04","pastMissions":[{"sector":"C21","missionType":"MISSION_TYPE_AI_STRATEGY","months":6,"year":2024}],
 "bookings":[{"startDate":"2027-03-29","endDate":"2027-04-02"},{"startDate":"2027-05-10","endDate":"2027-05-20","missionId":"m1"}],
 "createdAt":"2027-01-01T00:00:00Z"}}`

// profileAPI is a fake API for consultant c1; it keeps the bodies the pages sent.
type profileAPI struct {
	mu   sync.Mutex
	sent []map[string]any
	// offers is the answer to GET /v1/offers; list to GET /v1/profiles.
	offers, list string
}

func (a *profileAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, ok := fakeCall(w, r)
	if !ok {
		return
	}
	if body != nil {
		a.mu.Lock()
		a.sent = append(a.sent, body)
		a.mu.Unlock()
	}
	switch r.Method + " " + r.URL.Path {
	case "GET /v1/notifications":
		_, _ = w.Write([]byte(`{}`))
	case "GET /v1/offers":
		_, _ = w.Write([]byte(a.offers))
	case "GET /v1/taxonomy/sectors":
		_, _ = w.Write([]byte(`{"sectors":[{"id":"C","name":"Manufacturing"},{"id":"C21","name":"Pharmaceuticals","parentId":"C"}]}`))
	case "GET /v1/taxonomy/skills":
		_, _ = w.Write([]byte(`{"skills":[{"id":"ai-strategy","name":"AI strategy"},{"id":"mlops","name":"MLOps"},{"id":"nlp","name":"NLP"}]}`))
	case "GET /v1/profiles":
		_, _ = w.Write([]byte(cmp.Or(a.list, `{"profiles":[]}`)))
	case "GET /v1/profiles/p1":
		_, _ = w.Write([]byte(profileJSON))
	case "PUT /v1/profiles/p1", "POST /v1/profiles":
		if body["displayName"] == "Taken" {
			w.WriteHeader(http.StatusConflict)
			_, _ = w.Write([]byte(`{"code":6,"message":"account already has a profile"}`))
			return
		}
		skills, _ := body["skills"].([]any)
		if len(skills) == 0 {
			refuseField(w, "skills", "needs at least one skill")
			return
		}
		for i, s := range skills {
			if s.(map[string]any)["level"] == float64(0) {
				refuseField(w, fmt.Sprintf("skills[%d].level", i), "must be between 1 and 5")
				return
			}
		}
		bookings, _ := body["bookings"].([]any)
		for i, b := range bookings {
			if m := b.(map[string]any); m["endDate"].(string) < m["startDate"].(string) {
				refuseField(w, fmt.Sprintf("bookings[%d].endDate", i), "must not be before startDate")
				return
			}
		}
		_, _ = w.Write([]byte(`{"profile":{"id":"p9"}}`))
	default:
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"code":5,"message":"not found"}`))
	}
}

func (a *profileAPI) last() map[string]any {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.sent[len(a.sent)-1]
}

func profileSite(t *testing.T, role identity.Role) (http.Handler, *profileAPI) {
	t.Helper()
	api := &profileAPI{offers: `{"offers":[]}`}
	site, err := New(Config{API: api, SessionCookie: "session",
		Accounts: fakeAccounts{accounts.Account{ID: "c1", Role: role, Name: "Ada", Email: "ada@example.org", Status: accounts.StatusActive}}})
	if err != nil {
		t.Fatal(err)
	}
	return site.Handler(http.NotFoundHandler()), api
}

// bookedCell is a day of the calendar held by a booking the consultant declared.
func bookedCell(date string, day int) string {
	return fmt.Sprintf(`<td class="day booked"><time datetime="%s">%d</time><span class="profile-vh"> booked</span></td>`, date, day)
}

func TestProfileCalendarShowsBookingsAcrossMonths(t *testing.T) {
	h, _ := profileSite(t, identity.RoleConsultant)
	march := get(t, h, "/profile/p1?month=2027-03", "good", "en")
	if march.Code != http.StatusOK {
		t.Fatalf("status %d", march.Code)
	}
	// 1 March 2027 is a Monday: the first week starts with it.
	wantAll(t, "March", march.Body.String(), "<caption>March 2027</caption>", `href="?month=2027-02" rel="prev"`,
		`href="?month=2027-04" rel="next"`, `<tbody><tr><td class="day"><time datetime="2027-03-01">1</time></td>`,
		`<td class="day"><time datetime="2027-03-28">28</time></td>`, bookedCell("2027-03-29", 29), bookedCell("2027-03-31", 31)+"<td></td>",
		`<abbr title="Monday">Mon</abbr>`)
	// 1 April 2027 is a Thursday: three blank days of March, then the booking's end.
	april := get(t, h, "/profile/p1?month=2027-04", "good", "en").Body.String()
	wantAll(t, "April", april, "<caption>April 2027</caption>", "<tbody><tr><td></td><td></td><td></td>"+bookedCell("2027-04-01", 1),
		bookedCell("2027-04-02", 2), `<td class="day"><time datetime="2027-04-03">3</time></td>`)
	may := get(t, h, "/profile/p1?month=2027-05", "good", "en").Body.String()
	wantAll(t, "May", may, `<td class="day booked staffed"><time datetime="2027-05-10">10</time><span class="profile-vh"> booked for a mission</span></td>`)
	wantAll(t, "December", get(t, h, "/profile/p1?month=2027-12", "good", "en").Body.String(),
		`href="?month=2027-11" rel="prev"`, `href="?month=2028-01" rel="next"`, "<caption>December 2027</caption>")
	wantAll(t, "March in French", get(t, h, "/profile/p1?month=2027-03&lang=fr", "good", "fr").Body.String(),
		"<caption>mars 2027</caption>", "29 mars 2027", "> indisponible</span>", `<abbr title="lundi">lun.</abbr>`, "Compétences et niveaux")
	// The list of bookings: only the declared one can be removed.
	wantAll(t, "the bookings", march.Body.String(), `action="/profile/p1/bookings/remove"`, `name="startDate" value="2027-03-29"`,
		"declared by you", "a mission", `href="?month=2027-05"><time datetime="2027-05-10">10 May 2027</time></a>`)
	if n := strings.Count(march.Body.String(), `action="/profile/p1/bookings/remove"`); n != 1 {
		t.Errorf("%d remove buttons, want 1 (the mission's booking is the platform's)", n)
	}
}

func TestProfileIsFoundOrCreatedAndOthersAreNotFound(t *testing.T) {
	h, api := profileSite(t, identity.RoleConsultant)
	create := get(t, h, "/profile", "good", "en")
	wantAll(t, "the creation form", create.Body.String(), `action="/profile"`, `value="Ada"`, `value="ada@example.org"`,
		"Create the profile", `name="skillRows" value="5"`)
	if strings.Contains(create.Body.String(), "class=\"calendar\"") {
		t.Error("a calendar without a profile")
	}
	opened := get(t, h, "/profile/p1", "good", "en")
	wantAll(t, "the editor", opened.Body.String(), `action="/profile/p1"`, `value="Ada Martin"`, `<option value="mlops" selected>MLOps</option>`,
		`id="years-1" name="years-1" type="number" min="0" max="60" value="4"`, `name="skillRows" value="5"`,
		`value="C21" checked`, `value="pt" checked`, `<option value="WORK_MODE_HYBRID" selected>`)
	// /profile opens the profile the API lists as the consultant's.
	api.list = `{"profiles":[` + strings.TrimSuffix(strings.TrimPrefix(profileJSON, `{"profile":`), "}") + `]}`
	wantAll(t, "the profile the API lists", get(t, h, "/profile", "good", "en").Body.String(), `action="/profile/p1"`, `value="Ada Martin"`)
	api.list = `{"profiles":[]}`
	wantAll(t, "no profile listed", get(t, h, "/profile", "good", "en").Body.String(), `action="/profile"`, "Create the profile")
	for _, path := range []string{"/profile/p2"} {
		if rec := get(t, h, path, "good", "en"); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want the API's 404", path, rec.Code)
		}
	}
	for _, path := range []string{"/profile/p2", "/profile/p2/bookings", "/profile/p2/bookings/remove"} {
		if rec := postForm(h, path, url.Values{"displayName": {"x"}}); rec.Code != http.StatusNotFound {
			t.Errorf("POST %s: %d, want the API's 404", path, rec.Code)
		}
	}
	firm, _ := profileSite(t, identity.RoleFirm)
	if rec := get(t, firm, "/profile/p1", "good", "en"); rec.Code != http.StatusForbidden {
		t.Errorf("a firm's editor: %d, want 403", rec.Code)
	}
}

// editorValues is the editor as posted: row 1 left empty, row 2's level missing.
func editorValues() url.Values {
	return url.Values{"displayName": {"Ada Martin"}, "email": {"ada@example.org"}, "headline": {"CAIO"}, "yearsExperience": {"16"},
		"location.country": {"fr"}, "location.city": {"Lyon"}, "workMode": {"WORK_MODE_REMOTE"}, "dailyRateEur": {"1300"},
		"availableFrom": {"2027-02-01"}, "certifications": {"ISO 42001 Lead Implementer\n\n PMP "}, "mobilityCountries": {"be, ch"},
		"sectors": {"C21", "C"}, "languages": {"fr", "en"}, "skillRows": {"5"},
		"skill-0": {"ai-strategy"}, "level-0": {"5"}, "skill-1": {""}, "level-1": {""}, "skill-2": {"nlp"}, "level-2": {""}, "years-2": {"3"}}
}

func TestProfileEditorSendsAFullReplacementWithProblemsBesideFields(t *testing.T) {
	h, api := profileSite(t, identity.RoleConsultant)
	values := editorValues()
	rec := postForm(h, "/profile/p1", values)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", rec.Code)
	}
	// The API names skills[1]: the second skill sent, which is the form's third row.
	wantAll(t, "the refused editor", rec.Body.String(), `<span class="field-error" id="level-2-error">must be between 1 and 5</span>`,
		`id="level-2" name="level-2" aria-invalid="true" aria-describedby="level-2-error"`, `<option value="nlp" selected>NLP</option>`,
		`>CAIO</textarea>`, `value="1300"`, `value="C" checked`)
	values.Set("yearsExperience", "many")
	wantAll(t, "a number that is not", postForm(h, "/profile/p1", values).Body.String(), `id="yearsExperience-error">must be a whole number</span>`)
	values.Set("yearsExperience", "16")
	values.Set("level-2", "3")
	if rec := postForm(h, "/profile/p1", values); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/profile/p1?saved=1" {
		t.Fatalf("a valid edit: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	sent, _ := json.Marshal(api.last())
	for _, want := range []string{`"skills":[{"id":"ai-strategy","level":5},{"id":"nlp","level":3,"years":3}]`,
		`"bookings":[{"endDate":"2027-04-02","startDate":"2027-03-29"}]`, `"pastMissions":[{"missionType":"MISSION_TYPE_AI_STRATEGY"`,
		`"location":{"city":"Lyon","country":"FR"}`, `"mobilityCountries":["BE","CH"]`, `"certifications":["ISO 42001 Lead Implementer","PMP"]`,
		`"profilingOptOut":false`, `"workMode":"WORK_MODE_REMOTE"`, `"sectors":["C21","C"]`} {
		if !strings.Contains(string(sent), want) {
			t.Errorf("the replacement lacks %s: %s", want, sent)
		}
	}
	for _, never := range []string{`"id":"p1"`, "accountId", "createdAt", "m1"} {
		if strings.Contains(string(sent), never) {
			t.Errorf("the replacement holds %s", never)
		}
	}
	wantAll(t, "the saved profile", get(t, h, "/profile/p1?saved=1", "good", "en").Body.String(), "Your profile is saved.")
}

func TestProfileBookingsAreAddedAndRemoved(t *testing.T) {
	h, api := profileSite(t, identity.RoleConsultant)
	rec := postForm(h, "/profile/p1/bookings", url.Values{"startDate": {"2027-06-10"}, "endDate": {"2027-06-01"}})
	wantAll(t, "a booking refused", rec.Body.String(), `<span class="field-error" id="booking-endDate-error">must not be before startDate</span>`,
		`id="booking-startDate" name="startDate" type="date" value="2027-06-10"`)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("a refused booking: %d", rec.Code)
	}
	rec = postForm(h, "/profile/p1/bookings", url.Values{"startDate": {"2027-06-01"}, "endDate": {"2027-06-10"}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/profile/p1?saved=1&month=2027-06" {
		t.Errorf("a booking: %d to %q, want its month", rec.Code, rec.Header().Get("Location"))
	}
	if sent, _ := json.Marshal(api.last()["bookings"]); string(sent) != `[{"endDate":"2027-04-02","startDate":"2027-03-29"},{"endDate":"2027-06-10","startDate":"2027-06-01"}]` {
		t.Errorf("bookings sent %s", sent)
	}
	if sent, _ := json.Marshal(api.last()["skills"]); string(sent) != `[{"id":"ai-strategy","level":5},{"id":"mlops","level":3,"years":4}]` {
		t.Errorf("adding a booking changed the skills: %s", sent)
	}
	rec = postForm(h, "/profile/p1/bookings/remove", url.Values{"startDate": {"2027-03-29"}, "endDate": {"2027-04-02"}, "month": {"2027-03"}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/profile/p1?saved=1&month=2027-03" {
		t.Errorf("a removal: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	if sent, _ := json.Marshal(api.last()["bookings"]); string(sent) != `[]` {
		t.Errorf("bookings sent after the removal %s", sent)
	}
}

func TestProfileCreation(t *testing.T) {
	h, _ := profileSite(t, identity.RoleConsultant)
	values := editorValues()
	values.Set("skill-0", "")
	values.Set("skill-2", "")
	wantAll(t, "a profile without skills", postForm(h, "/profile", values).Body.String(),
		`<fieldset id="skills" aria-describedby="skills-error">`, `<span class="field-error" id="skills-error">needs at least one skill</span>`)
	values.Set("skill-0", "ai-strategy")
	values.Set("displayName", "Taken")
	if rec := postForm(h, "/profile", values); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/profile" {
		t.Errorf("a second profile: %d to %q, want the existing one opened", rec.Code, rec.Header().Get("Location"))
	}
	values.Set("displayName", "Ada")
	rec := postForm(h, "/profile", values)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/profile/p9?saved=1" {
		t.Errorf("a creation: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
}
