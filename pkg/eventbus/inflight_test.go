package eventbus_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/eventbus/eventbustest"
	eventsv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/events/v1"
)

// A handler slower than AckWait is not redelivered behind its back, nor are the messages of its
// fetch waiting behind it: the consumer keeps them with progress acks.
func TestSlowHandlerKeepsItsMessagesWithProgressAcks(t *testing.T) {
	t.Parallel()
	js, _ := startBus(t)
	spec := eventbus.ConsumerSpec{Stream: eventbus.StreamOf(eventbus.ProducerMission), Durable: "slow",
		AckWait: 400 * time.Millisecond, MaxDeliver: 5}
	var evs []eventbus.Event
	for i := range 4 {
		ev := newEvent(t, fmt.Sprint("slow-", i), "x")
		evs = append(evs, ev)
		publish(t, js, ev)
	}
	var seen calls
	slow := func(_ context.Context, env *eventsv1.Envelope, _ proto.Message) error {
		seen.add(env.GetEventId(), "")
		time.Sleep(1200 * time.Millisecond) // three AckWaits
		return nil
	}
	runConsumer(t, newConsumer(js, spec, slow, nil))
	eventbustest.Eventually(t, 20*time.Second, "every event handled", func() bool { return seen.distinct() == len(evs) })
	waitSettled(t, js, spec.Stream, spec.Durable, 5*time.Second)
	for _, ev := range evs {
		if n := seen.count(ev.Envelope.GetEventId()); n != 1 {
			t.Errorf("event %s handled %d times, want 1", ev.Envelope.GetAggregateId(), n)
		}
	}
	if info := consumerInfo(t, js, spec.Stream, spec.Durable); info.NumRedelivered != 0 {
		t.Errorf("%d messages redelivered; progress acks should have kept them", info.NumRedelivered)
	}
}

// What a dead process had fetched comes back after the default AckWait (seconds), not the 30 s
// it used to wait: a process killed by SIGKILL neither acknowledges nor hands back.
func TestMessagesOfADeadConsumerComeBackWithinSeconds(t *testing.T) {
	t.Parallel()
	js, embedded := startBus(t)
	spec := eventbus.ConsumerSpec{Stream: eventbus.StreamOf(eventbus.ProducerMission), Durable: "orphaned"}
	var evs []eventbus.Event
	for i := range 5 {
		ev := newEvent(t, fmt.Sprint("orphan-", i), "x")
		evs = append(evs, ev)
		publish(t, js, ev)
	}
	// The dead process: it declares the consumer, fetches everything and disappears.
	ctx := testCtx(t)
	nc, err := embedded.Connect("dead")
	if err != nil {
		t.Fatal(err)
	}
	deadJS, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	cons, err := deadJS.CreateConsumer(ctx, spec.Stream, eventbus.ConsumerSpecConfig(spec))
	if err != nil {
		t.Fatal(err)
	}
	batch, err := cons.Fetch(len(evs), jetstream.FetchMaxWait(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	fetched := 0
	for range batch.Messages() {
		fetched++
	}
	if fetched != len(evs) {
		t.Fatalf("the dead process fetched %d messages, want %d", fetched, len(evs))
	}
	nc.Close()
	died := time.Now()

	var seen calls
	runConsumer(t, newConsumer(js, spec, seen.handler(nil, nil), nil))
	eventbustest.Eventually(t, 15*time.Second, "the dead process's messages", func() bool { return seen.distinct() == len(evs) })
	took := time.Since(died)
	if took > eventbus.DefaultAckWait+2*time.Second {
		t.Errorf("the dead process's messages came back after %v, want about the AckWait (%v)", took, eventbus.DefaultAckWait)
	}
	t.Logf("a dead consumer's %d messages handled %v after it died (AckWait %v)", len(evs), took.Round(time.Millisecond), eventbus.DefaultAckWait)
}
