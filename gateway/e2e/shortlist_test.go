package e2e

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestSubmissionToShortlist is the foundation's end-to-end story: an operator onboards a firm
// and consultants, consultants publish profiles (some failing one hard rule each), the firm
// submits a mission and gets a ranked, explained shortlist, and the whole submission is one
// trace across gateway, mission, NATS and matching.
func TestSubmissionToShortlist(t *testing.T) {
	p := startPlatform(t, t.TempDir())
	firmID, firmToken := p.createAccount("FIRM", "Acme Pharma")

	eligible := map[string]bool{}
	excluded := map[string]string{} // profile id -> the hard rule it breaks
	breaksOneRule := []struct {
		rule   string
		mutate func(map[string]any)
	}{
		{"REQUIRED_SKILLS_MISSING", func(b map[string]any) {
			b["skills"] = []map[string]any{{"id": "ai-strategy", "level": 5}, {"id": "mlops", "level": 5}}
		}},
		{"DAILY_RATE_OVER_BUDGET", func(b map[string]any) { b["dailyRateEur"] = 1800 }},
		{"NOT_AVAILABLE_AT_START", func(b map[string]any) { b["availableFrom"] = missionStart.AddDate(0, 0, 28).Format(time.DateOnly) }},
		{"NO_SHARED_LANGUAGE", func(b map[string]any) { b["languages"] = []string{"de", "en"} }},
		{"EXPERIENCE_TOO_LOW", func(b map[string]any) { b["yearsExperience"] = 6 }},
		{"BOOKED_DURING_MISSION", func(b map[string]any) {
			b["bookings"] = []map[string]any{{"startDate": missionStart.AddDate(0, 2, 0).Format(time.DateOnly),
				"endDate": missionStart.AddDate(0, 3, 0).Format(time.DateOnly)}}
		}},
		{"WORK_MODE_INCOMPATIBLE", func(b map[string]any) { b["workMode"] = "WORK_MODE_REMOTE" }},
		{"LOCATION_INCOMPATIBLE", func(b map[string]any) { b["location"] = map[string]any{"country": "DE", "city": "Berlin"} }},
		{"PROFILING_OPTED_OUT", func(b map[string]any) { b["profilingOptOut"] = true }},
	}
	for i := range 22 {
		_, token := p.createAccount("CONSULTANT", fmt.Sprintf("Consultant %d", i))
		var mutate func(map[string]any)
		rule := ""
		if i < len(breaksOneRule) {
			rule, mutate = breaksOneRule[i].rule, breaksOneRule[i].mutate
		} else {
			level := 1 + i%5
			mutate = func(b map[string]any) {
				b["skills"] = []map[string]any{{"id": "ai-strategy", "level": level}, {"id": "change-management", "level": 3}, {"id": "mlops", "level": 1 + (i+2)%5}}
				if i%3 == 0 {
					b["sectors"] = []string{"K62"}
				}
			}
		}
		body := p.mustCall("POST", "/v1/profiles", token, profileBody(fmt.Sprintf("Consultant %d", i), mutate))
		id := str(body, "profile", "id")
		if rule != "" {
			excluded[id] = rule
		} else {
			eligible[id] = true
		}
	}

	// Let matching see every profile before the mission arrives, so the first shortlist is
	// computed over all of them (a later profile would only cause a re-rank).
	time.Sleep(300 * time.Millisecond)
	created := p.mustCall("POST", "/v1/missions", firmToken, missionBody(nil))
	missionID := str(created, "mission", "id")
	if got := str(created, "mission", "status"); got != "MISSION_STATUS_SUBMITTED" {
		t.Fatalf("new mission status = %s", got)
	}
	if got := str(created, "mission", "firmId"); got != firmID {
		t.Fatalf("firmId = %s, want the firm's account %s", got, firmID)
	}

	var shortlist map[string]any
	// Matching consumes the profile and mission streams independently, so a profile it has not
	// seen yet re-ranks the mission later; the shortlist converges to the top 5 of all 13.
	eventually(t, 5*time.Second, "shortlist READY with 5 candidates", func() bool {
		shortlist = p.mustCall("GET", "/v1/missions/"+missionID+"/shortlist", firmToken, nil)
		return str(shortlist, "status") == "SHORTLIST_STATUS_READY" && len(list(shortlist, "candidates")) == 5
	})
	if str(shortlist, "scoringVersion") == "" {
		t.Error("shortlist has no scoringVersion")
	}
	candidates := list(shortlist, "candidates")
	if len(candidates) != 5 {
		t.Fatalf("got %d candidates, want 5 (13 eligible)", len(candidates))
	}
	prev := 2.0
	for i, c := range candidates {
		cand := c.(map[string]any)
		id := str(cand, "profileId")
		if rule, bad := excluded[id]; bad {
			t.Errorf("candidate %s breaks hard rule %s", id, rule)
		}
		if !eligible[id] {
			t.Errorf("candidate %s is not one of the eligible profiles", id)
		}
		if rank := cand["rank"].(float64); int(rank) != i+1 {
			t.Errorf("candidate %d has rank %v", i, rank)
		}
		score := cand["score"].(float64)
		if score > prev || score < 0 || score > 1 {
			t.Errorf("score %v out of order or range (previous %v)", score, prev)
		}
		prev = score
		expl := cand["explanation"].(map[string]any)
		names := []string{}
		total := 0.0
		for _, comp := range list(expl, "components") {
			cm := comp.(map[string]any)
			names = append(names, cm["name"].(string))
			total += cm["weight"].(float64) * cm["value"].(float64)
		}
		if !slices.Contains(names, "skills") || !slices.Contains(names, "sector") {
			t.Errorf("explanation components %v lack skills or sector", names)
		}
		if diff := total - score; diff > 1e-5 || diff < -1e-5 {
			t.Errorf("score %v is not the weighted sum of its components (%v)", score, total)
		}
		matched := list(expl, "matchedSkills")
		if !slices.Contains(matched, any("ai-strategy")) || !slices.Contains(matched, any("change-management")) {
			t.Errorf("matchedSkills %v lack the required skills", matched)
		}
	}

	eventually(t, 5*time.Second, "mission SHORTLISTED", func() bool {
		m := p.mustCall("GET", "/v1/missions/"+missionID, firmToken, nil)
		return str(m, "mission", "status") == "MISSION_STATUS_SHORTLISTED"
	})

	// A firm sees a shortlisted consultant's profile, without the email.
	first := str(candidates[0].(map[string]any), "profileId")
	seen := p.mustCall("GET", "/v1/profiles/"+first, firmToken, nil)
	if str(seen, "profile", "email") != "" {
		t.Error("a firm sees a shortlisted consultant's email before any accepted offer")
	}
	for id := range excluded {
		if r := p.call("GET", "/v1/profiles/"+id, firmToken, nil); r.status != 404 {
			t.Errorf("firm reads a profile not on its shortlist: status %d", r.status)
		}
	}

	assertExplanations(t, p, missionID, firmToken, candidates, excluded, eligible)
	for id, rule := range excluded {
		if rule == "DAILY_RATE_OVER_BUDGET" {
			assertLanguages(t, p, missionID, firmToken, id)
		}
	}
	assertSubmissionTrace(t, p)
}

