package pages

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	"github.com/caiomatch/caiomatch/gateway/accounts"
	"github.com/caiomatch/caiomatch/pkg/catalogue"
	"github.com/caiomatch/caiomatch/pkg/identity"
)

func TestCataloguesSayTheSameThings(t *testing.T) {
	if err := catalogue.Check(catalogues, "messages"); err != nil {
		t.Fatal(err)
	}
}

// TestTemplatesUseOnlyKnownMessages: a message id missing from the catalogue would show as
// the id itself.
func TestTemplatesUseOnlyKnownMessages(t *testing.T) {
	used := regexp.MustCompile(`\{\{tf? [$.]*Loc "([A-Za-z_0-9]+)"`)
	names, _ := fs.Glob(templateFiles, "templates/*.html")
	parts, _ := fs.Glob(templateFiles, "templates/parts/*.html")
	for _, name := range append(names, parts...) {
		text, _ := fs.ReadFile(templateFiles, name)
		for _, m := range used.FindAllStringSubmatch(string(text), -1) {
			for _, lang := range []string{"en", "fr"} {
				if _, err := newLocalizer(lang).Localize(&i18n.LocalizeConfig{MessageID: m[1]}); err != nil {
					t.Errorf("%s uses %s, missing from %s.toml", name, m[1], lang)
				}
			}
		}
	}
}

// fakeAccounts knows one secret.
type fakeAccounts struct{ account accounts.Account }

func (f fakeAccounts) Authenticate(_ context.Context, secret string) (accounts.Account, accounts.Token, error) {
	if secret != "good" {
		return accounts.Account{}, accounts.Token{}, errors.New("unknown")
	}
	return f.account, accounts.Token{}, nil
}

const missionJSON = `{"mission":{"id":"m1","title":"Launch the AI programme","status":"MISSION_STATUS_SHORTLISTED","startDate":"2027-03-01","shortlistRevision":"2",
 "requiredSkills":["ai-strategy","mlops"],"languages":["fr"]}}`
const shortlistJSON = `{"missionId":"m1","status":"SHORTLIST_STATUS_READY","eligibleCount":7,"revision":2,
 "candidates":[{"profileId":"p1","rank":1,"score":0.82,"summary":"Fits the sector and every required skill.",
  "explanation":{"components":[{"name":"skills","weight":0.4,"value":0.9,"detail":"AI strategy at level 5"}]}}],
 "diagnostics":{"eligibleCount":7,"excludedByRule":[{"rule":"DAILY_RATE_OVER_BUDGET","count":3}],
  "widen":[{"field":"maxDailyRateEur","value":"1800","additionalEligible":4}]}}`

// decisionsJSON is the trail in order, oldest first, with the candidate's summary to fill in.
const decisionsJSON = `{"missionId":"m1","decisions":[
 {"sequence":1,"at":"2027-01-10T09:00:00Z","kind":"DECISION_KIND_MISSION_SUBMITTED","actorRole":"FIRM"},
 {"sequence":2,"at":"2027-01-10T09:00:01Z","kind":"DECISION_KIND_MATCHING_PAUSED","actorRole":"OPERATOR","reason":"Weekly model review"},
 {"sequence":3,"at":"2027-01-10T09:00:02Z","kind":"DECISION_KIND_SHORTLIST_PROPOSED","actorRole":"SYSTEM",
  "shortlistRevision":1,"scoringVersion":"caio-2026-12","eligibleCount":7,"candidates":[{"profileId":"p1","rank":1,"summary":%q}]}]}`

