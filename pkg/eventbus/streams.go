package eventbus

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// StreamOf names the stream holding a producer's events.
func StreamOf(producer string) string { return strings.ToUpper(producer) }

// DeadLetterStream keeps messages that could not be decoded or kept failing.
const DeadLetterStream = "DEADLETTER"

// DeadLetterSubject is where a consumer moves a message it gives up on.
func DeadLetterSubject(consumer string) string { return "caiomatch.deadletter." + consumer }

// RelayRetryHorizon bounds how long after its first publish attempt an outbox row may be
// published again: a relay that crashed between publish and mark-sent restarts and
// re-publishes within it (restarts are supervised in minutes, not hours).
const RelayRetryHorizon = time.Hour

// DuplicateWindow must outlast RelayRetryHorizon so that such a re-publish is dropped by
// JetStream; consumers dedupe beyond it with their inbox.
const DuplicateWindow = 2 * time.Hour

// ClusterReplicas is the replica count that keeps acknowledged events when a node of a
// three-node cluster is lost.
const ClusterReplicas = 3

// StreamSettings are the durability settings of every stream.
type StreamSettings struct {
	// Replicas of every stream; 0 means 1 (the embedded server) or ClusterReplicas on a
	// cluster.
	Replicas int
	// Cluster is the name of the NATS cluster connected to; empty for a single server.
	Cluster string
	// AllowUnreplicated accepts fewer than ClusterReplicas replicas on a cluster, for tests only.
	AllowUnreplicated bool
}

func (s StreamSettings) replicas() int {
	switch {
	case s.Replicas > 0:
		return s.Replicas
	case s.Cluster != "":
		return ClusterReplicas
	}
	return 1
}

// Streams are the platform's streams, declared here and nowhere else: deploy/nats/topology.json
// is generated from them (go run ./pkg/eventbus/cmd/natstopology) for operators.
func Streams(settings StreamSettings) []jetstream.StreamConfig {
	replicas := settings.replicas()
	var out []jetstream.StreamConfig
	for _, producer := range []string{ProducerProfile, ProducerMission, ProducerMatching, ProducerAccount} {
		out = append(out, jetstream.StreamConfig{
			Name:        StreamOf(producer),
			Description: "events of the " + producer + " service",
			Subjects:    []string{"caiomatch." + producer + ".v1.>"},
			Storage:     jetstream.FileStorage,
			Retention:   jetstream.LimitsPolicy,
			Duplicates:  DuplicateWindow,
			Replicas:    replicas,
		})
	}
	return append(out, jetstream.StreamConfig{
		Name:        DeadLetterStream,
		Description: "messages consumers gave up on, kept 30 days",
		Subjects:    []string{"caiomatch.deadletter.>"},
		Storage:     jetstream.FileStorage,
		MaxAge:      30 * 24 * time.Hour,
		Duplicates:  DuplicateWindow,
		Replicas:    replicas,
	})
}

// ErrUnsafeStreams is wrapped by every refusal of CheckDurability.
var ErrUnsafeStreams = errors.New("unsafe stream configuration")

// CheckDurability refuses a stream configuration that would lose or duplicate acknowledged
// events: fewer than ClusterReplicas replicas on a cluster (a node loss would lose what it
// alone held), file storage missing, or a duplicate window shorter than RelayRetryHorizon.
func CheckDurability(cfg jetstream.StreamConfig, settings StreamSettings) error {
	var problems []string
	if settings.Cluster != "" && cfg.Replicas < ClusterReplicas && !settings.AllowUnreplicated {
		problems = append(problems, fmt.Sprintf("%d replica(s) on cluster %q: losing one node would lose acknowledged events; "+
			"use %d replicas (CAIOMATCH_NATS_REPLICAS)", max(cfg.Replicas, 1), settings.Cluster, ClusterReplicas))
	}
	if cfg.Storage != jetstream.FileStorage {
		problems = append(problems, "memory storage: a restart would lose every event")
	}
	if cfg.Duplicates < RelayRetryHorizon {
		problems = append(problems, fmt.Sprintf("duplicate window %s is shorter than the outbox relay's retry horizon %s: "+
			"an event re-published after a crash could be stored twice", cfg.Duplicates, RelayRetryHorizon))
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("%w: stream %s: %s", ErrUnsafeStreams, cfg.Name, strings.Join(problems, "; "))
}

// EnsureStreams declares the event streams and the dead-letter stream, idempotently, and
// refuses to start on a configuration that would lose acknowledged data: it checks both what
// it asks for and what the server reports afterwards (an operator may have declared the
// streams differently).
func EnsureStreams(ctx context.Context, js jetstream.JetStream, settings StreamSettings) error {
	for _, cfg := range Streams(settings) {
		if err := CheckDurability(cfg, settings); err != nil {
			return err
		}
		s, err := declareStream(ctx, js, cfg)
		if err != nil {
			return fmt.Errorf("declare stream %s: %w", cfg.Name, err)
		}
		if err := CheckDurability(s.CachedInfo().Config, settings); err != nil {
			return err
		}
	}
	return nil
}

// declareStream creates the stream, or updates it when it exists with another configuration.
// It creates first because a cluster answers an update only from the stream's leader: replicas
// starting together on a fresh cluster, or right after the cluster restarted, would wait on
// updates of streams without a leader yet. A request that times out is tried again for a while.
func declareStream(ctx context.Context, js jetstream.JetStream, cfg jetstream.StreamConfig) (jetstream.Stream, error) {
	const attempts, pause = 12, 500 * time.Millisecond
	var err error
	for range attempts {
		var s jetstream.Stream
		s, err = js.CreateStream(ctx, cfg)
		if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			s, err = js.UpdateStream(ctx, cfg)
		}
		if err == nil {
			return s, nil
		}
		if ctx.Err() != nil || !transient(err) {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(pause):
		}
	}
	return nil, err
}

// transient errors are the ones a cluster gives while it elects leaders.
func transient(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) ||
		errors.Is(err, nats.ErrNoResponders) || errors.Is(err, jetstream.ErrNoStreamResponse)
}
