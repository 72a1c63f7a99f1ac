package pages

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/caiomatch/caiomatch/gateway/accounts"
	"github.com/caiomatch/caiomatch/pkg/identity"
)

const offersJSON = `{"offers":[{"id":"o1","missionId":"m1","profileId":"p1","status":"OFFER_STATUS_PENDING","dailyRateEur":1400,
 "message":"We like your profile.","startDate":"2027-03-01","endDate":"2028-02-29",
 "mission":{"title":"Launch the AI programme","sectorName":"Pharmaceuticals","firmName":"Acme"}}]}`

// consultantSite is the pages in front of an API that knows one pending offer, for a signed-in
// consultant; answers records the answers posted to it.
func consultantSite(t *testing.T, answers *[]string) http.Handler {
	t.Helper()
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost:
			var sent map[string]any
			_ = json.NewDecoder(r.Body).Decode(&sent)
			*answers = append(*answers, fmt.Sprint(r.URL.Path, " ", sent))
			if sent["reason"] == "" || sent["dailyRateEur"] == float64(30000) {
				field := map[bool]string{true: "reason", false: "dailyRateEur"}[sent["reason"] == ""]
				w.WriteHeader(http.StatusBadRequest)
				_, _ = fmt.Fprintf(w, `{"code":3,"details":[{"fieldViolations":[{"field":%q,"description":"is not acceptable"}]}]}`, field)
				return
			}
			_, _ = w.Write([]byte(`{}`))
		case r.URL.Path == "/v1/offers" && r.URL.Query().Get("pageToken") == "older":
			_, _ = w.Write([]byte(`{"offers":[]}`))
		case r.URL.Path == "/v1/offers":
			_, _ = w.Write([]byte(strings.TrimSuffix(strings.TrimSpace(offersJSON), "}") + `,"nextPageToken":"older"}`))
		case r.URL.Path == "/v1/missions/m1":
			_, _ = w.Write([]byte(missionJSON))
		case r.URL.Path == "/v1/taxonomy/skills":
			_, _ = w.Write([]byte(`{"skills":[{"id":"ai-strategy","name":"AI strategy"},{"id":"mlops","name":"MLOps"}]}`))
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	})
	site, err := New(Config{API: api, SessionCookie: "session",
		Accounts: fakeAccounts{accounts.Account{ID: "c1", Role: identity.RoleConsultant, Name: "Ada", Status: accounts.StatusActive}}})
	if err != nil {
		t.Fatal(err)
	}
	return site.Handler(http.NotFoundHandler())
}

func TestOffersPageShowsTheMissionBehindEachOffer(t *testing.T) {
	var answers []string
	rec := get(t, consultantSite(t, &answers), "/offers", "good", "en")
	body := rec.Body.String()
	for _, want := range []string{"Launch the AI programme", "Pharmaceuticals", "<li>AI strategy</li><li>MLOps</li>",
		"2027-03-01 → 2028-02-29", "1400 € a day", "We like your profile.", `action="/offers/o1/accept"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the offers page (%d) lacks %q", rec.Code, want)
		}
	}
}

func TestOfferAnswersShowTheAPIsRefusalBesideTheirFields(t *testing.T) {
	var answers []string
	h := consultantSite(t, &answers)
	rec := postForm(h, "/offers/o1/decline", url.Values{"reason": {"  "}})
	if body := rec.Body.String(); rec.Code != http.StatusUnprocessableEntity ||
		!strings.Contains(body, `id="reason-o1-error">is not acceptable</span>`) || !strings.Contains(body, `<details class="decline" open>`) {
		t.Errorf("a decline without reason: %d, page without the problem beside the reason", rec.Code)
	}
	rec = postForm(h, "/offers/o1/counter", url.Values{"dailyRateEur": {"30000"}, "message": {"More, please"}})
	if body := rec.Body.String(); rec.Code != http.StatusUnprocessableEntity ||
		!strings.Contains(body, `id="counter-dailyRateEur-o1-error">is not acceptable</span>`) || !strings.Contains(body, ">More, please</textarea>") {
		t.Errorf("a refused counter: %d, page without the problem beside the rate", rec.Code)
	}
	for path, values := range map[string]url.Values{"/offers/o1/accept": {}, "/offers/o1/decline": {"reason": {"Booked elsewhere"}},
		"/offers/o1/counter": {"dailyRateEur": {"1500"}, "message": {"Hi"}}} {
		if rec := postForm(h, path, values); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/offers" {
			t.Errorf("POST %s: %d to %q, want back to /offers", path, rec.Code, rec.Header().Get("Location"))
		}
	}
	for _, want := range []string{"/v1/offers/o1/accept map[]", "/v1/offers/o1/decline map[reason:Booked elsewhere]",
		"/v1/offers/o1/counter map[dailyRateEur:1500 message:Hi]"} {
		if !slices.Contains(answers, want) {
			t.Errorf("the API was not asked %q: %q", want, answers)
		}
	}
}

// TestOffersComeTwentyAPage: the consultant's offers come a page at a time, each costing a read
// of its mission; the older ones are a link away.
func TestOffersComeTwentyAPage(t *testing.T) {
	var answers []string
	h := consultantSite(t, &answers)
	if body := get(t, h, "/offers", "good", "en").Body.String(); !strings.Contains(body, `<a href="/offers?page=older" rel="next">Older offers</a>`) {
		t.Error("the first page of offers has no link to the older ones")
	}
	body := get(t, h, "/offers?page=older", "good", "en").Body.String()
	if !strings.Contains(body, `<a href="/offers">Newest offers</a>`) || strings.Contains(body, `rel="next"`) {
		t.Errorf("the last page of offers:\n%s", body)
	}
}