// fakeAPI answers as the gateway's API would, for the visitor whose cookie is "good", and
// records the language it was asked in.
func fakeAPI(t *testing.T, languages *[]string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPatch || strings.HasSuffix(r.URL.Path, "/offer") {
			var sent map[string]any
			_ = json.NewDecoder(r.Body).Decode(&sent)
			*languages = append(*languages, fmt.Sprint(r.Method, " ", r.URL.Path, " ", sent))
			if rate, _ := sent["dailyRateEur"].(float64); rate > 1500 {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(`{"code":3,"details":[{"fieldViolations":[{"field":"dailyRateEur","description":"is over the budget"}]}]}`))
				return
			}
			_, _ = w.Write([]byte(`{}`))
			return
		}
		*languages = append(*languages, r.Header.Get("Accept-Language"))
		if c, err := r.Cookie("session"); err != nil || c.Value != "good" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/v1/missions/m1":
			_, _ = w.Write([]byte(missionJSON))
		case "/v1/missions/m1/shortlist":
			_, _ = w.Write([]byte(shortlistJSON))
		case "/v1/missions/m1/decisions":
			summary := "Fits the sector."
			if r.Header.Get("Accept-Language") == "fr" {
				summary = "Convient au secteur."
			}
			_, _ = fmt.Fprintf(w, decisionsJSON, summary)
		case "/v1/taxonomy/sectors":
			_, _ = w.Write([]byte(`{"sectors":[{"id":"C21","name":"Pharmaceuticals"}]}`))
		case "/v1/taxonomy/skills":
			_, _ = w.Write([]byte(`{"skills":[{"id":"ai-strategy","name":"AI strategy"},{"id":"mlops","name":"MLOps"}]}`))
		case "/v1/missions":
			if r.Method == http.MethodGet {
				if r.URL.Query().Get("pageToken") == "tok2" {
					_, _ = w.Write([]byte(`{"missions":[{"id":"m0","title":"An older mission","status":"MISSION_STATUS_STAFFED"}]}`))
					return
				}
				_, _ = w.Write([]byte(`{"missions":[{"id":"m1","title":"Launch the AI programme","status":"MISSION_STATUS_SHORTLISTED"}],"nextPageToken":"tok2"}`))
				return
			}
			var sent map[string]any
			_ = json.NewDecoder(r.Body).Decode(&sent)
			if sent["startDate"] != "2027-03-01" {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(`{"code":3,"message":"invalid","details":[{"@type":"type.googleapis.com/google.rpc.BadRequest",
					"fieldViolations":[{"field":"startDate","description":"must be after today"},{"field":"requiredSkills[0]","description":"unknown skill"}]}]}`))
				return
			}
			_, _ = w.Write([]byte(`{"mission":{"id":"m2"}}`))
		case "/v1/notifications":
			_, _ = w.Write([]byte(`{"notifications":[{"id":"n1","title":"Shortlist ready"},{"id":"n2","title":"Another"}]}`))
		case "/v1/offers":
			_, _ = w.Write([]byte(`{"offers":[]}`))
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"code":5,"message":"not found"}`))
		}
	})
}

func newTestSite(t *testing.T, languages *[]string) http.Handler {
	t.Helper()
	site, err := New(Config{API: fakeAPI(t, languages), SessionCookie: "session",
		Accounts: fakeAccounts{accounts.Account{ID: "a1", Role: identity.RoleFirm, Name: "Acme", Status: accounts.StatusActive}}})
	if err != nil {
		t.Fatal(err)
	}
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	return site.Handler(api)
}

func get(t *testing.T, h http.Handler, path, cookie, acceptLanguage string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Accept-Language", acceptLanguage)
	return serve(h, req, cookie)
}

// serve answers req, with the session cookie when one is given.
func serve(h http.Handler, req *http.Request, cookie string) *httptest.ResponseRecorder {
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: "session", Value: cookie})
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestMissionPageShowsTheShortlistExplained(t *testing.T) {
	var languages []string
	h := newTestSite(t, &languages)
	rec := get(t, h, "/missions/m1", "good", "en")
	body := rec.Body.String()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, body)
	}
	for _, want := range []string{"Launch the AI programme", "Fits the sector and every required skill.", "AI strategy at level 5",
		`class="bar w90"`, "36.0 of 40", "daily rate over the budget: 3", "Maximum daily rate → €1,800: 4 more consultants",
		`<span aria-hidden="true">2</span><span class="sr-only">2 unread notifications</span>`, `action="/signout"`,
		`sse-connect="/v1/notifications/stream"`, `aria-live="polite" hx-get="/notifications/unread" hx-trigger="sse:notification" hx-swap="innerHTML"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the mission page lacks %q", want)
		}
	}
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") ||
		!strings.Contains(csp, "script-src 'self';") || strings.Contains(csp, "unsafe-") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
	checkNoInlineCode(t, body)
}

