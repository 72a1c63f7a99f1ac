// Package eventbus carries domain events over NATS JetStream: envelopes, streams, the embedded
// server, traced publishing and idempotency-friendly durable consumers.
package eventbus

import (
	"fmt"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/events/v1"
)

// SchemaVersion is the envelope payload schema generation; bump it on a breaking payload change.
const SchemaVersion = 1

// Producers and their streams. Subjects are caiomatch.<producer>.v1.<EventType>.<aggregateId>.
const (
	ProducerProfile  = "profile"
	ProducerMission  = "mission"
	ProducerMatching = "matching"
	// ProducerAccount is the gateway's account store: AccountChanged, AccountErased.
	ProducerAccount = "account"
)

// Event is an envelope ready to be stored in an outbox and published.
type Event struct {
	Envelope *eventsv1.Envelope
	Subject  string
	Data     []byte
}

// NewEvent wraps payload in an envelope with a fresh UUIDv7 id.
func NewEvent(producer, aggregateID string, payload proto.Message, now time.Time) (Event, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return Event{}, fmt.Errorf("event id: %w", err)
	}
	anyPayload, err := anypb.New(payload)
	if err != nil {
		return Event{}, fmt.Errorf("wrap payload: %w", err)
	}
	eventType := string(payload.ProtoReflect().Descriptor().Name())
	env := &eventsv1.Envelope{
		EventId:       id.String(),
		Type:          eventType,
		AggregateId:   aggregateID,
		OccurredAt:    timestamppb.New(now),
		Producer:      producer,
		SchemaVersion: SchemaVersion,
		Payload:       anyPayload,
	}
	data, err := proto.Marshal(env)
	if err != nil {
		return Event{}, fmt.Errorf("marshal envelope: %w", err)
	}
	return Event{Envelope: env, Subject: Subject(producer, eventType, aggregateID), Data: data}, nil
}

// Subject is where an event of that type and aggregate is published.
func Subject(producer, eventType, aggregateID string) string {
	return "caiomatch." + producer + ".v1." + eventType + "." + aggregateID
}

// DecodeEnvelope parses a message body; a failure means the message can never be handled.
func DecodeEnvelope(data []byte) (*eventsv1.Envelope, proto.Message, error) {
	env := &eventsv1.Envelope{}
	if err := proto.Unmarshal(data, env); err != nil {
		return nil, nil, fmt.Errorf("decode envelope: %w", err)
	}
	if env.GetEventId() == "" || env.GetPayload() == nil {
		return nil, nil, fmt.Errorf("decode envelope: missing event id or payload")
	}
	payload, err := env.GetPayload().UnmarshalNew()
	if err != nil {
		return nil, nil, fmt.Errorf("decode payload %s: %w", env.GetType(), err)
	}
	return env, payload, nil
}
