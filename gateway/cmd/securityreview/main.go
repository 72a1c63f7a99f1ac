// Command securityreview replays, against a running platform, every finding of the security
// review of issue 16 (OWASP API Security Top 10, 2023) and prints today's figure beside the
// review's, as the Markdown table of docs/SECURITY.md, "The review, re-measured":
//
//	make run    # in another terminal
//	go run ./gateway/cmd/securityreview -url http://127.0.0.1:8080 -matrix gateway
//
// It acts as an attacker would, from outside and through the public HTTP API only, with the
// accounts the operator gives it: one firm or consultant of its own per finding (named
// "security review …"), so that one finding's rate-limit bucket is not another's. It changes
// only what it creates: its missions are cancelled before it ends. It takes two to three
// minutes with the default limits, most of it the body timeout (30 s) and the harvest, which
// waits out every 429 as a patient attacker would.
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
	servicehost.RunMain("securityreview", func(context.Context, *envconfig.Reader) (func(context.Context) error, error) {
		cfg, err := parseConfig(os.Args[1:], os.Getenv, os.Stderr)
		if errors.Is(err, flag.ErrHelp) {
			return func(context.Context) error { return nil }, nil
		}
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context) error {
			figures, err := review(ctx, cfg, os.Stderr)
			printTable(os.Stdout, figures)
			return err
		}, nil
	})
}

// config is read once, from flags and the environment.
type config struct {
	URL     string // the gateway, e.g. http://127.0.0.1:8080
	Token   string // an operator's bearer token
	DataDir string // where `make run` wrote operator.token

	// How hard each finding is replayed: the review's own figures by default.
	Forged          int           // forged bearer tokens sent at once
	MissionBurst    int           // missions one firm submits back to back
	HarvestMissions int           // throwaway missions one firm submits to read candidates
	SlowUploads     int           // connections that send their body a byte a second
	SlowGiveUp      time.Duration // how long a slow upload may stay open before the finding holds
	Hosts           int           // requests with a random Host header
	Traces          int           // requests with a 512 KiB id or an email in their path
	LongID          int           // bytes of the long id
	Concurrency     int           // requests in flight at once in the floods
	Seed            uint64        // the harvest's missions (pkg/seeddata)

	// OTLP is where to receive the platform's exported traces (the address the platform was
	// started with in OTEL_EXPORTER_OTLP_ENDPOINT); empty, exported traces are not checked.
	OTLP string

	// Matrix is the gateway module's directory: when set, the authorization matrix test is run
	// there (it starts a platform of its own) and its count printed; empty, it is skipped.
	Matrix string
}

