package eventapi_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/eventbus/eventbustest"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	"github.com/caiomatch/caiomatch/pkg/seeddata"
	"github.com/caiomatch/caiomatch/services/matching/eventapi"
	"github.com/caiomatch/caiomatch/services/matching/index"
)

// BenchmarkRebuildIndexFromStream measures what the matching service does at start: replay the
// whole profile stream of an embedded JetStream (file storage) into an empty index. The stream
// holds one ProfileRegistered per synthetic consultant (1M, or CAIOMATCH_BENCH_PROFILES);
// filling it is not timed.
func BenchmarkRebuildIndexFromStream(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("CAIOMATCH_BENCH_PROFILES")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	// Filling the stream with every write flushed would take minutes; replay reads the same
	// file store either way.
	js := eventbustest.Start(b, eventbus.WithoutSyncAlways()).JS
	fillStart := time.Now()
	publishProfiles(b, js, n)
	b.Logf("published %d ProfileRegistered events in %v", n, time.Since(fillStart).Round(time.Millisecond))

	b.Run("from=stream", func(b *testing.B) {
		for b.Loop() {
			ix := index.New(n)
			started := time.Now()
			stats, err := eventapi.RebuildIndex(ctx, js, ix)
			elapsed := time.Since(started)
			if err != nil {
				b.Fatal(err)
			}
			if stats.Messages != n || ix.Len() != n {
				b.Fatalf("replayed %d events into %d profiles, want %d", stats.Messages, ix.Len(), n)
			}
			b.ReportMetric(elapsed.Seconds(), "rebuild-s")
			b.ReportMetric(float64(n)/elapsed.Seconds(), "events/s")
		}
	})
	// A restart with a snapshot of the whole stream: what the service does after its first
	// snapshot, the replay of the tail being empty here.
	b.Run("from=snapshot", func(b *testing.B) {
		ix := index.New(n)
		if _, err := eventapi.RebuildIndex(ctx, js, ix); err != nil {
			b.Fatal(err)
		}
		store, err := js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: eventapi.IndexBucket})
		if err != nil {
			b.Fatal(err)
		}
		var buf bytes.Buffer
		if err := ix.WriteSnapshot(&buf, uint64(n)); err != nil {
			b.Fatal(err)
		}
		size := buf.Len()
		if _, err := store.Put(ctx, jetstream.ObjectMeta{Name: "profiles"}, &buf); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			started := time.Now()
			loaded, stats, err := eventapi.LoadIndex(ctx, js)
			elapsed := time.Since(started)
			if err != nil || !stats.FromSnapshot || loaded.Len() != n {
				b.Fatalf("load: %+v, %d profiles, %v", stats, loaded.Len(), err)
			}
			b.ReportMetric(elapsed.Seconds(), "load-s")
			b.ReportMetric(float64(size)/float64(n), "snapshot-bytes/profile")
		}
	})
}

func publishProfiles(b *testing.B, js jetstream.JetStream, n int) {
	g := seeddata.New(1, time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC))
	rng := rand.New(rand.NewPCG(1, 1))
	now := time.Now()
	for i := range n {
		var id uuid.UUID
		for j := range id {
			id[j] = byte(rng.Uint32())
		}
		facts := seeddata.FactsOf(id.String(), "", g.Profile())
		ev, err := eventbus.NewEvent(eventbus.ProducerProfile, id.String(), &profilev1.ProfileRegistered{Facts: facts}, now)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := js.PublishAsync(ev.Subject, ev.Data); err != nil {
			b.Fatal(err)
		}
		if i%2_000 == 0 {
			<-js.PublishAsyncComplete()
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(time.Minute):
		b.Fatal(fmt.Errorf("publishing did not complete"))
	}
}
