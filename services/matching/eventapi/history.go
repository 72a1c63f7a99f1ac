package eventapi

import (
	"context"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
)

// ProposalHistory is matching's published shortlists in the MATCHING stream (app.History).
type ProposalHistory struct{ JS jetstream.JetStream }

// ErasePastProposals securely deletes the ShortlistProposed events of missionIDs that list
// profileID among their candidates (with the facts their explanations quote). An open mission
// that held the person is re-ranked by the erasure, and its newer shortlist supersedes them.
func (h ProposalHistory) ErasePastProposals(ctx context.Context, missionIDs []string, profileID string) (int, error) {
	erased := 0
	for _, missionID := range missionIDs {
		n, err := eventbus.EraseWhere(ctx, h.JS, eventbus.StreamOf(eventbus.ProducerMatching),
			eventbus.Subject(eventbus.ProducerMatching, "ShortlistProposed", missionID), func(m *jetstream.RawStreamMsg) bool {
				_, payload, err := eventbus.DecodeEnvelope(m.Data)
				if err != nil {
					return false
				}
				sp, ok := payload.(*matchingv1.ShortlistProposed)
				if !ok {
					return false
				}
				for _, c := range sp.GetCandidates() {
					if c.GetProfileId() == profileID {
						return true
					}
				}
				return false
			})
		erased += n
		if err != nil {
			return erased, err
		}
	}
	return erased, nil
}
