// Package allinone runs the whole platform in one process: embedded NATS with JetStream (or an
// external one), the four services each with its own store (SQLite under the data directory,
// or a PostgreSQL database given by URL), and the gateway. It is what `make run` starts, and
// what the end-to-end tests start.
package allinone

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/caiomatch/caiomatch/gateway/httpapi"
	"github.com/caiomatch/caiomatch/gateway/server"
	"github.com/caiomatch/caiomatch/pkg/envconfig"
	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/mail"
	"github.com/caiomatch/caiomatch/pkg/rpc"
	"github.com/caiomatch/caiomatch/pkg/servicehost"
	"github.com/caiomatch/caiomatch/pkg/telemetry"
	matching "github.com/caiomatch/caiomatch/services/matching/service"
	mission "github.com/caiomatch/caiomatch/services/mission/service"
	notification "github.com/caiomatch/caiomatch/services/notification/service"
	profile "github.com/caiomatch/caiomatch/services/profile/service"
)

// Config is the whole platform's settings, read once by main (LoadConfig). Its zero value is
// the default: everything under ./data, embedded NATS, SQLite, the gateway on 127.0.0.1:8080.
type Config struct {
	// Host is what every process of the platform shares (data directory, NATS, OTLP, streams).
	Host servicehost.Config
	// Gateway is the gateway's settings; an empty OperatorToken is generated once and kept in
	// <DataDir>/operator.token. Its backends are the in-process services, whatever it says.
	Gateway server.Config
	// Each service's own settings; their listen and peer addresses are set here, in process.
	Profile      profile.Config
	Mission      mission.Config
	Matching     matching.Config
	Notification notification.Config
	// LogOutput is where every component logs (stderr when nil).
	LogOutput io.Writer
	LogLevel  slog.Level
	// ShutdownGrace bounds the drain of in-flight HTTP requests and gRPC calls; zero is 10 s.
	ShutdownGrace time.Duration
}

// LoadConfig reads every component's settings with the same functions their own mains use.
func LoadConfig(env *envconfig.Reader) Config {
	return Config{
		Host:         servicehost.LoadConfig(env),
		Gateway:      server.LoadConfig(env),
		Profile:      profile.LoadConfig(env),
		Mission:      mission.LoadConfig(env),
		Matching:     matching.LoadConfig(env),
		Notification: notification.LoadConfig(env),
	}
}

