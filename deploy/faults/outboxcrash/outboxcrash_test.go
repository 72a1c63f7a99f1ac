package outboxcrash_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/trace/noop"
	"google.golang.org/protobuf/proto"

	"github.com/caiomatch/caiomatch/deploy/faults/faultstest"
	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/eventbus/eventbustest"
	eventsv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/events/v1"
	_ "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1" // the payload type of the events
	"github.com/caiomatch/caiomatch/pkg/inbox"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
)

// full is CAIOMATCH_FAULTS=full (make faults); otherwise the short version CI runs.
var full = os.Getenv("CAIOMATCH_FAULTS") == "full"

// scenario is one life of the outboxsvc process: rows committed by the first run, then one run
// per failpoint, the last one without a failpoint.
type scenario struct {
	name       string
	rows       int
	failpoints []string // one crashing run each; a clean run follows
	// republished is the fewest publishes that must be re-publishes of a stored event: at least
	// one per crash after a publish, none for a crash before the publish. The relay marks a
	// batch's rows sent once it has published them, so a crash re-publishes the whole unmarked
	// prefix of its batch; JetStream must drop every one of them.
	republished int
}

func scenarios() []scenario {
	if !full {
		return []scenario{
			{name: "after-commit", rows: 200, failpoints: []string{"after-commit"}},
			{name: "after-publish", rows: 200, failpoints: []string{"after-publish:100"}, republished: 1},
		}
	}
	return []scenario{
		{name: "after-commit", rows: 2000, failpoints: []string{"after-commit"}},
		// The third run dies right after re-publishing the row the second one died on: the same
		// event is then published three times and must still be stored once.
		{name: "after-publish", rows: 5000, failpoints: []string{"after-publish:1000", "after-publish:1500", "after-publish:1"},
			republished: 3},
		{name: "commit-then-publish", rows: 3000, failpoints: []string{"after-commit", "after-publish:1", "after-publish:2999"},
			republished: 2},
	}
}

func TestCrashBetweenCommitAndPublish(t *testing.T) {
	bin, _ := faultstest.Build(t, "", "./cmd/outboxsvc")
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) { runScenario(t, bin, sc) })
	}
}

// outboxsvcReport is what the test reads of the last line outboxsvc printed (see its package
// comment): a crash at a failpoint, or done.
type outboxsvcReport struct {
	Event      string `json:"event"`
	Failpoint  string `json:"failpoint"`
	Published  int    `json:"published"`  // acknowledged publishes of this run
	Duplicates int    `json:"duplicates"` // those JetStream dropped as duplicates
	EventID    string `json:"event_id"`   // the event published last before an after-publish crash
}

