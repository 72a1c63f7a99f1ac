package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/eventbus/eventbustest"
	"github.com/caiomatch/caiomatch/pkg/fault"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
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
	t0    = time.Date(2027, 1, 10, 9, 0, 0, 0, time.UTC)
	firm1 = domain.Actor{Role: domain.ActorFirm, AccountID: "firm-1"}
)

// create stores a new mission with what its creation caused, as CreateMission does.
func create(ctx context.Context, repo *store.Repository, m domain.Mission, out domain.Outcome) error {
	return repo.InTx(ctx, func(ctx context.Context, tx app.Tx) error {
		if err := tx.CreateMission(ctx, m); err != nil {
			return err
		}
		return record(ctx, tx, out)
	})
}

func record(ctx context.Context, tx app.Tx, out domain.Outcome) error {
	if err := tx.Record(ctx, out.Decisions...); err != nil {
		return err
	}
	return tx.Publish(ctx, out.Events...)
}

// update changes a stored mission and stores what the change caused, in one transaction.
func update(ctx context.Context, repo *store.Repository, id string, change func(*domain.Mission) (domain.Outcome, error)) (domain.Mission, error) {
	var m domain.Mission
	err := repo.InTx(ctx, func(ctx context.Context, tx app.Tx) error {
		return changeIn(ctx, tx, id, &m, change)
	})
	return m, err
}

// updateOnce is update for an event handler: the event is claimed in the same transaction.
func updateOnce(ctx context.Context, repo *store.Repository, consumer, eventID, id string, change func(*domain.Mission) (domain.Outcome, error)) (bool, error) {
	var m domain.Mission
	return repo.Once(ctx, txn.Delivery{Consumer: consumer, EventID: eventID}, func(ctx context.Context, tx app.Tx) error {
		return changeIn(ctx, tx, id, &m, change)
	})
}

func changeIn(ctx context.Context, tx app.Tx, id string, m *domain.Mission, change func(*domain.Mission) (domain.Outcome, error)) error {
	var err error
	if *m, err = tx.Mission(ctx, id); err != nil {
		return err
	}
	out, err := change(m)
	if err != nil {
		return err
	}
	if err := tx.SaveMission(ctx, *m); err != nil {
		return err
	}
	return record(ctx, tx, out)
}

// eachBackend runs fn as parallel subtests, one per backend: the repository's contract is the
// same on SQLite and PostgreSQL.
func eachBackend(t *testing.T, fn func(t *testing.T, b sqltest.Backend)) {
	t.Helper()
	for _, b := range sqltest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, b)
		})
	}
}

// openDB is a fresh, migrated database of backend b.
// eachStore runs fn as one subtest per backend, over a repository on a fresh database.
func eachStore(t *testing.T, fn func(t *testing.T, db *sql.DB, repo *store.Repository)) {
	t.Helper()
	eachBackend(t, func(t *testing.T, b sqltest.Backend) {
		db := openDB(t, b)
		fn(t, db, store.NewRepository(db, nil))
	})
}

func openDB(t *testing.T, b sqltest.Backend) *sql.DB {
	t.Helper()
	ctx := context.Background()
	db := b.Open(t)
	if err := sqlstore.Migrate(ctx, db, store.Migrations()...); err != nil {
		t.Fatal(err)
	}
	// Migrating twice is a no-op.
	if err := sqlstore.Migrate(ctx, db, store.Migrations()...); err != nil {
		t.Fatal(err)
	}
	return db
}

