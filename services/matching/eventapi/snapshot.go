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

// SnapshotIndex stores the index in the object store, labelled with covered, the profile
// stream sequence up to which the index holds every event: the caller reads it (from its
// Follower) before the index is written, so the index holds at least that much; events after it
// may be in too, and replaying them again at start changes nothing. The bucket has as many
// replicas as the profile stream. Nothing is stored, and 0 is returned, when covered has not
// moved past skipIfCovered.
func SnapshotIndex(ctx context.Context, js jetstream.JetStream, ix *index.Index, covered, skipIfCovered uint64) (uint64, error) {
	if covered == 0 || covered <= skipIfCovered {
		return 0, nil
	}
	replicas := 1
	if s, err := js.Stream(ctx, eventbus.StreamOf(eventbus.ProducerProfile)); err == nil {
		replicas = max(s.CachedInfo().Config.Replicas, 1)
	}
	// Get before create: creating or updating needs the bucket stream's leader, and replicas
	// snapshotting together at shutdown would wait on each other's declaration.
	store, err := js.ObjectStore(ctx, IndexBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		store, err = js.CreateObjectStore(ctx, jetstream.ObjectStoreConfig{
			Bucket: IndexBucket, Description: "matching's index snapshots", Storage: jetstream.FileStorage,
			Replicas: replicas,
		})
		if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) || errors.Is(err, jetstream.ErrBucketExists) {
			store, err = js.ObjectStore(ctx, IndexBucket)
		}
	}
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
