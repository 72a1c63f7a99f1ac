package domain_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/dates"
	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

const ttl = 72 * time.Hour

var (
	firmActor       = domain.Actor{Role: domain.ActorFirm, AccountID: "firm-1"}
	consultantActor = domain.Actor{Role: domain.ActorConsultant, AccountID: "cons-1"}
)

func wantRefusal(t *testing.T, err error, kind fault.Kind, reason string) {
	t.Helper()
	fe, ok := fault.As(err)
	if !ok || fe.Kind != kind || fe.Reason != reason {
		t.Fatalf("err = %v, want kind %d reason %s", err, kind, reason)
	}
}

// offered is a mission offered to p1 (consultant cons-1) at now, with p2 still a candidate.
func offered(t *testing.T) (domain.Mission, domain.Offer) {
	t.Helper()
	m := mission(domain.StatusShortlisted, 1, "p1", "p2")
	o, _, err := m.MakeOffer("o1", "p1", "cons-1", firmActor, now, ttl)
	if err != nil {
		t.Fatal(err)
	}
	return m, o
}

func TestMakeOffer(t *testing.T) {
	later := now.Add(time.Minute)
	m := mission(domain.StatusShortlisted, 1, "p1", "p2")
	o, out, err := m.MakeOffer("o1", "p2", "cons-2", firmActor, later, ttl)
	if err != nil {
		t.Fatal(err)
	}
	want := domain.Offer{
		ID: "o1", MissionID: "m1", FirmID: "firm-1", ProfileID: "p2", ConsultantID: "cons-2",
		Status: domain.OfferStatusPending, StartDate: m.StartDate, EndDate: m.EndDate(),
		CreatedAt: later, ExpiresAt: later.Add(ttl), Mission: m.Summary(),
	}
	if !reflect.DeepEqual(o, want) {
		t.Fatalf("offer %+v, want %+v", o, want)
	}
	// The window is the mission's: 1 February 2027 for 12 months ends on 31 January 2028.
	if dates.Format(o.StartDate) != "2027-02-01" || dates.Format(o.EndDate) != "2028-01-31" {
		t.Fatalf("window %s..%s", dates.Format(o.StartDate), dates.Format(o.EndDate))
	}
	if m.Status != domain.StatusOffered || !m.UpdatedAt.Equal(later) || !slices.Equal(m.Candidates, []string{"p1", "p2"}) {
		t.Fatalf("mission %s at %v, candidates %v", m.Status, m.UpdatedAt, m.Candidates)
	}
	wantOut := domain.Outcome{
		Events: []domain.Event{domain.OfferMade{Offer: want}, domain.MissionUpdated{MissionID: "m1", Status: domain.StatusOffered}},
		Decisions: []domain.Decision{{MissionID: "m1", At: later, Kind: domain.DecisionOfferMade, Actor: firmActor,
			OfferID: "o1", ProfileID: "p2"}},
	}
	if !reflect.DeepEqual(out, wantOut) {
		t.Fatalf("outcome %+v, want %+v", out, wantOut)
	}
}

func TestMakeOfferRefusals(t *testing.T) {
	cases := []struct {
		status  domain.Status
		profile string
		reason  string
	}{
		{domain.StatusOffered, "p1", domain.ReasonOfferAlreadyPending},
		{domain.StatusSubmitted, "p1", domain.ReasonMissionNotOfferable},
		{domain.StatusNoMatch, "p1", domain.ReasonMissionNotOfferable},
		{domain.StatusStaffed, "p1", domain.ReasonMissionNotOfferable},
		{domain.StatusCancelled, "p1", domain.ReasonMissionNotOfferable},
		{domain.StatusShortlisted, "p9", domain.ReasonNotOnShortlist},
		{domain.StatusShortlisted, "", domain.ReasonNotOnShortlist},
	}
	for _, tc := range cases {
		t.Run(tc.status.String()+"/"+tc.profile, func(t *testing.T) {
			m := mission(tc.status, 1, "p1", "p2")
			before := m
			wantRefusal(t, m.CheckOfferable(tc.profile), fault.KindFailedPrecondition, tc.reason)
			_, out, err := m.MakeOffer("o1", tc.profile, "cons-1", firmActor, now, ttl)
			wantRefusal(t, err, fault.KindFailedPrecondition, tc.reason)
			if !reflect.DeepEqual(m, before) || len(out.Events)+len(out.Decisions) != 0 {
				t.Fatalf("refused offer changed the mission: %+v, %+v", m, out)
			}
		})
	}
	m := mission(domain.StatusShortlisted, 1, "p1")
	if _, _, err := m.MakeOffer("o1", "p1", "cons-1", firmActor, now, 0); err == nil || m.Status != domain.StatusShortlisted {
		t.Fatalf("an offer without a time to live was made: %v", err)
	}
}

