package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/dates"
	"github.com/caiomatch/caiomatch/pkg/eventbus/eventbustest"
	"github.com/caiomatch/caiomatch/pkg/fault"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/pkg/taxonomy"
	"github.com/caiomatch/caiomatch/services/mission/app"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// acme is firm-1 with the name and contact email the gateway sends along.
var acme = identity.Caller{AccountID: "firm-1", Role: identity.RoleFirm, Name: "Acme Health", Email: "staffing@acme.example"}

// traces counts what a use case may leave behind: outbox events and trail entries of a mission.
func (f *testbed) traces(t *testing.T, missionID string) (int, int) {
	t.Helper()
	return len(f.published(t)), len(f.trail(t, missionID))
}

func (f *testbed) wantNoTraces(t *testing.T, missionID string, events, trail int) {
	t.Helper()
	if e, d := f.traces(t, missionID); e != events || d != trail {
		t.Fatalf("a refused request left traces: %d events (was %d), %d trail entries (was %d)", e, events, d, trail)
	}
}

func TestOfferTermsSummaryAndWhoSeesWhat(t *testing.T) {
	onEachBackend(t, func(t *testing.T, f *testbed) {
		ctx := context.Background()
		m := f.shortlisted(t, acme, "2027-04-01", "p1", "p2") // budget 1200
		events, trail := f.traces(t, m.ID)

		// Bad terms leave nothing behind.
		for _, tc := range []struct {
			rate    int
			message string
			field   string
		}{
			{1201, "", "dailyRateEur"}, // over the budget
			{-1, "", "dailyRateEur"},
			{20001, "", "dailyRateEur"},
			{1000, "bad \x00 byte", "message"},
			{1000, strings.Repeat("é", 2001), "message"},
		} {
			fe := wantFault(t, errOf(f.app.MakeOfferWithTerms(ctx, acme, m.ID, "p1", tc.rate, tc.message)), fault.KindInvalid, fault.ReasonInvalidArgument)
			if len(fe.Violations) != 1 || fe.Violations[0].Field != tc.field {
				t.Fatalf("rate %d: violations %+v", tc.rate, fe.Violations)
			}
		}
		// The consultant's own rate over the budget: the firm must name a rate.
		f.profiles.mu.Lock()
		f.profiles.rates["p1"] = 1500
		f.profiles.mu.Unlock()
		wantFault(t, errOf(f.app.MakeOfferWithTerms(ctx, acme, m.ID, "p1", 0, "")), fault.KindInvalid, fault.ReasonInvalidArgument)
		f.wantNoTraces(t, m.ID, events, trail)
		if f.mission(t, m.ID).Status != domain.StatusShortlisted {
			t.Fatal("a refused offer changed the mission")
		}

		// Rate 0 is the consultant's own rate.
		f.profiles.mu.Lock()
		f.profiles.rates["p1"] = 950
		f.profiles.mu.Unlock()
		o, err := f.app.MakeOfferWithTerms(ctx, acme, m.ID, "p1", 0, "  We would love to work with you.\nCall us.  ")
		if err != nil {
			t.Fatal(err)
		}
		want := domain.MissionSummary{Title: "Put AI governance in place", Sector: "R86", MissionType: taxonomy.MissionTypeRiskAndCompliance,
			StartDate: day("2027-04-01"), EndDate: day("2027-09-30"), DurationMonths: 6,
			Location: missionrules.Location{Country: "FR"}, WorkMode: taxonomy.WorkModeOnSite, Languages: []string{"fr"}, FirmName: "Acme Health"}
		if o.DailyRateEUR != 950 || o.Message != "We would love to work with you.\nCall us." || o.ContactEmail != "" ||
			o.CounterRateEUR != 0 || !sameSummary(o.Mission, want) {
			t.Fatalf("offer %+v", o)
		}
		if got := f.trail(t, m.ID); got[len(got)-1] != "OFFER_MADE FIRM firm-1 p1 "+o.ID {
			t.Fatalf("trail %v", got)
		}

		// The consultant offered reads the mission: no budget, no candidates.
		seen, err := f.app.GetMission(ctx, consultant, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if seen.MaxDailyRateEUR != 0 || seen.Candidates != nil || seen.FirmEmail != "" || seen.Title != m.Title || seen.FirmName != "Acme Health" {
			t.Fatalf("consultant sees %+v", seen)
		}
		for _, c := range []identity.Caller{consultant2, firm2} {
			wantFault(t, errOf(f.app.GetMission(ctx, c, m.ID)), fault.KindNotFound, app.ReasonMissionNotFound)
		}
		// The trail stays the firm's and operators'.
		wantFault(t, errOf(f.app.ListDecisions(ctx, consultant, m.ID)), fault.KindNotFound, app.ReasonMissionNotFound)

		// Once accepted: the consultant sees the firm's contact email, the firm never does; the
		// mission names who is staffed and at what rate.
		accepted, err := f.app.AcceptOffer(ctx, consultant, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if accepted.ContactEmail != "staffing@acme.example" || accepted.DailyRateEUR != 950 {
			t.Fatalf("accepted %+v", accepted)
		}
		mine, _, err := f.app.ListOffers(ctx, consultant, app.OfferFilter{}, 10, "")
		if err != nil || len(mine) != 1 || mine[0].ContactEmail != "staffing@acme.example" {
			t.Fatalf("consultant lists %+v (%v)", mine, err)
		}
		theirs, _, err := f.app.ListOffers(ctx, acme, app.OfferFilter{}, 10, "")
		if err != nil || len(theirs) != 1 || theirs[0].ContactEmail != "" {
			t.Fatalf("firm lists %+v (%v)", theirs, err)
		}
		staffed := f.mission(t, m.ID)
		if staffed.StaffedProfileID != "p1" || staffed.AgreedDailyRateEUR != 950 || staffed.FirmName != "Acme Health" {
			t.Fatalf("staffed mission %+v", staffed)
		}
		if seen, _ := f.app.GetMission(ctx, consultant, m.ID); seen.StaffedProfileID != "p1" || seen.AgreedDailyRateEUR != 950 || seen.MaxDailyRateEUR != 0 {
			t.Fatalf("the staffed consultant sees %+v", seen)
		}
		// Status filters.
		list, _, err := f.app.ListOffers(ctx, acme, app.OfferFilter{Status: domain.OfferStatusPending}, 10, "")
		if err != nil || len(list) != 0 {
			t.Fatalf("pending offers %+v (%v)", list, err)
		}
		missions, _, err := f.app.ListMissions(ctx, acme, domain.StatusStaffed, 10, "")
		if err != nil || len(missions) != 1 || missions[0].ID != m.ID {
			t.Fatalf("staffed missions %+v (%v)", missions, err)
		}
		if missions, _, _ := f.app.ListMissions(ctx, acme, domain.StatusShortlisted, 10, ""); len(missions) != 0 {
			t.Fatalf("shortlisted missions %+v", missions)
		}
		// Events never carry the contact email (checked on the stored outbox).
		for _, p := range eventbustest.OutboxEvents(t, f.db) {
			if e, ok := p.Payload.(interface{ GetOffer() *missionv1.Offer }); ok && e.GetOffer().GetContactEmail() != "" {
				t.Fatalf("%s carries the contact email", p.Envelope.GetType())
			}
		}
	})
}

func day(s string) time.Time {
	t, err := dates.Parse(s)
	if err != nil {
		panic(err)
	}
	return t
}

func sameSummary(a, b domain.MissionSummary) bool {
	return a.Title == b.Title && a.Sector == b.Sector && a.MissionType == b.MissionType && a.StartDate.Equal(b.StartDate) &&
		a.EndDate.Equal(b.EndDate) && a.DurationMonths == b.DurationMonths && a.Location == b.Location &&
		a.WorkMode == b.WorkMode && strings.Join(a.Languages, ",") == strings.Join(b.Languages, ",") && a.FirmName == b.FirmName
}

func TestCounterThenAcceptCounter(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	m := f.shortlisted(t, acme, "2027-04-01", "p1")
	o, err := f.app.MakeOfferWithTerms(ctx, acme, m.ID, "p1", 1100, "Welcome")
	if err != nil {
		t.Fatal(err)
	}
	events, trail := f.traces(t, m.ID)

	// Who may not counter, and bad counters: nothing left behind.
	wantFault(t, errOf(f.app.CounterOffer(ctx, acme, o.ID, 1300, "")), fault.KindPermissionDenied, app.ReasonRoleNotAllowed)
	wantFault(t, errOf(f.app.CounterOffer(ctx, operator, o.ID, 1300, "")), fault.KindPermissionDenied, app.ReasonRoleNotAllowed)
	wantFault(t, errOf(f.app.CounterOffer(ctx, consultant2, o.ID, 1300, "")), fault.KindNotFound, app.ReasonOfferNotFound)
	for _, rate := range []int{0, -3, 20001} {
		wantFault(t, errOf(f.app.CounterOffer(ctx, consultant, o.ID, rate, "")), fault.KindInvalid, fault.ReasonInvalidArgument)
	}
	wantFault(t, errOf(f.app.CounterOffer(ctx, consultant, o.ID, 1300, "tab\tok but bell \a not")), fault.KindInvalid, fault.ReasonInvalidArgument)
	wantFault(t, errOf(f.app.AcceptCounter(ctx, acme, o.ID)), fault.KindFailedPrecondition, domain.ReasonOfferNotCountered)
	f.wantNoTraces(t, m.ID, events, trail)

	countered, err := f.app.CounterOffer(ctx, consultant, o.ID, 1300, "My rate for on-site work")
	if err != nil {
		t.Fatal(err)
	}
	if countered.Status != domain.OfferStatusCountered || countered.CounterRateEUR != 1300 || countered.DailyRateEUR != 1100 ||
		countered.CounterMessage != "My rate for on-site work" {
		t.Fatalf("countered %+v", countered)
	}
	events, trail = f.traces(t, m.ID)
	wantFault(t, errOf(f.app.CounterOffer(ctx, consultant, o.ID, 1250, "")), fault.KindFailedPrecondition, domain.ReasonOfferAlreadyCountered)
	// The consultant's own acceptance is not the answer to their counter.
	wantFault(t, errOf(f.app.AcceptOffer(ctx, consultant, o.ID)), fault.KindFailedPrecondition, domain.ReasonOfferNotPending)
	wantFault(t, errOf(f.app.AcceptCounter(ctx, consultant, o.ID)), fault.KindPermissionDenied, app.ReasonRoleNotAllowed)
	wantFault(t, errOf(f.app.AcceptCounter(ctx, firm2, o.ID)), fault.KindNotFound, app.ReasonOfferNotFound)
	f.wantNoTraces(t, m.ID, events, trail)

	accepted, err := f.app.AcceptCounter(ctx, acme, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if accepted.Status != domain.OfferStatusAccepted || accepted.DailyRateEUR != 1300 || accepted.ContactEmail != "" {
		t.Fatalf("accepted %+v", accepted)
	}
	if got := f.mission(t, m.ID); got.Status != domain.StatusStaffed || got.AgreedDailyRateEUR != 1300 || got.StaffedProfileID != "p1" {
		t.Fatalf("mission %+v", got)
	}
	wantFault(t, errOf(f.app.AcceptCounter(ctx, acme, o.ID)), fault.KindFailedPrecondition, domain.ReasonOfferNotPending)
	wantFault(t, errOf(f.app.CounterOffer(ctx, consultant, o.ID, 1400, "")), fault.KindFailedPrecondition, domain.ReasonOfferNotPending)
	wantFault(t, errOf(f.app.WithdrawOffer(ctx, acme, o.ID)), fault.KindFailedPrecondition, domain.ReasonOfferNotPending)

	got := f.published(t)
	wantLines(t, "outbox", got[len(got)-3:], []string{
		"OfferCountered " + o.ID + " p1 COUNTERED",
		"OfferAccepted " + o.ID + " p1 ACCEPTED",
		"MissionUpdated STAFFED",
	})
	ds, _ := f.app.ListDecisions(ctx, operator, m.ID)
	last := ds[len(ds)-3:]
	if last[0].Kind != domain.DecisionOfferCountered || last[0].DailyRateEUR != 1300 || last[0].Actor.Role != domain.ActorConsultant ||
		last[1].Kind != domain.DecisionCounterAccepted || last[1].DailyRateEUR != 1300 || last[1].Actor != (domain.Actor{Role: "FIRM", AccountID: "firm-1"}) ||
		last[2].Kind != domain.DecisionMissionStaffed {
		t.Fatalf("trail %+v", last)
	}
	// The consultant now sees the contact email.
	mine, _, _ := f.app.ListOffers(ctx, consultant, app.OfferFilter{}, 10, "")
	if len(mine) != 1 || mine[0].ContactEmail != "staffing@acme.example" {
		t.Fatalf("consultant lists %+v", mine)
	}
}

func TestWithdrawOffer(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	m, o := f.offered(t, acme, "2027-04-01", "p1", "p2")
	if _, err := f.app.CounterOffer(ctx, consultant, o.ID, 1150, ""); err != nil {
		t.Fatal(err)
	}
	events, trail := f.traces(t, m.ID)
	wantFault(t, errOf(f.app.WithdrawOffer(ctx, consultant, o.ID)), fault.KindPermissionDenied, app.ReasonRoleNotAllowed)
	wantFault(t, errOf(f.app.WithdrawOffer(ctx, operator, o.ID)), fault.KindPermissionDenied, app.ReasonRoleNotAllowed)
	wantFault(t, errOf(f.app.WithdrawOffer(ctx, firm2, o.ID)), fault.KindNotFound, app.ReasonOfferNotFound)
	f.wantNoTraces(t, m.ID, events, trail)

	w, err := f.app.WithdrawOffer(ctx, acme, o.ID)
	if err != nil || w.Status != domain.OfferStatusWithdrawn {
		t.Fatalf("withdrawn %+v (%v)", w, err)
	}
	if got := f.mission(t, m.ID); got.Status != domain.StatusShortlisted {
		t.Fatalf("mission %s", got.Status)
	}
	got := f.published(t)
	wantLines(t, "outbox", got[len(got)-2:], []string{"OfferWithdrawn " + o.ID + " p1 WITHDRAWN", "MissionUpdated SHORTLISTED"})
	tr := f.trail(t, m.ID)
	wantLines(t, "trail", tr[len(tr)-1:], []string{"OFFER_WITHDRAWN FIRM firm-1 p1 " + o.ID})
	// The mission is offerable again; the consultant still reads it (they held an offer).
	if _, err := f.app.MakeOffer(ctx, acme, m.ID, "p2"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.GetMission(ctx, consultant, m.ID); err != nil {
		t.Fatal(err)
	}
	wantFault(t, errOf(f.app.WithdrawOffer(ctx, acme, o.ID)), fault.KindFailedPrecondition, domain.ReasonOfferNotPending)
}

func TestCounteredOfferExpires(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	m, o := f.offered(t, acme, "2027-04-01", "p1")
	countered, err := f.app.CounterOffer(ctx, consultant, o.ID, 1150, "")
	if err != nil {
		t.Fatal(err)
	}
	if n, err := f.app.ExpireOffers(ctx, countered.ExpiresAt.Add(-time.Second)); err != nil || n != 0 {
		t.Fatalf("expired %d (%v) before its time", n, err)
	}
	if n, err := f.app.ExpireOffers(ctx, countered.ExpiresAt); err != nil || n != 1 {
		t.Fatalf("expired %d (%v)", n, err)
	}
	if f.offerStatus(t, o.ID) != "EXPIRED" || f.mission(t, m.ID).Status != domain.StatusShortlisted {
		t.Fatal("the countered offer did not expire")
	}
	wantFault(t, errOf(f.app.AcceptCounter(ctx, acme, o.ID)), fault.KindFailedPrecondition, domain.ReasonOfferExpired)
}

func TestUpdateMission(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	m := f.shortlisted(t, acme, "2027-04-01", "p1")
	events, trail := f.traces(t, m.ID)
	patch := missionrules.RequestInput{Request: missionrules.Request{Title: "  AI governance, now  ", MaxDailyRateEUR: 1400,
		Location: missionrules.Location{Country: "FR", City: "Lyon"}, WorkMode: taxonomy.WorkModeOnSite}}

	wantFault(t, errOf(f.app.UpdateMission(ctx, consultant, m.ID, patch, []string{"title"})), fault.KindPermissionDenied, app.ReasonRoleNotAllowed)
	wantFault(t, errOf(f.app.UpdateMission(ctx, operator, m.ID, patch, []string{"title"})), fault.KindPermissionDenied, app.ReasonRoleNotAllowed)
	wantFault(t, errOf(f.app.UpdateMission(ctx, firm2, m.ID, patch, []string{"title"})), fault.KindNotFound, app.ReasonMissionNotFound)
	fe := wantFault(t, errOf(f.app.UpdateMission(ctx, acme, m.ID, patch, []string{"title", "budget"})), fault.KindInvalid, fault.ReasonInvalidArgument)
	if len(fe.Violations) != 1 || fe.Violations[0].Field != "updateMask" || !strings.Contains(fe.Violations[0].Description, `"budget"`) {
		t.Fatalf("violations %+v", fe.Violations)
	}
	wantFault(t, errOf(f.app.UpdateMission(ctx, acme, m.ID, patch, nil)), fault.KindInvalid, fault.ReasonInvalidArgument)
	// Validated like a create: an empty title, a duration of 30 months.
	fe = wantFault(t, errOf(f.app.UpdateMission(ctx, acme, m.ID, missionrules.RequestInput{Request: missionrules.Request{DurationMonths: 30}},
		[]string{"title", "durationMonths"})), fault.KindInvalid, fault.ReasonInvalidArgument)
	if len(fe.Violations) != 2 || fe.Violations[0].Field != "title" || fe.Violations[1].Field != "durationMonths" {
		t.Fatalf("violations %+v", fe.Violations)
	}
	f.wantNoTraces(t, m.ID, events, trail)

	edited, err := f.app.UpdateMission(ctx, acme, m.ID, patch, []string{"title", "maxDailyRateEur", "location", "workMode"})
	if err != nil {
		t.Fatal(err)
	}
	if edited.Title != "AI governance, now" || edited.MaxDailyRateEUR != 1400 || edited.Location.City != "Lyon" || edited.Sector != "R86" {
		t.Fatalf("edited %+v", edited)
	}
	_ = edited
	fe2 := f.mission(t, m.ID)
	if fe2.Title != "AI governance, now" || fe2.Status != domain.StatusShortlisted || fe2.Sector != "R86" || len(fe2.Candidates) != 1 {
		t.Fatalf("stored %+v", fe2)
	}
	got := f.published(t)
	if got[len(got)-1] != "MissionEdited" {
		t.Fatalf("outbox %v", got)
	}
	ds, _ := f.app.ListDecisions(ctx, acme, m.ID)
	d := ds[len(ds)-1]
	if d.Kind != domain.DecisionMissionEdited || d.Actor.AccountID != "firm-1" ||
		strings.Join(d.ChangedFields, ",") != "title,maxDailyRateEur,location" {
		t.Fatalf("decision %+v", d)
	}
	// Nothing changed: no event, no trail entry.
	events, trail = f.traces(t, m.ID)
	if _, err := f.app.UpdateMission(ctx, acme, m.ID, patch, []string{"title", "maxDailyRateEur"}); err != nil {
		t.Fatal(err)
	}
	f.wantNoTraces(t, m.ID, events, trail)

	// Offered: no longer editable.
	f.offer(t, acme, m.ID, "p1")
	events, trail = f.traces(t, m.ID)
	wantFault(t, errOf(f.app.UpdateMission(ctx, acme, m.ID, patch, []string{"title"})), fault.KindFailedPrecondition, domain.ReasonMissionNotEditable)
	f.wantNoTraces(t, m.ID, events, trail)
}
