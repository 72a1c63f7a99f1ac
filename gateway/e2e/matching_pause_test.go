package e2e

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// trailSteps is a mission's decisions trail as kind/actorRole, with the entries themselves.
func trailSteps(p *platform, missionID, token string) ([]string, []map[string]any) {
	var steps []string
	var entries []map[string]any
	for _, d := range list(p.mustCall("GET", "/v1/missions/"+missionID+"/decisions", token, nil), "decisions") {
		dm := d.(map[string]any)
		steps = append(steps, str(dm, "kind")+"/"+str(dm, "actorRole"))
		entries = append(entries, dm)
	}
	return steps, entries
}

// TestMatchingPauseThroughHTTPAndThePage: an operator pauses automated matching from the page
// with a reason; a mission submitted meanwhile reads PAUSED, and a consultant's profile change
// leaves an existing shortlist as it was; the resume ranks both once, and their trails show the
// pause (with the operator's reason) and the resume. Firms get 403 on the switch, in the API
// and on the page; the page speaks French too.
func TestMatchingPauseThroughHTTPAndThePage(t *testing.T) {
	p := startPlatform(t, t.TempDir())
	_, firmToken := p.createAccount("FIRM", "Acme Pharma")
	_, consultantToken := p.createAccount("CONSULTANT", "Claire Martin")
	profileID := str(p.mustCall("POST", "/v1/profiles", consultantToken, profileBody("Claire Martin", nil)), "profile", "id")
	time.Sleep(300 * time.Millisecond) // matching sees the profile before the mission
	before := str(p.mustCall("POST", "/v1/missions", firmToken, missionBody(nil)), "mission", "id")
	waitShortlist(t, p, before, firmToken, 1)
	first := p.mustCall("GET", "/v1/missions/"+before+"/shortlist", firmToken, nil)

	// Firms may not touch the switch.
	for _, c := range []struct {
		method, path string
		body         any
	}{{"GET", "/v1/ops/matching", nil}, {"POST", "/v1/ops/matching/pause", map[string]any{"reason": "firms may not"}},
		{"POST", "/v1/ops/matching/resume", map[string]any{}}} {
		if r := p.call(c.method, c.path, firmToken, c.body); r.status != http.StatusForbidden {
			t.Fatalf("a firm's %s %s: status %d", c.method, c.path, r.status)
		}
	}
	if pg := openPage(t, p, "/ops/matching", firmToken, nil); pg.status != http.StatusForbidden {
		t.Fatalf("a firm's /ops/matching: status %d", pg.status)
	}
	if pg := openPage(t, p, "/ops/matching/pause", firmToken, url.Values{"reason": {"firms may not"}}); pg.status != http.StatusForbidden {
		t.Fatalf("a firm's pause from the page: status %d", pg.status)
	}

	// A reason is required: the API names the field, the page shows the error beside it.
	if r := p.call("POST", "/v1/ops/matching/pause", operatorToken, map[string]any{"reason": " "}); r.status != http.StatusBadRequest ||
		!strings.Contains(r.raw, `"field":"reason"`) {
		t.Fatalf("a pause without a reason: %d %s", r.status, r.raw)
	}
	refused := openPage(t, p, "/ops/matching/pause", operatorToken, url.Values{"reason": {""}})
	if refused.status != http.StatusBadRequest || !strings.Contains(refused.body, `id="pause-reason-error"`) {
		t.Fatalf("the page's refused pause: %d %s", refused.status, refused.body)
	}
	wantOnPage(t, "the running switch", openPage(t, p, "/ops/matching", operatorToken, nil), "Automated matching is running.")

	const reason = "Audit of the scoring weights"
	if pg := openPage(t, p, "/ops/matching/pause", operatorToken, url.Values{"reason": {reason}}); pg.status != http.StatusSeeOther || pg.location != "/ops/matching" {
		t.Fatalf("pause from the page: %d %q", pg.status, pg.location)
	}
	state := p.mustCall("GET", "/v1/ops/matching", operatorToken, nil)
	by := str(state, "by")
	if state["paused"] != true || str(state, "reason") != reason || by == "" || str(state, "since") == "" {
		t.Fatalf("state once paused: %v", state)
	}

	// While paused: a new mission waits, and a profile change re-ranks nothing.
	held := str(p.mustCall("POST", "/v1/missions", firmToken, missionBody(nil)), "mission", "id")
	eventually(t, 5*time.Second, "the new mission's pause in its trail", func() bool {
		steps, _ := trailSteps(p, held, firmToken)
		return slices.Contains(steps, "DECISION_KIND_MATCHING_PAUSED/OPERATOR")
	})
	if s := p.mustCall("GET", "/v1/missions/"+held+"/shortlist", firmToken, nil); str(s, "status") != "SHORTLIST_STATUS_PAUSED" || len(list(s, "candidates")) != 0 {
		t.Fatalf("shortlist of the mission submitted while paused: %v", s)
	}
	p.mustCall("PUT", "/v1/profiles/"+profileID, consultantToken, profileBody("Claire Martin", func(b map[string]any) { b["dailyRateEur"] = 900 }))
	eventually(t, 5*time.Second, "the held re-ranking in the existing mission's trail", func() bool {
		steps, _ := trailSteps(p, before, firmToken)
		return slices.Contains(steps, "DECISION_KIND_MATCHING_PAUSED/OPERATOR")
	})
	if s := p.mustCall("GET", "/v1/missions/"+before+"/shortlist", firmToken, nil); str(s, "revision") != "1" ||
		str(list(s, "candidates")[0].(map[string]any), "score") != str(list(first, "candidates")[0].(map[string]any), "score") {
		t.Fatalf("the existing shortlist changed while paused: %v, was %v", s, first)
	}
	if pg := openPage(t, p, "/missions/"+held, firmToken, nil); !strings.Contains(pg.body, "waiting (matching paused)") {
		t.Errorf("the held mission's page does not say it waits: %s", pg.body)
	}
	wantOnPage(t, "the paused switch", openPage(t, p, "/ops/matching?lang=en", operatorToken, nil),
		"Automated matching is paused.", reason, by, `id="matching-held">2<`, "Resume automated matching")
	wantOnPage(t, "the paused switch in French", openPage(t, p, "/ops/matching?lang=fr", operatorToken, nil),
		"L&#39;appariement automatique est suspendu.", reason, "Reprendre l&#39;appariement automatique", "Suspendu depuis le")

	// The resume ranks both, once.
	if pg := openPage(t, p, "/ops/matching/resume", operatorToken, url.Values{}); pg.status != http.StatusSeeOther {
		t.Fatalf("resume from the page: %d", pg.status)
	}
	if state := p.mustCall("GET", "/v1/ops/matching", operatorToken, nil); state["paused"] == true || str(state, "reason") != "" {
		t.Fatalf("state once resumed: %v", state)
	}
	waitShortlist(t, p, held, firmToken, 1)
	eventually(t, 5*time.Second, "the existing mission re-ranked", func() bool {
		return str(p.mustCall("GET", "/v1/missions/"+before+"/shortlist", firmToken, nil), "revision") == "2"
	})
	for _, id := range []string{held, before} {
		want := []string{"DECISION_KIND_MATCHING_PAUSED/OPERATOR", "DECISION_KIND_MATCHING_RESUMED/OPERATOR", "DECISION_KIND_SHORTLIST_PROPOSED/SYSTEM"}
		var steps []string
		var entries []map[string]any
		eventually(t, 5*time.Second, "the trail of "+id, func() bool {
			steps, entries = trailSteps(p, id, firmToken)
			return isSubsequence(want, steps)
		})
		if countOf(steps, want[0]) != 1 || countOf(steps, want[1]) != 1 {
			t.Fatalf("trail of %s holds the pause or the resume more than once: %v", id, steps)
		}
		for _, e := range entries {
			switch str(e, "kind") {
			case "DECISION_KIND_MATCHING_PAUSED":
				if str(e, "reason") != reason || str(e, "actorAccountId") != by {
					t.Errorf("pause entry of %s: %v", id, e)
				}
			case "DECISION_KIND_MATCHING_RESUMED":
				if str(e, "actorAccountId") != by {
					t.Errorf("resume entry of %s: %v", id, e)
				}
			}
		}
	}
	if steps, _ := trailSteps(p, held, firmToken); countOf(steps, "DECISION_KIND_SHORTLIST_PROPOSED/SYSTEM") != 1 {
		t.Fatalf("the held mission was proposed more than once: %v", steps)
	}
	wantOnPage(t, "the held mission's timeline", openPage(t, p, "/missions/"+held+"?lang=fr", firmToken, nil),
		"Appariement suspendu", "Appariement repris")
}

