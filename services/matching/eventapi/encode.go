package eventapi

import (
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// The encoding of the event matching publishes, ShortlistProposed. Its candidates are the
// shortlist the gRPC API serves too (package grpcapi writes them with Candidates).

// EncodeShortlistProposed turns a stored shortlist into its published event; the aggregate is
// the mission.
func EncodeShortlistProposed(s domain.Shortlist) (eventbus.Event, error) {
	return eventbus.NewEvent(eventbus.ProducerMatching, s.MissionID, ShortlistProposed(s), s.ProposedAt)
}

// Candidates writes ranked candidates with their explanations.
func Candidates(cs []domain.Candidate) []*matchingv1.Candidate {
	out := make([]*matchingv1.Candidate, 0, len(cs))
	for _, c := range cs {
		exp := &matchingv1.Explanation{MatchedSkills: c.Explanation.MatchedSkills, MissingSkills: c.Explanation.MissingSkills,
			Components: Components(c.Explanation.Components)}
		out = append(out, &matchingv1.Candidate{ProfileId: c.ProfileID, Rank: int32(c.Rank), Score: c.Score, Explanation: exp})
	}
	return out
}

// Components writes score components.
func Components(cs []domain.Component) []*matchingv1.ScoreComponent {
	out := make([]*matchingv1.ScoreComponent, 0, len(cs))
	for _, c := range cs {
		out = append(out, &matchingv1.ScoreComponent{Name: c.Name, Weight: c.Weight, Value: c.Value, Detail: c.Detail})
	}
	return out
}

// ShortlistProposed is the event published for a stored shortlist.
func ShortlistProposed(s domain.Shortlist) *matchingv1.ShortlistProposed {
	return &matchingv1.ShortlistProposed{
		MissionId: s.MissionID, FirmId: s.FirmID, Revision: s.Revision, ScoringVersion: s.ScoringVersion,
		Candidates: Candidates(s.Candidates), ProposedAt: timestamppb.New(s.ProposedAt),
		EligibleCount: int32(s.EligibleCount),
	}
}
