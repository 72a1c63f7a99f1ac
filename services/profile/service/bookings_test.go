package service_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/eventbus/eventbustest"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	"github.com/caiomatch/caiomatch/pkg/rpc"
	"github.com/caiomatch/caiomatch/services/profile/internal/profiletest"
)

// publishMission publishes a mission event as the mission service's relay would, and returns
// it with its stream sequence.
func (h *harness) publishMission(t *testing.T, missionID string, payload proto.Message) (eventbus.Event, uint64) {
	t.Helper()
	ev, err := eventbus.NewEvent(eventbus.ProducerMission, missionID, payload, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return ev, h.publishRaw(t, ev, ev.Envelope.GetEventId())
}

// publishRaw publishes ev under the given Nats-Msg-Id; another id than the event's gets the same
// event past JetStream's duplicate window, as a redelivery would reach the handler.
func (h *harness) publishRaw(t *testing.T, ev eventbus.Event, msgID string) uint64 {
	t.Helper()
	ack, err := h.js.Publish(context.Background(), ev.Subject, ev.Data, jetstream.WithMsgID(msgID))
	if err != nil {
		t.Fatal(err)
	}
	if ack.Duplicate {
		t.Fatalf("message %s dropped as a duplicate", msgID)
	}
	return ack.Sequence
}

// waitHandled waits until the profile service's mission consumer has acknowledged every message
// up to stream sequence seq.
func (h *harness) waitHandled(t *testing.T, seq uint64) {
	t.Helper()
	eventually(t, "the mission consumer to acknowledge the MISSION stream", func() bool {
		c, err := h.js.Consumer(context.Background(), eventbus.StreamOf(eventbus.ProducerMission), eventbus.ConsumerProfileMissions)
		if err != nil {
			return false
		}
		info, err := c.Info(context.Background())
		return err == nil && info.AckFloor.Stream >= seq && info.NumAckPending == 0
	})
}

func eventTypes(events []eventbustest.Published) string {
	var types []string
	for _, e := range events {
		types = append(types, e.Envelope.GetType())
	}
	return strings.Join(types, ",")
}

var bookingsText = profiletest.BookingsText

func offerAccepted(missionID, profileID, start, end string) *missionv1.OfferAccepted {
	return &missionv1.OfferAccepted{Offer: &missionv1.Offer{
		Id: "offer-" + missionID + "-" + profileID, MissionId: missionID, ProfileId: profileID, FirmId: "firm-1",
		Status: missionv1.OfferStatus_OFFER_STATUS_ACCEPTED, StartDate: start, EndDate: end,
	}}
}

func TestAcceptedOfferBooksAndCancellationReleases(t *testing.T) {
	h := start(t)
	owner := as("cons-1", "CONSULTANT")
	id := h.create(t, owner).GetId()
	declared := "2027-03-01..2027-03-14 2027-08-01..2027-08-31"

	// The consultant accepts an offer: the mission service publishes OfferAccepted.
	accepted, seq := h.publishMission(t, "m-1", offerAccepted("m-1", id, "2027-09-01", "2028-02-29"))
	eventually(t, "ConsultantBooked and ProfileUpdated on the PROFILE stream", func() bool {
		return len(h.streamEvents(t, "PROFILE")) >= 3
	})
	h.waitHandled(t, seq)
	events := h.streamEvents(t, "PROFILE")
	if got := eventTypes(events); got != "ProfileRegistered,ConsultantBooked,ProfileUpdated" {
		t.Fatalf("PROFILE stream: %s", got)
	}
	want := &profilev1.ConsultantBooked{ProfileId: id, MissionId: "m-1", StartDate: "2027-09-01", EndDate: "2028-02-29"}
	if !proto.Equal(events[1].Payload, want) || events[1].Subject != "caiomatch.profile.v1.ConsultantBooked."+id {
		t.Fatalf("booked %v on %s", events[1].Payload, events[1].Subject)
	}
	facts := events[2].Payload.(*profilev1.ProfileUpdated).GetFacts()
	if got := bookingsText(facts.GetBookings()); facts.GetProfileId() != id || got != declared+" 2027-09-01..2028-02-29@m-1" {
		t.Fatalf("updated facts bookings %s", got)
	}
	booked := h.read(t, owner, id)
	if b := bookingsText(booked.GetBookings()); b != declared+" 2027-09-01..2028-02-29@m-1" {
		t.Fatalf("owner reads bookings %s", b)
	}

	// The same event delivered again, and a second acceptance of the same mission, change
	// nothing; an offer for a profile that does not exist is only acknowledged.
	h.publishRaw(t, accepted, accepted.Envelope.GetEventId()+"-again")
	h.publishMission(t, "m-1", offerAccepted("m-1", id, "2028-03-01", "2028-08-31"))
	_, seq = h.publishMission(t, "m-2", offerAccepted("m-2", "no-such-profile", "2027-09-01", "2028-02-29"))
	h.waitHandled(t, seq)
	time.Sleep(200 * time.Millisecond)
	if got := eventTypes(h.streamEvents(t, "PROFILE")); got != "ProfileRegistered,ConsultantBooked,ProfileUpdated" {
		t.Fatalf("PROFILE stream after the duplicates: %s", got)
	}
	if again, err := h.client.GetProfile(owner, &profilev1.GetProfileRequest{Id: id}); err != nil || !proto.Equal(again.GetProfile(), booked) {
		t.Fatalf("after the duplicates: %v, %v\nwant %v", again.GetProfile(), err, booked)
	}
	if n := len(h.streamEvents(t, eventbus.DeadLetterStream)); n != 0 {
		t.Fatalf("%d dead letters", n)
	}

	// A firm that shortlisted the consultant sees when they are busy, not for which mission.
	h.matching.shortlist(id, "firm-2")
	seen := h.read(t, as("firm-2", "FIRM"), id)
	if b := bookingsText(seen.GetBookings()); b != declared+" 2027-09-01..2028-02-29" || seen.GetEmail() != "" {
		t.Fatalf("firm reads bookings %s, email %q", b, seen.GetEmail())
	}

	// Replacing the profile replaces the consultant's bookings only.
	replace := replaceRequest(id)
	replace.Bookings = []*profilev1.Booking{{StartDate: "2028-04-01", EndDate: "2028-04-15"}}
	replaced, err := h.client.ReplaceProfile(owner, replace)
	if err != nil {
		t.Fatal(err)
	}
	if b := bookingsText(replaced.GetProfile().GetBookings()); b != "2028-04-01..2028-04-15 2027-09-01..2028-02-29@m-1" {
		t.Fatalf("replaced bookings %s", b)
	}
	replace.Bookings = []*profilev1.Booking{{StartDate: "2027-09-01", EndDate: "2028-02-29", MissionId: "m-1"}}
	_, err = h.client.ReplaceProfile(owner, replace)
	if got := strings.Join(rpc.ViolatedFields(err), ","); got != "bookings[0].missionId" {
		t.Fatalf("replacing with a mission id: %v (fields %s)", err, got)
	}

	// The firm cancels the mission: the booking goes, the consultant's own stay.
	cancelled, seq := h.publishMission(t, "m-1", &missionv1.MissionCancelled{MissionId: "m-1", FirmId: "firm-1"})
	eventually(t, "ConsultantReleased and ProfileUpdated on the PROFILE stream", func() bool {
		return len(h.streamEvents(t, "PROFILE")) >= 6
	})
	h.waitHandled(t, seq)
	events = h.streamEvents(t, "PROFILE")
	if got := eventTypes(events); got != "ProfileRegistered,ConsultantBooked,ProfileUpdated,ProfileUpdated,ConsultantReleased,ProfileUpdated" {
		t.Fatalf("PROFILE stream: %s", got)
	}
	if !proto.Equal(events[4].Payload, &profilev1.ConsultantReleased{ProfileId: id, MissionId: "m-1"}) {
		t.Fatalf("released %v", events[4].Payload)
	}
	if b := bookingsText(events[5].Payload.(*profilev1.ProfileUpdated).GetFacts().GetBookings()); b != "2028-04-01..2028-04-15" {
		t.Fatalf("updated facts bookings %s", b)
	}
	released := h.read(t, owner, id)
	if b := bookingsText(released.GetBookings()); b != "2028-04-01..2028-04-15" {
		t.Fatalf("owner reads bookings %s", b)
	}

	// Delivered again, the cancellation does nothing more; nor does the acceptance of the
	// cancelled mission.
	h.publishRaw(t, cancelled, cancelled.Envelope.GetEventId()+"-again")
	seq = h.publishRaw(t, accepted, accepted.Envelope.GetEventId()+"-late")
	h.waitHandled(t, seq)
	time.Sleep(200 * time.Millisecond)
	if n := len(h.streamEvents(t, "PROFILE")); n != 6 {
		t.Fatalf("%d events on PROFILE, want 6", n)
	}
	if again, err := h.client.GetProfile(owner, &profilev1.GetProfileRequest{Id: id}); err != nil || !proto.Equal(again.GetProfile(), released) {
		t.Fatalf("after the duplicates: %v, %v", again.GetProfile(), err)
	}

	// Each event is published once, and none carries personal data; nor do the logs.
	ids := map[string]bool{}
	for _, e := range h.streamEvents(t, "PROFILE") {
		if ids[e.Envelope.GetEventId()] || e.MsgID != e.Envelope.GetEventId() || e.Envelope.GetAggregateId() != id {
			t.Errorf("%s: event id %s, Nats-Msg-Id %s, aggregate %s", e.Envelope.GetType(), e.Envelope.GetEventId(), e.MsgID, e.Envelope.GetAggregateId())
		}
		ids[e.Envelope.GetEventId()] = true
		for _, secret := range []string{"Claire", "claire", "Former CTO", "Lyon", "Gent", "42001"} {
			if bytes.Contains(e.Data, []byte(secret)) {
				t.Errorf("%s carries %q", e.Envelope.GetType(), secret)
			}
		}
	}
	logs := h.logs.String()
	for _, secret := range []string{"claire", "Claire", "Lyon", "Gent"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs leak %q", secret)
		}
	}
	if !strings.Contains(logs, `"result":"booked"`) || !strings.Contains(logs, `"result":"released"`) {
		t.Errorf("logs do not tell what the mission events did:\n%s", logs)
	}
}
