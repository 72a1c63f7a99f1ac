package httpapi

import (
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/codes"

	"github.com/caiomatch/caiomatch/gateway/accounts"
	"github.com/caiomatch/caiomatch/gateway/audit"
	"github.com/caiomatch/caiomatch/gateway/pages"
	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/ratelimit"
	"github.com/caiomatch/caiomatch/pkg/rpc"
)

// ReasonRateLimited is the 429 of a caller over its request rate.
const ReasonRateLimited = "RATE_LIMITED"

// RateLimits bound every request from outside: per account for a request with a valid
// credential (whichever of its tokens or sessions it uses), operators with a limit of their
// own, and per client address for the others. The zero value is DefaultRateLimits.
type RateLimits struct {
	PerAccount, PerOperator, PerAddress ratelimit.Limit
	// MaxKeys bounds the memory of each limiter.
	MaxKeys int
	// Off turns the limits off (CAIOMATCH_RATE_LIMIT=0).
	Off bool
}

// Default request rates, per second; the burst is twice the rate.
const (
	DefaultRateLimit         = 20
	DefaultOperatorRateLimit = 1000
)

// DefaultRateLimits: 20 requests a second per account or address with a burst of 40, far
// above what a person browsing or a well-behaved client sends; operators 1,000 a second, so
// that `make seed` runs at full speed.
var DefaultRateLimits = RateLimitsFor(DefaultRateLimit, DefaultOperatorRateLimit)

// RateLimitsFor is perSecond requests a second per account and per client address, and
// operatorPerSecond per operator account, each with a burst of twice the rate; zero means the
// default, a negative perSecond turns the limits off.
func RateLimitsFor(perSecond, operatorPerSecond int) RateLimits {
	if perSecond < 0 {
		return RateLimits{Off: true}
	}
	if perSecond == 0 {
		perSecond = DefaultRateLimit
	}
	if operatorPerSecond <= 0 {
		operatorPerSecond = DefaultOperatorRateLimit
	}
	perSec := func(n int) ratelimit.Limit {
		return ratelimit.Limit{Burst: 2 * n, Every: time.Second / time.Duration(n)}
	}
	return RateLimits{PerAccount: perSec(perSecond), PerOperator: perSec(operatorPerSecond), PerAddress: perSec(perSecond),
		MaxKeys: 50_000}
}

// unlimitedPaths are the probes of load balancers and orchestrators.
var unlimitedPaths = map[string]bool{"/healthz": true, "/readyz": true}

// limitRequests counts each request from outside once, at the door, before anything else runs:
// a page is one request, however many API calls it makes in-process as the visitor (those
// never pass here). The credential is resolved here to know whose bucket to take from; a
// missing, unknown or revoked one counts for the client address, so forged tokens share one
// bucket. Over the limit: 429 RATE_LIMITED with Retry-After in seconds.
func limitRequests(limits RateLimits, store *accounts.Store, recorder *audit.Recorder, mux *runtime.ServeMux, site *pages.Site, next http.Handler) http.Handler {
	if limits.Off {
		return next
	}
	// An API request refused here is audited as every 429 of the API is (REFUSED); a page's is
	// not, as a page is no API route.
	refuse := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d, ok := r.Context().Value(doorCredentialKey{}).(*doorCredential); ok {
			noteActor(r.Context(), d.account)
		}
		if site != nil && site.Serves(r.URL.Path) {
			// A person at a page gets a page, in their language (Retry-After is set already).
			site.Refuse(w, r, http.StatusTooManyRequests)
			return
		}
		writeStatus(mux, w, r, rpc.StatusWithReason(codes.ResourceExhausted, ReasonRateLimited,
			"too many requests; try again after the delay in Retry-After").Err())
	})
	refuseAPI := recordAccess(recorder, mux, refuse)
	if limits == (RateLimits{}) {
		limits = DefaultRateLimits
	}
	perAccount := ratelimit.New(limits.PerAccount, limits.MaxKeys)
	perOperator := ratelimit.New(limits.PerOperator, limits.MaxKeys)
	perAddress := ratelimit.New(limits.PerAddress, limits.MaxKeys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if unlimitedPaths[r.URL.Path] {
			next.ServeHTTP(w, r)
			return
		}
		limiter, key := perAddress, clientKey(r.RemoteAddr)
		if secret, ok := presentedSecret(r); ok {
			if acc, tok, err := store.Authenticate(r.Context(), secret); err == nil {
				limiter, key = perAccount, acc.ID
				if acc.Role == identity.RoleOperator {
					limiter = perOperator
				}
				r = r.WithContext(context.WithValue(r.Context(), doorCredentialKey{},
					&doorCredential{method: r.Method, path: r.URL.Path, secret: secret, account: acc, token: tok}))
			}
		}
		if ok, retry := limiter.Allow(key); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(retry.Seconds())))))
			if strings.HasPrefix(r.URL.Path, "/v1/") {
				refuseAPI.ServeHTTP(w, r)
			} else {
				refuse.ServeHTTP(w, r)
			}
			return
		}
		next.ServeHTTP(w, r)
	})
}

