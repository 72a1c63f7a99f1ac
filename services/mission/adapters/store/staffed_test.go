package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/dates"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/pkg/sqlstore/sqltest"
	"github.com/caiomatch/caiomatch/services/mission/adapters/store"
	"github.com/caiomatch/caiomatch/services/mission/app"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// The firm's name and email, the staffing and a moved end date are stored with the mission;
// an offer's terms and counter with the offer, read with its mission's summary.
func TestStaffingAndTermsRoundTrip(t *testing.T) {
	eachStore(t, func(t *testing.T, _ *sql.DB, repo *store.Repository) {
		ctx := context.Background()
		m, out := newMission(t, "m1", "firm-1", t0)
		m.FirmName, m.FirmEmail = "Acme", "hr@acme.example"
		if err := create(ctx, repo, m, out); err != nil {
			t.Fatal(err)
		}
		if got, _ := repo.Get(ctx, "m1"); got.FirmName != "Acme" || got.FirmEmail != "hr@acme.example" {
			t.Fatalf("firm %q %q", got.FirmName, got.FirmEmail)
		}
		end := dates.MissionEnd(m.StartDate, 12)
		staffed, err := update(ctx, repo, "m1", func(m *domain.Mission) (domain.Outcome, error) {
			m.Status, m.StaffedOfferID, m.StaffedProfileID, m.StaffedConsultantID, m.AgreedDailyRateEUR = domain.StatusStaffed, "o1", "p1", "cons-1", 1450
			m.EndOverride = end
			return domain.Outcome{Decisions: []domain.Decision{{MissionID: "m1", At: t0, Kind: domain.DecisionMissionEdited,
				Actor: domain.Actor{Role: "FIRM", AccountID: "firm-1"}, ChangedFields: []string{"title", "location"}, DailyRateEUR: 7,
				EndDate: end, ExtensionID: "e1", Rating: 4}}}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := repo.Get(ctx, "m1")
		if err != nil || fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", staffed) || !got.EndDate().Equal(end) {
			t.Fatalf("read back %+v (%v), want %+v", got, err, staffed)
		}
		ds, _ := repo.Decisions(ctx, "m1")
		d := ds[len(ds)-1]
		if !slices.Equal(d.ChangedFields, []string{"title", "location"}) || d.DailyRateEUR != 7 || !d.EndDate.Equal(end) || d.ExtensionID != "e1" || d.Rating != 4 {
			t.Fatalf("decision %+v", d)
		}
		if ds[0].ChangedFields != nil || !ds[0].EndDate.IsZero() {
			t.Fatalf("first decision %+v", ds[0])
		}
	})
}

// A mission staffed before its end date was stored is found due, and once saved its end date
// is stored.
func TestStaffedMissionsStoredBeforeEndDatesComplete(t *testing.T) {
	eachBackend(t, func(t *testing.T, b sqltest.Backend) {
		ctx := context.Background()
		db := legacyDB(t, b, "0001_missions.sql", "0002_mission_skill_levels.sql", "0003_offers_and_decisions.sql",
			"0004_wide_counters.sqlite.sql", "0004_wide_counters.postgres.sql")
		old, events := newMission(t, "m1", "firm-1", t0) // 2027-03-01 .. 2027-11-30
		old.RequiredSkillLevels = nil
		old.Status = domain.StatusStaffed
		storeLegacyMission(t, b, db, old, events)
		if err := sqlstore.Migrate(ctx, db, store.Migrations()...); err != nil {
			t.Fatal(err)
		}
		repo := store.NewRepository(db, nil)
		if got, err := repo.Get(ctx, "m1"); err != nil || !got.EndDate().Equal(old.EndDate()) || !got.EndOverride.IsZero() {
			t.Fatalf("old mission %+v (%v)", got, err)
		}
		due, err := repo.DueCompletions(ctx, time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC), 10)
		if err != nil || !slices.Equal(due, []string{"m1"}) {
			t.Fatalf("due %v (%v): a row without an end date is checked", due, err)
		}
		if _, err := update(ctx, repo, "m1", func(*domain.Mission) (domain.Outcome, error) { return domain.Outcome{}, nil }); err != nil {
			t.Fatal(err)
		}
		if due, _ := repo.DueCompletions(ctx, time.Date(2027, 11, 30, 12, 0, 0, 0, time.UTC), 10); len(due) != 0 {
			t.Fatalf("due on its end date: %v", due)
		}
		if due, _ := repo.DueCompletions(ctx, time.Date(2027, 12, 1, 0, 0, 0, 0, time.UTC), 10); !slices.Equal(due, []string{"m1"}) {
			t.Fatalf("due the day after: %v", due)
		}
	})
}

// Extensions and feedback round-trip; one pending extension per mission, one feedback per side.
func TestExtensionsAndFeedbackRoundTrip(t *testing.T) {
	eachStore(t, func(t *testing.T, _ *sql.DB, repo *store.Repository) {
		ctx := context.Background()
		stored(t, repo, "m1", "firm-1", t0)
		e := domain.Extension{ID: "e1", MissionID: "m1", Status: domain.ExtensionStatusPending, ProfileID: "p1", ConsultantID: "cons-1",
			NewEndDate: dates.MissionEnd(t0, 12), PreviousEndDate: dates.MissionEnd(t0, 9), Message: "More?", CreatedAt: t0.Add(time.Nanosecond)}
		err := repo.InTx(ctx, func(ctx context.Context, tx app.Tx) error {
			if _, err := tx.Mission(ctx, "m1"); err != nil {
				return err
			}
			return tx.CreateExtension(ctx, e)
		})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := repo.GetExtension(ctx, "e1"); err != nil || !reflect.DeepEqual(got, e) {
			t.Fatalf("read back %+v (%v), want %+v", got, err, e)
		}
		second := e
		second.ID = "e2"
		err = repo.InTx(ctx, func(ctx context.Context, tx app.Tx) error { return tx.CreateExtension(ctx, second) })
		if err == nil {
			t.Fatal("a second pending extension was stored")
		}
		f := domain.Feedback{MissionID: "m1", AuthorRole: "FIRM", AuthorAccountID: "firm-1", ProfileID: "p1", Rating: 5,
			Comment: "Great", WouldStaffAgain: true, CreatedAt: t0}
		if err := repo.InTx(ctx, func(ctx context.Context, tx app.Tx) error { return tx.CreateFeedback(ctx, f) }); err != nil {
			t.Fatal(err)
		}
		if err := repo.InTx(ctx, func(ctx context.Context, tx app.Tx) error { return tx.CreateFeedback(ctx, f) }); err == nil {
			t.Fatal("a second feedback of the firm was stored")
		}
		if got, err := repo.Feedback(ctx, "m1"); err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], f) {
			t.Fatalf("feedback %+v (%v)", got, err)
		}
	})
}
