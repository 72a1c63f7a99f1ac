package servicehost

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"go.opentelemetry.io/otel/trace/noop"

	"github.com/caiomatch/caiomatch/pkg/envconfig"
	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/pkg/sqlstore/sqltest"
)

// runAsync runs RunTogether and returns a channel with its result.
func runAsync(ctx context.Context, parts ...func(context.Context) error) <-chan error {
	done := make(chan error, 1)
	go func() { done <- RunTogether(ctx, parts...) }()
	return done
}

func result(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("RunTogether did not return")
		return nil
	}
}

// untilStopped is a part that runs until its context ends, then takes a moment to clean up; it
// records that it finished so the test can check RunTogether waited for it.
func untilStopped(finished *atomic.Int32, stopErr error) func(context.Context) error {
	return func(ctx context.Context) error {
		<-ctx.Done()
		time.Sleep(50 * time.Millisecond)
		finished.Add(1)
		return stopErr
	}
}

func TestRunTogetherFirstErrorStopsOthersAndWaits(t *testing.T) {
	boom := errors.New("listener died")
	var finished atomic.Int32
	start := time.Now()
	err := result(t, runAsync(context.Background(),
		untilStopped(&finished, nil),
		func(ctx context.Context) error {
			time.Sleep(20 * time.Millisecond)
			return boom
		},
		untilStopped(&finished, nil),
		// Parts that report their stop as context.Canceled stop cleanly.
		untilStopped(&finished, context.Canceled),
		untilStopped(&finished, fmt.Errorf("consume: %w", context.Canceled)),
	))
	if !errors.Is(err, boom) {
		t.Fatalf("RunTogether = %v, want the first failure", err)
	}
	if errors.Is(err, context.Canceled) {
		t.Errorf("RunTogether = %v: a part stopped by the failure is not itself a failure", err)
	}
	if n := finished.Load(); n != 4 {
		t.Errorf("RunTogether returned before the other parts finished (%d of 4)", n)
	}
	if time.Since(start) > 5*time.Second {
		t.Error("the failure did not stop the other parts promptly")
	}
}

func TestRunTogetherKeepsEveryFailure(t *testing.T) {
	first, second := errors.New("first"), errors.New("flush at stop failed")
	err := result(t, runAsync(context.Background(),
		func(ctx context.Context) error { return first },
		func(ctx context.Context) error { <-ctx.Done(); return second },
	))
	if !errors.Is(err, first) || !errors.Is(err, second) {
		t.Errorf("RunTogether = %v, want both failures", err)
	}
}

func TestRunTogetherCancelStopsAllAndReturnsNil(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var finished atomic.Int32
	done := runAsync(ctx,
		untilStopped(&finished, nil),
		untilStopped(&finished, nil),
		untilStopped(&finished, context.Canceled),
	)
	select {
	case err := <-done:
		t.Fatalf("RunTogether returned %v before ctx was cancelled", err)
	case <-time.After(50 * time.Millisecond):
	}
	cancel()
	if err := result(t, done); err != nil {
		t.Errorf("RunTogether after cancel = %v, want nil", err)
	}
	if n := finished.Load(); n != 3 {
		t.Errorf("%d of 3 parts finished when RunTogether returned", n)
	}
}

func TestRunTogetherPartEndingCleanlyDoesNotStopOthers(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var finished atomic.Int32
	done := runAsync(ctx,
		func(context.Context) error { return nil }, // e.g. a one-shot task
		untilStopped(&finished, nil),
	)
	select {
	case err := <-done:
		t.Fatalf("RunTogether returned %v when one part ended cleanly", err)
	case <-time.After(100 * time.Millisecond):
	}
	cancel()
	if err := result(t, done); err != nil || finished.Load() != 1 {
		t.Errorf("RunTogether = %v, finished %d", err, finished.Load())
	}
}

func TestRunTogetherCanceledBeforeStopIsAFailure(t *testing.T) {
	// A part that fails with context.Canceled of its own (not because it was stopped) is a failure.
	err := result(t, runAsync(context.Background(),
		func(context.Context) error { return fmt.Errorf("call: %w", context.Canceled) },
	))
	if err == nil {
		t.Error("RunTogether = nil for a part that failed on its own")
	}
	if err := result(t, runAsync(context.Background())); err != nil {
		t.Errorf("RunTogether with no parts = %v", err)
	}
}

func TestShutdownWithinBoundsTheWait(t *testing.T) {
	start := time.Now()
	ShutdownWithin(100*time.Millisecond, func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	})
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("ShutdownWithin waited %v", took)
	}
}