// doorCredential is the credential the door resolved for a request.
type doorCredential struct {
	method, path, secret string
	account              accounts.Account
	token                accounts.Token
}

type doorCredentialKey struct{}

// resolveCredential is what authenticate looks up: the door's resolution when r is the
// request the door saw (an API request from outside, microseconds later), else the store's.
// The API calls a page makes in-process carry the page's context but never its path, so they
// are always looked up afresh: what a page changed (signing out) is seen by its next call.
func resolveCredential(store *accounts.Store, r *http.Request, secret string) (accounts.Account, accounts.Token, error) {
	if d, ok := r.Context().Value(doorCredentialKey{}).(*doorCredential); ok && d.method == r.Method &&
		d.path == r.URL.Path && d.secret == secret {
		return d.account, d.token, nil
	}
	return store.Authenticate(r.Context(), secret)
}

// presentedSecret is the credential a request carries, as authenticate reads it: the bearer
// token, else the session cookie.
func presentedSecret(r *http.Request) (string, bool) {
	if secret, ok := bearerToken(r.Header.Get("Authorization")); ok {
		return secret, true
	}
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		return c.Value, true
	}
	return "", false
}

// ReasonRequestTimeout is the 408 of a request whose body did not arrive in time.
const ReasonRequestTimeout = "REQUEST_TIMEOUT"

// errBodyTimeout is what reading a body too slow returns.
var errBodyTimeout = errors.New("the request body did not arrive within the time allowed")

// limitBodyTime gives a request's body timeout to arrive, counted from when its headers were
// read (the server's ReadHeaderTimeout bounds those): a client sending it slowly, or not at
// all, is cut then. Once the body is read the deadline is lifted, so a long answer (the
// notification stream above all) is never cut by it. Zero means no deadline.
func limitBodyTime(timeout time.Duration, next http.Handler) http.Handler {
	if timeout <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
			next.ServeHTTP(w, r)
			return
		}
		rc := http.NewResponseController(w)
		if err := rc.SetReadDeadline(time.Now().Add(timeout)); err != nil {
			next.ServeHTTP(w, r) // a writer without deadlines (in-process): nothing to cut
			return
		}
		// Lifted at the body's end only: a body left unread is discarded by the server after the
		// handler, still within the deadline.
		r.Body = &deadlineBody{ReadCloser: r.Body, lift: func() { _ = rc.SetReadDeadline(time.Time{}) }}
		next.ServeHTTP(w, r)
	})
}

// deadlineBody lifts the read deadline once the body is read to its end.
type deadlineBody struct {
	io.ReadCloser
	lift func()
	once sync.Once
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	switch {
	case errors.Is(err, io.EOF):
		b.once.Do(b.lift)
	case errors.Is(err, os.ErrDeadlineExceeded):
		err = errBodyTimeout
	}
	return n, err
}

// Bounds of a path variable: every id of the platform is short and printable.
const maxPathVariableBytes = 128

