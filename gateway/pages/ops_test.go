package pages

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/gateway/accounts"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/telemetry"
)

func TestWaterfallPlacesSpansOnTheTracesTimeAxis(t *testing.T) {
	start := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	span := func(service string, atMs, durationMs float64) telemetry.SpanView {
		return telemetry.SpanView{Service: service, Name: service, Start: start.Add(time.Duration(atMs * float64(time.Millisecond))), DurationMs: durationMs}
	}
	// Given out of order, as a store may hold them; the last one is too short for 1 %.
	page := layOut("t1", []telemetry.SpanView{span("matching", 60, 40), span("gateway", 0, 50), span("mission", 10, 20), span("mission", 99.9, 0.01)})
	if page.DurationMs != 100 {
		t.Errorf("the trace lasts %v ms, want 100", page.DurationMs)
	}
	var lanes []string
	var bars []string
	for _, lane := range page.Services {
		lanes = append(lanes, lane.Service)
		for _, b := range lane.Spans {
			bars = append(bars, lane.Service+" "+b.Bar())
		}
	}
	if want := []string{"gateway", "mission", "matching"}; !slices.Equal(lanes, want) {
		t.Errorf("lanes %q, want %q (the order services first act)", lanes, want)
	}
	if want := []string{"gateway at0 sw50", "mission at10 sw20", "mission at99 sw1", "matching at60 sw40"}; !slices.Equal(bars, want) {
		t.Errorf("bars %q, want %q", bars, want)
	}
	if empty := layOut("t2", nil); len(empty.Services) != 0 {
		t.Errorf("a trace without spans has lanes: %+v", empty)
	}
}

