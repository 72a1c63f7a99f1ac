package app_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/pkg/sqlstore/sqltest"
	"github.com/caiomatch/caiomatch/pkg/taxonomy"
	"github.com/caiomatch/caiomatch/pkg/txn"
	"github.com/caiomatch/caiomatch/services/matching/adapters/store"
	"github.com/caiomatch/caiomatch/services/matching/app"
	"github.com/caiomatch/caiomatch/services/matching/domain"
	"github.com/caiomatch/caiomatch/services/matching/index"
)

// The app tests run the use cases in-process over the real repository and a real index; only
// the mission service and the clock are fakes, and the store can be told to fail. newHarness
// stores on SQLite (in a temporary directory); onEachBackend runs a test on every backend
// (sqltest.Backends: SQLite, then PostgreSQL in a fresh schema, skipped when PostgreSQL is
// unreachable unless CI=true). The tests whose use cases store the most (exposure, exclusions,
// staffing plans, failures and their undo, erasure, cancellation, redelivery, concurrent
// queries) run on both; the others, about ranking and access rules, on SQLite only, which keeps
// the package quick.

// t0 is the tests' "now": notice periods count from 2026-11-20.
var t0 = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

// clock is a settable now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fakeMissions is the mission service for missions matching has not heard of.
type fakeMissions struct {
	firms map[string]string // mission id → firm id
	asked []string
}

func (f *fakeMissions) FirmOfMission(_ context.Context, id string) (string, error) {
	f.asked = append(f.asked, id)
	if firm, ok := f.firms[id]; ok {
		return firm, nil
	}
	return "", fault.NotFound("MISSION_NOT_FOUND", "mission %s not found", id)
}

var errInjected = errors.New("injected store failure")

// faultyStore is the real repository, told to fail its next event (Once): at the n-th AddShortlist
// (failShortlist), or once the change has run, as a failed commit would (failCommit). Either
// way the transaction rolls back after the use case changed its in-memory state.
type faultyStore struct {
	app.Store
	mu            sync.Mutex
	failShortlist int
	failCommit    bool
}

func (s *faultyStore) Once(ctx context.Context, d txn.Delivery, change func(context.Context, app.Tx) error) (bool, error) {
	s.mu.Lock()
	failAt, failCommit := s.failShortlist, s.failCommit
	s.failShortlist, s.failCommit = 0, false
	s.mu.Unlock()
	return s.Store.Once(ctx, d, func(ctx context.Context, tx app.Tx) error {
		if err := change(ctx, &faultyTx{Tx: tx, failAt: failAt}); err != nil {
			return err
		}
		if failCommit {
			return errInjected
		}
		return nil
	})
}

type faultyTx struct {
	app.Tx
	failAt, calls int
}

func (r *faultyTx) AddShortlist(ctx context.Context, s domain.Shortlist) error {
	r.calls++
	if r.calls == r.failAt {
		return errInjected
	}
	return r.Tx.AddShortlist(ctx, s)
}

type harness struct {
	db       *sql.DB
	store    *faultyStore
	index    *index.Index
	app      *app.Application
	missions *fakeMissions
	clock    *clock
	cfg      app.Config
	events   int
}

// config is a shortlist size and an exposure cap (0: the default size, no cap), with the
// default availability tolerance of 14 days, as service.LoadConfig gives.
func config(size, exposureCap int) app.Config {
	return app.Config{ShortlistSize: size, ExposureCap: exposureCap,
		AvailabilityToleranceDays: domain.DefaultAvailabilityToleranceDays}
}

// newHarness is a harness over a fresh SQLite database.
func newHarness(t *testing.T, cfg app.Config) *harness {
	t.Helper()
	return newHarnessOn(t, sqltest.Backend{Name: "sqlite", Kind: sqlstore.SQLite}, cfg)
}

// parallelSlots bounds how many onEachBackend tests run at once, whatever -parallel (by default
// the number of CPUs) says: each may hold a few PostgreSQL connections, and the server takes
// 100 in all for every test package running at the same time.
var parallelSlots = make(chan struct{}, 4)