// checkNoInlineCode fails on what the policy would block: inline styles, inline scripts, event
// handler attributes. Scripts come from the site's own /static/vendor/ only.
func checkNoInlineCode(t *testing.T, body string) {
	t.Helper()
	if strings.Contains(body, "style=") || regexp.MustCompile(`(?i)\son[a-z]+=`).MatchString(body) {
		t.Error("the page has an inline style or an event handler, which the policy forbids")
	}
	for _, tag := range regexp.MustCompile(`<script[^>]*>`).FindAllString(body, -1) {
		if !regexp.MustCompile(`^<script src="/static/vendor/[a-z.]+\.js" defer>$`).MatchString(tag) {
			t.Errorf("script %s is not one of the site's own files", tag)
		}
	}
}

func TestPagesSpeakTheChosenLanguageAndKeepIt(t *testing.T) {
	var languages []string
	h := newTestSite(t, &languages)
	rec := get(t, h, "/missions/m1?lang=fr", "good", "en")
	if !strings.Contains(rec.Body.String(), "Présélection") || !strings.Contains(rec.Body.String(), `lang="fr"`) {
		t.Errorf("?lang=fr did not give a French page")
	}
	if languages[len(languages)-1] != "fr" {
		t.Errorf("the API was asked in %q, want fr", languages[len(languages)-1])
	}
	kept := rec.Result().Cookies()
	if len(kept) != 1 || kept[0].Value != "fr" {
		t.Fatalf("the choice is not kept: %v", kept)
	}
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(kept[0])
	req.Header.Set("Accept-Language", "en")
	next := httptest.NewRecorder()
	h.ServeHTTP(next, req)
	if !strings.Contains(next.Body.String(), "Se connecter") {
		t.Error("the kept choice did not win over Accept-Language")
	}
	if !strings.Contains(get(t, h, "/", "", "fr-CA,fr;q=0.9").Body.String(), "Se connecter") {
		t.Error("Accept-Language fr did not give a French page")
	}
}

func TestPagesFollowTheAPIsAnswers(t *testing.T) {
	var languages []string
	h := newTestSite(t, &languages)
	if rec := get(t, h, "/missions/m1", "", "en"); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/signin" {
		t.Errorf("a signed-out visitor: %d to %q, want the sign-in page", rec.Code, rec.Header().Get("Location"))
	}
	// Another firm's mission is the API's 404, and the page's.
	if rec := get(t, h, "/missions/other", "good", "en"); rec.Code != http.StatusNotFound {
		t.Errorf("a mission the API does not show: %d, want 404", rec.Code)
	}
	if rec := get(t, h, "/v1/missions", "good", "en"); rec.Code != http.StatusTeapot {
		t.Errorf("an API path went to the pages: %d", rec.Code)
	}
}

func TestFormsFromAnotherSiteAreRefused(t *testing.T) {
	var languages []string
	h := newTestSite(t, &languages)
	req := httptest.NewRequest(http.MethodPost, "/signout", nil)
	req.AddCookie(&http.Cookie{Name: "session", Value: "good"})
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Errorf("a cross-site sign-out: %d, want 403", rec.Code)
	}
}

func TestNewMissionFormShowsTheAPIsProblemsBesideTheFields(t *testing.T) {
	var languages []string
	h := newTestSite(t, &languages)
	post := func(values url.Values) *httptest.ResponseRecorder { return postForm(h, "/missions", values) }
	values := url.Values{"title": {"Launch"}, "startDate": {"2020-01-01"}, "durationMonths": {"six"},
		"requiredSkills": {"mlops"}, "sector": {"C21"}}
	rec := post(values)
	body := rec.Body.String()
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", rec.Code)
	}
	for _, want := range []string{`<span class="field-error" id="durationMonths-error">must be a whole number</span>`,
		`value="Launch"`, `value="mlops" checked`, `<option value="C21" selected>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the form shown again lacks %q", want)
		}
	}
	values.Set("durationMonths", "6")
	body = post(values).Body.String()
	for _, want := range []string{`id="startDate-error">must be after today</span>`, "requiredSkills[0]: unknown skill"} {
		if !strings.Contains(body, want) {
			t.Errorf("the form after the API's refusal lacks %q", want)
		}
	}
	values.Set("startDate", "2027-03-01")
	if rec := post(values); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/missions/m2" {
		t.Errorf("a valid mission: %d to %q, want the new mission's page", rec.Code, rec.Header().Get("Location"))
	}
}

// postForm posts a page's form as the signed-in firm.
func postForm(h http.Handler, path string, values url.Values) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(values.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return serve(h, req, "good")
}

func TestOfferFormShowsTheAPIsRefusalUnderItsCandidate(t *testing.T) {
	var calls []string
	h := newTestSite(t, &calls)
	rec := postForm(h, "/missions/m1/offers", url.Values{"profileId": {"p1"}, "dailyRateEur": {"1800"}, "message": {"Hello"}})
	body := rec.Body.String()
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="dailyRateEur-p1-error">is over the budget</span>`) ||
		!strings.Contains(body, ">Hello</textarea>") || !strings.Contains(body, `<details id="offer-form-p1" hx-preserve open>`) {
		t.Errorf("a refused offer: status %d, page without the problem beside the rate", rec.Code)
	}
	rec = postForm(h, "/missions/m1/offers", url.Values{"profileId": {"p1"}, "dailyRateEur": {"1400"}, "message": {"Hello"}})
	if rec.Code != http.StatusSeeOther || !slices.Contains(calls, "POST /v1/missions/m1/shortlist/p1/offer map[dailyRateEur:1400 message:Hello]") {
		t.Errorf("an offer: %d, API calls %q", rec.Code, calls)
	}
}

