package app_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/caiomatch/caiomatch/pkg/eventbus/eventbustest"
	"github.com/caiomatch/caiomatch/pkg/fault"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/services/mission/app"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

var (
	consultant2 = identity.Caller{AccountID: "cons-2", Role: identity.RoleConsultant}
	events      = 0 // numbers the shortlist events of a test binary
)

// shortlist is a ShortlistProposed of revision rev whose candidates are ids, best first.
func shortlist(missionID string, rev int64, ids ...string) app.Shortlist {
	p := domain.Proposal{Revision: rev, ScoringVersion: "caio-test", EligibleCount: len(ids) + 2}
	for i, id := range ids {
		p.Candidates = append(p.Candidates, domain.Candidate{ProfileID: id, Rank: i + 1, Score: 0.9 - float64(i)/10,
			Explanation: &domain.Explanation{
				Components:    []domain.ScoreComponent{{Name: "skills", Weight: 0.4, Value: 0.75, Detail: "3 of 4"}},
				MatchedSkills: []string{"ai-governance"}, MissingSkills: []string{"gdpr"},
			}})
	}
	return app.Shortlist{MissionID: missionID, Proposal: p}
}

// shortlisted submits a mission of firm starting on startDate and applies a first shortlist.
func (f *testbed) shortlisted(t *testing.T, firm identity.Caller, startDate string, candidates ...string) domain.Mission {
	t.Helper()
	ctx := context.Background()
	in := input()
	in.StartDate = startDate
	m, err := f.app.CreateMission(ctx, firm, in)
	if err != nil {
		t.Fatal(err)
	}
	events++
	if _, err := f.app.ApplyShortlist(ctx, shortlistEvent(fmt.Sprintf("ev-%d", events)), shortlist(m.ID, 1, candidates...)); err != nil {
		t.Fatal(err)
	}
	return m
}

