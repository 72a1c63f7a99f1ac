package httpapi

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/caiomatch/caiomatch/gateway/accounts"
)

// TestHTTPRoutesAreBounded: the http.route of the request metrics is a route template, a page's
// first segment or "unmatched"; never what the caller wrote in the path.
func TestHTTPRoutesAreBounded(t *testing.T) {
	for _, c := range []struct {
		method, path, template string
		status                 int
		want                   string
	}{
		{"GET", "/v1/missions/0a1b/shortlist", "GET /v1/missions/{missionId}/shortlist", 200, "/v1/missions/{missionId}/shortlist"},
		{"POST", "/v1/missions", "POST /v1/missions", 200, "/v1/missions"},
		{"GET", "/v1/" + strings.Repeat("x", 5000), "", 404, UnmatchedRoute},
		{"GET", "/v1/missions/x", "", 401, UnmatchedRoute},
		{"FROBNICATE", "/v1/missions", "", 405, UnmatchedRoute},
		{"GET", "/missions/" + strings.Repeat("y", 3000), "", 200, "/missions/…"},
		{"GET", "/", "", 200, "/"},
		{"GET", "/claire.martin@example.org", "", 404, UnmatchedRoute},
		{"GET", "/Claire", "", 200, UnmatchedRoute},
		{"GET", accounts.SignInPath, "", 303, accounts.SignInPath},
	} {
		r := httptest.NewRequest(c.method, "/", nil)
		r.URL.Path = c.path
		if got := httpRoute(spanName(r, c.template, c.status)); got != c.want {
			t.Errorf("%s %.40s (%d): %q, want %q", c.method, c.path, c.status, got, c.want)
		}
	}
}
