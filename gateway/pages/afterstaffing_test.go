package pages

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/caiomatch/caiomatch/gateway/accounts"
	"github.com/caiomatch/caiomatch/pkg/identity"
)

// afterAPI answers as the gateway's API would about mission m1 in one status, for a firm or a
// consultant, and records the forms posted to it. It refuses what the real API refuses in the
// cases the tests need: an extension past 18 months, an end or decline without its field, a
// feedback without rating, a counter-proposal that is not there (o9), another tenant's object.
type afterAPI struct {
	status     string
	offers     string
	extensions string
	feedback   string
	// alreadyGiven refuses every feedback, as given already.
	alreadyGiven bool
	posted       []string
}

func (a *afterAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	refuse := func(status int, reason, field, description string) {
		w.WriteHeader(status)
		details := fmt.Sprintf(`{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":%q}`, reason)
		if field != "" {
			details += fmt.Sprintf(`,{"@type":"type.googleapis.com/google.rpc.BadRequest","fieldViolations":[{"field":%q,"description":%q}]}`,
				field, description)
		}
		_, _ = fmt.Fprintf(w, `{"code":3,"message":"refused","details":[%s]}`, details)
	}
	if strings.Contains(r.URL.Path, "other") {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"code":5,"message":"not found"}`))
		return
	}
	if r.Method == http.MethodPost {
		var sent map[string]any
		_ = json.NewDecoder(r.Body).Decode(&sent)
		a.posted = append(a.posted, fmt.Sprint(r.URL.Path, " ", sent))
		switch {
		case sent["newEndDate"] == "2030-01-01":
			refuse(http.StatusBadRequest, "EXTENSION_TOO_LONG", "newEndDate", "the whole mission may last at most 18 months")
		case strings.HasSuffix(r.URL.Path, "/end") && sent["endDate"] == "":
			refuse(http.StatusBadRequest, "INVALID_ARGUMENT", "endDate", "is not a date")
		case strings.HasSuffix(r.URL.Path, "/decline") && sent["reason"] == "":
			refuse(http.StatusBadRequest, "INVALID_ARGUMENT", "reason", "is required")
		case strings.HasSuffix(r.URL.Path, "/feedback") && sent["rating"] == nil:
			refuse(http.StatusBadRequest, "INVALID_ARGUMENT", "rating", "must be between 1 and 5")
		case strings.HasSuffix(r.URL.Path, "/feedback") && a.alreadyGiven:
			refuse(http.StatusConflict, "FEEDBACK_ALREADY_GIVEN", "", "")
		case r.URL.Path == "/v1/offers/o9/accept-counter":
			refuse(http.StatusBadRequest, "OFFER_NOT_COUNTERED", "", "")
		default:
			_, _ = w.Write([]byte(`{}`))
		}
		return
	}
	switch r.URL.Path {
	case "/v1/missions/m1":
		_, _ = fmt.Fprintf(w, `{"mission":{"id":"m1","title":"Launch the AI programme","status":%q,"startDate":"2027-03-01",
 "endDate":"2028-02-29","staffedProfileId":"p1","agreedDailyRateEur":1450}}`, a.status)
	case "/v1/offers":
		// The API's mission filter: a firm's page asks for its mission's offers only.
		var all []map[string]any
		_ = json.Unmarshal([]byte("["+a.offers+"]"), &all)
		kept := []map[string]any{}
		for _, o := range all {
			if id := r.URL.Query().Get("missionId"); id == "" || o["missionId"] == id {
				kept = append(kept, o)
			}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"offers": kept})
	case "/v1/missions/m1/extensions":
		_, _ = fmt.Fprintf(w, `{"extensions":[%s]}`, a.extensions)
	case "/v1/missions/m1/feedback":
		_, _ = fmt.Fprintf(w, `{"feedback":[%s]}`, a.feedback)
	case "/v1/profiles/p1":
		_, _ = w.Write([]byte(`{"profile":{"id":"p1","displayName":"Claire Martin"}}`))
	case "/v1/missions/m1/decisions", "/v1/notifications", "/v1/taxonomy/skills":
		_, _ = w.Write([]byte(`{}`))
	default:
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"code":5,"message":"not found"}`))
	}
}