func newMission(t *testing.T, id, firmID string, created time.Time) (domain.Mission, domain.Outcome) {
	t.Helper()
	m, events, err := domain.NewMission(id, firmID, missionrules.RequestInput{
		Request: missionrules.Request{
			Title: "CAIO " + id, Sector: "L64", MissionType: taxonomy.MissionTypeAIStrategy,
			RequiredSkills: []string{"ai-strategy", "data-quality"}, NiceToHaveSkills: []string{"gdpr", "mlops"},
			DurationMonths: 9, MaxDailyRateEUR: 1800, Languages: []string{"en", "de"},
			Location: missionrules.Location{Country: "DE", City: "Frankfurt"}, WorkMode: taxonomy.WorkModeRemote,
			MinYearsExperience: 12,
			// Not in the order of RequiredSkills: the client's order is kept.
			RequiredSkillLevels: []missionrules.SkillRequirement{{ID: "data-quality", MinLevel: 2}, {ID: "ai-strategy", MinLevel: 5}},
		},
		StartDate: "2027-03-01",
	}, created)
	if err != nil {
		t.Fatal(err)
	}
	return m, events
}

// stored creates a new mission in repo, as CreateMission does.
func stored(t *testing.T, repo *store.Repository, id, firmID string, created time.Time) domain.Mission {
	t.Helper()
	m, out := newMission(t, id, firmID, created)
	if err := create(context.Background(), repo, m, out); err != nil {
		t.Fatal(err)
	}
	return m
}

// outboxEvents decodes every outbox row in order; each is on its event's subject.
func outboxEvents(t *testing.T, db *sql.DB) []proto.Message {
	t.Helper()
	var out []proto.Message
	for _, p := range eventbustest.OutboxEvents(t, db) {
		if want := eventbus.Subject(eventbus.ProducerMission, p.Envelope.GetType(), p.Envelope.GetAggregateId()); p.Subject != want {
			t.Errorf("subject %q, want %q", p.Subject, want)
		}
		out = append(out, p.Payload)
	}
	return out
}

func TestCreateAndGetRoundTrip(t *testing.T) {
	eachBackend(t, func(t *testing.T, b sqltest.Backend) {
		db := openDB(t, b)
		commits := 0
		repo := store.NewRepository(db, func() { commits++ })
		ctx := context.Background()
		m, events := newMission(t, "m1", "firm-1", t0.Add(123456789*time.Nanosecond))
		if err := create(ctx, repo, m, events); err != nil {
			t.Fatal(err)
		}
		got, err := repo.Get(ctx, "m1")
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", m) {
			t.Fatalf("round trip changed the mission:\n got %+v\nwant %+v", got, m)
		}
		if commits != 1 {
			t.Errorf("committed called %d times, want 1", commits)
		}
		evs := outboxEvents(t, db)
		if len(evs) != 1 {
			t.Fatalf("outbox holds %d events, want 1", len(evs))
		}
		sub, ok := evs[0].(*missionv1.MissionSubmitted)
		if !ok || sub.GetMission().GetId() != "m1" || sub.GetMission().GetFirmId() != "firm-1" ||
			sub.GetMission().GetStatus() != missionv1.MissionStatus_MISSION_STATUS_SUBMITTED ||
			sub.GetMission().GetDurationMonths() != 9 || sub.GetMission().GetEndDate() != "2027-11-30" {
			t.Fatalf("outbox event = %v", evs[0])
		}
		if got := levelsOf(sub.GetMission()); got != "data-quality:2 ai-strategy:5" {
			t.Fatalf("MissionSubmitted carries levels %q", got)
		}

		_, err = repo.Get(ctx, "nope")
		if fe, ok := fault.As(err); !ok || fe.Kind != fault.KindNotFound || fe.Reason != app.ReasonMissionNotFound {
			t.Fatalf("get absent mission: %v", err)
		}
	})
}

// levelsOf renders a mission's skill levels as "id:level ...", in order.
func levelsOf(m *missionv1.Mission) string {
	var out []string
	for _, l := range m.GetRequiredSkillLevels() {
		out = append(out, fmt.Sprintf("%s:%d", l.GetId(), l.GetMinLevel()))
	}
	return strings.Join(out, " ")
}

