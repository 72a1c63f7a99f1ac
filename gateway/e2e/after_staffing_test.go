package e2e

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestFromOfferToMissionEnd is issue 12's story through HTTP: an offer with a rate and a
// message → the consultant reads the mission behind it (without the budget) → counters → the
// firm accepts the counter → the firm reads the consultant's email and the consultant the firm's
// contact → an extension, accepted → an early end → both feedbacks; the decisions trail shows
// every step in order, and another firm or another consultant gets 404 at each step.
func TestFromOfferToMissionEnd(t *testing.T) {
	p := startPlatform(t, t.TempDir())
	firm := p.mustCall("POST", "/v1/accounts", operatorToken,
		map[string]any{"role": "FIRM", "name": "Acme Pharma", "email": "caio-hiring@acme.example"})
	firmToken := str(firm, "token")
	_, otherFirmToken := p.createAccount("FIRM", "Beta Energie")
	consultants := map[string]string{} // profile id -> token
	for i := range 2 {
		_, token := p.createAccount("CONSULTANT", fmt.Sprintf("Consultant %d", i))
		body := p.mustCall("POST", "/v1/profiles", token, profileBody(fmt.Sprintf("Consultant %d", i), nil))
		consultants[str(body, "profile", "id")] = token
	}
	missionID := str(p.mustCall("POST", "/v1/missions", firmToken, missionBody(nil)), "mission", "id")
	shortlisted := waitShortlist(t, p, missionID, firmToken, 2)
	chosen, other := shortlisted[0], shortlisted[1]
	consultant, otherConsultant := consultants[chosen], consultants[other]
	notFound := func(what, method, path, token string, body any) {
		t.Helper()
		if r := p.call(method, path, token, body); r.status != 404 {
			t.Fatalf("%s: status %d (%s), want 404", what, r.status, r.raw)
		}
	}

	// A rate over the budget is refused; a rate and a message within it make the offer.
	var offer map[string]any
	eventually(t, 5*time.Second, "an offer with terms", func() bool {
		r := p.call("POST", "/v1/missions/"+missionID+"/shortlist/"+chosen+"/offer", firmToken,
			map[string]any{"dailyRateEur": 1350, "message": "We would love to work with you."})
		offer = r.body
		return r.status == 200
	})
	offerID := str(offer, "offer", "id")
	if str(offer, "offer", "dailyRateEur") != "1350" || str(offer, "offer", "mission", "title") == "" ||
		str(offer, "offer", "mission", "firmName") != "Acme Pharma" {
		t.Fatalf("offer without its terms or summary: %v", offer)
	}

	// The consultant reads the mission behind the offer, without the budget; others cannot.
	m := p.mustCall("GET", "/v1/missions/"+missionID, consultant, nil)
	if str(m, "mission", "title") == "" || str(m, "mission", "maxDailyRateEur") != "0" {
		t.Fatalf("the consultant's view of the mission: %v", m)
	}
	notFound("another consultant reads the mission", "GET", "/v1/missions/"+missionID, otherConsultant, nil)

	// Counter, then the firm accepts the counter: the mission is staffed at that rate.
	notFound("another consultant counters", "POST", "/v1/offers/"+offerID+"/counter", otherConsultant,
		map[string]any{"dailyRateEur": 1400})
	countered := p.mustCall("POST", "/v1/offers/"+offerID+"/counter", consultant,
		map[string]any{"dailyRateEur": 1450, "message": "My usual rate for a 12-month mission."})
	if str(countered, "offer", "status") != "OFFER_STATUS_COUNTERED" || str(countered, "offer", "counterRateEur") != "1450" {
		t.Fatalf("countered offer: %v", countered)
	}
	if r := p.call("POST", "/v1/offers/"+offerID+"/counter", consultant, map[string]any{"dailyRateEur": 1400}); r.status != 400 {
		t.Fatalf("a second counter: status %d", r.status)
	}
	notFound("another firm accepts the counter", "POST", "/v1/offers/"+offerID+"/accept-counter", otherFirmToken, map[string]any{})
	p.mustCall("POST", "/v1/offers/"+offerID+"/accept-counter", firmToken, map[string]any{})
	waitMissionStatus(t, p, missionID, firmToken, "MISSION_STATUS_STAFFED")
	staffed := p.mustCall("GET", "/v1/missions/"+missionID, firmToken, nil)
	if str(staffed, "mission", "staffedProfileId") != chosen || str(staffed, "mission", "agreedDailyRateEur") != "1450" {
		t.Fatalf("staffed mission: %v", staffed)
	}

	// Contact both ways: the firm reads the email, the consultant the firm's contact.
	eventually(t, 5*time.Second, "the staffing firm reads the consultant's email", func() bool {
		r := p.call("GET", "/v1/profiles/"+chosen, firmToken, nil)
		return r.status == 200 && str(r.body, "profile", "email") != ""
	})
	notFound("another firm reads the consultant", "GET", "/v1/profiles/"+chosen, otherFirmToken, nil)
	var mine map[string]any
	for _, o := range list(p.mustCall("GET", "/v1/offers", consultant, nil), "offers") {
		if str(o.(map[string]any), "id") == offerID {
			mine = o.(map[string]any)
		}
	}
	if str(mine, "contactEmail") != "caio-hiring@acme.example" {
		t.Fatalf("the consultant's accepted offer has no firm contact: %v", mine)
	}
	if firmOffers := list(p.mustCall("GET", "/v1/offers?status=OFFER_STATUS_ACCEPTED", firmToken, nil), "offers"); len(firmOffers) != 1 {
		t.Fatalf("the firm's accepted offers: %v", firmOffers)
	}

	// An extension of 3 months, accepted: the end date and the booking move.
	end := missionStart.AddDate(0, 12, -1)
	newEnd := end.AddDate(0, 3, 0).Format(time.DateOnly)
	notFound("another firm extends", "POST", "/v1/missions/"+missionID+"/extensions", otherFirmToken,
		map[string]any{"newEndDate": newEnd})
	if r := p.call("POST", "/v1/missions/"+missionID+"/extensions", firmToken,
		map[string]any{"newEndDate": missionStart.AddDate(0, 19, 0).Format(time.DateOnly)}); r.status != 400 {
		t.Fatalf("an extension past 18 months: status %d", r.status)
	}
	ext := p.mustCall("POST", "/v1/missions/"+missionID+"/extensions", firmToken,
		map[string]any{"newEndDate": newEnd, "message": "The programme is going well."})
	extID := str(ext, "extension", "id")
	notFound("another consultant accepts the extension", "POST", "/v1/extensions/"+extID+"/accept", otherConsultant, map[string]any{})
	p.mustCall("POST", "/v1/extensions/"+extID+"/accept", consultant, map[string]any{})
	if got := str(p.mustCall("GET", "/v1/missions/"+missionID, firmToken, nil), "mission", "endDate"); got != newEnd {
		t.Fatalf("end date after the extension: %s, want %s", got, newEnd)
	}
	eventually(t, 5*time.Second, "the booking follows the extension", func() bool {
		prof := p.mustCall("GET", "/v1/profiles/"+chosen, consultant, nil)
		for _, b := range list(prof["profile"].(map[string]any), "bookings") {
			if str(b.(map[string]any), "missionId") == missionID && str(b.(map[string]any), "endDate") == newEnd {
				return true
			}
		}
		return false
	})

	// Feedback before the end is refused; the consultant ends the mission early.
	if r := p.call("POST", "/v1/missions/"+missionID+"/feedback", firmToken, map[string]any{"rating": 5}); r.status != 400 {
		t.Fatalf("feedback before the end: status %d", r.status)
	}
	earlyEnd := missionStart.AddDate(0, 6, 0).Format(time.DateOnly)
	notFound("another consultant ends the mission", "POST", "/v1/missions/"+missionID+"/end", otherConsultant,
		map[string]any{"endDate": earlyEnd, "reason": "Moving on"})
	ended := p.mustCall("POST", "/v1/missions/"+missionID+"/end", consultant,
		map[string]any{"endDate": earlyEnd, "reason": "The programme is handed over to the permanent team."})
	if str(ended, "mission", "status") != "MISSION_STATUS_ENDED_EARLY" || str(ended, "mission", "endDate") != earlyEnd {
		t.Fatalf("ended mission: %v", ended)
	}

	// Both feedbacks, once each; a third party cannot give or read them.
	p.mustCall("POST", "/v1/missions/"+missionID+"/feedback", firmToken,
		map[string]any{"rating": 5, "comment": "Excellent hand-over.", "wouldStaffAgain": true})
	p.mustCall("POST", "/v1/missions/"+missionID+"/feedback", consultant, map[string]any{"rating": 4, "comment": "Great team."})
	if r := p.call("POST", "/v1/missions/"+missionID+"/feedback", consultant, map[string]any{"rating": 3}); r.status < 400 {
		t.Fatalf("a second feedback: status %d", r.status)
	}
	notFound("another firm gives feedback", "POST", "/v1/missions/"+missionID+"/feedback", otherFirmToken, map[string]any{"rating": 1})
	notFound("another consultant reads the feedback", "GET", "/v1/missions/"+missionID+"/feedback", otherConsultant, nil)
	if fb := list(p.mustCall("GET", "/v1/missions/"+missionID+"/feedback", firmToken, nil), "feedback"); len(fb) != 2 {
		t.Fatalf("feedback: %v", fb)
	}

	// The trail, in order.
	var kinds []string
	for _, d := range list(p.mustCall("GET", "/v1/missions/"+missionID+"/decisions", firmToken, nil), "decisions") {
		kinds = append(kinds, str(d.(map[string]any), "kind"))
	}
	want := []string{"DECISION_KIND_MISSION_SUBMITTED", "DECISION_KIND_SHORTLIST_PROPOSED", "DECISION_KIND_OFFER_MADE",
		"DECISION_KIND_OFFER_COUNTERED", "DECISION_KIND_COUNTER_ACCEPTED", "DECISION_KIND_MISSION_STAFFED",
		"DECISION_KIND_EXTENSION_REQUESTED", "DECISION_KIND_EXTENSION_ACCEPTED", "DECISION_KIND_MISSION_ENDED_EARLY",
		"DECISION_KIND_FEEDBACK_GIVEN", "DECISION_KIND_FEEDBACK_GIVEN"}
	if !isSubsequence(want, kinds) {
		t.Fatalf("trail %v\ndoes not hold, in order, %v", kinds, want)
	}
	notFound("another firm reads the trail", "GET", "/v1/missions/"+missionID+"/decisions", otherFirmToken, nil)
}

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
