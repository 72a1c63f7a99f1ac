package e2e

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// auditEvents asks the audit log as the operator, each filter given; it fails on anything but 200.
func auditEvents(t *testing.T, p *platform, filters map[string]string) []map[string]any {
	t.Helper()
	q := url.Values{}
	for k, v := range filters {
		q.Set(k, v)
	}
	var events []map[string]any
	for _, e := range list(p.mustCall("GET", "/v1/ops/audit?"+q.Encode(), operatorToken, nil), "events") {
		events = append(events, e.(map[string]any))
	}
	return events
}

// findAudit waits for an event the filters select that has every field of want.
func findAudit(t *testing.T, p *platform, what string, filters, want map[string]string) map[string]any {
	t.Helper()
	var found map[string]any
	eventually(t, 5*time.Second, what, func() bool {
		for _, e := range auditEvents(t, p, filters) {
			match := true
			for k, v := range want {
				match = match && str(e, k) == v
			}
			if match {
				found = e
				return true
			}
		}
		return false
	})
	return found
}

var traceIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// TestOperatorAuditsWhoReadAConsultantsProfile: a firm reads a shortlisted consultant's profile
// and the operator finds that read by the consultant's profile id, with the firm as actor and the
// request's trace; a forged token and a wrong sign-up code are there as failed sign-ins; a firm
// asking for the log gets 403, and that refusal is in the log too, still there after a restart.
// Nothing in the log is an email, a name or what a caller typed.
func TestOperatorAuditsWhoReadAConsultantsProfile(t *testing.T) {
	dataDir := t.TempDir()
	p := startPlatform(t, dataDir)
	firmID, firmToken := p.createAccount("FIRM", "Acme Pharma")
	_, consultantToken := p.createAccount("CONSULTANT", "Claire Martin")
	profileID := str(p.mustCall("POST", "/v1/profiles", consultantToken, profileBody("Claire Martin", nil)), "profile", "id")
	missionID := str(p.mustCall("POST", "/v1/missions", firmToken, missionBody(nil)), "mission", "id")
	if shortlisted := waitShortlist(t, p, missionID, firmToken, 1); shortlisted[0] != profileID {
		t.Fatalf("shortlist %v, want %s", shortlisted, profileID)
	}
	if got := p.mustCall("GET", "/v1/profiles/"+profileID, firmToken, nil); str(got, "profile", "id") != profileID {
		t.Fatalf("the firm's read: %v", got)
	}

	read := findAudit(t, p, "the firm's read of the profile", map[string]string{"subjectId": profileID, "actorId": firmID},
		map[string]string{"action": "GET /v1/profiles/{id}", "kind": "READ", "actorRole": "FIRM", "outcome": "200"})
	if !traceIDPattern.MatchString(str(read, "traceId")) {
		t.Errorf("the read has no trace id: %v", read)
	}
	findAudit(t, p, "the shortlist that showed the consultant", map[string]string{"subjectId": profileID, "outcome": "allowed"},
		map[string]string{"action": "GET /v1/missions/{missionId}/shortlist", "actorId": firmID})

	// A forged token, a wrong sign-up code.
	if r := p.call("GET", "/v1/profiles/"+profileID, "cm_forged-claire.martin@example.org", nil); r.status != http.StatusUnauthorized {
		t.Fatalf("a forged token: %d %s", r.status, r.raw)
	}
	if r := p.call("POST", "/v1/signup", "", map[string]any{"role": "CONSULTANT", "name": "Jean Dupont", "email": "jean.dupont@example.org"}); r.status != http.StatusAccepted {
		t.Fatalf("sign-up: %d %s", r.status, r.raw)
	}
	if r := p.call("POST", "/v1/signup/verify", "", map[string]any{"email": "jean.dupont@example.org", "code": "000000"}); r.status != http.StatusUnauthorized {
		t.Fatalf("a wrong code: %d %s", r.status, r.raw)
	}
	forged := findAudit(t, p, "the forged token", map[string]string{"outcome": "refused", "subjectId": profileID},
		map[string]string{"kind": "SIGN_IN_FAILED", "reason": "INVALID_TOKEN", "action": "GET /v1/profiles/{id}", "actorRole": "ANONYMOUS", "outcome": "401"})
	if str(forged, "actorId") != "" {
		t.Errorf("an anonymous refusal has an actor: %v", forged)
	}
	findAudit(t, p, "the wrong sign-up code", map[string]string{"outcome": "refused", "action": "POST /v1/signup/verify"},
		map[string]string{"kind": "SIGN_IN_FAILED", "reason": "INVALID_CODE", "outcome": "401"})

	// The log is the operators': a firm's attempt is refused, and logged.
	if r := p.call("GET", "/v1/ops/audit?actorId="+firmID, firmToken, nil); r.status != http.StatusForbidden {
		t.Fatalf("a firm reads the log: %d %s", r.status, r.raw)
	}
	findAudit(t, p, "the firm's refused attempt", map[string]string{"actorId": firmID, "outcome": "refused"},
		map[string]string{"action": "GET /v1/ops/audit", "kind": "REFUSED", "reason": "ROLE_NOT_ALLOWED", "outcome": "403"})

	// The page shows the same, to the operator only.
	page := openPage(t, p, "/ops/audit?subjectId="+profileID, operatorToken, nil)
	if page.status != http.StatusOK || !strings.Contains(page.body, "GET /<wbr>v1/<wbr>profiles/<wbr>{id}") || !strings.Contains(page.body, firmID) {
		t.Fatalf("the audit page: %d %s", page.status, page.body)
	}
	if page := openPage(t, p, "/ops/audit", firmToken, nil); page.status != http.StatusForbidden {
		t.Fatalf("a firm opens the audit page: %d", page.status)
	}

	all := p.call("GET", "/v1/ops/audit?pageSize=200", operatorToken, nil)
	for _, personal := range []string{"@", "Claire", "Martin", "Dupont", "Acme", "cm_", "000000"} {
		if strings.Contains(all.raw, personal) {
			t.Errorf("the audit log holds %q: %s", personal, all.raw)
		}
	}

	// Written before the platform stops, kept after it starts again.
	p.shutdown()
	q := startPlatform(t, dataDir)
	if got := auditEvents(t, q, map[string]string{"actorId": firmID, "outcome": "refused"}); len(got) == 0 {
		t.Fatal("the firm's refusal is gone after a restart")
	}
}
