package pages

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestSeeOtherStaysOnThisSite(t *testing.T) {
	for to, want := range map[string]string{
		"/missions/m%2F1#after-m%2F1": "/missions/m%2F1#after-m%2F1",
		"/profile/p1?saved=1&month=x": "/profile/p1?saved=1&month=x",
		"//evil.example/x":            "/",
		"/\\evil.example":             "/",
		"https://evil.example/":       "/",
		"missions/m1":                 "/",
	} {
		w := httptest.NewRecorder()
		seeOther(w, httptest.NewRequest(http.MethodPost, "/missions/m1/offers", nil), to)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != want {
			t.Errorf("seeOther(%q): %d to %q, want 303 to %q", to, w.Code, w.Header().Get("Location"), want)
		}
	}
}

func TestSetCookieIsSecureOverTLSOrWhenConfigured(t *testing.T) {
	plain := httptest.NewRequest(http.MethodGet, "/", nil)
	overTLS := httptest.NewRequest(http.MethodGet, "/", nil)
	overTLS.TLS = &tls.ConnectionState{}
	for _, c := range []struct {
		name       string
		configured bool
		r          *http.Request
		secure     bool
	}{
		{"plain HTTP", false, plain, false},
		{"TLS", false, overTLS, true},
		{"plain HTTP behind a TLS proxy", true, plain, true},
	} {
		w := httptest.NewRecorder()
		(&Site{cfg: Config{SecureCookies: c.configured}}).setCookie(w, c.r, languageCookie, "fr", "/", 60)
		got := w.Result().Cookies()
		if len(got) != 1 || got[0].Secure != c.secure || !got[0].HttpOnly || got[0].SameSite != http.SameSiteLaxMode {
			t.Errorf("%s: cookies %+v, want one HttpOnly, SameSite=Lax, Secure=%t", c.name, got, c.secure)
		}
	}
}
