package eventbus_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	eventsv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/events/v1"
)

// TestFollowerAppliesTheStreamInOrderAfterAReplay: a replay covers the first events, the
// follower starts after them and applies the rest in stream order, as they are published,
// skipping an undecodable message without stopping; WaitFor returns once a sequence is applied
// and gives up with the context.
func TestFollowerAppliesTheStreamInOrderAfterAReplay(t *testing.T) {
	js, _ := startBus(t)
	stream := eventbus.StreamOf(eventbus.ProducerMission)
	for _, v := range []string{"r1", "r2"} {
		publish(t, js, newEvent(t, "m-1", v))
	}
	var replayed []string
	var mu sync.Mutex
	stats, err := eventbus.ReplayFrom(testCtx(t), js, stream, nil, 0, func(_ *eventsv1.Envelope, p proto.Message) error {
		mu.Lock()
		defer mu.Unlock()
		replayed = append(replayed, p.(*wrapperspb.StringValue).GetValue())
		return nil
	})
	if err != nil || stats.Through != 2 || len(replayed) != 2 {
		t.Fatalf("replay: %+v %v %v; want both events, through 2", stats, replayed, err)
	}

	var followed []string
	f := eventbus.NewFollower(js, stream, stats.Through, func(_ *eventsv1.Envelope, p proto.Message) {
		mu.Lock()
		defer mu.Unlock()
		followed = append(followed, p.(*wrapperspb.StringValue).GetValue())
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Follower.Run = %v", err)
		}
	})

	short, cancelShort := context.WithTimeout(testCtx(t), 100*time.Millisecond)
	defer cancelShort()
	if err := f.WaitFor(short, 3); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitFor(3) before sequence 3 exists = %v, want the deadline", err)
	}
	publish(t, js, newEvent(t, "m-1", "f3"))
	publishRaw(t, js, &nats.Msg{Subject: eventbus.Subject(eventbus.ProducerMission, "Garbage", "m-1"), Data: []byte("not protobuf")})
	last := publish(t, js, newEvent(t, "m-2", "f5"))
	if err := f.WaitFor(testCtx(t), last.Sequence); err != nil {
		t.Fatalf("WaitFor(%d): %v", last.Sequence, err)
	}
	mu.Lock()
	got := append([]string(nil), followed...)
	mu.Unlock()
	if len(got) != 2 || got[0] != "f3" || got[1] != "f5" || f.Applied() != last.Sequence {
		t.Fatalf("followed %v, applied %d; want [f3 f5] through %d", got, f.Applied(), last.Sequence)
	}
}
