package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// pageAnswer is a page as the server sent it, redirects not followed.
type pageAnswer struct {
	status   int
	body     string
	location string
}

// openPage asks for a page with a bearer token (the pages take one, as the API does); a form,
// when given, is posted.
func openPage(t *testing.T, p *platform, path, token string, form url.Values) pageAnswer {
	t.Helper()
	method, body := http.MethodGet, io.Reader(nil)
	if form != nil {
		method, body = http.MethodPost, strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, p.url+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	client := &http.Client{Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return pageAnswer{status: resp.StatusCode, body: string(raw), location: resp.Header.Get("Location")}
}

// wantOnPage checks that a 200 page holds every text of want.
func wantOnPage(t *testing.T, what string, got pageAnswer, want ...string) {
	t.Helper()
	if got.status != http.StatusOK {
		t.Errorf("%s: status %d", what, got.status)
		return
	}
	for _, text := range want {
		if !strings.Contains(got.body, text) {
			t.Errorf("%s lacks %q", what, text)
		}
	}
}

func TestOperatorsFlowsPlansAndTraceSearchPages(t *testing.T) {
	p := startPlatform(t, t.TempDir())
	_, firmToken := p.createAccount("FIRM", "Acme Pharma")
	for i := range 3 {
		_, consultant := p.createAccount("CONSULTANT", fmt.Sprintf("Consultant %d", i))
		p.mustCall("POST", "/v1/profiles", consultant, profileBody(fmt.Sprintf("Consultant %d", i), nil))
	}
	time.Sleep(300 * time.Millisecond) // matching sees the profiles before the missions
	var missions []string
	for range 2 {
		missions = append(missions, str(p.mustCall("POST", "/v1/missions", firmToken, missionBody(nil)), "mission", "id"))
	}
	for _, id := range missions {
		eventually(t, 10*time.Second, "mission "+id+" shortlisted", func() bool {
			return str(p.mustCall("GET", "/v1/missions/"+id, operatorToken, nil), "mission", "status") == "MISSION_STATUS_SHORTLISTED"
		})
	}

	// Flows: both missions, shortlisted, with the time each waited for its first shortlist.
	flows := openPage(t, p, "/ops/flows", operatorToken, nil)
	wantOnPage(t, "the flows page", flows, "Over every mission (2); this page reads the newest 200 at most.",
		`<th scope="row">shortlisted</th><td>2</td>`, "over the missions that have had a shortlist proposed (2)", "<dt>Median</dt>")
	for _, id := range missions {
		if !strings.Contains(flows.body, `<a href="/missions/`+id+`">`) {
			t.Errorf("the flows page does not link mission %s", id)
		}
		// An operator may open the mission the flows page links to.
		if got := openPage(t, p, "/missions/"+id, operatorToken, nil); got.status != http.StatusOK || !strings.Contains(got.body, "Transition CAIO") {
			t.Errorf("an operator opens /missions/%s: status %d", id, got.status)
		}
	}
	wantOnPage(t, "the French flows page", openPage(t, p, "/ops/flows?lang=fr", operatorToken, nil),
		`<html lang="fr">`, "Sur toutes les missions (2)", `<th scope="row">présélection prête</th><td>2</td>`, "<dt>Médiane</dt>")

	// Plans: run over every open mission, then read it at its own address.
	wantOnPage(t, "the plans page", openPage(t, p, "/ops/plans", operatorToken, nil), `value="`+missions[0]+`"`, `value="`+missions[1]+`"`,
		"Plans are not listed anywhere")
	ran := openPage(t, p, "/ops/plans", operatorToken, url.Values{"scope": {"all"}})
	planID, found := strings.CutPrefix(ran.location, "/ops/plans/")
	if ran.status != http.StatusSeeOther || !found || planID == "" {
		t.Fatalf("running a plan: status %d to %q", ran.status, ran.location)
	}
	plan := p.mustCall("GET", "/v1/staffing-plans/"+planID, operatorToken, nil)["plan"].(map[string]any)
	shown := openPage(t, p, ran.location, operatorToken, nil)
	wantOnPage(t, "the plan", shown, `<dd id="staffed-count">2</dd>`, "with scoring "+str(plan, "scoringVersion"), `<ol class="alternates">`)
	alternates := 0
	for _, a := range list(plan, "assignments") {
		assignment := a.(map[string]any)
		wantOnPage(t, "the plan", shown, `<a href="/missions/`+str(assignment, "missionId")+`">`,
			`<code class="profile-id">`+str(assignment, "profileId")+`</code>`)
		for _, alt := range list(assignment, "alternates") {
			alternates++
			wantOnPage(t, "the plan's alternates", shown, `<li><code class="profile-id">`+str(alt.(map[string]any), "profileId")+`</code>`)
		}
	}
	if alternates == 0 {
		t.Errorf("the plan has no alternate to show: %v", plan)
	}
	wantOnPage(t, "the French plan", openPage(t, p, ran.location+"?lang=fr", operatorToken, nil), `<html lang="fr">`, "Affectations", "Remplaçants")

	// Trace search: the submissions are found by service and root name, not by a wrong name.
	search := "/ops/traces?service=mission&rootNameContains=POST+%2Fv1%2Fmissions&limit=50"
	eventually(t, 10*time.Second, "the submissions' traces", func() bool {
		got := openPage(t, p, search, operatorToken, nil)
		return got.status == http.StatusOK && strings.Count(got.body, ">POST /v1/missions</a>") == 2
	})
	wantOnPage(t, "the search", openPage(t, p, search, operatorToken, nil), `name="service" value="mission"`, `value="POST /v1/missions"`)
	wrong := openPage(t, p, "/ops/traces?service=mission&rootNameContains=zz-typed-term", operatorToken, nil)
	wantOnPage(t, "a search by a wrong name", wrong, `id="no-traces"`, `value="zz-typed-term"`)
	if strings.Contains(wrong.body, ">POST /v1/missions</a>") {
		t.Error("a search by a wrong name finds the submissions")
	}
	if got := len(list(p.mustCall("GET", "/v1/ops/traces?service=profile&rootNameContains=%2Fv1%2Fmissions", operatorToken, nil), "traces")); got != 0 {
		t.Errorf("the API finds %d mission submissions in the profile service", got)
	}
	if r := p.call("GET", "/v1/ops/traces?minDurationMs=-5", operatorToken, nil); r.status != http.StatusBadRequest || !strings.Contains(r.raw, `"field":"minDurationMs"`) {
		t.Errorf("a negative duration: %d %s", r.status, r.raw)
	}
	refused := openPage(t, p, "/ops/traces?minDurationMs=soon&lang=fr", operatorToken, nil)
	if refused.status != http.StatusBadRequest || !strings.Contains(refused.body, `id="search-minDurationMs-error">Saisissez un nombre entier`) {
		t.Errorf("a refused search in French: status %d", refused.status)
	}
	// What a caller types names no span and labels no metric.
	for _, tr := range list(p.mustCall("GET", "/v1/ops/traces?limit=1000", operatorToken, nil), "traces") {
		spans := p.call("GET", "/v1/ops/traces/"+str(tr.(map[string]any), "traceId"), operatorToken, nil)
		if strings.Contains(spans.raw, "zz-typed-term") {
			t.Errorf("a search term is in trace %s: %s", str(tr.(map[string]any), "traceId"), spans.raw)
		}
	}
	if metrics := p.call("GET", "/metrics", operatorToken, nil); strings.Contains(metrics.raw, "zz-typed-term") {
		t.Error("a search term labels a metric")
	}

	// A firm gets what the API gives it: 403, and never the missions of others.
	for page, api := range map[string]string{"/ops/flows": "/v1/ops/traces", "/ops/plans": "/v1/ops/traces",
		"/ops/plans/" + planID: "/v1/staffing-plans/" + planID, "/ops/traces?service=mission": "/v1/ops/traces?service=mission"} {
		want := p.call("GET", api, firmToken, nil).status
		if got := openPage(t, p, page, firmToken, nil); got.status != want || want != http.StatusForbidden {
			t.Errorf("a firm opens %s: %d, the API answers %s with %d (want 403)", page, got.status, api, want)
		}
	}
	if got := openPage(t, p, "/ops/plans", firmToken, url.Values{"scope": {"all"}}); got.status != http.StatusForbidden {
		t.Errorf("a firm runs a plan from the page: %d, want 403", got.status)
	}
}
