// Command caiomatch runs the whole platform in one process (what `make run` starts):
// embedded NATS with JetStream, the profile, mission and matching services with their stores
// (SQLite under the data directory unless CAIOMATCH_<NAME>_DATABASE_URL names a PostgreSQL
// database), and the HTTP gateway.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/caiomatch/caiomatch/gateway/allinone"
	"github.com/caiomatch/caiomatch/pkg/envconfig"
	"github.com/caiomatch/caiomatch/pkg/servicehost"
)

func main() {
	// `caiomatch deadletters …` is the operators' dead-letter tool, a client of a running gateway.
	if len(os.Args) > 1 && os.Args[1] == "deadletters" {
		os.Exit(runDeadLetters(context.Background(), os.Args[2:], os.Stdout, os.Stderr))
	}
	servicehost.RunMain("caiomatch", func(_ context.Context, env *envconfig.Reader) (func(context.Context) error, error) {
		cfg := allinone.LoadConfig(env)
		return func(ctx context.Context) error { return allinone.Run(ctx, cfg, announce) }, nil
	})
}

func announce(s allinone.Started) {
	fmt.Fprintf(os.Stderr, "\ncaiomatch is running at %s\n", s.URL)
	if s.OperatorTokenFile != "" {
		fmt.Fprintf(os.Stderr, "operator token: in %s (use it as: Authorization: Bearer $(cat %s))\n", s.OperatorTokenFile, s.OperatorTokenFile)
	} else {
		fmt.Fprintln(os.Stderr, "operator token: the value of CAIOMATCH_OPERATOR_TOKEN")
	}
	fmt.Fprintf(os.Stderr, "API description: %s/openapi.json · traces: %s/v1/ops/traces · metrics (no token, this host only): %s · stop with Ctrl-C\n\n",
		s.URL, s.URL, s.MetricsURL)
}
