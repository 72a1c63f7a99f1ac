package app_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/pkg/sqlstore/sqltest"
	"github.com/caiomatch/caiomatch/pkg/taxonomy"
	"github.com/caiomatch/caiomatch/pkg/txn"
	"github.com/caiomatch/caiomatch/services/mission/adapters/store"
	"github.com/caiomatch/caiomatch/services/mission/app"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

var (
	firm1      = identity.Caller{AccountID: "firm-1", Role: identity.RoleFirm}
	firm2      = identity.Caller{AccountID: "firm-2", Role: identity.RoleFirm}
	consultant = identity.Caller{AccountID: "cons-1", Role: identity.RoleConsultant}
	operator   = identity.Caller{AccountID: "op-1", Role: identity.RoleOperator}
)

// testbed is the application over a real store, with a clock that advances by a microsecond
// on every reading (and may be set), sequential ids and a fake profile service.
type testbed struct {
	app      *app.Application
	db       *sql.DB
	clock    *fakeClock
	profiles *fakeProfiles
	pause    *pausing
}

// newFixture is the testbed over SQLite.
func newFixture(t *testing.T) *testbed {
	t.Helper()
	return newFixtureOn(t, sqltest.Backend{Name: "sqlite", Kind: sqlstore.SQLite})
}

// newFixtureOn is the testbed over a fresh database of backend b.
func newFixtureOn(t *testing.T, b sqltest.Backend) *testbed {
	t.Helper()
	db := b.Open(t)
	if err := sqlstore.Migrate(context.Background(), db, store.Migrations()...); err != nil {
		t.Fatal(err)
	}
	f := &testbed{db: db, clock: &fakeClock{t: start}, profiles: newFakeProfiles(),
		pause: &pausing{Repository: store.NewRepository(db, nil)}}
	var ids atomic.Int64
	f.app = app.New(jittery{f.pause}, f.profiles, app.Config{OfferTTL: offerTTL, PseudonymKey: []byte("test-key")},
		f.clock.Now, func() string { return fmt.Sprintf("id-%03d", ids.Add(1)) })
	return f
}

// onEachBackend runs fn as one subtest per backend, each with its own testbed: for the use cases
// whose correctness depends on how transactions overlap, which differs between SQLite (writers
// take turns) and PostgreSQL (READ COMMITTED, row locks).
func onEachBackend(t *testing.T, fn func(t *testing.T, f *testbed)) {
	t.Helper()
	for _, b := range sqltest.Backends() {
		t.Run(b.Name, func(t *testing.T) { fn(t, newFixtureOn(t, b)) })
	}
}

// pausing lets a test act while an event handler's transaction is inside: once the first
// OffersOfProfile of an erasure returns, it calls during (when set) before going on.
type pausing struct {
	app.Repository
	during func()
}

func (p *pausing) Once(ctx context.Context, d txn.Delivery, fn func(context.Context, app.Tx) error) (bool, error) {
	return p.Repository.Once(ctx, d, func(ctx context.Context, tx app.Tx) error {
		return fn(ctx, &pausingTx{Tx: tx, during: p.during})
	})
}

type pausingTx struct {
	app.Tx
	during func()
}

func (t *pausingTx) OffersOfProfile(ctx context.Context, profileID string) ([]domain.Offer, error) {
	offers, err := t.Tx.OffersOfProfile(ctx, profileID)
	if during := t.during; err == nil && during != nil {
		t.during = nil
		during()
	}
	return offers, err
}

// jittery starts every transaction after a random pause of up to a millisecond, so that
// concurrent use cases interleave at every transaction boundary: a use case that checked in one
// transaction and wrote in another would let a concurrent one slip in between.
type jittery struct{ app.Repository }

func (j jittery) InTx(ctx context.Context, fn func(context.Context, app.Tx) error) error {
	time.Sleep(time.Duration(rand.Int64N(int64(time.Millisecond))))
	return j.Repository.InTx(ctx, fn)
}

