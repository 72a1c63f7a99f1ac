package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"testing/fstest"
	"time"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	"github.com/caiomatch/caiomatch/pkg/inbox"
	"github.com/caiomatch/caiomatch/pkg/outbox"
	"github.com/caiomatch/caiomatch/pkg/scoring"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/pkg/sqlstore/sqltest"
	"github.com/caiomatch/caiomatch/pkg/taxonomy"
	"github.com/caiomatch/caiomatch/pkg/txn"
	"github.com/caiomatch/caiomatch/services/matching/adapters/store"
	"github.com/caiomatch/caiomatch/services/matching/app"
	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// Profile ids are UUIDs, as the index requires; the repository only stores them.
const (
	p1 = "0190a000-0000-7000-8000-000000000001"
	p2 = "0190a000-0000-7000-8000-000000000002"
	p3 = "0190a000-0000-7000-8000-000000000003"
)

type fixture struct {
	db      *sql.DB
	repo    *store.Repository
	commits int
	events  int // event ids handed out by delivery()
}

// eachBackend is the contract suite's runner: it runs test once per backend (sqltest.Backends:
// SQLite, then PostgreSQL), as subtests named after them, each over a fresh database with the
// service's migrations applied. The assertions are the same on both.
func eachBackend(t *testing.T, test func(t *testing.T, f *fixture)) {
	t.Helper()
	sqltest.Run(t, func(t *testing.T, db *sql.DB) {
		f := &fixture{db: db}
		f.repo = store.NewRepository(db, func() { f.commits++ })
		test(t, f)
	}, store.Migrations()...)
}

func (f *fixture) delivery() txn.Delivery {
	f.events++
	return txn.Delivery{Consumer: "test", EventID: fmt.Sprintf("event-%d", f.events)}
}

// apply runs change in a fresh event's transaction and fails the test on error.
func (f *fixture) apply(t *testing.T, change func(context.Context, app.Tx) error) {
	t.Helper()
	applied, err := f.repo.Once(t.Context(), f.delivery(), change)
	if err != nil || !applied {
		t.Fatalf("Once = %v, %v", applied, err)
	}
}

// openMissions is the missions of q.OpenMissionStates, in its order.
func openMissions(ctx context.Context, q app.Queries) ([]domain.Mission, error) {
	states, err := q.OpenMissionStates(ctx)
	var out []domain.Mission
	for _, st := range states {
		out = append(out, st.Mission)
	}
	return out, err
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

func testMission(id, firmID string) domain.Mission {
	return domain.Mission{
		ID: id, FirmID: firmID, Status: domain.MissionOpen, Sector: "C21",
		MissionType:      taxonomy.MissionTypeTransformationLaunch,
		RequiredSkills:   []string{"ai-strategy", "change-management"},
		MinSkillLevels:   []domain.SkillRequirement{{ID: "ai-strategy", MinLevel: 4}, {ID: "change-management", MinLevel: 2}},
		NiceToHaveSkills: []string{"mlops", "gdpr"},
		StartDate:        day("2027-02-01"), DurationMonths: 12, MaxDailyRateEUR: 1500, Languages: []string{"fr"},
		Country: "FR", WorkMode: taxonomy.WorkModeHybrid, MinYearsExperience: 10, PlaceCity: "fr-lyon", PlaceRegion: "fr-ara",
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
					{Name: domain.ComponentSkills, Weight: 0.35, Value: 0.8, Detail: "required: ai-strategy 5/5"},
					{Name: domain.ComponentSector, Weight: 0.2, Value: 0.5, Facts: &scoring.Facts{MissionSector: "C29",
						SectorFit: scoring.SectorSameSection, MatchedSector: "C21",
						Required: []scoring.SkillFact{{Skill: "mlops", Level: 3}}, Location: scoring.LocationRegion}},
				},
				MatchedSkills: []string{"ai-strategy", "mlops"}, MissingSkills: []string{"gdpr"},
			},
		})
	}
	return s
}

