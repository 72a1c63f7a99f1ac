package eventapi

import (
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/caiomatch/caiomatch/pkg/dates"
	"github.com/caiomatch/caiomatch/pkg/eventbus"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	"github.com/caiomatch/caiomatch/pkg/scoring/scoringpb"
	"github.com/caiomatch/caiomatch/services/mission/domain"
	"github.com/caiomatch/caiomatch/services/mission/grpcapi"
)

// EncodeEvent turns a domain event into its published form. Every event's aggregate is its
// mission.
func EncodeEvent(ev domain.Event, now time.Time) (eventbus.Event, error) {
	missionID, msg, err := message(ev)
	if err != nil {
		return eventbus.Event{}, err
	}
	return eventbus.NewEvent(eventbus.ProducerMission, missionID, msg, now)
}

// message is the message a domain event is published as, and the id of its mission.
func message(ev domain.Event) (string, proto.Message, error) {
	switch e := ev.(type) {
	case domain.MissionSubmitted:
		return e.Mission.ID, &missionv1.MissionSubmitted{Mission: mission(e.Mission)}, nil
	case domain.MissionCancelled:
		return e.MissionID, &missionv1.MissionCancelled{MissionId: e.MissionID, FirmId: e.FirmID}, nil
	case domain.MissionUpdated:
		return e.MissionID, &missionv1.MissionUpdated{MissionId: e.MissionID, Status: grpcapi.Status(e.Status)}, nil
	case domain.MissionEdited:
		return e.Mission.ID, &missionv1.MissionEdited{Mission: mission(e.Mission), ChangedFields: e.ChangedFields}, nil
	case domain.OfferMade:
		return e.Offer.MissionID, &missionv1.OfferMade{Offer: offer(e.Offer)}, nil
	case domain.OfferAccepted:
		return e.Offer.MissionID, &missionv1.OfferAccepted{Offer: offer(e.Offer)}, nil
	case domain.OfferDeclined:
		return e.Offer.MissionID, &missionv1.OfferDeclined{Offer: offer(e.Offer)}, nil
	case domain.OfferExpired:
		return e.Offer.MissionID, &missionv1.OfferExpired{Offer: offer(e.Offer)}, nil
	case domain.OfferCountered:
		return e.Offer.MissionID, &missionv1.OfferCountered{Offer: offer(e.Offer)}, nil
	case domain.OfferWithdrawn:
		return e.Offer.MissionID, &missionv1.OfferWithdrawn{Offer: offer(e.Offer)}, nil
	case domain.StaffingDatesChanged:
		return e.MissionID, &missionv1.StaffingDatesChanged{MissionId: e.MissionID, ProfileId: e.ProfileID,
			StartDate: dates.Format(e.Start), EndDate: dates.Format(e.End)}, nil
	case domain.ExtensionRequested:
		return e.Extension.MissionID, &missionv1.ExtensionRequested{Extension: extension(e.Extension)}, nil
	case domain.ExtensionAccepted:
		return e.Extension.MissionID, &missionv1.ExtensionAccepted{Extension: extension(e.Extension)}, nil
	case domain.ExtensionDeclined:
		return e.Extension.MissionID, &missionv1.ExtensionDeclined{Extension: extension(e.Extension)}, nil
	case domain.FeedbackGiven:
		return e.MissionID, &missionv1.FeedbackGiven{MissionId: e.MissionID, ProfileId: e.ProfileID, AuthorRole: e.AuthorRole,
			Rating: int32(e.Rating), WouldStaffAgain: e.WouldStaffAgain}, nil
	}
	return "", nil, fmt.Errorf("unknown mission event %T", ev)
}

// Events carry ids and facts, never what a person wrote nor who they are: an event stays in
// its stream, seen by every consumer, after the mission it describes, while an erasure must
// remove a person's words and name (see docs/SECURITY.md, "Erasure").

// mission is a mission as events carry it: without the firm's name (consumers read it from the
// firm's account events).
func mission(m domain.Mission) *missionv1.Mission {
	out := grpcapi.Mission(m)
	out.FirmName = ""
	return out
}

// offer is an offer as events carry it: never the decline reason, the firm's note, the
// consultant's counter message, the firm's contact email nor its name, whatever the domain
// event holds.
func offer(o domain.Offer) *missionv1.Offer {
	out := grpcapi.Offer(o)
	out.DeclineReason, out.Message, out.CounterMessage, out.ContactEmail = "", "", "", ""
	if out.Mission != nil {
		out.Mission.FirmName = ""
	}
	return out
}

// extension is an extension as events carry it: never the decline reason nor the firm's note.
func extension(e domain.Extension) *missionv1.Extension {
	out := grpcapi.Extension(e)
	out.DeclineReason, out.Message = "", ""
	return out
}

// Proposal is the domain form of a shortlist matching proposed.
func Proposal(sp *matchingv1.ShortlistProposed) domain.Proposal {
	p := domain.Proposal{
		Revision: sp.GetRevision(), ScoringVersion: sp.GetScoringVersion(), EligibleCount: int(sp.GetEligibleCount()),
	}
	for _, c := range sp.GetCandidates() {
		p.Candidates = append(p.Candidates, domain.Candidate{ProfileID: c.GetProfileId(), Rank: int(c.GetRank()),
			Score: c.GetScore(), Explanation: scoringpb.ExplanationFrom(c.GetExplanation())})
	}
	return p
}
