// Package server runs the gateway as a process part, in front of services running elsewhere
// (its own main) or in the same process (the all-in-one runner): its settings, its accounts
// database, the HTTP server and its drain at shutdown, written once for both.
package server

import (
	"context"
	"errors"
	"fmt"
	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/pseudonym"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/trace"

	"github.com/caiomatch/caiomatch/gateway/accounts"
	"github.com/caiomatch/caiomatch/gateway/audit"
	"github.com/caiomatch/caiomatch/gateway/httpapi"
	"github.com/caiomatch/caiomatch/pkg/envconfig"
	"github.com/caiomatch/caiomatch/pkg/mail"
	"github.com/caiomatch/caiomatch/pkg/outbox"
	"github.com/caiomatch/caiomatch/pkg/rpc"
	"github.com/caiomatch/caiomatch/pkg/servicehost"
	"github.com/caiomatch/caiomatch/pkg/telemetry"
)

// Name is the gateway's name in traces, logs and its database file.
const Name = "gateway"

// Config is the gateway's own settings. Its zero value is the default.
type Config struct {
	// HTTPAddr is where the gateway listens; empty means 127.0.0.1:8080.
	HTTPAddr string
	// OperatorToken is the first operator's bearer token.
	OperatorToken string
	// PseudonymKey keys the pseudonyms of erased people (pkg/pseudonym), the services' key;
	// empty means the installation's own, kept in the data directory.
	PseudonymKey string
	// DatabaseURL puts the accounts on PostgreSQL; empty keeps them in <DataDir>/gateway.db.
	DatabaseURL string
	// Backends are the services' gRPC addresses; empty ones mean the services' default ports.
	Backends httpapi.Backends
	// ShutdownGrace bounds the drain of in-flight requests; zero means 10 s.
	ShutdownGrace time.Duration
	// SMTPURL is the mail server (smtp:// or smtps://, see mail.SMTPConfig); empty keeps emails in
	// a mailbox operators read at GET /v1/ops/mailbox.
	SMTPURL string
	// MailFrom is the sender of every email; empty means mail.DefaultFrom.
	MailFrom string
	// PublicURL is where people reach the platform, the base of sign-in links; empty means the
	// gateway's own address. An https URL marks session cookies Secure.
	PublicURL string
	// NATSURL is where account events go when the process gives the gateway no JetStream; empty
	// starts an embedded server under the data directory, as the services do on their own.
	NATSURL string
	// AuditRetention is how long the audit log keeps an event; zero means DefaultAuditRetention.
	AuditRetention time.Duration
	// RateLimit is each account's (and each client address's) requests a second, with a burst
	// of twice that; zero means httpapi.DefaultRateLimit, negative turns the limits off
	// (CAIOMATCH_RATE_LIMIT=0). OperatorRateLimit is an operator account's; zero means
	// httpapi.DefaultOperatorRateLimit.
	RateLimit, OperatorRateLimit int
	// HeaderTimeout bounds the reading of a request's headers, BodyTimeout that of its body
	// (from when the headers were read), IdleTimeout how long a kept-alive connection waits for
	// the next request; zero means DefaultHeaderTimeout, DefaultBodyTimeout, DefaultIdleTimeout.
	HeaderTimeout, BodyTimeout, IdleTimeout time.Duration
}

// The HTTP server's timeouts by default (CAIOMATCH_HTTP_HEADER_TIMEOUT, _BODY_TIMEOUT,
// _IDLE_TIMEOUT). No write timeout: the notification stream is long-lived, and the answers
// are bounded by the calls behind them.
const (
	DefaultHeaderTimeout = 10 * time.Second
	DefaultBodyTimeout   = 30 * time.Second
	DefaultIdleTimeout   = 2 * time.Minute
)

// The audit log's retention (CAIOMATCH_AUDIT_RETENTION) and how often it is applied.
const (
	DefaultAuditRetention = 400 * 24 * time.Hour
	minAuditRetention     = 24 * time.Hour
	maxAuditRetention     = 10 * 365 * 24 * time.Hour
	auditPurgeInterval    = time.Hour
)

