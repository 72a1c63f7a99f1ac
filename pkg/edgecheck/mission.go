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
		_, err := missionrules.CheckOfferTerms(r.GetMissionId(), r.GetProfileId(), int(r.GetDailyRateEur()), r.GetMessage())
		return err
	case *missionv1.ListOffersRequest:
		_, _, err := missionrules.CheckOfferList(int(r.GetPageSize()), r.GetPageToken(), r.GetMissionId())
		return err
	case *missionv1.AcceptOfferRequest:
		return missionrules.CheckOfferID(r.GetId())
	case *missionv1.DeclineOfferRequest:
		return missionrules.CheckDecline(r.GetId(), r.GetReason())
	case *missionv1.ListDecisionsRequest:
		return missionrules.CheckMissionID(r.GetMissionId())
	case *missionv1.UpdateMissionRequest:
		// The mission's current fields are not known here: the mask is checked, and the whole
		// result by the service.
		_, err := missionrules.CheckUpdateMask(r.GetId(), r.GetUpdateMask().GetPaths())
		return err
	case *missionv1.CounterOfferRequest:
		_, err := missionrules.CheckCounter(r.GetId(), int(r.GetDailyRateEur()), r.GetMessage())
		return err
	case *missionv1.AcceptCounterRequest:
		return missionrules.CheckOfferID(r.GetId())
	case *missionv1.WithdrawOfferRequest:
		return missionrules.CheckOfferID(r.GetId())
	case *missionv1.RequestExtensionRequest:
		_, _, err := missionrules.CheckExtensionRequest(r.GetMissionId(), r.GetNewEndDate(), r.GetMessage())
		return err
	case *missionv1.AcceptExtensionRequest:
		return missionrules.CheckExtensionID(r.GetId())
	case *missionv1.DeclineExtensionRequest:
		_, err := missionrules.CheckDeclineExtension(r.GetId(), r.GetReason())
		return err
	case *missionv1.ListExtensionsRequest:
		return missionrules.CheckMissionID(r.GetMissionId())
	case *missionv1.EndMissionRequest:
		_, _, err := missionrules.CheckEndMission(r.GetId(), r.GetEndDate(), r.GetReason())
		return err
	case *missionv1.GiveFeedbackRequest:
		_, err := missionrules.CheckFeedback(r.GetMissionId(), int(r.GetRating()), r.GetComment())
		return err
	case *missionv1.ListFeedbackRequest:
		return missionrules.CheckMissionID(r.GetMissionId())
	}
	return nil
}