// countOf counts the steps equal to step.
func countOf(steps []string, step string) int {
	n := 0
	for _, s := range steps {
		if s == step {
			n++
		}
	}
	return n
}

// TestMatchingSwitchInTheBrowser: an operator signed in by link uses the switch with the
// keyboard alone: an empty reason is refused beside its field, a reason pauses, the paused
// page (in English and French) has no serious accessibility violation, and the resume button
// lets matching run again.
func TestMatchingSwitchInTheBrowser(t *testing.T) {
	axe := requireAxe(t)
	chromium := requireChromium(t)
	p := startPlatform(t, t.TempDir())
	a := &auditor{t: t, p: p, axe: axe, audits: new(int)}
	p.mustCall("POST", "/v1/accounts", operatorToken, map[string]any{"role": "OPERATOR", "name": "Duty Operator", "email": "duty@caiomatch.example"})
	browser := newBrowser(t, chromium)
	signInByLink(t, p, browser, "duty@caiomatch.example", `a[href="/ops/matching"]`)

	a.visit(browser, "/ops/matching")
	a.auditForm(browser, "the refused pause", "#pause-reason-error", chromedp.Navigate(p.url+"/ops/matching"),
		chromedp.Focus(chromedp.ID("pause-reason")), chromedp.KeyEvent(kb.Enter))
	if got := read(t, browser, "the refused field", chromedp.AttributeValue(chromedp.ID("pause-reason"), "aria-invalid")).Value; got != "true" {
		t.Errorf("the refused reason's aria-invalid = %q", got)
	}
	a.auditForm(browser, "the paused switch", "#resume-matching", chromedp.SendKeys(chromedp.ID("pause-reason"), "Keyboard drill"+kb.Enter))
	if got := read(t, browser, "the reason shown", chromedp.Text(chromedp.ID("matching-reason"))); got != "Keyboard drill" {
		t.Errorf("the paused page shows the reason %q", got)
	}
	a.visit(browser, "/ops/matching?lang=fr")
	do(t, browser, "resume", chromedp.Focus(chromedp.ID("resume-matching")), chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(chromedp.ID("pause-reason")))
	if state := p.mustCall("GET", "/v1/ops/matching", operatorToken, nil); state["paused"] == true {
		t.Fatalf("still paused after the resume button: %v", state)
	}
}
