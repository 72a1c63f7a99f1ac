package sqlite

import (
	"fmt"
	"time"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	"github.com/caiomatch/caiomatch/services/mission/adapters/missionpb"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// EncodeEvent turns a domain event into its published form. Every event's aggregate is its
// mission.
func EncodeEvent(ev domain.Event, now time.Time) (eventbus.Event, error) {
	switch e := ev.(type) {
	case domain.MissionSubmitted:
		return eventbus.NewEvent(eventbus.ProducerMission, e.Mission.ID,
			&missionv1.MissionSubmitted{Mission: missionpb.Mission(e.Mission)}, now)
	case domain.MissionCancelled:
		return eventbus.NewEvent(eventbus.ProducerMission, e.MissionID,
			&missionv1.MissionCancelled{MissionId: e.MissionID, FirmId: e.FirmID}, now)
	case domain.MissionUpdated:
		return eventbus.NewEvent(eventbus.ProducerMission, e.MissionID,
			&missionv1.MissionUpdated{MissionId: e.MissionID, Status: missionpb.Status(e.Status)}, now)
	case domain.OfferMade:
		return eventbus.NewEvent(eventbus.ProducerMission, e.Offer.MissionID,
			&missionv1.OfferMade{Offer: missionpb.Offer(e.Offer)}, now)
	case domain.OfferAccepted:
		return eventbus.NewEvent(eventbus.ProducerMission, e.Offer.MissionID,
			&missionv1.OfferAccepted{Offer: missionpb.Offer(e.Offer)}, now)
	case domain.OfferDeclined:
		// The reason stays in the mission service, whatever the domain event holds.
		o := missionpb.Offer(e.Offer)
		o.DeclineReason = ""
		return eventbus.NewEvent(eventbus.ProducerMission, e.Offer.MissionID, &missionv1.OfferDeclined{Offer: o}, now)
	case domain.OfferExpired:
		return eventbus.NewEvent(eventbus.ProducerMission, e.Offer.MissionID,
			&missionv1.OfferExpired{Offer: missionpb.Offer(e.Offer)}, now)
	}
	return eventbus.Event{}, fmt.Errorf("unknown mission event %T", ev)
}
