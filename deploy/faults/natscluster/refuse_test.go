//go:build unix

package natscluster_test

import (
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/caiomatch/caiomatch/deploy/local/cluster/clustertest"
	"github.com/caiomatch/caiomatch/pkg/eventbus"
)

// TestEnsureStreamsOnCluster: on a real three-node cluster a service refuses to start with
// streams of one replica (losing a node would lose what it alone held) and declares nothing;
// with the default settings it declares every stream with three replicas.
func TestEnsureStreamsOnCluster(t *testing.T) {
	ctx := testContext(t, 2*time.Minute)
	c := clustertest.StartNATS(t)
	nc, js := connect(t, c, "faults-refuse")
	cluster := nc.ConnectedClusterName()

	err := ensureStreams(ctx, js, eventbus.StreamSettings{Cluster: cluster, Replicas: 1})
	if !errors.Is(err, eventbus.ErrUnsafeStreams) {
		t.Fatalf("EnsureStreams with 1 replica on cluster %q: %v, want ErrUnsafeStreams", cluster, err)
	}
	t.Logf("refused as expected: %v", err)
	for _, cfg := range eventbus.Streams(eventbus.StreamSettings{Cluster: cluster}) {
		if _, err := js.Stream(ctx, cfg.Name); !errors.Is(err, jetstream.ErrStreamNotFound) {
			t.Errorf("stream %s after the refusal: %v, want not found", cfg.Name, err)
		}
	}

	if err := ensureStreams(ctx, js, eventbus.StreamSettings{Cluster: cluster}); err != nil {
		t.Fatalf("EnsureStreams on cluster %q: %v", cluster, err)
	}
	for _, cfg := range eventbus.Streams(eventbus.StreamSettings{Cluster: cluster}) {
		if _, err := waitStreamCurrent(ctx, js, c, cfg.Name); err != nil {
			t.Errorf("stream %s: %v", cfg.Name, err)
		}
	}
}
