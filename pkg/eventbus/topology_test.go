package eventbus

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// TestDeployTopologyIsCurrent: deploy/nats/topology.json is what the code declares.
func TestDeployTopologyIsCurrent(t *testing.T) {
	want, err := TopologyJSON()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../deploy/nats/topology.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(want)) {
		t.Fatal("deploy/nats/topology.json is stale: run `go run ./pkg/eventbus/cmd/natstopology` from the repository root")
	}
}

func TestEveryConsumerIsOnADeclaredStream(t *testing.T) {
	streams := map[string]bool{}
	for _, s := range Streams(StreamSettings{}) {
		streams[s.Name] = true
	}
	seen := map[string]bool{}
	for _, c := range Consumers() {
		if !streams[c.Stream] || seen[c.Durable] {
			t.Errorf("consumer %s: stream %s declared %v, name repeated %v", c.Durable, c.Stream, streams[c.Stream], seen[c.Durable])
		}
		seen[c.Durable] = true
		if spec := ConsumerSpecOf(c.Durable); spec.AckWait == 0 || spec.MaxDeliver == 0 {
			t.Errorf("consumer %s has no delivery bounds: %+v", c.Durable, spec)
		}
	}
}

func TestCheckDurabilityRefusesDataLosingStreams(t *testing.T) {
	cluster := StreamSettings{Cluster: "prod"}
	for _, s := range Streams(cluster) {
		if s.Replicas != ClusterReplicas {
			t.Fatalf("stream %s declared with %d replicas on a cluster", s.Name, s.Replicas)
		}
		if err := CheckDurability(s, cluster); err != nil {
			t.Fatalf("declared stream refused: %v", err)
		}
	}
	good := Streams(cluster)[0]
	cases := map[string]struct {
		change   func(*jetstream.StreamConfig)
		settings StreamSettings
		mention  string
	}{
		"R1 on a cluster":          {func(c *jetstream.StreamConfig) { c.Replicas = 1 }, cluster, "1 replica(s)"},
		"memory storage":           {func(c *jetstream.StreamConfig) { c.Storage = jetstream.MemoryStorage }, cluster, "memory storage"},
		"short duplicate window":   {func(c *jetstream.StreamConfig) { c.Duplicates = 2 * time.Minute }, cluster, "retry horizon"},
		"short window, no cluster": {func(c *jetstream.StreamConfig) { c.Duplicates = time.Minute }, StreamSettings{}, "retry horizon"},
	}
	for name, tc := range cases {
		cfg := good
		tc.change(&cfg)
		err := CheckDurability(cfg, tc.settings)
		if !errors.Is(err, ErrUnsafeStreams) || !strings.Contains(err.Error(), tc.mention) {
			t.Errorf("%s: %v, want a refusal mentioning %q", name, err, tc.mention)
		}
	}
	r1 := good
	r1.Replicas = 1
	if err := CheckDurability(r1, StreamSettings{Cluster: "test", AllowUnreplicated: true}); err != nil {
		t.Errorf("R1 on a test cluster explicitly allowed: %v", err)
	}
	if err := CheckDurability(r1, StreamSettings{}); err != nil {
		t.Errorf("R1 on a single server: %v", err)
	}
}