func TestOverlaps(t *testing.T) {
	window := func(start, end string) domain.Offer {
		s, _ := dates.Parse(start)
		e, _ := dates.Parse(end)
		return domain.Offer{StartDate: s, EndDate: e}
	}
	a := window("2027-03-01", "2027-08-31")
	cases := []struct {
		start, end string
		want       bool
	}{
		{"2027-09-01", "2028-02-29", false}, // starts the day after
		{"2026-09-01", "2027-02-28", false}, // ends the day before
		{"2027-08-31", "2028-02-29", true},  // shares the last day
		{"2026-09-01", "2027-03-01", true},  // shares the first day
		{"2027-04-01", "2027-05-31", true},  // inside
		{"2027-01-01", "2027-12-31", true},  // around
	}
	for _, tc := range cases {
		b := window(tc.start, tc.end)
		if a.Overlaps(b) != tc.want || b.Overlaps(a) != tc.want {
			t.Errorf("%s..%s overlaps = %v, want %v", tc.start, tc.end, a.Overlaps(b), tc.want)
		}
	}
}

func TestAcceptOffer(t *testing.T) {
	m, o := offered(t)
	later := now.Add(time.Hour)
	// Bookings of other consultants, and of this one outside the window, do not count.
	elsewhere := domain.Offer{ID: "o7", ConsultantID: "cons-1", Status: domain.OfferStatusAccepted,
		StartDate: o.EndDate.AddDate(0, 0, 1), EndDate: o.EndDate.AddDate(0, 6, 0)}
	someoneElse := domain.Offer{ID: "o8", ConsultantID: "cons-2", Status: domain.OfferStatusAccepted,
		StartDate: o.StartDate, EndDate: o.EndDate}
	out, err := domain.AcceptOffer(&o, &m, []domain.Offer{elsewhere, someoneElse}, consultantActor, later)
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != domain.OfferStatusAccepted || !o.AnsweredAt.Equal(later) || m.Status != domain.StatusStaffed || !m.UpdatedAt.Equal(later) {
		t.Fatalf("offer %s answered %v, mission %s", o.Status, o.AnsweredAt, m.Status)
	}
	want := domain.Outcome{
		Events: []domain.Event{domain.OfferAccepted{Offer: o}, domain.MissionUpdated{MissionID: "m1", Status: domain.StatusStaffed}},
		Decisions: []domain.Decision{
			{MissionID: "m1", At: later, Kind: domain.DecisionOfferAccepted, Actor: consultantActor, OfferID: "o1", ProfileID: "p1"},
			{MissionID: "m1", At: later, Kind: domain.DecisionMissionStaffed, Actor: consultantActor, OfferID: "o1", ProfileID: "p1"},
		},
	}
	if !reflect.DeepEqual(out, want) {
		t.Fatalf("outcome %+v, want %+v", out, want)
	}
	if ev := out.Events[0].(domain.OfferAccepted); dates.Format(ev.Offer.StartDate) != "2027-02-01" || dates.Format(ev.Offer.EndDate) != "2028-01-31" {
		t.Fatalf("OfferAccepted books %v..%v", ev.Offer.StartDate, ev.Offer.EndDate)
	}
}

