// Package httpapi is the public HTTP/JSON door: grpc-gateway transcoding of the protos (rules
// in proto/http.yaml), bearer-token authentication, role gates and edge validation, health,
// metrics, OpenAPI and the operators' trace view; the web pages (gateway/pages) in front.
package httpapi

import (
	"context"
	"fmt"
	"github.com/caiomatch/caiomatch/pkg/pseudonym"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/caiomatch/caiomatch/gateway/accounts"
	"github.com/caiomatch/caiomatch/gateway/audit"
	"github.com/caiomatch/caiomatch/gateway/openapi"
	"github.com/caiomatch/caiomatch/gateway/pages"
	accountv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/account/v1"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	notificationv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/notification/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	taxonomyv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/taxonomy/v1"
	"github.com/caiomatch/caiomatch/pkg/mail"
	"github.com/caiomatch/caiomatch/pkg/rpc"
	"github.com/caiomatch/caiomatch/pkg/telemetry"
)

// Backends are the gRPC addresses of the services behind the gateway.
type Backends struct {
	ProfileAddr  string
	MissionAddr  string
	MatchingAddr string
	// NotificationAddr is the notification service's.
	NotificationAddr string
}

// Config is everything the handler needs; main builds it.
type Config struct {
	Backends       Backends
	Accounts       *accounts.Store
	Spans          *telemetry.SpanStore // nil when traces go elsewhere only
	Metrics        *telemetry.Metrics
	TracerProvider trace.TracerProvider
	Logger         *slog.Logger
	// CallerKey signs the caller on every call to the services.
	CallerKey rpc.CallerKey
	// ExtraReadiness is checked by /readyz besides the services (e.g. the NATS connection).
	ExtraReadiness map[string]func(context.Context) error
	// StreamLimits bound the live notification streams; zero means DefaultStreamLimits.
	StreamLimits StreamLimits
	// AccountService serves the account, sign-up, token and sign-in endpoints over Accounts.
	AccountService *accounts.Service
	// Mailbox holds the emails kept instead of sent (no SMTP server); nil when they are sent.
	Mailbox *mail.Mailbox
	// PublicURL is where people reach the platform; an https one marks the session cookie and the
	// pages' cookies Secure.
	PublicURL string
	// AbuseLimits bound sign-up and sign-in attempts; zero means DefaultAbuseLimits.
	AbuseLimits AbuseLimits
	// JetStream reads and redrives the dead letters (/v1/ops/dead-letters); nil answers 503.
	JetStream jetstream.JetStream
	// Audit records the reads and changes of personal data, refusals and failed sign-ins; nil
	// records nothing. AuditStore is the log GET /v1/ops/audit reads; nil answers 503.
	Audit      *audit.Recorder
	AuditStore *audit.Store
	// RateLimits bound every request from outside; zero means DefaultRateLimits.
	RateLimits RateLimits
	// BodyTimeout bounds how long a request body may take to arrive; zero means no bound.
	BodyTimeout time.Duration
	// PseudonymKey keys the pseudonyms an account erasure leaves in the audit log (the same key
	// as the services'); nil turns DELETE /v1/accounts/{id} off (503).
	PseudonymKey pseudonym.Key
}

// Gateway is the HTTP handler plus the client connections it owns.
type Gateway struct {
	http.Handler
	conns   map[string]*grpc.ClientConn
	streams *notificationStreams
}

// StopStreams ends the live notification streams: at shutdown, before the drain, which would
// otherwise wait for them until its deadline.
func (g *Gateway) StopStreams() { g.streams.stop() }

// Close releases the client connections.
func (g *Gateway) Close() error {
	for _, c := range g.conns {
		_ = c.Close()
	}
	return nil
}

