package e2e

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestMissionLifecycle is issue 4's story through HTTP: submit → shortlist → offer → decline →
// fresh shortlist without the decliner → offer → accept → mission staffed, consultant booked
// and absent from an overlapping mission's shortlist; the decisions trail shows each step with
// its actor.
func TestMissionLifecycle(t *testing.T) {
	p := startPlatform(t, t.TempDir())
	_, firmToken := p.createAccount("FIRM", "Acme Pharma")
	_, otherFirmToken := p.createAccount("FIRM", "Beta Energie")
	consultantTokens := map[string]string{} // profile id -> token
	for i := range 4 {
		_, token := p.createAccount("CONSULTANT", fmt.Sprintf("Consultant %d", i))
		level := 5 - i // distinct scores: consultant 0 ranks first
		body := p.mustCall("POST", "/v1/profiles", token, profileBody(fmt.Sprintf("Consultant %d", i), func(b map[string]any) {
			b["skills"] = []map[string]any{{"id": "ai-strategy", "level": 5}, {"id": "change-management", "level": 4},
				{"id": "mlops", "level": level}}
		}))
		consultantTokens[str(body, "profile", "id")] = token
	}
	time.Sleep(300 * time.Millisecond)

	missionID := str(p.mustCall("POST", "/v1/missions", firmToken, missionBody(nil)), "mission", "id")
	first := waitShortlist(t, p, missionID, firmToken, 1)

	// Offer to the first candidate; they decline.
	decliner := first[0]
	offer := makeOffer(t, p, missionID, decliner, firmToken)
	offerID := str(offer, "offer", "id")
	if str(offer, "offer", "status") != "OFFER_STATUS_PENDING" {
		t.Fatalf("new offer: %v", offer)
	}
	waitMissionStatus(t, p, missionID, firmToken, "MISSION_STATUS_OFFERED")
	mine := p.mustCall("GET", "/v1/offers", consultantTokens[decliner], nil)
	if len(list(mine, "offers")) != 1 || str(list(mine, "offers")[0].(map[string]any), "id") != offerID {
		t.Fatalf("the consultant's offers: %v", mine)
	}
	if r := p.call("POST", "/v1/offers/"+offerID+"/decline", consultantTokens[decliner], map[string]any{}); r.status != 400 {
		t.Fatalf("decline without a reason: status %d", r.status)
	}
	p.mustCall("POST", "/v1/offers/"+offerID+"/decline", consultantTokens[decliner], map[string]any{"reason": "Committed elsewhere"})

	// A fresh shortlist without the decliner.
	second := waitShortlistWithout(t, p, missionID, firmToken, decliner)
	chosen := second[0]
	// Matching answers with it as soon as it is stored; the mission service takes it in from the
	// stream, and ignores a shortlist that arrives once the mission is staffed: wait for it there,
	// so that the trail below holds it whatever the load.
	eventually(t, 10*time.Second, "the fresh shortlist in the mission's trail", func() bool {
		proposals := 0
		for _, d := range list(p.mustCall("GET", "/v1/missions/"+missionID+"/decisions", firmToken, nil), "decisions") {
			if str(d.(map[string]any), "kind") == "DECISION_KIND_SHORTLIST_PROPOSED" {
				proposals++
			}
		}
		return proposals >= 2
	})
	offer = makeOffer(t, p, missionID, chosen, firmToken)
	offerID = str(offer, "offer", "id")
	if r := p.call("POST", "/v1/offers/"+offerID+"/accept", consultantTokens[decliner], map[string]any{}); r.status != 404 {
		t.Fatalf("another consultant accepted the offer: status %d", r.status)
	}
	accepted := p.mustCall("POST", "/v1/offers/"+offerID+"/accept", consultantTokens[chosen], map[string]any{})
	if str(accepted, "offer", "status") != "OFFER_STATUS_ACCEPTED" {
		t.Fatalf("accepted offer: %v", accepted)
	}
	waitMissionStatus(t, p, missionID, firmToken, "MISSION_STATUS_STAFFED")

	// The consultant is booked for the window, and an overlapping mission never shortlists them.
	eventually(t, 5*time.Second, "booking on the profile", func() bool {
		prof := p.mustCall("GET", "/v1/profiles/"+chosen, consultantTokens[chosen], nil)
		for _, b := range list(prof["profile"].(map[string]any), "bookings") {
			if str(b.(map[string]any), "missionId") == missionID {
				return true
			}
		}
		return false
	})
	overlapping := str(p.mustCall("POST", "/v1/missions", otherFirmToken, missionBody(nil)), "mission", "id")
	others := waitShortlist(t, p, overlapping, otherFirmToken, 1)
	if slices.Contains(others, chosen) {
		t.Fatalf("the booked consultant is on an overlapping mission's shortlist: %v", others)
	}
	expl := p.mustCall("GET", "/v1/missions/"+overlapping+"/candidates/"+chosen+"/explanation", operatorToken, nil)
	rules := list(expl, "failedRules")
	if len(rules) != 1 || str(rules[0].(map[string]any), "rule") != "BOOKED_DURING_MISSION" {
		t.Fatalf("why the booked consultant is not a candidate: %v", expl)
	}

	// The trail: each step, in order, with its actor.
	trail := list(p.mustCall("GET", "/v1/missions/"+missionID+"/decisions", firmToken, nil), "decisions")
	var steps []string
	for _, d := range trail {
		dm := d.(map[string]any)
		steps = append(steps, str(dm, "kind")+"/"+str(dm, "actorRole"))
	}
	want := []string{"DECISION_KIND_MISSION_SUBMITTED/FIRM", "DECISION_KIND_SHORTLIST_PROPOSED/SYSTEM",
		"DECISION_KIND_OFFER_MADE/FIRM", "DECISION_KIND_OFFER_DECLINED/CONSULTANT", "DECISION_KIND_SHORTLIST_PROPOSED/SYSTEM",
		"DECISION_KIND_OFFER_MADE/FIRM", "DECISION_KIND_OFFER_ACCEPTED/CONSULTANT"}
	if !isSubsequence(want, steps) {
		t.Fatalf("decisions trail %v does not hold %v in order", steps, want)
	}
	for _, d := range trail {
		dm := d.(map[string]any)
		if str(dm, "kind") == "DECISION_KIND_OFFER_DECLINED" && str(dm, "reason") != "Committed elsewhere" {
			t.Errorf("declined entry without its reason: %v", dm)
		}
		if str(dm, "kind") == "DECISION_KIND_SHORTLIST_PROPOSED" && (str(dm, "scoringVersion") == "" || len(list(dm, "candidates")) == 0) {
			t.Errorf("proposal entry without its candidates and scoring version: %v", dm)
		}
	}
	if r := p.call("GET", "/v1/missions/"+missionID+"/decisions", otherFirmToken, nil); r.status != 404 {
		t.Errorf("another firm read the trail: status %d", r.status)
	}

	// Operators plan the open missions: the overlapping one, without the booked consultant.
	plan := p.mustCall("POST", "/v1/staffing-plans", operatorToken, map[string]any{})
	pl := plan["plan"].(map[string]any)
	if pl["staffedCount"].(float64) != 1 || str(list(pl, "assignments")[0].(map[string]any), "missionId") != overlapping {
		t.Fatalf("staffing plan: %v", plan)
	}
	if str(list(pl, "assignments")[0].(map[string]any), "profileId") == chosen {
		t.Fatalf("the plan staffs a booked consultant: %v", plan)
	}
	got := p.mustCall("GET", "/v1/staffing-plans/"+str(pl, "id"), operatorToken, nil)
	if str(got, "plan", "id") != str(pl, "id") {
		t.Fatalf("stored plan: %v", got)
	}
	if r := p.call("POST", "/v1/staffing-plans", firmToken, map[string]any{}); r.status != 403 {
		t.Fatalf("a firm asked for a staffing plan: status %d", r.status)
	}
}

