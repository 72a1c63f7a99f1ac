package eventapi_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	"github.com/caiomatch/caiomatch/pkg/identity"
)

// TestHandlersApplyOfferAnswers: a declined and an expired offer exclude their consultant from
// the mission (a fresh shortlist is proposed without them), and MissionUpdated STAFFED closes
// the mission while other statuses are ignored.
func TestHandlersApplyOfferAnswers(t *testing.T) {
	f := newHandlers(t)
	ctx := t.Context()
	a, b, c := uuid.NewString(), uuid.NewString(), uuid.NewString()
	for i, id := range []string{a, b, c} {
		fa := facts(id, int32(1000+100*i))
		fa.Skills[0].Level = 5
		if err := handle(t, f.handlers.Profile, eventbus.ProducerProfile, id, registered(fa)); err != nil {
			t.Fatal(err)
		}
	}
	if err := handle(t, f.handlers.Mission, eventbus.ProducerMission, "m1", &missionv1.MissionSubmitted{Mission: testMission("m1", "firm-1")}); err != nil {
		t.Fatal(err)
	}
	holds := func(id string) bool {
		v, err := f.app.GetShortlist(ctx, identity.System, "m1")
		if err != nil {
			t.Fatal(err)
		}
		return v.Shortlist.Holds(id)
	}
	if !holds(a) || !holds(b) {
		t.Fatal("the first shortlist lacks a consultant")
	}
	if err := handle(t, f.handlers.Mission, eventbus.ProducerMission, "m1",
		&missionv1.OfferDeclined{Offer: &missionv1.Offer{MissionId: "m1", ProfileId: a}}); err != nil {
		t.Fatal(err)
	}
	if err := handle(t, f.handlers.Mission, eventbus.ProducerMission, "m1",
		&missionv1.OfferExpired{Offer: &missionv1.Offer{MissionId: "m1", ProfileId: b}}); err != nil {
		t.Fatal(err)
	}
	if holds(a) || holds(b) || !holds(c) {
		t.Fatal("a declined or expired consultant is still on the shortlist")
	}
	if err := handle(t, f.handlers.Mission, eventbus.ProducerMission, "m1",
		&missionv1.OfferDeclined{Offer: &missionv1.Offer{MissionId: "m1"}}); err == nil {
		t.Fatal("a decline without a profile was accepted")
	}
	if err := handle(t, f.handlers.Mission, eventbus.ProducerMission, "m1",
		&missionv1.MissionUpdated{MissionId: "m1", Status: missionv1.MissionStatus_MISSION_STATUS_OFFERED}); err != nil {
		t.Fatal(err)
	}
	if visible, _ := f.app.CheckProfileVisibility(ctx, c, "firm-1"); !visible {
		t.Fatal("an OFFERED status closed the mission")
	}
	if err := handle(t, f.handlers.Mission, eventbus.ProducerMission, "m1",
		&missionv1.MissionUpdated{MissionId: "m1", Status: missionv1.MissionStatus_MISSION_STATUS_STAFFED}); err != nil {
		t.Fatal(err)
	}
	if visible, _ := f.app.CheckProfileVisibility(ctx, c, "firm-1"); visible {
		t.Fatal("a STAFFED mission is still open")
	}
}
