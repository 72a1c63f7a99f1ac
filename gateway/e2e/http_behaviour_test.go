package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// rawCall sends a request without a body and returns the status, the headers and the decoded
// JSON body.
func (p *platform) rawCall(method, path, token string) (int, http.Header, map[string]any) {
	p.t.Helper()
	req, err := http.NewRequest(method, p.url+path, nil)
	if err != nil {
		p.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		p.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var body map[string]any
	if len(raw) > 0 && method != http.MethodHead {
		if err := json.Unmarshal(raw, &body); err != nil {
			p.t.Fatalf("%s %s: body is not JSON: %v: %s", method, path, err, raw)
		}
	}
	return resp.StatusCode, resp.Header, body
}

func TestWrongMethodIs405WithAllow(t *testing.T) {
	p := startPlatform(t, t.TempDir())
	_, firmToken := p.createAccount("FIRM", "Firm A")
	missionID := str(p.mustCall("POST", "/v1/missions", firmToken, missionBody(nil)), "mission", "id")

	cases := []struct{ method, path, allow string }{
		{"DELETE", "/v1/missions", "GET, POST"},
		{"PUT", "/v1/missions/" + missionID, "GET, PATCH"},
		{"DELETE", "/v1/missions/" + missionID, "GET, PATCH"},
		{"GET", "/v1/missions/" + missionID + "/cancel", "POST"},
		{"PUT", "/v1/missions/" + missionID + "/extensions", "GET, POST"},
		{"POST", "/v1/offers", "GET"},
		{"GET", "/v1/offers/some-offer/counter", "POST"},
		{"PATCH", "/v1/profiles/some-profile", "GET, PUT, DELETE"},
		{"DELETE", "/v1/accounts", "GET, POST"},
		{"POST", "/v1/taxonomy/sectors", "GET"},
		{"POST", "/healthz", "GET"},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			status, header, body := p.rawCall(tc.method, tc.path, firmToken)
			if status != http.StatusMethodNotAllowed {
				t.Fatalf("status %d, want 405: %v", status, body)
			}
			if got := header.Get("Allow"); got != tc.allow {
				t.Errorf("Allow %q, want %q", got, tc.allow)
			}
			if reason, _ := errorParts(body); reason != "METHOD_NOT_ALLOWED" {
				t.Errorf("reason %q, want METHOD_NOT_ALLOWED: %v", reason, body)
			}
			if msg, _ := body["message"].(string); msg == "" {
				t.Errorf("error body has no message: %v", body)
			}
		})
	}
	// The mission was not touched by any of these.
	if got := str(p.mustCall("GET", "/v1/missions/"+missionID, firmToken, nil), "mission", "status"); got == "MISSION_STATUS_CANCELLED" {
		t.Errorf("mission status %s after refused requests", got)
	}
	if status, header, _ := p.rawCall("GET", "/v1/no-such-thing", firmToken); status != http.StatusNotFound || header.Get("Allow") != "" {
		t.Errorf("unknown path: status %d Allow %q, want 404 without Allow", status, header.Get("Allow"))
	}
}

