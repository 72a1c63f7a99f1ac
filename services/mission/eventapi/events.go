package eventapi

import (
	"fmt"
	"time"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	"github.com/caiomatch/caiomatch/services/mission/domain"
	"github.com/caiomatch/caiomatch/services/mission/grpcapi"
)

// EncodeEvent turns a domain event into its published form. Every event's aggregate is its
// mission.
func EncodeEvent(ev domain.Event, now time.Time) (eventbus.Event, error) {
	switch e := ev.(type) {
	case domain.MissionSubmitted:
		return eventbus.NewEvent(eventbus.ProducerMission, e.Mission.ID,
			&missionv1.MissionSubmitted{Mission: grpcapi.Mission(e.Mission)}, now)
	case domain.MissionCancelled:
		return eventbus.NewEvent(eventbus.ProducerMission, e.MissionID,
			&missionv1.MissionCancelled{MissionId: e.MissionID, FirmId: e.FirmID}, now)
	case domain.MissionUpdated:
		return eventbus.NewEvent(eventbus.ProducerMission, e.MissionID,
			&missionv1.MissionUpdated{MissionId: e.MissionID, Status: grpcapi.Status(e.Status)}, now)
	case domain.OfferMade:
		return eventbus.NewEvent(eventbus.ProducerMission, e.Offer.MissionID,
			&missionv1.OfferMade{Offer: grpcapi.Offer(e.Offer)}, now)
	case domain.OfferAccepted:
		return eventbus.NewEvent(eventbus.ProducerMission, e.Offer.MissionID,
			&missionv1.OfferAccepted{Offer: grpcapi.Offer(e.Offer)}, now)
	case domain.OfferDeclined:
		// The reason stays in the mission service, whatever the domain event holds.
		o := grpcapi.Offer(e.Offer)
		o.DeclineReason = ""
		return eventbus.NewEvent(eventbus.ProducerMission, e.Offer.MissionID, &missionv1.OfferDeclined{Offer: o}, now)
	case domain.OfferExpired:
		return eventbus.NewEvent(eventbus.ProducerMission, e.Offer.MissionID,
			&missionv1.OfferExpired{Offer: grpcapi.Offer(e.Offer)}, now)
	}
	return eventbus.Event{}, fmt.Errorf("unknown mission event %T", ev)
}

// Proposal is the domain form of a shortlist matching proposed.
func Proposal(sp *matchingv1.ShortlistProposed) domain.Proposal {
	p := domain.Proposal{
		Revision: sp.GetRevision(), ScoringVersion: sp.GetScoringVersion(), EligibleCount: int(sp.GetEligibleCount()),
	}
	for _, c := range sp.GetCandidates() {
		dc := domain.Candidate{ProfileID: c.GetProfileId(), Rank: int(c.GetRank()), Score: c.GetScore()}
		if e := c.GetExplanation(); e != nil {
			de := &domain.Explanation{MatchedSkills: e.GetMatchedSkills(), MissingSkills: e.GetMissingSkills()}
			for _, comp := range e.GetComponents() {
				de.Components = append(de.Components, domain.ScoreComponent{
					Name: comp.GetName(), Weight: comp.GetWeight(), Value: comp.GetValue(), Detail: comp.GetDetail()})
			}
			dc.Explanation = de
		}
		p.Candidates = append(p.Candidates, dc)
	}
	return p
}
