package httpapi

import (
	"net/http"
	"net/url"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/locale"
	"github.com/caiomatch/caiomatch/pkg/rpc"
)

// languageQuery is the query parameter every endpoint accepts to choose the language of the
// texts it answers with; it wins over Accept-Language.
const languageQuery = "lang"

// negotiateLanguage chooses the request's language (locale.Negotiate) and records it in the
// context, from where the gRPC clients forward it to the services. The lang parameter is taken
// off the query, since no RPC reads it; one the platform does not speak is refused rather
// than ignored, so a client learns its mistake.
func negotiateLanguage(mux *runtime.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		explicit := ""
		if r.URL.RawQuery != "" {
			if query, err := url.ParseQuery(r.URL.RawQuery); err == nil && query.Has(languageQuery) {
				explicit = query.Get(languageQuery)
				if _, ok := locale.Parse(explicit); !ok || len(query[languageQuery]) > 1 {
					writeStatus(mux, w, r, rpc.InvalidStatus(ReasonInvalidValue, "lang must be en or fr, given once",
						fault.Violation{Field: languageQuery, Description: "must be en or fr"}).Err())
					return
				}
				query.Del(languageQuery)
				r = r.Clone(r.Context())
				r.URL.RawQuery = query.Encode()
			}
		}
		lang := locale.Negotiate(explicit, r.Header.Get("Accept-Language"))
		w.Header().Set("Content-Language", string(lang))
		w.Header().Add("Vary", "Accept-Language")
		next.ServeHTTP(w, r.WithContext(locale.WithLanguage(r.Context(), lang)))
	})
}