// afterSite is the pages in front of api for a signed-in account of role.
func afterSite(t *testing.T, api *afterAPI, role identity.Role) http.Handler {
	t.Helper()
	site, err := New(Config{API: api, SessionCookie: "session",
		Accounts: fakeAccounts{accounts.Account{ID: "a1", Role: role, Name: "Someone", Status: accounts.StatusActive}}})
	if err != nil {
		t.Fatal(err)
	}
	return site.Handler(http.NotFoundHandler())
}

const (
	counteredOffer = `{"id":"o1","missionId":"m1","profileId":"p1","status":"OFFER_STATUS_COUNTERED","createdAt":"2027-01-12T10:00:00Z",
 "dailyRateEur":1350,"message":"We would love to work with you.","counterRateEur":1450,"counterMessage":"My usual rate."}`
	otherMissionOffer = `{"id":"o2","missionId":"m9","profileId":"p2","status":"OFFER_STATUS_PENDING","dailyRateEur":999}`
	acceptedOffer     = `{"id":"o1","missionId":"m1","profileId":"p1","status":"OFFER_STATUS_ACCEPTED","dailyRateEur":1350,
 "counterRateEur":1450,"startDate":"2027-03-01","endDate":"2028-02-29","mission":{"title":"Launch the AI programme","firmName":"Acme"}}`
	pendingExtension = `{"id":"x2","missionId":"m1","status":"EXTENSION_STATUS_PENDING","newEndDate":"2028-05-31",
 "previousEndDate":"2028-02-29","message":"The programme is going well."}`
	declinedExtension = `{"id":"x1","missionId":"m1","status":"EXTENSION_STATUS_DECLINED","newEndDate":"2028-04-30",
 "previousEndDate":"2028-02-29","declineReason":"Booked elsewhere."}`
	consultantFeedback = `{"missionId":"m1","authorRole":"CONSULTANT","rating":4,"comment":"Great team."}`
)

// checkPage fails for each text of want the page's body lacks.
func checkPage(t *testing.T, what string, rec *httptest.ResponseRecorder, status int, want ...string) {
	t.Helper()
	body := rec.Body.String()
	if rec.Code != status {
		t.Errorf("%s: status %d, want %d", what, rec.Code, status)
	}
	for _, text := range want {
		if !strings.Contains(body, text) {
			t.Errorf("%s: the page lacks %q", what, text)
		}
	}
	if strings.Contains(body, "style=") || strings.Contains(body, "<script>") {
		t.Errorf("%s: an inline style or script, which the policy forbids", what)
	}
	// The part names its messages in Go too (labels, summaries, buttons): one missing shows its id.
	if strings.Contains(body, "After_") {
		t.Errorf("%s: a message id missing from the catalogue: %s", what, body[strings.Index(body, "After_"):][:40])
	}
}

// checkPosted posts each form and checks it goes back to location, then that the API was asked.
func checkPosted(t *testing.T, h http.Handler, api *afterAPI, location string, forms map[string]url.Values, asked ...string) {
	t.Helper()
	for path, values := range forms {
		if rec := postForm(h, path, values); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != location {
			t.Errorf("POST %s: %d to %q, want 303 to %s", path, rec.Code, rec.Header().Get("Location"), location)
		}
	}
	for _, want := range asked {
		if !slices.Contains(api.posted, want) {
			t.Errorf("the API was not asked %q: %q", want, api.posted)
		}
	}
}

