package eventapi

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/explain"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	"github.com/caiomatch/caiomatch/pkg/locale"
	"github.com/caiomatch/caiomatch/pkg/scoring/scoringpb"
	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// The encoding of the event matching publishes, ShortlistProposed. Its candidates are the
// shortlist the gRPC API serves too (package grpcapi writes them with Candidates).

// EncodeShortlistProposed turns a stored shortlist into its published event; the aggregate is
// the mission.
func EncodeShortlistProposed(s domain.Shortlist) (eventbus.Event, error) {
	return eventbus.NewEvent(eventbus.ProducerMatching, s.MissionID, ShortlistProposed(s), s.ProposedAt)
}

// Candidates writes ranked candidates with their explanations, texts written by w.
func Candidates(cs []domain.Candidate, w *explain.Writer) []*matchingv1.Candidate {
	out := make([]*matchingv1.Candidate, 0, len(cs))
	for _, c := range cs {
		out = append(out, scoringpb.Candidate(c.ProfileID, c.Rank, c.Score, &c.Explanation, w))
	}
	return out
}

// eventTexts write the texts events carry beside the facts: English, the platform's default,
// for consumers that only read texts; a reader's own language is written when it is served.
var eventTexts = explain.In(locale.Default)

// ShortlistProposed is the event published for a stored shortlist.
func ShortlistProposed(s domain.Shortlist) *matchingv1.ShortlistProposed {
	return &matchingv1.ShortlistProposed{
		MissionId: s.MissionID, FirmId: s.FirmID, Revision: s.Revision, ScoringVersion: s.ScoringVersion,
		Candidates: Candidates(s.Candidates, eventTexts), ProposedAt: timestamppb.New(s.ProposedAt),
		EligibleCount: int32(s.EligibleCount),
	}
}

// EncodeMatchingPaused is the event of a mission whose proposal pause p holds; the aggregate is
// the mission. The operator's reason goes with it, for the mission's audit trail.
func EncodeMatchingPaused(m domain.Mission, p domain.Pause, at time.Time) (eventbus.Event, error) {
	return eventbus.NewEvent(eventbus.ProducerMatching, m.ID, &matchingv1.MatchingPaused{
		MissionId: m.ID, FirmId: m.FirmID, Reason: p.Reason, PausedBy: p.By, PausedAt: timestamppb.New(p.Since),
	}, at)
}

// EncodeMatchingResumed is the event of a held mission a resume released.
func EncodeMatchingResumed(r domain.Resumption) (eventbus.Event, error) {
	return eventbus.NewEvent(eventbus.ProducerMatching, r.MissionID, &matchingv1.MatchingResumed{
		MissionId: r.MissionID, FirmId: r.FirmID, ResumedBy: r.By, ResumedAt: timestamppb.New(r.At),
		PausedAt: timestamppb.New(r.PausedAt),
	}, r.At)
}
