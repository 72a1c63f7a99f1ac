package e2e

import (
	"slices"
	"testing"
)

// TestEditingAMissionThroughHTTP: PATCH changes only the fields sent (the field mask comes from
// the body), the trail names them, an unknown field is 400 and changes nothing, and an offered
// mission is no longer editable.
func TestEditingAMissionThroughHTTP(t *testing.T) {
	p := startPlatform(t, t.TempDir())
	_, firmToken := p.createAccount("FIRM", "Acme Pharma")
	_, otherFirmToken := p.createAccount("FIRM", "Beta Energie")
	_, consultantToken := p.createAccount("CONSULTANT", "Claire Martin")
	profileID := str(p.mustCall("POST", "/v1/profiles", consultantToken, profileBody("Claire Martin", nil)), "profile", "id")
	missionID := str(p.mustCall("POST", "/v1/missions", firmToken, missionBody(nil)), "mission", "id")
	waitShortlist(t, p, missionID, firmToken, 1)

	if r := p.call("PATCH", "/v1/missions/"+missionID, firmToken, map[string]any{"budget": 1}); r.status != 400 {
		t.Fatalf("PATCH with an unknown field: status %d", r.status)
	}
	if r := p.call("PATCH", "/v1/missions/"+missionID, otherFirmToken, map[string]any{"title": "Hijacked"}); r.status != 404 {
		t.Fatalf("another firm's PATCH: status %d", r.status)
	}
	edited := p.mustCall("PATCH", "/v1/missions/"+missionID, firmToken,
		map[string]any{"title": "Transition CAIO for our AI Act programme", "maxDailyRateEur": 1400})
	if str(edited, "mission", "title") != "Transition CAIO for our AI Act programme" ||
		str(edited, "mission", "maxDailyRateEur") != "1400" || str(edited, "mission", "sector") != "C21" {
		t.Fatalf("edited mission: %v", edited)
	}
	var changed []string
	for _, d := range list(p.mustCall("GET", "/v1/missions/"+missionID+"/decisions", firmToken, nil), "decisions") {
		if str(d.(map[string]any), "kind") == "DECISION_KIND_MISSION_EDITED" {
			for _, f := range list(d.(map[string]any), "changedFields") {
				changed = append(changed, f.(string))
			}
		}
	}
	slices.Sort(changed)
	if !slices.Equal(changed, []string{"maxDailyRateEur", "title"}) {
		t.Fatalf("MISSION_EDITED names %v, want maxDailyRateEur and title", changed)
	}

	makeOffer(t, p, missionID, profileID, firmToken)
	r := p.call("PATCH", "/v1/missions/"+missionID, firmToken, map[string]any{"title": "Too late"})
	if reason, _ := errorParts(r.body); r.status != 400 || reason != "MISSION_NOT_EDITABLE" {
		t.Fatalf("PATCH of an offered mission: status %d, reason %q", r.status, reason)
	}
}