// shortlistEvent and erasureEvent are deliveries of an event to the mission's consumers.
func shortlistEvent(id string) txn.Delivery {
	return txn.Delivery{Consumer: eventbus.ConsumerMissionShortlists, EventID: id}
}

func erasureEvent(id string) txn.Delivery {
	return txn.Delivery{Consumer: eventbus.ConsumerMissionProfiles, EventID: id}
}

// fixture is the application alone, for the tests that need nothing else.
func fixture(t *testing.T) *app.Application { return newFixture(t).app }

var start = time.Date(2027, 1, 10, 9, 0, 0, 0, time.UTC)

const offerTTL = 48 * time.Hour

// ownRate is a consultant's own daily rate unless a test says otherwise: within the budget of
// input().
const ownRate = 1000

// fakeClock advances by a microsecond on every reading, so that no two events share an
// instant; tests may set it.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Microsecond)
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// fakeProfiles is the profile service: it knows which account owns which profile, and
// remembers who asked.
type fakeProfiles struct {
	mu       sync.Mutex
	accounts map[string]string
	rates    map[string]int // a profile's own rate, ownRate when absent
	asked    []string       // "role account profile"
	err      error
}

func (f *fakeProfiles) Consultant(ctx context.Context, profileID string) (app.Consultant, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	caller, _ := identity.FromContext(ctx)
	f.asked = append(f.asked, fmt.Sprintf("%s %s %s", caller.Role, caller.AccountID, profileID))
	if f.err != nil {
		return app.Consultant{}, f.err
	}
	account, ok := f.accounts[profileID]
	if !ok {
		return app.Consultant{}, app.ErrProfileNotFound(profileID)
	}
	rate, ok := f.rates[profileID]
	if !ok {
		rate = ownRate
	}
	return app.Consultant{AccountID: account, DailyRateEUR: rate}, nil
}

// newFakeProfiles knows p1 as the profile of consultant (cons-1) and p2 as consultant2's
// (cons-2), the owners most tests want; a test changes them with own.
func newFakeProfiles() *fakeProfiles {
	return &fakeProfiles{accounts: map[string]string{"p1": "cons-1", "p2": "cons-2"}, rates: map[string]int{}}
}

func (f *fakeProfiles) own(profileID, accountID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.accounts[profileID] = accountID
}

func (f *fakeProfiles) questions() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.asked)
}

func input() missionrules.RequestInput {
	return missionrules.RequestInput{
		Request: missionrules.Request{
			Title: "Put AI governance in place", Sector: "R86", MissionType: taxonomy.MissionTypeRiskAndCompliance,
			RequiredSkills: []string{"ai-governance", "ai-act-compliance"}, NiceToHaveSkills: []string{"gdpr"},
			DurationMonths: 6, MaxDailyRateEUR: 1200, Languages: []string{"fr"},
			Location: missionrules.Location{Country: "FR"}, WorkMode: taxonomy.WorkModeOnSite, MinYearsExperience: 8,
		},
		StartDate: "2027-04-01",
	}
}

// errOf is the error of a use case's result.
func errOf[T any](_ T, err error) error { return err }

func wantFault(t *testing.T, err error, kind fault.Kind, reason string) *fault.Error {
	t.Helper()
	fe, ok := fault.As(err)
	if !ok || fe.Kind != kind || fe.Reason != reason {
		t.Fatalf("err = %v, want kind %d reason %s", err, kind, reason)
	}
	return fe
}

func TestCreateMissionIsForFirmsOnly(t *testing.T) {
	a := fixture(t)
	ctx := context.Background()
	m, err := a.CreateMission(ctx, firm1, input())
	if err != nil {
		t.Fatal(err)
	}
	if m.FirmID != "firm-1" || m.Status != domain.StatusSubmitted || m.ID == "" {
		t.Fatalf("created %+v", m)
	}
	for _, c := range []identity.Caller{consultant, operator} {
		wantFault(t, errOf(a.CreateMission(ctx, c, input())), fault.KindPermissionDenied, app.ReasonRoleNotAllowed)
	}
	bad := input()
	bad.DurationMonths = 19
	fe := wantFault(t, errOf(a.CreateMission(ctx, firm1, bad)), fault.KindInvalid, fault.ReasonInvalidArgument)
	if len(fe.Violations) != 1 || fe.Violations[0].Field != "durationMonths" {
		t.Fatalf("violations %+v", fe.Violations)
	}
}