func TestSkillLevelsRoundTrip(t *testing.T) {
	eachStore(t, func(t *testing.T, db *sql.DB, repo *store.Repository) {
		ctx := context.Background()
		withLevels := stored(t, repo, "m1", "firm-1", t0)
		without, events := newMission(t, "m2", "firm-1", t0.Add(time.Second))
		without.RequiredSkillLevels = nil
		if err := create(ctx, repo, without, events); err != nil {
			t.Fatal(err)
		}
		want := map[string][]missionrules.SkillRequirement{"m1": withLevels.RequiredSkillLevels, "m2": nil}

		for id, levels := range want {
			got, err := repo.Get(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.RequiredSkillLevels, levels) || (levels == nil) != (got.RequiredSkillLevels == nil) {
				t.Errorf("get %s: levels %v, want %v", id, got.RequiredSkillLevels, levels)
			}
		}
		listed, err := repo.List(ctx, "firm-1", domain.StatusUnspecified, nil, 10)
		if err != nil || len(listed) != 2 {
			t.Fatalf("list: %v, %v", listed, err)
		}
		for _, m := range listed {
			if !slices.Equal(m.RequiredSkillLevels, want[m.ID]) {
				t.Errorf("list %s: levels %v, want %v", m.ID, m.RequiredSkillLevels, want[m.ID])
			}
		}

		// A status change keeps the levels, once each.
		if _, err := update(ctx, repo, "m1", func(m *domain.Mission) (domain.Outcome, error) {
			out, _ := m.ApplyShortlist(domain.Proposal{Revision: 1, Candidates: []domain.Candidate{{ProfileID: "p1"}}}, t0.Add(time.Minute))
			return out, nil
		}); err != nil {
			t.Fatal(err)
		}
		got, err := repo.Get(ctx, "m1")
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != domain.StatusShortlisted || !slices.Equal(got.RequiredSkillLevels, want["m1"]) {
			t.Fatalf("after update: %s, levels %v", got.Status, got.RequiredSkillLevels)
		}

		// The store refuses what the domain refuses, should anything bypass it.
		bad, events := newMission(t, "m3", "firm-1", t0)
		bad.RequiredSkillLevels = []missionrules.SkillRequirement{{ID: "ai-strategy", MinLevel: 6}}
		if err := create(ctx, repo, bad, events); err == nil {
			t.Fatal("level 6 stored")
		}
		bad.RequiredSkillLevels = []missionrules.SkillRequirement{{ID: "ai-strategy", MinLevel: 2}, {ID: "ai-strategy", MinLevel: 3}}
		if err := create(ctx, repo, bad, events); err == nil {
			t.Fatal("repeated level stored")
		}
		if _, err := repo.Get(ctx, "m3"); fault.KindOf(err) != fault.KindNotFound {
			t.Fatalf("refused mission was stored: %v", err)
		}
	})
}

// A database created before skill levels existed keeps its missions, which have none.
func TestMissionsStoredBeforeSkillLevelsStillRead(t *testing.T) {
	eachBackend(t, func(t *testing.T, b sqltest.Backend) {
		ctx := context.Background()
		db := legacyDB(t, b, "0001_missions.sql")
		old, events := newMission(t, "m1", "firm-1", t0)
		old.RequiredSkillLevels = nil
		storeLegacyMission(t, b, db, old, events)
		if err := sqlstore.Migrate(ctx, db, store.Migrations()...); err != nil {
			t.Fatal(err)
		}
		repo := store.NewRepository(db, nil)
		got, err := repo.Get(ctx, "m1")
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", old) || got.RequiredSkillLevels != nil {
			t.Fatalf("old mission read back as %+v", got)
		}
	})
}

