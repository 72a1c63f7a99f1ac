package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/services/matching/adapters/sqlite"
	"github.com/caiomatch/caiomatch/services/matching/app"
	"github.com/caiomatch/caiomatch/services/matching/domain"
)

type fixture struct {
	db      *sql.DB
	repo    *sqlite.Repository
	commits int
	events  int // event ids handed out by delivery()
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := t.Context()
	db, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "matching.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := sqlstore.Migrate(ctx, db, sqlite.Migrations()...); err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db}
	f.repo = sqlite.NewRepository(db, func() { f.commits++ })
	return f
}

func (f *fixture) delivery() app.Delivery {
	f.events++
	return app.Delivery{Consumer: "test", EventID: fmt.Sprintf("event-%d", f.events)}
}

// apply runs change in a fresh event's transaction and fails the test on error.
func (f *fixture) apply(t *testing.T, change func(context.Context, app.ReadModel) error) {
	t.Helper()
	applied, err := f.repo.Apply(t.Context(), f.delivery(), change)
	if err != nil || !applied {
		t.Fatalf("Apply = %v, %v", applied, err)
	}
}

func (f *fixture) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := f.db.QueryRowContext(t.Context(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func day(s string) time.Time {
	d, _ := time.Parse(time.DateOnly, s)
	return d
}

func testProfile(id string) domain.Profile {
	return domain.Profile{
		ID: id, AccountID: "acct-" + id, Sectors: []string{"C21", "R86"},
		Skills:          []domain.SkillLevel{{ID: "ai-strategy", Level: 5}, {ID: "mlops", Level: 3}},
		YearsExperience: 18, Languages: []string{"fr", "en"}, Country: "FR", WorkMode: domain.WorkModeHybrid,
		DailyRateEUR: 1400, AvailableFrom: day("2027-01-04"),
	}
}

func testMission(id, firmID string) domain.Mission {
	return domain.Mission{
		ID: id, FirmID: firmID, Status: domain.MissionOpen, Sector: "C21",
		MissionType:    domain.MissionTypeTransformationLaunch,
		RequiredSkills: []string{"ai-strategy"}, NiceToHaveSkills: []string{"mlops", "gdpr"},
		StartDate: day("2027-02-01"), DurationMonths: 12, MaxDailyRateEUR: 1500, Languages: []string{"fr"},
		Country: "FR", WorkMode: domain.WorkModeHybrid, MinYearsExperience: 10,
	}
}

func testShortlist(m domain.Mission, revision int64, profileIDs ...string) domain.Shortlist {
	s := domain.Shortlist{
		MissionID: m.ID, FirmID: m.FirmID, Revision: revision, ScoringVersion: domain.ScoringVersion,
		EligibleCount: len(profileIDs) + 3, ProposedAt: time.Date(2026, 11, 5, 9, 30, 1, 123456789, time.UTC),
	}
	for i, id := range profileIDs {
		s.Candidates = append(s.Candidates, domain.Candidate{
			ProfileID: id, Rank: i + 1, Score: 0.9 - float64(i)/10,
			Explanation: domain.Explanation{
				Components: []domain.Component{
					{Name: "skills", Weight: 0.6, Value: 0.8, Detail: "required: ai-strategy 5/5"},
					{Name: "sector", Weight: 0.4, Value: 1, Detail: "works in C21"},
				},
				MatchedSkills: []string{"ai-strategy", "mlops"}, MissingSkills: []string{"gdpr"},
			},
		})
	}
	return s
}

func TestReadModelRoundTrip(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	m := testMission("m1", "firm-1")
	want := testShortlist(m, 1, "p1", "p2")
	f.apply(t, func(ctx context.Context, rm app.ReadModel) error {
		for _, id := range []string{"p2", "p1"} {
			if _, err := rm.PutProfile(ctx, testProfile(id), time.Now()); err != nil {
				return err
			}
		}
		if err := rm.PutMission(ctx, m); err != nil {
			return err
		}
		profiles, err := rm.Profiles(ctx)
		if err != nil {
			return err
		}
		if wantProfiles := []domain.Profile{testProfile("p1"), testProfile("p2")}; !reflect.DeepEqual(profiles, wantProfiles) {
			t.Errorf("Profiles = %+v, want %+v", profiles, wantProfiles)
		}
		open, err := rm.OpenMissions(ctx)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(open, []domain.Mission{m}) {
			t.Errorf("OpenMissions = %+v, want %+v", open, []domain.Mission{m})
		}
		return rm.AddShortlist(ctx, want)
	})

	gotMission, found, err := f.repo.Mission(ctx, "m1")
	if err != nil || !found || !reflect.DeepEqual(gotMission, m) {
		t.Fatalf("Mission = %+v, %v, %v; want %+v", gotMission, found, err, m)
	}
	got, found, err := f.repo.CurrentShortlist(ctx, "m1")
	if err != nil || !found || !reflect.DeepEqual(got, want) {
		t.Fatalf("CurrentShortlist = %+v, %v, %v; want %+v", got, found, err, want)
	}
	if _, found, err := f.repo.Mission(ctx, "nope"); found || err != nil {
		t.Fatalf("unknown mission: found=%v err=%v", found, err)
	}
	if _, found, err := f.repo.CurrentShortlist(ctx, "nope"); found || err != nil {
		t.Fatalf("unknown shortlist: found=%v err=%v", found, err)
	}
}

func TestAddShortlistStoresItsEventInTheOutbox(t *testing.T) {
	f := newFixture(t)
	m := testMission("m1", "firm-1")
	s := testShortlist(m, 1, "p1")
	f.apply(t, func(ctx context.Context, rm app.ReadModel) error {
		if err := rm.PutMission(ctx, m); err != nil {
			return err
		}
		return rm.AddShortlist(ctx, s)
	})
	var subject string
	var data []byte
	if err := f.db.QueryRowContext(t.Context(), `SELECT subject, data FROM outbox`).Scan(&subject, &data); err != nil {
		t.Fatal(err)
	}
	if subject != "caiomatch.matching.v1.ShortlistProposed.m1" {
		t.Errorf("subject = %q", subject)
	}
	env, payload, err := eventbus.DecodeEnvelope(data)
	if err != nil {
		t.Fatal(err)
	}
	ev, ok := payload.(*matchingv1.ShortlistProposed)
	if !ok || env.GetAggregateId() != "m1" || env.GetProducer() != eventbus.ProducerMatching {
		t.Fatalf("envelope %v with payload %T", env, payload)
	}
	if ev.GetMissionId() != "m1" || ev.GetFirmId() != "firm-1" || ev.GetRevision() != 1 ||
		ev.GetScoringVersion() != domain.ScoringVersion || ev.GetEligibleCount() != 4 ||
		len(ev.GetCandidates()) != 1 || ev.GetCandidates()[0].GetProfileId() != "p1" ||
		len(ev.GetCandidates()[0].GetExplanation().GetComponents()) != 2 ||
		!ev.GetProposedAt().AsTime().Equal(s.ProposedAt) {
		t.Fatalf("ShortlistProposed = %v", ev)
	}
}

func TestApplyIsIdempotent(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	m := testMission("m1", "firm-1")
	d := app.Delivery{Consumer: "matching-missions", EventID: "0190-same-event"}
	calls := 0
	change := func(ctx context.Context, rm app.ReadModel) error {
		calls++
		if err := rm.PutMission(ctx, m); err != nil {
			return err
		}
		current, found, err := rm.CurrentShortlist(ctx, m.ID)
		if err != nil {
			return err
		}
		next := testShortlist(m, 1, "p1")
		if found {
			next.Revision = current.Revision + 1
		}
		return rm.AddShortlist(ctx, next)
	}
	if applied, err := f.repo.Apply(ctx, d, change); err != nil || !applied {
		t.Fatalf("first Apply = %v, %v", applied, err)
	}
	if applied, err := f.repo.Apply(ctx, d, change); err != nil || applied {
		t.Fatalf("second Apply = %v, %v; want not applied", applied, err)
	}
	if calls != 1 || f.commits != 1 {
		t.Fatalf("change ran %d times, committed called %d times; want 1 and 1", calls, f.commits)
	}
	if n := f.count(t, `SELECT COUNT(*) FROM outbox`); n != 1 {
		t.Fatalf("outbox holds %d events, want 1", n)
	}
	if n := f.count(t, `SELECT COUNT(*) FROM shortlists`); n != 1 {
		t.Fatalf("%d shortlists stored, want 1", n)
	}
}

func TestApplyRollsBackEverythingOnError(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	m := testMission("m1", "firm-1")
	d := app.Delivery{Consumer: "matching-missions", EventID: "event-1"}
	boom := errors.New("boom")
	_, err := f.repo.Apply(ctx, d, func(ctx context.Context, rm app.ReadModel) error {
		if err := rm.PutMission(ctx, m); err != nil {
			return err
		}
		if err := rm.AddShortlist(ctx, testShortlist(m, 1, "p1")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Apply error = %v, want boom", err)
	}
	if _, found, _ := f.repo.Mission(ctx, "m1"); found {
		t.Fatal("mission kept after rollback")
	}
	if n := f.count(t, `SELECT COUNT(*) FROM outbox`) + f.count(t, `SELECT COUNT(*) FROM processed_events`); n != 0 {
		t.Fatalf("%d outbox or inbox rows kept after rollback", n)
	}
	// The event was not claimed, so its redelivery applies.
	if applied, err := f.repo.Apply(ctx, d, func(context.Context, app.ReadModel) error { return nil }); err != nil || !applied {
		t.Fatalf("redelivery after a failure = %v, %v; want applied", applied, err)
	}
}

func TestPutProfileIgnoresOlderFactsAndErasedProfiles(t *testing.T) {
	f := newFixture(t)
	t0 := time.Date(2026, 11, 5, 9, 0, 0, 0, time.UTC)
	newer := testProfile("p1")
	newer.DailyRateEUR = 1200
	f.apply(t, func(ctx context.Context, rm app.ReadModel) error {
		if stored, err := rm.PutProfile(ctx, newer, t0.Add(time.Second)); err != nil || !stored {
			t.Errorf("first PutProfile = %v, %v", stored, err)
		}
		if stored, err := rm.PutProfile(ctx, testProfile("p1"), t0.Add(999*time.Millisecond)); err != nil || stored {
			t.Errorf("older PutProfile = %v, %v; want ignored", stored, err)
		}
		profiles, err := rm.Profiles(ctx)
		if err != nil || len(profiles) != 1 || profiles[0].DailyRateEUR != 1200 {
			t.Errorf("Profiles = %+v, %v; want the newer facts", profiles, err)
		}
		if err := rm.EraseProfile(ctx, "p1"); err != nil {
			return err
		}
		if stored, err := rm.PutProfile(ctx, newer, t0.Add(time.Hour)); err != nil || stored {
			t.Errorf("PutProfile after erasure = %v, %v; want ignored", stored, err)
		}
		profiles, err = rm.Profiles(ctx)
		if err != nil || len(profiles) != 0 {
			t.Errorf("Profiles after erasure = %+v, %v; want none", profiles, err)
		}
		return nil
	})
}

func TestEraseProfileStripsPastExplanations(t *testing.T) {
	f := newFixture(t)
	m := testMission("m1", "firm-1")
	f.apply(t, func(ctx context.Context, rm app.ReadModel) error {
		if err := rm.PutMission(ctx, m); err != nil {
			return err
		}
		return rm.AddShortlist(ctx, testShortlist(m, 1, "p1", "p2"))
	})
	f.apply(t, func(ctx context.Context, rm app.ReadModel) error { return rm.EraseProfile(ctx, "p1") })
	s, _, err := f.repo.CurrentShortlist(t.Context(), "m1")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s.Candidates[0].Explanation, domain.Explanation{}) || s.Candidates[0].Score != 0.9 {
		t.Errorf("erased candidate = %+v, want its score without explanation", s.Candidates[0])
	}
	if len(s.Candidates[1].Explanation.Components) != 2 {
		t.Errorf("other candidate lost its explanation: %+v", s.Candidates[1])
	}
}

func TestShortlistedForFirm(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	m := testMission("m1", "firm-1")
	visible := func(profileID, firmID string) bool {
		t.Helper()
		v, err := f.repo.ShortlistedForFirm(ctx, profileID, firmID)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	f.apply(t, func(ctx context.Context, rm app.ReadModel) error {
		if err := rm.PutMission(ctx, m); err != nil {
			return err
		}
		return rm.AddShortlist(ctx, testShortlist(m, 1, "p1", "p2"))
	})
	if !visible("p1", "firm-1") || visible("p1", "firm-2") || visible("p3", "firm-1") {
		t.Fatal("revision 1: want p1 visible to firm-1 only")
	}
	f.apply(t, func(ctx context.Context, rm app.ReadModel) error {
		return rm.AddShortlist(ctx, testShortlist(m, 2, "p2"))
	})
	if visible("p1", "firm-1") || !visible("p2", "firm-1") {
		t.Fatal("revision 2: want p1 no longer visible, p2 visible")
	}
	// Updating the mission keeps its current shortlist; closing it hides everyone.
	f.apply(t, func(ctx context.Context, rm app.ReadModel) error {
		m.Status = domain.MissionClosed
		return rm.PutMission(ctx, m)
	})
	if s, _, _ := f.repo.CurrentShortlist(ctx, "m1"); s.Revision != 2 {
		t.Fatalf("current revision after an update = %d, want 2", s.Revision)
	}
	if visible("p2", "firm-1") {
		t.Fatal("closed mission: p2 still visible")
	}
}

func TestClosedTombstoneRoundTrip(t *testing.T) {
	f := newFixture(t)
	f.apply(t, func(ctx context.Context, rm app.ReadModel) error {
		return rm.PutMission(ctx, domain.ClosedMission("m9", "firm-9"))
	})
	m, found, err := f.repo.Mission(t.Context(), "m9")
	if err != nil || !found || m.IsOpen() || m.FirmID != "firm-9" || !m.StartDate.IsZero() {
		t.Fatalf("tombstone = %+v, %v, %v", m, found, err)
	}
}
