// Command outboxsvc is the smallest service that writes through the outbox, run as a real
// process by the fault test deploy/faults/outboxcrash. It commits events with outbox.Add, one
// transaction per event, then relays them to JetStream with outbox.Relay, as the platform's
// services do, and stops once no row is left unsent.
//
// The test makes it kill itself with SIGKILL (no deferred call, no flush, no clean close: a
// crash) at a failpoint named by OUTBOXSVC_FAILPOINT:
//
//	after-commit      every row is committed; the relay has not started, nothing is published
//	after-publish:K   the K-th publish of this run was acknowledged by JetStream; the relay has
//	                  not marked that row sent
//
// It reports on stdout, one JSON object per line: {"event":"crash",…} just before a failpoint
// kills it, {"event":"done",…} when every row is sent.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	"github.com/caiomatch/caiomatch/pkg/outbox"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
)

// EnvFailpoint names the variable holding the failpoint.
const EnvFailpoint = "OUTBOXSVC_FAILPOINT"

type config struct {
	dbPath    string
	natsURL   string
	write     int
	firstID   int
	failpoint failpoint
}

// failpoint is where the process kills itself; the zero value never fires.
type failpoint struct {
	afterCommit  bool
	afterPublish int // 0: never
}

func parseFailpoint(raw string) (failpoint, error) {
	switch {
	case raw == "":
		return failpoint{}, nil
	case raw == "after-commit":
		return failpoint{afterCommit: true}, nil
	case strings.HasPrefix(raw, "after-publish:"):
		k, err := strconv.Atoi(strings.TrimPrefix(raw, "after-publish:"))
		if err != nil || k < 1 {
			return failpoint{}, fmt.Errorf("%s=%q: want after-publish:K with K ≥ 1", EnvFailpoint, raw)
		}
		return failpoint{afterPublish: k}, nil
	}
	return failpoint{}, fmt.Errorf("%s=%q: want after-commit or after-publish:K", EnvFailpoint, raw)
}

