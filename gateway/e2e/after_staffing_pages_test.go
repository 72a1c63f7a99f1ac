package e2e

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// afterVisitor browses the web pages as one account: its token as a bearer, a cookie jar for
// the language chosen, and redirects left for the test to check.
type afterVisitor struct {
	t      *testing.T
	p      *platform
	token  string
	client *http.Client
}

func newAfterVisitor(t *testing.T, p *platform, token string) *afterVisitor {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &afterVisitor{t: t, p: p, token: token, client: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do sends one request and returns the status, the Location header and the body.
func (v *afterVisitor) do(method, path string, form url.Values) (int, string, string) {
	v.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, v.p.url+path, body)
	if err != nil {
		v.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+v.token)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := v.client.Do(req)
	if err != nil {
		v.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(raw)
}

// page reads a page that must answer 200 and hold every text of want.
func (v *afterVisitor) page(path string, want ...string) string {
	v.t.Helper()
	status, _, body := v.do(http.MethodGet, path, nil)
	if status != http.StatusOK {
		v.t.Fatalf("GET %s: status %d", path, status)
	}
	for _, text := range want {
		if !strings.Contains(body, text) {
			v.t.Errorf("GET %s lacks %q", path, text)
		}
	}
	return body
}

// post sends a form that must succeed: 303 back to location.
func (v *afterVisitor) post(path string, form url.Values, location string) {
	v.t.Helper()
	status, at, body := v.do(http.MethodPost, path, form)
	if status != http.StatusSeeOther || at != location {
		v.t.Fatalf("POST %s: %d to %q, want 303 to %q\n%s", path, status, at, location, body)
	}
}

// afterFind is the first group of pattern in body.
func afterFind(t *testing.T, body, pattern string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("the page has nothing like %s", pattern)
	}
	return m[1]
}

// TestAfterAnOfferThroughThePages is what follows an offer, through the web pages only: the
// firm offers, the consultant counters, the firm accepts the counter, asks for an extension
// (one too long first, refused beside its field), the consultant accepts it, the firm ends the
// mission early and both give feedback; the pages speak French too, and another firm gets the
// API's 404 for the mission's page and its forms.
func TestAfterAnOfferThroughThePages(t *testing.T) {
	p := startPlatform(t, t.TempDir())
	_, firmToken := p.createAccount("FIRM", "Acme Pharma")
	_, otherFirmToken := p.createAccount("FIRM", "Beta Energie")
	_, consultantToken := p.createAccount("CONSULTANT", "Claire Martin")
	profileID := str(p.mustCall("POST", "/v1/profiles", consultantToken, profileBody("Claire Martin", nil)), "profile", "id")
	missionID := str(p.mustCall("POST", "/v1/missions", firmToken, missionBody(nil)), "mission", "id")
	waitShortlist(t, p, missionID, firmToken, 1)
	firm, consultant, otherFirm := newAfterVisitor(t, p, firmToken), newAfterVisitor(t, p, consultantToken), newAfterVisitor(t, p, otherFirmToken)
	missionPage, back := "/missions/"+missionID, "/missions/"+missionID+"#after-"+missionID

	// The firm offers from the shortlist on its mission page (once the mission service has the
	// shortlist matching just served).
	eventually(t, 5*time.Second, "the offer form accepted", func() bool {
		status, _, _ := firm.do(http.MethodPost, missionPage+"/offers",
			url.Values{"profileId": {profileID}, "dailyRateEur": {"1350"}, "message": {"We would love to work with you."}})
		return status == http.StatusSeeOther
	})
	firm.page(missionPage, "Follow-up", "Offers made", "waiting for the consultant&#39;s answer", "1350 € a day")

	// The consultant counters on the offers page.
	offerID := afterFind(t, consultant.page("/offers", "1350 € a day"), `action="/offers/([^/"]+)/counter"`)
	consultant.post("/offers/"+offerID+"/counter", url.Values{"dailyRateEur": {"1450"}, "message": {"My usual rate."}}, "/offers")

	// The firm accepts the counter: the mission is staffed at that rate.
	firm.page(missionPage, "counter-proposal to answer", "1450 € a day", "My usual rate.",
		`action="/missions/`+missionID+`/offers/`+offerID+`/accept-counter"`)
	firm.post(missionPage+"/offers/"+offerID+"/accept-counter", url.Values{}, back)
	waitMissionStatus(t, p, missionID, firmToken, "MISSION_STATUS_STAFFED")
	firm.page(missionPage, "agreed rate 1450 € a day", "Request an extension", "End the mission early")

	// An extension past 18 months is refused beside its field; three more months are asked.
	end := missionStart.AddDate(0, 12, -1)
	newEnd := end.AddDate(0, 3, 0).Format(time.DateOnly)
	status, _, body := firm.do(http.MethodPost, missionPage+"/extensions",
		url.Values{"newEndDate": {missionStart.AddDate(0, 19, 0).Format(time.DateOnly)}, "message": {"Much longer"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="after-`+missionID+`-extension-newEndDate-error"`) ||
		!strings.Contains(body, ">Much longer</textarea>") {
		t.Fatalf("an extension past 18 months: status %d, or no problem beside the new end date", status)
	}
	firm.post(missionPage+"/extensions", url.Values{"newEndDate": {newEnd}, "message": {"The programme is going well."}}, back)

	// The consultant accepts it under their offer; the end date moves.
	offers := consultant.page("/offers", "Follow-up", "waiting for your answer", "The programme is going well.")
	extensionID := afterFind(t, offers, `action="/missions/`+missionID+`/extensions/([^/"]+)/accept"`)
	consultant.post("/missions/"+missionID+"/extensions/"+extensionID+"/accept", url.Values{}, "/offers#after-"+missionID)
	if got := str(p.mustCall("GET", "/v1"+missionPage, firmToken, nil), "mission", "endDate"); got != newEnd {
		t.Fatalf("end date after the extension: %s, want %s", got, newEnd)
	}
	firm.page(missionPage, "New end date "+end.AddDate(0, 3, 0).Format("2 January 2006"), "accepted", "Request an extension")

	// The firm ends the mission early; both give their feedback.
	firm.post(missionPage+"/end", url.Values{"endDate": {missionStart.AddDate(0, 6, 0).Format(time.DateOnly)},
		"reason": {"The programme is handed over to the permanent team."}}, back)
	firm.page(missionPage, "ended early", "No feedback yet.", `action="/missions/`+missionID+`/feedback"`, "I would staff this consultant again")
	firm.post(missionPage+"/feedback", url.Values{"rating": {"5"}, "comment": {"Excellent hand-over."}, "wouldStaffAgain": {"true"}}, back)
	consultant.post(missionPage+"/feedback", url.Values{"rating": {"4"}, "comment": {"Great team."}}, "/offers#after-"+missionID)
	status, _, body = consultant.do(http.MethodPost, missionPage+"/feedback", url.Values{"rating": {"3"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "You have already given your feedback.") {
		t.Errorf("a second feedback: status %d, or the page does not say it was given already", status)
	}
	firm.page(missionPage, "5 out of 5", "Excellent hand-over.", "would staff this consultant again", "4 out of 5", "Great team.")
	if fb := list(p.mustCall("GET", "/v1"+missionPage+"/feedback", firmToken, nil), "feedback"); len(fb) != 2 {
		t.Fatalf("feedback through the API: %v", fb)
	}

	// Both languages.
	firm.page(missionPage+"?lang=fr", `lang="fr"`, "Suivi", "Offres faites", "Prolongations", "acceptée", "terminée en avance",
		"Retours", "5 sur 5", "tarif convenu 1450 € par jour")
	consultant.page("/offers?lang=fr", "Suivi", "Prolongations", "Retours", "<strong>Vous</strong>", "4 sur 5")
	consultant.page("/offers?lang=en", "Follow-up", "Extensions", "<strong>You</strong>", "<strong>The firm</strong>")

	// Another firm: the API's 404 for the page and for its forms.
	if status, _, _ := otherFirm.do(http.MethodGet, missionPage, nil); status != http.StatusNotFound {
		t.Errorf("another firm opens the mission page: %d, want 404", status)
	}
	for path, form := range map[string]url.Values{
		missionPage + "/feedback":                        {"rating": {"1"}},
		missionPage + "/extensions":                      {"newEndDate": {newEnd}},
		missionPage + "/offers/" + offerID + "/withdraw": {},
	} {
		if status, _, _ := otherFirm.do(http.MethodPost, path, form); status != http.StatusNotFound {
			t.Errorf("another firm posts %s: %d, want 404", path, status)
		}
	}
}