func TestFirmAnswersACounterProposalOnItsMissionPage(t *testing.T) {
	api := &afterAPI{status: "MISSION_STATUS_OFFERED", offers: counteredOffer + "," + otherMissionOffer}
	h := afterSite(t, api, identity.RoleFirm)
	rec := get(t, h, "/missions/m1", "good", "en")
	checkPage(t, "the firm's mission page", rec, http.StatusOK, `id="after-m1"`, "Offers made", "counter-proposal to answer",
		"1350 € a day", "We would love to work with you.", "1450 € a day", "My usual rate.",
		`action="/missions/m1/offers/o1/accept-counter"`, `action="/missions/m1/offers/o1/withdraw"`)
	if strings.Contains(rec.Body.String(), "999") {
		t.Error("the page shows an offer on another mission")
	}
	checkPosted(t, h, api, "/missions/m1#after-m1", map[string]url.Values{
		"/missions/m1/offers/o1/accept-counter": {}, "/missions/m1/offers/o1/withdraw": {}},
		"/v1/offers/o1/accept-counter map[]", "/v1/offers/o1/withdraw map[]")

	// A refusal about no field is said beside the offer, in the visitor's language.
	rec = postForm(h, "/missions/m1/offers/o9/accept-counter", url.Values{})
	checkPage(t, "accepting a counter-proposal that is not there", rec, http.StatusUnprocessableEntity, "Offers made")
	api.offers = strings.ReplaceAll(counteredOffer, `"o1"`, `"o9"`)
	req := httptest.NewRequest(http.MethodPost, "/missions/m1/offers/o9/accept-counter?lang=fr", nil)
	checkPage(t, "the refusal in French", serve(h, req, "good"), http.StatusUnprocessableEntity,
		`role="alert">Cette offre n&#39;a pas de contre-proposition à accepter.</p>`, "Offres faites", "contre-proposition à traiter")
}

func TestFirmRequestsAnExtensionAndEndsEarly(t *testing.T) {
	api := &afterAPI{status: "MISSION_STATUS_STAFFED", offers: strings.ReplaceAll(counteredOffer, "COUNTERED", "ACCEPTED"),
		extensions: declinedExtension}
	h := afterSite(t, api, identity.RoleFirm)
	checkPage(t, "a staffed mission", get(t, h, "/missions/m1", "good", "en"), http.StatusOK,
		"from 1 March 2027 to 29 February 2028", "agreed rate 1450 € a day", "New end date 30 April 2028 (instead of 29 February 2028)",
		"declined", "Booked elsewhere.", `action="/missions/m1/extensions"`,
		`<label for="after-m1-extension-newEndDate">New end date</label>`, `type="date" value="" min="2028-03-01" max="2028-08-31" required`,
		`action="/missions/m1/end"`, `min="2027-03-01" max="2028-02-28"`)

	checkPosted(t, h, api, "/missions/m1#after-m1", map[string]url.Values{
		"/missions/m1/extensions": {"newEndDate": {"2028-05-31"}, "message": {"Going well"}},
		"/missions/m1/end":        {"endDate": {"2027-09-01"}, "reason": {"Handed over"}}},
		"/v1/missions/m1/extensions map[message:Going well newEndDate:2028-05-31]",
		"/v1/missions/m1/end map[endDate:2027-09-01 reason:Handed over]")

	rec := postForm(h, "/missions/m1/extensions", url.Values{"newEndDate": {"2030-01-01"}, "message": {"Longer"}})
	checkPage(t, "an extension past 18 months", rec, http.StatusUnprocessableEntity, "<details open><summary>Request an extension",
		`value="2030-01-01"`, `aria-invalid="true" aria-describedby="after-m1-extension-newEndDate-error"`,
		`id="after-m1-extension-newEndDate-error">the whole mission may last at most 18 months</span>`, ">Longer</textarea>")
	rec = postForm(h, "/missions/m1/end", url.Values{"endDate": {""}, "reason": {"Budget cut"}})
	checkPage(t, "an end without a date", rec, http.StatusUnprocessableEntity, "<details open><summary>End the mission early",
		`id="after-m1-end-endDate-error">is not a date</span>`, ">Budget cut</textarea>")

	// While an extension waits for the consultant's answer, the firm cannot ask for another.
	api.extensions = pendingExtension
	body := get(t, h, "/missions/m1", "good", "en").Body.String()
	if !strings.Contains(body, "waiting for the consultant&#39;s answer") || strings.Contains(body, `action="/missions/m1/extensions"`) ||
		strings.Contains(body, `action="/missions/m1/extensions/x2/accept"`) {
		t.Error("with a pending extension the firm sees it waiting, and neither a new request nor the consultant's answer")
	}
}