// onEachBackend runs test once per backend, as subtests named after them, each with a harness
// over a fresh database of its own. The tests it runs wait mostly on their databases, so they
// run in parallel with one another (each has its own database, index, clock and application),
// a few at a time (parallelSlots).
func onEachBackend(t *testing.T, cfg app.Config, test func(t *testing.T, h *harness)) {
	t.Helper()
	t.Parallel()
	parallelSlots <- struct{}{}
	defer func() { <-parallelSlots }()
	for _, b := range sqltest.Backends() {
		t.Run(b.Name, func(t *testing.T) { test(t, newHarnessOn(t, b, cfg)) })
	}
}

// newHarnessOn is a harness over a fresh database of backend b.
func newHarnessOn(t *testing.T, b sqltest.Backend, cfg app.Config) *harness {
	t.Helper()
	db := b.Open(t)
	if err := sqlstore.Migrate(t.Context(), db, store.Migrations()...); err != nil {
		t.Fatal(err)
	}
	h := &harness{db: db, store: &faultyStore{Store: store.NewRepository(db, func() {})},
		missions: &fakeMissions{firms: map[string]string{}}, clock: &clock{t: t0}, cfg: cfg}
	h.start(t, index.New(0))
	return h
}

// start builds the application over ix and the harness's database, and loads it, as
// service.Run does once the index is rebuilt.
func (h *harness) start(t *testing.T, ix *index.Index) {
	t.Helper()
	h.index = ix
	h.app = app.New(h.store, h.missions, ix, h.cfg, h.clock.now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := h.app.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// restart is a new process on the same database: a fresh index holding the given profiles (as
// the replay of the profile stream would), a fresh application, Load.
func (h *harness) restart(t *testing.T, profiles ...domain.Profile) {
	t.Helper()
	ix := index.New(0)
	for _, p := range profiles {
		if _, err := ix.Put(p, t0); err != nil {
			t.Fatal(err)
		}
	}
	h.start(t, ix)
}

func (h *harness) next() app.Delivery {
	h.events++
	return app.Delivery{Delivery: txn.Delivery{Consumer: "test", EventID: fmt.Sprintf("event-%d", h.events)}}
}

// asOf grows with every event, so that each profile event is newer than the last.
func (h *harness) asOf() time.Time { return t0.Add(time.Duration(h.events) * time.Millisecond) }

func (h *harness) putProfile(t *testing.T, p domain.Profile) {
	t.Helper()
	d := h.next()
	if err := h.app.PutProfile(t.Context(), d, p, h.asOf()); err != nil {
		t.Fatal(err)
	}
}

func (h *harness) erase(t *testing.T, id string) {
	t.Helper()
	if err := h.app.EraseProfile(t.Context(), h.next(), id); err != nil {
		t.Fatal(err)
	}
}

func (h *harness) submit(t *testing.T, m domain.Mission) {
	t.Helper()
	if err := h.app.SubmitMission(t.Context(), h.next(), m); err != nil {
		t.Fatal(err)
	}
}

func (h *harness) cancel(t *testing.T, missionID, firmID string) {
	t.Helper()
	if err := h.app.CancelMission(t.Context(), h.next(), missionID, firmID); err != nil {
		t.Fatal(err)
	}
}

var operator = identity.Caller{AccountID: "op-1", Role: identity.RoleOperator}

func firm(id string) identity.Caller { return identity.Caller{AccountID: id, Role: identity.RoleFirm} }

func (h *harness) shortlist(t *testing.T, missionID string) app.ShortlistView {
	t.Helper()
	v, err := h.app.GetShortlist(t.Context(), operator, missionID)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (h *harness) visible(t *testing.T, profileID, firmID string) bool {
	t.Helper()
	v, err := h.app.CheckProfileVisibility(t.Context(), profileID, firmID)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// assertExposure checks how many open shortlists each profile sits on.
func (h *harness) assertExposure(t *testing.T, want map[string]int) {
	t.Helper()
	for id, n := range want {
		if got := h.index.Exposure(id); got != n {
			t.Errorf("exposure of %s = %d, want %d", id, got, n)
		}
	}
}

// pid is a fixed profile id: profile ids are UUIDs, and these sort as their numbers.
func pid(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// mission is a hybrid AI-strategy mission in France, sector C21, from 2027-02-01 for 12 months
// (starts accepted until 2027-02-15). It requires ai-strategy at level 3 at least, would like
// mlops, pays up to 1500 EUR a day, asks for French and 10 years of experience.
func mission(id, firmID string) domain.Mission {
	return domain.Mission{
		ID: id, FirmID: firmID, Sector: "C21", MissionType: taxonomy.MissionTypeAIStrategy,
		RequiredSkills: []string{"ai-strategy"}, MinSkillLevels: []domain.SkillRequirement{{ID: "ai-strategy", MinLevel: 3}},
		NiceToHaveSkills: []string{"mlops"},
		StartDate:        day("2027-02-01"), DurationMonths: 12, MaxDailyRateEUR: 1500, Languages: []string{"fr"},
		Country: "FR", WorkMode: taxonomy.WorkModeHybrid, MinYearsExperience: 10,
	}
}

// profile is eligible for mission(); a higher mlops level ranks higher, everything else equal.
func profile(id string, mlopsLevel int) domain.Profile {
	p := domain.Profile{
		ID: id, Sectors: []string{"C21"}, Skills: []domain.SkillLevel{{ID: "ai-strategy", Level: 5}},
		YearsExperience: 15, Languages: []string{"fr"}, Country: "FR", WorkMode: taxonomy.WorkModeHybrid,
		DailyRateEUR: 1200, AvailableFrom: day("2027-01-04"),
	}
	if mlopsLevel > 0 {
		p.Skills = append(p.Skills, domain.SkillLevel{ID: "mlops", Level: mlopsLevel})
	}
	return p
}

// gdprMission asks for gdpr in sector L64: nobody built by profile() qualifies.
func gdprMission(id, firmID string) domain.Mission {
	m := mission(id, firmID)
	m.Sector, m.MissionType = "L64", taxonomy.MissionTypeRiskAndCompliance
	m.RequiredSkills, m.MinSkillLevels, m.NiceToHaveSkills = []string{"gdpr"}, nil, nil
	return m
}

// gdprProfile is eligible for gdprMission() and for no mission().
func gdprProfile(id string) domain.Profile {
	p := profile(id, 0)
	p.Sectors, p.Skills = []string{"L64"}, []domain.SkillLevel{{ID: "gdpr", Level: 4}}
	return p
}

func candidateIDs(v app.ShortlistView) []string {
	var out []string
	for _, c := range v.Shortlist.Candidates {
		out = append(out, c.ProfileID)
	}
	return out
}

func scoreOf(v app.ShortlistView, profileID string) float64 {
	for _, c := range v.Shortlist.Candidates {
		if c.ProfileID == profileID {
			return c.Score
		}
	}
	return -1
}

func assertShortlist(t *testing.T, v app.ShortlistView, status domain.ShortlistStatus, revision int64, ids ...string) {
	t.Helper()
	if v.Status != status || v.Shortlist.Revision != revision || !slices.Equal(candidateIDs(v), ids) {
		t.Fatalf("shortlist of %s = status %v revision %d %v; want status %v revision %d %v",
			v.MissionID, v.Status, v.Shortlist.Revision, candidateIDs(v), status, revision, ids)
	}
}

func assertFault(t *testing.T, err error, kind fault.Kind, reason string) {
	t.Helper()
	fe, ok := fault.As(err)
	if !ok || fe.Kind != kind || fe.Reason != reason {
		t.Fatalf("error = %v, want kind %v reason %s", err, kind, reason)
	}
}

// componentCount is how many components every explanation of the current scoring has.
const componentCount = 7
