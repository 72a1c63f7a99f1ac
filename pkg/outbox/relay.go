package outbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/pkg/telemetry"
)

// Relay publishes committed outbox rows in order, each with Nats-Msg-Id = event id so that a
// re-publish after a crash is dropped by JetStream's duplicate window.
//
// "In order" is seq order among the rows committed when a batch is read. SQLite commits writers
// one at a time, so that is the order of the transactions. PostgreSQL numbers rows as they are
// inserted but commits transactions side by side: a row may become visible after a higher seq
// was already published. Events of one aggregate still go out in order when their transactions
// write (and so lock) the aggregate's row before adding to the outbox: the second transaction
// takes its seq only after the first committed.
type Relay struct {
	db     *sql.DB
	js     jetstream.JetStream
	tracer trace.Tracer
	logger *slog.Logger
	wake   chan struct{}
	// PollInterval bounds how long a row waits when no Notify arrives (e.g. after a restart).
	PollInterval time.Duration
	BatchSize    int
	// SentRetention is how long a sent row stays in the outbox (for an operator looking into a
	// recent publish); older ones are deleted about every PruneInterval. 0 keeps them.
	SentRetention time.Duration
	PruneInterval time.Duration
	lastPrune     time.Time
	// published are told the type of each event published (OnPublished).
	published []func(eventType string)
}

// Defaults of Relay.SentRetention and PruneInterval: the stream keeps every event; the outbox
// needs a sent row only until its duplicate window has passed.
const (
	DefaultSentRetention = 7 * 24 * time.Hour
	DefaultPruneInterval = time.Hour
	pruneBatch           = 1000
)