func TestFirmGivesFeedbackOnceTheMissionEnded(t *testing.T) {
	api := &afterAPI{status: "MISSION_STATUS_ENDED_EARLY", feedback: consultantFeedback}
	h := afterSite(t, api, identity.RoleFirm)
	checkPage(t, "an ended mission", get(t, h, "/missions/m1", "good", "en"), http.StatusOK, "ended early", "The consultant",
		"4 out of 5", "Great team.", `action="/missions/m1/feedback"`, `<option value="5">5 – excellent</option>`,
		`<input type="checkbox" id="after-m1-feedback-wouldStaffAgain" name="wouldStaffAgain" value="true">`)
	checkPage(t, "in French", get(t, h, "/missions/m1?lang=fr", "good", "fr"), http.StatusOK, "Retours", "4 sur 5",
		"du 1 mars 2027 au 29 février 2028", "Je referais appel à ce consultant")

	checkPosted(t, h, api, "/missions/m1#after-m1", map[string]url.Values{
		"/missions/m1/feedback": {"rating": {"5"}, "comment": {"Excellent hand-over."}, "wouldStaffAgain": {"true"}}},
		"/v1/missions/m1/feedback map[comment:Excellent hand-over. rating:5 wouldStaffAgain:true]")
	rec := postForm(h, "/missions/m1/feedback", url.Values{"rating": {""}, "comment": {"Fine"}})
	checkPage(t, "a feedback without rating", rec, http.StatusUnprocessableEntity,
		`id="after-m1-feedback-rating-error">must be between 1 and 5</span>`, `<option value="" selected>Choose a rating</option>`, ">Fine</textarea>")
	rec = postForm(h, "/missions/m1/feedback", url.Values{"rating": {"five"}})
	checkPage(t, "a rating that is no number", rec, http.StatusUnprocessableEntity, `id="after-m1-feedback-rating-error">must be a whole number</span>`)

	// Once given, the firm's feedback shows and the form is gone; a second one's refusal is said
	// at the top of the part.
	api.feedback += `,{"missionId":"m1","authorRole":"FIRM","rating":5,"comment":"Excellent hand-over.","wouldStaffAgain":true}`
	body := get(t, h, "/missions/m1", "good", "en").Body.String()
	if !strings.Contains(body, "<strong>You</strong> · <span class=\"rating\">5 out of 5</span> · would staff this consultant again") ||
		strings.Contains(body, `action="/missions/m1/feedback"`) {
		t.Error("the firm's feedback given: not shown, or the form still there")
	}
	api.alreadyGiven = true
	checkPage(t, "a second feedback", postForm(h, "/missions/m1/feedback", url.Values{"rating": {"1"}}), http.StatusUnprocessableEntity,
		`<h2 id="after-m1-title">Follow-up</h2>
<p class="error" role="alert">You have already given your feedback.</p>`)
}