// parseConfig reads flags over environment defaults (the same variables as `make run`).
func parseConfig(args []string, getenv func(string) string, usage io.Writer) (config, error) {
	cfg := config{DataDir: cmp.Or(getenv("CAIOMATCH_DATA_DIR"), "./data")}
	fs := flag.NewFlagSet("securityreview", flag.ContinueOnError)
	fs.SetOutput(usage)
	fs.StringVar(&cfg.URL, "url", gatewayURL(getenv("CAIOMATCH_HTTP_ADDR")),
		"gateway URL; the default comes from CAIOMATCH_HTTP_ADDR")
	// The default is not shown in -help: it is a secret.
	fs.StringVar(&cfg.Token, "token", "",
		"operator token (default: $CAIOMATCH_OPERATOR_TOKEN, else the content of $CAIOMATCH_DATA_DIR/operator.token)")
	fs.IntVar(&cfg.Forged, "forged", 500, "forged bearer tokens sent at once from this address")
	fs.IntVar(&cfg.MissionBurst, "missions", 150, "missions one firm submits back to back")
	fs.IntVar(&cfg.HarvestMissions, "harvest", 40, "throwaway missions one firm submits to read its candidates' profiles")
	fs.IntVar(&cfg.SlowUploads, "slow", 30, "uploads sent a byte a second")
	fs.DurationVar(&cfg.SlowGiveUp, "slow-give-up", 90*time.Second, "how long a slow upload may stay open before it counts as held")
	fs.IntVar(&cfg.Hosts, "hosts", 2600, "requests with a random Host header")
	fs.IntVar(&cfg.Traces, "traces", 100, "requests with a long id or an email in the path")
	fs.IntVar(&cfg.LongID, "long-id", 512<<10, "bytes of the long id")
	fs.IntVar(&cfg.Concurrency, "concurrency", 8, "requests in flight at once in the floods")
	fs.Uint64Var(&cfg.Seed, "seed", 16, "random seed of the harvest's missions")
	fs.StringVar(&cfg.OTLP, "otlp", "", "receive the platform's exported traces on this address (host:port, the platform's OTEL_EXPORTER_OTLP_ENDPOINT)")
	fs.StringVar(&cfg.Matrix, "matrix", "", "the gateway module's directory: also run the authorization matrix test there")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	for name, n := range map[string]int{"-forged": cfg.Forged, "-missions": cfg.MissionBurst, "-harvest": cfg.HarvestMissions,
		"-slow": cfg.SlowUploads, "-hosts": cfg.Hosts, "-traces": cfg.Traces, "-long-id": cfg.LongID, "-concurrency": cfg.Concurrency} {
		if n < 1 {
			return config{}, fmt.Errorf("%s must be at least 1", name)
		}
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

// figure is one finding of the review: what it measured then and what the replay measures now.
type figure struct {
	Finding string
	Then    string
	Now     string
	// Still is "no" when the replay did not get what the review complained of, else what of it
	// it still got, plainly.
	Still string
}

// review replays every finding, one after the other (the floods would otherwise share the
// machine and the address's rate-limit bucket), and returns the figures measured, even when a
// later finding failed.
func review(ctx context.Context, cfg config, progress io.Writer) ([]figure, error) {
	r := &replay{cfg: cfg, api: newClient(cfg.URL, cfg.Concurrency), progress: progress}
	defer r.api.close()
	if err := r.api.check(ctx, cfg.Token); err != nil {
		return nil, err
	}
	if cfg.OTLP != "" {
		c, err := startCollector(cfg.OTLP)
		if err != nil {
			return nil, err
		}
		defer c.close()
		r.collector = c
	}
	steps := []struct {
		name string
		run  func(context.Context) (figure, error)
	}{
		{"the 401 challenge", r.challenge},
		{"caching and sniffing", r.cacheHeaders},
		{"wrong method", r.wrongMethod},
		{"NUL in a name", r.controlCharacters},
		{"invalid UTF-8 in path ids", r.invalidUTF8},
		{"forged tokens", r.forgedTokens},
		{"one firm's mission burst", r.missionBurst},
		{"profile harvest", r.harvest},
		{"slow uploads", r.slowUploads},
		{"random Host headers", r.hostHeaders},
		{"long ids and emails in paths", r.pathsInTraces},
		{"the same, exported over OTLP", r.exportedTraces},
		{"authorization matrix", r.matrix},
	}
	var figures []figure
	for _, s := range steps {
		fmt.Fprintf(progress, "%s: %s…\n", time.Now().Format(time.TimeOnly), s.name)
		f, err := s.run(ctx)
		if err != nil {
			return figures, fmt.Errorf("%s: %w", s.name, err)
		}
		fmt.Fprintf(progress, "  now: %s (still reproduces: %s)\n", f.Now, cmp.Or(f.Still, "no"))
		figures = append(figures, f)
	}
	return figures, nil
}

// printTable writes the figures as the Markdown table of docs/SECURITY.md.
func printTable(w io.Writer, figures []figure) {
	if len(figures) == 0 {
		return
	}
	fmt.Fprintln(w, "| finding | then | now | still reproduces |")
	fmt.Fprintln(w, "|---|---|---|---|")
	for _, f := range figures {
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", f.Finding, f.Then, f.Now, cmp.Or(f.Still, "no"))
	}
}
