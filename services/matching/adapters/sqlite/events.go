package sqlite

import (
	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/services/matching/adapters/protomap"
	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// EncodeShortlistProposed turns a stored shortlist into its published event; the aggregate is
// the mission.
func EncodeShortlistProposed(s domain.Shortlist) (eventbus.Event, error) {
	return eventbus.NewEvent(eventbus.ProducerMatching, s.MissionID, protomap.ShortlistProposed(s), s.ProposedAt)
}