func TestReadModelRoundTrip(t *testing.T) {
	eachBackend(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		m := testMission("m1", "firm-1")
		want := testShortlist(m, 1, p1, p2)
		f.apply(t, func(ctx context.Context, rm app.Tx) error {
			if err := rm.PutMission(ctx, m); err != nil {
				return err
			}
			// The transaction's own writes are visible to its reads.
			open, err := openMissions(ctx, rm)
			if err != nil {
				return err
			}
			if !reflect.DeepEqual(open, []domain.Mission{m}) {
				t.Errorf("OpenMissions in the transaction = %+v, want %+v", open, []domain.Mission{m})
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
	})
}

// TestMissionMinSkillLevelsRoundTrip: the minimum levels are hard rules, so a mission read back
// (at restart, by Load) must keep them exactly, and a mission without any must stay without.
func TestMissionMinSkillLevelsRoundTrip(t *testing.T) {
	eachBackend(t, func(t *testing.T, f *fixture) {
		withLevels := testMission("m-levels", "firm-1")
		without := testMission("m-plain", "firm-1")
		without.MinSkillLevels = nil
		f.apply(t, func(ctx context.Context, rm app.Tx) error {
			if err := rm.PutMission(ctx, withLevels); err != nil {
				return err
			}
			return rm.PutMission(ctx, without)
		})
		for _, want := range []domain.Mission{withLevels, without} {
			got, found, err := f.repo.Mission(t.Context(), want.ID)
			if err != nil || !found || !reflect.DeepEqual(got.MinSkillLevels, want.MinSkillLevels) {
				t.Errorf("%s MinSkillLevels = %+v (found %v, err %v), want %+v", want.ID, got.MinSkillLevels, found, err,
					want.MinSkillLevels)
			}
			if got.MinLevel("ai-strategy") != want.MinLevel("ai-strategy") {
				t.Errorf("%s MinLevel(ai-strategy) = %d, want %d", want.ID, got.MinLevel("ai-strategy"), want.MinLevel("ai-strategy"))
			}
		}
		// Replacing the mission replaces its levels.
		lowered := withLevels
		lowered.MinSkillLevels = []domain.SkillRequirement{{ID: "ai-strategy", MinLevel: 2}}
		f.apply(t, func(ctx context.Context, rm app.Tx) error { return rm.PutMission(ctx, lowered) })
		open, err := openMissions(t.Context(), f.repo)
		if err != nil {
			t.Fatal(err)
		}
		if len(open) != 2 || !reflect.DeepEqual(open[0], lowered) || !reflect.DeepEqual(open[1], without) {
			t.Fatalf("OpenMissions = %+v, want the lowered and the plain mission", open)
		}
	})
}

func TestOpenMissionStatesListOpenOnesByID(t *testing.T) {
	eachBackend(t, func(t *testing.T, f *fixture) {
		closed := testMission("m-b", "firm-1")
		closed.Status = domain.MissionClosed
		f.apply(t, func(ctx context.Context, rm app.Tx) error {
			for _, m := range []domain.Mission{testMission("m-c", "firm-2"), closed, testMission("m-a", "firm-1"),
				domain.ClosedMission("m-tombstone", "firm-3")} {
				if err := rm.PutMission(ctx, m); err != nil {
					return err
				}
			}
			return nil
		})
		open, err := openMissions(t.Context(), f.repo)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, m := range open {
			ids = append(ids, m.ID)
			if !m.IsOpen() {
				t.Errorf("OpenMissions returned %s with status %v", m.ID, m.Status)
			}
		}
		if !reflect.DeepEqual(ids, []string{"m-a", "m-c"}) {
			t.Fatalf("OpenMissions = %v, want [m-a m-c]", ids)
		}
	})
}

func TestNoMatchShortlistRoundTrip(t *testing.T) {
	eachBackend(t, func(t *testing.T, f *fixture) {
		m := testMission("m1", "firm-1")
		want := testShortlist(m, 1)
		want.EligibleCount = 0
		f.apply(t, func(ctx context.Context, rm app.Tx) error {
			if err := rm.PutMission(ctx, m); err != nil {
				return err
			}
			return rm.AddShortlist(ctx, want)
		})
		got, found, err := f.repo.CurrentShortlist(t.Context(), "m1")
		if err != nil || !found || len(got.Candidates) != 0 || got.Status() != domain.ShortlistNoMatch || got.Revision != 1 {
			t.Fatalf("CurrentShortlist = %+v, %v, %v; want revision 1 without candidates", got, found, err)
		}
	})
}

func TestAddShortlistStoresItsEventInTheOutbox(t *testing.T) {
	eachBackend(t, func(t *testing.T, f *fixture) {
		m := testMission("m1", "firm-1")
		s := testShortlist(m, 1, p1)
		f.apply(t, func(ctx context.Context, rm app.Tx) error {
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
			len(ev.GetCandidates()) != 1 || ev.GetCandidates()[0].GetProfileId() != p1 ||
			len(ev.GetCandidates()[0].GetExplanation().GetComponents()) != 2 ||
			!ev.GetProposedAt().AsTime().Equal(s.ProposedAt) {
			t.Fatalf("ShortlistProposed = %v", ev)
		}
	})
}

// TestAddShortlistOfAnUnknownMissionFails: a shortlist always belongs to a stored mission;
// otherwise the whole event rolls back.
func TestAddShortlistOfAnUnknownMissionFails(t *testing.T) {
	eachBackend(t, func(t *testing.T, f *fixture) {
		_, err := f.repo.Once(t.Context(), f.delivery(), func(ctx context.Context, rm app.Tx) error {
			return rm.AddShortlist(ctx, testShortlist(testMission("m-ghost", "firm-1"), 1, p1))
		})
		if err == nil {
			t.Fatal("AddShortlist of a mission never stored succeeded")
		}
		if n := f.count(t, `SELECT COUNT(*) FROM shortlists`) + f.count(t, `SELECT COUNT(*) FROM outbox`); n != 0 {
			t.Fatalf("%d shortlist or outbox rows kept", n)
		}
	})
}

// TestAddShortlistRefusesAStaleRevision: a shortlist's revision must follow the mission's
// current one; a proposal decided on an older view fails and its event rolls back whole.
func TestAddShortlistRefusesAStaleRevision(t *testing.T) {
	eachBackend(t, func(t *testing.T, f *fixture) {
		m := testMission("m1", "firm-1")
		f.apply(t, func(ctx context.Context, rm app.Tx) error {
			if err := rm.PutMission(ctx, m); err != nil {
				return err
			}
			return rm.AddShortlist(ctx, testShortlist(m, 1, p1))
		})
		for _, revision := range []int64{1, 3} {
			_, err := f.repo.Once(t.Context(), f.delivery(), func(ctx context.Context, rm app.Tx) error {
				return rm.AddShortlist(ctx, testShortlist(m, revision, p2))
			})
			if !errors.Is(err, store.ErrStaleRevision) {
				t.Fatalf("AddShortlist of revision %d after revision 1: %v, want ErrStaleRevision", revision, err)
			}
		}
		if n := f.count(t, `SELECT COUNT(*) FROM shortlists`) + f.count(t, `SELECT COUNT(*) FROM outbox`); n != 2 {
			t.Fatalf("%d shortlist and outbox rows, want revision 1 and its event only", n)
		}
		if s, _, err := f.repo.CurrentShortlist(t.Context(), "m1"); err != nil || s.Revision != 1 || s.Candidates[0].ProfileID != p1 {
			t.Fatalf("current shortlist = %+v, %v; want revision 1 with p1", s, err)
		}
	})
}

// TestProposalsForOneMissionTakeTurns: two transactions propose a shortlist for the same
// mission at once, each deciding its revision from what it read, as two matching processes on
// one database would. The first holds the mission's row from its AddShortlist to its commit, so
// the second's AddShortlist returns only after the first's change is over, and then either
// stores the next revision (it read after the first committed: SQLite, whose transactions take
// turns from BEGIN) or fails with ErrStaleRevision (it read before: PostgreSQL at READ
// COMMITTED). Never do both store the same revision, nor does the history have a gap.
func TestProposalsForOneMissionTakeTurns(t *testing.T) {
	eachBackend(t, func(t *testing.T, f *fixture) {
		m := testMission("m1", "firm-1")
		f.apply(t, func(ctx context.Context, rm app.Tx) error { return rm.PutMission(ctx, m) })
		// The callback runs on both goroutines: this repository counts nothing.
		repo := store.NewRepository(f.db, func() {})
		first, second := f.delivery(), f.delivery()
		// propose decides the next revision from what it reads, as the application does.
		propose := func(ctx context.Context, rm app.Tx, profileID string, decided func(int64)) error {
			current, found, err := rm.CurrentShortlist(ctx, m.ID)
			if err != nil {
				return err
			}
			next := int64(1)
			if found {
				next = current.Revision + 1
			}
			decided(next)
			return rm.AddShortlist(ctx, testShortlist(m, next, profileID))
		}

		locked, secondDecided := make(chan struct{}), make(chan int64, 1)
		var firstEnded, secondAdded time.Time
		var secondErr error
		done := make(chan struct{})
		go func() {
			defer close(done)
			<-locked
			_, secondErr = repo.Once(t.Context(), second, func(ctx context.Context, rm app.Tx) error {
				err := propose(ctx, rm, p2, func(next int64) { secondDecided <- next })
				secondAdded = time.Now()
				return err
			})
		}()
		var decidedBySecond int64
		_, err := repo.Once(t.Context(), first, func(ctx context.Context, rm app.Tx) error {
			if err := propose(ctx, rm, p1, func(int64) {}); err != nil {
				return err
			}
			close(locked)
			// On PostgreSQL the second transaction reads now, before this one commits; on
			// SQLite it waits at BEGIN, so it cannot read until then.
			select {
			case decidedBySecond = <-secondDecided:
				time.Sleep(100 * time.Millisecond) // let it reach the lock
			case <-time.After(300 * time.Millisecond):
			}
			firstEnded = time.Now()
			return nil
		})
		if err != nil {
			t.Fatalf("first proposal: %v", err)
		}
		<-done
		if decidedBySecond == 0 {
			decidedBySecond = <-secondDecided
		}
		if secondAdded.Before(firstEnded) {
			t.Fatalf("the second AddShortlist returned %v before the first transaction's change ended",
				firstEnded.Sub(secondAdded))
		}
		switch decidedBySecond {
		case 1:
			if !errors.Is(secondErr, store.ErrStaleRevision) {
				t.Fatalf("second proposal, decided before the first committed: %v, want ErrStaleRevision", secondErr)
			}
		case 2:
			if secondErr != nil {
				t.Fatalf("second proposal, decided after the first committed: %v", secondErr)
			}
		default:
			t.Fatalf("second proposal decided revision %d", decidedBySecond)
		}
		stored := f.count(t, `SELECT COUNT(*) FROM shortlists WHERE mission_id = 'm1'`)
		if latest := f.count(t, `SELECT MAX(revision) FROM shortlists WHERE mission_id = 'm1'`); latest != stored {
			t.Fatalf("%d shortlists stored up to revision %d, want revisions 1 to %d", stored, latest, stored)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM outbox`); n != stored {
			t.Fatalf("%d events for %d shortlists", n, stored)
		}
		if s, _, err := f.repo.CurrentShortlist(t.Context(), "m1"); err != nil || s.Revision != int64(stored) {
			t.Fatalf("current shortlist = revision %d, %v; want %d", s.Revision, err, stored)
		}
	})
}

func TestStaffingPlanRoundTrip(t *testing.T) {
	eachBackend(t, func(t *testing.T, f *fixture) {
		want := domain.StaffingPlan{
			ID: "plan-1", CreatedAt: time.Date(2026, 11, 5, 9, 30, 1, 123456789, time.UTC), ScoringVersion: domain.ScoringVersion,
			Assignments: []domain.StaffingAssignment{
				{MissionID: "m1", ProfileID: p1, Score: 0.826667, Alternates: []domain.StaffingAlternate{{ProfileID: p2, Score: 0.551}}},
				{MissionID: "m2", ProfileID: p3, Score: 0.1 + 0.2},
			},
			Unstaffed: []string{"m3"}, CandidateEdges: 5, SolveMillis: 1.25, Reused: true,
		}
		if err := f.repo.InTx(t.Context(), func(ctx context.Context, tx app.Tx) error { return tx.SaveStaffingPlan(ctx, want) }); err != nil {
			t.Fatal(err)
		}
		got, found, err := f.repo.StaffingPlan(t.Context(), "plan-1")
		if err != nil || !found || !reflect.DeepEqual(got, want) {
			t.Fatalf("StaffingPlan = %+v, %v, %v; want %+v", got, found, err, want)
		}
		if _, found, err := f.repo.StaffingPlan(t.Context(), "nope"); found || err != nil {
			t.Fatalf("unknown plan: found=%v err=%v", found, err)
		}
		if err := f.repo.InTx(t.Context(), func(ctx context.Context, tx app.Tx) error { return tx.SaveStaffingPlan(ctx, want) }); err == nil {
			t.Fatal("a plan was stored twice under one id")
		}
	})
}

func TestApplyIsIdempotent(t *testing.T) {
	eachBackend(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		m := testMission("m1", "firm-1")
		d := txn.Delivery{Consumer: eventbus.ConsumerMatchingMissions, EventID: "0190-same-event"}
		calls := 0
		change := func(ctx context.Context, rm app.Tx) error {
			calls++
			if err := rm.PutMission(ctx, m); err != nil {
				return err
			}
			current, found, err := rm.CurrentShortlist(ctx, m.ID)
			if err != nil {
				return err
			}
			next := testShortlist(m, 1, p1)
			if found {
				next.Revision = current.Revision + 1
			}
			return rm.AddShortlist(ctx, next)
		}
		if applied, err := f.repo.Once(ctx, d, change); err != nil || !applied {
			t.Fatalf("first Apply = %v, %v", applied, err)
		}
		if applied, err := f.repo.Once(ctx, d, change); err != nil || applied {
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
		// The key is the pair: another consumer processes the same event id on its own.
		other := txn.Delivery{Consumer: eventbus.ConsumerMatchingProfiles, EventID: d.EventID}
		if applied, err := f.repo.Once(ctx, other, func(context.Context, app.Tx) error { return nil }); err != nil || !applied {
			t.Fatalf("same event id, other consumer: Apply = %v, %v; want applied", applied, err)
		}
	})
}

func TestApplyRollsBackEverythingOnError(t *testing.T) {
	eachBackend(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		m := testMission("m1", "firm-1")
		d := txn.Delivery{Consumer: eventbus.ConsumerMatchingMissions, EventID: "event-1"}
		boom := errors.New("boom")
		_, err := f.repo.Once(ctx, d, func(ctx context.Context, rm app.Tx) error {
			if err := rm.PutMission(ctx, m); err != nil {
				return err
			}
			if err := rm.AddShortlist(ctx, testShortlist(m, 1, p1)); err != nil {
				return err
			}
			if err := rm.EraseProfile(ctx, p2, "erased-p2"); err != nil {
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
		if n := f.count(t, `SELECT COUNT(*) FROM outbox`) + f.count(t, `SELECT COUNT(*) FROM processed_events`) +
			f.count(t, `SELECT COUNT(*) FROM erased_profiles`); n != 0 {
			t.Fatalf("%d outbox, inbox or erased-profile rows kept after rollback", n)
		}
		if f.commits != 0 {
			t.Fatalf("committed called %d times for a rolled-back event", f.commits)
		}
		// The event was not claimed, so its redelivery applies.
		if applied, err := f.repo.Once(ctx, d, func(context.Context, app.Tx) error { return nil }); err != nil || !applied {
			t.Fatalf("redelivery after a failure = %v, %v; want applied", applied, err)
		}
	})
}

func TestEraseProfileStripsPastExplanations(t *testing.T) {
	eachBackend(t, func(t *testing.T, f *fixture) {
		m1, m2 := testMission("m1", "firm-1"), testMission("m2", "firm-2")
		f.apply(t, func(ctx context.Context, rm app.Tx) error {
			for _, m := range []domain.Mission{m1, m2} {
				if err := rm.PutMission(ctx, m); err != nil {
					return err
				}
			}
			if err := rm.AddShortlist(ctx, testShortlist(m1, 1, p1, p2)); err != nil {
				return err
			}
			if err := rm.AddShortlist(ctx, testShortlist(m1, 2, p2, p1)); err != nil {
				return err
			}
			if err := rm.Exclude(ctx, m2.ID, p1, "declined"); err != nil {
				return err
			}
			if err := rm.SaveStaffingPlan(ctx, domain.StaffingPlan{ID: "plan-1", CreatedAt: time.Now(),
				Assignments: []domain.StaffingAssignment{{MissionID: m1.ID, ProfileID: p1, Score: 0.8,
					Alternates: []domain.StaffingAlternate{{ProfileID: p2, Score: 0.7}, {ProfileID: p1, Score: 0.6}}}}}); err != nil {
				return err
			}
			return rm.AddShortlist(ctx, testShortlist(m2, 1, p3, p1))
		})
		const pseudonym = "erased-0123456789abcdef"
		f.apply(t, func(ctx context.Context, rm app.Tx) error { return rm.EraseProfile(ctx, p1, pseudonym) })
		// Erasing again (a redelivery under another event id) changes nothing and does not fail.
		f.apply(t, func(ctx context.Context, rm app.Tx) error { return rm.EraseProfile(ctx, p1, pseudonym) })

		s, _, err := f.repo.CurrentShortlist(t.Context(), "m1")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(s.Candidates[1].Explanation, domain.Explanation{}) || s.Candidates[1].ProfileID != pseudonym ||
			s.Candidates[1].Score != 0.8 {
			t.Errorf("erased candidate = %+v, want its id and score without explanation", s.Candidates[1])
		}
		if len(s.Candidates[0].Explanation.Components) != 2 {
			t.Errorf("other candidate lost its explanation: %+v", s.Candidates[0])
		}
		// Every past revision, of every mission, is stripped.
		if n := f.count(t, `SELECT COUNT(*) FROM shortlist_candidates WHERE profile_id = $1 AND explanation != ''`, pseudonym); n != 0 {
			t.Errorf("%d past candidacies of the erased profile keep an explanation", n)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM shortlist_candidates WHERE profile_id = $1`, pseudonym); n != 3 {
			t.Errorf("erased profile has %d candidacies, want its 3 kept (ids, ranks, scores)", n)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM shortlist_candidates WHERE profile_id != $1 AND explanation = ''`, pseudonym); n != 0 {
			t.Errorf("%d explanations of other profiles stripped", n)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM erased_profiles WHERE id = $1`, pseudonym); n != 1 {
			t.Errorf("erased_profiles holds the pseudonym %d times, want once", n)
		}
		// The raw id is nowhere: not in candidacies, exclusions, plans or the erased record.
		for table, query := range map[string]string{
			"shortlist_candidates": `SELECT COUNT(*) FROM shortlist_candidates WHERE profile_id = $1`,
			"mission_exclusions":   `SELECT COUNT(*) FROM mission_exclusions WHERE profile_id = $1`,
			"staffing_plans":       `SELECT COUNT(*) FROM staffing_plans WHERE plan LIKE '%' || $1 || '%'`,
			"erased_profiles":      `SELECT COUNT(*) FROM erased_profiles WHERE id = $1`,
		} {
			if n := f.count(t, query, p1); n != 0 {
				t.Errorf("%s still holds the erased profile's id %d times", table, n)
			}
		}
		// The outbox keeps no shortlist naming the person (the stream's copies are matching's
		// History's to erase).
		rows, err := f.db.QueryContext(t.Context(), `SELECT data FROM outbox`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		outboxRows, naming := 0, 0
		for rows.Next() {
			var data []byte
			if err := rows.Scan(&data); err != nil {
				t.Fatal(err)
			}
			outboxRows++
			if bytes.Contains(data, []byte(p1)) {
				naming++
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		// (Every shortlist of this test named the person: none is left.)
		if naming != 0 || outboxRows != 0 {
			t.Errorf("%d of %d outbox rows name the erased profile", naming, outboxRows)
		}
		plan, _, err := f.repo.StaffingPlan(t.Context(), "plan-1")
		if err != nil || plan.Assignments[0].ProfileID != pseudonym || plan.Assignments[0].Alternates[0].ProfileID != p2 ||
			plan.Assignments[0].Alternates[1].ProfileID != pseudonym {
			t.Errorf("plan after erasure %+v (%v)", plan, err)
		}
	})
}

func TestShortlistingMissions(t *testing.T) {
	eachBackend(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		m := testMission("m1", "firm-1")
		visible := func(profileID, firmID string) bool {
			t.Helper()
			statuses, err := f.repo.ShortlistingMissions(ctx, profileID, firmID)
			if err != nil {
				t.Fatal(err)
			}
			return slices.Contains(statuses, domain.MissionOpen)
		}
		f.apply(t, func(ctx context.Context, rm app.Tx) error {
			if err := rm.PutMission(ctx, m); err != nil {
				return err
			}
			return rm.AddShortlist(ctx, testShortlist(m, 1, p1, p2))
		})
		if !visible(p1, "firm-1") || visible(p1, "firm-2") || visible(p3, "firm-1") {
			t.Fatal("revision 1: want p1 visible to firm-1 only")
		}
		f.apply(t, func(ctx context.Context, rm app.Tx) error {
			return rm.AddShortlist(ctx, testShortlist(m, 2, p2))
		})
		if visible(p1, "firm-1") || !visible(p2, "firm-1") {
			t.Fatal("revision 2: want p1 no longer visible, p2 visible")
		}
		// Updating the mission keeps its current shortlist; closing it hides everyone.
		f.apply(t, func(ctx context.Context, rm app.Tx) error {
			m.Status = domain.MissionClosed
			return rm.PutMission(ctx, m)
		})
		if s, _, _ := f.repo.CurrentShortlist(ctx, "m1"); s.Revision != 2 {
			t.Fatalf("current revision after an update = %d, want 2", s.Revision)
		}
		if visible(p2, "firm-1") {
			t.Fatal("closed mission: p2 still visible")
		}
		if statuses, _ := f.repo.ShortlistingMissions(ctx, p2, "firm-1"); !slices.Equal(statuses, []domain.MissionStatus{domain.MissionClosed}) {
			t.Fatalf("closed mission: statuses %v, want [closed]", statuses)
		}
	})
}

func TestClosedTombstoneRoundTrip(t *testing.T) {
	eachBackend(t, func(t *testing.T, f *fixture) {
		f.apply(t, func(ctx context.Context, rm app.Tx) error {
			return rm.PutMission(ctx, domain.ClosedMission("m9", "firm-9"))
		})
		m, found, err := f.repo.Mission(t.Context(), "m9")
		if err != nil || !found || m.IsOpen() || m.FirmID != "firm-9" || !m.StartDate.IsZero() || m.MinSkillLevels != nil {
			t.Fatalf("tombstone = %+v, %v, %v", m, found, err)
		}
		if open, err := openMissions(t.Context(), f.repo); err != nil || len(open) != 0 {
			t.Fatalf("OpenMissions = %+v, %v; want none", open, err)
		}
	})
}

// TestMigrationDropsTheProfilesTable upgrades a database created by migration 0001, with a
// stored profile, erased ids, a mission and a shortlist: the profiles table goes (the index
// holds profiles now), everything else stays readable.
func TestMigrationDropsTheProfilesTable(t *testing.T) {
	for _, b := range sqltest.Backends() {
		t.Run(b.Name, func(t *testing.T) { testMigrationDropsTheProfilesTable(t, b.Open(t)) })
	}
}

func testMigrationDropsTheProfilesTable(t *testing.T, db *sql.DB) {
	ctx := t.Context()
	v1, err := os.ReadFile(filepath.Join("migrations", "0001_matching.sql"))
	if err != nil {
		t.Fatal(err)
	}
	first := sqlstore.MigrationSet{Name: "matching", FS: fstest.MapFS{"0001_matching.sql": {Data: v1}}}
	if err := sqlstore.Migrate(ctx, db, outbox.Migrations(), inbox.Migrations(), first); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`INSERT INTO profiles (id, facts, as_of) VALUES ('` + p1 + `', '{}', '2026-11-05T09:00:00.000000000Z')`,
		`INSERT INTO erased_profiles (id, erased_at) VALUES ('` + p2 + `', '2026-11-05T09:00:00.000000000Z')`,
		`INSERT INTO missions (id, firm_id, status, details, current_revision) VALUES ('m1', 'firm-1', 'open',
			'{"sector":"C21","requiredSkills":["ai-strategy"],"startDate":"2027-02-01","durationMonths":12,"maxDailyRateEur":1500}', 1)`,
		`INSERT INTO shortlists (mission_id, revision, scoring_version, eligible_count, proposed_at)
			VALUES ('m1', 1, 'old', 1, '2026-11-05T09:00:00.000000000Z')`,
		`INSERT INTO shortlist_candidates (mission_id, revision, rank, profile_id, score, explanation)
			VALUES ('m1', 1, 1, '` + p1 + `', 0.5, '')`,
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}

	if err := sqlstore.Migrate(ctx, db, store.Migrations()...); err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	if tableExists(t, db, "profiles") {
		t.Fatal("the profiles table survived migration 0002")
	}
	if !tableExists(t, db, "erased_profiles") {
		t.Fatal("tableExists does not see the erased_profiles table")
	}
	repo := store.NewRepository(db, func() {})
	m, found, err := repo.Mission(ctx, "m1")
	if err != nil || !found || m.MinSkillLevels != nil || m.MinLevel("ai-strategy") != 1 {
		t.Fatalf("mission stored before the upgrade = %+v, %v, %v", m, found, err)
	}
	s, found, err := repo.CurrentShortlist(ctx, "m1")
	if err != nil || !found || len(s.Candidates) != 1 || s.Candidates[0].ProfileID != p1 {
		t.Fatalf("shortlist stored before the upgrade = %+v, %v, %v", s, found, err)
	}
	// Erasing an already erased id still works after the upgrade.
	if _, err := repo.Once(ctx, txn.Delivery{Consumer: "test", EventID: "e1"}, func(ctx context.Context, rm app.Tx) error {
		return rm.EraseProfile(ctx, p2, "erased-p2")
	}); err != nil {
		t.Fatal(err)
	}
}

// tableExists asks the database's catalogue: sqlite_master on SQLite, information_schema in the
// connection's own schema on PostgreSQL (each test has a schema of its own; see sqltest).
func tableExists(t *testing.T, db *sql.DB, name string) bool {
	t.Helper()
	query := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1`
	if sqlstore.BackendOf(db) == sqlstore.Postgres {
		query = `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1`
	}
	var n int
	if err := db.QueryRowContext(t.Context(), query, name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}
