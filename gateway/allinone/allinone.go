// Package allinone runs the whole platform in one process: embedded NATS with JetStream (or an
// external one), the three services each with its own store (SQLite under the data directory,
// or a PostgreSQL database given by URL), and the gateway. It is what `make run` starts, and
// what the end-to-end tests start.
package allinone

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/caiomatch/caiomatch/gateway/accounts"
	"github.com/caiomatch/caiomatch/gateway/httpapi"
	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/rpc"
	"github.com/caiomatch/caiomatch/pkg/servicehost"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/pkg/telemetry"
	matching "github.com/caiomatch/caiomatch/services/matching/service"
	mission "github.com/caiomatch/caiomatch/services/mission/service"
	profile "github.com/caiomatch/caiomatch/services/profile/service"
)

// Config is read once from the environment by main (see docs/API.md, Operations).
type Config struct {
	HTTPAddr      string
	DataDir       string
	OperatorToken string // empty: generated once and kept in <DataDir>/operator.token
	NATSURL       string // empty: embedded NATS under <DataDir>/nats
	OTLPEndpoint  string // empty: spans only in memory
	LogOutput     io.Writer
	LogLevel      slog.Level
	// ShutdownGrace bounds the drain of in-flight HTTP requests and gRPC calls.
	ShutdownGrace time.Duration
	// Mission is the mission service's configuration (offer time to live, pseudonym key); its
	// addresses and grace are set here.
	Mission mission.Config
	// Matching is the ranking configuration (shortlist size, exposure cap, availability
	// tolerance); zero means matching.DefaultConfig. Its addresses and grace are set here.
	Matching matching.Config
	// DatabaseURLs are the PostgreSQL databases (postgres:// URLs) by component, the keys being
	// DatabaseComponents: "profile", "mission", "matching" and "gateway". A component without
	// one keeps its SQLite database under DataDir. They are passed to each service's
	// Config.DatabaseURL; one set there too must be the same URL.
	DatabaseURLs map[string]string
}

// GatewayComponent is the gateway's key in Config.DatabaseURLs.
const GatewayComponent = "gateway"

// DatabaseComponents are the keys of Config.DatabaseURLs: every part that has a database.
var DatabaseComponents = []string{profile.Name, mission.Name, matching.Name, GatewayComponent}

// databaseURLs checks cfg.DatabaseURLs and returns the URL of each component ("" for SQLite).
// An unknown key is refused rather than ignored, as is a service database configured both in
// DatabaseURLs and, differently, in the service's own Config.
func databaseURLs(cfg Config) (map[string]string, error) {
	for name := range cfg.DatabaseURLs {
		if !slices.Contains(DatabaseComponents, name) {
			return nil, fmt.Errorf("database URL for unknown component %q (known: %s)", name, strings.Join(DatabaseComponents, ", "))
		}
	}
	urls := map[string]string{}
	for _, name := range DatabaseComponents {
		urls[name] = cfg.DatabaseURLs[name]
	}
	for name, own := range map[string]string{mission.Name: cfg.Mission.DatabaseURL, matching.Name: cfg.Matching.DatabaseURL} {
		if own != "" && own != urls[name] {
			// Either may hold a password: show only where they point.
			inMap := "none"
			if urls[name] != "" {
				inMap = sqlstore.RedactURL(urls[name])
			}
			return nil, fmt.Errorf("the %s database is %s in its service configuration but %s in DatabaseURLs: set it in DatabaseURLs only",
				name, sqlstore.RedactURL(own), inMap)
		}
	}
	return urls, nil
}

// Started tells the caller where the platform listens.
type Started struct {
	URL               string
	OperatorToken     string
	OperatorTokenFile string // "" when the token came from the environment
}

