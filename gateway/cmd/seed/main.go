// Command seed fills a running platform (`make run`) with synthetic consultants, firms and
// missions through the public HTTP API only, the way real clients would:
//
//	go run ./gateway/cmd/seed -consultants 1000 -missions 20
//
// As the operator it creates one CONSULTANT account and one profile per consultant, then the
// FIRM accounts; each firm then submits its missions with its own token, and the platform
// shortlists them by itself. The firms' tokens are written to <data dir>/seed-firms.json (mode
// 0600) so that one can log in as a firm and look at the shortlists. The data comes from
// pkg/seeddata: the same -seed gives the same people and missions.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/caiomatch/caiomatch/pkg/envconfig"
	"github.com/caiomatch/caiomatch/pkg/servicehost"
)

func main() {
	servicehost.RunMain("seed", func(context.Context, *envconfig.Reader) (func(context.Context) error, error) {
		cfg, err := parseConfig(os.Args[1:], os.Getenv, os.Stderr)
		if errors.Is(err, flag.ErrHelp) {
			return func(context.Context) error { return nil }, nil
		}
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context) error {
			if _, err := seed(ctx, cfg, os.Stdout); err != nil {
				if ctx.Err() != nil {
					return fmt.Errorf("interrupted: %w", err)
				}
				return err
			}
			return nil
		}, nil
	})
}

// config is read once, from flags and the environment.
type config struct {
	URL         string // the gateway, e.g. http://127.0.0.1:8080
	Token       string // an operator's bearer token
	DataDir     string // where seed-firms.json is written
	Consultants int
	Missions    int
	Firms       int
	Seed        uint64
	Concurrency int
	Now         time.Time // the day generated dates are relative to
}

// parseConfig reads flags over environment defaults (the same variables as `make run`).
func parseConfig(args []string, getenv func(string) string, usage io.Writer) (config, error) {
	cfg := config{DataDir: cmp.Or(getenv("CAIOMATCH_DATA_DIR"), "./data"), Now: time.Now()}
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(usage)
	fs.StringVar(&cfg.URL, "url", gatewayURL(getenv("CAIOMATCH_HTTP_ADDR")),
		"gateway URL; the default comes from CAIOMATCH_HTTP_ADDR")
	// The default is not shown in -help: it is a secret.
	fs.StringVar(&cfg.Token, "token", "",
		"operator token (default: $CAIOMATCH_OPERATOR_TOKEN, else the content of $CAIOMATCH_DATA_DIR/operator.token)")
	fs.IntVar(&cfg.Consultants, "consultants", 1000, "consultants to create (one account and one profile each)")
	fs.IntVar(&cfg.Missions, "missions", 20, "missions to submit, spread over the firms")
	fs.IntVar(&cfg.Firms, "firms", 5, "firm accounts to create")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "random seed: the same seed gives the same data")
	fs.IntVar(&cfg.Concurrency, "concurrency", 8, "requests in flight at once")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	switch {
	case cfg.Consultants < 0 || cfg.Missions < 0:
		return config{}, errors.New("-consultants and -missions must not be negative")
	case cfg.Firms < 1 && cfg.Missions > 0:
		return config{}, errors.New("-firms must be at least 1 to submit missions")
	case cfg.Firms < 0:
		return config{}, errors.New("-firms must not be negative")
	case cfg.Concurrency < 1:
		return config{}, errors.New("-concurrency must be at least 1")
	}
	cfg.URL = strings.TrimRight(cfg.URL, "/")
	if cfg.Token == "" {
		cfg.Token = getenv("CAIOMATCH_OPERATOR_TOKEN")
	}
	if cfg.Token == "" {
		file := filepath.Join(cfg.DataDir, "operator.token")
		b, err := os.ReadFile(file)
		if err != nil || strings.TrimSpace(string(b)) == "" {
			return config{}, fmt.Errorf("no operator token: pass -token, set CAIOMATCH_OPERATOR_TOKEN, or start the "+
				"platform with `make run` so that %s exists (%v)", file, cmp.Or(err, errors.New("empty file")))
		}
		cfg.Token = strings.TrimSpace(string(b))
	}
	return cfg, nil
}

// gatewayURL turns a listen address into a URL to call: ":8080" and "0.0.0.0:8080" listen on
// every interface, the loopback one among them.
func gatewayURL(addr string) string {
	if addr == "" {
		return "http://127.0.0.1:8080"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}
