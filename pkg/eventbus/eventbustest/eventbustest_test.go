package eventbustest_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/eventbus/eventbustest"
	"github.com/caiomatch/caiomatch/pkg/outbox"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/pkg/sqlstore/sqltest"
)

func event(t *testing.T, aggregate, value string) eventbus.Event {
	t.Helper()
	ev, err := eventbus.NewEvent(eventbus.ProducerMission, aggregate, wrapperspb.String(value), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestReadReturnsWhatWasPublishedInOrderAndFiltered(t *testing.T) {
	bus := eventbustest.Start(t)
	var want []string
	for i := range 120 { // more than one fetch's worth
		ev := event(t, fmt.Sprintf("m-%d", i%3), fmt.Sprint(i))
		if _, err := bus.JS.PublishMsg(context.Background(), &nats.Msg{Subject: ev.Subject, Data: ev.Data},
			jetstream.WithMsgID(ev.Envelope.GetEventId())); err != nil {
			t.Fatal(err)
		}
		if i%3 == 1 {
			want = append(want, fmt.Sprint(i))
		}
	}
	all := eventbustest.Read(t, bus.JS, "MISSION", "")
	if len(all) != 120 || all[0].Seq != 1 || all[0].MsgID != all[0].Envelope.GetEventId() {
		t.Fatalf("read %d messages, first %+v", len(all), all[0])
	}
	some := eventbustest.Read(t, bus.JS, "MISSION", eventbus.Subject(eventbus.ProducerMission, "StringValue", "m-1"))
	got := eventbustest.Payloads[*wrapperspb.StringValue](some)
	if len(got) != len(want) {
		t.Fatalf("filtered read: %d messages, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].GetValue() != want[i] {
			t.Fatalf("message %d = %q, want %q", i, got[i].GetValue(), want[i])
		}
	}
	if none := eventbustest.Read(t, bus.JS, "PROFILE", ""); none != nil {
		t.Errorf("empty stream read %d messages", len(none))
	}
}

func TestRestartKeepsTheStreams(t *testing.T) {
	dir := t.TempDir()
	first := eventbustest.StartIn(t, dir)
	ev := event(t, "m-1", "kept")
	if _, err := first.JS.Publish(context.Background(), ev.Subject, ev.Data); err != nil {
		t.Fatal(err)
	}
	first.Conn.Close()
	first.Embedded.Shutdown()
	second := eventbustest.StartIn(t, dir)
	if got := eventbustest.Read(t, second.JS, "MISSION", ""); len(got) != 1 {
		t.Fatalf("after a restart the stream holds %d messages, want 1", len(got))
	}
}

func TestOutboxEventsDecodesStoredEvents(t *testing.T) {
	sqltest.Run(t, func(t *testing.T, db *sql.DB) {
		for _, v := range []string{"a", "b"} {
			if err := sqlstore.InTx(context.Background(), db, func(tx *sql.Tx) error {
				return outbox.Add(context.Background(), tx, event(t, "m-1", v))
			}); err != nil {
				t.Fatal(err)
			}
		}
		got := eventbustest.Payloads[*wrapperspb.StringValue](eventbustest.OutboxEvents(t, db))
		if len(got) != 2 || got[0].GetValue() != "a" || got[1].GetValue() != "b" {
			t.Fatalf("outbox events %v", got)
		}
	}, outbox.Migrations())
}

func TestSyncBufferTakesConcurrentWriters(t *testing.T) {
	var buf eventbustest.SyncBuffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() { logger.Info("line", "writer", i) })
	}
	wg.Wait()
	n := 0
	eventbustest.Eventually(t, time.Second, "eight lines", func() bool {
		n = 0
		for _, c := range buf.String() {
			if c == '\n' {
				n++
			}
		}
		return n == 8
	})
}
