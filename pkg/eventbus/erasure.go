package eventbus

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
)

// Erasure events end a person's aggregate (GDPR art. 17). Once one is in its stream, every
// earlier event of the aggregate is erased from the stream: consumers still receive the
// erasure itself, and nothing else about the person.
var erasureEvents = map[string]bool{"ProfileErased": true, "AccountErased": true}

// ErasureOf tells whether subject carries an erasure event, and if so its producer and
// aggregate id.
func ErasureOf(subject string) (producer, aggregateID string, ok bool) {
	parts := strings.SplitN(subject, ".", 5)
	if len(parts) != 5 || parts[0] != "caiomatch" || parts[2] != "v1" || !erasureEvents[parts[3]] {
		return "", "", false
	}
	return parts[1], parts[4], true
}

// AggregateSubjects is the filter of every event of one aggregate.
func AggregateSubjects(producer, aggregateID string) string {
	return "caiomatch." + producer + ".v1.*." + aggregateID
}

// EraseAggregate removes from producer's stream every event of aggregateID stored before
// sequence before (the erasure event's): each message is first overwritten on disk (a secure
// delete, so that its bytes do not linger in the stream's files), then the subject is purged
// below before, which also covers replicas that lag. Running it again finds nothing left.
// It returns how many messages it erased.
func EraseAggregate(ctx context.Context, js jetstream.JetStream, producer, aggregateID string, before uint64) (int, error) {
	erased, err := eraseFromStream(ctx, js, producer, aggregateID, before)
	if err != nil {
		return erased, err
	}
	// Copies of those events a consumer gave up on are erased too, or a redrive would bring the
	// person back; a dead-lettered erasure stays, for an operator to redrive.
	prefix, suffix := "caiomatch."+producer+".v1.", "."+aggregateID
	n, err := EraseWhere(ctx, js, DeadLetterStream, DeadLetterSubject("*"), func(m *jetstream.RawStreamMsg) bool {
		subject := m.Header.Get(HeaderOriginalSubject)
		if _, _, isErasure := ErasureOf(subject); isErasure {
			return false
		}
		return strings.HasPrefix(subject, prefix) && strings.HasSuffix(subject, suffix)
	})
	return erased + n, err
}

func eraseFromStream(ctx context.Context, js jetstream.JetStream, producer, aggregateID string, before uint64) (int, error) {
	if before <= 1 {
		return 0, nil
	}
	stream, err := js.Stream(ctx, StreamOf(producer))
	if err != nil {
		return 0, fmt.Errorf("erase aggregate: stream %s: %w", StreamOf(producer), err)
	}
	filter := AggregateSubjects(producer, aggregateID)
	erased := 0
	for seq := uint64(1); seq < before; {
		msg, err := stream.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(filter))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			break
		}
		if err != nil {
			return erased, fmt.Errorf("erase aggregate: find next event: %w", err)
		}
		if msg.Sequence >= before {
			break
		}
		if err := stream.SecureDeleteMsg(ctx, msg.Sequence); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
			return erased, fmt.Errorf("erase aggregate: erase event %d: %w", msg.Sequence, err)
		}
		erased++
		seq = msg.Sequence + 1
	}
	if err := stream.Purge(ctx, jetstream.WithPurgeSubject(filter), jetstream.WithPurgeSequence(before)); err != nil {
		return erased, fmt.Errorf("erase aggregate: purge: %w", err)
	}
	return erased, nil
}

// EraseWhere securely deletes, from stream, the messages on subject filter that match says
// name an erased person (events of other aggregates that mention them, e.g. the shortlists that
// proposed them), and returns how many it erased. Consumers that have not received such an
// event yet never will: callers erase only what a newer event supersedes, or what concerns the
// past. Running it again finds nothing more.
func EraseWhere(ctx context.Context, js jetstream.JetStream, stream, filter string, match func(*jetstream.RawStreamMsg) bool) (int, error) {
	s, err := js.Stream(ctx, stream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("erase events: stream %s: %w", stream, err)
	}
	erased := 0
	for seq := uint64(1); ; {
		msg, err := s.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(filter))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return erased, nil
		}
		if err != nil {
			return erased, fmt.Errorf("erase events: find next event: %w", err)
		}
		if match(msg) {
			if err := s.SecureDeleteMsg(ctx, msg.Sequence); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
				return erased, fmt.Errorf("erase events: erase event %d: %w", msg.Sequence, err)
			}
			erased++
		}
		seq = msg.Sequence + 1
	}
}
