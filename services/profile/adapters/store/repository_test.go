package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/eventbus/eventbustest"
	"github.com/caiomatch/caiomatch/pkg/fault"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/pkg/sqlstore/sqltest"
	"github.com/caiomatch/caiomatch/pkg/taxonomy"
	"github.com/caiomatch/caiomatch/pkg/txn"
	"github.com/caiomatch/caiomatch/services/profile/adapters/store"
	"github.com/caiomatch/caiomatch/services/profile/app"
	"github.com/caiomatch/caiomatch/services/profile/domain"
	"github.com/caiomatch/caiomatch/services/profile/internal/profiletest"
)

var t0 = profiletest.T0

// eachBackend runs fn once per backend (SQLite, and PostgreSQL when it is reachable), each with
// a fresh database holding the profile tables: the same contract on both.
func eachBackend(t *testing.T, fn func(t *testing.T, db *sql.DB)) {
	t.Helper()
	sqltest.Run(t, func(t *testing.T, db *sql.DB) {
		// Migrating twice is a no-op.
		if err := sqlstore.Migrate(context.Background(), db, store.Migrations()...); err != nil {
			t.Fatal(err)
		}
		fn(t, db)
	}, store.Migrations()...)
}

// eachRepo is eachBackend with the store over each database, and a counter of the commits that
// woke the relay.
func eachRepo(t *testing.T, fn func(t *testing.T, db *sql.DB, repo repo, commits *int)) {
	t.Helper()
	eachBackend(t, func(t *testing.T, db *sql.DB) {
		commits := 0
		fn(t, db, repo{store.New(db, func() { commits++ })}, &commits)
	})
}

// repo is the store with the writes the use cases make, in one transaction each.
type repo struct{ *store.Store }

func (r repo) Create(ctx context.Context, p domain.Profile, ev domain.Event) error {
	return r.InTx(ctx, func(ctx context.Context, tx app.Tx) error {
		if err := tx.Create(ctx, p); err != nil {
			return err
		}
		return tx.Publish(ctx, ev)
	})
}

// Update is a read-modify-write of profile id that holds the profile's lock, as the use cases'.
func (r repo) Update(ctx context.Context, id string, change func(*domain.Profile) (domain.Event, error)) (domain.Profile, error) {
	var p domain.Profile
	err := r.InTx(ctx, func(ctx context.Context, tx app.Tx) error {
		if err := tx.Lock(ctx, app.LockProfile, id); err != nil {
			return err
		}
		var err error
		if p, err = tx.Get(ctx, id); err != nil {
			return err
		}
		ev, err := change(&p)
		if err != nil {
			return err
		}
		if err := tx.Save(ctx, p); err != nil {
			return err
		}
		return tx.Publish(ctx, ev)
	})
	if err != nil {
		return domain.Profile{}, err
	}
	return p, nil
}

func (r repo) Delete(ctx context.Context, id string, ev domain.Event) error {
	return r.InTx(ctx, func(ctx context.Context, tx app.Tx) error {
		if err := tx.Delete(ctx, id); err != nil {
			return err
		}
		return tx.Publish(ctx, ev)
	})
}

// newApp is the application over r, as the handlers of mission events use it: they ask matching
// nothing and create no profile.
func newApp(r repo) *app.Application {
	return app.New(r, r, nil, time.Now, func() string { return "unused" })
}

// delivery is the delivery of mission event eventID to the profile service's consumer.
func delivery(eventID string) txn.Delivery {
	return txn.Delivery{Consumer: eventbus.ConsumerProfileMissions, EventID: eventID}
}

var probes atomic.Int64

// probe runs fn in a handler transaction of its own, under a delivery of its own.
func (r repo) probe(t *testing.T, fn func(ctx context.Context, tx app.Tx) error) {
	t.Helper()
	if _, err := r.Once(context.Background(), txn.Delivery{Consumer: "probe", EventID: fmt.Sprint("probe-", probes.Add(1))}, fn); err != nil {
		t.Fatal(err)
	}
}