func TestAcceptOfferRefusals(t *testing.T) {
	cases := []struct {
		name     string
		change   func(o *domain.Offer, m *domain.Mission)
		bookings func(o domain.Offer) []domain.Offer
		at       time.Duration // after the offer was made
		reason   string
	}{
		{"already accepted", func(o *domain.Offer, m *domain.Mission) { o.Status = domain.OfferStatusAccepted }, nil, time.Hour, domain.ReasonOfferNotPending},
		{"declined", func(o *domain.Offer, m *domain.Mission) { o.Status = domain.OfferStatusDeclined }, nil, time.Hour, domain.ReasonOfferNotPending},
		{"withdrawn", func(o *domain.Offer, m *domain.Mission) { o.Status = domain.OfferStatusWithdrawn }, nil, time.Hour, domain.ReasonOfferNotPending},
		{"expired", func(o *domain.Offer, m *domain.Mission) { o.Status = domain.OfferStatusExpired }, nil, time.Hour, domain.ReasonOfferExpired},
		{"past its expiry, not yet expired", nil, nil, ttl + time.Nanosecond, domain.ReasonOfferExpired},
		{"at its expiry", nil, nil, ttl, domain.ReasonOfferExpired},
		{"mission no longer offered", func(o *domain.Offer, m *domain.Mission) { m.Status = domain.StatusCancelled }, nil, time.Hour, domain.ReasonOfferNotPending},
		{"booked on an overlapping window", nil, func(o domain.Offer) []domain.Offer {
			return []domain.Offer{{ID: "o7", ConsultantID: "cons-1", Status: domain.OfferStatusAccepted,
				StartDate: o.EndDate, EndDate: o.EndDate.AddDate(0, 3, 0)}}
		}, time.Hour, domain.ReasonConsultantAlreadyBooked},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, o := offered(t)
			if tc.change != nil {
				tc.change(&o, &m)
			}
			var bookings []domain.Offer
			if tc.bookings != nil {
				bookings = tc.bookings(o)
			}
			beforeM, beforeO := m, o
			out, err := domain.AcceptOffer(&o, &m, bookings, consultantActor, o.CreatedAt.Add(tc.at))
			wantRefusal(t, err, fault.KindFailedPrecondition, tc.reason)
			if !reflect.DeepEqual(m, beforeM) || !reflect.DeepEqual(o, beforeO) || len(out.Events)+len(out.Decisions) != 0 {
				t.Fatalf("refused acceptance changed something: %+v %+v %+v", m, o, out)
			}
		})
	}
	// Just before its expiry, it may still be accepted.
	m, o := offered(t)
	if _, err := domain.AcceptOffer(&o, &m, nil, consultantActor, o.ExpiresAt.Add(-time.Nanosecond)); err != nil {
		t.Fatalf("accepted a nanosecond before expiry: %v", err)
	}
}