func TestRunStandaloneGivesTheServiceItsHost(t *testing.T) {
	// The embedded NATS server and the tracer provider are real; the logger writes to stderr.
	dir := t.TempDir()
	cfg := Config{DataDir: dir, CallerKey: "0123456789abcdef"}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	t.Run("clean stop", func(t *testing.T) {
		runCtx, stop := context.WithCancel(ctx)
		err := RunStandalone(runCtx, "testsvc", cfg, "127.0.0.1:0", func(ctx context.Context, h Host) error {
			defer h.Listener.Close()
			if h.Name != "testsvc" || h.DataDir != dir || h.Logger == nil || h.TracerProvider == nil {
				t.Errorf("host = %+v", h)
			}
			if addr, ok := h.Listener.Addr().(*net.TCPAddr); !ok || !addr.IP.IsLoopback() || addr.Port == 0 {
				t.Errorf("listener on %v", h.Listener.Addr())
			}
			// The streams are declared before the service starts.
			if _, err := h.JetStream.Stream(ctx, eventbus.DeadLetterStream); err != nil {
				t.Errorf("dead-letter stream: %v", err)
			}
			ack, err := h.JetStream.Publish(ctx, eventbus.Subject(eventbus.ProducerProfile, "Thing", "p-1"), []byte("x"))
			if err != nil || ack.Stream != "PROFILE" {
				t.Errorf("publish: %+v, %v", ack, err)
			}
			stop()
			<-ctx.Done()
			return ctx.Err() // a service that reports its stop as context.Canceled
		})
		if err != nil {
			t.Errorf("RunStandalone = %v, want nil after a clean stop", err)
		}
		if _, err := os.Stat(dir + "/nats"); err != nil {
			t.Errorf("embedded NATS did not store under the data directory: %v", err)
		}
	})

	t.Run("failure", func(t *testing.T) {
		boom := errors.New("migration failed")
		err := RunStandalone(ctx, "testsvc", cfg, "127.0.0.1:0", func(ctx context.Context, h Host) error {
			h.Listener.Close()
			// The stream written by the previous run is still there.
			s, err := h.JetStream.Stream(ctx, "PROFILE")
			if err != nil {
				return err
			}
			if n := s.CachedInfo().State.Msgs; n != 1 {
				t.Errorf("PROFILE holds %d messages after a restart, want 1", n)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Errorf("RunStandalone = %v, want the service's error", err)
		}
	})

	t.Run("bad listen address", func(t *testing.T) {
		err := RunStandalone(ctx, "testsvc", cfg, "256.0.0.1:1", func(context.Context, Host) error {
			t.Error("the service ran without a listener")
			return nil
		})
		if err == nil || !strings.Contains(err.Error(), "listen") {
			t.Errorf("RunStandalone = %v, want a listen error", err)
		}
	})
}

// A service on its own is reachable on a port: without the internal key it does not start, and
// says which setting is missing, unless the insecure opt-out is set.
func TestRunStandaloneRefusesToStartWithoutKey(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	dir := t.TempDir()
	env := envconfig.FromMap(map[string]string{EnvDataDir: dir})
	cfg := LoadConfig(env)
	err := RunStandalone(ctx, "testsvc", cfg, "127.0.0.1:0", func(context.Context, Host) error {
		t.Error("the service ran without the internal key")
		return nil
	})
	if !errors.Is(err, ErrNoCallerKey) {
		t.Fatalf("RunStandalone without a key = %v, want ErrNoCallerKey", err)
	}
	for _, name := range []string{EnvCallerKey, EnvCallerKeyInsecure} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("the error does not name %s: %v", name, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("something started before the refusal: the data directory holds %v", entries)
	}

	env = envconfig.FromMap(map[string]string{EnvDataDir: dir, EnvCallerKeyInsecure: "1"})
	cfg = LoadConfig(env)
	if env.Err() != nil || !cfg.InsecureNoCallerKey {
		t.Fatalf("the opt-out was not read: %+v, %v", cfg, env.Err())
	}
	ran := false
	err = RunStandalone(ctx, "testsvc", cfg, "127.0.0.1:0", func(_ context.Context, h Host) error {
		h.Listener.Close()
		ran = true
		if len(h.CallerKey) != 0 {
			t.Errorf("host key %q, want none", h.CallerKey)
		}
		return nil
	})
	if err != nil || !ran {
		t.Errorf("with %s=1: RunStandalone = %v, ran %v; want it to start", EnvCallerKeyInsecure, err, ran)
	}
}

func TestLoadConfigNamesEveryBadVariable(t *testing.T) {
	env := envconfig.FromMap(map[string]string{
		EnvStreamReplicas: "banana", EnvNATSURL: "localhost:4222", EnvAllowUnreplicated: "perhaps",
		EnvOTLPEndpoint: "collector", EnvCallerKey: "short", EnvCallerKeyInsecure: "maybe",
	})
	LoadConfig(env)
	err := env.Err()
	if err == nil {
		t.Fatal("bad settings accepted")
	}
	for _, name := range []string{EnvStreamReplicas, EnvNATSURL, EnvAllowUnreplicated, EnvOTLPEndpoint, EnvCallerKey, EnvCallerKeyInsecure} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s:\n%v", name, err)
		}
	}
}

func TestZeroConfigIsTheDefault(t *testing.T) {
	env := envconfig.FromMap(nil)
	if c := LoadConfig(env); c != (Config{}) || env.Err() != nil {
		t.Fatalf("empty environment: %+v, %v", c, env.Err())
	}
	if got := (Config{}).DataDirOrDefault(); got != "./data" {
		t.Errorf("default data directory %q", got)
	}
	if s := (Config{}).StreamSettings("c1"); s.Replicas != 0 || s.Cluster != "c1" || s.AllowUnreplicated {
		t.Errorf("stream settings %+v", s)
	}
}

