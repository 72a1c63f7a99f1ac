package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/gateway/accounts"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/ratelimit"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/pkg/sqlstore/sqltest"
)

func TestRateLimitsFor(t *testing.T) {
	if got := RateLimitsFor(0, 0); got != DefaultRateLimits || got.PerAccount != (ratelimit.Limit{Burst: 40, Every: 50 * time.Millisecond}) ||
		got.PerOperator != (ratelimit.Limit{Burst: 2000, Every: time.Millisecond}) || got.PerAddress != got.PerAccount {
		t.Errorf("defaults: %+v", got)
	}
	if got := RateLimitsFor(-1, 0); !got.Off {
		t.Errorf("a negative rate does not turn the limits off: %+v", got)
	}
	if got := RateLimitsFor(5, 100); got.PerAccount != (ratelimit.Limit{Burst: 10, Every: 200 * time.Millisecond}) ||
		got.PerOperator != (ratelimit.Limit{Burst: 200, Every: 10 * time.Millisecond}) {
		t.Errorf("5 and 100 a second: %+v", got)
	}
}

// TestRequestsAreLimitedPerAccountOperatorAndAddress: an account's bucket is shared by all its
// credentials and by no one else; an operator has its own limit; requests without a valid
// credential (none, or forged ones) count for their client address.
func TestRequestsAreLimitedPerAccountOperatorAndAddress(t *testing.T) {
	ctx := context.Background()
	db := sqltest.Backends()[0].Open(t)
	if err := sqlstore.Migrate(ctx, db, accounts.Migrations()...); err != nil {
		t.Fatal(err)
	}
	n := 0
	store := accounts.New(db, func() string { n++; return fmt.Sprintf("acc-%d", n) })
	_, firm, err := store.Create(ctx, identity.RoleFirm, "Firm A", "")
	if err != nil {
		t.Fatal(err)
	}
	_, other, _ := store.Create(ctx, identity.RoleFirm, "Firm B", "")
	_, operator, _ := store.Create(ctx, identity.RoleOperator, "Ops", "")
	mux, err := newServeMux()
	if err != nil {
		t.Fatal(err)
	}
	limits := RateLimits{PerAccount: ratelimit.Limit{Burst: 3, Every: time.Hour}, PerOperator: ratelimit.Limit{Burst: 10, Every: time.Hour},
		PerAddress: ratelimit.Limit{Burst: 2, Every: time.Hour}, MaxKeys: 100}
	served := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	h := limitRequests(limits, store, nil, mux, nil, served)
	send := func(path, token, cookie, addr string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r.RemoteAddr = addr + ":4000"
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		if cookie != "" {
			r.AddCookie(&http.Cookie{Name: SessionCookie, Value: cookie})
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	for i := range 2 {
		if w := send("/v1/missions", firm, "", "192.0.2.1"); w.Code != http.StatusNoContent {
			t.Fatalf("firm request %d: %d", i+1, w.Code)
		}
	}
	if w := send("/missions", "", firm, "192.0.2.9"); w.Code != http.StatusNoContent {
		t.Fatalf("the firm's third request, by cookie from elsewhere: %d", w.Code)
	}
	w := send("/v1/missions", firm, "", "192.0.2.1")
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "3600" {
		t.Fatalf("the firm's fourth request: %d Retry-After %q, want 429 after 3600 s", w.Code, w.Header().Get("Retry-After"))
	}
	var body struct {
		Details []struct {
			Reason string `json:"reason"`
		} `json:"details"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || len(body.Details) == 0 || body.Details[0].Reason != ReasonRateLimited {
		t.Errorf("429 body: %s", w.Body)
	}
	if w := send("/v1/missions", other, "", "192.0.2.1"); w.Code != http.StatusNoContent {
		t.Errorf("another firm from the same address: %d", w.Code)
	}
	for i := range 10 {
		if w := send("/v1/missions", operator, "", "192.0.2.1"); w.Code != http.StatusNoContent {
			t.Fatalf("operator request %d: %d", i+1, w.Code)
		}
	}
	if w := send("/v1/missions", operator, "", "192.0.2.1"); w.Code != http.StatusTooManyRequests {
		t.Errorf("operator request 11: %d", w.Code)
	}
	// Without a valid credential: the address's bucket, however many tokens are forged.
	for i, want := range []int{http.StatusNoContent, http.StatusNoContent, http.StatusTooManyRequests, http.StatusTooManyRequests} {
		if w := send("/v1/missions", fmt.Sprintf("forged-%d", i), "", "198.51.100.7"); w.Code != want {
			t.Errorf("forged token %d: %d, want %d", i+1, w.Code, want)
		}
	}
	if w := send("/signin", "", "", "198.51.100.7"); w.Code != http.StatusTooManyRequests {
		t.Errorf("no token from the same address: %d", w.Code)
	}
	if w := send("/signin", "", "", "198.51.100.8"); w.Code != http.StatusNoContent {
		t.Errorf("no token from another address: %d", w.Code)
	}
	for range 5 {
		if w := send("/healthz", "", "", "198.51.100.7"); w.Code != http.StatusNoContent {
			t.Errorf("a health probe is limited: %d", w.Code)
		}
	}
	off := limitRequests(RateLimits{Off: true}, store, nil, mux, nil, served)
	for range 5 {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, "/v1/missions", nil)
		r.RemoteAddr = "198.51.100.7:4000"
		if off.ServeHTTP(w, r); w.Code == http.StatusTooManyRequests {
			t.Fatal("limits turned off still limit")
		}
	}
}

// TestASlowBodyIsCutAndAReadOneIsNot: a body that stalls fails within the timeout (and the
// answer still goes out); once a body is read, the handler may take longer than the timeout.
func TestASlowBodyIsCutAndAReadOneIsNot(t *testing.T) {
	const timeout = 300 * time.Millisecond
	srv := httptest.NewServer(limitBodyTime(timeout, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusRequestTimeout)
			return
		}
		select {
		case <-time.After(2 * timeout):
			w.WriteHeader(http.StatusNoContent)
		case <-r.Context().Done():
			t.Error("a request whose body was read is cancelled by the body deadline")
		}
	})))
	defer srv.Close()

	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc")
	_ = conn.SetReadDeadline(time.Now().Add(10 * timeout))
	raw, _ := io.ReadAll(conn)
	if elapsed := time.Since(start); !strings.HasPrefix(string(raw), "HTTP/1.1 408") || elapsed > 5*timeout {
		t.Errorf("a stalled body: %q after %s", raw, elapsed)
	}

	resp, err := http.Post(srv.URL, "text/plain", strings.NewReader("all of it"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("a read body, then a long answer: %d", resp.StatusCode)
	}
}

func TestPathVariablesThatCannotBeIds(t *testing.T) {
	for value, ok := range map[string]bool{
		"01a1fba7-5174-7a4d-933c-e12320a4aad3": true, "operator": true, "42": true, "some-offer": true,
		"\xff\xfe": false, "a\x00b": false, "a\nb": false, "": false, strings.Repeat("a", 129): false,
	} {
		if err := checkPathVariables(map[string]string{"mission_id": value}); (err == nil) != ok {
			t.Errorf("%q: %v, want ok %v", value, err, ok)
		}
	}
}

// TestSpanNamesAreBounded: a span is named by its route, or by a constant; never by what the
// caller wrote in the path or the method.
func TestSpanNamesAreBounded(t *testing.T) {
	for _, c := range []struct {
		method, path, route string
		status              int
		want                string
	}{
		{"GET", "/v1/missions/0a1b/shortlist", "GET /v1/missions/{missionId}/shortlist", 200, "GET /v1/missions/{missionId}/shortlist"},
		{"GET", "/v1/" + strings.Repeat("x", 5000), "", 404, "GET (unknown path)"},
		{"GET", "/v1/missions/x", "", 401, "GET (unrouted)"},
		{"FROBNICATE", "/v1/missions", "", 405, "HTTP (unrouted)"},
		{"GET", "/missions/" + strings.Repeat("y", 3000), "", 200, "GET /missions/…"},
		{"GET", "/", "", 200, "GET /"},
		{"GET", "/claire.martin@example.org", "", 404, "GET (unknown path)"},
		{"GET", "/Claire", "", 200, "GET (unrouted)"},
		{"GET", accounts.SignInPath, "", 303, "GET " + accounts.SignInPath},
	} {
		r := httptest.NewRequest(c.method, "/", nil)
		r.URL.Path = c.path
		if got := spanName(r, c.route, c.status); got != c.want {
			t.Errorf("%s %.40s (%d): %q, want %q", c.method, c.path, c.status, got, c.want)
		}
	}
}

func TestServerNameNeverComesFromHost(t *testing.T) {
	for publicURL, want := range map[string]string{
		"http://127.0.0.1:8080": "127.0.0.1:8080", "https://caiomatch.example": "caiomatch.example:443",
		"http://caiomatch.example": "caiomatch.example:80", "": "gateway:80",
	} {
		if got := serverName(publicURL); got != want {
			t.Errorf("serverName(%q) = %q, want %q", publicURL, got, want)
		}
	}
}

func TestTheBearerChallenge(t *testing.T) {
	if got := challenge(accounts.ReasonMissingToken); got != `Bearer realm="caiomatch"` {
		t.Errorf("missing token: %s", got)
	}
	if got := challenge(accounts.ReasonInvalidToken); got != `Bearer realm="caiomatch", error="invalid_token"` {
		t.Errorf("invalid token: %s", got)
	}
}

// TestTheDoorsLookupServesOnlyItsOwnRequest: authenticate reuses the credential the door
// resolved for the same request, never for the API calls a page makes in-process.
func TestTheDoorsLookupServesOnlyItsOwnRequest(t *testing.T) {
	ctx := context.Background()
	db := sqltest.Backends()[0].Open(t)
	if err := sqlstore.Migrate(ctx, db, accounts.Migrations()...); err != nil {
		t.Fatal(err)
	}
	store := accounts.New(db, func() string { return "acc-1" })
	acc, secret, err := store.Create(ctx, identity.RoleFirm, "Firm A", "")
	if err != nil {
		t.Fatal(err)
	}
	door := &doorCredential{method: http.MethodGet, path: "/missions", secret: secret, account: accounts.Account{ID: "as-the-door-saw-it"}}
	ctx = context.WithValue(ctx, doorCredentialKey{}, door)
	same := httptest.NewRequestWithContext(ctx, http.MethodGet, "/missions", nil)
	if got, _, err := resolveCredential(store, same, secret); err != nil || got.ID != "as-the-door-saw-it" {
		t.Errorf("the door's own request: %q, %v", got.ID, err)
	}
	inProcess := httptest.NewRequestWithContext(ctx, http.MethodGet, "/v1/missions", nil)
	if got, _, err := resolveCredential(store, inProcess, secret); err != nil || got.ID != acc.ID {
		t.Errorf("a page's in-process call: %q, %v; want the store's %q", got.ID, err, acc.ID)
	}
	if _, _, err := resolveCredential(store, same, "another-secret"); err == nil {
		t.Error("another secret on the door's request was taken for the door's")
	}
}
