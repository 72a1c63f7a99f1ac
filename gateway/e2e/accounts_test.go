package e2e

import (
	"net/http"
	"regexp"
	"testing"
	"time"
)

// TestSelfServiceSignUpThroughTheMailbox: without SMTP the all-in-one keeps emails in the
// mailbox operators read; a consultant signs up, keeps a profile while pending, and reaches
// the rest of the platform once approved.
func TestSelfServiceSignUpThroughTheMailbox(t *testing.T) {
	p := startPlatform(t, t.TempDir())
	if r := p.call("POST", "/v1/signup", "", map[string]any{"role": "CONSULTANT", "name": "Inès Roux", "email": "ines@example.org"}); r.status != http.StatusAccepted {
		t.Fatalf("sign-up: %d %s", r.status, r.raw)
	}
	var code string
	eventually(t, 5*time.Second, "the code in the mailbox", func() bool {
		for _, m := range list(p.mustCall("GET", "/v1/ops/mailbox", operatorToken, nil), "messages") {
			msg := m.(map[string]any)
			if msg["to"] == "ines@example.org" {
				code = regexp.MustCompile(`\b\d{6}\b`).FindString(msg["text"].(string))
			}
		}
		return code != ""
	})
	verified := p.mustCall("POST", "/v1/signup/verify", "", map[string]any{"email": "ines@example.org", "code": code})
	id, token := str(verified, "account", "id"), str(verified, "token")

	profile := p.mustCall("POST", "/v1/profiles", token, profileBody("Inès Roux", nil))
	if str(profile, "profile", "accountId") != id {
		t.Fatalf("the pending consultant's profile: %v", profile)
	}
	if r := p.call("GET", "/v1/offers", token, nil); r.status != http.StatusForbidden {
		t.Fatalf("offers while pending: %d %s", r.status, r.raw)
	}
	p.mustCall("POST", "/v1/accounts/"+id+"/approve", operatorToken, nil)
	p.mustCall("GET", "/v1/offers", token, nil)
}
