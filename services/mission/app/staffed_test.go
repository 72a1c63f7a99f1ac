package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/dates"
	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/services/mission/app"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// staffed submits a mission of firm starting on start (6 months), offers it to profile and has
// c accept: the mission is staffed.
func (f *testbed) staffed(t *testing.T, firm identity.Caller, start, profile string, c identity.Caller) (domain.Mission, domain.Offer) {
	t.Helper()
	m, o := f.offered(t, firm, start, profile)
	if _, err := f.app.AcceptOffer(context.Background(), c, o.ID); err != nil {
		t.Fatal(err)
	}
	return f.mission(t, m.ID), o
}

// endedEarly is a mission of acme staffed from 2027-04-01 (p1, consultant) whose firm asked for
// an extension to 2027-12-31, then ended it on 2027-06-30.
func (f *testbed) endedEarly(t *testing.T) domain.Mission {
	t.Helper()
	ctx := context.Background()
	m, _ := f.staffed(t, acme, "2027-04-01", "p1", consultant)
	if _, err := f.app.RequestExtension(ctx, acme, m.ID, "2027-12-31", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.EndMission(ctx, acme, m.ID, "2027-06-30", "Done"); err != nil {
		t.Fatal(err)
	}
	return m
}

// bookingEnd reads an offer's end date (the booking) from the store.
func (f *testbed) bookingEnd(t *testing.T, offerID string) string {
	t.Helper()
	var end string
	if err := f.db.QueryRow(`SELECT end_date FROM offers WHERE id = $1`, offerID).Scan(&end); err != nil {
		t.Fatal(err)
	}
	return end
}

func TestExtensionAcceptedThenDeclined(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	m, o := f.staffed(t, acme, "2027-04-01", "p1", consultant) // to 2027-09-30
	events, trail := f.traces(t, m.ID)

	// Refusals, nothing left behind.
	wantFault(t, errOf(f.app.RequestExtension(ctx, consultant, m.ID, "2027-12-31", "")), fault.KindPermissionDenied, app.ReasonRoleNotAllowed)
	wantFault(t, errOf(f.app.RequestExtension(ctx, operator, m.ID, "2027-12-31", "")), fault.KindPermissionDenied, app.ReasonRoleNotAllowed)
	wantFault(t, errOf(f.app.RequestExtension(ctx, firm2, m.ID, "2027-12-31", "")), fault.KindNotFound, app.ReasonMissionNotFound)
	fe := wantFault(t, errOf(f.app.RequestExtension(ctx, acme, m.ID, "2027-09-30", "")), fault.KindInvalid, fault.ReasonInvalidArgument) // not after the current end
	if fe.Violations[0].Field != "newEndDate" {
		t.Fatalf("violations %+v", fe.Violations)
	}
	wantFault(t, errOf(f.app.RequestExtension(ctx, acme, m.ID, "2028-10-01", "")), fault.KindInvalid, missionrules.ReasonExtensionTooLong) // 18 months end on 2028-09-30
	wantFault(t, errOf(f.app.RequestExtension(ctx, acme, m.ID, "31/12/2027", "")), fault.KindInvalid, fault.ReasonInvalidArgument)
	f.wantNoTraces(t, m.ID, events, trail)

	e, err := f.app.RequestExtension(ctx, acme, m.ID, "2028-09-30", "Six more months?")
	if err != nil {
		t.Fatal(err)
	}
	if e.Status != domain.ExtensionStatusPending || dates.Format(e.PreviousEndDate) != "2027-09-30" || e.ProfileID != "p1" {
		t.Fatalf("extension %+v", e)
	}
	wantFault(t, errOf(f.app.RequestExtension(ctx, acme, m.ID, "2028-01-31", "")), fault.KindFailedPrecondition, domain.ReasonExtensionAlreadyPending)
	for _, c := range []identity.Caller{acme, operator} {
		wantFault(t, errOf(f.app.AcceptExtension(ctx, c, e.ID)), fault.KindPermissionDenied, app.ReasonRoleNotAllowed)
	}
	wantFault(t, errOf(f.app.AcceptExtension(ctx, consultant2, e.ID)), fault.KindNotFound, app.ReasonExtensionNotFound)
	wantFault(t, errOf(f.app.DeclineExtension(ctx, consultant, e.ID, "")), fault.KindInvalid, fault.ReasonInvalidArgument)

	accepted, err := f.app.AcceptExtension(ctx, consultant, e.ID)
	if err != nil || accepted.Status != domain.ExtensionStatusAccepted {
		t.Fatalf("accepted %+v (%v)", accepted, err)
	}
	if got := f.mission(t, m.ID); dates.Format(got.EndDate()) != "2028-09-30" || got.Status != domain.StatusStaffed || got.DurationMonths != 6 {
		t.Fatalf("mission ends %s (%s)", dates.Format(got.EndDate()), got.Status)
	}
	if end := f.bookingEnd(t, o.ID); end != "2028-09-30" {
		t.Fatalf("booking ends %s", end)
	}
	wantFault(t, errOf(f.app.AcceptExtension(ctx, consultant, e.ID)), fault.KindFailedPrecondition, domain.ReasonExtensionNotPending)
	// Already at 18 months: no further extension.
	wantFault(t, errOf(f.app.RequestExtension(ctx, acme, m.ID, "2028-10-31", "")), fault.KindInvalid, missionrules.ReasonExtensionTooLong)

	// The parties and operators list the extensions; anyone else is told nothing.
	for _, c := range []identity.Caller{acme, consultant, operator} {
		list, err := f.app.ListExtensions(ctx, c, m.ID)
		if err != nil || len(list) != 1 || list[0].ID != e.ID {
			t.Fatalf("%s lists %+v (%v)", c.AccountID, list, err)
		}
	}
	for _, c := range []identity.Caller{firm2, consultant2} {
		wantFault(t, errOf(f.app.ListExtensions(ctx, c, m.ID)), fault.KindNotFound, app.ReasonMissionNotFound)
	}

	got := f.published(t)
	wantLines(t, "outbox", got[len(got)-3:], []string{"ExtensionRequested", "ExtensionAccepted", "StaffingDatesChanged"})
	ds, _ := f.app.ListDecisions(ctx, operator, m.ID)
	last := ds[len(ds)-2:]
	if last[0].Kind != domain.DecisionExtensionRequested || last[0].Actor.Role != domain.ActorFirm || last[0].ExtensionID != e.ID ||
		last[1].Kind != domain.DecisionExtensionAccepted || last[1].Actor.AccountID != "cons-1" || dates.Format(last[1].EndDate) != "2028-09-30" {
		t.Fatalf("trail %+v", last)
	}
}

func TestExtensionDeclinedAndRefusedOverAnotherBooking(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	m, _ := f.staffed(t, acme, "2027-04-01", "p1", consultant) // to 2027-09-30
	f.staffed(t, firm2, "2027-11-01", "p1", consultant)        // to 2028-04-30
	e, err := f.app.RequestExtension(ctx, acme, m.ID, "2027-11-15", "")
	if err != nil {
		t.Fatal(err)
	}
	events, trail := f.traces(t, m.ID)
	wantFault(t, errOf(f.app.AcceptExtension(ctx, consultant, e.ID)), fault.KindFailedPrecondition, domain.ReasonConsultantAlreadyBooked)
	f.wantNoTraces(t, m.ID, events, trail)
	if got := f.mission(t, m.ID); dates.Format(got.EndDate()) != "2027-09-30" {
		t.Fatalf("a refused extension moved the end to %s", dates.Format(got.EndDate()))
	}

	declined, err := f.app.DeclineExtension(ctx, consultant, e.ID, "  Booked elsewhere.  ")
	if err != nil || declined.Status != domain.ExtensionStatusDeclined || declined.DeclineReason != "Booked elsewhere." {
		t.Fatalf("declined %+v (%v)", declined, err)
	}
	tr := f.trail(t, m.ID)
	wantLines(t, "trail", tr[len(tr)-1:], []string{"EXTENSION_DECLINED CONSULTANT cons-1 p1 reason=Booked elsewhere."})
	got := f.published(t)
	wantLines(t, "outbox", got[len(got)-1:], []string{"ExtensionDeclined"})
}

func TestEndMissionEarly(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	m, o := f.staffed(t, acme, "2027-04-01", "p1", consultant) // to 2027-09-30
	if _, err := f.app.RequestExtension(ctx, acme, m.ID, "2027-12-31", ""); err != nil {
		t.Fatal(err)
	}
	events, trail := f.traces(t, m.ID)

	wantFault(t, errOf(f.app.EndMission(ctx, operator, m.ID, "2027-06-30", "Budget cut")), fault.KindPermissionDenied, app.ReasonRoleNotAllowed)
	for _, c := range []identity.Caller{firm2, consultant2} {
		wantFault(t, errOf(f.app.EndMission(ctx, c, m.ID, "2027-06-30", "Budget cut")), fault.KindNotFound, app.ReasonMissionNotFound)
	}
	for _, end := range []string{"2027-03-31", "2027-09-30", "2027-10-15"} { // before the start, at or after the end
		fe := wantFault(t, errOf(f.app.EndMission(ctx, consultant, m.ID, end, "Budget cut")), fault.KindInvalid, fault.ReasonInvalidArgument)
		if fe.Violations[0].Field != "endDate" {
			t.Fatalf("violations %+v", fe.Violations)
		}
	}
	wantFault(t, errOf(f.app.EndMission(ctx, consultant, m.ID, "2027-06-30", " ")), fault.KindInvalid, fault.ReasonInvalidArgument)
	wantFault(t, errOf(f.app.EndMission(ctx, consultant, m.ID, "2027-06-30", strings.Repeat("x", 1001))), fault.KindInvalid, fault.ReasonInvalidArgument)
	f.wantNoTraces(t, m.ID, events, trail)

	ended, err := f.app.EndMission(ctx, consultant, m.ID, "2027-06-30", "Family reasons")
	if err != nil {
		t.Fatal(err)
	}
	if ended.Status != domain.StatusEndedEarly || dates.Format(ended.EndDate()) != "2027-06-30" {
		t.Fatalf("ended %s at %s", ended.Status, dates.Format(ended.EndDate()))
	}
	if end := f.bookingEnd(t, o.ID); end != "2027-06-30" {
		t.Fatalf("booking ends %s", end)
	}
	list, _ := f.app.ListExtensions(ctx, acme, m.ID)
	if len(list) != 1 || list[0].Status != domain.ExtensionStatusWithdrawn {
		t.Fatalf("extensions %+v", list)
	}
	got := f.published(t)
	wantLines(t, "outbox", got[len(got)-2:], []string{"StaffingDatesChanged", "MissionUpdated ENDED_EARLY"})
	tr := f.trail(t, m.ID)
	wantLines(t, "trail", tr[len(tr)-1:], []string{"MISSION_ENDED_EARLY CONSULTANT cons-1 p1 " + o.ID + " reason=Family reasons"})
	wantFault(t, errOf(f.app.EndMission(ctx, acme, m.ID, "2027-05-31", "Again")), fault.KindFailedPrecondition, domain.ReasonMissionNotStaffed)
	// The cut booking still books the consultant until the new end: a later mission is free.
	later := f.shortlisted(t, firm2, "2027-07-01", "p1")
	lo := f.offer(t, firm2, later.ID, "p1")
	if _, err := f.app.AcceptOffer(ctx, consultant, lo.ID); err != nil {
		t.Fatalf("a mission after the early end: %v", err)
	}
}

func TestCompleteMissions(t *testing.T) {
	onEachBackend(t, func(t *testing.T, f *testbed) {
		ctx := context.Background()
		m, o := f.staffed(t, acme, "2027-04-01", "p1", consultant)      // to 2027-09-30
		other, _ := f.staffed(t, acme, "2027-05-01", "p2", consultant2) // to 2027-10-31
		if _, err := f.app.RequestExtension(ctx, acme, m.ID, "2027-12-31", ""); err != nil {
			t.Fatal(err)
		}
		if n, err := f.app.CompleteMissions(ctx, time.Date(2027, 9, 30, 23, 59, 0, 0, time.UTC)); err != nil || n != 0 {
			t.Fatalf("completed %d (%v) on the end date", n, err)
		}
		if n, err := f.app.CompleteMissions(ctx, time.Date(2027, 10, 1, 0, 0, 0, 0, time.UTC)); err != nil || n != 1 {
			t.Fatalf("completed %d (%v) the day after", n, err)
		}
		if got := f.mission(t, m.ID); got.Status != domain.StatusCompleted {
			t.Fatalf("mission %s", got.Status)
		}
		if got := f.mission(t, other.ID); got.Status != domain.StatusStaffed {
			t.Fatalf("the other mission %s", got.Status)
		}
		list, _ := f.app.ListExtensions(ctx, acme, m.ID)
		if len(list) != 1 || list[0].Status != domain.ExtensionStatusWithdrawn {
			t.Fatalf("extensions %+v", list)
		}
		if n, err := f.app.CompleteMissions(ctx, time.Date(2027, 10, 2, 0, 0, 0, 0, time.UTC)); err != nil || n != 0 {
			t.Fatalf("completed %d (%v) again", n, err)
		}
		got := f.published(t)
		wantLines(t, "outbox", got[len(got)-1:], []string{"MissionUpdated COMPLETED"})
		tr := f.trail(t, m.ID)
		wantLines(t, "trail", tr[len(tr)-1:], []string{"MISSION_COMPLETED SYSTEM p1 " + o.ID})
	})
}

func TestFeedback(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	m, _ := f.staffed(t, acme, "2027-04-01", "p1", consultant)
	events, trail := f.traces(t, m.ID)
	wantFault(t, errOf(f.app.GiveFeedback(ctx, acme, m.ID, 5, "", true)), fault.KindFailedPrecondition, domain.ReasonFeedbackNotOpen)
	f.wantNoTraces(t, m.ID, events, trail)
	if _, err := f.app.CompleteMissions(ctx, time.Date(2027, 10, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	events, trail = f.traces(t, m.ID)
	wantFault(t, errOf(f.app.GiveFeedback(ctx, operator, m.ID, 5, "", false)), fault.KindPermissionDenied, app.ReasonRoleNotAllowed)
	for _, c := range []identity.Caller{firm2, consultant2} {
		wantFault(t, errOf(f.app.GiveFeedback(ctx, c, m.ID, 5, "", false)), fault.KindNotFound, app.ReasonMissionNotFound)
	}
	for _, rating := range []int{0, 6} {
		wantFault(t, errOf(f.app.GiveFeedback(ctx, acme, m.ID, rating, "", false)), fault.KindInvalid, fault.ReasonInvalidArgument)
	}
	wantFault(t, errOf(f.app.GiveFeedback(ctx, acme, m.ID, 4, strings.Repeat("x", 2001), false)), fault.KindInvalid, fault.ReasonInvalidArgument)
	f.wantNoTraces(t, m.ID, events, trail)

	fb, err := f.app.GiveFeedback(ctx, acme, m.ID, 5, "Excellent governance work.", true)
	if err != nil || fb.Rating != 5 || !fb.WouldStaffAgain || fb.AuthorRole != "FIRM" || fb.ProfileID != "p1" {
		t.Fatalf("feedback %+v (%v)", fb, err)
	}
	wantFault(t, errOf(f.app.GiveFeedback(ctx, acme, m.ID, 3, "", false)), fault.KindAlreadyExists, domain.ReasonFeedbackAlreadyGiven)
	cfb, err := f.app.GiveFeedback(ctx, consultant, m.ID, 4, "Good team.", true)
	if err != nil || cfb.WouldStaffAgain {
		t.Fatalf("consultant feedback %+v (%v)", cfb, err)
	}
	for _, c := range []identity.Caller{acme, consultant, operator} {
		list, err := f.app.ListFeedback(ctx, c, m.ID)
		if err != nil || len(list) != 2 {
			t.Fatalf("%s lists %+v (%v)", c.AccountID, list, err)
		}
	}
	wantFault(t, errOf(f.app.ListFeedback(ctx, firm2, m.ID)), fault.KindNotFound, app.ReasonMissionNotFound)
	got := f.published(t)
	wantLines(t, "outbox", got[len(got)-2:], []string{"FeedbackGiven", "FeedbackGiven"})
	ds, _ := f.app.ListDecisions(ctx, acme, m.ID)
	last := ds[len(ds)-2:]
	if last[0].Kind != domain.DecisionFeedbackGiven || last[0].Rating != 5 || last[0].Actor.Role != "FIRM" ||
		last[1].Rating != 4 || last[1].Actor.AccountID != "cons-1" || last[1].Reason != "" {
		t.Fatalf("trail %+v", last)
	}
}

func TestEraseProfilePseudonymisesStaffingExtensionsAndFeedback(t *testing.T) {
	onEachBackend(t, func(t *testing.T, f *testbed) {
		ctx := context.Background()
		m := f.endedEarly(t)
		if _, err := f.app.GiveFeedback(ctx, acme, m.ID, 5, "Sharp on MLOps, about the person", true); err != nil {
			t.Fatal(err)
		}
		if _, err := f.app.GiveFeedback(ctx, consultant, m.ID, 4, "Written by the consultant", false); err != nil {
			t.Fatal(err)
		}
		out, err := f.app.EraseProfile(ctx, erasureEvent("erase-1"), "p1", "cons-1")
		if err != nil {
			t.Fatal(err)
		}
		if out.Missions != 1 || out.Extensions != 1 || out.Feedback != 2 {
			t.Fatalf("erasure %+v", out)
		}
		pseudonym := domain.Pseudonym([]byte("test-key"), "p1")
		if got := f.mission(t, m.ID); got.StaffedProfileID != pseudonym {
			t.Fatalf("staffed profile %q", got.StaffedProfileID)
		}
		if list, _ := f.app.ListExtensions(ctx, acme, m.ID); list[0].ProfileID != pseudonym {
			t.Fatalf("extension profile %q", list[0].ProfileID)
		}
		list, _ := f.app.ListFeedback(ctx, operator, m.ID)
		for _, fb := range list {
			if fb.ProfileID != pseudonym || fb.Comment != "" || fb.AuthorAccountID == "cons-1" {
				t.Fatalf("feedback after erasure %+v", fb)
			}
		}
		if len(list) != 2 {
			t.Fatalf("%d feedback left, want both (ratings stay)", len(list))
		}
		var n int
		for _, q := range []string{`SELECT COUNT(*) FROM missions WHERE staffed_profile_id = 'p1'`, `SELECT COUNT(*) FROM extensions WHERE profile_id = 'p1'`,
			`SELECT COUNT(*) FROM feedback WHERE profile_id = 'p1'`, `SELECT COUNT(*) FROM decisions WHERE profile_id = 'p1'`} {
			if err := f.db.QueryRow(q).Scan(&n); err != nil || n != 0 {
				t.Fatalf("%s: %d (%v)", q, n, err)
			}
		}
	})
}

// An ended mission stays as it ran: it may no longer be cancelled (its booking would be freed).
func TestEndedMissionsAreNotCancellable(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	m := f.endedEarly(t)
	wantFault(t, errOf(f.app.CancelMission(ctx, acme, m.ID)), fault.KindFailedPrecondition, domain.ReasonMissionNotCancellable)

	// Cancelling a staffed mission withdraws its pending extension.
	other, _ := f.staffed(t, acme, "2027-05-01", "p2", consultant2)
	if _, err := f.app.RequestExtension(ctx, acme, other.ID, "2027-12-31", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.CancelMission(ctx, acme, other.ID); err != nil {
		t.Fatal(err)
	}
	if list, _ := f.app.ListExtensions(ctx, acme, other.ID); len(list) != 1 || list[0].Status != domain.ExtensionStatusWithdrawn {
		t.Fatalf("extensions %+v", list)
	}
}

// TestErasureWithdrawsThePendingExtension: nobody can answer an extension once its consultant
// erased their profile, so the erasure withdraws it.
func TestErasureWithdrawsThePendingExtension(t *testing.T) {
	onEachBackend(t, func(t *testing.T, f *testbed) {
		ctx := context.Background()
		m, _ := f.staffed(t, acme, "2027-04-01", "p1", consultant)
		if _, err := f.app.RequestExtension(ctx, acme, m.ID, "2027-12-31", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.app.EraseProfile(ctx, erasureEvent("erase-1"), "p1", "cons-1"); err != nil {
			t.Fatal(err)
		}
		list, err := f.app.ListExtensions(ctx, acme, m.ID)
		if err != nil || len(list) != 1 || list[0].Status != domain.ExtensionStatusWithdrawn ||
			list[0].ProfileID != domain.Pseudonym([]byte("test-key"), "p1") {
			t.Fatalf("extensions after the erasure: %+v, %v", list, err)
		}
	})
}