var thingsTable = sqlstore.MigrationSet{Name: "things", FS: fstest.MapFS{
	"0001_things.sql": {Data: []byte(`CREATE TABLE things (id TEXT PRIMARY KEY);`)},
}}

func TestOpenDatabaseRefusesABadURLWithoutShowingIt(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if _, err := OpenDatabase(context.Background(), "svc", t.TempDir(), "mysql://root:pw@h/db", logger); err == nil ||
		strings.Contains(err.Error(), "pw") {
		t.Errorf("bad URL: %v", err)
	}
}

// A component's database is PostgreSQL when a URL is given, otherwise <name>.db in the data
// directory, migrated; the log says which, never with the password.
func TestOpenDatabaseOnEachBackend(t *testing.T) {
	for _, b := range sqltest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			databaseURL, _ := b.NewDatabase(t)
			password := ""
			if databaseURL != "" {
				// The test server trusts local connections: a password in the URL is never asked.
				u, err := url.Parse(databaseURL)
				if err != nil {
					t.Fatal(err)
				}
				if u.User != nil && u.User.Username() != "" {
					var ok bool
					if password, ok = u.User.Password(); !ok {
						password = "never-in-the-logs-7d1f"
						u.User = url.UserPassword(u.User.Username(), password)
						databaseURL = u.String()
					}
				}
			}
			dataDir := t.TempDir()
			var logs bytes.Buffer
			db, err := OpenDatabase(context.Background(), "gateway", dataDir, databaseURL, slog.New(slog.NewJSONHandler(&logs, nil)), thingsTable)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if got := sqlstore.BackendOf(db); got != b.Kind {
				t.Errorf("backend %s, want %s", got, b.Kind)
			}
			if _, err := db.Exec(`INSERT INTO things (id) VALUES ('a')`); err != nil {
				t.Errorf("migrations not applied: %v", err)
			}
			where := filepath.Join(dataDir, "gateway.db")
			_, statErr := os.Stat(where)
			if b.Kind == sqlstore.Postgres {
				where = sqlstore.RedactURL(databaseURL)
				if statErr == nil {
					t.Error("gateway.db was created although the database is PostgreSQL")
				}
			} else if statErr != nil {
				t.Errorf("no gateway.db: %v", statErr)
			}
			if want := `"backend":"` + string(b.Kind) + `","database":"` + where + `"`; !strings.Contains(logs.String(), want) {
				t.Errorf("logs %s\ndo not contain %s", logs.String(), want)
			}
			if password != "" && strings.Contains(logs.String(), password) {
				t.Errorf("logs leak the password: %s", logs.String())
			}
		})
	}
}

func TestStartGivesTheServiceItsBaseAndClosesWhatItOpened(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := Host{Name: "svc", DataDir: t.TempDir(), Listener: lis, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		TracerProvider: noop.NewTracerProvider()}
	base, err := h.Start(context.Background(), Needs{Migrations: []sqlstore.MigrationSet{thingsTable},
		Peers: map[string]string{"peer": "127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := base.DB.Exec(`INSERT INTO things (id) VALUES ('a')`); err != nil {
		t.Errorf("database not migrated: %v", err)
	}
	if base.Peer("peer") == nil || base.Peer("other") != nil || base.GRPC == nil || base.Relay == nil {
		t.Errorf("base %+v", base)
	}
	base.Close()
	if err := base.DB.Ping(); err == nil {
		t.Error("database still open after Close")
	}
	if _, err := lis.Accept(); err == nil {
		t.Error("listener still open after Close")
	}

	// A start that fails closes the listener: the service never serves it.
	lis2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.Listener = lis2
	if _, err := h.Start(context.Background(), Needs{DatabaseURL: "postgres://nobody@127.0.0.1:1/none?connect_timeout=1"}); err == nil {
		t.Fatal("Start succeeded without a database")
	}
	if _, err := lis2.Accept(); err == nil {
		t.Error("listener still open after a failed Start")
	}
}

// TestTheNATSMonitorStaysOnLoopback: the embedded server's monitoring may be asked for on a
// loopback address only; another is refused naming the variable.
func TestTheNATSMonitorStaysOnLoopback(t *testing.T) {
	env := envconfig.FromMap(map[string]string{EnvNATSMonitorAddr: "127.0.0.1:8222"})
	if cfg := LoadConfig(env); env.Err() != nil || cfg.NATSMonitorAddr != "127.0.0.1:8222" || len(cfg.EmbeddedOptions()) != 1 {
		t.Fatalf("loopback monitor: %+v %v", cfg, env.Err())
	}
	env = envconfig.FromMap(map[string]string{EnvNATSMonitorAddr: "0.0.0.0:8222"})
	if cfg := LoadConfig(env); env.Err() == nil || !strings.Contains(env.Err().Error(), EnvNATSMonitorAddr) || cfg.NATSMonitorAddr != "" {
		t.Fatalf("an open monitor was accepted: %+v %v", cfg, env.Err())
	}
}
