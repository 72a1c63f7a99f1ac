package service_test

import (
	"slices"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/caiomatch/caiomatch/pkg/dates"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	"github.com/caiomatch/caiomatch/pkg/rpc"
)

// named is a caller with the account's name and contact email, as the gateway sends them.
func named(accountID, role, name, email string) metadata.MD {
	return metadata.Pairs(rpc.MetadataAccountID, accountID, rpc.MetadataRole, role, rpc.MetadataName, name, rpc.MetadataEmail, email)
}

// From the offer with a rate and a message to both feedbacks, over gRPC and JetStream: the
// consultant reads the mission behind the offer, counters, the firm accepts the counter and
// the consultant sees its contact email; an extension is accepted, the mission ended early,
// and both sides give feedback. Another firm or consultant is told nothing at each step.
func TestFromOfferToFeedbackOverGRPC(t *testing.T) {
	h := start(t)
	firm := metadata.NewOutgoingContext(t.Context(), named("firm-1", "FIRM", "Heliotrope Labs", "cto@heliotrope.example"))
	cons := as("cons-1", "CONSULTANT")
	otherFirm, otherCons, op := as("firm-2", "FIRM"), as("cons-2", "CONSULTANT"), as("op-1", "OPERATOR")

	created, err := h.client.CreateMission(firm, createRequest())
	if err != nil {
		t.Fatal(err)
	}
	m := created.GetMission()
	if m.GetFirmName() != "Heliotrope Labs" {
		t.Fatalf("firm name %q", m.GetFirmName())
	}
	// Edited before any offer: the trail names the changed fields.
	edited, err := h.client.UpdateMission(firm, &missionv1.UpdateMissionRequest{Id: m.GetId(),
		Mission: &missionv1.CreateMissionRequest{Title: "Project Heliotrope AI launch"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}})
	if err != nil || edited.GetMission().GetTitle() != "Project Heliotrope AI launch" {
		t.Fatalf("edited %v (%v)", edited, err)
	}
	_, err = h.client.UpdateMission(firm, &missionv1.UpdateMissionRequest{Id: m.GetId(), UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"firmId"}}})
	wantCode(t, err, codes.InvalidArgument, "INVALID_ARGUMENT")
	_, err = h.client.UpdateMission(otherFirm, &missionv1.UpdateMissionRequest{Id: m.GetId(), UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}},
		Mission: &missionv1.CreateMissionRequest{Title: "Mine"}})
	wantCode(t, err, codes.NotFound, "MISSION_NOT_FOUND")

	h.publishShortlist(t, m.GetId(), 1, "p1", "p2")
	eventually(t, "the mission to be SHORTLISTED", func() bool {
		return h.missionStatus(t, m.GetId()) == missionv1.MissionStatus_MISSION_STATUS_SHORTLISTED
	})
	h.profiles.shortlist("p1", "cons-1", "firm-1")

	_, err = h.client.MakeOffer(firm, &missionv1.MakeOfferRequest{MissionId: m.GetId(), ProfileId: "p1", DailyRateEur: 1600})
	wantCode(t, err, codes.InvalidArgument, "INVALID_ARGUMENT") // over the budget of 1500
	made, err := h.client.MakeOffer(firm, &missionv1.MakeOfferRequest{MissionId: m.GetId(), ProfileId: "p1", DailyRateEur: 1350, Message: "Join us"})
	if err != nil {
		t.Fatal(err)
	}
	o := made.GetOffer()
	if o.GetDailyRateEur() != 1350 || o.GetMessage() != "Join us" || o.GetMission().GetTitle() != "Project Heliotrope AI launch" ||
		o.GetMission().GetSectorName() == "" || o.GetMission().GetFirmName() != "Heliotrope Labs" || o.GetContactEmail() != "" {
		t.Fatalf("offer %v", o)
	}
	// The consultant reads the mission behind the offer: never the budget.
	seen, err := h.client.GetMission(cons, &missionv1.GetMissionRequest{Id: m.GetId()})
	if err != nil || seen.GetMission().GetMaxDailyRateEur() != 0 || seen.GetMission().GetTitle() == "" {
		t.Fatalf("consultant sees %v (%v)", seen, err)
	}
	_, err = h.client.GetMission(otherCons, &missionv1.GetMissionRequest{Id: m.GetId()})
	wantCode(t, err, codes.NotFound, "MISSION_NOT_FOUND")

	_, err = h.client.CounterOffer(otherCons, &missionv1.CounterOfferRequest{Id: o.GetId(), DailyRateEur: 1500})
	wantCode(t, err, codes.NotFound, "OFFER_NOT_FOUND")
	_, err = h.client.CounterOffer(firm, &missionv1.CounterOfferRequest{Id: o.GetId(), DailyRateEur: 1500})
	wantCode(t, err, codes.PermissionDenied, "ROLE_NOT_ALLOWED")
	countered, err := h.client.CounterOffer(cons, &missionv1.CounterOfferRequest{Id: o.GetId(), DailyRateEur: 1450, Message: "On-site rate"})
	if err != nil || countered.GetOffer().GetStatus() != missionv1.OfferStatus_OFFER_STATUS_COUNTERED || countered.GetOffer().GetCounterRateEur() != 1450 {
		t.Fatalf("countered %v (%v)", countered, err)
	}
	_, err = h.client.CounterOffer(cons, &missionv1.CounterOfferRequest{Id: o.GetId(), DailyRateEur: 1400})
	wantCode(t, err, codes.FailedPrecondition, "OFFER_ALREADY_COUNTERED")
	_, err = h.client.AcceptCounter(otherFirm, &missionv1.AcceptCounterRequest{Id: o.GetId()})
	wantCode(t, err, codes.NotFound, "OFFER_NOT_FOUND")
	accepted, err := h.client.AcceptCounter(firm, &missionv1.AcceptCounterRequest{Id: o.GetId()})
	if err != nil || accepted.GetOffer().GetStatus() != missionv1.OfferStatus_OFFER_STATUS_ACCEPTED || accepted.GetOffer().GetContactEmail() != "" {
		t.Fatalf("accepted %v (%v)", accepted, err)
	}
	// The consultant sees the firm's contact email; the mission who is staffed, at what rate.
	mine, err := h.client.ListOffers(cons, &missionv1.ListOffersRequest{Status: missionv1.OfferStatus_OFFER_STATUS_ACCEPTED})
	if err != nil || len(mine.GetOffers()) != 1 || mine.GetOffers()[0].GetContactEmail() != "cto@heliotrope.example" ||
		mine.GetOffers()[0].GetDailyRateEur() != 1450 {
		t.Fatalf("consultant lists %v (%v)", mine, err)
	}
	got, err := h.client.GetMission(firm, &missionv1.GetMissionRequest{Id: m.GetId()})
	if err != nil || got.GetMission().GetStaffedProfileId() != "p1" || got.GetMission().GetAgreedDailyRateEur() != 1450 {
		t.Fatalf("mission %v (%v)", got, err)
	}
	staffedList, err := h.client.ListMissions(firm, &missionv1.ListMissionsRequest{Status: missionv1.MissionStatus_MISSION_STATUS_STAFFED})
	if err != nil || len(staffedList.GetMissions()) != 1 {
		t.Fatalf("staffed missions %v (%v)", staffedList, err)
	}

	// Extension to 15 months, accepted.
	start, _ := dates.Parse(m.GetStartDate())
	newEnd := dates.Format(dates.MissionEnd(start, 15))
	_, err = h.client.RequestExtension(firm, &missionv1.RequestExtensionRequest{MissionId: m.GetId(), NewEndDate: dates.Format(dates.MissionEnd(start, 19))})
	wantCode(t, err, codes.InvalidArgument, "EXTENSION_TOO_LONG")
	_, err = h.client.RequestExtension(otherFirm, &missionv1.RequestExtensionRequest{MissionId: m.GetId(), NewEndDate: newEnd})
	wantCode(t, err, codes.NotFound, "MISSION_NOT_FOUND")
	ext, err := h.client.RequestExtension(firm, &missionv1.RequestExtensionRequest{MissionId: m.GetId(), NewEndDate: newEnd, Message: "Three more months"})
	if err != nil || ext.GetExtension().GetStatus() != missionv1.ExtensionStatus_EXTENSION_STATUS_PENDING || ext.GetExtension().GetNewEndDate() != newEnd {
		t.Fatalf("extension %v (%v)", ext, err)
	}
	_, err = h.client.AcceptExtension(otherCons, &missionv1.AcceptExtensionRequest{Id: ext.GetExtension().GetId()})
	wantCode(t, err, codes.NotFound, "EXTENSION_NOT_FOUND")
	if _, err := h.client.AcceptExtension(cons, &missionv1.AcceptExtensionRequest{Id: ext.GetExtension().GetId()}); err != nil {
		t.Fatal(err)
	}
	if got, _ := h.client.GetMission(firm, &missionv1.GetMissionRequest{Id: m.GetId()}); got.GetMission().GetEndDate() != newEnd {
		t.Fatalf("end date %s, want %s", got.GetMission().GetEndDate(), newEnd)
	}
	list, err := h.client.ListExtensions(cons, &missionv1.ListExtensionsRequest{MissionId: m.GetId()})
	if err != nil || len(list.GetExtensions()) != 1 {
		t.Fatalf("extensions %v (%v)", list, err)
	}
	_, err = h.client.ListExtensions(otherFirm, &missionv1.ListExtensionsRequest{MissionId: m.GetId()})
	wantCode(t, err, codes.NotFound, "MISSION_NOT_FOUND")

	// Feedback only after the end; then an early end by the firm, and both feedbacks.
	_, err = h.client.GiveFeedback(firm, &missionv1.GiveFeedbackRequest{MissionId: m.GetId(), Rating: 5})
	wantCode(t, err, codes.FailedPrecondition, "FEEDBACK_NOT_OPEN")
	earlyEnd := dates.Format(dates.MissionEnd(start, 2))
	_, err = h.client.EndMission(firm, &missionv1.EndMissionRequest{Id: m.GetId(), EndDate: dates.Format(start.AddDate(0, 0, -1)), Reason: "Budget"})
	wantCode(t, err, codes.InvalidArgument, "INVALID_ARGUMENT")
	_, err = h.client.EndMission(otherCons, &missionv1.EndMissionRequest{Id: m.GetId(), EndDate: earlyEnd, Reason: "Budget"})
	wantCode(t, err, codes.NotFound, "MISSION_NOT_FOUND")
	ended, err := h.client.EndMission(firm, &missionv1.EndMissionRequest{Id: m.GetId(), EndDate: earlyEnd, Reason: "Budget cut"})
	if err != nil || ended.GetMission().GetStatus() != missionv1.MissionStatus_MISSION_STATUS_ENDED_EARLY || ended.GetMission().GetEndDate() != earlyEnd {
		t.Fatalf("ended %v (%v)", ended, err)
	}
	if _, err := h.client.GiveFeedback(firm, &missionv1.GiveFeedbackRequest{MissionId: m.GetId(), Rating: 4, Comment: "Solid", WouldStaffAgain: true}); err != nil {
		t.Fatal(err)
	}
	_, err = h.client.GiveFeedback(firm, &missionv1.GiveFeedbackRequest{MissionId: m.GetId(), Rating: 4})
	wantCode(t, err, codes.AlreadyExists, "FEEDBACK_ALREADY_GIVEN")
	_, err = h.client.GiveFeedback(otherCons, &missionv1.GiveFeedbackRequest{MissionId: m.GetId(), Rating: 4})
	wantCode(t, err, codes.NotFound, "MISSION_NOT_FOUND")
	_, err = h.client.GiveFeedback(op, &missionv1.GiveFeedbackRequest{MissionId: m.GetId(), Rating: 4})
	wantCode(t, err, codes.PermissionDenied, "ROLE_NOT_ALLOWED")
	if _, err := h.client.GiveFeedback(cons, &missionv1.GiveFeedbackRequest{MissionId: m.GetId(), Rating: 5, Comment: "Great team"}); err != nil {
		t.Fatal(err)
	}
	fb, err := h.client.ListFeedback(op, &missionv1.ListFeedbackRequest{MissionId: m.GetId()})
	if err != nil || len(fb.GetFeedback()) != 2 {
		t.Fatalf("feedback %v (%v)", fb, err)
	}

	h.waitStory(t, m.GetId(),
		"MissionSubmitted",
		"MissionEdited",
		"MissionUpdated SHORTLISTED",
		"OfferMade p1 PENDING",
		"MissionUpdated OFFERED",
		"OfferCountered p1 COUNTERED",
		"OfferAccepted p1 ACCEPTED",
		"MissionUpdated STAFFED",
		"ExtensionRequested",
		"ExtensionAccepted",
		"StaffingDatesChanged",
		"StaffingDatesChanged",
		"MissionUpdated ENDED_EARLY",
		"FeedbackGiven",
		"FeedbackGiven",
	)
	wantTrail := []string{
		"MISSION_SUBMITTED FIRM firm-1",
		"MISSION_EDITED FIRM firm-1",
		"SHORTLIST_PROPOSED SYSTEM",
		"OFFER_MADE FIRM firm-1 p1",
		"OFFER_COUNTERED CONSULTANT cons-1 p1",
		"COUNTER_ACCEPTED FIRM firm-1 p1",
		"MISSION_STAFFED FIRM firm-1 p1",
		"EXTENSION_REQUESTED FIRM firm-1 p1",
		"EXTENSION_ACCEPTED CONSULTANT cons-1 p1",
		"MISSION_ENDED_EARLY FIRM firm-1 p1 reason=Budget cut",
		"FEEDBACK_GIVEN FIRM firm-1 p1",
		"FEEDBACK_GIVEN CONSULTANT cons-1 p1",
	}
	if got := h.trail(t, m.GetId()); !slices.Equal(got, wantTrail) {
		t.Fatalf("trail:\n%v\nwant:\n%v", got, wantTrail)
	}
}