func TestWideningHintsAreOneClickEdits(t *testing.T) {
	var calls []string
	h := newTestSite(t, &calls)
	for _, hint := range []struct{ field, value, sent string }{
		{"maxDailyRateEur", "1800", "map[maxDailyRateEur:1800]"},
		{"requiredSkills", "-mlops", "map[requiredSkills:[ai-strategy]]"},
		{"languages", "+en", "map[languages:[fr en]]"},
		{"startDate", "2027-04-01", "map[startDate:2027-04-01]"},
	} {
		rec := postForm(h, "/missions/m1/widen", url.Values{"field": {hint.field}, "value": {hint.value}})
		if want := "PATCH /v1/missions/m1 " + hint.sent; rec.Code != http.StatusSeeOther || !slices.Contains(calls, want) {
			t.Errorf("hint %s %s: %d, API calls %q, want %q", hint.field, hint.value, rec.Code, calls, want)
		}
	}
}

func TestMissionPageShowsTheDecisionsNewestFirst(t *testing.T) {
	var languages []string
	h := newTestSite(t, &languages)
	for lang, want := range map[string][]string{
		"en": {"Decisions", "Shortlist proposed", "2027-01-10 09:00 UTC", "the platform", "Revision 1 · scoring caio-2026-12 · 7 eligible",
			"Fits the sector.", "Weekly model review", "Mission submitted", "the firm"},
		"fr": {"Décisions", "Présélection proposée", "la plateforme", "Révision 1 · notation caio-2026-12", "Convient au secteur.", "Mission soumise"},
	} {
		body := get(t, h, "/missions/m1?lang="+lang, "good", lang).Body.String()
		last := -1
		for _, text := range want {
			at := strings.Index(body, text)
			if at < 0 {
				t.Errorf("%s: the mission page lacks %q", lang, text)
				continue
			}
			if strings.HasPrefix(text, "Shortlist proposed") || strings.HasPrefix(text, "Mission submitted") ||
				strings.HasPrefix(text, "Présélection proposée") || strings.HasPrefix(text, "Mission soumise") {
				if at < last {
					t.Errorf("%s: %q comes before the newer decision", lang, text)
				}
				last = at
			}
		}
	}
}

// TestUnreadCountIsAPart: the header's count, which the page asks for at every notification,
// comes alone, in the visitor's language; nobody without an inbox gets it.
func TestUnreadCountIsAPart(t *testing.T) {
	var languages []string
	h := newTestSite(t, &languages)
	rec := get(t, h, "/notifications/unread", "good", "fr")
	want := `<span aria-hidden="true">2</span><span class="sr-only">2 notifications non lues</span>`
	if rec.Code != http.StatusOK || rec.Body.String() != want {
		t.Errorf("GET /notifications/unread: %d %q, want %q", rec.Code, rec.Body.String(), want)
	}
	if rec := get(t, h, "/notifications/unread", "", "en"); rec.Code != http.StatusNotFound {
		t.Errorf("an anonymous visitor's count: %d, want 404", rec.Code)
	}
}

