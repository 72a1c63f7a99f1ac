package pages

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/caiomatch/caiomatch/gateway/accounts"
	"github.com/caiomatch/caiomatch/pkg/identity"
)

// settingsAPI is a fake API of one firm's account, tokens and webhooks; calls records what
// the pages sent.
type settingsAPI struct {
	mu    sync.Mutex
	calls []string
}

// fakeCall is a call to a fake API: false (and 401 answered) without the session cookie, else
// the JSON body sent, if any.
func fakeCall(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	if c, err := r.Cookie("session"); err != nil || c.Value != "good" {
		w.WriteHeader(http.StatusUnauthorized)
		return nil, false
	}
	var sent map[string]any
	if r.Body != nil {
		_ = json.NewDecoder(r.Body).Decode(&sent)
	}
	return sent, true
}

// refuseField answers as the API refuses a field.
func refuseField(w http.ResponseWriter, field, problem string) {
	w.WriteHeader(http.StatusBadRequest)
	_, _ = fmt.Fprintf(w, `{"code":3,"message":"invalid","details":[{"fieldViolations":[{"field":%q,"description":%q}]}]}`, field, problem)
}

func (a *settingsAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sent, ok := fakeCall(w, r)
	if !ok {
		return
	}
	a.mu.Lock()
	a.calls = append(a.calls, fmt.Sprint(r.Method, " ", r.URL.Path, " ", sent))
	a.mu.Unlock()
	refuse := func(field, problem string) { refuseField(w, field, problem) }
	switch r.Method + " " + r.URL.Path {
	case "GET /v1/accounts/f1":
		_, _ = w.Write([]byte(`{"account":{"id":"f1","role":"FIRM","language":"en","emailNotifications":true}}`))
	case "PUT /v1/accounts/f1/preferences":
		if sent["language"] != "en" && sent["language"] != "fr" {
			refuse("language", "must be en or fr")
			return
		}
		_, _ = w.Write([]byte(`{"account":{"id":"f1"}}`))
	case "GET /v1/tokens":
		_, _ = w.Write([]byte(`{"tokens":[{"id":"t1","name":"ats-sync","createdAt":"2027-01-02T10:00:00Z","expiresAt":"2027-04-02T10:00:00Z"}]}`))
	case "POST /v1/tokens":
		if sent["name"] == "" {
			refuse("name", "is required")
			return
		}
		_, _ = fmt.Fprintf(w, `{"token":{"id":"t2","name":%q},"secret":"cm_secret_shown_once"}`, sent["name"])
	case "DELETE /v1/tokens/t1", "DELETE /v1/webhooks/h1":
		_, _ = w.Write([]byte(`{}`))
	case "GET /v1/webhooks":
		_, _ = w.Write([]byte(`{"webhooks":[{"id":"h1","url":"https://hooks.example.com/in","events":["shortlist.ready"],"createdAt":"2027-01-02T10:00:00Z"}]}`))
	case "GET /v1/notifications":
		_, _ = w.Write([]byte(`{}`))
	case "GET /v1/webhooks/h1/deliveries":
		_, _ = w.Write([]byte(`{"deliveries":[{"id":"d1","eventType":"shortlist.ready","status":"DELIVERY_STATUS_DELIVERED",
			"createdAt":"2027-01-03T09:00:00Z","attempts":[{"statusCode":500,"durationMs":12},{"statusCode":204,"durationMs":8}]}]}`))
	case "POST /v1/webhooks":
		if u, _ := sent["url"].(string); !strings.HasPrefix(u, "https://") {
			refuse("url", "must be https")
			return
		}
		if events, _ := sent["events"].([]any); len(events) == 0 {
			refuse("events[0]", "choose at least one event")
			return
		}
		_, _ = w.Write([]byte(`{"webhook":{"id":"h2","url":"https://hooks.example.com/new"},"secret":"whsec_c2lnbmluZw=="}`))
	default:
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"code":5,"message":"not found"}`))
	}
}

func settingsSite(t *testing.T, role identity.Role, status accounts.Status) (http.Handler, *settingsAPI) {
	t.Helper()
	api := &settingsAPI{}
	site, err := New(Config{API: api, SessionCookie: "session",
		Accounts: fakeAccounts{accounts.Account{ID: "f1", Role: role, Name: "Acme", Status: status}}})
	if err != nil {
		t.Fatal(err)
	}
	return site.Handler(http.NotFoundHandler()), api
}

// wantAll reports each of wants missing from body.
func wantAll(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(body, want) {
			t.Errorf("%s lacks %q", what, want)
		}
	}
	for _, bad := range []string{"Settings_", "Profile_", " style="} {
		if strings.Contains(body, bad) {
			t.Errorf("%s holds %q", what, bad)
		}
	}
}

func TestSettingsPageShowsPreferencesTokensAndWebhooks(t *testing.T) {
	h, _ := settingsSite(t, identity.RoleFirm, accounts.StatusActive)
	rec := get(t, h, "/settings", "good", "en")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	wantAll(t, "the settings page", rec.Body.String(),
		`name="emailNotifications" type="checkbox" value="on" checked>`, `<option value="en" lang="en" selected>`,
		"<td>ats-sync</td>", "2027-04-02 10:00 UTC", `action="/settings/tokens/t1/revoke"`,
		"https://hooks.example.com/in", "<li>Shortlist ready</li>", `<span class="status">delivered</span>`, "HTTP 204 · 8 ms",
		`action="/settings/webhooks/h1/delete"`, `value="mission.no_match"`, `<label for="token-name">Name</label>`)
	if strings.Contains(rec.Body.String(), `value="offer.made"`) {
		t.Error("a firm is offered the consultant's events")
	}
	fr := get(t, h, "/settings?lang=fr", "good", "fr").Body.String()
	wantAll(t, "the French settings page", fr, "Préférences de notification", "Jetons d&#39;API", "remis", "Présélection prête")
	if rec := get(t, h, "/settings", "", "en"); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/signin" {
		t.Errorf("signed out: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
}

func TestSettingsShowsATokensSecretOnceAndTheAPIsProblems(t *testing.T) {
	h, api := settingsSite(t, identity.RoleConsultant, accounts.StatusActive)
	rec := postForm(h, "/settings/tokens", url.Values{"name": {"ci"}, "expiresInDays": {"30"}})
	if rec.Code != http.StatusOK || rec.Header().Get("Location") != "" {
		t.Fatalf("a token: %d to %q, want the page with its secret", rec.Code, rec.Header().Get("Location"))
	}
	wantAll(t, "the page after a token's creation", rec.Body.String(), `<code id="new-token-secret">cm_secret_shown_once</code>`, "“ci”")
	if !strings.Contains(strings.Join(api.calls, "\n"), "POST /v1/tokens map[expiresInDays:30 name:ci]") {
		t.Errorf("API calls %q", api.calls)
	}
	if strings.Contains(get(t, h, "/settings", "good", "en").Body.String(), "cm_secret_shown_once") {
		t.Error("the secret shows again")
	}
	rec = postForm(h, "/settings/tokens", url.Values{"name": {""}, "expiresInDays": {"ninety"}})
	wantAll(t, "a token with a bad expiry", rec.Body.String(), `id="token-expiresInDays-error">must be a whole number</span>`)
	rec = postForm(h, "/settings/tokens", url.Values{"name": {""}, "expiresInDays": {"90"}})
	wantAll(t, "a token without name", rec.Body.String(), `aria-invalid="true" aria-describedby="token-name-error"`,
		`<span class="field-error" id="token-name-error">is required</span>`)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("a refused token: %d", rec.Code)
	}
	if rec := postForm(h, "/settings/tokens/t1/revoke", nil); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/settings?done=revoked" {
		t.Errorf("revoke: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	if rec := postForm(h, "/settings/tokens/other/revoke", nil); rec.Code != http.StatusNotFound {
		t.Errorf("revoking another account's token: %d, want the API's 404", rec.Code)
	}
	wantAll(t, "the page after revoking", get(t, h, "/settings?done=revoked", "good", "en").Body.String(), "The token is revoked")
}

func TestSettingsWebhookFormAndPreferences(t *testing.T) {
	h, api := settingsSite(t, identity.RoleConsultant, accounts.StatusActive)
	rec := postForm(h, "/settings/webhooks", url.Values{"url": {"http://hooks.example.com"}, "events": {"offer.made", "mission.ended"}})
	wantAll(t, "a webhook refused", rec.Body.String(), `id="webhook-url-error">must be https</span>`,
		`value="http://hooks.example.com"`, `value="offer.made" checked>`, `value="mission.ended" checked>`, `value="offer.expiring">`)
	rec = postForm(h, "/settings/webhooks", url.Values{"url": {"https://hooks.example.com/new"}})
	wantAll(t, "a webhook without events", rec.Body.String(), `<span class="field-error" id="webhook-events-error">choose at least one event</span>`)
	rec = postForm(h, "/settings/webhooks", url.Values{"url": {"https://hooks.example.com/new"}, "events": {"offer.made"}})
	wantAll(t, "a webhook subscribed", rec.Body.String(), `<code id="new-webhook-secret">whsec_c2lnbmluZw==</code>`)
	if rec := postForm(h, "/settings/webhooks/h1/delete", nil); rec.Code != http.StatusSeeOther {
		t.Errorf("delete: %d", rec.Code)
	}
	rec = postForm(h, "/settings/preferences", url.Values{"language": {"de"}})
	wantAll(t, "refused preferences", rec.Body.String(), `id="preferences-language-error">must be en or fr</span>`)
	rec = postForm(h, "/settings/preferences", url.Values{"language": {"fr"}})
	if rec.Code != http.StatusSeeOther || !strings.Contains(rec.Header().Get("Set-Cookie"), languageCookie+"=fr") {
		t.Errorf("preferences: %d, cookie %q: the pages should speak the chosen language", rec.Code, rec.Header().Get("Set-Cookie"))
	}
	if calls := strings.Join(api.calls, "\n"); !strings.Contains(calls, "PUT /v1/accounts/f1/preferences map[emailNotifications:false language:fr]") {
		t.Errorf("API calls %q", calls)
	}
}

// TestSettingsOfAnAccountAwaitingApproval: until an operator approves it, an account may only
// set its preferences (the API refuses it tokens and webhooks).
func TestSettingsOfAnAccountAwaitingApproval(t *testing.T) {
	h, api := settingsSite(t, identity.RoleConsultant, accounts.StatusPending)
	rec := get(t, h, "/settings", "good", "en")
	wantAll(t, "the pending account's settings", rec.Body.String(), "Notification preferences", `action="/settings/preferences"`)
	// (The erasure's danger zone, offered to it too, names tokens and webhooks among what goes.)
	for _, absent := range []string{`action="/settings/tokens"`, `action="/settings/webhooks"`} {
		if strings.Contains(rec.Body.String(), absent) {
			t.Errorf("a pending account's settings show %s", absent)
		}
	}
	wantAll(t, "the pending account's way out", rec.Body.String(), `action="/settings/erase"`)
	if calls := strings.Join(api.calls, "\n"); strings.Contains(calls, "/v1/tokens") || strings.Contains(calls, "/v1/webhooks") {
		t.Errorf("API calls %q", calls)
	}
}
