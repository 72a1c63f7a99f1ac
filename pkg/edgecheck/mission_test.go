package edgecheck_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/caiomatch/caiomatch/pkg/edgecheck"
	"github.com/caiomatch/caiomatch/pkg/fault"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	taxonomyv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/taxonomy/v1"
)

func missionRequest() *missionv1.CreateMissionRequest {
	return &missionv1.CreateMissionRequest{
		Title: "Transition CAIO", Sector: "C21", MissionType: missionv1.MissionType_MISSION_TYPE_AI_STRATEGY,
		RequiredSkills: []string{"ai-strategy"}, StartDate: time.Now().UTC().AddDate(0, 0, 1).Format("2006-01-02"),
		DurationMonths: 6, MaxDailyRateEur: 1500, Languages: []string{"fr"},
		Location: &taxonomyv1.Location{Country: "FR"}, WorkMode: taxonomyv1.WorkMode_WORK_MODE_REMOTE,
	}
}

// missionFields are the fields an invalid-argument fault names, in order.
func missionFields(t *testing.T, err error) (fields []string) {
	t.Helper()
	if fe, ok := fault.As(err); ok && fe.Kind == fault.KindInvalid {
		for _, v := range fe.Violations {
			fields = append(fields, v.Field)
		}
		return fields
	}
	t.Fatalf("want an invalid-argument fault, got %v", err)
	return nil
}

func TestMission(t *testing.T) {
	if err := edgecheck.Mission(missionRequest()); err != nil {
		t.Fatalf("valid request refused: %v", err)
	}
	bad := missionRequest()
	bad.DurationMonths = 5
	bad.RequiredSkills = []string{"ai-strategy", "unknown-skill"}
	bad.StartDate = "2001-01-01"
	bad.Location = nil
	bad.MissionType = missionv1.MissionType_MISSION_TYPE_UNSPECIFIED
	want := []string{"missionType", "requiredSkills[1]", "startDate", "durationMonths", "location.country"}
	if got := missionFields(t, edgecheck.Mission(bad)); !slices.Equal(got, want) {
		t.Fatalf("fields %q, want %q", got, want)
	}
	levels := missionRequest()
	levels.RequiredSkills = []string{"ai-strategy", "mlops"}
	levels.RequiredSkillLevels = []*missionv1.SkillRequirement{{Id: "mlops", MinLevel: 3}}
	if err := edgecheck.Mission(levels); err != nil {
		t.Fatalf("valid skill levels refused: %v", err)
	}
	levels.RequiredSkillLevels = []*missionv1.SkillRequirement{{Id: "gdpr", MinLevel: 3}, {Id: "mlops"}}
	if got, want := missionFields(t, edgecheck.Mission(levels)), []string{"requiredSkillLevels[0].id", "requiredSkillLevels[1].minLevel"}; !slices.Equal(got, want) {
		t.Fatalf("level fields %q, want %q", got, want)
	}
	if got := missionFields(t, edgecheck.Mission(&missionv1.ListMissionsRequest{PageSize: -1, PageToken: "%%"})); !slices.Equal(got, []string{"pageSize", "pageToken"}) {
		t.Fatalf("list fields %q", got)
	}
	if err := edgecheck.Mission(&missionv1.ListMissionsRequest{PageSize: 500}); err != nil {
		t.Fatalf("oversized page is capped, not refused: %v", err)
	}
	if err := edgecheck.Mission(&missionv1.GetMissionRequest{}); err != nil {
		t.Fatalf("other messages pass: %v", err)
	}
}

// refusal is a request edgecheck.Mission refuses, and the fields it names.
type refusal struct {
	msg  proto.Message
	want []string
}

// wantMissionChecks wants edgecheck.Mission to pass every valid request and to refuse each
// refused one naming exactly its fields.
func wantMissionChecks(t *testing.T, valid []proto.Message, refused []refusal) {
	t.Helper()
	for _, msg := range valid {
		if err := edgecheck.Mission(msg); err != nil {
			t.Errorf("%T %v refused: %v", msg, msg, err)
		}
	}
	for _, tc := range refused {
		if got := missionFields(t, edgecheck.Mission(tc.msg)); !slices.Equal(got, tc.want) {
			t.Errorf("%T %v: fields %q, want %q", tc.msg, tc.msg, got, tc.want)
		}
	}
}

