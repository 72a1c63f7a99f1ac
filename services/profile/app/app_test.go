package app_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/eventbus/eventbustest"
	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/services/profile/adapters/store"
	"github.com/caiomatch/caiomatch/services/profile/app"
	"github.com/caiomatch/caiomatch/services/profile/domain"
	"github.com/caiomatch/caiomatch/services/profile/internal/profiletest"
)

var (
	cons1    = identity.Caller{AccountID: "cons-1", Role: identity.RoleConsultant}
	cons2    = identity.Caller{AccountID: "cons-2", Role: identity.RoleConsultant}
	firm1    = identity.Caller{AccountID: "firm-1", Role: identity.RoleFirm}
	firm2    = identity.Caller{AccountID: "firm-2", Role: identity.RoleFirm}
	operator = identity.Caller{AccountID: "op-1", Role: identity.RoleOperator}
)

// fakeShortlists says a profile is visible to the firms it was told about, and records every
// question.
type fakeShortlists struct {
	mu      sync.Mutex
	visible map[[2]string]bool // {profileID, firmID}
	err     error
	asked   [][2]string
}

func (f *fakeShortlists) IsShortlistedForFirm(_ context.Context, profileID, firmID string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, [2]string{profileID, firmID})
	if f.err != nil {
		return false, f.err
	}
	return f.visible[[2]string{profileID, firmID}], nil
}

func (f *fakeShortlists) shortlist(profileID, firmID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.visible == nil {
		f.visible = map[[2]string]bool{}
	}
	f.visible[[2]string{profileID, firmID}] = true
}

func (f *fakeShortlists) questions() [][2]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][2]string(nil), f.asked...)
}

type fixture struct {
	app        *app.Application
	db         *sql.DB
	shortlists *fakeShortlists
	clock      *time.Time
}

// setClock moves the fixture's clock to at (it keeps advancing by a second per reading).
func (f *fixture) setClock(at time.Time) { *f.clock = at }

// newFixture is the application over a real SQLite store, with a clock that advances by a
// second on every reading and sequential ids.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := profiletest.OpenSQLite(t)
	clock := time.Date(2027, 1, 10, 9, 0, 0, 0, time.FixedZone("CET", 3600))
	ids := 0
	shortlists := &fakeShortlists{}
	profiles := store.New(db, nil)
	a := app.New(profiles, profiles, shortlists,
		func() time.Time { clock = clock.Add(time.Second); return clock },
		func() string { ids++; return fmt.Sprintf("profile-%03d", ids) })
	return &fixture{app: a, db: db, shortlists: shortlists, clock: &clock}
}

// events lists the types and aggregates of the outbox events, in order.
func (f *fixture) events(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, ev := range eventbustest.OutboxEvents(t, f.db) {
		out = append(out, ev.Envelope.GetType()+" "+ev.Envelope.GetAggregateId())
	}
	return out
}

// create registers the caller's own profile.
func (f *fixture) create(t *testing.T, caller identity.Caller, in domain.DetailsInput) domain.Profile {
	t.Helper()
	p, err := f.app.CreateProfile(context.Background(), caller, "", in)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// wantEvents checks how many events the outbox holds.
func (f *fixture) wantEvents(t *testing.T, n int) {
	t.Helper()
	if got := len(f.events(t)); got != n {
		t.Fatalf("%d events, want %d", got, n)
	}
}

var (
	input     = profiletest.Input
	wantFault = profiletest.WantFault
)

func wantInvalidField(t *testing.T, err error, field string) {
	t.Helper()
	fe := wantFault(t, err, fault.KindInvalid, fault.ReasonInvalidArgument)
	if len(fe.Violations) != 1 || fe.Violations[0].Field != field {
		t.Fatalf("violations %+v, want one on %s", fe.Violations, field)
	}
}

// wantHidden checks err is the not-found a missing profile gives, but for the id it names.
func wantHidden(t *testing.T, f *fixture, err error, id string) {
	t.Helper()
	wantFault(t, err, fault.KindNotFound, app.ReasonProfileNotFound)
	_, absent := f.app.GetProfile(context.Background(), operator, "ID")
	if strings.ReplaceAll(err.Error(), id, "ID") != absent.Error() {
		t.Errorf("%q differs from the missing-profile error %q", err, absent)
	}
}

func TestConsultantCreatesOwnProfile(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.create(t, cons1, input())
	if p.ID != "profile-001" || p.AccountID != "cons-1" || p.DisplayName != "Claire Martin" ||
		p.CreatedAt.Location() != time.UTC || !p.CreatedAt.Equal(p.UpdatedAt) ||
		!p.AvailableFrom.Equal(time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("created %+v", p)
	}
	got, err := f.app.GetProfile(ctx, cons1, p.ID)
	if err != nil || fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", p) {
		t.Fatalf("stored %+v (%v), created %+v", got, err, p)
	}
	if ev := f.events(t); len(ev) != 1 || ev[0] != "ProfileRegistered profile-001" {
		t.Fatalf("events %q", ev)
	}

	// Naming oneself is fine too, but only once per account.
	_, err = f.app.CreateProfile(ctx, cons1, "cons-1", input())
	wantFault(t, err, fault.KindAlreadyExists, app.ReasonProfileAlreadyExists)
	if p2, err := f.app.CreateProfile(ctx, cons2, "cons-2", input()); err != nil || p2.AccountID != "cons-2" {
		t.Fatalf("consultant naming their own account: %+v %v", p2, err)
	}
	f.wantEvents(t, 2)
}

