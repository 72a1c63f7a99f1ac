package sqlite

import (
	"fmt"
	"time"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	"github.com/caiomatch/caiomatch/services/mission/adapters/missionpb"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// EncodeEvent turns a domain event into its published form.
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
	}
	return eventbus.Event{}, fmt.Errorf("unknown mission event %T", ev)
}