// checkPathVariables refuses, for every route, a path variable that cannot be an id: invalid
// UTF-8, a control character, or over maxPathVariableBytes. It answers 400 naming the
// variable, before anything travels (invalid UTF-8 would otherwise fail to marshal into the
// call and answer 500).
func checkPathVariables(params map[string]string) error {
	for name, value := range params {
		var problem string
		switch {
		case value == "":
			problem = "is required"
		case !utf8.ValidString(value):
			problem = "must be valid UTF-8"
		case strings.IndexFunc(value, unicode.IsControl) >= 0:
			problem = "must not hold control characters"
		case len(value) > maxPathVariableBytes:
			problem = "is not an id: too long"
		default:
			continue
		}
		field := lowerCamel(name)
		return rpc.InvalidStatus(ReasonInvalidValue, "invalid path variable "+field,
			fault.Violation{Field: field, Description: problem}).Err()
	}
	return nil
}

// spanRouteKey holds the route a request was served by, for the span's name.
type spanRouteKey struct{}

// nameSpans names the request's span once it is served: by the route template the API's mux
// matched ("GET /v1/missions/{missionId}"), by the first path segment of a page, or by a
// constant for a path nothing serves, so that no caller can choose a span name.
func nameSpans(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route := &spanRoute{method: r.Method, path: r.URL.Path}
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), spanRouteKey{}, route)))
		name := spanName(r, route.template, sw.status)
		trace.SpanFromContext(r.Context()).SetName(name)
		if labeler, ok := otelhttp.LabelerFromContext(r.Context()); ok {
			labeler.Add(attribute.String("http.route", httpRoute(name)))
		}
	})
}

// UnmatchedRoute is the http.route of a request no route or page served.
const UnmatchedRoute = "unmatched"

// httpRoute is the http.route of the request metrics: the path part of the span's name (the
// route template the mux matched, or a page's first segment), UnmatchedRoute for a path
// nothing serves; never a path a caller chose.
func httpRoute(spanName string) string {
	_, route, _ := strings.Cut(spanName, " ")
	if !strings.HasPrefix(route, "/") {
		return UnmatchedRoute
	}
	return route
}

// spanRoute is the request from outside and, once the mux matched it, its route template.
type spanRoute struct {
	method, path, template string
}

// noteSpanRoute records the matched route template for nameSpans: that of the request from
// outside, not of the API calls a page makes in-process with its context.
func noteSpanRoute(r *http.Request, params map[string]string) {
	if route, ok := r.Context().Value(spanRouteKey{}).(*spanRoute); ok && route.method == r.Method && route.path == r.URL.Path {
		route.template, _ = matchedRoute(r, params)
	}
}

// knownMethods are the methods a span name may hold; any other is "HTTP".
var knownMethods = map[string]bool{http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true}

// pageSegment is what a page's first path segment may be to name its span.
const maxPageSegment = 16

func spanName(r *http.Request, route string, status int) string {
	if route != "" {
		return route
	}
	method := r.Method
	if !knownMethods[method] {
		method = "HTTP"
	}
	if status == http.StatusNotFound {
		return method + " (unknown path)"
	}
	if r.URL.Path == accounts.SignInPath {
		return method + " " + accounts.SignInPath
	}
	if r.URL.Path == NotificationStreamPath {
		return method + " " + NotificationStreamPath
	}
	root, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if root == "v1" || len(root) > maxPageSegment || strings.IndexFunc(root, func(c rune) bool { return c < 'a' || c > 'z' }) >= 0 {
		return method + " (unrouted)"
	}
	// A page: its first segment (one of the few the pages own, since no other answers but 404).
	if rest != "" {
		return method + " /" + root + "/…"
	}
	return method + " /" + root
}

// statusWriter remembers the status of the answer.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(status int) {
	if !w.wrote {
		w.status, w.wrote = status, true
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection (flushes of the live streams).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// challenge is the RFC 6750 WWW-Authenticate of a 401: a missing credential gets the bare
// challenge, a refused one adds invalid_token.
func challenge(reason string) string {
	if reason == accounts.ReasonMissingToken {
		return `Bearer realm="caiomatch"`
	}
	return `Bearer realm="caiomatch", error="invalid_token"`
}