func main() {
	var cfg config
	flag.StringVar(&cfg.dbPath, "db", "", "SQLite database holding the outbox")
	flag.StringVar(&cfg.natsURL, "nats", "", "NATS server URL")
	flag.IntVar(&cfg.write, "write", 0, "events to commit before relaying")
	flag.IntVar(&cfg.firstID, "first", 0, "number of the first event written (aggregate ids outboxcrash-<n>)")
	flag.Parse()
	fp, err := parseFailpoint(os.Getenv(EnvFailpoint))
	if err == nil && (cfg.dbPath == "" || cfg.natsURL == "") {
		err = errors.New("-db and -nats are required")
	}
	if err == nil {
		cfg.failpoint = fp
		err = run(context.Background(), cfg)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "outboxsvc:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg config) error {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	db, err := sqlstore.OpenSQLite(ctx, cfg.dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := sqlstore.Migrate(ctx, db, outbox.Migrations()); err != nil {
		return err
	}
	nc, err := eventbus.ConnectURL(cfg.natsURL, "outboxsvc", slog.Default())
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	if err := eventbus.EnsureStreams(ctx, js, eventbus.StreamSettings{}); err != nil {
		return err
	}

	for i := range cfg.write {
		if err := commitEvent(ctx, db, cfg.firstID+i); err != nil {
			return err
		}
	}
	if cfg.failpoint.afterCommit {
		crash(report{Event: "crash", Failpoint: "after-commit", Committed: cfg.write})
	}

	unsentAtStart, err := unsent(ctx, db)
	if err != nil {
		return err
	}
	started := time.Now()
	counted := &countingJetStream{JetStream: js, crashAfter: cfg.failpoint.afterPublish}
	relay := outbox.NewRelay(db, counted, noop.NewTracerProvider(), logger)
	relay.PollInterval = 50 * time.Millisecond
	relayCtx, stopRelay := context.WithCancel(ctx)
	relayDone := make(chan error, 1)
	go func() { relayDone <- relay.Run(relayCtx) }()
	relay.Notify()

	deadline := time.Now().Add(2 * time.Minute)
	for {
		n, err := unsent(ctx, db)
		if err != nil {
			stopRelay()
			return err
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			stopRelay()
			return fmt.Errorf("%d rows still unsent after 2 minutes", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	stopRelay()
	if err := <-relayDone; err != nil {
		return err
	}
	published, duplicates := counted.counts()
	emit(report{Event: "done", UnsentAtStart: unsentAtStart, Published: published, Duplicates: duplicates,
		RelayMillis: time.Since(started).Milliseconds()})
	return nil
}

// commitEvent stores one event in its own committed transaction, as a use case would with its
// state change.
func commitEvent(ctx context.Context, db *sql.DB, n int) error {
	id := fmt.Sprintf("outboxcrash-%06d", n)
	ev, err := eventbus.NewEvent(eventbus.ProducerMission, id,
		&missionv1.MissionCancelled{MissionId: id, FirmId: "firm-outboxcrash"}, time.Now())
	if err != nil {
		return err
	}
	return sqlstore.InTx(ctx, db, func(tx *sql.Tx) error { return outbox.Add(ctx, tx, ev) })
}

func unsent(ctx context.Context, db *sql.DB) (int, error) {
	var n int
	err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL`).Scan(&n)
	return n, err
}

// countingJetStream is the JetStream the relay publishes through: it counts acknowledged
// publishes (and those JetStream reported as duplicates) and holds the after-publish
// failpoint, which fires after PublishMsg returned the ack, so before the relay marks the row.
type countingJetStream struct {
	jetstream.JetStream
	crashAfter int

	mu         sync.Mutex
	published  int
	duplicates int
}

func (c *countingJetStream) PublishMsg(ctx context.Context, msg *nats.Msg, opts ...jetstream.PublishOpt) (*jetstream.PubAck, error) {
	ack, err := c.JetStream.PublishMsg(ctx, msg, opts...)
	if err != nil {
		return ack, err
	}
	c.mu.Lock()
	c.published++
	if ack.Duplicate {
		c.duplicates++
	}
	published, duplicates := c.published, c.duplicates
	c.mu.Unlock()
	if c.crashAfter > 0 && published == c.crashAfter {
		crash(report{Event: "crash", Failpoint: fmt.Sprintf("after-publish:%d", c.crashAfter),
			Published: published, Duplicates: duplicates,
			EventID: msg.Header.Get(jetstream.MsgIDHeader), StreamSeq: ack.Sequence, Duplicate: ack.Duplicate})
	}
	return ack, nil
}

func (c *countingJetStream) counts() (published, duplicates int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.published, c.duplicates
}

// report is one line of the program's output.
type report struct {
	Event         string `json:"event"`
	Failpoint     string `json:"failpoint,omitempty"`
	Committed     int    `json:"committed,omitempty"`
	UnsentAtStart int    `json:"unsent_at_start,omitempty"`
	Published     int    `json:"published"`
	Duplicates    int    `json:"duplicates"`
	EventID       string `json:"event_id,omitempty"`
	StreamSeq     uint64 `json:"stream_seq,omitempty"`
	Duplicate     bool   `json:"duplicate,omitempty"`
	RelayMillis   int64  `json:"relay_ms,omitempty"`
}

func emit(r report) {
	line, _ := json.Marshal(r)
	// os.Stdout is unbuffered: the line is with the reader before the process dies.
	_, _ = os.Stdout.Write(append(line, '\n'))
}

// crash reports, then kills the process with SIGKILL, like the OOM killer or a node loss would:
// no deferred call runs, the database and the NATS connection are left as they are.
func crash(r report) {
	emit(r)
	self, err := os.FindProcess(os.Getpid())
	if err == nil {
		err = self.Kill()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "outboxsvc: cannot kill myself:", err)
		os.Exit(3)
	}
	select {} // the signal is on its way
}