func (f *testbed) offer(t *testing.T, firm identity.Caller, missionID, profileID string) domain.Offer {
	t.Helper()
	o, err := f.app.MakeOffer(context.Background(), firm, missionID, profileID)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// offered shortlists candidates on a mission of firm starting on start and offers it to the first.
func (f *testbed) offered(t *testing.T, firm identity.Caller, start string, candidates ...string) (domain.Mission, domain.Offer) {
	t.Helper()
	m := f.shortlisted(t, firm, start, candidates...)
	return m, f.offer(t, firm, m.ID, candidates[0])
}

func (f *testbed) mission(t *testing.T, id string) domain.Mission {
	t.Helper()
	m, err := f.app.GetMission(context.Background(), operator, id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// offerStatus reads an offer's status straight from the store.
func (f *testbed) offerStatus(t *testing.T, id string) string {
	t.Helper()
	var status string
	if err := f.db.QueryRow(`SELECT status FROM offers WHERE id = $1`, id).Scan(&status); err != nil {
		t.Fatal(err)
	}
	return status
}

// published lists the outbox in order, as "Type detail" lines.
func (f *testbed) published(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, p := range eventbustest.OutboxEvents(t, f.db) {
		out = append(out, describe(p.Payload))
	}
	return out
}

func describe(payload proto.Message) string {
	name := string(payload.ProtoReflect().Descriptor().Name())
	switch e := payload.(type) {
	case *missionv1.MissionUpdated:
		return name + " " + strings.TrimPrefix(e.GetStatus().String(), "MISSION_STATUS_")
	case interface{ GetOffer() *missionv1.Offer }:
		o := e.GetOffer()
		s := fmt.Sprintf("%s %s %s %s", name, o.GetId(), o.GetProfileId(), strings.TrimPrefix(o.GetStatus().String(), "OFFER_STATUS_"))
		if o.GetDeclineReason() != "" {
			s += " reason=" + o.GetDeclineReason()
		}
		return s
	}
	return name
}

// trail lists a mission's decisions as "KIND ROLE account profile offer" lines.
func (f *testbed) trail(t *testing.T, missionID string) []string {
	t.Helper()
	ds, err := f.app.ListDecisions(context.Background(), operator, missionID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i, d := range ds {
		if d.Sequence != int64(i+1) {
			t.Fatalf("decision %d has sequence %d", i, d.Sequence)
		}
		line := strings.TrimSpace(fmt.Sprintf("%s %s %s %s %s", d.Kind, d.Actor.Role, d.Actor.AccountID, d.ProfileID, d.OfferID))
		if d.Reason != "" {
			line += " reason=" + d.Reason
		}
		out = append(out, strings.Join(strings.Fields(line), " "))
	}
	return out
}

func wantLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s:\n%s\nwant:\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestMakeOffer(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	m := f.shortlisted(t, firm1, "2027-04-01", "p1", "p2")

	// Refused before anyone is asked anything.
	wantFault(t, errOf(f.app.MakeOffer(ctx, consultant, m.ID, "p1")), fault.KindPermissionDenied, app.ReasonRoleNotAllowed)
	wantFault(t, errOf(f.app.MakeOffer(ctx, operator, m.ID, "p1")), fault.KindPermissionDenied, app.ReasonRoleNotAllowed)
	wantFault(t, errOf(f.app.MakeOffer(ctx, firm2, m.ID, "p1")), fault.KindNotFound, app.ReasonMissionNotFound)
	wantFault(t, errOf(f.app.MakeOffer(ctx, firm1, "absent", "p1")), fault.KindNotFound, app.ReasonMissionNotFound)
	wantFault(t, errOf(f.app.MakeOffer(ctx, firm1, m.ID, "p9")), fault.KindFailedPrecondition, domain.ReasonNotOnShortlist)
	fe := wantFault(t, errOf(f.app.MakeOffer(ctx, firm1, "", "")), fault.KindInvalid, fault.ReasonInvalidArgument)
	if len(fe.Violations) != 2 || fe.Violations[0].Field != "missionId" || fe.Violations[1].Field != "profileId" {
		t.Fatalf("violations %+v", fe.Violations)
	}
	if q := f.profiles.questions(); len(q) != 0 {
		t.Fatalf("the profile service was asked %v", q)
	}

	// The profile service does not show the profile, or cannot be reached: nothing changes.
	f.profiles.mu.Lock()
	delete(f.profiles.accounts, "p2")
	f.profiles.mu.Unlock()
	wantFault(t, errOf(f.app.MakeOffer(ctx, firm1, m.ID, "p2")), fault.KindNotFound, app.ReasonProfileNotFound)
	f.profiles.err = app.ErrProfileServiceUnavailable()
	wantFault(t, errOf(f.app.MakeOffer(ctx, firm1, m.ID, "p1")), fault.KindUnavailable, app.ReasonProfileServiceUnavailable)
	f.profiles.err = nil
	if got := f.mission(t, m.ID); got.Status != domain.StatusShortlisted {
		t.Fatalf("refused offers changed the mission: %s", got.Status)
	}

	made := time.Date(2027, 1, 11, 8, 0, 0, 0, time.UTC)
	f.clock.Set(made)
	o, err := f.app.MakeOffer(ctx, firm1, m.ID, "p1")
	if err != nil {
		t.Fatal(err)
	}
	// The firm asked, as itself.
	if q := f.profiles.questions(); q[len(q)-1] != "FIRM firm-1 p1" {
		t.Fatalf("profile service asked %v", q)
	}
	if o.MissionID != m.ID || o.ProfileID != "p1" || o.ConsultantID != "cons-1" || o.FirmID != "firm-1" ||
		o.Status != domain.OfferStatusPending || !o.ExpiresAt.Equal(o.CreatedAt.Add(offerTTL)) || o.CreatedAt.Before(made) {
		t.Fatalf("offer %+v", o)
	}
	if got := f.mission(t, m.ID); got.Status != domain.StatusOffered {
		t.Fatalf("mission %s", got.Status)
	}
	wantFault(t, errOf(f.app.MakeOffer(ctx, firm1, m.ID, "p2")), fault.KindFailedPrecondition, domain.ReasonOfferAlreadyPending)

	wantLines(t, "outbox", f.published(t), []string{
		"MissionSubmitted",
		"MissionUpdated SHORTLISTED",
		"OfferMade " + o.ID + " p1 PENDING",
		"MissionUpdated OFFERED",
	})
	wantLines(t, "trail", f.trail(t, m.ID), []string{
		"MISSION_SUBMITTED FIRM firm-1",
		"SHORTLIST_PROPOSED SYSTEM",
		"OFFER_MADE FIRM firm-1 p1 " + o.ID,
	})
}

func TestMakeOfferOnMissionsWithoutAShortlist(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	submitted, _ := f.app.CreateMission(ctx, firm1, input())
	wantFault(t, errOf(f.app.MakeOffer(ctx, firm1, submitted.ID, "p1")), fault.KindFailedPrecondition, domain.ReasonMissionNotOfferable)
	noMatch := f.shortlisted(t, firm1, "2027-04-01")
	wantFault(t, errOf(f.app.MakeOffer(ctx, firm1, noMatch.ID, "p1")), fault.KindFailedPrecondition, domain.ReasonMissionNotOfferable)
	cancelled := f.shortlisted(t, firm1, "2027-04-01", "p1")
	if _, err := f.app.CancelMission(ctx, firm1, cancelled.ID); err != nil {
		t.Fatal(err)
	}
	wantFault(t, errOf(f.app.MakeOffer(ctx, firm1, cancelled.ID, "p1")), fault.KindFailedPrecondition, domain.ReasonMissionNotOfferable)
}

func TestListOffers(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var mine, all []string
	missionOf := map[string]string{}
	for i := range 7 {
		profile, owner := "p1", "cons-1"
		if i%3 == 0 {
			profile, owner = "p2", "cons-2"
		}
		m := f.shortlisted(t, firm1, "2027-04-01", profile)
		o := f.offer(t, firm1, m.ID, profile)
		all = append(all, o.ID)
		missionOf[o.ID] = m.ID
		if owner == "cons-1" {
			mine = append(mine, o.ID)
		}
	}
	slices.Reverse(mine)
	slices.Reverse(all)
	list := func(c identity.Caller, size int) []string {
		ids, _ := listAll(t, func(token string) ([]domain.Offer, string, error) {
			return f.app.ListOffers(ctx, c, app.OfferFilter{}, size, token)
		}, func(o domain.Offer) string { return o.ID })
		return ids
	}
	if got := list(consultant, 2); !slices.Equal(got, mine) {
		t.Fatalf("consultant lists %v, want %v", got, mine)
	}
	if got := list(operator, 3); !slices.Equal(got, all) {
		t.Fatalf("operator lists %v, want %v", got, all)
	}
	if got := list(identity.Caller{AccountID: "cons-9", Role: identity.RoleConsultant}, 0); len(got) != 0 {
		t.Fatalf("another consultant lists %v", got)
	}
	// A firm lists the offers on its own missions.
	if got := list(firm1, 4); !slices.Equal(got, all) {
		t.Fatalf("firm lists %v, want %v", got, all)
	}
	if got := list(firm2, 4); len(got) != 0 {
		t.Fatalf("another firm lists %v", got)
	}
	// The mission filter keeps that mission's offers among those the caller sees; a firm's filter
	// cannot widen its view to another firm's mission.
	oneMission := func(c identity.Caller, missionID string) []string {
		offers, _, err := f.app.ListOffers(ctx, c, app.OfferFilter{MissionID: missionID}, 100, "")
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, o := range offers {
			if o.MissionID != missionID {
				t.Errorf("the filter on %s listed an offer on %s", missionID, o.MissionID)
			}
			ids = append(ids, o.ID)
		}
		return ids
	}
	if got := oneMission(firm1, missionOf[all[0]]); !slices.Equal(got, all[:1]) {
		t.Errorf("the firm's offers on %s: %v, want %v", missionOf[all[0]], got, all[:1])
	}
	if got := oneMission(firm2, missionOf[all[0]]); len(got) != 0 {
		t.Errorf("another firm's filter on %s: %v", missionOf[all[0]], got)
	}
	_, _, err := f.app.ListOffers(ctx, operator, app.OfferFilter{MissionID: "m\x00"}, 10, "")
	if fe := wantFault(t, err, fault.KindInvalid, fault.ReasonInvalidArgument); len(fe.Violations) != 1 || fe.Violations[0].Field != "missionId" {
		t.Errorf("a mission id with a NUL: %+v", fe.Violations)
	}
	_, _, err = f.app.ListOffers(ctx, identity.Caller{AccountID: "x", Role: "AUDITOR"}, app.OfferFilter{}, 10, "")
	wantFault(t, err, fault.KindPermissionDenied, app.ReasonRoleNotAllowed)
	_, _, err = f.app.ListOffers(ctx, consultant, app.OfferFilter{}, -1, "junk!")
	fe := wantFault(t, err, fault.KindInvalid, fault.ReasonInvalidArgument)
	if len(fe.Violations) != 2 {
		t.Fatalf("violations %+v", fe.Violations)
	}
}

func TestAcceptOffer(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	m, o := f.offered(t, firm1, "2027-04-01", "p1", "p2")

	// Only the consultant offered may answer; to anyone else the offer does not exist.
	for _, c := range []identity.Caller{consultant2, firm1, operator, {AccountID: "cons-1", Role: identity.RoleFirm}} {
		wantFault(t, errOf(f.app.AcceptOffer(ctx, c, o.ID)), fault.KindNotFound, app.ReasonOfferNotFound)
	}
	wantFault(t, errOf(f.app.AcceptOffer(ctx, consultant, "absent")), fault.KindNotFound, app.ReasonOfferNotFound)
	wantFault(t, errOf(f.app.AcceptOffer(ctx, consultant, "")), fault.KindInvalid, fault.ReasonInvalidArgument)

	accepted, err := f.app.AcceptOffer(ctx, consultant, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if accepted.Status != domain.OfferStatusAccepted || accepted.AnsweredAt.IsZero() ||
		accepted.StartDate.Format(time.DateOnly) != "2027-04-01" || accepted.EndDate.Format(time.DateOnly) != "2027-09-30" {
		t.Fatalf("accepted %+v", accepted)
	}
	if got := f.mission(t, m.ID); got.Status != domain.StatusStaffed {
		t.Fatalf("mission %s", got.Status)
	}
	wantFault(t, errOf(f.app.AcceptOffer(ctx, consultant, o.ID)), fault.KindFailedPrecondition, domain.ReasonOfferNotPending)
	wantFault(t, errOf(f.app.DeclineOffer(ctx, consultant, o.ID, "changed my mind")), fault.KindFailedPrecondition, domain.ReasonOfferNotPending)

	got := f.published(t)
	wantLines(t, "outbox", got[len(got)-2:], []string{
		"OfferAccepted " + o.ID + " p1 ACCEPTED",
		"MissionUpdated STAFFED",
	})
	wantLines(t, "trail", f.trail(t, m.ID)[3:], []string{
		"OFFER_ACCEPTED CONSULTANT cons-1 p1 " + o.ID,
		"MISSION_STAFFED CONSULTANT cons-1 p1 " + o.ID,
	})
}

func TestAcceptOfferRefusesAnOverlappingBooking(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	april := f.shortlisted(t, firm1, "2027-04-01", "p1")     // to 2027-09-30
	september := f.shortlisted(t, firm2, "2027-09-30", "p1") // shares one day
	october := f.shortlisted(t, firm2, "2027-10-01", "p1")   // starts the day after
	oApril := f.offer(t, firm1, april.ID, "p1")
	oSeptember := f.offer(t, firm2, september.ID, "p1")
	oOctober := f.offer(t, firm2, october.ID, "p1")

	if _, err := f.app.AcceptOffer(ctx, consultant, oApril.ID); err != nil {
		t.Fatal(err)
	}
	wantFault(t, errOf(f.app.AcceptOffer(ctx, consultant, oSeptember.ID)), fault.KindFailedPrecondition, domain.ReasonConsultantAlreadyBooked)
	if f.offerStatus(t, oSeptember.ID) != "PENDING" || f.mission(t, september.ID).Status != domain.StatusOffered {
		t.Fatal("the refused acceptance changed something")
	}
	if _, err := f.app.AcceptOffer(ctx, consultant, oOctober.ID); err != nil {
		t.Fatalf("a window right after the booking: %v", err)
	}

	// Cancelling the staffed April mission frees the consultant: September may now be accepted.
	if _, err := f.app.CancelMission(ctx, firm1, april.ID); err != nil {
		t.Fatal(err)
	}
	if f.offerStatus(t, oApril.ID) != "ACCEPTED" {
		t.Fatal("the accepted offer of a cancelled mission changed")
	}
	// ... except that October, staffed too, overlaps September's window.
	wantFault(t, errOf(f.app.AcceptOffer(ctx, consultant, oSeptember.ID)), fault.KindFailedPrecondition, domain.ReasonConsultantAlreadyBooked)
	if _, err := f.app.CancelMission(ctx, firm2, october.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.AcceptOffer(ctx, consultant, oSeptember.ID); err != nil {
		t.Fatalf("after both bookings were cancelled: %v", err)
	}
}

func TestDeclineOffer(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	m, o := f.offered(t, firm1, "2027-04-01", "p1", "p2")

	for _, reason := range []string{"", "   ", strings.Repeat("x", 1001)} {
		fe := wantFault(t, errOf(f.app.DeclineOffer(ctx, consultant, o.ID, reason)), fault.KindInvalid, fault.ReasonInvalidArgument)
		if len(fe.Violations) != 1 || fe.Violations[0].Field != "reason" {
			t.Fatalf("violations %+v", fe.Violations)
		}
	}
	wantFault(t, errOf(f.app.DeclineOffer(ctx, consultant2, o.ID, "not mine")), fault.KindNotFound, app.ReasonOfferNotFound)

	declined, err := f.app.DeclineOffer(ctx, consultant, o.ID, "  Committed elsewhere until 2028.  ")
	if err != nil {
		t.Fatal(err)
	}
	if declined.Status != domain.OfferStatusDeclined || declined.DeclineReason != "Committed elsewhere until 2028." {
		t.Fatalf("declined %+v", declined)
	}
	got := f.mission(t, m.ID)
	if got.Status != domain.StatusShortlisted || !slices.Equal(got.Candidates, []string{"p2"}) {
		t.Fatalf("mission %s, candidates %v", got.Status, got.Candidates)
	}
	// The firm may offer to the next candidate at once, not to the one who declined.
	wantFault(t, errOf(f.app.MakeOffer(ctx, firm1, m.ID, "p1")), fault.KindFailedPrecondition, domain.ReasonNotOnShortlist)
	next := f.offer(t, firm1, m.ID, "p2")

	events := f.published(t)
	wantLines(t, "outbox", events[2:], []string{
		"OfferMade " + o.ID + " p1 PENDING",
		"MissionUpdated OFFERED",
		"OfferDeclined " + o.ID + " p1 DECLINED", // without the reason
		"MissionUpdated SHORTLISTED",
		"OfferMade " + next.ID + " p2 PENDING",
		"MissionUpdated OFFERED",
	})
	wantLines(t, "trail", f.trail(t, m.ID)[2:], []string{
		"OFFER_MADE FIRM firm-1 p1 " + o.ID,
		"OFFER_DECLINED CONSULTANT cons-1 p1 " + o.ID + " reason=Committed elsewhere until 2028.",
		"OFFER_MADE FIRM firm-1 p2 " + next.ID,
	})
}

func TestExpireOffers(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	made := time.Date(2027, 1, 12, 10, 0, 0, 0, time.UTC)
	f.clock.Set(made)
	m1 := f.shortlisted(t, firm1, "2027-04-01", "p1", "p2")
	m2 := f.shortlisted(t, firm1, "2027-04-01", "p2")
	o1 := f.offer(t, firm1, m1.ID, "p1")
	o2 := f.offer(t, firm1, m2.ID, "p2")
	if _, err := f.app.AcceptOffer(ctx, consultant2, o2.ID); err != nil {
		t.Fatal(err)
	}

	if n, err := f.app.ExpireOffers(ctx, o1.ExpiresAt.Add(-time.Nanosecond)); n != 0 || err != nil {
		t.Fatalf("expired %d before time (%v)", n, err)
	}
	// Past its expiry but before the loop ran, the offer can no longer be answered.
	f.clock.Set(o1.ExpiresAt)
	wantFault(t, errOf(f.app.AcceptOffer(ctx, consultant, o1.ID)), fault.KindFailedPrecondition, domain.ReasonOfferExpired)
	if f.offerStatus(t, o1.ID) != "PENDING" {
		t.Fatal("a refused acceptance expired the offer")
	}

	before := len(f.published(t))
	n, err := f.app.ExpireOffers(ctx, o1.ExpiresAt.Add(time.Hour))
	if n != 1 || err != nil {
		t.Fatalf("expired %d (%v), want 1", n, err)
	}
	if f.offerStatus(t, o1.ID) != "EXPIRED" || f.offerStatus(t, o2.ID) != "ACCEPTED" {
		t.Fatalf("offers %s %s", f.offerStatus(t, o1.ID), f.offerStatus(t, o2.ID))
	}
	got := f.mission(t, m1.ID)
	if got.Status != domain.StatusShortlisted || !slices.Equal(got.Candidates, []string{"p2"}) {
		t.Fatalf("mission %s, candidates %v", got.Status, got.Candidates)
	}
	wantLines(t, "outbox", f.published(t)[before:], []string{
		"OfferExpired " + o1.ID + " p1 EXPIRED",
		"MissionUpdated SHORTLISTED",
	})
	trail := f.trail(t, m1.ID)
	wantLines(t, "trail", trail[len(trail)-1:], []string{"OFFER_EXPIRED SYSTEM p1 " + o1.ID})
	if n, err := f.app.ExpireOffers(ctx, o1.ExpiresAt.Add(2*time.Hour)); n != 0 || err != nil {
		t.Fatalf("expired again: %d (%v)", n, err)
	}
	wantFault(t, errOf(f.app.AcceptOffer(ctx, consultant, o1.ID)), fault.KindFailedPrecondition, domain.ReasonOfferExpired)
	wantFault(t, errOf(f.app.DeclineOffer(ctx, consultant, o1.ID, "too late")), fault.KindFailedPrecondition, domain.ReasonOfferExpired)
}

func TestExpireOffersInBatches(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	const count = 130 // more than one batch
	var last domain.Offer
	for range count {
		m := f.shortlisted(t, firm1, "2027-04-01", "p1")
		last = f.offer(t, firm1, m.ID, "p1")
	}
	n, err := f.app.ExpireOffers(ctx, last.ExpiresAt)
	if n != count || err != nil {
		t.Fatalf("expired %d (%v), want %d", n, err, count)
	}
	var pending int
	if err := f.db.QueryRow(`SELECT COUNT(*) FROM offers WHERE status = 'PENDING'`).Scan(&pending); err != nil || pending != 0 {
		t.Fatalf("%d offers still pending (%v)", pending, err)
	}
}

func TestCancelWithdrawsThePendingOffer(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	m, o := f.offered(t, firm1, "2027-04-01", "p1")
	if _, err := f.app.CancelMission(ctx, operator, m.ID); err != nil {
		t.Fatal(err)
	}
	if f.offerStatus(t, o.ID) != "WITHDRAWN" {
		t.Fatalf("offer %s", f.offerStatus(t, o.ID))
	}
	wantFault(t, errOf(f.app.AcceptOffer(ctx, consultant, o.ID)), fault.KindFailedPrecondition, domain.ReasonOfferNotPending)
	if n, _ := f.app.ExpireOffers(ctx, o.ExpiresAt); n != 0 {
		t.Fatal("a withdrawn offer expired")
	}
	trail := f.trail(t, m.ID)
	wantLines(t, "trail", trail[len(trail)-2:], []string{
		"MISSION_CANCELLED OPERATOR op-1",
		"OFFER_WITHDRAWN SYSTEM p1 " + o.ID,
	})
	got := f.published(t)
	wantLines(t, "outbox", got[len(got)-2:], []string{"MissionCancelled", "MissionUpdated CANCELLED"})

	// A staffed mission may be cancelled too.
	staffed := f.shortlisted(t, firm1, "2027-04-01", "p1")
	if _, err := f.app.AcceptOffer(ctx, consultant, f.offer(t, firm1, staffed.ID, "p1").ID); err != nil {
		t.Fatal(err)
	}
	if c, err := f.app.CancelMission(ctx, firm1, staffed.ID); err != nil || c.Status != domain.StatusCancelled {
		t.Fatalf("cancel staffed: %v", err)
	}
}

func TestNewShortlistWhileOffered(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	m, o := f.offered(t, firm1, "2027-04-01", "p1", "p2")
	out, err := f.app.ApplyShortlist(ctx, shortlistEvent("ev-offered"), shortlist(m.ID, 2, "p3", "p1"))
	if err != nil || !out.Applied || out.Status != domain.StatusOffered {
		t.Fatalf("%+v %v", out, err)
	}
	if got := f.mission(t, m.ID); got.Status != domain.StatusOffered || !slices.Equal(got.Candidates, []string{"p3", "p1"}) {
		t.Fatalf("mission %s candidates %v", got.Status, got.Candidates)
	}
	// A staffed mission takes no more.
	if _, err := f.app.AcceptOffer(ctx, consultant, o.ID); err != nil {
		t.Fatal(err)
	}
	out, err = f.app.ApplyShortlist(ctx, shortlistEvent("ev-staffed"), shortlist(m.ID, 3, "p4"))
	if err != nil || out.Applied {
		t.Fatalf("%+v %v", out, err)
	}
	wantLines(t, "trail", f.trail(t, m.ID), []string{
		"MISSION_SUBMITTED FIRM firm-1",
		"SHORTLIST_PROPOSED SYSTEM",
		"OFFER_MADE FIRM firm-1 p1 " + o.ID,
		"SHORTLIST_PROPOSED SYSTEM",
		"OFFER_ACCEPTED CONSULTANT cons-1 p1 " + o.ID,
		"MISSION_STAFFED CONSULTANT cons-1 p1 " + o.ID,
	})
}

func TestListDecisions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	m := f.shortlisted(t, firm1, "2027-04-01", "p1", "p2")
	for _, c := range []identity.Caller{firm1, operator} {
		ds, err := f.app.ListDecisions(ctx, c, m.ID)
		if err != nil || len(ds) != 2 {
			t.Fatalf("%s: %d decisions, %v", c.Role, len(ds), err)
		}
		p := ds[1].Proposal
		if p.Revision != 1 || p.ScoringVersion != "caio-test" || p.EligibleCount != 4 || len(p.Candidates) != 2 ||
			p.Candidates[1].ProfileID != "p2" || p.Candidates[1].Rank != 2 || p.Candidates[1].Explanation.Components[0].Value != 0.75 {
			t.Fatalf("proposal %+v", p)
		}
	}
	for _, c := range []identity.Caller{firm2, consultant} {
		wantFault(t, errOf(f.app.ListDecisions(ctx, c, m.ID)), fault.KindNotFound, app.ReasonMissionNotFound)
	}
	wantFault(t, errOf(f.app.ListDecisions(ctx, operator, "absent")), fault.KindNotFound, app.ReasonMissionNotFound)
	wantFault(t, errOf(f.app.ListDecisions(ctx, operator, "")), fault.KindInvalid, fault.ReasonInvalidArgument)
}

func TestEraseProfilePseudonymises(t *testing.T) {
	onEachBackend(t, func(t *testing.T, f *testbed) {
		ctx := context.Background()
		declinedM := f.shortlisted(t, firm1, "2027-04-01", "p1", "p2")
		pendingM := f.shortlisted(t, firm1, "2027-04-01", "p2", "p1")
		other := f.shortlisted(t, firm2, "2027-04-01", "p2")
		declined := f.offer(t, firm1, declinedM.ID, "p1")
		if _, err := f.app.DeclineOffer(ctx, consultant, declined.ID, "Not now."); err != nil {
			t.Fatal(err)
		}
		pending := f.offer(t, firm1, pendingM.ID, "p1")

		out, err := f.app.EraseProfile(ctx, erasureEvent("erase-1"), "p1", "cons-1")
		if err != nil {
			t.Fatal(err)
		}
		pseudonym := domain.Pseudonym([]byte("test-key"), "p1")
		accountPseudonym := domain.Pseudonym([]byte("test-key"), "cons-1")
		if out.Duplicate || out.Withdrawn != 1 || out.Offers != 2 || out.Missions != 0 {
			t.Fatalf("outcome %+v", out)
		}
		// The pending offer was withdrawn, its mission is open to the other candidates.
		if f.offerStatus(t, pending.ID) != "WITHDRAWN" {
			t.Fatalf("pending offer %s", f.offerStatus(t, pending.ID))
		}
		if got := f.mission(t, pendingM.ID); got.Status != domain.StatusShortlisted || !slices.Equal(got.Candidates, []string{"p2"}) {
			t.Fatalf("mission %s candidates %v", got.Status, got.Candidates)
		}
		// Nothing names p1 any more; its explanations are gone; ranks and scores stay.
		for query, what := range map[string]string{
			`SELECT COUNT(*) FROM offers WHERE profile_id = 'p1'`:                                "offers",
			`SELECT COUNT(*) FROM decisions WHERE profile_id = 'p1' OR candidates LIKE '%"p1"%'`: "decisions",
			`SELECT COUNT(*) FROM missions WHERE candidates LIKE '%"p1"%'`:                       "missions",
			// What the consultant wrote, and their account id, went with the profile.
			`SELECT COUNT(*) FROM offers WHERE consultant_id = 'cons-1' OR decline_reason <> ''`:           "offers (account or reason)",
			`SELECT COUNT(*) FROM decisions WHERE actor_account_id = 'cons-1' OR reason LIKE '%Not now.%'`: "decisions (account or reason)",
		} {
			var n int
			if err := f.db.QueryRow(query).Scan(&n); err != nil || n != 0 {
				t.Errorf("%d %s still name p1 (%v)", n, what, err)
			}
		}
		ds, _ := f.app.ListDecisions(ctx, operator, declinedM.ID)
		c := ds[1].Proposal.Candidates
		if c[0].ProfileID != pseudonym || c[0].Explanation != nil || c[0].Rank != 1 || c[0].Score != 0.9 || c[1].ProfileID != "p2" || c[1].Explanation == nil {
			t.Fatalf("proposal after erasure %+v", c)
		}
		wantLines(t, "trail", f.trail(t, declinedM.ID)[2:], []string{
			"OFFER_MADE FIRM firm-1 " + pseudonym + " " + declined.ID,
			"OFFER_DECLINED CONSULTANT " + accountPseudonym + " " + pseudonym + " " + declined.ID,
		})
		wantLines(t, "trail", f.trail(t, pendingM.ID)[2:], []string{
			"OFFER_MADE FIRM firm-1 " + pseudonym + " " + pending.ID,
			"OFFER_WITHDRAWN SYSTEM " + pseudonym + " " + pending.ID,
		})
		// The offers are no longer the account's: an operator still reads them, under pseudonyms.
		if offers, _, err := f.app.ListOffers(ctx, consultant, app.OfferFilter{}, 10, ""); err != nil || len(offers) != 0 {
			t.Fatalf("the erased consultant's account still lists %d offers (%v)", len(offers), err)
		}
		offers, _, err := f.app.ListOffers(ctx, operator, app.OfferFilter{MissionID: declinedM.ID}, 10, "")
		if err != nil || len(offers) != 1 || offers[0].ProfileID != pseudonym || offers[0].ConsultantID != accountPseudonym || offers[0].DeclineReason != "" {
			t.Fatalf("declined offer after erasure %+v (%v)", offers, err)
		}
		// Others are untouched.
		if got := f.mission(t, other.ID); !slices.Equal(got.Candidates, []string{"p2"}) {
			t.Fatalf("another mission's candidates %v", got.Candidates)
		}

		// The same event again changes nothing.
		again, err := f.app.EraseProfile(ctx, erasureEvent("erase-1"), "p1", "cons-1")
		if err != nil || !again.Duplicate {
			t.Fatalf("again: %+v %v", again, err)
		}
		// A profile still a candidate, with no offer, is pseudonymised among the candidates.
		out, err = f.app.EraseProfile(ctx, erasureEvent("erase-2"), "p2", "")
		if err != nil || out.Missions != 3 || out.Withdrawn != 0 {
			t.Fatalf("erase p2: %+v %v", out, err)
		}
		if got := f.mission(t, other.ID); !slices.Equal(got.Candidates, []string{domain.Pseudonym([]byte("test-key"), "p2")}) {
			t.Fatalf("candidates after erasure %v", got.Candidates)
		}
	})
}

// Exactly one of many concurrent acceptances books a consultant: one consultant holds pending
// offers on two missions whose windows overlap, and 20 goroutines accept each offer at once.
// On PostgreSQL, where the acceptances of the two missions hold different missions and run
// side by side at READ COMMITTED, only the lock on the consultant makes the second one see the
// first one's booking.
func TestConcurrentAcceptancesBookAConsultantOnce(t *testing.T) {
	onEachBackend(t, func(t *testing.T, f *testbed) {
		ctx := context.Background()
		m1 := f.shortlisted(t, firm1, "2027-04-01", "p1") // 2027-04-01 .. 2027-09-30
		m2 := f.shortlisted(t, firm2, "2027-06-15", "p1") // 2027-06-15 .. 2027-12-14
		o1 := f.offer(t, firm1, m1.ID, "p1")
		o2 := f.offer(t, firm2, m2.ID, "p1")

		const attempts = 20
		type result struct {
			offer string
			err   error
		}
		results := make(chan result, 2*attempts)
		gate := make(chan struct{})
		var wg sync.WaitGroup
		for i := range 2 * attempts {
			id := o1.ID
			if i%2 == 1 {
				id = o2.ID
			}
			wg.Go(func() {
				<-gate // all start together
				_, err := f.app.AcceptOffer(ctx, consultant, id)
				results <- result{id, err}
			})
		}
		close(gate)
		wg.Wait()
		close(results)

		wins := map[string]int{}
		reasons := map[string]map[string]int{o1.ID: {}, o2.ID: {}}
		for r := range results {
			if r.err == nil {
				wins[r.offer]++
				continue
			}
			fe, ok := fault.As(r.err)
			if !ok || fe.Kind != fault.KindFailedPrecondition {
				t.Fatalf("an acceptance failed otherwise than FAILED_PRECONDITION: %v", r.err)
			}
			reasons[r.offer][fe.Reason]++
		}
		if len(wins) != 1 {
			t.Fatalf("successful acceptances per offer: %v, want exactly one overall", wins)
		}
		winner, loser := o1, o2
		winnerMission, loserMission := m1, m2
		if wins[o2.ID] == 1 {
			winner, loser = o2, o1
			winnerMission, loserMission = m2, m1
		}
		if wins[winner.ID] != 1 {
			t.Fatalf("offer %s accepted %d times", winner.ID, wins[winner.ID])
		}
		// Every other attempt at the winning offer found it answered; every attempt at the other
		// one found the consultant booked.
		if r := reasons[winner.ID]; len(r) != 1 || r[domain.ReasonOfferNotPending] != attempts-1 {
			t.Fatalf("refusals of the accepted offer: %v", r)
		}
		if r := reasons[loser.ID]; len(r) != 1 || r[domain.ReasonConsultantAlreadyBooked] != attempts {
			t.Fatalf("refusals of the other offer: %v", r)
		}

		count := func(query string, args ...any) int {
			var n int
			if err := f.db.QueryRow(query, args...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := count(`SELECT COUNT(*) FROM offers WHERE status = 'ACCEPTED'`); n != 1 {
			t.Fatalf("%d accepted offers in the store", n)
		}
		if n := count(`SELECT COUNT(*) FROM missions WHERE status = 'STAFFED'`); n != 1 {
			t.Fatalf("%d staffed missions in the store", n)
		}
		if f.offerStatus(t, winner.ID) != "ACCEPTED" || f.mission(t, winnerMission.ID).Status != domain.StatusStaffed {
			t.Fatal("the winner is not accepted and staffed")
		}
		if f.offerStatus(t, loser.ID) != "PENDING" || f.mission(t, loserMission.ID).Status != domain.StatusOffered {
			t.Fatalf("the other offer is %s, its mission %s", f.offerStatus(t, loser.ID), f.mission(t, loserMission.ID).Status)
		}
		accepted := 0
		for _, e := range f.published(t) {
			if strings.HasPrefix(e, "OfferAccepted") {
				accepted++
			}
		}
		if accepted != 1 {
			t.Fatalf("%d OfferAccepted events in the outbox", accepted)
		}
		if n := count(`SELECT COUNT(*) FROM decisions WHERE kind = 'OFFER_ACCEPTED'`); n != 1 {
			t.Fatalf("%d OFFER_ACCEPTED decisions", n)
		}
	})
}

// Two consultants accepting their own offers for overlapping missions at once both succeed:
// bookings are per consultant.
func TestConcurrentAcceptancesOfTwoConsultantsBothSucceed(t *testing.T) {
	onEachBackend(t, func(t *testing.T, f *testbed) {
		ctx := context.Background()
		m1 := f.shortlisted(t, firm1, "2027-04-01", "p1", "p2")
		m2 := f.shortlisted(t, firm2, "2027-04-01", "p2", "p1")
		o1 := f.offer(t, firm1, m1.ID, "p1")
		o2 := f.offer(t, firm2, m2.ID, "p2")

		const attempts = 20
		errs := make(chan error, 2*attempts)
		gate := make(chan struct{})
		var wg sync.WaitGroup
		for i := range 2 * attempts {
			c, id := consultant, o1.ID
			if i%2 == 1 {
				c, id = consultant2, o2.ID
			}
			wg.Go(func() {
				<-gate
				_, err := f.app.AcceptOffer(ctx, c, id)
				errs <- err
			})
		}
		close(gate)
		wg.Wait()
		close(errs)
		wins := 0
		for err := range errs {
			if err == nil {
				wins++
				continue
			}
			if fe, ok := fault.As(err); !ok || fe.Reason != domain.ReasonOfferNotPending {
				t.Fatalf("unexpected refusal: %v", err)
			}
		}
		if wins != 2 {
			t.Fatalf("%d acceptances succeeded, want 2", wins)
		}
		for _, m := range []domain.Mission{m1, m2} {
			if got := f.mission(t, m.ID); got.Status != domain.StatusStaffed {
				t.Fatalf("mission %s is %s", m.ID, got.Status)
			}
		}
		if f.offerStatus(t, o1.ID) != "ACCEPTED" || f.offerStatus(t, o2.ID) != "ACCEPTED" {
			t.Fatal("not both accepted")
		}
	})
}

// A failure in the middle of a use case leaves nothing behind.
func TestFailedOfferChangesNothing(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	m := f.shortlisted(t, firm1, "2027-04-01", "p1")
	before := len(f.published(t))
	trail := len(f.trail(t, m.ID))
	f.profiles.err = errors.New("connection reset")
	if _, err := f.app.MakeOffer(ctx, firm1, m.ID, "p1"); err == nil || fault.KindOf(err) != fault.KindInternal {
		t.Fatalf("err = %v", err)
	}
	if len(f.published(t)) != before || len(f.trail(t, m.ID)) != trail || f.mission(t, m.ID).Status != domain.StatusShortlisted {
		t.Fatal("a failed offer left traces")
	}
}

// An erasure holds every mission naming the person before reading any of it: changes to those
// missions made while it runs wait for it, so none is overwritten by what it read, and an offer
// to the person made meanwhile is refused once it has gone from the shortlist. (On PostgreSQL,
// an erasure that read without holding would put a cancelled mission back to SHORTLISTED and
// leave a pending offer to an erased profile.) Profile ids are lower-case UUIDs: every row
// naming one is found, on PostgreSQL too, where LIKE compares case; an id differing only in case
// is another profile, left alone.
func TestEraseProfileWhileTheMissionsChange(t *testing.T) {
	onEachBackend(t, func(t *testing.T, f *testbed) {
		ctx := context.Background()
		const erased = "0192f3a4-5b6c-7d8e-9fab-0c1d2e3f4a5b"
		twin := strings.ToUpper(erased)
		f.profiles.own(erased, "cons-1")
		f.profiles.own(twin, "cons-2")
		f.profiles.own("p2", "cons-3")
		cancelled := f.shortlisted(t, firm1, "2027-04-01", erased, "p2")
		offered := f.shortlisted(t, firm1, "2027-04-01", "p2", erased, twin)
		declined := f.shortlisted(t, firm2, "2027-04-01", erased)
		o := f.offer(t, firm2, declined.ID, erased)
		if _, err := f.app.DeclineOffer(ctx, consultant, o.ID, "Not now."); err != nil {
			t.Fatal(err)
		}

		cancel, offer := make(chan error, 1), make(chan error, 1)
		f.pause.during = func() {
			go func() { _, err := f.app.CancelMission(ctx, firm1, cancelled.ID); cancel <- err }()
			go func() { _, err := f.app.MakeOffer(ctx, firm1, offered.ID, erased); offer <- err }()
			time.Sleep(300 * time.Millisecond) // time enough for both to commit, were the missions not held
		}
		out, err := f.app.EraseProfile(ctx, erasureEvent("erase-1"), erased, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := <-cancel; err != nil {
			t.Fatalf("cancel during the erasure: %v", err)
		}
		wantFault(t, <-offer, fault.KindFailedPrecondition, domain.ReasonNotOnShortlist)
		if out.Withdrawn != 0 || out.Offers != 1 || out.Missions != 2 || out.Decisions != 5 {
			t.Fatalf("outcome %+v", out)
		}

		pseudonym := domain.Pseudonym([]byte("test-key"), erased)
		if got := f.mission(t, cancelled.ID); got.Status != domain.StatusCancelled || !slices.Equal(got.Candidates, []string{pseudonym, "p2"}) {
			t.Fatalf("cancelled mission is %s with candidates %v", got.Status, got.Candidates)
		}
		if got := f.mission(t, offered.ID); got.Status != domain.StatusShortlisted || !slices.Equal(got.Candidates, []string{"p2", pseudonym, twin}) {
			t.Fatalf("mission offered meanwhile is %s with candidates %v", got.Status, got.Candidates)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM offers WHERE status = 'PENDING'`); n != 0 {
			t.Fatalf("%d pending offers", n)
		}
		// No row names the erased id any more, compared exactly; its upper-case twin stays.
		for _, query := range []string{
			`SELECT id || ' ' || candidates FROM missions`,
			`SELECT id || ' ' || profile_id FROM offers`,
			`SELECT mission_id || ' ' || profile_id || ' ' || candidates FROM decisions`,
		} {
			for _, row := range f.strings(t, query) {
				if strings.Contains(row, erased) {
					t.Errorf("still named: %s", row)
				}
			}
		}
		if n := len(f.strings(t, `SELECT candidates FROM missions WHERE candidates LIKE '%"`+twin+`"%'`)); n != 1 {
			t.Errorf("the twin is a candidate of %d missions, want 1", n)
		}
	})
}

func (f *testbed) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := f.db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *testbed) strings(t *testing.T, query string) []string {
	t.Helper()
	rows, err := f.db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