// Run starts everything, calls started once the gateway accepts connections, and stops
// everything, gateway first, when ctx ends.
func Run(ctx context.Context, cfg Config, started func(Started)) error {
	if cfg.LogOutput == nil {
		cfg.LogOutput = os.Stderr
	}
	if cfg.ShutdownGrace == 0 {
		cfg.ShutdownGrace = 10 * time.Second
	}
	databases, err := databaseURLs(cfg)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	token, tokenFile, err := operatorToken(cfg)
	if err != nil {
		return err
	}

	telemetry.InstallPropagator()
	spans := telemetry.NewSpanStore(telemetry.DefaultMaxSpans)
	providers := map[string]*telemetry.Provider{}
	for _, name := range []string{GatewayComponent, profile.Name, mission.Name, matching.Name} {
		p, err := telemetry.Setup(ctx, telemetry.Config{Service: name, Store: spans, OTLPEndpoint: cfg.OTLPEndpoint})
		if err != nil {
			return err
		}
		providers[name] = p
		defer servicehost.ShutdownWithin(5*time.Second, p.Shutdown)
	}
	logger := telemetry.NewLogger(cfg.LogOutput, "caiomatch", cfg.LogLevel)

	bus, err := openBus(cfg)
	if err != nil {
		return err
	}
	defer bus.close()
	setupJS, err := bus.jetStream("setup")
	if err != nil {
		return err
	}
	if err := eventbus.EnsureStreams(ctx, setupJS, servicehost.StreamSettingsFromEnv(bus.clusterName())); err != nil {
		return err
	}

	// A fresh key per run: only this process can call its services as anyone.
	callerKey := make(rpc.CallerKey, 32)
	if _, err := rand.Read(callerKey); err != nil {
		return err
	}
	listeners := map[string]net.Listener{}
	for _, name := range []string{profile.Name, mission.Name, matching.Name} {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return fmt.Errorf("listen for %s: %w", name, err)
		}
		listeners[name] = lis
	}
	hostFor := func(name string) (servicehost.Host, error) {
		js, err := bus.jetStream(name)
		if err != nil {
			return servicehost.Host{}, err
		}
		return servicehost.Host{
			Name: name, DataDir: cfg.DataDir, JetStream: js, Listener: listeners[name],
			TracerProvider: providers[name].TracerProvider(),
			Logger:         telemetry.NewLogger(cfg.LogOutput, name, cfg.LogLevel),
			CallerKey:      callerKey,
		}, nil
	}
	profileHost, err := hostFor(profile.Name)
	if err != nil {
		return err
	}
	missionHost, err := hostFor(mission.Name)
	if err != nil {
		return err
	}
	matchingHost, err := hostFor(matching.Name)
	if err != nil {
		return err
	}
	addr := func(name string) string { return listeners[name].Addr().String() }

	gatewayLogger := telemetry.NewLogger(cfg.LogOutput, GatewayComponent, cfg.LogLevel)
	gatewayDB, err := accounts.OpenDatabase(ctx, databases[GatewayComponent], cfg.DataDir, gatewayLogger)
	if err != nil {
		return err
	}
	defer gatewayDB.Close()
	store, err := accounts.Open(ctx, gatewayDB, func() string { return uuid.Must(uuid.NewV7()).String() })
	if err != nil {
		return err
	}
	if err := store.EnsureOperator(ctx, token); err != nil {
		return err
	}
	metrics, err := telemetry.NewMetrics("gateway")
	if err != nil {
		return err
	}
	defer servicehost.ShutdownWithin(5*time.Second, metrics.Shutdown)
	gw, err := httpapi.New(ctx, httpapi.Config{
		Backends: httpapi.Backends{
			ProfileAddr: addr(profile.Name), MissionAddr: addr(mission.Name), MatchingAddr: addr(matching.Name),
		},
		Accounts: store, Spans: spans, Metrics: metrics, CallerKey: callerKey,
		TracerProvider: providers[GatewayComponent].TracerProvider(),
		Logger:         gatewayLogger,
		ExtraReadiness: map[string]func(context.Context) error{"nats": bus.ready},
	})
	if err != nil {
		return err
	}
	defer gw.Close()

	httpLis, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
	}
	httpServer := &http.Server{Handler: gw, ReadHeaderTimeout: 10 * time.Second}

	// Services get their own context: they stop only after the gateway has drained, so a
	// request in flight at shutdown still reaches them.
	servicesCtx, stopServices := context.WithCancel(context.WithoutCancel(ctx))
	defer stopServices()
	servicesDone := make(chan error, 1)
	go func() {
		servicesDone <- servicehost.RunTogether(servicesCtx,
			func(ctx context.Context) error {
				return profile.Run(ctx, profileHost, profile.Config{
					MatchingAddr: addr(matching.Name), ShutdownGrace: cfg.ShutdownGrace, DatabaseURL: databases[profile.Name],
				})
			},
			func(ctx context.Context) error {
				mcfg := cfg.Mission
				mcfg.ProfileAddr, mcfg.ShutdownGrace = addr(profile.Name), cfg.ShutdownGrace
				mcfg.DatabaseURL = databases[mission.Name]
				return mission.Run(ctx, missionHost, mcfg)
			},
			func(ctx context.Context) error {
				mcfg := cfg.Matching
				mcfg.DatabaseURL = "" // not a ranking setting: it does not make the configuration non-zero
				if mcfg == (matching.Config{}) {
					mcfg = matching.DefaultConfig()
				}
				mcfg.MissionAddr, mcfg.ShutdownGrace = addr(mission.Name), cfg.ShutdownGrace
				mcfg.DatabaseURL = databases[matching.Name]
				return matching.Run(ctx, matchingHost, mcfg)
			},
		)
	}()
	httpDone := make(chan error, 1)
	go func() { httpDone <- httpServer.Serve(httpLis) }()

	url := "http://" + httpLis.Addr().String()
	logger.Info("caiomatch started", "url", url, "data_dir", cfg.DataDir, "external_nats", cfg.NATSURL != "")
	if started != nil {
		started(Started{URL: url, OperatorToken: token, OperatorTokenFile: tokenFile})
	}

	var runErr error
	select {
	case <-ctx.Done():
	case err := <-servicesDone:
		runErr = fmt.Errorf("a service stopped: %w", err)
		servicesDone <- nil
	case err := <-httpDone:
		runErr = fmt.Errorf("gateway stopped: %w", err)
		httpDone <- nil
	}
	logger.Info("caiomatch stopping")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
	defer cancel()
	if err := httpServer.Shutdown(shutdownCtx); err != nil {
		runErr = errors.Join(runErr, fmt.Errorf("gateway shutdown: %w", err))
	}
	if err := <-httpDone; err != nil && !errors.Is(err, http.ErrServerClosed) {
		runErr = errors.Join(runErr, err)
	}
	stopServices()
	if err := <-servicesDone; err != nil {
		runErr = errors.Join(runErr, err)
	}
	logger.Info("caiomatch stopped")
	return runErr
}