// MailConfig is how the gateway's settings say emails leave.
func (c Config) MailConfig() mail.SMTPConfig {
	from := c.MailFrom
	if from == "" {
		from = mail.DefaultFrom
	}
	return mail.SMTPConfig{URL: c.SMTPURL, From: from}
}

// envOperatorToken names the variable holding Config.OperatorToken.
const envOperatorToken = "CAIOMATCH_OPERATOR_TOKEN" //nolint:gosec // G101: the variable's name, not a token

// LoadConfig reads the gateway's settings, the services' addresses included (named by
// servicehost.EnvGRPCAddr, as the services read their own).
func LoadConfig(env *envconfig.Reader) Config {
	var c Config
	env.Addr("CAIOMATCH_HTTP_ADDR", &c.HTTPAddr)
	env.Secret(envOperatorToken, &c.OperatorToken, 16)
	env.Secret(pseudonym.EnvKey, &c.PseudonymKey, pseudonym.MinChars)
	env.DatabaseURL("CAIOMATCH_GATEWAY_DATABASE_URL", &c.DatabaseURL)
	env.URLs("CAIOMATCH_SMTP_URL", &c.SMTPURL, "smtp", "smtps")
	env.String("CAIOMATCH_MAIL_FROM", &c.MailFrom)
	env.URLs("CAIOMATCH_PUBLIC_URL", &c.PublicURL, "http", "https")
	env.URLs(servicehost.EnvNATSURL, &c.NATSURL, "nats", "tls", "ws", "wss")
	env.Duration("CAIOMATCH_AUDIT_RETENTION", &c.AuditRetention, minAuditRetention, maxAuditRetention)
	rate := -1 // unset
	env.Int("CAIOMATCH_RATE_LIMIT", &rate, 0, 1_000_000)
	switch rate {
	case -1:
	case 0:
		c.RateLimit = -1 // off
	default:
		c.RateLimit = rate
	}
	env.Int("CAIOMATCH_OPERATOR_RATE_LIMIT", &c.OperatorRateLimit, 1, 1_000_000)
	env.Duration("CAIOMATCH_HTTP_HEADER_TIMEOUT", &c.HeaderTimeout, time.Second, 10*time.Minute)
	env.Duration("CAIOMATCH_HTTP_BODY_TIMEOUT", &c.BodyTimeout, time.Second, time.Hour)
	env.Duration("CAIOMATCH_HTTP_IDLE_TIMEOUT", &c.IdleTimeout, time.Second, time.Hour)
	for _, backend := range []struct {
		service string
		addr    *string
	}{{"profile", &c.Backends.ProfileAddr}, {"mission", &c.Backends.MissionAddr}, {"matching", &c.Backends.MatchingAddr},
		{"notification", &c.Backends.NotificationAddr}} {
		env.Addrs(servicehost.EnvGRPCAddr(backend.service), backend.addr)
	}
	return c
}

func (c Config) withDefaults() Config {
	if c.HTTPAddr == "" {
		c.HTTPAddr = "127.0.0.1:8080"
	}
	if c.ShutdownGrace == 0 {
		c.ShutdownGrace = 10 * time.Second
	}
	if c.AuditRetention == 0 {
		c.AuditRetention = DefaultAuditRetention
	}
	for _, d := range []struct {
		value *time.Duration
		def   time.Duration
	}{{&c.HeaderTimeout, DefaultHeaderTimeout}, {&c.BodyTimeout, DefaultBodyTimeout}, {&c.IdleTimeout, DefaultIdleTimeout}} {
		if *d.value == 0 {
			*d.value = d.def
		}
	}
	for _, b := range []struct {
		addr *string
		def  string
	}{
		{&c.Backends.ProfileAddr, "127.0.0.1:9101"},
		{&c.Backends.MissionAddr, "127.0.0.1:9102"},
		{&c.Backends.MatchingAddr, "127.0.0.1:9103"},
		{&c.Backends.NotificationAddr, "127.0.0.1:9104"},
	} {
		if *b.addr == "" {
			*b.addr = b.def
		}
	}
	return c
}