func TestGetMissionHidesOtherFirmsMissions(t *testing.T) {
	a := fixture(t)
	ctx := context.Background()
	m, err := a.CreateMission(ctx, firm1, input())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []identity.Caller{firm1, operator} {
		if got, err := a.GetMission(ctx, c, m.ID); err != nil || got.ID != m.ID {
			t.Fatalf("%s: %v", c.Role, err)
		}
	}
	_, absentErr := a.GetMission(ctx, firm1, "absent")
	wantFault(t, absentErr, fault.KindNotFound, app.ReasonMissionNotFound)
	for _, c := range []identity.Caller{firm2, consultant} {
		_, err := a.GetMission(ctx, c, m.ID)
		wantFault(t, err, fault.KindNotFound, app.ReasonMissionNotFound)
		// Indistinguishable from an absent mission, but for the id it names.
		_, absent := a.GetMission(ctx, firm1, "ID")
		if strings.ReplaceAll(err.Error(), m.ID, "ID") != absent.Error() {
			t.Errorf("%s: %q differs from %q", c.Role, err, absent)
		}
	}
}

func TestListMissionsPagesThroughTheCallersMissions(t *testing.T) {
	a := fixture(t)
	ctx := context.Background()
	var mine, all []string
	for i := range 45 {
		c := firm1
		if i%4 == 0 {
			c = firm2
		}
		m, err := a.CreateMission(ctx, c, input())
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, m.ID)
		if c == firm1 {
			mine = append(mine, m.ID)
		}
	}
	slices.Reverse(mine)
	slices.Reverse(all)

	list := func(c identity.Caller, size int) ([]string, int) {
		return listAll(t, func(token string) ([]domain.Mission, string, error) {
			return a.ListMissions(ctx, c, domain.StatusUnspecified, size, token)
		}, func(m domain.Mission) string { return m.ID })
	}
	if got, pages := list(firm1, 7); !slices.Equal(got, mine) || pages != 5 {
		t.Fatalf("firm pages=%d got %v, want %v", pages, got, mine)
	}
	if got, pages := list(operator, 0); !slices.Equal(got, all) || pages != 3 {
		t.Fatalf("operator default pages=%d got %d missions", pages, len(got))
	}
	if got, pages := list(operator, 1000); !slices.Equal(got, all) || pages != 1 {
		t.Fatalf("operator capped pages=%d got %d missions", pages, len(got))
	}
	// An exact multiple of the page size ends without an empty extra page.
	if got, pages := list(operator, 15); len(got) != 45 || pages != 3 {
		t.Fatalf("exact multiple: pages=%d, %d missions", pages, len(got))
	}
}

// listAll follows list's page tokens from the first page to the last, and returns the ids
// listed and how many pages it took.
func listAll[T any](t *testing.T, list func(token string) ([]T, string, error), id func(T) string) ([]string, int) {
	t.Helper()
	var ids []string
	token := ""
	for pages := 1; pages <= 100; pages++ {
		page, next, err := list(token)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range page {
			ids = append(ids, id(v))
		}
		if next == "" {
			return ids, pages
		}
		token = next
	}
	t.Fatal("no end")
	return nil, 0
}

