package eventapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/services/matching/index"
)

// Index snapshots live in a JetStream object store, next to the stream they summarise, so
// that any replica can start from one.
const (
	IndexBucket = "MATCHING_INDEX"
	indexObject = "profiles"
)

// LoadStats say how the index was loaded.
type LoadStats struct {
	// FromSnapshot is false when there was no usable snapshot and the whole stream was read.
	FromSnapshot bool
	// SnapshotSeq is the profile stream sequence the snapshot covered.
	SnapshotSeq uint64
	// SnapshotError says why a snapshot could not be used; empty when there was none.
	SnapshotError string
	Replay        eventbus.ReplayStats
}

// LoadIndex restores the newest index snapshot and replays the profile stream after the
// sequence it covers; without a usable snapshot it replays the whole stream. Either way the
// index holds every profile event in the stream.
func LoadIndex(ctx context.Context, js jetstream.JetStream) (*index.Index, LoadStats, error) {
	var stats LoadStats
	ix, covered, err := readSnapshot(ctx, js)
	if err == nil {
		// A snapshot ahead of the stream belongs to a stream that was since recreated.
		if s, serr := js.Stream(ctx, eventbus.StreamOf(eventbus.ProducerProfile)); serr == nil && covered > s.CachedInfo().State.LastSeq {
			err = fmt.Errorf("snapshot covers sequence %d, the stream ends at %d", covered, s.CachedInfo().State.LastSeq)
		}
	}
	switch {
	case err == nil:
		stats.FromSnapshot, stats.SnapshotSeq = true, covered
	case errors.Is(err, errNoSnapshot):
		ix = index.New(0)
	default:
		stats.SnapshotError = err.Error()
		ix, covered = index.New(0), 0
	}
	stats.Replay, err = replayProfiles(ctx, js, ix, covered+1)
	return ix, stats, err
}

var errNoSnapshot = errors.New("no index snapshot")

func readSnapshot(ctx context.Context, js jetstream.JetStream) (*index.Index, uint64, error) {
	store, err := js.ObjectStore(ctx, IndexBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return nil, 0, errNoSnapshot
	}
	if err != nil {
		return nil, 0, err
	}
	obj, err := store.Get(ctx, indexObject)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil, 0, errNoSnapshot
	}
	if err != nil {
		return nil, 0, err
	}
	defer obj.Close()
	return index.ReadSnapshot(obj)
}

// SnapshotIndex stores the index in the object store. The sequence it covers is the profile
// consumer's ack floor, read before the index is: every event up to it was handled, so it is in
// the index; events after it may be too, and replaying them again at start changes nothing.
// It returns the covered sequence, or 0 with nothing stored when the ack floor has not moved
// past skipIfCovered.
func SnapshotIndex(ctx context.Context, js jetstream.JetStream, ix *index.Index, replicas int, skipIfCovered uint64) (uint64, error) {
	covered, err := profileAckFloor(ctx, js)
	if err != nil {
		return 0, err
	}
	if covered == 0 || covered <= skipIfCovered {
		return 0, nil
	}
	store, err := js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
		Bucket: IndexBucket, Description: "matching's index snapshots", Storage: jetstream.FileStorage,
		Replicas: max(replicas, 1),
	})
	if err != nil {
		return 0, fmt.Errorf("index snapshot bucket: %w", err)
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(ix.WriteSnapshot(pw, covered)) }()
	if _, err := store.Put(ctx, jetstream.ObjectMeta{Name: indexObject,
		Description: fmt.Sprintf("index covering profile events up to %d, %s", covered, time.Now().UTC().Format(time.RFC3339))}, pr); err != nil {
		pr.CloseWithError(err)
		return 0, fmt.Errorf("index snapshot: %w", err)
	}
	return covered, nil
}

func profileAckFloor(ctx context.Context, js jetstream.JetStream) (uint64, error) {
	cons, err := js.Consumer(ctx, eventbus.StreamOf(eventbus.ProducerProfile), ProfilesConsumer)
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return 0, err
	}
	return info.AckFloor.Stream, nil
}
