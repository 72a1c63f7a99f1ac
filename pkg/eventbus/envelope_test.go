package eventbus_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	eventsv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/events/v1"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
)

func TestNewEventAndDecodeRoundTrip(t *testing.T) {
	now := time.Date(2026, 3, 4, 5, 6, 7, 8000, time.UTC)
	payload := &missionv1.MissionSubmitted{Mission: &missionv1.Mission{Id: "m-42"}}
	ev, err := eventbus.NewEvent(eventbus.ProducerMission, "m-42", payload, now)
	if err != nil {
		t.Fatalf("NewEvent: %v", err)
	}
	env := ev.Envelope
	id, err := uuid.Parse(env.GetEventId())
	if err != nil || id.Version() != 7 {
		t.Errorf("event id %q is not a UUIDv7 (%v)", env.GetEventId(), err)
	}
	if env.GetType() != "MissionSubmitted" || env.GetAggregateId() != "m-42" || env.GetProducer() != "mission" ||
		env.GetSchemaVersion() != eventbus.SchemaVersion || !env.GetOccurredAt().AsTime().Equal(now) {
		t.Errorf("envelope = %v", env)
	}
	if want := "caiomatch.mission.v1.MissionSubmitted.m-42"; ev.Subject != want {
		t.Errorf("subject = %q, want %q", ev.Subject, want)
	}

	decoded, p, err := eventbus.DecodeEnvelope(ev.Data)
	if err != nil {
		t.Fatalf("DecodeEnvelope: %v", err)
	}
	if !proto.Equal(decoded, env) {
		t.Errorf("decoded envelope = %v, want %v", decoded, env)
	}
	got, ok := p.(*missionv1.MissionSubmitted)
	if !ok || !proto.Equal(got, payload) {
		t.Errorf("decoded payload = %T %v", p, p)
	}
}

func TestNewEventIDsAreUniqueAndTimeOrdered(t *testing.T) {
	var prev string
	for i := range 200 {
		ev, err := eventbus.NewEvent(eventbus.ProducerProfile, "p-1", wrapperspb.String("x"), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		id := ev.Envelope.GetEventId()
		if i > 0 && id <= prev {
			t.Fatalf("event id %s does not sort after %s", id, prev)
		}
		prev = id
	}
}

func TestSubjectAndStreamNames(t *testing.T) {
	if got := eventbus.Subject("profile", "ProfilePublished", "p-1"); got != "caiomatch.profile.v1.ProfilePublished.p-1" {
		t.Errorf("Subject = %q", got)
	}
	if eventbus.StreamOf(eventbus.ProducerMatching) != "MATCHING" {
		t.Errorf("StreamOf(matching) = %q", eventbus.StreamOf(eventbus.ProducerMatching))
	}
	if got := eventbus.DeadLetterSubject("mission.shortlists"); got != "caiomatch.deadletter.mission.shortlists" {
		t.Errorf("DeadLetterSubject = %q", got)
	}
}

func TestDecodeEnvelopeRejects(t *testing.T) {
	payload, err := anypb.New(wrapperspb.String("x"))
	if err != nil {
		t.Fatal(err)
	}
	marshal := func(env *eventsv1.Envelope) []byte {
		b, err := proto.Marshal(env)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"garbage", []byte{0xff, 0xff, 0xff}, "decode envelope"},
		{"empty", nil, "missing event id or payload"},
		{"no event id", marshal(&eventsv1.Envelope{Type: "StringValue", Payload: payload}), "missing event id or payload"},
		{"no payload", marshal(&eventsv1.Envelope{EventId: "e-1", Type: "StringValue"}), "missing event id or payload"},
		{"unknown payload type", marshal(&eventsv1.Envelope{EventId: "e-1", Type: "Nope",
			Payload: &anypb.Any{TypeUrl: "type.googleapis.com/caiomatch.test.Nope"}}), "decode payload Nope"},
		{"corrupt payload", marshal(&eventsv1.Envelope{EventId: "e-1", Type: "StringValue",
			Payload: &anypb.Any{TypeUrl: payload.GetTypeUrl(), Value: []byte{0x0a, 0xff}}}), "decode payload StringValue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, p, err := eventbus.DecodeEnvelope(tt.data)
			if err == nil || env != nil || p != nil {
				t.Fatalf("DecodeEnvelope = %v, %v, %v; want an error", env, p, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}