// New builds the gateway.
func New(ctx context.Context, cfg Config) (*Gateway, error) {
	mux, err := newServeMux()
	if err != nil {
		return nil, err
	}
	g := &Gateway{conns: map[string]*grpc.ClientConn{}}
	for name, addr := range map[string]string{
		"profile": cfg.Backends.ProfileAddr, "mission": cfg.Backends.MissionAddr, "matching": cfg.Backends.MatchingAddr,
		"notification": cfg.Backends.NotificationAddr,
	} {
		conn, err := rpc.Dial(addr, cfg.TracerProvider,
			grpc.WithChainUnaryInterceptor(edgeInterceptor(cfg.Accounts)), rpc.SignCallers(cfg.CallerKey),
			rpc.RecordMetrics(cfg.Metrics.MeterProvider()))
		if err != nil {
			g.Close()
			return nil, fmt.Errorf("dial %s at %s: %w", name, addr, err)
		}
		g.conns[name] = conn
	}
	registrations := []error{
		profilev1.RegisterProfileServiceHandler(ctx, mux, g.conns["profile"]),
		missionv1.RegisterMissionServiceHandler(ctx, mux, g.conns["mission"]),
		matchingv1.RegisterMatchingServiceHandler(ctx, mux, g.conns["matching"]),
		notificationv1.RegisterNotificationServiceHandler(ctx, mux, g.conns["notification"]),
		accountv1.RegisterAccountServiceHandlerServer(ctx, mux, cfg.AccountService),
		taxonomyv1.RegisterTaxonomyServiceHandlerServer(ctx, mux, taxonomyServer{}),
	}
	ops := opsHandlers{mux: mux, spans: cfg.Spans}
	erase := eraseHandlers{mux: mux, accounts: cfg.Accounts, profiles: profilev1.NewProfileServiceClient(g.conns["profile"]),
		recorder: cfg.Audit, log: cfg.AuditStore, key: cfg.PseudonymKey, mailbox: cfg.Mailbox}
	deadLetters := newDeadLetterHandlers(mux, cfg.JetStream, cfg.Logger)
	g.streams = newNotificationStreams(mux, notificationv1.NewNotificationServiceClient(g.conns["notification"]), cfg.Accounts,
		cfg.StreamLimits)
	registrations = append(registrations, mux.HandlePath(http.MethodGet, NotificationStreamPath, g.streams.serve))
	signIn := newSessions(mux, cfg.AccountService, cfg.PublicURL)
	registrations = append(registrations,
		mux.HandlePath(http.MethodDelete, sessionPath, signIn.endSession),
		mux.HandlePath(http.MethodGet, "/v1/ops/mailbox", ops.listMailbox(cfg.Mailbox)),
		mux.HandlePath(http.MethodGet, "/v1/ops/traces", ops.listTraces),
		mux.HandlePath(http.MethodGet, "/v1/ops/traces/{traceId}", ops.getTrace),
		mux.HandlePath(http.MethodGet, "/v1/ops/dead-letters", deadLetters.list),
		mux.HandlePath(http.MethodGet, "/v1/ops/dead-letters/{sequence}", deadLetters.get),
		mux.HandlePath(http.MethodPost, "/v1/ops/dead-letters/{sequence}/redrive", deadLetters.redrive),
		mux.HandlePath(http.MethodGet, "/v1/ops/audit", auditHandlers{mux: mux, store: cfg.AuditStore}.list),
		mux.HandlePath(http.MethodGet, "/v1/accounts/{id}/export", newExportHandlers(mux, cfg.AuditStore, matchingv1.NewMatchingServiceClient(g.conns["matching"])).account),
		mux.HandlePath(http.MethodDelete, "/v1/accounts/{id}", erase.account),
		mux.HandlePath(http.MethodDelete, "/v1/profiles/{id}", erase.profile),
		mux.HandlePath(http.MethodGet, "/v1/profiles/{id}/export", newExportHandlers(mux, cfg.AuditStore, matchingv1.NewMatchingServiceClient(g.conns["matching"])).profile),
		mux.HandlePath(http.MethodGet, "/healthz", func(w http.ResponseWriter, _ *http.Request, _ map[string]string) {
			writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		}),
		mux.HandlePath(http.MethodGet, "/readyz", readiness(g.conns, cfg.ExtraReadiness)),
		mux.HandlePath(http.MethodGet, "/statusz", operatorsOnly(cfg.Accounts, mux, detailedStatus(g.conns, cfg.ExtraReadiness))),
		mux.HandlePath(http.MethodGet, "/openapi.json", func(w http.ResponseWriter, _ *http.Request, _ map[string]string) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(openapi.Document())
		}),
		mux.HandlePath(http.MethodGet, "/metrics", operatorsOnly(cfg.Accounts, mux, func(w http.ResponseWriter, r *http.Request) {
			cfg.Metrics.Handler().ServeHTTP(w, r)
		})),
	)
	for _, err := range registrations {
		if err != nil {
			g.Close()
			return nil, err
		}
	}
	api := recordAccess(cfg.Audit, mux, negotiateLanguage(mux, limitAttempts(cfg.AbuseLimits, mux, authenticate(cfg.Accounts, mux, signIn.serveSignInLinks(mux)))))
	site, err := pages.New(pages.Config{API: api, Accounts: cfg.Accounts, SessionCookie: SessionCookie,
		SecureCookies: signIn.secure})
	if err != nil {
		g.Close()
		return nil, err
	}
	meterProvider := cfg.Metrics.MeterProvider()
	if err := registerBackendGauge(meterProvider, g.conns); err != nil {
		g.Close()
		return nil, err
	}
	g.Handler = limitBodyTime(cfg.BodyTimeout, otelhttp.NewHandler(
		nameSpans(everyResponse(limitBody(limitRequests(cfg.RateLimits, cfg.Accounts, cfg.Audit, mux, site, site.Handler(api))))), "gateway",
		// Clients are outside: their trace context becomes a link, never our parent, and their
		// baggage never travels inward.
		otelhttp.WithPublicEndpointFn(func(*http.Request) bool { return true }),
		otelhttp.WithPropagators(propagation.TraceContext{}),
		otelhttp.WithTracerProvider(cfg.TracerProvider),
		otelhttp.WithMeterProvider(meterProvider),
		// The Host header is the caller's: the metrics' server.address and server.port come
		// from the public URL instead, so no caller can add a series.
		otelhttp.WithServerName(serverName(cfg.PublicURL)),
		// Named once served, by nameSpans; until then by the method alone.
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return "HTTP" }),
		otelhttp.WithFilter(func(r *http.Request) bool {
			return r.URL.Path != "/healthz" && r.URL.Path != "/readyz" && r.URL.Path != "/statusz" && r.URL.Path != "/metrics"
		}),
	))
	return g, nil
}

