package eventbus

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/events/v1"
)

// ReplayStats count what a replay read.
type ReplayStats struct {
	Messages int
	// Undecodable messages are skipped: the durable consumer dead-letters them.
	Undecodable int
}

// replayBatch is a run of messages decoded by one worker and applied in stream order.
type replayBatch struct {
	data     [][]byte
	envs     []*eventsv1.Envelope
	payloads []proto.Message
	decoded  chan struct{}
}

const replayBatchSize = 512

// Replay reads a stream from its first message to the last one present when it gets there,
// with an ordered ephemeral consumer, and calls apply for every event in stream order. Decoding
// runs on every core; apply runs on one goroutine. It is how a service rebuilds in-memory state
// that the stream is the source of.
func Replay(ctx context.Context, js jetstream.JetStream, stream string, filterSubjects []string,
	apply func(env *eventsv1.Envelope, payload proto.Message) error) (ReplayStats, error) {
	var stats ReplayStats
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return stats, fmt.Errorf("replay %s: %w", stream, err)
	}
	cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		FilterSubjects: filterSubjects, DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return stats, fmt.Errorf("replay %s: %w", stream, err)
	}
	if cons.CachedInfo().NumPending == 0 {
		return stats, nil
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(4 * replayBatchSize))
	if err != nil {
		return stats, fmt.Errorf("replay %s: %w", stream, err)
	}
	defer it.Stop()
	stopOnCancel := context.AfterFunc(ctx, it.Stop)
	defer stopOnCancel()

	work := make(chan *replayBatch, runtime.GOMAXPROCS(0))
	ordered := make(chan *replayBatch, 2*runtime.GOMAXPROCS(0))
	var workers sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		workers.Go(func() {
			for b := range work {
				b.envs, b.payloads = make([]*eventsv1.Envelope, len(b.data)), make([]proto.Message, len(b.data))
				for i, d := range b.data {
					b.envs[i], b.payloads[i], _ = DecodeEnvelope(d)
				}
				close(b.decoded)
			}
		})
	}
	readErr := make(chan error, 1)
	go func() {
		defer close(ordered)
		defer close(work)
		b := &replayBatch{decoded: make(chan struct{})}
		flush := func() {
			if len(b.data) > 0 {
				ordered <- b
				work <- b
				b = &replayBatch{decoded: make(chan struct{})}
			}
		}
		for {
			msg, err := it.Next()
			if err != nil {
				readErr <- fmt.Errorf("replay %s: %w", stream, err)
				flush()
				return
			}
			b.data = append(b.data, msg.Data())
			meta, err := msg.Metadata()
			last := err == nil && meta.NumPending == 0
			if last || len(b.data) == replayBatchSize {
				flush()
			}
			if last {
				readErr <- nil
				return
			}
		}
	}()
	var applyErr error
	for b := range ordered {
		<-b.decoded
		for i := range b.data {
			stats.Messages++
			if b.envs[i] == nil {
				stats.Undecodable++
				continue
			}
			if applyErr == nil {
				applyErr = apply(b.envs[i], b.payloads[i])
			}
		}
	}
	workers.Wait()
	if err := <-readErr; err != nil {
		return stats, err
	}
	if applyErr != nil {
		return stats, fmt.Errorf("replay %s: %w", stream, applyErr)
	}
	return stats, ctx.Err()
}