// unbooked is newProfile without any booking.
func unbooked(id, accountID string) domain.Profile {
	p := newProfile(id, accountID)
	p.Bookings = nil
	return p
}

// mustCreate stores p with its registration, and returns it.
func (r repo) mustCreate(t *testing.T, p domain.Profile) domain.Profile {
	t.Helper()
	if err := r.Create(context.Background(), p, domain.ProfileRegistered{Profile: p}); err != nil {
		t.Fatal(err)
	}
	return p
}

// saveUpdated stores a changed profile with its ProfileUpdated event.
func saveUpdated(ctx context.Context, tx app.Tx, p domain.Profile) error {
	if err := tx.Save(ctx, p); err != nil {
		return err
	}
	return tx.Publish(ctx, domain.ProfileUpdated{Profile: p})
}

func (r repo) mustGet(t *testing.T, id string) domain.Profile {
	t.Helper()
	p, err := r.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// wantWritten checks how many events the outbox holds and how many commits woke the relay.
func wantWritten(t *testing.T, db *sql.DB, commits *int, events, wakes int) {
	t.Helper()
	if n := len(outboxRows(t, db)); n != events {
		t.Fatalf("outbox holds %d rows, want %d", n, events)
	}
	if *commits != wakes {
		t.Errorf("committed called %d times, want %d", *commits, wakes)
	}
}

var (
	newProfile     = profiletest.Profile
	wantFacts      = profiletest.WantFacts
	noPersonalData = profiletest.NoPersonalData
)

func wantFault(t *testing.T, err error, kind fault.Kind, reason string) {
	t.Helper()
	profiletest.WantFault(t, err, kind, reason)
}

// outboxRows decodes every outbox row in order, checking that each is stored under its
// envelope's event id and subject.
func outboxRows(t *testing.T, db *sql.DB) []eventbustest.Published {
	t.Helper()
	out := eventbustest.OutboxEvents(t, db)
	rows, err := db.Query(`SELECT event_id FROM outbox ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for i := 0; rows.Next(); i++ {
		var eventID string
		if err := rows.Scan(&eventID); err != nil {
			t.Fatal(err)
		}
		if r := out[i]; r.Envelope.GetEventId() != eventID {
			t.Errorf("outbox event_id %q, envelope %q", eventID, r.Envelope.GetEventId())
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, r := range out {
		if want := eventbus.Subject(eventbus.ProducerProfile, r.Envelope.GetType(), r.Envelope.GetAggregateId()); r.Subject != want {
			t.Errorf("subject %q, want %q", r.Subject, want)
		}
		if r.Envelope.GetProducer() != eventbus.ProducerProfile || r.Envelope.GetSchemaVersion() != eventbus.SchemaVersion {
			t.Errorf("envelope %v", r.Envelope)
		}
	}
	return out
}

func TestCreateAndGetRoundTrip(t *testing.T) {
	eachRepo(t, func(t *testing.T, db *sql.DB, repo repo, commits *int) {
		ctx := context.Background()
		p := repo.mustCreate(t, newProfile("p1", "cons-1"))
		got := repo.mustGet(t, "p1")
		if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", p) {
			t.Fatalf("round trip changed the profile:\n got %+v\nwant %+v", got, p)
		}
		if *commits != 1 {
			t.Errorf("committed called %d times, want 1", *commits)
		}

		rows := outboxRows(t, db)
		if len(rows) != 1 {
			t.Fatalf("outbox holds %d rows, want 1", len(rows))
		}
		reg, ok := rows[0].Payload.(*profilev1.ProfileRegistered)
		if !ok || rows[0].Envelope.GetType() != "ProfileRegistered" || rows[0].Envelope.GetAggregateId() != "p1" {
			t.Fatalf("outbox event = %v %v", rows[0].Envelope, rows[0].Payload)
		}
		wantFacts(t, reg.GetFacts(), p)
		noPersonalData(t, rows[0], p)
		f := reg.GetFacts()
		if f.GetSkills()[0].GetYears() != 12 || f.GetNoticePeriodDays() != 30 || !f.GetProfilingOptOut() ||
			!slices.Equal(f.GetMobilityCountries(), []string{"BE", "CH"}) || len(f.GetPastMissions()) != 2 ||
			f.GetPastMissions()[1].GetMissionType() != missionv1.MissionType_MISSION_TYPE_RISK_AND_COMPLIANCE ||
			f.GetPastMissions()[1].GetSector() != "K" || f.GetPastMissions()[1].GetMonths() != 9 || f.GetPastMissions()[1].GetYear() != 2022 ||
			len(f.GetBookings()) != 2 || f.GetBookings()[1].GetStartDate() != "2027-09-01" ||
			f.GetBookings()[1].GetEndDate() != "2028-02-29" || f.GetBookings()[1].GetMissionId() != "m-7" {
			t.Errorf("registered facts %v", f)
		}

		_, err := repo.Get(ctx, "absent")
		wantFault(t, err, fault.KindNotFound, app.ReasonProfileNotFound)
	})
}

func TestOneProfilePerAccount(t *testing.T) {
	eachRepo(t, func(t *testing.T, db *sql.DB, repo repo, commits *int) {
		ctx := context.Background()
		repo.mustCreate(t, newProfile("p1", "cons-1"))
		second := newProfile("p2", "cons-1")
		err := repo.Create(ctx, second, domain.ProfileRegistered{Profile: second})
		wantFault(t, err, fault.KindAlreadyExists, app.ReasonProfileAlreadyExists)
		wantWritten(t, db, commits, 1, 1)
		_, err = repo.Get(ctx, "p2")
		wantFault(t, err, fault.KindNotFound, app.ReasonProfileNotFound)

		// Another account is fine.
		repo.mustCreate(t, newProfile("p3", "cons-2"))
		if n := len(outboxRows(t, db)); n != 2 {
			t.Fatalf("outbox holds %d rows, want 2", n)
		}
	})
}

func TestCreateWithAnUnknownEventStoresNothing(t *testing.T) {
	eachRepo(t, func(t *testing.T, db *sql.DB, repo repo, commits *int) {
		ctx := context.Background()
		p := newProfile("p1", "cons-1")
		if err := repo.Create(ctx, p, nil); err == nil {
			t.Fatal("create with no event succeeded")
		}
		if _, err := repo.Get(ctx, "p1"); fault.KindOf(err) != fault.KindNotFound {
			t.Fatalf("profile stored without its event: %v", err)
		}
		if n := len(outboxRows(t, db)); n != 0 || *commits != 0 {
			t.Fatalf("outbox %d rows, %d commits", n, *commits)
		}
	})
}

func TestUpdateStoresProfileAndEventTogether(t *testing.T) {
	eachRepo(t, func(t *testing.T, db *sql.DB, repo repo, commits *int) {
		ctx := context.Background()
		p := repo.mustCreate(t, newProfile("p1", "cons-1"))
		later := t0.Add(time.Hour)
		updated, err := repo.Update(ctx, "p1", func(p *domain.Profile) (domain.Event, error) {
			p.DailyRateEUR = 1600
			p.Skills = []domain.Skill{{ID: "gdpr", Level: 1}}
			p.Location = domain.Location{Country: "BE"}
			p.WorkMode = taxonomy.WorkModeRemote
			p.UpdatedAt = later
			return domain.ProfileUpdated{Profile: *p}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got := repo.mustGet(t, "p1")
		if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", updated) {
			t.Fatalf("stored %+v\nreturned %+v", got, updated)
		}
		if got.DailyRateEUR != 1600 || got.Location.Country != "BE" || got.Location.City != "" ||
			!slices.Equal(got.Skills, []domain.Skill{{ID: "gdpr", Level: 1}}) ||
			!got.UpdatedAt.Equal(later) || !got.CreatedAt.Equal(p.CreatedAt) || got.Email != p.Email {
			t.Fatalf("stored %+v", got)
		}
		rows := outboxRows(t, db)
		if len(rows) != 2 {
			t.Fatalf("outbox holds %d rows, want 2", len(rows))
		}
		upd, ok := rows[1].Payload.(*profilev1.ProfileUpdated)
		if !ok || rows[1].Envelope.GetAggregateId() != "p1" {
			t.Fatalf("second event = %v", rows[1].Payload)
		}
		wantFacts(t, upd.GetFacts(), got)
		noPersonalData(t, rows[1], p)
		if *commits != 2 {
			t.Errorf("committed called %d times, want 2", *commits)
		}

		// A change that fails rolls back: nothing stored, no event, no wake-up.
		boom := errors.New("boom")
		_, err = repo.Update(ctx, "p1", func(p *domain.Profile) (domain.Event, error) {
			p.DailyRateEUR = 1
			p.Email = "changed@example.org"
			p.UpdatedAt = later.Add(time.Hour)
			return domain.ProfileUpdated{Profile: *p}, boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("failing change: %v", err)
		}
		if after, _ := repo.Get(ctx, "p1"); fmt.Sprintf("%+v", after) != fmt.Sprintf("%+v", got) {
			t.Fatalf("failed change was stored: %+v", after)
		}
		wantWritten(t, db, commits, 2, 2)

		// An absent profile is not found, and the change never runs.
		ran := false
		_, err = repo.Update(ctx, "absent", func(*domain.Profile) (domain.Event, error) { ran = true; return nil, nil })
		wantFault(t, err, fault.KindNotFound, app.ReasonProfileNotFound)
		if ran {
			t.Error("change ran on an absent profile")
		}
	})
}

func TestDeleteErasesAndRecordsIt(t *testing.T) {
	eachRepo(t, func(t *testing.T, db *sql.DB, repo repo, commits *int) {
		ctx := context.Background()
		p := repo.mustCreate(t, newProfile("p1", "cons-1"))
		if err := repo.Delete(ctx, "p1", domain.ProfileErased{ProfileID: "p1"}); err != nil {
			t.Fatal(err)
		}
		_, err := repo.Get(ctx, "p1")
		wantFault(t, err, fault.KindNotFound, app.ReasonProfileNotFound)
		var left int
		if err := db.QueryRow(`SELECT COUNT(*) FROM profiles`).Scan(&left); err != nil || left != 0 {
			t.Fatalf("%d profile rows left (%v)", left, err)
		}
		// The erasure replaced the profile's earlier events in the outbox.
		rows := outboxRows(t, db)
		if len(rows) != 1 {
			t.Fatalf("outbox holds %d rows, want the erasure alone", len(rows))
		}
		erased, ok := rows[0].Payload.(*profilev1.ProfileErased)
		if !ok || erased.GetProfileId() != "p1" || rows[0].Envelope.GetAggregateId() != "p1" || rows[0].Envelope.GetType() != "ProfileErased" {
			t.Fatalf("event = %v %v", rows[0].Envelope, rows[0].Payload)
		}
		noPersonalData(t, rows[0], p)
		if *commits != 2 {
			t.Errorf("committed called %d times, want 2", *commits)
		}

		// Once erased, the account may register again.
		again := newProfile("p2", "cons-1")
		if err := repo.Create(ctx, again, domain.ProfileRegistered{Profile: again}); err != nil {
			t.Fatalf("re-registering after erasure: %v", err)
		}

		// Unknown ids (including the erased one) are not found and leave no event.
		for _, id := range []string{"p1", "absent"} {
			err := repo.Delete(ctx, id, domain.ProfileErased{ProfileID: id})
			wantFault(t, err, fault.KindNotFound, app.ReasonProfileNotFound)
		}
		wantWritten(t, db, commits, 2, 3) // the erasure replaced p1's registration
	})
}

// A row written before the profile gained skill years, past missions, certifications, notice,
// mobility, bookings and the profiling opt-out still reads, with those fields empty, and can be
// updated.
func TestRowsWithoutTheLaterFieldsStillRead(t *testing.T) {
	eachRepo(t, func(t *testing.T, db *sql.DB, repo repo, _ *int) {
		ctx := context.Background()
		old := `{"displayName":"Claire Martin","email":"claire@example.org","headline":"Former CTO",` +
			`"sectors":["C21"],"skills":[{"id":"ai-strategy","level":5}],"yearsExperience":18,"languages":["fr"],` +
			`"country":"FR","city":"Lyon","workMode":2,"dailyRateEur":1400,"availableFrom":"2027-02-01"}`
		if _, err := db.Exec(`INSERT INTO profiles (id, account_id, details, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)`,
			"p-old", "cons-old", old, t0.Format(time.RFC3339Nano), sqlstore.FormatTime(t0)); err != nil {
			t.Fatal(err)
		}
		got := repo.mustGet(t, "p-old")
		want := domain.Details{
			DisplayName: "Claire Martin", Email: "claire@example.org", Headline: "Former CTO", Sectors: []string{"C21"},
			Skills: []domain.Skill{{ID: "ai-strategy", Level: 5}}, YearsExperience: 18, Languages: []string{"fr"},
			Location: domain.Location{Country: "FR", City: "Lyon"}, WorkMode: taxonomy.WorkModeHybrid, DailyRateEUR: 1400,
			AvailableFrom: time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC),
		}
		if fmt.Sprintf("%+v", got.Details) != fmt.Sprintf("%+v", want) {
			t.Fatalf("old row reads\n %+v\nwant %+v", got.Details, want)
		}

		updated, err := repo.Update(ctx, "p-old", func(p *domain.Profile) (domain.Event, error) {
			p.NoticePeriodDays = 60
			p.Bookings = []domain.Booking{{Start: time.Date(2027, 5, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2027, 5, 31, 0, 0, 0, 0, time.UTC)}}
			return domain.ProfileUpdated{Profile: *p}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if again, err := repo.Get(ctx, "p-old"); err != nil || fmt.Sprintf("%+v", again) != fmt.Sprintf("%+v", updated) {
			t.Fatalf("after update: %+v, %v\nwant %+v", again, err, updated)
		}
	})
}

// A stored row that does not read (a booking's impossible date, a time in no known layout) is
// an error, not a profile with zero values.
func TestCorruptStoredRowIsAnError(t *testing.T) {
	eachRepo(t, func(t *testing.T, db *sql.DB, repo repo, _ *int) {
		good := `{"displayName":"x","sectors":["C21"],"availableFrom":"2027-02-01"}`
		badBooking := `{"displayName":"x","sectors":["C21"],"availableFrom":"2027-02-01","bookings":[{"startDate":"2027-02-30","endDate":"2027-03-01"}]}`
		at := sqlstore.FormatTime(t0)
		for i, row := range [][3]string{
			{badBooking, t0.Format(time.RFC3339Nano), at},
			{good, "yesterday", at},
			{good, at, "2027-01-10 09:00"},
		} {
			id := fmt.Sprint("p-bad-", i)
			if _, err := db.Exec(`INSERT INTO profiles (id, account_id, details, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)`,
				id, "cons-"+id, row[0], row[1], row[2]); err != nil {
				t.Fatal(err)
			}
			if _, err := repo.Get(context.Background(), id); err == nil || fault.KindOf(err) == fault.KindNotFound {
				t.Errorf("corrupt row %v read as %v", row, err)
			}
		}
	})
}
