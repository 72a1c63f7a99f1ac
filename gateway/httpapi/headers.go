package httpapi

import (
	"net/http"
	"strings"
)

// everyResponse sets what every answer of the gateway carries: nosniff, so no answer (an API's
// JSON least of all) is ever taken for a script or a page; and, for an authenticated API call,
// no-store, so no cache along the way keeps someone's data.
func everyResponse(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if strings.HasPrefix(r.URL.Path, "/v1/") && authenticated(r) {
			w.Header().Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// authenticated tells whether the request carries a credential: a bearer token or the session
// cookie.
func authenticated(r *http.Request) bool {
	if r.Header.Get("Authorization") != "" {
		return true
	}
	c, err := r.Cookie(SessionCookie)
	return err == nil && c.Value != ""
}