func TestConsultantAnswersExtensionsEndsAndGivesFeedbackUnderTheOffer(t *testing.T) {
	api := &afterAPI{status: "MISSION_STATUS_STAFFED", offers: acceptedOffer, extensions: pendingExtension}
	h := afterSite(t, api, identity.RoleConsultant)
	rec := get(t, h, "/offers", "good", "en")
	checkPage(t, "the consultant's offers", rec, http.StatusOK, `<h3 id="after-m1-title">Follow-up</h3>`,
		"New end date 31 May 2028 (instead of 29 February 2028)", "waiting for your answer", "The programme is going well.",
		`action="/missions/m1/extensions/x2/accept"`, `action="/missions/m1/extensions/x2/decline"`, `action="/missions/m1/end"`)
	if body := rec.Body.String(); strings.Contains(body, "Offers made") || strings.Contains(body, `action="/missions/m1/extensions"`) {
		t.Error("the consultant sees the firm's offers list or its extension request")
	}
	checkPosted(t, h, api, "/offers#after-m1", map[string]url.Values{
		"/missions/m1/extensions/x2/accept":  {},
		"/missions/m1/extensions/x2/decline": {"reason": {"Booked elsewhere."}},
		"/missions/m1/end":                   {"endDate": {"2027-09-01"}, "reason": {"Moving on"}}},
		"/v1/extensions/x2/accept map[]", "/v1/extensions/x2/decline map[reason:Booked elsewhere.]",
		"/v1/missions/m1/end map[endDate:2027-09-01 reason:Moving on]")
	rec = postForm(h, "/missions/m1/extensions/x2/decline", url.Values{"reason": {""}})
	checkPage(t, "a decline without reason", rec, http.StatusUnprocessableEntity, "<details open><summary>Decline the extension",
		`id="after-m1-declineExtension-reason-x2-error">is required</span>`)

	api.status, api.extensions, api.feedback = "MISSION_STATUS_COMPLETED", "", ""
	rec = get(t, h, "/offers?lang=fr", "good", "fr")
	checkPage(t, "a completed mission, in French", rec, http.StatusOK, "terminée", "Aucun retour pour l&#39;instant.", `action="/missions/m1/feedback"`)
	if strings.Contains(rec.Body.String(), "wouldStaffAgain") {
		t.Error("the consultant is asked whether they would staff again")
	}
	checkPosted(t, h, api, "/offers#after-m1", map[string]url.Values{"/missions/m1/feedback": {"rating": {"4"}, "comment": {"Great team."}}},
		"/v1/missions/m1/feedback map[comment:Great team. rating:4]")
	rec = postForm(h, "/missions/m1/feedback", url.Values{"comment": {"No rating"}})
	checkPage(t, "the consultant's feedback without rating", rec, http.StatusUnprocessableEntity,
		`id="after-m1-feedback-rating-error">must be between 1 and 5</span>`, ">No rating</textarea>")
	api.feedback = consultantFeedback
	checkPage(t, "the consultant's feedback given", get(t, h, "/offers", "good", "en"), http.StatusOK,
		"<strong>You</strong> · <span class=\"rating\">4 out of 5</span>")
}

// TestAnotherTenantsObjectsAreTheAPIs404: forms about a mission, an offer or an extension the
// API does not show the visitor answer its 404, not a form shown again.
func TestAnotherTenantsObjectsAreTheAPIs404(t *testing.T) {
	api := &afterAPI{status: "MISSION_STATUS_STAFFED"}
	for _, role := range []identity.Role{identity.RoleFirm, identity.RoleConsultant} {
		h := afterSite(t, api, role)
		for path, values := range map[string]url.Values{
			"/missions/other/end":                      {"endDate": {"2027-09-01"}, "reason": {"Mine now"}},
			"/missions/other/feedback":                 {"rating": {"1"}},
			"/missions/other/extensions":               {"newEndDate": {"2028-05-31"}},
			"/missions/m1/offers/other/withdraw":       {},
			"/missions/m1/extensions/other/decline":    {"reason": {"No"}},
			"/missions/m1/offers/other/accept-counter": {},
		} {
			if rec := postForm(h, path, values); rec.Code != http.StatusNotFound {
				t.Errorf("%s POST %s: %d, want the API's 404", role, path, rec.Code)
			}
		}
	}
	if rec := get(t, afterSite(t, api, identity.RoleFirm), "/missions/other", "good", "en"); rec.Code != http.StatusNotFound {
		t.Errorf("another firm's mission page: %d, want 404", rec.Code)
	}
}