// newServeMux is the transcoding mux with the platform's error shape, 405 with Allow, the
// query parameter check and no client header forwarded.
func newServeMux() (*runtime.ServeMux, error) {
	rules, err := buildQueryRules(openapi.Document())
	if err != nil {
		return nil, err
	}
	var mux *runtime.ServeMux
	mux = runtime.NewServeMux(
		runtime.WithMarshalerOption(runtime.MIMEWildcard, &runtime.JSONPb{
			MarshalOptions:   protojson.MarshalOptions{EmitUnpopulated: true},
			UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
		}),
		runtime.WithErrorHandler(noteReason(errorHandler)),
		runtime.WithForwardResponseOption(acceptedResponses),
		runtime.WithRoutingErrorHandler(routingErrorHandler),
		runtime.WithMiddlewares(routeMiddleware(rules, func() *runtime.ServeMux { return mux })),
		// Only the gateway decides who the caller is: no client header reaches a service.
		runtime.WithIncomingHeaderMatcher(func(string) (string, bool) { return "", false }),
		runtime.WithOutgoingHeaderMatcher(func(string) (string, bool) { return "", false }),
	)
	return mux, nil
}

// MaxBodyBytes bounds a request body; the largest valid profile is far below it.
const MaxBodyBytes = 1 << 20

func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
		}
		next.ServeHTTP(w, r)
	})
}

