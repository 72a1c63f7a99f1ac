package eventapi_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"

	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	"github.com/caiomatch/caiomatch/services/matching/eventapi"
)

func TestSnapshotThenReplayOfTheTail(t *testing.T) {
	js := startBus(t)
	ctx := t.Context()
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	var ids []string
	for i := range 20 {
		id := uuid.NewString()
		ids = append(ids, id)
		publish(t, js, id, registered(facts(id, int32(1000+i))), at)
	}
	publish(t, js, ids[0], &profilev1.ProfileErased{ProfileId: ids[0]}, at.Add(time.Minute))

	// Nothing handled yet: no snapshot is stored, and loading replays the whole stream.
	ix, stats, err := eventapi.LoadIndex(ctx, js)
	if err != nil || stats.FromSnapshot || stats.Replay.Messages != 21 || ix.Len() != 19 {
		t.Fatalf("first load: %+v, %d profiles, %v", stats, ix.Len(), err)
	}
	if stats.Replay.Through != 21 {
		t.Fatalf("first load covered through %d, want 21", stats.Replay.Through)
	}
	if covered, err := eventapi.SnapshotIndex(ctx, js, ix, 0, 0); err != nil || covered != 0 {
		t.Fatalf("snapshot of an index that covers nothing: covered %d, %v; want nothing stored", covered, err)
	}
	covered, err := eventapi.SnapshotIndex(ctx, js, ix, stats.Replay.Through, 0)
	if err != nil || covered != 21 {
		t.Fatalf("snapshot: covered %d, %v; want 21", covered, err)
	}
	if again, err := eventapi.SnapshotIndex(ctx, js, ix, stats.Replay.Through, covered); err != nil || again != 0 {
		t.Fatalf("second snapshot with nothing new: %d, %v", again, err)
	}

	// Events after the snapshot: an update and a new profile.
	publish(t, js, ids[1], updated(facts(ids[1], 1999)), at.Add(2*time.Minute))
	late := uuid.NewString()
	publish(t, js, late, registered(facts(late, 1200)), at.Add(2*time.Minute))

	loaded, stats, err := eventapi.LoadIndex(ctx, js)
	if err != nil || !stats.FromSnapshot || stats.SnapshotSeq != 21 || stats.Replay.Messages != 2 {
		t.Fatalf("load: %+v, %v; want the snapshot at 21 and 2 events replayed", stats, err)
	}
	if loaded.Len() != 20 || !loaded.Erased(ids[0]) {
		t.Fatalf("loaded %d profiles, erased %v; want 20 and the erasure kept", loaded.Len(), loaded.Erased(ids[0]))
	}
	if p, ok := loaded.Profile(ids[1]); !ok || p.DailyRateEUR != 1999 {
		t.Fatalf("profile updated after the snapshot: %+v", p)
	}
	if _, ok := loaded.Profile(late); !ok {
		t.Fatal("profile registered after the snapshot is missing")
	}
}

func TestDamagedSnapshotFallsBackToTheWholeStream(t *testing.T) {
	js := startBus(t)
	ctx := t.Context()
	id := uuid.NewString()
	publish(t, js, id, registered(facts(id, 1000)), time.Now())
	store, err := js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: eventapi.IndexBucket})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.PutBytes(ctx, "profiles", []byte("CAIOIDX1 but nothing else")); err != nil {
		t.Fatal(err)
	}
	ix, stats, err := eventapi.LoadIndex(ctx, js)
	if err != nil || stats.FromSnapshot || stats.SnapshotError == "" || stats.Replay.Messages != 1 || ix.Len() != 1 {
		t.Fatalf("load with a damaged snapshot: %+v, %d profiles, %v", stats, ix.Len(), err)
	}
}
