package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	"github.com/caiomatch/caiomatch/gateway/accounts"
	accountv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/account/v1"
	"github.com/caiomatch/caiomatch/pkg/locale"
	"github.com/caiomatch/caiomatch/pkg/rpc"
)

// sessionPath is the caller's own web session.
const sessionPath = "/v1/sessions/current"

// ReasonNotASession refuses signing out a bearer token (it is revoked with DELETE /v1/tokens/{id}).
const ReasonNotASession = "NOT_A_SESSION"

// sessions opens web sessions from sign-in links and ends them.
type sessions struct {
	mux      *runtime.ServeMux
	accounts *accounts.Service
	// secure marks the cookie Secure; it is when the platform is reached over TLS.
	secure bool
	// crossOrigin refuses a sign-in posted from another site: a page there could otherwise sign
	// a visitor in as the page's author (login CSRF).
	crossOrigin *http.CrossOriginProtection
}

func newSessions(mux *runtime.ServeMux, service *accounts.Service, publicURL string) sessions {
	return sessions{mux: mux, accounts: service, secure: securePublicURL(publicURL), crossOrigin: http.NewCrossOriginProtection()}
}

// serveSignInLinks answers accounts.SignInPath before the transcoding mux, as a browser uses it:
// GET (following the link) shows a page whose button posts the link's secret back as a form,
// and only that POST spends the link and opens the session. Mail scanners fetch links; they do
// not press buttons.
func (s sessions) serveSignInLinks(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != accounts.SignInPath {
			next.ServeHTTP(w, r)
			return
		}
		// A link read by a mail scanner or shared by mistake must not leak through a referrer.
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.Header().Set("Cache-Control", "no-store")
		switch r.Method {
		case http.MethodGet:
			s.showSignInPage(w, r)
		case http.MethodPost:
			s.signIn(w, r)
		default:
			w.Header().Set("Allow", "GET, POST")
			writeStatus(s.mux, w, r, &runtime.HTTPStatusError{HTTPStatus: http.StatusMethodNotAllowed,
				Err: rpc.StatusWithReason(codes.Unimplemented, ReasonMethodNotAllowed, "method "+r.Method+" is not allowed here; allowed: GET, POST").Err()})
		}
	})
}

func (s sessions) showSignInPage(w http.ResponseWriter, r *http.Request) {
	page, err := accounts.SignInPage(locale.FromContext(r.Context()), r.URL.Query().Get("token"))
	if err != nil {
		writeStatus(s.mux, w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(page) //nolint:gosec // G705: html/template made the page and escaped the link's secret in it
}

// signIn spends the link posted by the page's form and sets the session cookie.
func (s sessions) signIn(w http.ResponseWriter, r *http.Request) {
	if err := s.crossOrigin.Check(r); err != nil {
		writeStatus(s.mux, w, r, rpc.StatusWithReason(codes.PermissionDenied, ReasonCrossOrigin,
			"a sign-in link is used from the platform's own page only").Err())
		return
	}
	_, secret, err := s.accounts.SignInWithLink(r.Context(), r.PostFormValue("token"))
	if err != nil {
		writeStatus(s.mux, w, r, rpc.Status(err).Err())
		return
	}
	s.setSessionCookie(w, r, secret, int(accounts.SessionTTL.Seconds()))
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// endSession signs the caller out: the session is revoked, on every replica at once, and the
// cookie cleared.
func (s sessions) endSession(w http.ResponseWriter, r *http.Request, _ map[string]string) {
	cred, ok := credentialFrom(r.Context())
	if !ok || cred.Kind != accounts.KindSession {
		writeStatus(s.mux, w, r, rpc.StatusWithReason(codes.FailedPrecondition, ReasonNotASession,
			"only a web session signs out; revoke a token with DELETE /v1/tokens/{id}").Err())
		return
	}
	if err := s.accounts.EndSession(r.Context(), cred.ID, cred.AccountID); err != nil {
		writeStatus(s.mux, w, r, rpc.Status(err).Err())
		return
	}
	s.setSessionCookie(w, r, "", -1)
	w.WriteHeader(http.StatusNoContent)
}

// setSessionCookie sets the session cookie (maxAge -1 clears it): out of scripts' reach, not
// sent along with cross-site subrequests, and Secure when the public URL is https or the
// request came over TLS. Not always Secure: `make run` serves plain HTTP on loopback, where a
// browser would drop a Secure cookie and nobody could sign in.
func (s sessions) setSessionCookie(w http.ResponseWriter, r *http.Request, value string, maxAge int) {
	//nolint:gosec // G124: Secure as said above
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure || r.TLS != nil})
}

// acceptedResponses answers 202 to the requests whose effect is an email on its way.
func acceptedResponses(_ context.Context, w http.ResponseWriter, resp proto.Message) error {
	switch resp.(type) {
	case *accountv1.SignUpResponse, *accountv1.StartSignInResponse:
		w.WriteHeader(http.StatusAccepted)
	}
	return nil
}

// securePublicURL tells whether people reach the platform over TLS.
func securePublicURL(publicURL string) bool {
	return strings.HasPrefix(strings.ToLower(publicURL), "https://")
}
