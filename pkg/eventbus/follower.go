package eventbus

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/events/v1"
)

// Follower keeps in-memory state up to date with a stream, every message in stream order, from
// where a replay left it (ReplayStats.Through). Each replica of a service follows the stream on
// its own, unlike a durable consumer whose messages the replicas share. WaitFor lets the work a
// replica takes from a shared consumer wait until its state includes every event that another
// replica already acted on.
type Follower struct {
	js     jetstream.JetStream
	stream string
	apply  func(env *eventsv1.Envelope, payload proto.Message)

	mu       sync.Mutex
	applied  uint64
	progress chan struct{} // closed and replaced whenever applied moves
}

// NewFollower follows stream after sequence through. apply is called from one goroutine, in
// stream order; undecodable messages are skipped (the durable consumers dead-letter them).
func NewFollower(js jetstream.JetStream, stream string, through uint64,
	apply func(env *eventsv1.Envelope, payload proto.Message)) *Follower {
	return &Follower{js: js, stream: stream, apply: apply, applied: through, progress: make(chan struct{})}
}

// Applied is the last stream sequence applied.
func (f *Follower) Applied() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.applied
}

// WaitFor returns once the sequence seq is applied, or with ctx's error.
func (f *Follower) WaitFor(ctx context.Context, seq uint64) error {
	for {
		f.mu.Lock()
		applied, progress := f.applied, f.progress
		f.mu.Unlock()
		if applied >= seq {
			return nil
		}
		select {
		case <-progress:
		case <-ctx.Done():
			return fmt.Errorf("%s: waiting for sequence %d, applied %d: %w", f.stream, seq, applied, ctx.Err())
		}
	}
}

func (f *Follower) advance(seq uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if seq > f.applied {
		f.applied = seq
		close(f.progress)
		f.progress = make(chan struct{})
	}
}

// Run follows the stream until ctx ends. An ordered consumer recovers from gaps and lost
// connections by itself; when it fails for good a new one starts after the last applied message.
func (f *Follower) Run(ctx context.Context) error {
	for ctx.Err() == nil {
		// follow ends on the stop, or with an error when the stream is briefly without a leader:
		// then it starts again from what was applied, after a pause.
		_ = f.follow(ctx)
		sleepCtx(ctx, 200*time.Millisecond)
	}
	return nil
}

func (f *Follower) follow(ctx context.Context) error {
	s, err := f.js.Stream(ctx, f.stream)
	if err != nil {
		return err
	}
	cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: f.Applied() + 1,
	})
	if err != nil {
		return err
	}
	return readOrdered(ctx, cons, 1024, func(msg jetstream.Msg, meta *jetstream.MsgMetadata) (bool, error) {
		if meta.Sequence.Stream <= f.Applied() {
			return true, nil
		}
		if env, payload, err := DecodeEnvelope(msg.Data()); err == nil {
			f.apply(env, payload)
		}
		f.advance(meta.Sequence.Stream)
		return true, nil
	})
}