func TestCheckDeclineReason(t *testing.T) {
	cases := []struct {
		reason, want string
		ok           bool
	}{
		{"", "", false},
		{" \t\n ", "", false},
		{"  Not available then.  ", "Not available then.", true},
		{"x", "x", true},
		{strings.Repeat("é", 1000), strings.Repeat("é", 1000), true},
		{"  " + strings.Repeat("é", 1000) + "  ", strings.Repeat("é", 1000), true},
		{strings.Repeat("é", 1001), "", false},
		{"bad \xff byte", "", false},
	}
	for _, tc := range cases {
		got, err := missionrules.CheckDeclineReason(tc.reason)
		if !tc.ok {
			fe, isFault := fault.As(err)
			if !isFault || fe.Kind != fault.KindInvalid || len(fe.Violations) != 1 || fe.Violations[0].Field != "reason" {
				t.Errorf("reason of %d runes: err = %v, want a violation of reason", len([]rune(tc.reason)), err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("reason %q: got %q, %v", tc.reason, got, err)
		}
	}
}

func TestDeclineOffer(t *testing.T) {
	m, o := offered(t)
	later := now.Add(time.Hour)
	out, err := domain.DeclineOffer(&o, &m, "  Already committed elsewhere.  ", consultantActor, later)
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != domain.OfferStatusDeclined || o.DeclineReason != "Already committed elsewhere." || !o.AnsweredAt.Equal(later) {
		t.Fatalf("offer %+v", o)
	}
	if m.Status != domain.StatusShortlisted || !slices.Equal(m.Candidates, []string{"p2"}) || !m.UpdatedAt.Equal(later) {
		t.Fatalf("mission %s, candidates %v", m.Status, m.Candidates)
	}
	published := o
	published.DeclineReason = ""
	want := domain.Outcome{
		Events: []domain.Event{domain.OfferDeclined{Offer: published}, domain.MissionUpdated{MissionID: "m1", Status: domain.StatusShortlisted}},
		Decisions: []domain.Decision{{MissionID: "m1", At: later, Kind: domain.DecisionOfferDeclined, Actor: consultantActor,
			OfferID: "o1", ProfileID: "p1", Reason: "Already committed elsewhere."}},
	}
	if !reflect.DeepEqual(out, want) {
		t.Fatalf("outcome %+v, want %+v", out, want)
	}

	// A reason is required; a closed offer cannot be declined.
	m, o = offered(t)
	_, err = domain.DeclineOffer(&o, &m, " ", consultantActor, later)
	if fe, ok := fault.As(err); !ok || fe.Kind != fault.KindInvalid || fe.Violations[0].Field != "reason" || o.Status != domain.OfferStatusPending {
		t.Fatalf("blank reason: %v, offer %s", err, o.Status)
	}
	_, err = domain.DeclineOffer(&o, &m, "late", consultantActor, o.ExpiresAt)
	wantRefusal(t, err, fault.KindFailedPrecondition, domain.ReasonOfferExpired)
	o.Status = domain.OfferStatusAccepted
	_, err = domain.DeclineOffer(&o, &m, "changed my mind", consultantActor, later)
	wantRefusal(t, err, fault.KindFailedPrecondition, domain.ReasonOfferNotPending)
	if m.Status != domain.StatusOffered || len(m.Candidates) != 2 {
		t.Fatalf("refused declines changed the mission: %s %v", m.Status, m.Candidates)
	}
}

func TestExpireOffer(t *testing.T) {
	m, o := offered(t)
	if out, ok := domain.ExpireOffer(&o, &m, o.ExpiresAt.Add(-time.Nanosecond)); ok || o.Status != domain.OfferStatusPending ||
		len(out.Events) != 0 || m.Status != domain.StatusOffered {
		t.Fatalf("expired before its time: %+v", o)
	}
	at := o.ExpiresAt
	out, ok := domain.ExpireOffer(&o, &m, at)
	if !ok || o.Status != domain.OfferStatusExpired || !o.AnsweredAt.IsZero() {
		t.Fatalf("offer %+v", o)
	}
	if m.Status != domain.StatusShortlisted || !slices.Equal(m.Candidates, []string{"p2"}) || !m.UpdatedAt.Equal(at) {
		t.Fatalf("mission %s, candidates %v", m.Status, m.Candidates)
	}
	want := domain.Outcome{
		Events: []domain.Event{domain.OfferExpired{Offer: o}, domain.MissionUpdated{MissionID: "m1", Status: domain.StatusShortlisted}},
		Decisions: []domain.Decision{{MissionID: "m1", At: at, Kind: domain.DecisionOfferExpired, Actor: domain.SystemActor(),
			OfferID: "o1", ProfileID: "p1"}},
	}
	if !reflect.DeepEqual(out, want) {
		t.Fatalf("outcome %+v, want %+v", out, want)
	}
	// Once expired, or once answered, an offer does not expire (again).
	if _, ok := domain.ExpireOffer(&o, &m, at.Add(time.Hour)); ok {
		t.Fatal("expired twice")
	}
	m, o = offered(t)
	o.Status = domain.OfferStatusAccepted
	if _, ok := domain.ExpireOffer(&o, &m, o.ExpiresAt.Add(time.Hour)); ok || o.Status != domain.OfferStatusAccepted {
		t.Fatal("an accepted offer expired")
	}
}

func TestCancelWithdrawsThePendingOffer(t *testing.T) {
	m, o := offered(t)
	later := now.Add(time.Hour)
	out, err := m.Cancel(firmActor, &o, later)
	if err != nil {
		t.Fatal(err)
	}
	if m.Status != domain.StatusCancelled || o.Status != domain.OfferStatusWithdrawn || !o.AnsweredAt.IsZero() {
		t.Fatalf("mission %s, offer %s", m.Status, o.Status)
	}
	kinds := []domain.DecisionKind{}
	for _, d := range out.Decisions {
		kinds = append(kinds, d.Kind)
	}
	if !slices.Equal(kinds, []domain.DecisionKind{domain.DecisionMissionCancelled, domain.DecisionOfferWithdrawn}) ||
		!reflect.DeepEqual(out.Decisions[1], domain.Decision{MissionID: "m1", At: later, Kind: domain.DecisionOfferWithdrawn,
			Actor: domain.SystemActor(), OfferID: "o1", ProfileID: "p1"}) {
		t.Fatalf("decisions %+v", out.Decisions)
	}
	// A staffed mission's accepted offer stays accepted: it is history, and MissionCancelled
	// frees the consultant.
	m, o = offered(t)
	if _, err := domain.AcceptOffer(&o, &m, nil, consultantActor, later); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Cancel(firmActor, nil, later); err != nil || m.Status != domain.StatusCancelled || o.Status != domain.OfferStatusAccepted {
		t.Fatalf("cancel staffed: %v, %s, %s", err, m.Status, o.Status)
	}
}

func TestWithdrawOffer(t *testing.T) {
	m, o := offered(t)
	out, ok := domain.WithdrawOffer(&o, &m, now.Add(time.Hour))
	if !ok || o.Status != domain.OfferStatusWithdrawn || m.Status != domain.StatusShortlisted || !slices.Equal(m.Candidates, []string{"p2"}) {
		t.Fatalf("offer %s, mission %s %v", o.Status, m.Status, m.Candidates)
	}
	if len(out.Decisions) != 1 || out.Decisions[0].Kind != domain.DecisionOfferWithdrawn || out.Decisions[0].Actor != domain.SystemActor() ||
		!slices.Equal(out.Events, []domain.Event{domain.MissionUpdated{MissionID: "m1", Status: domain.StatusShortlisted}}) {
		t.Fatalf("outcome %+v", out)
	}
	if _, ok := domain.WithdrawOffer(&o, &m, now); ok {
		t.Fatal("withdrawn twice")
	}
}

func TestPseudonym(t *testing.T) {
	key := []byte("k1")
	p := domain.Pseudonym(key, "0190c6f2-1111-7000-8000-000000000001")
	if !regexp.MustCompile(`^erased-[0-9a-f]{16}$`).MatchString(p) {
		t.Fatalf("pseudonym %q", p)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("0190c6f2-1111-7000-8000-000000000001"))
	if want := "erased-" + hex.EncodeToString(mac.Sum(nil))[:16]; p != want {
		t.Fatalf("pseudonym %q, want %q", p, want)
	}
	if domain.Pseudonym(key, "0190c6f2-1111-7000-8000-000000000001") != p {
		t.Fatal("not deterministic")
	}
	if domain.Pseudonym([]byte("k2"), "0190c6f2-1111-7000-8000-000000000001") == p ||
		domain.Pseudonym(key, "0190c6f2-1111-7000-8000-000000000002") == p {
		t.Fatal("another key or profile gives the same pseudonym")
	}
}

func TestPseudonymiseStripsOnlyThatPersonsExplanation(t *testing.T) {
	d := domain.Decision{MissionID: "m1", Sequence: 2, Kind: domain.DecisionShortlistProposed, Proposal: proposal(1, "p1", "p2", "p3")}
	if !d.Pseudonymise("p2", "erased-x") {
		t.Fatal("nothing changed")
	}
	want := proposal(1, "p1", "p2", "p3")
	want.Candidates[1].ProfileID = "erased-x"
	want.Candidates[1].Explanation = nil
	if !reflect.DeepEqual(d.Proposal, want) {
		t.Fatalf("proposal %+v, want %+v", d.Proposal, want)
	}
	if c := d.Proposal.Candidates[1]; c.Rank != 2 || c.Score != 0.8 {
		t.Fatalf("rank or score lost: %+v", c)
	}
	if d.Pseudonymise("p2", "erased-x") {
		t.Fatal("pseudonymised twice")
	}

	e := domain.Decision{Kind: domain.DecisionOfferDeclined, ProfileID: "p2", Reason: "busy"}
	if !e.Pseudonymise("p2", "erased-x") || e.ProfileID != "erased-x" {
		t.Fatalf("decision %+v", e)
	}
	m := mission(domain.StatusShortlisted, 1, "p1", "p2")
	if !m.Pseudonymise("p2", "erased-x") || !slices.Equal(m.Candidates, []string{"p1", "erased-x"}) || m.Pseudonymise("p9", "x") {
		t.Fatalf("candidates %v", m.Candidates)
	}
	o := domain.Offer{ProfileID: "p2", ConsultantID: "cons-2"}
	if !o.Pseudonymise("p2", "erased-x") || o.ProfileID != "erased-x" || o.ConsultantID != "cons-2" || o.Pseudonymise("p2", "y") {
		t.Fatalf("offer %+v", o)
	}
}