// assertExplanations asks why and why not: operators learn the exact rule that excludes each
// consultant and the breakdown of everyone eligible; the firm only about its candidates.
func assertExplanations(t *testing.T, p *platform, missionID, firmToken string, candidates []any,
	excluded map[string]string, eligible map[string]bool) {
	t.Helper()
	path := func(profileID string) string {
		return "/v1/missions/" + missionID + "/candidates/" + profileID + "/explanation"
	}
	for id, rule := range excluded {
		e := p.mustCall("GET", path(id), operatorToken, nil)
		rules := list(e, "failedRules")
		if e["eligible"] != false || len(rules) != 1 || str(rules[0].(map[string]any), "rule") != rule ||
			str(rules[0].(map[string]any), "detail") == "" {
			t.Errorf("explanation of a consultant breaking %s: %v", rule, e)
		}
		if r := p.call("GET", path(id), firmToken, nil); r.status != 404 {
			t.Errorf("firm asked why an excluded consultant is not shortlisted: status %d, want 404", r.status)
		}
	}
	first := candidates[0].(map[string]any)
	e := p.mustCall("GET", path(str(first, "profileId")), firmToken, nil)
	if e["eligible"] != true || e["shortlisted"] != true || e["rank"].(float64) != 1 ||
		e["score"].(float64) != first["score"].(float64) || len(list(e, "components")) != 7 ||
		len(list(e, "failedRules")) != 0 || e["eligibleCount"].(float64) != float64(len(eligible)) {
		t.Errorf("explanation of the first candidate = %v, shortlist entry %v", e, first)
	}
	for id := range eligible {
		if slices.ContainsFunc(candidates, func(c any) bool { return str(c.(map[string]any), "profileId") == id }) {
			continue
		}
		e := p.mustCall("GET", path(id), operatorToken, nil)
		if e["eligible"] != true || e["shortlisted"] != false || e["rank"].(float64) <= 5 {
			t.Errorf("explanation of an eligible consultant left off the shortlist = %v", e)
		}
		break
	}
	_, consultantToken := p.createAccount("CONSULTANT", "Curious Consultant")
	if r := p.call("GET", path(str(first, "profileId")), consultantToken, nil); r.status != 403 {
		t.Errorf("a consultant asked for an explanation: status %d, want 403", r.status)
	}
	if r := p.call("GET", path("0190a0a0-0000-7000-8000-000000000000"), operatorToken, nil); r.status != 404 {
		t.Errorf("explanation of an unknown profile: status %d, want 404", r.status)
	}
}

// assertSubmissionTrace finds the trace of POST /v1/missions and checks it spans the gateway,
// the mission service, the NATS hop and matching.
func assertSubmissionTrace(t *testing.T, p *platform) {
	t.Helper()
	var traceID string
	eventually(t, 5*time.Second, "submission trace reaches matching", func() bool {
		traces := p.mustCall("GET", "/v1/ops/traces?limit=200", operatorToken, nil)
		for _, tr := range list(traces, "traces") {
			summary := tr.(map[string]any)
			if summary["rootName"] != "POST /v1/missions" {
				continue
			}
			services := list(summary, "services")
			if slices.Contains(services, any("gateway")) && slices.Contains(services, any("mission")) &&
				slices.Contains(services, any("matching")) {
				traceID = str(summary, "traceId")
				return true
			}
		}
		return false
	})
	spans := list(p.mustCall("GET", "/v1/ops/traces/"+traceID, operatorToken, nil), "spans")
	var publish, process bool
	for _, s := range spans {
		span := s.(map[string]any)
		name := span["name"].(string)
		if span["service"] == "mission" && span["kind"] == "producer" && len(name) > 8 && name[:8] == "publish " {
			publish = true
		}
		if span["service"] == "matching" && span["kind"] == "consumer" && len(name) > 8 && name[:8] == "process " {
			process = true
		}
	}
	if !publish || !process {
		t.Errorf("trace %s lacks the NATS producer span in mission (%v) or consumer span in matching (%v)", traceID, publish, process)
	}
}