// Runtime is what the process gives the gateway besides its settings.
type Runtime struct {
	DataDir        string
	Logger         *slog.Logger
	TracerProvider trace.TracerProvider
	// Spans feed the operators' trace view; nil when traces only leave by OTLP.
	Spans *telemetry.SpanStore
	// SpanRelay, for a gateway in its own process, sends its spans to the other gateways and
	// is the origin of the spans Spans receives from every process on the bus.
	SpanRelay *telemetry.SpanRelay
	// CallerKey signs the caller on every call to the services.
	CallerKey rpc.CallerKey
	// ExtraReadiness is checked by /readyz besides the services (e.g. the NATS connection).
	ExtraReadiness map[string]func(context.Context) error
	// JetStream receives the account events; nil connects to Config.NATSURL.
	JetStream jetstream.JetStream
	// Mail sends the gateway's emails and Mailbox is what operators read of them; when Mail is
	// nil they come from Config.MailConfig (mail.Open).
	Mail    mail.Sender
	Mailbox *mail.Mailbox
	// AbuseLimits bound sign-up and sign-in attempts; zero means httpapi.DefaultAbuseLimits.
	AbuseLimits httpapi.AbuseLimits
	// Now is the accounts' clock; nil is time.Now (tests let codes and tokens expire with it).
	Now func() time.Time
	// Metrics is where the gateway records its metrics, served by the process's admin listener
	// and, to operators, at /metrics; nil makes a registry of its own.
	Metrics *telemetry.Metrics
}