func runScenario(t *testing.T, bin string, sc scenario) {
	dir := t.TempDir()
	natsURL, js := faultstest.StartNATS(t, filepath.Join(dir, "nats"), "outboxcrash")
	c := startConsumer(t, js, filepath.Join(dir, "consumer.db"))
	dbPath := filepath.Join(dir, "outboxsvc.db")

	// The crashing runs. The first one writes the rows.
	var (
		republished int
		crashes     []string
	)
	for i, fp := range sc.failpoints {
		write := 0
		if i == 0 {
			write = sc.rows
		}
		before := streamCount(t, js)
		rep, _ := runOutboxsvc(t, bin, dbPath, natsURL, write, fp)
		if rep.Event != "crash" || rep.Failpoint != fp {
			t.Fatalf("run %d with %s: reported %+v, want a crash there", i+1, fp, rep)
		}
		republished += rep.Duplicates
		unsent := countUnsent(t, dbPath)
		if unsent == 0 {
			t.Fatalf("run %d left no row unsent: nothing to prove", i+1)
		}
		// What the crash left: after the commits, nothing new in the stream; after a publish, the
		// event is in the stream but its row is unsent.
		if fp == "after-commit" && streamCount(t, js) != before {
			t.Fatalf("run %d published before the after-commit failpoint", i+1)
		}
		if strings.HasPrefix(fp, "after-publish") {
			if !streamHolds(t, js, rep.EventID) {
				t.Fatalf("run %d: the event published before the crash is not in the stream", i+1)
			}
			if !rowUnsent(t, dbPath, rep.EventID) {
				t.Fatalf("run %d: the row published before the crash is marked sent: the failpoint fired too late", i+1)
			}
		}
		crashes = append(crashes, fmt.Sprintf("%s(published=%d,dropped_dup=%d,unsent_left=%d)", fp, rep.Published, rep.Duplicates, unsent))
	}

	// The restart without a failpoint relays the rest.
	restart := time.Now()
	done, elapsed := runOutboxsvc(t, bin, dbPath, natsURL, 0, "")
	if done.Event != "done" {
		t.Fatalf("clean run reported %+v", done)
	}
	republished += done.Duplicates
	if unsent := countUnsent(t, dbPath); unsent != 0 {
		t.Fatalf("%d rows unsent after the clean run", unsent)
	}

	// Every committed event reaches the consumer.
	ids := outboxIDs(t, dbPath)
	if len(ids) != sc.rows {
		t.Fatalf("outbox holds %d rows, want %d", len(ids), sc.rows)
	}
	c.waitApplied(t, len(ids), 60*time.Second)
	drained := time.Since(restart)
	c.waitIdle(t, js)

	// The stream: each event once, whatever was re-published.
	perID := streamMsgIDs(t, js)
	stored, duplicatesInStream := 0, 0
	for _, n := range perID {
		stored += n
		duplicatesInStream += n - 1
	}
	if duplicatesInStream != 0 || stored != sc.rows {
		t.Errorf("the stream holds %d messages for %d events (%d duplicates), want each of the %d once",
			stored, len(perID), duplicatesInStream, sc.rows)
	}
	if republished < sc.republished || (sc.republished == 0 && republished != 0) {
		t.Errorf("%d re-publishes of stored events, want at least %d (exactly 0 when no crash followed a publish)",
			republished, sc.republished)
	}

	// The consumer: delivered once and applied once per event, nothing else.
	deliveries, applied := c.snapshot(t)
	exactlyOnce := 0
	for _, id := range ids {
		if perID[id] != 1 {
			t.Errorf("event %s is held %d times in the stream", id, perID[id])
		}
		if deliveries[id] == 1 && applied[id] == 1 {
			exactlyOnce++
		} else {
			t.Errorf("event %s delivered %d times, applied %d times", id, deliveries[id], applied[id])
		}
	}
	if len(deliveries) != len(ids) || len(applied) != len(ids) {
		t.Errorf("consumer saw %d events and applied %d, want %d", len(deliveries), len(applied), len(ids))
	}
	if n := deadLettered(t, js); n != 0 {
		t.Errorf("%d messages dead-lettered", n)
	}

	fmt.Printf("FIGURES outboxcrash scenario=%s rows=%d crashes=%s republished=%d "+
		"duplicates_in_stream=%d delivered_exactly_once=%d/%d restart_relay=%s restart_to_all_applied=%s\n",
		sc.name, sc.rows, strings.Join(crashes, ","), republished, duplicatesInStream,
		exactlyOnce, len(ids), elapsed.Round(time.Millisecond), drained.Round(time.Millisecond))
}

// runOutboxsvc runs the program to its end: a crash must be a SIGKILL at the failpoint, a run
// without failpoint must exit 0. It returns the last line reported and how long the run took.
func runOutboxsvc(t *testing.T, bin, dbPath, natsURL string, write int, failpoint string) (outboxsvcReport, time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-db", dbPath, "-nats", natsURL, "-write", fmt.Sprint(write))
	cmd.Env = append(os.Environ(), "OUTBOXSVC_FAILPOINT="+failpoint)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	started := time.Now()
	err := cmd.Run()
	elapsed := time.Since(started)
	ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
	switch {
	case failpoint != "" && !(ws.Signaled() && ws.Signal() == syscall.SIGKILL):
		t.Fatalf("outboxsvc with failpoint %s ended with %v, want killed by SIGKILL\nstdout: %s\nstderr: %s",
			failpoint, err, stdout.String(), stderr.String())
	case failpoint == "" && err != nil:
		t.Fatalf("outboxsvc without failpoint: %v\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	var rep outboxsvcReport
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &rep); err != nil {
		t.Fatalf("outboxsvc report %q: %v", stdout.String(), err)
	}
	return rep, elapsed
}

// consumer is an idempotent consumer as the services write them: it claims the event id in its
// inbox in the same transaction as its effect (a row in applied). It also counts raw
// deliveries, before the inbox.
type consumer struct {
	db         *sql.DB
	mu         sync.Mutex
	deliveries map[string]int
}

const durable = "outboxcrash-check"

func startConsumer(t *testing.T, js jetstream.JetStream, dbPath string) *consumer {
	t.Helper()
	ctx := t.Context()
	db, err := sqlstore.OpenSQLite(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := sqlstore.Migrate(ctx, db, inbox.Migrations()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE applied (event_id TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	c := &consumer{db: db, deliveries: map[string]int{}}
	spec := eventbus.ConsumerSpec{Stream: eventbus.StreamOf(eventbus.ProducerMission), Durable: durable,
		FilterSubjects: []string{eventbus.Subject(eventbus.ProducerMission, "MissionCancelled", ">")}}
	cons := eventbus.NewConsumer(js, spec, c.handle, noop.NewTracerProvider(), slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})))
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cons.Run(runCtx) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("consumer: %v", err)
		}
	})
	return c
}

