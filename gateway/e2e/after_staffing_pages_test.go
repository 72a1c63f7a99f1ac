package e2e

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"
)

// afterBack is the redirect pattern back to path (with its fragment); the pages client of
// settings_pages_test.go reads redirects by pattern.
func afterBack(path string) string { return regexp.QuoteMeta(path) }

// TestAfterAnOfferThroughThePages is what follows an offer, through the web pages only: the
// firm offers, the consultant counters, the firm accepts the counter, asks for an extension
// (one too long first, refused beside its field), the consultant accepts it, the firm ends the
// mission early and both give feedback; the pages speak French too, and another firm gets the
// API's 404 for the mission's page and its forms.
func TestAfterAnOfferThroughThePages(t *testing.T) {
	p := startPlatform(t, t.TempDir())
	_, firmToken := p.createAccount("FIRM", "Acme Pharma")
	_, consultantToken := p.createAccount("CONSULTANT", "Claire Martin")
	_, otherFirmToken := p.createAccount("FIRM", "Beta Energie")
	firm, consultant, otherFirm := newPageClient(t, p, firmToken), newPageClient(t, p, consultantToken), newPageClient(t, p, otherFirmToken)
	profileID := str(p.mustCall("POST", "/v1/profiles", consultantToken, profileBody("Claire Martin", nil)), "profile", "id")
	missionID := str(p.mustCall("POST", "/v1/missions", firmToken, missionBody(nil)), "mission", "id")
	waitShortlist(t, p, missionID, firmToken, 1)
	missionPage := "/missions/" + missionID
	toMission, toOffers := afterBack(missionPage+"#after-"+missionID), afterBack("/offers#after-"+missionID)

	// The firm offers from the shortlist on its mission page (once the mission service has the
	// shortlist matching just served).
	eventually(t, 5*time.Second, "the offer form accepted", func() bool {
		return firm.post(missionPage+"/offers", url.Values{"profileId": {profileID}, "dailyRateEur": {"1350"},
			"message": {"We would love to work with you."}}).status == http.StatusSeeOther
	})
	firm.get(missionPage).expect(t, "the offered mission", http.StatusOK, "Follow-up", "Offers made",
		"waiting for the consultant&#39;s answer", "1350 € a day")

	// The consultant counters on the offers page.
	offerID := consultant.get("/offers").find(t, "the consultant's offers", `action="/offers/([^/"]+)/counter"`)
	consultant.post("/offers/"+offerID+"/counter", url.Values{"dailyRateEur": {"1450"}, "message": {"My usual rate."}}).
		redirects(t, "the counter", "/offers")

	// The firm accepts the counter: the mission is staffed at that rate.
	firm.get(missionPage).expect(t, "the countered offer", http.StatusOK, "counter-proposal to answer", "1450 € a day", "My usual rate.",
		`action="/missions/`+missionID+`/offers/`+offerID+`/accept-counter"`)
	firm.post(missionPage+"/offers/"+offerID+"/accept-counter", url.Values{}).redirects(t, "accepting the counter", toMission)
	waitMissionStatus(t, p, missionID, firmToken, "MISSION_STATUS_STAFFED")
	firm.get(missionPage).expect(t, "the staffed mission", http.StatusOK, "agreed rate 1450 € a day", "Request an extension",
		"End the mission early")

	// An extension past 18 months is refused beside its field; three more months are asked.
	end := missionStart.AddDate(0, 12, -1)
	newEnd := end.AddDate(0, 3, 0).Format(time.DateOnly)
	firm.post(missionPage+"/extensions", url.Values{"newEndDate": {missionStart.AddDate(0, 19, 0).Format(time.DateOnly)},
		"message": {"Much longer"}}).expect(t, "an extension past 18 months", http.StatusUnprocessableEntity,
		`id="after-`+missionID+`-extension-newEndDate-error"`, ">Much longer</textarea>")
	firm.post(missionPage+"/extensions", url.Values{"newEndDate": {newEnd}, "message": {"The programme is going well."}}).
		redirects(t, "the extension", toMission)

	// The consultant accepts it under their offer; the end date moves.
	offers := consultant.get("/offers")
	offers.expect(t, "the extension asked", http.StatusOK, "Follow-up", "waiting for your answer", "The programme is going well.")
	extensionID := offers.find(t, "the extension asked", `action="/missions/`+missionID+`/extensions/([^/"]+)/accept"`)
	consultant.post("/missions/"+missionID+"/extensions/"+extensionID+"/accept", url.Values{}).
		redirects(t, "accepting the extension", toOffers)
	if got := str(p.mustCall("GET", "/v1"+missionPage, firmToken, nil), "mission", "endDate"); got != newEnd {
		t.Fatalf("end date after the extension: %s, want %s", got, newEnd)
	}
	firm.get(missionPage).expect(t, "the extended mission", http.StatusOK,
		"New end date "+end.AddDate(0, 3, 0).Format("2 January 2006"), "accepted", "Request an extension")

	// The firm ends the mission early; both give their feedback, once.
	firm.post(missionPage+"/end", url.Values{"endDate": {missionStart.AddDate(0, 6, 0).Format(time.DateOnly)},
		"reason": {"The programme is handed over to the permanent team."}}).redirects(t, "the early end", toMission)
	firm.get(missionPage).expect(t, "the ended mission", http.StatusOK, "ended early", "No feedback yet.",
		`action="/missions/`+missionID+`/feedback"`, "I would staff this consultant again")
	firm.post(missionPage+"/feedback", url.Values{"rating": {"5"}, "comment": {"Excellent hand-over."}, "wouldStaffAgain": {"true"}}).
		redirects(t, "the firm's feedback", toMission)
	consultant.post(missionPage+"/feedback", url.Values{"rating": {"4"}, "comment": {"Great team."}}).
		redirects(t, "the consultant's feedback", toOffers)
	consultant.post(missionPage+"/feedback", url.Values{"rating": {"3"}}).
		expect(t, "a second feedback", http.StatusUnprocessableEntity, "You have already given your feedback.")
	firm.get(missionPage).expect(t, "the feedback given", http.StatusOK, "5 out of 5", "Excellent hand-over.",
		"would staff this consultant again", "4 out of 5", "Great team.")
	if fb := list(p.mustCall("GET", "/v1"+missionPage+"/feedback", firmToken, nil), "feedback"); len(fb) != 2 {
		t.Fatalf("feedback through the API: %v", fb)
	}

	// Both languages.
	firm.get(missionPage+"?lang=fr").expect(t, "the firm's page in French", http.StatusOK, `lang="fr"`, "Suivi", "Offres faites",
		"Prolongations", "acceptée", "terminée en avance", "Retours", "5 sur 5", "tarif convenu 1450 € par jour")
	consultant.get("/offers?lang=fr").expect(t, "the consultant's offers in French", http.StatusOK, "Suivi", "Prolongations",
		"Retours", "<strong>Vous</strong>", "4 sur 5")
	consultant.get("/offers?lang=en").expect(t, "the consultant's offers in English", http.StatusOK, "Follow-up", "Extensions",
		"<strong>You</strong>", "<strong>The firm</strong>")

	// Another firm: the API's 404 for the page and for its forms.
	otherFirm.get(missionPage).expect(t, "another firm's mission page", http.StatusNotFound)
	for path, form := range map[string]url.Values{
		missionPage + "/feedback":                        {"rating": {"1"}},
		missionPage + "/extensions":                      {"newEndDate": {newEnd}},
		missionPage + "/offers/" + offerID + "/withdraw": {},
	} {
		otherFirm.post(path, form).expect(t, "another firm posts "+path, http.StatusNotFound)
	}
}
