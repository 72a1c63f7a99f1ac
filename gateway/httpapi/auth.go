package httpapi

import (
	"net/http"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/codes"

	"github.com/caiomatch/caiomatch/gateway/accounts"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/rpc"
)

// authenticate resolves the bearer token of every /v1/ request except the public taxonomy and
// puts the caller in the request context; a missing or unknown token gets 401.
func authenticate(store *accounts.Store, mux *runtime.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/v1/") ||
			(r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v1/taxonomy/")) {
			next.ServeHTTP(w, r)
			return
		}
		token, ok := bearerToken(r.Header.Get("Authorization"))
		if !ok {
			writeStatus(mux, w, r, rpc.StatusWithReason(codes.Unauthenticated, accounts.ReasonMissingToken,
				"an Authorization: Bearer <token> header is required").Err())
			return
		}
		acc, err := store.Authenticate(r.Context(), token)
		if err != nil {
			writeStatus(mux, w, r, rpc.Status(err).Err())
			return
		}
		ctx := identity.WithCaller(r.Context(), identity.Caller{AccountID: acc.ID, Role: acc.Role, Name: acc.Name, Email: acc.Email})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
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
