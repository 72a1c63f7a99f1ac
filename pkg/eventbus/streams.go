package eventbus

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// StreamOf names the stream holding a producer's events.
func StreamOf(producer string) string { return strings.ToUpper(producer) }

// DeadLetterStream keeps messages that could not be decoded or kept failing.
const DeadLetterStream = "DEADLETTER"

// DeadLetterSubject is where a consumer moves a message it gives up on.
func DeadLetterSubject(consumer string) string { return "caiomatch.deadletter." + consumer }

// DuplicateWindow must outlast the outbox relay's retry horizon so that a re-publish after a
// crash between publish and mark-sent is dropped by JetStream; consumers dedupe beyond it.
const DuplicateWindow = 2 * time.Hour

// StreamSettings are the durability settings of every stream.
type StreamSettings struct {
	Replicas int
}

// EnsureStreams declares the event streams and the dead-letter stream, idempotently.
func EnsureStreams(ctx context.Context, js jetstream.JetStream, settings StreamSettings) error {
	replicas := max(settings.Replicas, 1)
	for _, producer := range []string{ProducerProfile, ProducerMission, ProducerMatching} {
		cfg := jetstream.StreamConfig{
			Name:       StreamOf(producer),
			Subjects:   []string{"caiomatch." + producer + ".v1.>"},
			Storage:    jetstream.FileStorage,
			Retention:  jetstream.LimitsPolicy,
			Duplicates: DuplicateWindow,
			Replicas:   replicas,
		}
		if _, err := js.CreateOrUpdateStream(ctx, cfg); err != nil {
			return fmt.Errorf("declare stream %s: %w", cfg.Name, err)
		}
	}
	_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:     DeadLetterStream,
		Subjects: []string{"caiomatch.deadletter.>"},
		Storage:  jetstream.FileStorage,
		MaxAge:   30 * 24 * time.Hour,
		Replicas: replicas,
	})
	if err != nil {
		return fmt.Errorf("declare stream %s: %w", DeadLetterStream, err)
	}
	return nil
}