// opsAPI answers as the gateway's API would for an operator (or, when firm, for a firm, who
// reads its own missions but none of the operators' endpoints); calls records what was asked.
func opsAPI(firm bool, calls *[]string) http.Handler {
	at := func(s int) string { return time.Date(2027, 1, 10, 9, 0, s, 0, time.UTC).Format(time.RFC3339) }
	// Missions m1 to m5 waited 1, 2, 3, 4 and 10 s for their first shortlist; m6 is still
	// submitted; the trail of m7 cannot be read.
	waits := map[string]int{"m1": 1, "m2": 2, "m3": 3, "m4": 4, "m5": 10}
	missions := []string{
		`{"id":"m1","title":"Quick one","status":"MISSION_STATUS_SHORTLISTED"}`,
		`{"id":"m2","title":"Second","status":"MISSION_STATUS_OFFERED"}`,
		`{"id":"m3","title":"Third","status":"MISSION_STATUS_SHORTLISTED"}`,
		`{"id":"m4","title":"Fourth","status":"MISSION_STATUS_STAFFED"}`,
		`{"id":"m5","title":"Slow pharma programme","status":"MISSION_STATUS_NO_MATCH","createdAt":"` + at(0) + `"}`,
		`{"id":"m6","title":"Waiting","status":"MISSION_STATUS_SUBMITTED"}`,
		`{"id":"m7","title":"Unreadable","status":"MISSION_STATUS_CANCELLED"}`,
	}
	var mu sync.Mutex // the flows page reads trails concurrently
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		*calls = append(*calls, r.Method+" "+r.URL.RequestURI())
		mu.Unlock()
		operatorOnly := strings.HasPrefix(r.URL.Path, "/v1/ops/") || strings.HasPrefix(r.URL.Path, "/v1/staffing-plans")
		if firm && operatorOnly {
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"code":7,"message":"only operators"}`))
			return
		}
		id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v1/missions/"), "/decisions")
		switch {
		case r.URL.Path == "/v1/ops/traces":
			if r.URL.Query().Get("minDurationMs") == "soon" {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(`{"code":3,"details":[{"fieldViolations":[{"field":"minDurationMs","description":"must be a whole number of milliseconds between 0 and 86400000"}]}]}`))
				return
			}
			_, _ = w.Write([]byte(`{"traces":[{"traceId":"0123456789abcdef0123456789abcdef","rootName":"POST /v1/missions","start":"` + at(0) +
				`","durationMs":12.5,"services":["gateway","mission"],"spanCount":4,"errorCount":1}]}`))
		case r.URL.Path == "/v1/missions" && r.URL.Query().Get("pageToken") == "":
			_, _ = fmt.Fprintf(w, `{"missions":[%s],"nextPageToken":"next"}`, strings.Join(missions[:4], ","))
		case r.URL.Path == "/v1/missions":
			_, _ = fmt.Fprintf(w, `{"missions":[%s]}`, strings.Join(missions[4:], ","))
		case strings.HasSuffix(r.URL.Path, "/decisions") && waits[id] > 0:
			submitted := `{"sequence":1,"at":"` + at(0) + `","kind":"DECISION_KIND_MISSION_SUBMITTED","actorRole":"FIRM"},`
			if id == "m5" {
				submitted = "" // an older trail: the mission's creation is its submission
			}
			_, _ = fmt.Fprintf(w, `{"decisions":[%s{"sequence":2,"at":%q,"kind":"DECISION_KIND_SHORTLIST_PROPOSED","actorRole":"SYSTEM"},
				{"sequence":3,"at":%q,"kind":"DECISION_KIND_SHORTLIST_PROPOSED","actorRole":"SYSTEM"}]}`, submitted, at(waits[id]), at(30))
		case r.Method == http.MethodPost && r.URL.Path == "/v1/staffing-plans":
			var sent struct{ MissionIds []string }
			_ = json.NewDecoder(r.Body).Decode(&sent)
			if i, j := slices.Index(sent.MissionIds, "m4"), slices.Index(sent.MissionIds, "m3"); i >= 0 && j >= 0 {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = fmt.Fprintf(w, `{"code":3,"details":[{"fieldViolations":[{"field":"missionIds[%d]","description":"is not an open mission"},
					{"field":"missionIds[%d]","description":"is listed twice"}]}]}`, i, j)
				return
			}
			_, _ = w.Write([]byte(`{"plan":{"id":"plan-1"}}`))
		case r.URL.Path == "/v1/staffing-plans/plan-1":
			_, _ = w.Write([]byte(`{"plan":{"id":"plan-1","createdAt":"` + at(0) + `","scoringVersion":"caio-2026-12","staffedCount":2,"totalScore":1.62,
				"assignments":[{"missionId":"m1","profileId":"p1","score":0.83,"alternates":[{"profileId":"p3","score":0.79},{"profileId":"p4","score":0.7}]},
				{"missionId":"m-old","profileId":"p2","score":0.79}],"unstaffedMissionIds":["m5"],"candidateEdges":9,"solveMs":0.4}}`))
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"code":5,"message":"not found"}`))
		}
	})
}

// opsSite is the pages in front of opsAPI, for a signed-in operator (or firm).
func opsSite(t *testing.T, firm bool, calls *[]string) http.Handler {
	t.Helper()
	role := identity.RoleOperator
	if firm {
		role = identity.RoleFirm
	}
	site, err := New(Config{API: opsAPI(firm, calls), SessionCookie: "session",
		Accounts: fakeAccounts{accounts.Account{ID: "o1", Role: role, Name: "Duty", Status: accounts.StatusActive}}})
	if err != nil {
		t.Fatal(err)
	}
	return site.Handler(http.NotFoundHandler())
}

// okPage is the page at path in English, which must be there.
func okPage(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := get(t, h, path, "good", "en")
	if rec.Code != http.StatusOK {
		t.Fatalf("%s: status %d: %s", path, rec.Code, rec.Body)
	}
	return rec
}

// wantIn checks that body holds every text of want, and no inline style or script, which the
// policy forbids.
func wantIn(t *testing.T, what, body string, want ...string) {
	t.Helper()
	for _, text := range want {
		if !strings.Contains(body, text) {
			t.Errorf("%s lacks %q", what, text)
		}
	}
	if strings.Contains(body, "style=") || strings.Contains(body, "<script>") {
		t.Errorf("%s has an inline style or script", what)
	}
}

func TestFlowsMeasureTheTimeToTheFirstShortlist(t *testing.T) {
	var calls []string
	h := opsSite(t, false, &calls)
	rec := okPage(t, h, "/ops/flows")
	// Median of 1, 2, 3, 4 and 10 s is 3 s; the 90th percentile lies between 4 and 10 s.
	wantIn(t, "the flows page", rec.Body.String(), "Over every mission (7); this page reads the newest 200 at most.",
		"<th scope=\"row\">shortlisted</th><td>2</td>", "<th scope=\"row\">submitted</th><td>1</td>", "<th scope=\"row\">no match</th><td>1</td>",
		"over the missions that have had a shortlist proposed (5)", "could not be read (1)",
		"<dt>Median</dt><dd>3.0 s</dd>", "<dt>90th percentile</dt><dd>7.6 s</dd>", "<dt>Longest</dt><dd>10.0 s</dd>",
		`<a href="/missions/m5">Slow pharma programme</a>`)
	body := rec.Body.String()
	if slow, quick := strings.Index(body, "/missions/m5"), strings.Index(body, "/missions/m1"); slow < 0 || quick < slow {
		t.Error("the slowest mission is not listed first")
	}
	if slices.Contains(calls, "GET /v1/missions/m6/decisions") {
		t.Error("the trail of a mission still submitted was read")
	}
	fr := get(t, h, "/ops/flows?lang=fr", "good", "fr").Body.String()
	wantIn(t, "the French flows page", fr, "Sur toutes les missions (7)", "<dt>Médiane</dt><dd>3,0 s</dd>", "<dd>7,6 s</dd>", "soumise")
}

func TestPercentilesAndElapsedTimes(t *testing.T) {
	s := time.Second
	if got := percentile([]time.Duration{s, 2 * s, 3 * s, 4 * s}, 0.5); got != 2500*time.Millisecond {
		t.Errorf("median of 1 to 4 s = %v, want 2.5s", got)
	}
	if got := percentile([]time.Duration{7 * s}, 0.9); got != 7*s {
		t.Errorf("p90 of one value = %v", got)
	}
	for d, want := range map[time.Duration]string{850 * time.Millisecond: "850 ms", 12*s + 340*time.Millisecond: "12,3 s",
		3*time.Minute + 5*s: "3 min 05 s", 26*time.Hour + 7*time.Minute: "26 h 07 min"} {
		if got := elapsed("fr", d); got != want {
			t.Errorf("elapsed(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestPlanShowsAssignmentsWithTheirAlternates(t *testing.T) {
	var calls []string
	h := opsSite(t, false, &calls)
	rec := okPage(t, h, "/ops/plans/plan-1")
	body := rec.Body.String()
	wantIn(t, "the plan", body, "with scoring caio-2026-12", `<dd id="staffed-count">2</dd>`, `<dd id="total-score">1.62</dd>`,
		`<a href="/missions/m1">Quick one</a>`, `<code class="profile-id">p1</code></td><td class="score">0.83</td>`,
		`<li><code class="profile-id">p3</code> <span class="score">0.79</span></li><li><code class="profile-id">p4</code>`,
		`<a href="/missions/m-old">m-old</a>`, "none", `<ul id="unstaffed"><li><a href="/missions/m5">Slow pharma programme</a>`,
		"the only way back to this plan")
	wantIn(t, "the French plan", get(t, h, "/ops/plans/plan-1?lang=fr", "good", "fr").Body.String(),
		`<dd id="total-score">1,62</dd>`, `<span class="score">0,79</span>`, "Remplaçants", "aucun")
	if rec := get(t, h, "/ops/plans/plan-2", "good", "en"); rec.Code != http.StatusNotFound {
		t.Errorf("an unknown plan: %d, want the API's 404", rec.Code)
	}
}

func TestRunningAPlanShowsItOrTheRefusalBesideTheMission(t *testing.T) {
	var calls []string
	h := opsSite(t, false, &calls)
	form := get(t, h, "/ops/plans", "good", "en").Body.String()
	wantIn(t, "the plans page", form, `id="mission-m1" name="missionIds" value="m1"`, `id="mission-m6"`, "Plans are not listed anywhere")
	if strings.Contains(form, `id="mission-m4"`) || strings.Contains(form, `id="mission-m7"`) {
		t.Error("a staffed or cancelled mission is offered to plan")
	}
	if rec := postForm(h, "/ops/plans", url.Values{"scope": {"all"}}); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/ops/plans/plan-1" {
		t.Errorf("plan every open mission: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	if !slices.Contains(calls, "POST /v1/staffing-plans") {
		t.Errorf("the API was not asked: %q", calls)
	}
	tooMany := url.Values{"scope": {"chosen"}}
	for i := range 201 {
		tooMany.Add("missionIds", fmt.Sprint("m", i))
	}
	if rec := postForm(h, "/ops/plans", tooMany); rec.Code != http.StatusBadRequest {
		t.Errorf("more missions than the form offers: %d, want 400", rec.Code)
	}
	rec := postForm(h, "/ops/plans", url.Values{"scope": {"chosen"}})
	wantIn(t, "a choice of nothing", rec.Body.String(), `<span class="field-error" id="none-chosen">Choose at least one mission.</span>`)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("a choice of nothing: %d", rec.Code)
	}
	rec = postForm(h, "/ops/plans", url.Values{"scope": {"chosen"}, "missionIds": {"m1", "m4", "m3"}})
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("a refused choice: %d", rec.Code)
	}
	// m4 was staffed meanwhile: it is no longer in the form, and the refusal says so above it.
	wantIn(t, "a refused choice", rec.Body.String(), `value="m1" checked>`,
		`value="m3" checked aria-invalid="true" aria-describedby="mission-m3-error">`,
		`<span class="field-error" id="mission-m3-error">This mission is chosen twice.</span>`,
		`<div role="alert"><ul class="error" id="unlisted-refusals"><li><a href="/missions/m4">m4</a> — This mission is no longer open.</li></ul></div>`)
}

func TestTraceSearchFormKeepsItsValues(t *testing.T) {
	var calls []string
	h := opsSite(t, false, &calls)
	rec := okPage(t, h, "/ops/traces?service=mission&rootNameContains=%2Fv1%2Fmissions&minDurationMs=5&errorsOnly=true&limit=20&lang=en")
	wantIn(t, "the trace search", rec.Body.String(), `name="service" value="mission"`, `name="rootNameContains" value="/v1/missions"`,
		`name="minDurationMs" value="5"`, `name="limit" value="20"`, `name="errorsOnly" value="true" checked`, `<label for="search-service">`,
		`<a href="/ops/traces/0123456789abcdef0123456789abcdef">POST /v1/missions</a>`, "Traces found, newest first: 1")
	if want := "GET /v1/ops/traces?errorsOnly=true&limit=20&minDurationMs=5&rootNameContains=%2Fv1%2Fmissions&service=mission"; !slices.Contains(calls, want) {
		t.Errorf("the API was asked %q, want %q", calls, want)
	}
	calls = nil
	get(t, h, "/ops/traces", "good", "en")
	if want := "GET /v1/ops/traces?limit=200"; !slices.Equal(calls, []string{want}) {
		t.Errorf("a first visit asked %q, want %q (blank fields are not sent)", calls, want)
	}
	rec = get(t, h, "/ops/traces?minDurationMs=soon&service=mission&lang=fr", "good", "fr")
	if rec.Code != http.StatusBadRequest {
		t.Errorf("a refused search: %d, want 400", rec.Code)
	}
	wantIn(t, "a refused search", rec.Body.String(), `name="minDurationMs" value="soon" inputmode="numeric" class="number" aria-describedby="search-minDurationMs-hint search-minDurationMs-error" aria-invalid="true"`,
		`<span class="field-error" id="search-minDurationMs-error">Saisissez un nombre entier de millisecondes`, `name="service" value="mission"`)
}

func TestOperatorsPagesAreRefusedToAFirm(t *testing.T) {
	var calls []string
	h := opsSite(t, true, &calls)
	for _, path := range []string{"/ops/flows", "/ops/plans", "/ops/plans/plan-1", "/ops/traces", "/ops/traces?service=mission"} {
		if rec := get(t, h, path, "good", "en"); rec.Code != http.StatusForbidden || strings.Contains(rec.Body.String(), "Quick one") {
			t.Errorf("a firm opens %s: %d, want 403 without the missions", path, rec.Code)
		}
	}
	if rec := postForm(h, "/ops/plans", url.Values{"scope": {"all"}}); rec.Code != http.StatusForbidden {
		t.Errorf("a firm runs a plan: %d, want 403", rec.Code)
	}
	if rec := get(t, h, "/ops/flows", "", "en"); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/signin" {
		t.Errorf("signed out: %d to %q, want the sign-in page", rec.Code, rec.Header().Get("Location"))
	}
}
