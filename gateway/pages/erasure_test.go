package pages

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/caiomatch/caiomatch/gateway/accounts"
	"github.com/caiomatch/caiomatch/pkg/identity"
)

const erasedPseudonym = "erased-0123456789abcdef"

// erasureAPI is a fake API of the signed-in account a1 and of the accounts an operator may
// erase (c9, and the configuration's operator); refuse, when set, is its answer to an erasure.
type erasureAPI struct {
	role    string
	refuse  func(w http.ResponseWriter)
	mu      sync.Mutex
	erasing []string
}

func (a *erasureAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, ok := fakeCall(w, r); !ok {
		return
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/v1/accounts/a1":
		_, _ = fmt.Fprintf(w, `{"account":{"id":"a1","role":%q,"name":"Claire Martin","language":"en"}}`, a.role)
	case r.Method == http.MethodGet && r.URL.Path == "/v1/accounts/c9" && a.role == "OPERATOR":
		_, _ = w.Write([]byte(`{"account":{"id":"c9","role":"CONSULTANT","name":"Zoé Lambert","email":"zoe@example.org"}}`))
	case r.Method == http.MethodGet && r.URL.Path == "/v1/accounts/operator" && a.role == "OPERATOR":
		_, _ = w.Write([]byte(`{"account":{"id":"operator","role":"OPERATOR","name":"Platform operator"}}`))
	case r.Method == http.MethodGet && r.URL.Path == "/v1/accounts" && a.role == "OPERATOR":
		_, _ = w.Write([]byte(`{"accounts":[{"id":"c9","role":"CONSULTANT","name":"Zoé Lambert","email":"zoe@example.org"}]}`))
	case r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/v1/accounts/"):
		id := strings.TrimPrefix(r.URL.Path, "/v1/accounts/")
		if id != "a1" && a.role != "OPERATOR" {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"code":5,"message":"account not found"}`))
			return
		}
		a.mu.Lock()
		a.erasing = append(a.erasing, id)
		a.mu.Unlock()
		if id == "operator" {
			w.WriteHeader(http.StatusPreconditionFailed)
			_, _ = w.Write([]byte(`{"code":9,"message":"the bootstrap operator cannot be erased","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"BOOTSTRAP_OPERATOR"}]}`))
			return
		}
		if a.refuse != nil {
			a.refuse(w)
			return
		}
		_, _ = fmt.Fprintf(w, `{"accountPseudonym":%q,"profilePseudonyms":[]}`, erasedPseudonym)
	case r.Method == http.MethodGet && (r.URL.Path == "/v1/tokens" || r.URL.Path == "/v1/webhooks" || r.URL.Path == "/v1/notifications"):
		_, _ = w.Write([]byte(`{}`))
	default:
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"code":5,"message":"not found"}`))
	}
}

// erased is the accounts the API was asked to erase.
func (a *erasureAPI) erased() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string{}, a.erasing...)
}

func erasureSite(t *testing.T, id string, role identity.Role, status accounts.Status) (http.Handler, *erasureAPI) {
	t.Helper()
	api := &erasureAPI{role: string(role)}
	site, err := New(Config{API: api, SessionCookie: "session",
		Accounts: fakeAccounts{accounts.Account{ID: id, Role: role, Name: "Claire Martin", Status: status}}})
	if err != nil {
		t.Fatal(err)
	}
	return site.Handler(http.NotFoundHandler()), api
}

// cookieNamed is the cookie name the answer sets, or nil.
func cookieNamed(rec *httptest.ResponseRecorder, name string) *http.Cookie {
	for _, c := range rec.Result().Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// TestSettingsSayWhatAnErasureRemovesAndKeeps: the danger zone tells a consultant and a firm
// what goes and what stays, offers the export first, and asks for the word of the page's
// language; an account awaiting approval (which the API does not let erase itself) and the
// configuration's operator are offered no erasure.
func TestSettingsSayWhatAnErasureRemovesAndKeeps(t *testing.T) {
	h, _ := erasureSite(t, "a1", identity.RoleConsultant, accounts.StatusActive)
	body := get(t, h, "/settings", "good", "en").Body.String()
	wantAll(t, "the consultant's danger zone", body, `<h2 id="erase-title">Delete my account</h2>`,
		"Your profile and its calendar of bookings", "The offers still waiting for your answer are withdrawn.",
		"What stays, under a pseudonym", "download it first:", `action="/settings/erase"`,
		`<label for="erase-confirmation">To confirm, type DELETE</label>`, `name="confirmation" type="text" value="" autocomplete="off"`,
		`<button type="submit" class="danger">Delete my account for good</button>`)
	if strings.Contains(body, "missions not yet staffed") || strings.Contains(body, "autofocus") {
		t.Error("the consultant's danger zone speaks of a firm's missions, or takes the focus unasked")
	}
	wantAll(t, "the French danger zone", get(t, h, "/settings?lang=fr", "good", "fr").Body.String(),
		"Supprimer mon compte", "Pour confirmer, tapez SUPPRIMER", "sous un pseudonyme")

	h, _ = erasureSite(t, "a1", identity.RoleFirm, accounts.StatusActive)
	wantAll(t, "the firm's danger zone", get(t, h, "/settings", "good", "en").Body.String(),
		"Your missions not yet staffed are cancelled", "Your missions&#39; contact, notes and comments")

	// An account awaiting approval may leave too (the API lets it erase itself).
	pendingSite, _ := erasureSite(t, "a1", identity.RoleConsultant, accounts.StatusPending)
	wantAll(t, "the danger zone of an account awaiting approval", get(t, pendingSite, "/settings", "good", "en").Body.String(), "/settings/erase")

	for what, site := range map[string]func() (http.Handler, *erasureAPI){
		"the configuration's operator": func() (http.Handler, *erasureAPI) {
			return erasureSite(t, accounts.BootstrapOperatorID, identity.RoleOperator, accounts.StatusActive)
		},
	} {
		h, _ := site()
		rec := get(t, h, "/settings", "good", "en")
		if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), "/settings/erase") {
			t.Errorf("%s: %d, the erasure offered: %v", what, rec.Code, strings.Contains(rec.Body.String(), "/settings/erase"))
		}
	}
}

// TestErasingOnesAccountTakesTheTypedWord: without the word, or with another, nothing is
// erased and the field says why; with it (either language's, any case) the account is erased,
// the session cookie cleared, and the visitor sent to the public page with the pseudonym.
func TestErasingOnesAccountTakesTheTypedWord(t *testing.T) {
	h, api := erasureSite(t, "a1", identity.RoleConsultant, accounts.StatusActive)
	for _, typed := range []string{"", "delete my account", "DELET", "yes"} {
		rec := postForm(h, "/settings/erase", url.Values{"confirmation": {typed}})
		if rec.Code != http.StatusUnprocessableEntity {
			t.Errorf("%q: status %d, want 422", typed, rec.Code)
		}
		wantAll(t, fmt.Sprintf("the refusal of %q", typed), rec.Body.String(),
			`aria-invalid="true" aria-describedby="erase-confirmation-error" autofocus>`,
			`<span class="field-error" id="erase-confirmation-error">Type DELETE in this field to confirm. Nothing was deleted.</span>`)
	}
	if erased := api.erased(); len(erased) != 0 {
		t.Fatalf("erased without the word: %q", erased)
	}
	// A form from another site is refused before the page runs.
	req := httptest.NewRequest(http.MethodPost, "/settings/erase", strings.NewReader("confirmation=DELETE"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if rec := serve(h, req, "good"); rec.Code != http.StatusForbidden || len(api.erased()) != 0 {
		t.Fatalf("a cross-site form: %d, erased %q", rec.Code, api.erased())
	}

	for _, typed := range []string{" delete ", "SUPPRIMER"} {
		rec := postForm(h, "/settings/erase", url.Values{"confirmation": {typed}})
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/account-deleted" {
			t.Fatalf("%q: %d to %q: %s", typed, rec.Code, rec.Header().Get("Location"), rec.Body)
		}
		if c := cookieNamed(rec, "session"); c == nil || c.MaxAge >= 0 || c.Value != "" || c.Path != "/" {
			t.Errorf("%q: the session cookie is not cleared: %v", typed, c)
		}
		if c := cookieNamed(rec, erasedCookie); c == nil || c.Value != erasedPseudonym || c.Path != "/account-deleted" || !c.HttpOnly {
			t.Errorf("%q: the pseudonym's cookie %v", typed, c)
		}
	}
	if erased := api.erased(); len(erased) != 2 || erased[0] != "a1" {
		t.Errorf("erased %q, want a1 twice", erased)
	}
}

// TestTheErasuresFailuresShowTheSettingsPage: an erasure the platform could not finish, or the
// configuration's operator, is said above the form, whose word must be typed again; a visitor
// the API no longer knows goes to the sign-in.
func TestTheErasuresFailuresShowTheSettingsPage(t *testing.T) {
	h, api := erasureSite(t, "a1", identity.RoleConsultant, accounts.StatusActive)
	api.refuse = func(w http.ResponseWriter) {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"code":14,"message":"profile service unavailable"}`))
	}
	rec := postForm(h, "/settings/erase", url.Values{"confirmation": {"DELETE"}})
	if rec.Code != http.StatusServiceUnavailable || cookieNamed(rec, "session") != nil {
		t.Errorf("an unfinished erasure: %d, cookies %v", rec.Code, rec.Result().Cookies())
	}
	wantAll(t, "an unfinished erasure", rec.Body.String(), `<p class="error" role="alert" id="erase-problem">The erasure could not finish`,
		`name="confirmation" type="text" value="" autocomplete="off" autocapitalize="characters" spellcheck="false" aria-describedby="erase-problem" autofocus>`)
	api.refuse = func(w http.ResponseWriter) { w.WriteHeader(http.StatusUnauthorized) }
	if rec := postForm(h, "/settings/erase", url.Values{"confirmation": {"DELETE"}}); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/signin" {
		t.Errorf("an erasure by a visitor unknown to the API: %d to %q", rec.Code, rec.Header().Get("Location"))
	}

	// The page hides the form from the configuration's operator; were it sent all the same,
	// the API's refusal is said.
	h, _ = erasureSite(t, accounts.BootstrapOperatorID, identity.RoleOperator, accounts.StatusActive)
	rec = postForm(h, "/ops/accounts/operator/erase", url.Values{"confirmation": {"DELETE"}})
	if rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("erasing the configuration's operator: %d", rec.Code)
	}
	wantAll(t, "erasing the configuration's operator", rec.Body.String(), "it is the platform&#39;s own operator account")
}