// serverName is the host and port the metrics name the server by: the public URL's, with
// the port of its scheme when it has none (a name without a port would take it from Host).
func serverName(publicURL string) string {
	u, err := url.Parse(publicURL)
	if err != nil || u.Hostname() == "" {
		return "gateway:80"
	}
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// backendCheck is what the gateway knows of its dependencies at one moment: each backend
// service's health and each of its own dependencies (ExtraReadiness: NATS).
type backendCheck struct {
	backends map[string]string // serving, unreachable, not_serving...
	own      map[string]string // ok, unavailable
}

// serving counts the backends that serve.
func (c backendCheck) serving() int {
	n := 0
	for _, state := range c.backends {
		if state == "serving" {
			n++
		}
	}
	return n
}

// ready tells whether the gateway should stay in its load balancer's rotation: its own
// dependencies answer and at least one backend serves. One backend down is down for every
// gateway replica alike (they share the backends), so taking the gateways out would turn a
// partial outage into a whole one: the gateway stays ready, degraded, and says which backend
// fails in /statusz and the caiomatch.gateway.backend.up metric.
func (c backendCheck) ready() bool {
	for _, state := range c.own {
		if state != "ok" {
			return false
		}
	}
	return c.serving() > 0
}

func checkBackends(ctx context.Context, conns map[string]*grpc.ClientConn, extra map[string]func(context.Context) error) backendCheck {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	c := backendCheck{backends: map[string]string{}, own: map[string]string{}}
	for name, conn := range conns {
		resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
		switch {
		case err != nil:
			c.backends[name] = "unreachable"
		case resp.GetStatus() != healthpb.HealthCheckResponse_SERVING:
			c.backends[name] = strings.ToLower(resp.GetStatus().String())
		default:
			c.backends[name] = "serving"
		}
	}
	for name, check := range extra {
		if err := check(ctx); err != nil {
			c.own[name] = "unavailable"
		} else {
			c.own[name] = "ok"
		}
	}
	return c
}

// readiness answers /readyz for load balancers: 200 "ready", or 200 "degraded" while a
// backend fails, and 503 "not ready" only when the gateway cannot serve (its own dependencies
// fail, or no backend serves). The detail is /statusz's, for operators.
func readiness(conns map[string]*grpc.ClientConn, extra map[string]func(context.Context) error) runtime.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, _ map[string]string) {
		c := checkBackends(r.Context(), conns, extra)
		code, state := http.StatusOK, "ready"
		switch {
		case !c.ready():
			code, state = http.StatusServiceUnavailable, "not ready"
		case c.serving() < len(c.backends):
			state = "degraded"
		}
		writeJSON(w, code, map[string]any{"status": state})
	}
}

// detailedStatus answers /statusz (operators): each backend's and dependency's state.
func detailedStatus(conns map[string]*grpc.ClientConn, extra map[string]func(context.Context) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := checkBackends(r.Context(), conns, extra)
		state := "ready"
		switch {
		case !c.ready():
			state = "not ready"
		case c.serving() < len(c.backends):
			state = "degraded"
		}
		writeJSON(w, http.StatusOK, map[string]any{"status": state, "backends": c.backends, "dependencies": c.own})
	}
}

// registerBackendGauge publishes caiomatch.gateway.backend.up (1 serving, 0 not) per backend,
// checked as the metrics are read.
func registerBackendGauge(mp metric.MeterProvider, conns map[string]*grpc.ClientConn) error {
	_, err := mp.Meter("github.com/caiomatch/caiomatch/gateway/httpapi").Int64ObservableGauge("caiomatch.gateway.backend.up",
		metric.WithDescription("whether each backend service answers its health check (1) or not (0)"),
		metric.WithInt64Callback(func(ctx context.Context, o metric.Int64Observer) error {
			c := checkBackends(ctx, conns, nil)
			for name, state := range c.backends {
				up := int64(0)
				if state == "serving" {
					up = 1
				}
				o.Observe(up, metric.WithAttributes(attribute.String("backend", name)))
			}
			return nil
		}))
	return err
}