// Run serves the gateway until ctx ends, then drains in-flight requests for at most
// ShutdownGrace. started is called with its URL once it accepts connections.
func Run(ctx context.Context, cfg Config, rt Runtime, started func(url string)) (runErr error) {
	cfg = cfg.withDefaults()
	if cfg.OperatorToken == "" {
		return errors.New(envOperatorToken + " is required")
	}
	db, err := servicehost.OpenDatabase(ctx, Name, rt.DataDir, cfg.DatabaseURL, rt.Logger,
		append(accounts.Migrations(), audit.Migrations()...)...)
	if err != nil {
		return err
	}
	defer db.Close()
	store := accounts.New(db, func() string { return uuid.Must(uuid.NewV7()).String() })
	if rt.Now != nil {
		store.SetClock(rt.Now)
	}
	if err := store.EnsureOperator(ctx, cfg.OperatorToken); err != nil {
		return err
	}
	if n, err := store.AnnounceExisting(ctx); err != nil {
		return err
	} else if n > 0 {
		rt.Logger.Info("accounts announced", "count", n)
	}
	js := rt.JetStream
	if js == nil {
		var closeBus func()
		if js, closeBus, err = connectBus(ctx, cfg.NATSURL, rt.DataDir, rt.Logger); err != nil {
			return err
		}
		defer closeBus()
	}
	if rt.SpanRelay != nil && rt.Spans != nil {
		stop, err := shareSpans(js.Conn(), rt.SpanRelay, rt.Spans, rt.Logger)
		if err != nil {
			return err
		}
		defer stop()
	}
	relay := outbox.NewRelay(db, js, rt.TracerProvider, rt.Logger)
	store.WakeOnPublish(relay.Notify)
	sender, mailbox := rt.Mail, rt.Mailbox
	if sender == nil {
		if sender, mailbox, err = mail.Open(cfg.MailConfig()); err != nil {
			return fmt.Errorf("mail: %w", err)
		}
	}
	postman := accounts.NewPostman(sender, rt.Logger, postmanQueue)
	metrics := rt.Metrics
	if metrics == nil {
		if metrics, err = telemetry.NewMetrics(Name); err != nil {
			return err
		}
		defer servicehost.ShutdownWithin(5*time.Second, metrics.Shutdown)
	}
	if err := relay.RegisterMetrics(metrics.MeterProvider(), Name); err != nil {
		return err
	}
	consumerMetrics, err := eventbus.NewConsumerMetrics(js, metrics.MeterProvider())
	if err != nil {
		return err
	}
	// The audit log: recorded off the request path, written in batches, kept apart from the logs.
	auditStore := audit.NewStore(db)
	auditRecorder := audit.NewRecorder(auditStore, audit.RecorderOptions{})
	if err := auditRecorder.RegisterMetrics(metrics.MeterProvider()); err != nil {
		return err
	}
	key, _, err := pseudonym.Load(cfg.PseudonymKey, rt.DataDir)
	if err != nil {
		return err
	}
	lis, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
	}
	publicURL := cfg.PublicURL
	if publicURL == "" {
		publicURL = "http://" + lis.Addr().String()
	}
	gw, err := httpapi.New(ctx, httpapi.Config{
		Backends: cfg.Backends, Accounts: store, Spans: rt.Spans, Metrics: metrics,
		TracerProvider: rt.TracerProvider, Logger: rt.Logger, CallerKey: rt.CallerKey,
		ExtraReadiness: rt.ExtraReadiness,
		AccountService: accounts.NewService(store, postman, publicURL), Mailbox: mailbox,
		PublicURL: publicURL, AbuseLimits: rt.AbuseLimits, JetStream: js,
		Audit: auditRecorder, AuditStore: auditStore,
		RateLimits: httpapi.RateLimitsFor(cfg.RateLimit, cfg.OperatorRateLimit), BodyTimeout: cfg.BodyTimeout,
		PseudonymKey: key,
	})
	if err != nil {
		lis.Close()
		return err
	}
	defer gw.Close()
	// The relay, the postman and the audit recorder outlive the HTTP drain, so that what the last
	// requests committed and queued still goes out.
	backgroundCtx, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	background := make(chan error, 1)
	go func() {
		background <- servicehost.RunTogether(backgroundCtx, relay.Run,
			func(ctx context.Context) error { return postman.Run(ctx, postmanWorkers) },
			auditRecorder.Run, audit.PurgeEvery(auditStore, cfg.AuditRetention, auditPurgeInterval, rt.Now),
			purgeExpiredEvery(store, auditPurgeInterval),
			consume(eventbus.NewConsumer(js, eventbus.ConsumerSpecOf(eventbus.ConsumerGatewayProfiles),
				audit.NewProfileErasures(db, auditRecorder, key).Handle, rt.TracerProvider, rt.Logger).RecordMetrics(consumerMetrics),
				rt.Logger))
	}()
	defer func() {
		stopBackground()
		if err := <-background; err != nil {
			runErr = errors.Join(runErr, fmt.Errorf("gateway background work: %w", err))
		}
	}()
	// Slow clients are cut: headers within HeaderTimeout, the body within BodyTimeout after them
	// (httpapi, which lifts the deadline once the body is read), idle connections after
	// IdleTimeout.
	srv := &http.Server{Handler: gw, ReadHeaderTimeout: cfg.HeaderTimeout, IdleTimeout: cfg.IdleTimeout}
	srv.RegisterOnShutdown(gw.StopStreams)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	url := "http://" + lis.Addr().String()
	rt.Logger.Info("gateway listening", "url", url)
	if started != nil {
		started(url)
	}
	select {
	case <-ctx.Done():
	case err := <-served:
		return fmt.Errorf("gateway stopped: %w", err)
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		runErr = fmt.Errorf("gateway shutdown: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		runErr = errors.Join(runErr, err)
	}
	return runErr
}

// The postman's queue and senders: sign-up and sign-in emails are few, and a full queue drops.
const (
	postmanQueue   = 1024
	postmanWorkers = 4
)

// purgeExpiredEvery deletes the expired sign-ups and sign-in links at start and every interval.
func purgeExpiredEvery(store *accounts.Store, every time.Duration) func(context.Context) error {
	return func(ctx context.Context) error {
		ticker := time.NewTicker(every)
		defer ticker.Stop()
		for {
			_, _ = store.PurgeExpired(ctx)
			select {
			case <-ctx.Done():
				return nil
			case <-ticker.C:
			}
		}
	}
}

// consume runs c until ctx ends. A gateway run alone may start before the services declared
// the streams: a consumer that cannot be declared yet is tried again (every 2 s, logged),
// rather than stopping the gateway's other background work with it.
func consume(c *eventbus.Consumer, logger *slog.Logger) func(context.Context) error {
	return func(ctx context.Context) error {
		for {
			err := c.Run(ctx)
			if ctx.Err() != nil {
				return nil //nolint:nilerr // stopped by its context: a clean stop, whatever Run said about it
			}
			logger.WarnContext(ctx, "audit erasure consumer not running yet; retrying", "error", err)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(2 * time.Second):
			}
		}
	}
}
