package httpapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/ratelimit"
)

// TestAnIPv6ClientIsLimitedByItsNetwork: a host holding a /64 could otherwise try from a new
// address each time and never be limited.
func TestAnIPv6ClientIsLimitedByItsNetwork(t *testing.T) {
	mux, err := newServeMux()
	if err != nil {
		t.Fatal(err)
	}
	limits := AbuseLimits{PerEmail: ratelimit.Limit{Burst: 100, Every: time.Minute},
		PerAddress: ratelimit.Limit{Burst: 2, Every: time.Hour}, MaxKeys: 100}
	h := limitAttempts(limits, mux, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusAccepted) }))
	attempt := func(remoteAddr string) int {
		r := httptest.NewRequest(http.MethodPost, "/v1/sessions", strings.NewReader(`{"email":"a@acme.example"}`))
		r.RemoteAddr = remoteAddr
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	for i, c := range []struct {
		remoteAddr string
		want       int
	}{
		{"[2001:db8:1:2::1]:4000", http.StatusAccepted},
		{"[2001:db8:1:2:aaaa::7]:4001", http.StatusAccepted},
		{"[2001:db8:1:2:ffff:ffff:ffff:fffe]:4002", http.StatusTooManyRequests}, // same /64, third attempt
		{"[2001:db8:1:3::1]:4000", http.StatusAccepted},                         // the next /64
		{"192.0.2.1:4000", http.StatusAccepted},
		{"[::ffff:192.0.2.1]:4001", http.StatusAccepted}, // the same IPv4 client, mapped
		{"192.0.2.1:4002", http.StatusTooManyRequests},
		{"192.0.2.2:4000", http.StatusAccepted},
	} {
		if got := attempt(c.remoteAddr); got != c.want {
			t.Errorf("attempt %d from %s: %d, want %d", i+1, c.remoteAddr, got, c.want)
		}
	}
}