// operatorToken returns the configured token, or the one generated at first start.
func operatorToken(cfg Config) (token, file string, err error) {
	if cfg.OperatorToken != "" {
		return cfg.OperatorToken, "", nil
	}
	file = filepath.Join(cfg.DataDir, "operator.token")
	if b, err := os.ReadFile(file); err == nil && strings.TrimSpace(string(b)) != "" {
		return strings.TrimSpace(string(b)), file, nil
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", "", fmt.Errorf("read operator token: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", "", err
	}
	token = "cm_op_" + hex.EncodeToString(raw)
	if err := os.WriteFile(file, []byte(token+"\n"), 0o600); err != nil {
		return "", "", fmt.Errorf("write operator token: %w", err)
	}
	return token, file, nil
}

// bus is the NATS side: an embedded server or external servers, one connection per service.
type bus struct {
	embedded *eventbus.Embedded
	url      string
	conns    []*nats.Conn
}

func openBus(cfg Config) (*bus, error) {
	if cfg.NATSURL != "" {
		return &bus{url: cfg.NATSURL}, nil
	}
	e, err := eventbus.StartEmbedded(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	return &bus{embedded: e}, nil
}

func (b *bus) jetStream(name string) (jetstream.JetStream, error) {
	var nc *nats.Conn
	var err error
	if b.embedded != nil {
		nc, err = b.embedded.Connect(name)
	} else {
		nc, err = eventbus.ConnectURL(b.url, name)
	}
	if err != nil {
		return nil, err
	}
	b.conns = append(b.conns, nc)
	return jetstream.New(nc)
}

func (b *bus) ready(context.Context) error {
	for _, nc := range b.conns {
		if !nc.IsConnected() {
			return errors.New("nats connection down")
		}
	}
	return nil
}

func (b *bus) close() {
	for _, nc := range b.conns {
		eventbus.Drain(nc, 5*time.Second)
	}
	if b.embedded != nil {
		b.embedded.Shutdown()
	}
}

// clusterName is the NATS cluster the first connection reached; "" for a single server.
func (b *bus) clusterName() string {
	if len(b.conns) == 0 {
		return ""
	}
	return b.conns[0].ConnectedClusterName()
}
