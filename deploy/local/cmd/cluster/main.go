//go:build unix

// Command cluster starts, inspects and stops the local multi-process cluster (package
// deploy/local/cluster): make cluster-up, make cluster-status, make cluster-down.
//
//	cluster up     [-state dir] [-port-offset n] [-postgres url | -private-postgres] [-db-prefix p]
//	cluster status [-state dir] [-json]
//	cluster down   [-state dir] [-wipe]
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/caiomatch/caiomatch/deploy/local/cluster"
)

const usage = `usage: cluster <command> [flags]

commands:
  up      start the cluster (or the processes of it that are not running) and wait until it serves
  status  list the processes, their pids, whether they run and their addresses
  down    stop every process (gateways, services, NATS, a private PostgreSQL); -wipe also deletes
          the state directory and drops the databases the cluster created

Run "cluster <command> -h" for the command's flags.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	var err error
	switch command, args := os.Args[1], os.Args[2:]; command {
	case "up":
		err = up(ctx, args, logger)
	case "status":
		err = status(args)
	case "down":
		err = down(ctx, args, logger)
	case "-h", "-help", "--help", "help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "cluster: unknown command %q\n\n%s", command, usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "cluster:", err)
		os.Exit(1)
	}
}

func up(ctx context.Context, args []string, logger *slog.Logger) error {
	flags := flag.NewFlagSet("up", flag.ExitOnError)
	stateDir := flags.String("state", cluster.DefaultStateDir, "state directory (settings, secrets, data, logs)")
	portOffset := flags.Int("port-offset", 0, "shift every port by this much (fixed at the first start)")
	postgresURL := flags.String("postgres", os.Getenv(cluster.EnvPostgresURL), "PostgreSQL server to create the databases on (default $"+
		cluster.EnvPostgresURL+", else "+cluster.DefaultPostgresURL+", or a private server when that one is unreachable)")
	privatePostgres := flags.Bool("private-postgres", false, "run a private PostgreSQL server under the state directory")
	prefix := flags.String("db-prefix", "", "database names <prefix>_<component> (default "+cluster.DefaultDatabasePrefix+")")
	timeout := flags.Duration("timeout", 2*time.Minute, "how long each group of processes may take to be ready")
	_ = flags.Parse(args)
	opts := cluster.Options{StateDir: *stateDir, PortOffset: *portOffset, PostgresURL: *postgresURL,
		DatabasePrefix: *prefix, ReadyTimeout: *timeout, Logger: logger}
	if *privatePostgres {
		if *postgresURL != "" {
			return errors.New("-postgres and -private-postgres exclude each other")
		}
		opts.Postgres = cluster.PostgresPrivate
	}
	began := time.Now()
	c, err := cluster.Up(ctx, opts)
	if err != nil {
		return fmt.Errorf("%w\n(processes started so far keep running: make cluster-down stops them; logs are in %s/logs)", err, *stateDir)
	}
	logger.Info("cluster ready", "took", time.Since(began).Round(time.Millisecond).String())
	where, private := c.PostgresServer()
	if private {
		where += " (private server under the state directory)"
	}
	fmt.Printf(`
caiomatch local cluster is up (state in %s)
  gateways        %s
  operator token  %s   (TOKEN=$(cat %s))
  NATS            %s
  PostgreSQL      %s
  logs            %s/logs/<process>.log
  make cluster-status lists the processes; make cluster-down stops them (WIPE=1 also deletes the data).
`, c.StateDir(), strings.Join(c.GatewayURLs(), "  "), c.OperatorTokenPath(), c.OperatorTokenPath(),
		strings.Join(c.NATSURLs(), ","), where, c.StateDir())
	return nil
}

func status(args []string) error {
	flags := flag.NewFlagSet("status", flag.ExitOnError)
	stateDir := flags.String("state", cluster.DefaultStateDir, "state directory")
	asJSON := flags.Bool("json", false, "print the status as JSON")
	_ = flags.Parse(args)
	c, err := load(*stateDir, nil, func() { fmt.Printf("no cluster in %s\n", *stateDir) })
	if c == nil || err != nil {
		return err
	}
	statuses := c.Status()
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(statuses)
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "PROCESS\tPID\tSTATE\tADDRESS\tLOG")
	running := 0
	for _, p := range statuses {
		state := "dead"
		if p.Alive {
			state = "running"
			running++
		}
		pid := "-"
		if p.PID != 0 {
			pid = fmt.Sprint(p.PID)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", p.Name, pid, state, p.Addr, p.LogPath)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Printf("%d of %d processes running; operator token in %s\n", running, len(statuses), c.OperatorTokenPath())
	return nil
}

func down(ctx context.Context, args []string, logger *slog.Logger) error {
	flags := flag.NewFlagSet("down", flag.ExitOnError)
	stateDir := flags.String("state", cluster.DefaultStateDir, "state directory")
	wipe := flags.Bool("wipe", false, "also delete the state directory and drop the databases the cluster created")
	_ = flags.Parse(args)
	c, err := load(*stateDir, logger, func() { logger.Info("no cluster here: nothing to stop", "dir", *stateDir) })
	if c == nil || err != nil {
		return err
	}
	began := time.Now()
	if err := c.Down(ctx, *wipe); err != nil {
		return err
	}
	logger.Info("cluster stopped", "wiped", *wipe, "took", time.Since(began).Round(time.Millisecond).String())
	return nil
}

// load finds the cluster recorded in stateDir; when there is none it calls none and returns
// nil and no error.
func load(stateDir string, logger *slog.Logger, none func()) (*cluster.Cluster, error) {
	c, err := cluster.Load(stateDir, logger)
	if errors.Is(err, fs.ErrNotExist) {
		none()
		return nil, nil
	}
	return c, err
}