// TestTheMissionsLiveRegionMovesOnlyForANewRevision: the region the open page polls answers 204
// while the mission holds the revision shown, and itself with the status line out of band (not a
// whole page) for a newer one; another firm's mission is the API's 404.
func TestTheMissionsLiveRegionMovesOnlyForANewRevision(t *testing.T) {
	var languages []string
	h := newTestSite(t, &languages)
	if rec := get(t, h, "/missions/m1/live?seen=2", "good", "en"); rec.Code != http.StatusNoContent || rec.Body.Len() != 0 {
		t.Errorf("the revision shown: %d %q, want 204", rec.Code, rec.Body.String())
	}
	rec := get(t, h, "/missions/m1/live?seen=1", "good", "en")
	body := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.HasPrefix(body, `<p id="mission-status" hx-swap-oob="true"><span class="status">shortlisted</span>`) ||
		!strings.Contains(body, `<div id="live" hx-get="/missions/m1/live?seen=2"`) ||
		strings.Contains(body, "<html") || !strings.Contains(body, "Fits the sector and every required skill.") ||
		!strings.Contains(body, "Shortlist updated: revision 2.") {
		t.Errorf("a newer revision: %d %q", rec.Code, body)
	}
	if rec := get(t, h, "/missions/m1/live?seen=soon", "good", "en"); rec.Code != http.StatusBadRequest {
		t.Errorf("a bad seen: %d, want 400", rec.Code)
	}
	if rec := get(t, h, "/missions/m9/live?seen=0", "good", "en"); rec.Code != http.StatusNotFound {
		t.Errorf("another firm's mission: %d, want the API's 404", rec.Code)
	}
	page := get(t, h, "/missions/m1", "good", "en").Body.String()
	if !strings.Contains(page, `<div id="live" hx-get="/missions/m1/live?seen=2" hx-trigger="every 5s, sse:notification" hx-swap="outerHTML">`) ||
		!strings.Contains(page, `<p id="mission-status"><span class="status">shortlisted</span>`) {
		t.Error("the mission page's region does not ask for newer revisions")
	}
}

// TestALivePartAsksTheWholePageToSignIn: when the session is gone, htmx's request for a part
// sends the whole page to the sign-in page, instead of pasting it into the part.
func TestALivePartAsksTheWholePageToSignIn(t *testing.T) {
	var languages []string
	h := newTestSite(t, &languages)
	req := httptest.NewRequest(http.MethodGet, "/missions/m1/live?seen=1", nil)
	req.Header.Set("HX-Request", "true")
	rec := serve(h, req, "expired")
	if rec.Code != http.StatusUnauthorized || rec.Header().Get("HX-Redirect") != "/signin" || rec.Body.Len() != 0 {
		t.Errorf("an expired session's part: %d, HX-Redirect %q, %d bytes", rec.Code, rec.Header().Get("HX-Redirect"), rec.Body.Len())
	}
}

// TestAnOperatorReadsAMissionWithoutTheFirmsForms: operators read the mission, its shortlist and
// its trail, but the offer and widening forms are the firm's alone (the API refuses them).
func TestAnOperatorReadsAMissionWithoutTheFirmsForms(t *testing.T) {
	var languages []string
	site, err := New(Config{API: fakeAPI(t, &languages), SessionCookie: "session",
		Accounts: fakeAccounts{accounts.Account{ID: "op", Role: identity.RoleOperator, Status: accounts.StatusActive}}})
	if err != nil {
		t.Fatal(err)
	}
	rec := get(t, site.Handler(http.NotFoundHandler()), "/missions/m1", "good", "en")
	body := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(body, "Fits the sector and every required skill.") ||
		!strings.Contains(body, "Maximum daily rate → €1,800: 4 more consultants") || !strings.Contains(body, `class="timeline"`) {
		t.Fatalf("the operator's mission page: %d\n%s", rec.Code, body)
	}
	for _, form := range []string{`action="/missions/m1/offers"`, `action="/missions/m1/widen"`} {
		if strings.Contains(body, form) {
			t.Errorf("the operator's mission page has the firm's form %s", form)
		}
	}
}