// makeOffer retries while the mission service has not yet taken in the shortlist matching
// just served (they consume the same event independently).
func makeOffer(t *testing.T, p *platform, missionID, profileID, token string) map[string]any {
	t.Helper()
	var r response
	eventually(t, 5*time.Second, "an offer to "+profileID, func() bool {
		r = p.call("POST", "/v1/missions/"+missionID+"/shortlist/"+profileID+"/offer", token, map[string]any{})
		return r.status == 200
	})
	return r.body
}

func isSubsequence(want, got []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}

func candidatesOf(s map[string]any) []string {
	var ids []string
	for _, c := range list(s, "candidates") {
		ids = append(ids, str(c.(map[string]any), "profileId"))
	}
	return ids
}

func waitShortlist(t *testing.T, p *platform, missionID, token string, atLeast int) []string {
	t.Helper()
	var ids []string
	eventually(t, 5*time.Second, "a READY shortlist", func() bool {
		s := p.mustCall("GET", "/v1/missions/"+missionID+"/shortlist", token, nil)
		ids = candidatesOf(s)
		return str(s, "status") == "SHORTLIST_STATUS_READY" && len(ids) >= atLeast
	})
	return ids
}

func waitShortlistWithout(t *testing.T, p *platform, missionID, token, profileID string) []string {
	t.Helper()
	var ids []string
	eventually(t, 5*time.Second, "a shortlist without "+profileID, func() bool {
		s := p.mustCall("GET", "/v1/missions/"+missionID+"/shortlist", token, nil)
		ids = candidatesOf(s)
		return str(s, "status") == "SHORTLIST_STATUS_READY" && len(ids) > 0 && !slices.Contains(ids, profileID)
	})
	return ids
}

func waitMissionStatus(t *testing.T, p *platform, missionID, token, status string) {
	t.Helper()
	eventually(t, 5*time.Second, "mission "+status, func() bool {
		return str(p.mustCall("GET", "/v1/missions/"+missionID, token, nil), "mission", "status") == status
	})
}
