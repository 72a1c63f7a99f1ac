package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/codes"

	"github.com/caiomatch/caiomatch/gateway/accounts"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/rpc"
)

// SessionCookie names the cookie a sign-in link sets; it authenticates like a bearer token.
const SessionCookie = "caiomatch_session"

// Reasons of refusals decided here.
const (
	ReasonCrossOrigin = "CROSS_ORIGIN_REQUEST"
)

// isPublic tells the requests answered without a caller: sign-up, sign-in and reference data.
func isPublic(r *http.Request) bool {
	switch {
	case !strings.HasPrefix(r.URL.Path, "/v1/"):
		return true
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v1/taxonomy/"):
		return true
	case r.URL.Path == accounts.SignInPath:
		return r.Method == http.MethodGet || r.Method == http.MethodPost
	case r.Method == http.MethodPost:
		switch r.URL.Path {
		case "/v1/signup", "/v1/signup/verify", "/v1/sessions":
			return true
		}
	}
	return false
}

// credentialKey holds the credential a request was authenticated with.
type credentialKey struct{}

func credentialFrom(ctx context.Context) (accounts.Token, bool) {
	tok, ok := ctx.Value(credentialKey{}).(accounts.Token)
	return tok, ok
}

// authenticate resolves the bearer token, or else the session cookie, of every /v1/ request
// but the public ones, against the database on every request, and puts the caller in the
// request context. A missing, unknown, expired or revoked credential gets 401; a suspended
// account 403; an account pending approval reaches only itself and its profile. A request
// authenticated by cookie that changes state must come from the platform's own pages
// (net/http's CrossOriginProtection): a bearer token is never sent by a browser on its own.
func authenticate(store *accounts.Store, mux *runtime.ServeMux, next http.Handler) http.Handler {
	crossOrigin := http.NewCrossOriginProtection()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isPublic(r) {
			next.ServeHTTP(w, r)
			return
		}
		secret, ok := bearerToken(r.Header.Get("Authorization"))
		byCookie := false
		if !ok {
			if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
				secret, ok, byCookie = c.Value, true, true
			}
		}
		if !ok {
			writeStatus(mux, w, r, rpc.StatusWithReason(codes.Unauthenticated, accounts.ReasonMissingToken,
				"an Authorization: Bearer <token> header or a session cookie is required").Err())
			return
		}
		if byCookie {
			if err := crossOrigin.Check(r); err != nil {
				writeStatus(mux, w, r, rpc.StatusWithReason(codes.PermissionDenied, ReasonCrossOrigin,
					"a cross-site request may not change anything").Err())
				return
			}
		}
		acc, cred, err := resolveCredential(store, r, secret)
		if err != nil {
			writeStatus(mux, w, r, rpc.Status(err).Err())
			return
		}
		noteActor(r.Context(), acc)
		switch {
		case acc.Status == accounts.StatusSuspended:
			writeStatus(mux, w, r, rpc.StatusWithReason(codes.PermissionDenied, accounts.ReasonAccountSuspended,
				"this account is suspended").Err())
			return
		case acc.Status == accounts.StatusPending && !pendingMayReach(r, acc.ID):
			writeStatus(mux, w, r, rpc.StatusWithReason(codes.PermissionDenied, accounts.ReasonAccountPending,
				"until an operator approves this account, it can only read and edit itself and its profile").Err())
			return
		}
		ctx := identity.WithCaller(r.Context(), identity.Caller{AccountID: acc.ID, Role: acc.Role, Name: acc.Name, Email: acc.Email})
		next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, credentialKey{}, cred)))
	})
}

// pendingMayReach is what an account waiting for approval may do: read itself, set its
// preferences, keep its profile, take its data, and sign out.
func pendingMayReach(r *http.Request, accountID string) bool {
	path := r.URL.Path
	switch {
	case path == "/v1/accounts/"+accountID:
		// Reading itself, and leaving: whoever signed up may have everything erased.
		return r.Method == http.MethodGet || r.Method == http.MethodDelete
	case path == "/v1/accounts/"+accountID+"/preferences":
		return r.Method == http.MethodPut
	case path == "/v1/accounts/"+accountID+"/export":
		// Whoever has data here may take it, approved or not.
		return r.Method == http.MethodGet
	case path == "/v1/profiles" || strings.HasPrefix(path, "/v1/profiles/"):
		return true
	case path == sessionPath:
		return r.Method == http.MethodDelete
	}
	return false
}

func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

func writeStatus(mux *runtime.ServeMux, w http.ResponseWriter, r *http.Request, err error) {
	_, outbound := runtime.MarshalerForRequest(mux, r)
	runtime.HTTPError(r.Context(), mux, outbound, w, r, err)
}

// operatorsOnly serves next to an operator's bearer token only (a scraper is given one, e.g.
// Prometheus's authorization.credentials_file): /metrics is outside /v1/, where authenticate does
// not go, and what it tells about the platform's traffic is the operators' business.
func operatorsOnly(store *accounts.Store, mux *runtime.ServeMux, next http.HandlerFunc) runtime.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, _ map[string]string) {
		secret, ok := bearerToken(r.Header.Get("Authorization"))
		if !ok {
			writeStatus(mux, w, r, rpc.StatusWithReason(codes.Unauthenticated, accounts.ReasonMissingToken,
				"an operator's Authorization: Bearer <token> header is required").Err())
			return
		}
		acc, _, err := resolveCredential(store, r, secret)
		if err != nil {
			writeStatus(mux, w, r, rpc.Status(err).Err())
			return
		}
		if acc.Role != identity.RoleOperator || acc.Status != accounts.StatusActive {
			writeStatus(mux, w, r, rpc.StatusWithReason(codes.PermissionDenied, "ROLE_NOT_ALLOWED", "only operators read the metrics").Err())
			return
		}
		next(w, r)
	}
}