// TestTheAccountDeletedPageShowsThePseudonymOnly: the public page says the account is deleted,
// in the visitor's language, with the pseudonym the erasing browser brings and nothing else.
func TestTheAccountDeletedPageShowsThePseudonymOnly(t *testing.T) {
	h, _ := erasureSite(t, "a1", identity.RoleConsultant, accounts.StatusActive)
	withPseudonym := func(lang, value string) string {
		req := httptest.NewRequest(http.MethodGet, "/account-deleted", nil)
		req.Header.Set("Accept-Language", lang)
		req.AddCookie(&http.Cookie{Name: erasedCookie, Value: value})
		rec := serve(h, req, "")
		if rec.Code != http.StatusOK {
			t.Fatalf("the page after an erasure: %d", rec.Code)
		}
		return rec.Body.String()
	}
	body := withPseudonym("en", erasedPseudonym)
	wantAll(t, "the page after an erasure", body, "<h1>Your account was deleted</h1>", `<code id="pseudonym">`+erasedPseudonym+`</code>`,
		`<a href="/signin">`)
	if strings.Contains(body, "Claire") || strings.Contains(body, "/signout") {
		t.Error("the page after an erasure names someone, or shows someone signed in")
	}
	wantAll(t, "the French page after an erasure", withPseudonym("fr", erasedPseudonym), "Votre compte a été supprimé", erasedPseudonym)
	for _, value := range []string{"erased-<script>", "Claire Martin", ""} {
		if body := withPseudonym("en", value); strings.Contains(body, `id="pseudonym"`) {
			t.Errorf("the cookie %q is shown as a pseudonym", value)
		}
	}
	wantAll(t, "the page without the cookie", get(t, h, "/account-deleted", "", "en").Body.String(), "Your account was deleted")
}

