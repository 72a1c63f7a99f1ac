// Command caiomatch runs the whole platform in one process (what `make run` starts):
// embedded NATS with JetStream, the profile, mission and matching services with their stores
// (SQLite under the data directory unless CAIOMATCH_<NAME>_DATABASE_URL names a PostgreSQL
// database), and the HTTP gateway.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/caiomatch/caiomatch/gateway/accounts"
	"github.com/caiomatch/caiomatch/gateway/allinone"
	"github.com/caiomatch/caiomatch/pkg/servicehost"
	matching "github.com/caiomatch/caiomatch/services/matching/service"
	mission "github.com/caiomatch/caiomatch/services/mission/service"
	profile "github.com/caiomatch/caiomatch/services/profile/service"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal, restore the default handling: a second Ctrl-C ends a stuck stop.
	context.AfterFunc(ctx, stop)
	err := run(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "caiomatch:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	ranking, err := matching.ConfigFromEnv()
	if err != nil {
		return err
	}
	missions, err := mission.ConfigFromEnv()
	if err != nil {
		return err
	}
	cfg := allinone.Config{
		Mission:       missions,
		Matching:      ranking,
		HTTPAddr:      servicehost.Env("CAIOMATCH_HTTP_ADDR", "127.0.0.1:8080"),
		DataDir:       servicehost.Env("CAIOMATCH_DATA_DIR", "./data"),
		OperatorToken: os.Getenv("CAIOMATCH_OPERATOR_TOKEN"),
		NATSURL:       os.Getenv("NATS_URL"),
		OTLPEndpoint:  os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT"),
		LogLevel:      slog.LevelInfo,
		// CAIOMATCH_<NAME>_DATABASE_URL: each unset one keeps its SQLite database in DataDir.
		DatabaseURLs: map[string]string{
			profile.Name:              os.Getenv(profile.EnvDatabaseURL),
			mission.Name:              os.Getenv(mission.EnvDatabaseURL),
			matching.Name:             os.Getenv(matching.EnvDatabaseURL),
			allinone.GatewayComponent: os.Getenv(accounts.EnvDatabaseURL),
		},
	}
	return allinone.Run(ctx, cfg, func(s allinone.Started) {
		fmt.Fprintf(os.Stderr, "\ncaiomatch is running at %s\n", s.URL)
		if s.OperatorTokenFile != "" {
			fmt.Fprintf(os.Stderr, "operator token: in %s (use it as: Authorization: Bearer $(cat %s))\n", s.OperatorTokenFile, s.OperatorTokenFile)
		} else {
			fmt.Fprintln(os.Stderr, "operator token: the value of CAIOMATCH_OPERATOR_TOKEN")
		}
		fmt.Fprintf(os.Stderr, "API description: %s/openapi.json · traces: %s/v1/ops/traces · stop with Ctrl-C\n\n", s.URL, s.URL)
	})
}
