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
	// Through is the last stream sequence the replay covered: following the stream from
	// Through+1 misses nothing and repeats nothing.
	Through uint64
}

// minPartition is the fewest messages worth a reader of their own.
const minPartition = 50_000

// Replay reads a stream from its first message to the last one present when it starts and
// calls apply for every event. The sequence range is split into one partition per core, each
// read by its own ordered ephemeral consumer and decoded by the goroutine that reads it: one
// consumer delivers about 120k messages a second here, and a million-event stream must replay
// in seconds. apply is therefore called concurrently, in stream order within a partition but
// not across partitions, so it must be safe for concurrent use and not depend on the order of
// events about one aggregate: the newest version winning by event time, and an erasure being
// final, are such rules. It is how a service rebuilds in-memory state whose source is the
// stream.
func Replay(ctx context.Context, js jetstream.JetStream, stream string, filterSubjects []string,
	apply func(env *eventsv1.Envelope, payload proto.Message) error) (ReplayStats, error) {
	return ReplayFrom(ctx, js, stream, filterSubjects, 0, apply)
}

// ReplayFrom is Replay starting at stream sequence fromSeq (the first message when lower).
func ReplayFrom(ctx context.Context, js jetstream.JetStream, stream string, filterSubjects []string, fromSeq uint64,
	apply func(env *eventsv1.Envelope, payload proto.Message) error) (ReplayStats, error) {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return ReplayStats{}, fmt.Errorf("replay %s: %w", stream, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return ReplayStats{}, fmt.Errorf("replay %s: %w", stream, err)
	}
	first, last := max(info.State.FirstSeq, fromSeq), info.State.LastSeq
	through := last
	if fromSeq > 0 {
		through = max(through, fromSeq-1)
	}
	if info.State.Msgs == 0 || last < first {
		return ReplayStats{Through: through}, nil
	}
	span := last - first + 1
	parts := uint64(max(1, min(runtime.GOMAXPROCS(0), int(span/minPartition))))
	results := make([]ReplayStats, parts)
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for p := range parts {
		from := first + span*p/parts
		to := first + span*(p+1)/parts - 1
		wg.Go(func() {
			results[p], errs[p] = replayPartition(ctx, s, filterSubjects, from, to, apply)
		})
	}
	wg.Wait()
	total := ReplayStats{Through: through}
	for p := range parts {
		total.Messages += results[p].Messages
		total.Undecodable += results[p].Undecodable
		if errs[p] != nil {
			return total, fmt.Errorf("replay %s: %w", stream, errs[p])
		}
	}
	return total, ctx.Err()
}

// replayPartition reads the messages of sequences from..to (inclusive) that pass the filter.
func replayPartition(ctx context.Context, s jetstream.Stream, filterSubjects []string, from, to uint64,
	apply func(env *eventsv1.Envelope, payload proto.Message) error) (ReplayStats, error) {
	var stats ReplayStats
	cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		FilterSubjects: filterSubjects, DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: from,
	})
	if err != nil {
		return stats, err
	}
	if cons.CachedInfo().NumPending == 0 {
		return stats, nil
	}
	err = readOrdered(ctx, cons, 2048, func(msg jetstream.Msg, meta *jetstream.MsgMetadata) (bool, error) {
		if meta.Sequence.Stream > to {
			return false, nil
		}
		stats.Messages++
		env, payload, err := DecodeEnvelope(msg.Data())
		if err != nil {
			stats.Undecodable++
		} else if err := apply(env, payload); err != nil {
			return false, err
		}
		// NumPending counts what passes the filter after this message: none left means the
		// filtered stream ends inside this partition.
		return meta.Sequence.Stream != to && meta.NumPending != 0, nil
	})
	return stats, err
}

// readOrdered hands each message of an ordered consumer, with its metadata, to handle until
// handle returns false or an error, ctx ends, or reading fails. It fetches up to batch messages
// ahead.
func readOrdered(ctx context.Context, cons jetstream.Consumer, batch int,
	handle func(jetstream.Msg, *jetstream.MsgMetadata) (more bool, err error)) error {
	it, err := cons.Messages(jetstream.PullMaxMessages(batch))
	if err != nil {
		return err
	}
	defer it.Stop()
	stopOnCancel := context.AfterFunc(ctx, it.Stop)
	defer stopOnCancel()
	for {
		msg, err := it.Next()
		if err != nil {
			return err
		}
		meta, err := msg.Metadata()
		if err != nil {
			return err
		}
		if more, err := handle(msg, meta); err != nil || !more {
			return err
		}
	}
}