// Started tells the caller where the platform listens.
type Started struct {
	URL string
	// MetricsURL is the admin listener's /metrics: every service's and the gateway's metrics,
	// each series labelled with its service_name.
	MetricsURL        string
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
	dataDir := cfg.Host.DataDirOrDefault()
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	token, tokenFile, err := operatorToken(cfg.Gateway.OperatorToken, dataDir)
	if err != nil {
		return err
	}

	telemetry.InstallPropagator()
	spans := telemetry.NewSpanStore(telemetry.DefaultMaxSpans)
	providers := map[string]*telemetry.Provider{}
	for _, name := range []string{server.Name, profile.Name, mission.Name, matching.Name, notification.Name} {
		p, err := telemetry.Setup(ctx, telemetry.Config{Service: name, Store: spans, OTLPEndpoint: cfg.Host.OTLPEndpoint,
			SharedProcess: true})
		if err != nil {
			return err
		}
		providers[name] = p
		defer servicehost.ShutdownWithin(5*time.Second, p.Shutdown)
	}
	logger := telemetry.NewLogger(cfg.LogOutput, "caiomatch", cfg.LogLevel)
	telemetry.RouteSDKErrors(logger)

	// Each service keeps its own metrics, as when it runs alone; one admin listener serves them
	// all, told apart by service_name (the process's runtime metrics once, with the gateway's).
	metrics := map[string]*telemetry.Metrics{}
	var allMetrics []*telemetry.Metrics
	for _, name := range []string{server.Name, profile.Name, mission.Name, matching.Name, notification.Name} {
		m, err := telemetry.NewMetrics(name, telemetry.MetricsInSharedProcess(name == server.Name))
		if err != nil {
			return err
		}
		defer servicehost.ShutdownWithin(5*time.Second, m.Shutdown)
		metrics[name] = m
		allMetrics = append(allMetrics, m)
	}
	admin, err := servicehost.StartAdmin(cfg.Host.AdminAddr, telemetry.MergedHandler(allMetrics...), logger)
	if err != nil {
		return err
	}
	defer admin.Close()

	bus, err := openBus(cfg.Host, dataDir, logger)
	if err != nil {
		return err
	}
	defer bus.close()
	setupJS, err := bus.jetStream("setup")
	if err != nil {
		return err
	}
	if err := eventbus.EnsureStreams(ctx, setupJS, cfg.Host.StreamSettings(bus.clusterName())); err != nil {
		return err
	}

	// A fresh key per run: only this process can call its services as anyone.
	callerKey := make(rpc.CallerKey, 32)
	if _, err := rand.Read(callerKey); err != nil {
		return err
	}
	hosts := map[string]servicehost.Host{}
	for _, name := range []string{profile.Name, mission.Name, matching.Name, notification.Name} {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return fmt.Errorf("listen for %s: %w", name, err)
		}
		js, err := bus.jetStream(name)
		if err != nil {
			lis.Close()
			return err
		}
		hosts[name] = servicehost.Host{
			Name: name, DataDir: dataDir, JetStream: js, Listener: lis,
			TracerProvider: providers[name].TracerProvider(), MeterProvider: metrics[name].MeterProvider(),
			Logger:    telemetry.NewLogger(cfg.LogOutput, name, cfg.LogLevel),
			CallerKey: callerKey,
		}
		// The internal ports are picked by the OS: said, for grpcurl and grpc-health-probe
		// (reflection and health answer without the internal key).
		hosts[name].Logger.Info("service listening", "grpc_addr", lis.Addr().String())
	}
	addr := func(name string) string { return hosts[name].Listener.Addr().String() }
	profileCfg, missionCfg, matchingCfg := cfg.Profile, cfg.Mission, cfg.Matching
	profileCfg.MatchingAddr, profileCfg.ShutdownGrace = addr(matching.Name), cfg.ShutdownGrace
	missionCfg.ProfileAddr, missionCfg.ShutdownGrace = addr(profile.Name), cfg.ShutdownGrace
	matchingCfg.MissionAddr, matchingCfg.ShutdownGrace = addr(mission.Name), cfg.ShutdownGrace
	notificationCfg := cfg.Notification
	notificationCfg.ShutdownGrace = cfg.ShutdownGrace
	if notificationCfg.PublicURL == "" {
		// Emails link to the pages this runner's gateway serves.
		notificationCfg.PublicURL = cmp.Or(cfg.Gateway.PublicURL, "http://"+cfg.Gateway.HTTPAddr)
	}

	// One mail sender for the whole platform: without SMTP, one mailbox operators read.
	mailSender, mailbox, err := mail.Open(cfg.Gateway.MailConfig())
	if err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	notificationCfg.Mail = mailSender
	gatewayJS, err := bus.jetStream(server.Name)
	if err != nil {
		return err
	}

	// Services get their own context: they stop only after the gateway has drained, so a
	// request in flight at shutdown still reaches them.
	servicesCtx, stopServices := context.WithCancel(context.WithoutCancel(ctx))
	defer stopServices()
	gatewayCtx, stopGateway := context.WithCancel(ctx)
	defer stopGateway()
	servicesDone := make(chan error, 1)
	go func() {
		err := servicehost.RunTogether(servicesCtx,
			func(ctx context.Context) error { return profile.Run(ctx, hosts[profile.Name], profileCfg) },
			func(ctx context.Context) error { return mission.Run(ctx, hosts[mission.Name], missionCfg) },
			func(ctx context.Context) error { return matching.Run(ctx, hosts[matching.Name], matchingCfg) },
			func(ctx context.Context) error {
				return notification.Run(ctx, hosts[notification.Name], notificationCfg)
			},
		)
		stopGateway() // a service that stops on its own stops the platform
		servicesDone <- err
	}()

	gatewayCfg := cfg.Gateway
	gatewayCfg.OperatorToken, gatewayCfg.ShutdownGrace = token, cfg.ShutdownGrace
	gatewayCfg.Backends = httpapi.Backends{
		ProfileAddr: addr(profile.Name), MissionAddr: addr(mission.Name), MatchingAddr: addr(matching.Name),
		NotificationAddr: addr(notification.Name),
	}
	runErr := server.Run(gatewayCtx, gatewayCfg, server.Runtime{
		DataDir: dataDir, Logger: telemetry.NewLogger(cfg.LogOutput, server.Name, cfg.LogLevel),
		TracerProvider: providers[server.Name].TracerProvider(), Spans: spans, CallerKey: callerKey,
		ExtraReadiness: map[string]func(context.Context) error{"nats": bus.ready},
		JetStream:      gatewayJS, Mail: mailSender, Mailbox: mailbox, Metrics: metrics[server.Name],
	}, func(url string) {
		metricsURL := "http://" + admin.Addr() + "/metrics"
		logger.Info("caiomatch started", "url", url, "metrics", metricsURL, "data_dir", dataDir,
			"external_nats", cfg.Host.NATSURL != "")
		if started != nil {
			started(Started{URL: url, MetricsURL: metricsURL, OperatorToken: token, OperatorTokenFile: tokenFile})
		}
	})
	logger.Info("caiomatch stopping")
	stopServices()
	if err := <-servicesDone; err != nil {
		runErr = errors.Join(runErr, fmt.Errorf("a service stopped: %w", err))
	}
	logger.Info("caiomatch stopped")
	return runErr
}

// operatorToken returns the configured token, or the one generated at first start.
func operatorToken(configured, dataDir string) (token, file string, err error) {
	if configured != "" {
		return configured, "", nil
	}
	file = filepath.Join(dataDir, "operator.token")
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
	logger   *slog.Logger
}

func openBus(host servicehost.Config, dataDir string, logger *slog.Logger) (*bus, error) {
	if host.NATSURL != "" {
		return &bus{url: host.NATSURL, logger: logger}, nil
	}
	e, err := eventbus.StartEmbedded(dataDir, host.EmbeddedOptions()...)
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
		nc, err = eventbus.ConnectURL(b.url, name, b.logger)
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