// A database created before offers and decisions keeps its missions, without candidates; their
// decisions trail starts at 1 with the next decision.
func TestMissionsStoredBeforeOffersStillWork(t *testing.T) {
	eachBackend(t, func(t *testing.T, b sqltest.Backend) {
		ctx := context.Background()
		db := legacyDB(t, b, "0001_missions.sql", "0002_mission_skill_levels.sql")
		old, events := newMission(t, "m1", "firm-1", t0)
		old.RequiredSkillLevels = nil
		old.Status, old.ShortlistRevision = domain.StatusShortlisted, 3
		storeLegacyMission(t, b, db, old, events)
		if err := sqlstore.Migrate(ctx, db, store.Migrations()...); err != nil {
			t.Fatal(err)
		}
		repo := store.NewRepository(db, nil)
		got, err := repo.Get(ctx, "m1")
		if err != nil || fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", old) || got.Candidates != nil {
			t.Fatalf("old mission read back as %+v (%v)", got, err)
		}
		later := t0.Add(time.Hour)
		if _, err := update(ctx, repo, "m1", func(m *domain.Mission) (domain.Outcome, error) {
			return m.Cancel(firm1, nil, later)
		}); err != nil {
			t.Fatal(err)
		}
		ds, err := repo.Decisions(ctx, "m1")
		if err != nil || len(ds) != 1 || ds[0].Sequence != 1 || ds[0].Kind != domain.DecisionMissionCancelled {
			t.Fatalf("decisions %+v, %v", ds, err)
		}
	})
}

// legacyDB is a database migrated with only the named files of the mission set.
func legacyDB(t *testing.T, b sqltest.Backend, files ...string) *sql.DB {
	t.Helper()
	ctx := context.Background()
	db := b.Open(t)
	sets := store.Migrations()
	mission := sets[len(sets)-1]
	fsys := fstest.MapFS{}
	for _, name := range files {
		fsys[name] = &fstest.MapFile{Data: mustRead(t, mission.FS, name)}
	}
	mission.FS = fsys
	if err := sqlstore.Migrate(ctx, db, append(sets[:len(sets)-1:len(sets)-1], mission)...); err != nil {
		t.Fatal(err)
	}
	return db
}