func TestMissionOfferAndDecisionRequests(t *testing.T) {
	valid := []proto.Message{
		&missionv1.MakeOfferRequest{MissionId: "m1", ProfileId: "p1"},
		&missionv1.ListOffersRequest{},
		&missionv1.ListOffersRequest{PageSize: 500},
		&missionv1.AcceptOfferRequest{Id: "o1"},
		&missionv1.DeclineOfferRequest{Id: "o1", Reason: "x"},
		&missionv1.DeclineOfferRequest{Id: "o1", Reason: "  " + strings.Repeat("é", 1000) + "\n"},
		&missionv1.ListDecisionsRequest{MissionId: "m1"},
	}
	wantMissionChecks(t, valid, []refusal{
		{&missionv1.MakeOfferRequest{}, []string{"missionId", "profileId"}},
		{&missionv1.MakeOfferRequest{MissionId: "m1"}, []string{"profileId"}},
		{&missionv1.ListOffersRequest{PageSize: -1, PageToken: "%%"}, []string{"pageSize", "pageToken"}},
		{&missionv1.AcceptOfferRequest{}, []string{"id"}},
		{&missionv1.DeclineOfferRequest{}, []string{"id", "reason"}},
		{&missionv1.DeclineOfferRequest{Id: "o1", Reason: " \t "}, []string{"reason"}},
		{&missionv1.DeclineOfferRequest{Id: "o1", Reason: strings.Repeat("a", 1001)}, []string{"reason"}},
		{&missionv1.ListDecisionsRequest{}, []string{"missionId"}},
	})
}

func TestMissionNegotiationAndAfterStaffingRequests(t *testing.T) {
	valid := []proto.Message{
		&missionv1.MakeOfferRequest{MissionId: "m1", ProfileId: "p1", DailyRateEur: 1350, Message: "Hello\nthere"},
		&missionv1.UpdateMissionRequest{Id: "m1", UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title", "maxDailyRateEur", "location.city"}}},
		&missionv1.CounterOfferRequest{Id: "o1", DailyRateEur: 1500},
		&missionv1.AcceptCounterRequest{Id: "o1"},
		&missionv1.WithdrawOfferRequest{Id: "o1"},
		&missionv1.RequestExtensionRequest{MissionId: "m1", NewEndDate: "2028-03-31"},
		&missionv1.AcceptExtensionRequest{Id: "e1"},
		&missionv1.DeclineExtensionRequest{Id: "e1", Reason: "Booked"},
		&missionv1.ListExtensionsRequest{MissionId: "m1"},
		&missionv1.EndMissionRequest{Id: "m1", EndDate: "2027-06-30", Reason: "Budget"},
		&missionv1.GiveFeedbackRequest{MissionId: "m1", Rating: 5, WouldStaffAgain: true},
		&missionv1.ListFeedbackRequest{MissionId: "m1"},
	}
	wantMissionChecks(t, valid, []refusal{
		{&missionv1.MakeOfferRequest{MissionId: "m1", ProfileId: "p1", DailyRateEur: -1, Message: "nul\x00"}, []string{"dailyRateEur", "message"}},
		{&missionv1.UpdateMissionRequest{Id: "m1", UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"firmId"}}}, []string{"updateMask"}},
		{&missionv1.UpdateMissionRequest{}, []string{"id", "updateMask"}},
		{&missionv1.CounterOfferRequest{Id: "o1"}, []string{"dailyRateEur"}},
		{&missionv1.CounterOfferRequest{DailyRateEur: 20001, Message: strings.Repeat("a", 2001)}, []string{"id", "dailyRateEur", "message"}},
		{&missionv1.AcceptCounterRequest{}, []string{"id"}},
		{&missionv1.WithdrawOfferRequest{}, []string{"id"}},
		{&missionv1.RequestExtensionRequest{NewEndDate: "31/03/2028"}, []string{"missionId", "newEndDate"}},
		{&missionv1.AcceptExtensionRequest{}, []string{"id"}},
		{&missionv1.DeclineExtensionRequest{Id: "e1"}, []string{"reason"}},
		{&missionv1.ListExtensionsRequest{}, []string{"missionId"}},
		{&missionv1.EndMissionRequest{Id: "m1"}, []string{"endDate", "reason"}},
		{&missionv1.GiveFeedbackRequest{MissionId: "m1", Rating: 0, Comment: "\a"}, []string{"rating", "comment"}},
		{&missionv1.ListFeedbackRequest{}, []string{"missionId"}},
	})
}