func TestUnknownQueryParameterIs400(t *testing.T) {
	p := startPlatform(t, t.TempDir())
	_, firmToken := p.createAccount("FIRM", "Firm A")
	_, consultantToken := p.createAccount("CONSULTANT", "Claire")
	missionID := str(p.mustCall("POST", "/v1/missions", firmToken, missionBody(nil)), "mission", "id")

	for _, tc := range []struct{ path, token string }{
		{"/v1/missions?pageSize=5", firmToken},
		{"/v1/missions?page_size=5&pageToken=", firmToken},
		{"/v1/missions?status=MISSION_STATUS_SUBMITTED", firmToken},
		{"/v1/offers?status=OFFER_STATUS_PENDING&pageSize=10", consultantToken},
	} {
		if status, _, body := p.rawCall("GET", tc.path, tc.token); status != http.StatusOK {
			t.Errorf("GET %s: status %d: %v", tc.path, status, body)
		}
	}
	if status, _, body := p.rawCall("GET", "/v1/ops/traces?limit=5", operatorToken); status != http.StatusOK {
		t.Errorf("GET /v1/ops/traces?limit=5: status %d: %v", status, body)
	}

	cases := []struct{ method, path, token, field string }{
		{"GET", "/v1/missions?sort=title", firmToken, "sort"},
		{"GET", "/v1/missions?pageSize=5&statuss=MISSION_STATUS_STAFFED", firmToken, "statuss"},
		{"GET", "/v1/offers?firmId=x", consultantToken, "firmId"},
		{"GET", "/v1/missions/" + missionID + "?id=other", firmToken, "id"},
		{"GET", "/v1/missions/" + missionID + "?verbose", firmToken, "verbose"},
		{"POST", "/v1/missions/" + missionID + "/cancel?reason=x", firmToken, "reason"},
		{"GET", "/v1/taxonomy/sectors?language=fr", "", "language"},
		{"GET", "/v1/ops/traces?limit=5&since=yesterday", operatorToken, "since"},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			status, _, body := p.rawCall(tc.method, tc.path, tc.token)
			if status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %v", status, body)
			}
			reason, fields := errorParts(body)
			if reason != "UNKNOWN_QUERY_PARAMETER" || len(fields) != 1 || fields[0] != tc.field {
				t.Errorf("reason %q fields %v, want UNKNOWN_QUERY_PARAMETER [%s]", reason, fields, tc.field)
			}
		})
	}
	// The refused cancel left the mission as it was.
	if got := str(p.mustCall("GET", "/v1/missions/"+missionID, firmToken, nil), "mission", "status"); got == "MISSION_STATUS_CANCELLED" {
		t.Error("a cancel refused for its query parameter cancelled the mission")
	}
}

func TestAccountsCarryAnOptionalEmail(t *testing.T) {
	p := startPlatform(t, t.TempDir())
	body := p.mustCall("POST", "/v1/accounts", operatorToken,
		map[string]any{"role": "FIRM", "name": "Acme Énergie", "email": "staffing@acme.example"})
	id, token := str(body, "account", "id"), str(body, "token")
	if got := str(body, "account", "email"); got != "staffing@acme.example" {
		t.Errorf("created account email %q", got)
	}
	if got := str(p.mustCall("GET", "/v1/accounts/"+id, token, nil), "account", "email"); got != "staffing@acme.example" {
		t.Errorf("read account email %q", got)
	}
	if got := str(p.mustCall("POST", "/v1/accounts", operatorToken, map[string]any{"role": "CONSULTANT", "name": "Claire"}),
		"account", "email"); got != "" {
		t.Errorf("an account created without email has email %q", got)
	}
	for _, bad := range []map[string]any{
		{"role": "FIRM", "name": "Acme", "email": "not-an-email"},
		{"role": "FIRM", "name": "Acme", "email": "Acme <staffing@acme.example>"},
		{"role": "FIRM", "name": "Acme", "email": strings.Repeat("x", 250) + "@acme.example"},
	} {
		r := p.call("POST", "/v1/accounts", operatorToken, bad)
		reason, fields := errorParts(r.body)
		if r.status != http.StatusBadRequest || reason != "INVALID_ARGUMENT" || len(fields) != 1 || fields[0] != "email" {
			t.Errorf("email %q: status %d reason %q fields %v", bad["email"], r.status, reason, fields)
		}
	}
}

// TestEveryAnswerIsNosniffAndAuthenticatedOnesAreNotStored: no answer may be sniffed into a
// script or a page; an authenticated API answer is never kept by a cache.
func TestEveryAnswerIsNosniffAndAuthenticatedOnesAreNotStored(t *testing.T) {
	p := startPlatform(t, t.TempDir())
	_, firmToken := p.createAccount("FIRM", "Firm A")
	for _, c := range []struct {
		path, token string
		noStore     bool
	}{
		{"/v1/missions", firmToken, true},
		{"/v1/missions/nope", firmToken, true},
		{"/v1/taxonomy/sectors", "", false},
		{"/v1/missions", "", false},
		{"/healthz", "", false},
		{"/static/site.css", "", false},
	} {
		req, _ := http.NewRequest(http.MethodGet, p.url+c.path, nil)
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		resp, err := p.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s: X-Content-Type-Options %q", c.path, got)
		}
		if noStore := resp.Header.Get("Cache-Control") == "no-store"; noStore != c.noStore {
			t.Errorf("GET %s (token %v): Cache-Control %q", c.path, c.token != "", resp.Header.Get("Cache-Control"))
		}
	}
}