// storeLegacyMission writes m into a legacy database as the code of its time did: the row is
// made by the current code in a scratch database, then its original columns are copied.
func storeLegacyMission(t *testing.T, b sqltest.Backend, legacy *sql.DB, m domain.Mission, out domain.Outcome) {
	t.Helper()
	scratch := openDB(t, b)
	if err := create(context.Background(), store.NewRepository(scratch, nil), m, out); err != nil {
		t.Fatal(err)
	}
	var details, created, updated string
	if err := scratch.QueryRow(`SELECT details, created_at, updated_at FROM missions WHERE id = $1`, m.ID).
		Scan(&details, &created, &updated); err != nil {
		t.Fatal(err)
	}
	if _, err := legacy.Exec(`INSERT INTO missions (id, firm_id, status, shortlist_revision, details, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, m.ID, m.FirmID, m.Status.String(), m.ShortlistRevision, details, created, updated); err != nil {
		t.Fatal(err)
	}
}

func mustRead(t *testing.T, fsys fs.FS, name string) []byte {
	t.Helper()
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestListPaginatesWithoutGapsOrRepeats(t *testing.T) {
	eachStore(t, func(t *testing.T, db *sql.DB, repo *store.Repository) {
		ctx := context.Background()
		var want []string // firm-1's missions, newest first
		for i := range 23 {
			// Pairs share a timestamp so that the id breaks ties.
			created := t0.Add(time.Duration(i/2) * time.Millisecond)
			firm := "firm-1"
			if i%3 == 0 {
				firm = "firm-2"
			}
			id := fmt.Sprintf("m%02d", i)
			stored(t, repo, id, firm, created)
			if firm == "firm-1" {
				want = append(want, id)
			}
		}
		slices.Reverse(want)

		pages := func(firmID string, size int) []string {
			return pageThrough(t, size, func(after *missionrules.Cursor, limit int) ([]domain.Mission, error) {
				return repo.List(ctx, firmID, domain.StatusUnspecified, after, limit)
			}, func(m domain.Mission) missionrules.Cursor {
				return missionrules.Cursor{CreatedAt: m.CreatedAt, ID: m.ID}
			})
		}
		for _, size := range []int{1, 2, 3, 5, 15, 16, 50} {
			if got := pages("firm-1", size); !slices.Equal(got, want) {
				t.Errorf("page size %d: got %v, want %v", size, got, want)
			}
		}
		all := pages("", 4)
		if len(all) != 23 {
			t.Fatalf("all missions: got %d, want 23: %v", len(all), all)
		}
		for i := 1; i < len(all); i++ {
			if all[i] >= all[i-1] { // ids follow creation order here, so newest first is descending
				t.Fatalf("not newest first: %v", all)
			}
		}
		if got := pages("firm-3", 5); len(got) != 0 {
			t.Fatalf("unknown firm lists %v", got)
		}
	})
}

// pageThrough lists every page of size with list, each after the position of the previous
// page's last item, and returns the ids listed, in order.
func pageThrough[T any](t *testing.T, size int, list func(after *missionrules.Cursor, limit int) ([]T, error),
	position func(T) missionrules.Cursor) []string {
	t.Helper()
	var ids []string
	var after *missionrules.Cursor
	for range 100 {
		page, err := list(after, size)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range page {
			ids = append(ids, position(v).ID)
		}
		if len(page) < size {
			return ids
		}
		last := position(page[len(page)-1])
		after = &last
	}
	t.Fatal("pagination does not end")
	return nil
}

func TestUpdateStoresMissionAndEventsTogether(t *testing.T) {
	eachStore(t, func(t *testing.T, db *sql.DB, repo *store.Repository) {
		ctx := context.Background()
		stored(t, repo, "m1", "firm-1", t0)
		later := t0.Add(time.Hour)
		cancelled, err := update(ctx, repo, "m1", func(m *domain.Mission) (domain.Outcome, error) { return m.Cancel(firm1, nil, later) })
		if err != nil {
			t.Fatal(err)
		}
		got, err := repo.Get(ctx, "m1")
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != domain.StatusCancelled || !got.UpdatedAt.Equal(later) || cancelled.Status != domain.StatusCancelled {
			t.Fatalf("stored %s at %v", got.Status, got.UpdatedAt)
		}
		evs := outboxEvents(t, db)
		if len(evs) != 3 {
			t.Fatalf("outbox holds %d events, want 3", len(evs))
		}
		if c, ok := evs[1].(*missionv1.MissionCancelled); !ok || c.GetMissionId() != "m1" || c.GetFirmId() != "firm-1" {
			t.Errorf("second event = %v", evs[1])
		}
		if u, ok := evs[2].(*missionv1.MissionUpdated); !ok || u.GetStatus() != missionv1.MissionStatus_MISSION_STATUS_CANCELLED {
			t.Errorf("third event = %v", evs[2])
		}

		// A refused change rolls back: nothing stored, no event.
		_, err = update(ctx, repo, "m1", func(m *domain.Mission) (domain.Outcome, error) { return m.Cancel(firm1, nil, later) })
		if fe, ok := fault.As(err); !ok || fe.Reason != domain.ReasonMissionNotCancellable {
			t.Fatalf("second cancel: %v", err)
		}
		boom := errors.New("boom")
		_, err = update(ctx, repo, "m1", func(m *domain.Mission) (domain.Outcome, error) {
			m.Status = domain.StatusSubmitted
			return domain.Outcome{Events: []domain.Event{domain.MissionUpdated{MissionID: m.ID, Status: m.Status}}}, boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("failing change: %v", err)
		}
		if got, _ := repo.Get(ctx, "m1"); got.Status != domain.StatusCancelled {
			t.Fatalf("failed change was stored: %s", got.Status)
		}
		if n := len(outboxEvents(t, db)); n != 3 {
			t.Fatalf("outbox holds %d events after refused changes, want 3", n)
		}
		if _, err := update(ctx, repo, "nope", func(*domain.Mission) (domain.Outcome, error) { return domain.Outcome{}, nil }); fault.KindOf(err) != fault.KindNotFound {
			t.Fatalf("update absent mission: %v", err)
		}
	})
}

func TestUpdateOnceClaimsEachEventOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, b sqltest.Backend) {
		db := openDB(t, b)
		commits := 0
		repo := store.NewRepository(db, func() { commits++ })
		ctx := context.Background()
		stored(t, repo, "m1", "firm-1", t0)
		calls := 0
		shortlist := func(m *domain.Mission) (domain.Outcome, error) {
			calls++
			out, _ := m.ApplyShortlist(domain.Proposal{Revision: 1, Candidates: []domain.Candidate{{ProfileID: "p1"}, {ProfileID: "p2"}}},
				t0.Add(time.Minute))
			return out, nil
		}
		claimed, err := updateOnce(ctx, repo, eventbus.ConsumerMissionShortlists, "ev-1", "m1", shortlist)
		if err != nil || !claimed {
			t.Fatalf("first delivery: claimed %v, err %v", claimed, err)
		}
		claimed, err = updateOnce(ctx, repo, eventbus.ConsumerMissionShortlists, "ev-1", "m1", shortlist)
		if err != nil || claimed {
			t.Fatalf("second delivery: claimed %v, err %v", claimed, err)
		}
		if calls != 1 {
			t.Fatalf("change ran %d times, want 1", calls)
		}
		got, _ := repo.Get(ctx, "m1")
		if got.Status != domain.StatusShortlisted || got.ShortlistRevision != 1 {
			t.Fatalf("stored %s rev %d", got.Status, got.ShortlistRevision)
		}
		if n := len(outboxEvents(t, db)); n != 2 {
			t.Fatalf("outbox holds %d events, want 2", n)
		}
		if commits != 2 {
			t.Errorf("committed called %d times, want 2", commits)
		}

		// A failing handler releases its claim, so the redelivery is applied.
		claimed, err = updateOnce(ctx, repo, eventbus.ConsumerMissionShortlists, "ev-2", "absent", shortlist)
		if fault.KindOf(err) != fault.KindNotFound || claimed {
			t.Fatalf("unknown mission: claimed %v, err %v", claimed, err)
		}
		claimed, err = updateOnce(ctx, repo, eventbus.ConsumerMissionShortlists, "ev-2", "m1", func(m *domain.Mission) (domain.Outcome, error) {
			out, _ := m.ApplyShortlist(domain.Proposal{Revision: 2}, t0.Add(2*time.Minute))
			return out, nil
		})
		if err != nil || !claimed {
			t.Fatalf("redelivery after failure: claimed %v, err %v", claimed, err)
		}
		if got, _ := repo.Get(ctx, "m1"); got.Status != domain.StatusNoMatch || got.ShortlistRevision != 2 {
			t.Fatalf("stored %s rev %d", got.Status, got.ShortlistRevision)
		}
	})
}

// Revisions and sequences are 64-bit on every backend.
func TestCountersBeyond32Bits(t *testing.T) {
	eachStore(t, func(t *testing.T, _ *sql.DB, repo *store.Repository) {
		ctx := context.Background()
		stored(t, repo, "m1", "firm-1", t0)
		const big = int64(1) << 40
		if _, err := update(ctx, repo, "m1", func(m *domain.Mission) (domain.Outcome, error) {
			out, _ := m.ApplyShortlist(domain.Proposal{Revision: big, EligibleCount: 1 << 33,
				Candidates: []domain.Candidate{{ProfileID: "p1"}}}, t0.Add(time.Minute))
			return out, nil
		}); err != nil {
			t.Fatal(err)
		}
		if got, err := repo.Get(ctx, "m1"); err != nil || got.ShortlistRevision != big {
			t.Fatalf("revision %d (%v), want %d", got.ShortlistRevision, err, big)
		}
		ds, err := repo.Decisions(ctx, "m1")
		if err != nil || len(ds) != 2 || ds[1].Proposal.Revision != big || ds[1].Proposal.EligibleCount != 1<<33 {
			t.Fatalf("decisions %+v (%v)", ds, err)
		}
	})
}