func TestCreateProfileRefusals(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()

	_, err := f.app.CreateProfile(ctx, cons1, "cons-2", input())
	wantInvalidField(t, err, "accountId")

	_, err = f.app.CreateProfile(ctx, operator, "", input())
	wantInvalidField(t, err, "accountId")

	_, err = f.app.CreateProfile(ctx, firm1, "", input())
	wantFault(t, err, fault.KindPermissionDenied, app.ReasonRoleNotAllowed)
	_, err = f.app.CreateProfile(ctx, firm1, "cons-1", input())
	wantFault(t, err, fault.KindPermissionDenied, app.ReasonRoleNotAllowed)
	_, err = f.app.CreateProfile(ctx, identity.Caller{AccountID: "x", Role: "ROBOT"}, "", input())
	wantFault(t, err, fault.KindPermissionDenied, app.ReasonRoleNotAllowed)

	bad := input()
	bad.Skills[0].Level = 6
	_, err = f.app.CreateProfile(ctx, cons1, "", bad)
	wantInvalidField(t, err, "skills[0].level")

	if ev := f.events(t); len(ev) != 0 {
		t.Fatalf("refused creates left events %q", ev)
	}
	// Nothing was stored for cons-1: it may still register.
	if _, err := f.app.CreateProfile(ctx, cons1, "", input()); err != nil {
		t.Fatal(err)
	}
}

func TestOperatorCreatesForAConsultant(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p, err := f.app.CreateProfile(ctx, operator, "cons-7", input())
	if err != nil {
		t.Fatal(err)
	}
	if p.AccountID != "cons-7" {
		t.Fatalf("operator created a profile for %q, want cons-7", p.AccountID)
	}
	owner := identity.Caller{AccountID: "cons-7", Role: identity.RoleConsultant}
	if got, err := f.app.GetProfile(ctx, owner, p.ID); err != nil || got.Email != p.Email {
		t.Fatalf("owner reads %+v, %v", got, err)
	}
	_, err = f.app.CreateProfile(ctx, owner, "", input())
	wantFault(t, err, fault.KindAlreadyExists, app.ReasonProfileAlreadyExists)
}

func TestGetProfileShowsEachCallerWhatTheyMaySee(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.create(t, cons1, input())

	// The owner and operators see everything, without asking matching.
	for _, c := range []identity.Caller{cons1, operator} {
		got, err := f.app.GetProfile(ctx, c, p.ID)
		if err != nil || got.Email != "claire.martin@example.org" || fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", p) {
			t.Fatalf("%s reads %+v, %v", c.Role, got, err)
		}
	}
	if q := f.shortlists.questions(); len(q) != 0 {
		t.Fatalf("matching asked %v for the owner or an operator", q)
	}

	// A firm that has not shortlisted the profile, and another consultant, get what a missing
	// profile gives.
	_, err := f.app.GetProfile(ctx, firm1, p.ID)
	wantHidden(t, f, err, p.ID)
	_, err = f.app.GetProfile(ctx, cons2, p.ID)
	wantHidden(t, f, err, p.ID)

	// Once shortlisted, the firm sees the profile without the email; other firms still do not.
	f.shortlists.shortlist(p.ID, "firm-1")
	got, err := f.app.GetProfile(ctx, firm1, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Email != "" {
		t.Fatalf("firm sees the email %q", got.Email)
	}
	want := p
	want.Email = ""
	if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
		t.Fatalf("firm reads %+v\nwant %+v", got, want)
	}
	_, err = f.app.GetProfile(ctx, firm2, p.ID)
	wantHidden(t, f, err, p.ID)
	if q := f.shortlists.questions(); fmt.Sprint(q) != fmt.Sprint([][2]string{{p.ID, "firm-1"}, {p.ID, "firm-1"}, {p.ID, "firm-2"}}) {
		t.Fatalf("matching asked %v", q)
	}

	// Hiding the email from the firm did not change what the owner sees.
	if mine, _ := f.app.GetProfile(ctx, cons1, p.ID); mine.Email != "claire.martin@example.org" {
		t.Fatalf("owner now reads email %q", mine.Email)
	}

	// A missing profile is not found for everyone, and matching is not asked about it.
	for _, c := range []identity.Caller{cons1, firm1, operator} {
		_, err := f.app.GetProfile(ctx, c, "absent")
		wantFault(t, err, fault.KindNotFound, app.ReasonProfileNotFound)
	}
	if n := len(f.shortlists.questions()); n != 3 {
		t.Fatalf("matching asked %d times, want 3", n)
	}

	// When matching cannot answer, the firm gets that error, not the profile.
	boom := &fault.Error{Kind: fault.KindUnavailable, Reason: "MATCHING_UNAVAILABLE", Message: "matching unavailable"}
	f.shortlists.err = boom
	if _, err := f.app.GetProfile(ctx, firm1, p.ID); !errors.Is(err, boom) {
		t.Fatalf("matching failure gave %v", err)
	}
}

