package pages

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/caiomatch/caiomatch/gateway/accounts"
	"github.com/caiomatch/caiomatch/pkg/identity"
)

// matchingAPI is the switch as the API keeps it: operators pause with a reason (refused when
// empty, on its field) and resume; a firm gets 403 everywhere.
func matchingAPI(role identity.Role) http.Handler {
	state := `{"paused":false}`
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if role != identity.RoleOperator {
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"code":7,"message":"only operators"}`))
			return
		}
		switch r.Method + " " + r.URL.Path {
		case "GET /v1/ops/matching":
			_, _ = w.Write([]byte(state))
		case "POST /v1/ops/matching/pause":
			var sent struct{ Reason string }
			_ = json.NewDecoder(r.Body).Decode(&sent)
			if sent.Reason == "" {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(`{"code":3,"details":[{"fieldViolations":[{"field":"reason","description":"is required"}]}]}`))
				return
			}
			b, _ := json.Marshal(map[string]any{"paused": true, "reason": sent.Reason, "since": "2026-12-07T15:04:05Z", "by": "op-1", "heldMissions": 2})
			state = string(b)
			_, _ = w.Write(b)
		case "POST /v1/ops/matching/resume":
			state = `{"paused":false}`
			_, _ = w.Write([]byte(state))
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	})
}

func matchingSite(t *testing.T, role identity.Role) http.Handler {
	t.Helper()
	site, err := New(Config{API: matchingAPI(role), SessionCookie: "session",
		Accounts: fakeAccounts{accounts.Account{ID: "op-1", Role: role, Name: "Ops", Status: accounts.StatusActive}}})
	if err != nil {
		t.Fatal(err)
	}
	return site.Handler(http.NotFoundHandler())
}

func TestMatchingPageSwitchesWithAReason(t *testing.T) {
	h := matchingSite(t, identity.RoleOperator)
	page := get(t, h, "/ops/matching", "good", "en")
	if page.Code != http.StatusOK || !strings.Contains(page.Body.String(), "Automated matching is running.") ||
		!strings.Contains(page.Body.String(), `action="/ops/matching/pause"`) {
		t.Fatalf("running page: %d %s", page.Code, page.Body)
	}
	checkNoInlineCode(t, page.Body.String())

	refused := postForm(h, "/ops/matching/pause", url.Values{"reason": {"  "}})
	body := refused.Body.String()
	if refused.Code != http.StatusBadRequest || !strings.Contains(body, `id="pause-reason-error"`) ||
		!strings.Contains(body, `aria-invalid="true"`) || !strings.Contains(body, "Type a reason") {
		t.Fatalf("refused pause: %d %s", refused.Code, body)
	}

	done := postForm(h, "/ops/matching/pause", url.Values{"reason": {"Audit <of> the weights"}})
	if done.Code != http.StatusSeeOther || done.Header().Get("Location") != "/ops/matching" {
		t.Fatalf("pause: %d %s", done.Code, done.Header())
	}
	for lang, want := range map[string][]string{
		"en": {"Automated matching is paused.", "7 December 2026 at 15:04 UTC", "op-1", "Audit &lt;of&gt; the weights", "Resume automated matching"},
		"fr": {"L&#39;appariement automatique est suspendu.", "7 décembre 2026 à 15:04 UTC", "Reprendre l&#39;appariement automatique"},
	} {
		body := get(t, h, "/ops/matching?lang="+lang, "good", "").Body.String()
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s page lacks %q:\n%s", lang, w, body)
			}
		}
	}
	if resumed := postForm(h, "/ops/matching/resume", nil); resumed.Code != http.StatusSeeOther {
		t.Fatalf("resume: %d", resumed.Code)
	}
	if body := get(t, h, "/ops/matching", "good", "en").Body.String(); !strings.Contains(body, "Automated matching is running.") {
		t.Fatalf("after resuming: %s", body)
	}
}

func TestMatchingPageIsTheAPIsForbiddenForAFirm(t *testing.T) {
	h := matchingSite(t, identity.RoleFirm)
	if page := get(t, h, "/ops/matching", "good", "en"); page.Code != http.StatusForbidden {
		t.Fatalf("a firm's page: %d", page.Code)
	}
	if done := postForm(h, "/ops/matching/pause", url.Values{"reason": {"no"}}); done.Code != http.StatusForbidden {
		t.Fatalf("a firm's pause: %d", done.Code)
	}
}