// TestUnroutedPagesGetTheSitesErrorPage: a page path nobody serves is the site's own 404 in the
// visitor's language, and a known path asked with another method its 405 with Allow.
func TestUnroutedPagesGetTheSitesErrorPage(t *testing.T) {
	var languages []string
	h := newTestSite(t, &languages)
	rec := get(t, h, "/ops/nothing", "good", "fr")
	if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), `<html lang="fr">`) {
		t.Errorf("an unknown page: %d %.80q", rec.Code, rec.Body.String())
	}
	req := httptest.NewRequest(http.MethodPut, "/missions/new", nil)
	rec = serve(h, req, "good")
	if rec.Code != http.StatusMethodNotAllowed || !strings.Contains(rec.Header().Get("Allow"), "GET") || !strings.Contains(rec.Body.String(), "<html") {
		t.Errorf("a wrong method: %d, Allow %q", rec.Code, rec.Header().Get("Allow"))
	}
}

// TestTheLanguageSwitchKeepsThePage: the switch link is the same page with its query in the
// other language; after a form's POST it is the page the form was on.
func TestTheLanguageSwitchKeepsThePage(t *testing.T) {
	var languages []string
	h := newTestSite(t, &languages)
	if body := get(t, h, "/missions/m1?view=all&lang=en", "good", "en").Body.String(); !strings.Contains(body, `href="/missions/m1?lang=fr&amp;view=all" hreflang="fr"`) {
		t.Errorf("the switch on a GET page: %s", regexp.MustCompile(`href="[^"]*" hreflang`).FindString(body))
	}
	req := httptest.NewRequest(http.MethodPost, "/missions", strings.NewReader("title=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Referer", "http://example.com/missions/new?lang=en")
	if body := serve(h, req, "good").Body.String(); !strings.Contains(body, `href="/missions/new?lang=fr" hreflang="fr"`) {
		t.Errorf("the switch after a POST: %s", regexp.MustCompile(`href="[^"]*" hreflang`).FindString(body))
	}
}

// TestTheNewMissionFormIsTheFirms: signed out, the form is the sign-in; another role gets 403.
func TestTheNewMissionFormIsTheFirms(t *testing.T) {
	var languages []string
	h := newTestSite(t, &languages)
	if rec := get(t, h, "/missions/new", "", "en"); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/signin" {
		t.Errorf("signed out: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	site, err := New(Config{API: fakeAPI(t, &languages), SessionCookie: "session",
		Accounts: fakeAccounts{accounts.Account{ID: "c1", Role: identity.RoleConsultant, Status: accounts.StatusActive}}})
	if err != nil {
		t.Fatal(err)
	}
	if rec := get(t, site.Handler(http.NotFoundHandler()), "/missions/new", "good", "en"); rec.Code != http.StatusForbidden {
		t.Errorf("a consultant: %d, want 403", rec.Code)
	}
}

// TestTheMissionsListPages: the firm's missions come 50 a page; the older ones are a link away.
func TestTheMissionsListPages(t *testing.T) {
	var languages []string
	h := newTestSite(t, &languages)
	first := get(t, h, "/missions", "good", "en").Body.String()
	if !strings.Contains(first, "Launch the AI programme") || !strings.Contains(first, `<a href="/missions?page=tok2" rel="next">Older missions</a>`) ||
		strings.Contains(first, "Newest missions") {
		t.Errorf("the first page:\n%s", first)
	}
	older := get(t, h, "/missions?page=tok2", "good", "fr").Body.String()
	if !strings.Contains(older, "An older mission") || strings.Contains(older, `rel="next"`) || !strings.Contains(older, `<a href="/missions">Missions les plus récentes</a>`) {
		t.Errorf("the older page:\n%s", older)
	}
}

// TestTheUnreadCountSaysWhenThereAreMore: past one page of unread notifications, the header says
// "more than".
func TestTheUnreadCountSaysWhenThereAreMore(t *testing.T) {
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"notifications":[{"id":"n1"},{"id":"n2"}],"nextPageToken":"more"}`))
	})
	site, err := New(Config{API: api, SessionCookie: "session",
		Accounts: fakeAccounts{accounts.Account{ID: "a1", Role: identity.RoleFirm, Status: accounts.StatusActive}}})
	if err != nil {
		t.Fatal(err)
	}
	body := get(t, site.Handler(http.NotFoundHandler()), "/notifications/unread", "good", "en").Body.String()
	if body != `<span aria-hidden="true">2+</span><span class="sr-only">more than 2 unread notifications</span>` {
		t.Errorf("the count past one page: %q", body)
	}
}