// TestAnOperatorErasesAnAccount: from the accounts page (a pending account's row, or an id
// typed), the erasure page shows the account; the typed word erases it, and the accounts page
// says its pseudonym once. The configuration's operator has no form; a firm gets 403.
func TestAnOperatorErasesAnAccount(t *testing.T) {
	h, api := erasureSite(t, "o1", identity.RoleOperator, accounts.StatusActive)
	wantAll(t, "the accounts page", get(t, h, "/ops/accounts", "good", "en").Body.String(),
		`<a href="/ops/accounts/c9/erase" class="erase" aria-label="Erase the account of Zoé Lambert">`,
		`<form method="get" action="/ops/accounts/erase" class="erase-find">`)
	if rec := get(t, h, "/ops/accounts/erase?id=+c9+", "good", "en"); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/ops/accounts/c9/erase" {
		t.Errorf("the typed id: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	wantAll(t, "the erasure page", get(t, h, "/ops/accounts/c9/erase", "good", "en").Body.String(),
		"<dd>Zoé Lambert</dd>", "<dd>zoe@example.org</dd>", `action="/ops/accounts/c9/erase"`, "To confirm, type DELETE",
		"Erase this account for good")
	if rec := get(t, h, "/ops/accounts/nobody/erase", "good", "en"); rec.Code != http.StatusNotFound {
		t.Errorf("an unknown account's erasure page: %d", rec.Code)
	}
	rec := postForm(h, "/ops/accounts/c9/erase", url.Values{"confirmation": {"ok"}})
	if rec.Code != http.StatusUnprocessableEntity || len(api.erased()) != 0 {
		t.Fatalf("the wrong word: %d, erased %q", rec.Code, api.erased())
	}
	wantAll(t, "the wrong word", rec.Body.String(), `id="erase-confirmation-error">Type DELETE`, "<dd>Zoé Lambert</dd>")

	rec = postForm(h, "/ops/accounts/c9/erase", url.Values{"confirmation": {"DELETE"}})
	kept := cookieNamed(rec, erasedCookie)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/ops/accounts" || kept == nil || kept.Value != erasedPseudonym ||
		kept.Path != "/ops/accounts" || cookieNamed(rec, "session") != nil {
		t.Fatalf("the erasure: %d to %q, cookies %v", rec.Code, rec.Header().Get("Location"), rec.Result().Cookies())
	}
	req := httptest.NewRequest(http.MethodGet, "/ops/accounts", nil)
	req.AddCookie(kept)
	after := serve(h, req, "good")
	wantAll(t, "the accounts page after the erasure", after.Body.String(), `<p class="notice" role="status" id="account-erased">`, erasedPseudonym)
	if c := cookieNamed(after, erasedCookie); c == nil || c.MaxAge >= 0 {
		t.Errorf("the pseudonym is not said once only: %v", c)
	}

	body := get(t, h, "/ops/accounts/operator/erase", "good", "en").Body.String()
	wantAll(t, "the configuration's operator", body, `id="erase-protected"`)
	if strings.Contains(body, `action="/ops/accounts/operator/erase"`) {
		t.Error("the configuration's operator is offered an erasure")
	}

	firm, firmAPI := erasureSite(t, "a1", identity.RoleFirm, accounts.StatusActive)
	if rec := get(t, firm, "/ops/accounts/c9/erase", "good", "en"); rec.Code != http.StatusForbidden {
		t.Errorf("a firm on an erasure page: %d", rec.Code)
	}
	if rec := postForm(firm, "/ops/accounts/c9/erase", url.Values{"confirmation": {"DELETE"}}); rec.Code != http.StatusForbidden || len(firmAPI.erased()) != 0 {
		t.Errorf("a firm erasing: %d, erased %q", rec.Code, firmAPI.erased())
	}
}

// TestTheErasureWordIsTheLabelsInEveryLanguage: the label names the very word the check
// takes, and the messages the forms pick at run time exist in every language.
func TestTheErasureWordIsTheLabelsInEveryLanguage(t *testing.T) {
	for _, lang := range []string{"en", "fr"} {
		loc := newLocalizer(lang)
		word := translate(loc, "Erase_Word")
		for _, id := range []string{"Erase_Field_confirmation", "Erase_NotConfirmed"} {
			if !strings.Contains(translate(loc, id), word) {
				t.Errorf("%s: %s does not name %q", lang, id, word)
			}
		}
		if !confirms(word) || !confirms(strings.ToLower(word)) {
			t.Errorf("%s: %q does not confirm", lang, word)
		}
		for _, id := range []string{"Erase_Button", "Erase_OpsButton", "Erase_NotErasable", "Erase_Unfinished"} {
			if translate(loc, id) == id {
				t.Errorf("%s lacks %s", lang, id)
			}
		}
	}
}