func TestReplaceProfileIsForTheOwnerOnly(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.create(t, cons1, input())
	changed := input()
	changed.DisplayName = "Claire Martin-Durand"
	changed.Email = "claire@example.com"
	changed.DailyRateEUR = 1600
	changed.Skills = []domain.Skill{{ID: "mlops", Level: 2}, {ID: "gdpr", Level: 1}}
	changed.AvailableFrom = "2027-03-01"

	// Another consultant: not found, nothing changes.
	_, err := f.app.ReplaceProfile(ctx, cons2, p.ID, changed)
	wantHidden(t, f, err, p.ID)
	for _, c := range []identity.Caller{firm1, operator} {
		_, err = f.app.ReplaceProfile(ctx, c, p.ID, changed)
		wantFault(t, err, fault.KindPermissionDenied, app.ReasonRoleNotAllowed)
	}
	if got, _ := f.app.GetProfile(ctx, cons1, p.ID); fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", p) {
		t.Fatalf("refused replacements changed the profile: %+v", got)
	}
	if ev := f.events(t); len(ev) != 1 {
		t.Fatalf("refused replacements left events %q", ev)
	}

	// Invalid details are refused before anything is read.
	bad := changed
	bad.DailyRateEUR = -1
	_, err = f.app.ReplaceProfile(ctx, cons1, p.ID, bad)
	wantInvalidField(t, err, "dailyRateEur")

	// The owner replaces everything; the creation time stays.
	got, err := f.app.ReplaceProfile(ctx, cons1, p.ID, changed)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != p.ID || got.AccountID != "cons-1" || got.DisplayName != "Claire Martin-Durand" ||
		got.Email != "claire@example.com" || got.DailyRateEUR != 1600 || len(got.Skills) != 2 ||
		!got.AvailableFrom.Equal(time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)) ||
		!got.CreatedAt.Equal(p.CreatedAt) || !got.UpdatedAt.After(p.UpdatedAt) || got.UpdatedAt.Location() != time.UTC {
		t.Fatalf("replaced %+v", got)
	}
	if stored, _ := f.app.GetProfile(ctx, operator, p.ID); fmt.Sprintf("%+v", stored) != fmt.Sprintf("%+v", got) {
		t.Fatalf("stored %+v\nreturned %+v", stored, got)
	}
	if ev := f.events(t); strings.Join(ev, ",") != "ProfileRegistered "+p.ID+",ProfileUpdated "+p.ID {
		t.Fatalf("events %q", ev)
	}

	_, err = f.app.ReplaceProfile(ctx, cons1, "absent", changed)
	wantFault(t, err, fault.KindNotFound, app.ReasonProfileNotFound)
}

func TestDeleteProfile(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	mine := f.create(t, cons1, input())
	theirs := f.create(t, cons2, input())

	// Another consultant cannot, and learns nothing; a firm may never.
	err := f.app.DeleteProfile(ctx, cons2, mine.ID)
	wantHidden(t, f, err, mine.ID)
	err = f.app.DeleteProfile(ctx, firm1, mine.ID)
	wantFault(t, err, fault.KindPermissionDenied, app.ReasonRoleNotAllowed)
	if _, err := f.app.GetProfile(ctx, cons1, mine.ID); err != nil {
		t.Fatalf("refused deletes erased the profile: %v", err)
	}

	// The owner erases their own.
	if err := f.app.DeleteProfile(ctx, cons1, mine.ID); err != nil {
		t.Fatal(err)
	}
	for _, c := range []identity.Caller{cons1, operator} {
		_, err := f.app.GetProfile(ctx, c, mine.ID)
		wantFault(t, err, fault.KindNotFound, app.ReasonProfileNotFound)
	}
	err = f.app.DeleteProfile(ctx, cons1, mine.ID)
	wantFault(t, err, fault.KindNotFound, app.ReasonProfileNotFound)

	// An operator erases anyone's.
	if err := f.app.DeleteProfile(ctx, operator, theirs.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.app.GetProfile(ctx, cons2, theirs.ID)
	wantFault(t, err, fault.KindNotFound, app.ReasonProfileNotFound)
	err = f.app.DeleteProfile(ctx, operator, "absent")
	wantFault(t, err, fault.KindNotFound, app.ReasonProfileNotFound)

	// Each erasure leaves itself alone of its profile's events.
	want := []string{"ProfileErased " + mine.ID, "ProfileErased " + theirs.ID}
	if ev := f.events(t); strings.Join(ev, "\n") != strings.Join(want, "\n") {
		t.Fatalf("events\n%s\nwant\n%s", strings.Join(ev, "\n"), strings.Join(want, "\n"))
	}
}
