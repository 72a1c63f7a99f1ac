// Package eventbustest is the test scaffolding every module's tests share: an embedded NATS
// server with the platform's streams, a log buffer safe for concurrent writers, and readers of
// what a service published, on a stream or still in its outbox.
package eventbustest

import (
	"bytes"
	"context"
	"database/sql"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	eventsv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/events/v1"
)

// Bus is an embedded NATS server with JetStream and the platform's streams, stopped when the
// test ends.
type Bus struct {
	Embedded *eventbus.Embedded
	Conn     *nats.Conn
	JS       jetstream.JetStream
	// Dir is where the server stores its streams.
	Dir string
}

// Start starts a Bus in a fresh temporary directory.
func Start(t testing.TB, opts ...eventbus.EmbeddedOption) *Bus {
	t.Helper()
	return StartIn(t, t.TempDir(), opts...)
}

// StartIn starts a Bus storing under dir, which may hold the streams of an earlier Bus: a
// restart.
func StartIn(t testing.TB, dir string, opts ...eventbus.EmbeddedOption) *Bus {
	t.Helper()
	emb, err := eventbus.StartEmbedded(dir, opts...)
	if err != nil {
		t.Fatalf("start embedded NATS: %v", err)
	}
	t.Cleanup(emb.Shutdown)
	b := &Bus{Embedded: emb, Dir: dir}
	b.Conn, b.JS = b.Connect(t, "test")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := eventbus.EnsureStreams(ctx, b.JS, eventbus.StreamSettings{}); err != nil {
		t.Fatalf("declare streams: %v", err)
	}
	return b
}

// Connect opens one more connection named name, closed when the test ends.
func (b *Bus) Connect(t testing.TB, name string) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc, err := b.Embedded.Connect(name)
	if err != nil {
		t.Fatalf("connect to embedded NATS: %v", err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatalf("jetstream: %v", err)
	}
	return nc, js
}

// Published is one message read back from a stream.
type Published struct {
	Subject string
	// MsgID is the Nats-Msg-Id header, the event id when the outbox relay published it.
	MsgID    string
	Header   nats.Header
	Data     []byte
	Envelope *eventsv1.Envelope
	Payload  proto.Message
	Seq      uint64
}

// Read returns every message of stream whose subject matches filter ("" or ">": all), in
// stream order, decoded. A message that does not decode fails the test. A read that finds fewer
// messages than the stream counted (an erasure deleting some meanwhile) starts again, twice.
func Read(t testing.TB, js jetstream.JetStream, stream, filter string) []Published {
	t.Helper()
	for attempt := 1; ; attempt++ {
		out, short := readOnce(t, js, stream, filter)
		if !short {
			return out
		}
		if attempt == 3 {
			t.Fatalf("read %d messages of %s, fewer than it counted, three times", len(out), stream)
		}
	}
}

func readOnce(t testing.TB, js jetstream.JetStream, stream, filter string) ([]Published, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, stream)
	if err != nil {
		t.Fatalf("stream %s: %v", stream, err)
	}
	if filter == "" {
		filter = ">"
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(filter))
	if err != nil {
		t.Fatalf("stream %s: %v", stream, err)
	}
	var n uint64
	for _, c := range info.State.Subjects {
		n += c
	}
	if n == 0 {
		return nil, false
	}
	cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}})
	if err != nil {
		t.Fatalf("read %s: %v", stream, err)
	}
	var out []Published
	for uint64(len(out)) < n {
		batch, err := cons.Fetch(int(n)-len(out), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			t.Fatalf("read %s: %v", stream, err)
		}
		before := len(out)
		for msg := range batch.Messages() {
			env, payload, err := eventbus.DecodeEnvelope(msg.Data())
			if err != nil {
				t.Fatalf("message on %s does not decode: %v", msg.Subject(), err)
			}
			meta, _ := msg.Metadata()
			var seq uint64
			if meta != nil {
				seq = meta.Sequence.Stream
			}
			out = append(out, Published{Subject: msg.Subject(), MsgID: msg.Headers().Get(jetstream.MsgIDHeader),
				Header: msg.Headers(), Data: msg.Data(), Envelope: env, Payload: payload, Seq: seq})
		}
		if len(out) == before {
			return out, true
		}
	}
	return out, false
}

// Payloads are the payloads of type T among ps, in order.
func Payloads[T proto.Message](ps []Published) []T {
	var out []T
	for _, p := range ps {
		if v, ok := p.Payload.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

// OutboxEvents decodes every event in a service's outbox, sent or not, in the order stored.
func OutboxEvents(t testing.TB, db *sql.DB) []Published {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), `SELECT subject, data FROM outbox ORDER BY seq`)
	if err != nil {
		t.Fatalf("read outbox: %v", err)
	}
	defer rows.Close()
	var out []Published
	for rows.Next() {
		var p Published
		if err := rows.Scan(&p.Subject, &p.Data); err != nil {
			t.Fatalf("read outbox: %v", err)
		}
		if p.Envelope, p.Payload, err = eventbus.DecodeEnvelope(p.Data); err != nil {
			t.Fatalf("outbox event on %s does not decode: %v", p.Subject, err)
		}
		p.MsgID = p.Envelope.GetEventId()
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read outbox: %v", err)
	}
	return out
}

// SyncBuffer is a bytes.Buffer that several goroutines may write (a logger's output).
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String is everything written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Eventually fails the test unless cond becomes true within wait, checking every 10 ms.
func Eventually(t testing.TB, wait time.Duration, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out after %v waiting for %s", wait, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