func (c *consumer) handle(ctx context.Context, env *eventsv1.Envelope, _ proto.Message) error {
	c.mu.Lock()
	c.deliveries[env.GetEventId()]++
	c.mu.Unlock()
	return sqlstore.InTx(ctx, c.db, func(tx *sql.Tx) error {
		claimed, err := inbox.Claim(ctx, tx, durable, env.GetEventId())
		if err != nil || !claimed {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO applied (event_id) VALUES ($1)`, env.GetEventId())
		return err
	})
}

func (c *consumer) waitApplied(t *testing.T, n int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		var got int
		if err := c.db.QueryRow(`SELECT COUNT(*) FROM applied`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d events applied after %s", got, n, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitIdle waits until the consumer has nothing pending nor unacknowledged, then a little
// more, so that a late duplicate delivery would be counted.
func (c *consumer) waitIdle(t *testing.T, js jetstream.JetStream) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		cons, err := js.Consumer(t.Context(), eventbus.StreamOf(eventbus.ProducerMission), durable)
		if err != nil {
			t.Fatal(err)
		}
		info, err := cons.Info(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if info.NumPending == 0 && info.NumAckPending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("consumer not idle: %d pending, %d unacknowledged", info.NumPending, info.NumAckPending)
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
}

func (c *consumer) snapshot(t *testing.T) (deliveries, applied map[string]int) {
	t.Helper()
	c.mu.Lock()
	deliveries = make(map[string]int, len(c.deliveries))
	for k, v := range c.deliveries {
		deliveries[k] = v
	}
	c.mu.Unlock()
	applied = map[string]int{}
	rows, err := c.db.Query(`SELECT event_id FROM applied`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		applied[id]++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return deliveries, applied
}

// openOutbox opens the database outboxsvc left behind, while no outboxsvc runs.
func openOutbox(t *testing.T, dbPath string) *sql.DB {
	t.Helper()
	db, err := sqlstore.OpenSQLite(t.Context(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func countUnsent(t *testing.T, dbPath string) int {
	t.Helper()
	db := openOutbox(t, dbPath)
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func rowUnsent(t *testing.T, dbPath, eventID string) bool {
	t.Helper()
	db := openOutbox(t, dbPath)
	defer db.Close()
	var sentAt sql.NullString
	err := db.QueryRow(`SELECT sent_at FROM outbox WHERE event_id = $1`, eventID).Scan(&sentAt)
	if errors.Is(err, sql.ErrNoRows) {
		t.Fatalf("event %s is not in the outbox", eventID)
	}
	if err != nil {
		t.Fatal(err)
	}
	return !sentAt.Valid
}

func outboxIDs(t *testing.T, dbPath string) []string {
	t.Helper()
	db := openOutbox(t, dbPath)
	defer db.Close()
	var ids []string
	for _, ev := range eventbustest.OutboxEvents(t, db) {
		ids = append(ids, ev.MsgID)
	}
	return ids
}

func missionStream(t *testing.T, js jetstream.JetStream) jetstream.Stream {
	t.Helper()
	s, err := js.Stream(t.Context(), eventbus.StreamOf(eventbus.ProducerMission))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func streamCount(t *testing.T, js jetstream.JetStream) uint64 {
	t.Helper()
	info, err := missionStream(t, js).Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

// streamMsgIDs counts the stream's messages by Nats-Msg-Id (the event id).
func streamMsgIDs(t *testing.T, js jetstream.JetStream) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, m := range eventbustest.Read(t, js, eventbus.StreamOf(eventbus.ProducerMission), "") {
		out[m.MsgID]++
	}
	return out
}

func deadLettered(t *testing.T, js jetstream.JetStream) uint64 {
	t.Helper()
	s, err := js.Stream(t.Context(), eventbus.DeadLetterStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

func streamHolds(t *testing.T, js jetstream.JetStream, eventID string) bool {
	t.Helper()
	return streamMsgIDs(t, js)[eventID] == 1
}
