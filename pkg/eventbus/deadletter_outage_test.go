package eventbus_test

import (
	"errors"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/eventbus/eventbustest"
)

// TestDeadLetterOutageLosesNothing: when the dead-letter copy fails on the last allowed
// delivery, the message comes back once the dead-letter stream is there again.
func TestDeadLetterOutageLosesNothing(t *testing.T) {
	js, _ := startBus(t)
	ctx := testCtx(t)
	if err := js.DeleteStream(ctx, eventbus.DeadLetterStream); err != nil {
		t.Fatal(err)
	}
	var seen calls
	spec := missionSpec("probe")
	spec.MaxDeliver = 3
	runConsumer(t, newConsumer(js, spec, seen.handler(nil, errors.New("always")), nil))
	ev := newEvent(t, "m-1", "x")
	publish(t, js, ev)
	eventbustest.Eventually(t, 5*time.Second, "3 deliveries", func() bool { return seen.count(ev.Envelope.GetEventId()) == 3 })
	time.Sleep(time.Second) // the dead-letter publish fails (no stream) and the message is Nak'ed
	if err := eventbus.EnsureStreams(ctx, js, eventbus.StreamSettings{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if len(deadLetters(t, js, spec.Durable)) > 0 {
			t.Log("dead-lettered after the stream came back")
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	info := consumerInfo(t, js, spec.Stream, spec.Durable)
	t.Errorf("message lost: deliveries %d, not dead-lettered; consumer pending %d ack-pending %d redelivered %d, ack floor %d",
		seen.count(ev.Envelope.GetEventId()), info.NumPending, info.NumAckPending, info.NumRedelivered, info.AckFloor.Stream)
}