// PruneSent deletes the rows sent before before, a batch at a time, and tells how many went.
func (r *Relay) PruneSent(ctx context.Context, before time.Time) (int, error) {
	pruned := 0
	for {
		res, err := r.db.ExecContext(ctx, `DELETE FROM outbox WHERE seq IN
			(SELECT seq FROM outbox WHERE sent_at IS NOT NULL AND sent_at < $1 ORDER BY seq LIMIT $2)`,
			sqlstore.FormatTime(before), pruneBatch)
		if err != nil {
			return pruned, fmt.Errorf("prune outbox: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return pruned, err
		}
		pruned += int(n)
		if n < pruneBatch {
			return pruned, nil
		}
	}
}

func (r *Relay) pruneWhenDue(ctx context.Context) {
	if r.SentRetention <= 0 || time.Since(r.lastPrune) < r.PruneInterval {
		return
	}
	r.lastPrune = time.Now()
	if _, err := r.PruneSent(ctx, time.Now().Add(-r.SentRetention)); err != nil && ctx.Err() == nil {
		r.logger.WarnContext(ctx, "outbox prune failed", "error", err)
	}
}

func NewRelay(db *sql.DB, js jetstream.JetStream, tp trace.TracerProvider, logger *slog.Logger) *Relay {
	return &Relay{
		db: db, js: js, logger: logger,
		tracer:        tp.Tracer("github.com/caiomatch/caiomatch/pkg/outbox"),
		wake:          make(chan struct{}, 1),
		PollInterval:  time.Second,
		BatchSize:     256,
		SentRetention: DefaultSentRetention,
		PruneInterval: DefaultPruneInterval,
	}
}

// Notify wakes the relay after a commit; it never blocks.
func (r *Relay) Notify() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run relays until ctx ends. Publish failures are retried with backoff; order is kept because a
// row is only passed once every row before it was acknowledged.
func (r *Relay) Run(ctx context.Context) error {
	backoff := 50 * time.Millisecond
	for {
		n, err := r.relayBatch(ctx)
		switch {
		case ctx.Err() != nil:
			return nil //nolint:nilerr // stopped by its context: a clean stop, whatever the batch's error
		case err != nil:
			r.logger.WarnContext(ctx, "outbox relay failed; retrying", "error", err, "backoff", backoff.String())
			if !sleep(ctx, backoff) {
				return nil
			}
			backoff = min(backoff*2, 5*time.Second)
			continue
		}
		backoff = 50 * time.Millisecond
		r.pruneWhenDue(ctx)
		if n == r.BatchSize {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-r.wake:
		case <-time.After(r.PollInterval):
		}
	}
}

type pending struct {
	seq         int64
	eventID     string
	subject     string
	data        []byte
	traceHeader string
}

func (r *Relay) relayBatch(ctx context.Context) (int, error) {
	batch, err := r.nextBatch(ctx)
	if err != nil {
		return 0, fmt.Errorf("read outbox: %w", err)
	}
	// Publish in order, one acknowledged publish at a time (so the stream keeps the outbox's
	// order), then mark the published prefix sent in one statement: one synced write per batch
	// instead of one per row, which kept the relay far behind busy handlers. A crash before the
	// mark re-publishes the prefix, and JetStream drops it by Nats-Msg-Id.
	published := 0
	var publishErr error
	for _, p := range batch {
		if publishErr = r.publish(ctx, p); publishErr != nil {
			break
		}
		published++
	}
	// Record what was published even when ctx ended mid-batch (a stop): it saves re-publishes.
	markCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	err = r.markSent(markCtx, batch[:published])
	cancel()
	if err != nil {
		return 0, err
	}
	if publishErr != nil {
		return published, publishErr
	}
	return len(batch), nil
}

// nextBatch reads the next rows not sent yet, in order.
func (r *Relay) nextBatch(ctx context.Context) ([]pending, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT seq, event_id, subject, data, trace_header FROM outbox
		WHERE sent_at IS NULL ORDER BY seq LIMIT $1`, r.BatchSize)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var batch []pending
	for rows.Next() {
		var p pending
		if err := rows.Scan(&p.seq, &p.eventID, &p.subject, &p.data, &p.traceHeader); err != nil {
			return nil, err
		}
		batch = append(batch, p)
	}
	return batch, rows.Err()
}

// markSent marks the given rows sent, by sequence number (never a range: on PostgreSQL a row
// with a lower sequence may commit later and must not be marked unpublished).
func (r *Relay) markSent(ctx context.Context, rows []pending) error {
	if len(rows) == 0 {
		return nil
	}
	args := []any{sqlstore.FormatTime(time.Now())}
	marks := make([]string, len(rows))
	for i, p := range rows {
		args = append(args, p.seq)
		marks[i] = fmt.Sprintf("$%d", i+2)
	}
	//nolint:gosec // G202: only placeholders ($2, $3…) are joined in; the values go as arguments
	if _, err := r.db.ExecContext(ctx, `UPDATE outbox SET sent_at = $1 WHERE seq IN (`+strings.Join(marks, ", ")+`)`,
		args...); err != nil {
		return fmt.Errorf("mark sent: %w", err)
	}
	return nil
}

func (r *Relay) publish(ctx context.Context, p pending) error {
	stored := propagation.MapCarrier{}
	if p.traceHeader != "" {
		_ = json.Unmarshal([]byte(p.traceHeader), &stored)
	}
	parent := otel.GetTextMapPropagator().Extract(ctx, stored)
	msg := &nats.Msg{Subject: p.subject, Data: p.data, Header: nats.Header{}}
	spanCtx, span := telemetry.StartPublish(parent, r.tracer, msg, p.eventID)
	defer span.End()
	pubCtx, cancel := context.WithTimeout(spanCtx, 10*time.Second)
	defer cancel()
	ack, err := r.js.PublishMsg(pubCtx, msg, jetstream.WithMsgID(p.eventID))
	if err != nil {
		telemetry.Fail(span, err, "publish failed")
		return fmt.Errorf("publish %s: %w", p.subject, err)
	}
	if ack.Duplicate {
		span.SetAttributes(attribute.Bool("caiomatch.duplicate", true))
	} else if len(r.published) > 0 {
		eventType := eventTypeOf(p.subject)
		for _, fn := range r.published {
			fn(eventType)
		}
	}
	if producer, aggregateID, ok := eventbus.ErasureOf(p.subject); ok {
		// Before the row is marked sent: a crash here re-publishes (a duplicate, acknowledged
		// with the stored sequence) and erases again.
		n, err := eventbus.EraseAggregate(pubCtx, r.js, producer, aggregateID, ack.Sequence)
		if err != nil {
			telemetry.Fail(span, err, "erasure of earlier events failed")
			return err
		}
		span.SetAttributes(attribute.Int("caiomatch.erased_events", n))
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// OnPublished tells fn the type of each event the relay publishes ("OfferMade"), once: a
// re-publish JetStream drops as a duplicate (after a crash, or by another replica's relay) is
// not told again. It is how a service counts what it did, once committed. Call it before Run.
func (r *Relay) OnPublished(fn func(eventType string)) {
	r.published = append(r.published, fn)
}

// eventTypeOf reads the type out of an event's subject (caiomatch.<producer>.v1.<type>.<id>).
func eventTypeOf(subject string) string {
	parts := strings.SplitN(subject, ".", 5)
	if len(parts) < 4 {
		return ""
	}
	return parts[3]
}

// metricsTimeout bounds the outbox query made at each scrape.
const metricsTimeout = 2 * time.Second

// RegisterMetrics publishes the outbox's state, read at each scrape and labelled with service:
// caiomatch.outbox.backlog, the rows not published yet, and caiomatch.outbox.relay_lag, the age
// of the oldest of them (0 when there is none): a relay that stopped publishing shows as a lag
// that grows.
func (r *Relay) RegisterMetrics(mp metric.MeterProvider, service string) error {
	meter := mp.Meter("github.com/caiomatch/caiomatch/pkg/outbox")
	backlog, err := meter.Int64ObservableGauge("caiomatch.outbox.backlog",
		metric.WithDescription("outbox rows not published yet"))
	if err != nil {
		return err
	}
	lag, err := meter.Float64ObservableGauge("caiomatch.outbox.relay_lag", metric.WithUnit("s"),
		metric.WithDescription("age of the oldest outbox row not published yet; 0 when none waits"))
	if err != nil {
		return err
	}
	labels := metric.WithAttributes(attribute.String("service", service))
	_, err = meter.RegisterCallback(func(ctx context.Context, o metric.Observer) error {
		ctx, cancel := context.WithTimeout(ctx, metricsTimeout)
		defer cancel()
		waiting, oldest, err := r.unsent(ctx)
		if err != nil {
			return err
		}
		o.ObserveInt64(backlog, waiting, labels)
		age := 0.0
		if waiting > 0 {
			age = max(time.Since(oldest).Seconds(), 0)
		}
		o.ObserveFloat64(lag, age, labels)
		return nil
	}, backlog, lag)
	return err
}

// unsent counts the rows not published yet and tells when the oldest was written.
func (r *Relay) unsent(ctx context.Context) (int64, time.Time, error) {
	var (
		n      int64
		oldest sql.NullString
	)
	if err := r.db.QueryRowContext(ctx, `SELECT COUNT(*), MIN(created_at) FROM outbox WHERE sent_at IS NULL`).
		Scan(&n, &oldest); err != nil {
		return 0, time.Time{}, fmt.Errorf("outbox backlog: %w", err)
	}
	if n == 0 || !oldest.Valid {
		return n, time.Time{}, nil
	}
	at, err := sqlstore.ParseTime(oldest.String)
	return n, at, err
}