func TestListMissionsRefusals(t *testing.T) {
	a := fixture(t)
	ctx := context.Background()
	_, _, err := a.ListMissions(ctx, consultant, domain.StatusUnspecified, 10, "")
	wantFault(t, err, fault.KindPermissionDenied, app.ReasonRoleNotAllowed)

	_, _, err = a.ListMissions(ctx, firm1, domain.StatusUnspecified, -1, "")
	fe := wantFault(t, err, fault.KindInvalid, fault.ReasonInvalidArgument)
	if len(fe.Violations) != 1 || fe.Violations[0].Field != "pageSize" {
		t.Fatalf("violations %+v", fe.Violations)
	}
	for _, token := range []string{"!!!", "bm90IGpzb24", missionrules.EncodePageToken(missionrules.Cursor{})} {
		_, _, err = a.ListMissions(ctx, firm1, domain.StatusUnspecified, 10, token)
		fe = wantFault(t, err, fault.KindInvalid, fault.ReasonInvalidArgument)
		if len(fe.Violations) != 1 || fe.Violations[0].Field != "pageToken" {
			t.Fatalf("token %q: violations %+v", token, fe.Violations)
		}
	}
}

func TestCancelMission(t *testing.T) {
	a := fixture(t)
	ctx := context.Background()
	m1, _ := a.CreateMission(ctx, firm1, input())
	m2, _ := a.CreateMission(ctx, firm1, input())

	wantFault(t, errOf(a.CancelMission(ctx, consultant, m1.ID)), fault.KindPermissionDenied, app.ReasonRoleNotAllowed)
	wantFault(t, errOf(a.CancelMission(ctx, firm2, m1.ID)), fault.KindNotFound, app.ReasonMissionNotFound)

	got, err := a.CancelMission(ctx, firm1, m1.ID)
	if err != nil || got.Status != domain.StatusCancelled {
		t.Fatalf("owner cancel: %v %v", got.Status, err)
	}
	wantFault(t, errOf(a.CancelMission(ctx, firm1, m1.ID)), fault.KindFailedPrecondition, domain.ReasonMissionNotCancellable)

	if got, err := a.CancelMission(ctx, operator, m2.ID); err != nil || got.Status != domain.StatusCancelled {
		t.Fatalf("operator cancel: %v %v", got.Status, err)
	}
}

func TestApplyShortlist(t *testing.T) {
	a := fixture(t)
	ctx := context.Background()
	m, _ := a.CreateMission(ctx, firm1, input())
	status := func() domain.Status {
		got, err := a.GetMission(ctx, operator, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.Status
	}

	out, err := a.ApplyShortlist(ctx, shortlistEvent("ev-1"), shortlist(m.ID, 1))
	if err != nil || !out.Applied || out.Duplicate || status() != domain.StatusNoMatch {
		t.Fatalf("rev 1: %+v %v %s", out, err, status())
	}
	out, err = a.ApplyShortlist(ctx, shortlistEvent("ev-2"), shortlist(m.ID, 2, "p1", "p2", "p3"))
	if err != nil || !out.Applied || status() != domain.StatusShortlisted {
		t.Fatalf("rev 2: %+v %v %s", out, err, status())
	}
	// The same event again, even claiming other content, is a no-op.
	out, err = a.ApplyShortlist(ctx, shortlistEvent("ev-1"), shortlist(m.ID, 9))
	if err != nil || !out.Duplicate || status() != domain.StatusShortlisted {
		t.Fatalf("duplicate: %+v %v %s", out, err, status())
	}
	// An older revision arriving late is ignored.
	out, err = a.ApplyShortlist(ctx, shortlistEvent("ev-3"), shortlist(m.ID, 1))
	if err != nil || out.Applied || out.Duplicate || status() != domain.StatusShortlisted {
		t.Fatalf("stale: %+v %v %s", out, err, status())
	}
	// An unknown mission fails, so the bus redelivers it.
	wantFault(t, errOf(a.ApplyShortlist(ctx, shortlistEvent("ev-4"), shortlist("absent", 1, "p1"))), fault.KindNotFound, app.ReasonMissionNotFound)
	// A cancelled mission takes no more shortlists.
	if _, err := a.CancelMission(ctx, firm1, m.ID); err != nil {
		t.Fatal(err)
	}
	out, err = a.ApplyShortlist(ctx, shortlistEvent("ev-5"), shortlist(m.ID, 5))
	if err != nil || out.Applied || status() != domain.StatusCancelled {
		t.Fatalf("after cancel: %+v %v %s", out, err, status())
	}
}
