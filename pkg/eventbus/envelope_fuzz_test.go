package eventbus_test

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	eventsv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/events/v1"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
)

// FuzzDecodeEnvelope: a message body either decodes into an envelope with an id and a known
// payload, which encodes and decodes again to the same, or is an error (the consumer
// dead-letters it, the error as its reason): never a panic, never half a result. (A reason
// quoting a line break from the message is no header injection: nats.go writes header values
// with line breaks as spaces.)
func FuzzDecodeEnvelope(f *testing.F) {
	at := time.Date(2027, 2, 1, 9, 0, 0, 0, time.UTC)
	for _, payload := range []proto.Message{
		&missionv1.MissionSubmitted{Mission: &missionv1.Mission{Id: "m-1", FirmId: "f-1", StartDate: "2027-03-01"}},
		&missionv1.OfferDeclined{Offer: &missionv1.Offer{Id: "o-1", MissionId: "m-1", ProfileId: "p-1"}},
		&profilev1.ProfileRegistered{Facts: &profilev1.MatchingFacts{ProfileId: "01a1fba7-5174-7a4d-933c-e12320a4aad3", AvailableFrom: "2027-01-01"}},
		&profilev1.ProfileErased{ProfileId: "01a1fba7-5174-7a4d-933c-e12320a4aad3"},
		&matchingv1.ShortlistProposed{MissionId: "m-1"},
		wrapperspb.String("not an event"),
	} {
		ev, err := eventbus.NewEvent(eventbus.ProducerMission, "m-1", payload, at)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(ev.Data)
	}
	unknown, _ := proto.Marshal(&eventsv1.Envelope{EventId: "e-1", Type: "Nope\r\nNats-Msg-Id: x",
		Payload: &anypb.Any{TypeUrl: "type.googleapis.com/caiomatch.nope.v1.Nope", Value: []byte{1, 2}}})
	noID, _ := proto.Marshal(&eventsv1.Envelope{Payload: &anypb.Any{TypeUrl: "type.googleapis.com/google.protobuf.StringValue"}})
	badValue, _ := proto.Marshal(&eventsv1.Envelope{EventId: "e-1", Type: "MissionSubmitted",
		Payload: &anypb.Any{TypeUrl: "type.googleapis.com/caiomatch.mission.v1.MissionSubmitted", Value: []byte{0x0a, 0xff}}})
	for _, seed := range [][]byte{nil, {0}, {0xff, 0xff}, []byte("{\"eventId\":\"e-1\"}"), unknown, noID, badValue} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		env, payload, err := eventbus.DecodeEnvelope(data)
		if err != nil {
			if env != nil || payload != nil {
				t.Fatalf("an error (%v) with a result: %v %v", err, env, payload)
			}
			if !strings.HasPrefix(err.Error(), "decode ") {
				t.Fatalf("an error that does not say what failed: %v", err)
			}
			return
		}
		if env.GetEventId() == "" || payload == nil {
			t.Fatalf("decoded without an id or a payload: %v %v", env, payload)
		}
		if name := string(payload.ProtoReflect().Descriptor().FullName()); !strings.HasSuffix(env.GetPayload().GetTypeUrl(), "/"+name) {
			t.Fatalf("payload %s decoded from %s", name, env.GetPayload().GetTypeUrl())
		}
		again, err := proto.MarshalOptions{Deterministic: true}.Marshal(env)
		if err != nil {
			t.Fatalf("a decoded envelope does not encode: %v", err)
		}
		env2, payload2, err := eventbus.DecodeEnvelope(again)
		if err != nil || !proto.Equal(env, env2) || !proto.Equal(payload, payload2) {
			t.Fatalf("decoded, encoded and decoded again: %v (%v, %v)", err, env2, payload2)
		}
	})
}
