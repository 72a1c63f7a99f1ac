package edgecheck

import (
	"time"

	"google.golang.org/protobuf/proto"

	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/pkg/missionrules/rulespb"
)

// Mission checks a mission request's fields with the rules the mission service applies
// (pkg/missionrules), so that the gateway refuses bad input before it travels. Messages it
// does not know pass.
func Mission(msg proto.Message) error {
	switch r := msg.(type) {
	case *missionv1.CreateMissionRequest:
		_, err := missionrules.NewRequest(rulespb.RequestInput(r), time.Now())
		return err
	case *missionv1.ListMissionsRequest:
		_, _, err := missionrules.CheckPage(int(r.GetPageSize()), r.GetPageToken())
		return err
	case *missionv1.MakeOfferRequest:
		return missionrules.CheckMakeOffer(r.GetMissionId(), r.GetProfileId())
	case *missionv1.ListOffersRequest:
		_, _, err := missionrules.CheckPage(int(r.GetPageSize()), r.GetPageToken())
		return err
	case *missionv1.AcceptOfferRequest:
		return missionrules.CheckOfferID(r.GetId())
	case *missionv1.DeclineOfferRequest:
		return missionrules.CheckDecline(r.GetId(), r.GetReason())
	case *missionv1.ListDecisionsRequest:
		return missionrules.CheckMissionID(r.GetMissionId())
	}
	return nil
}
