package sqlite_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/fault"
	eventsv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/events/v1"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	taxonomyv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/taxonomy/v1"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/pkg/sqlstore/sqltest"
	"github.com/caiomatch/caiomatch/services/profile/adapters/sqlite"
	"github.com/caiomatch/caiomatch/services/profile/app"
	"github.com/caiomatch/caiomatch/services/profile/domain"
)

var t0 = time.Date(2027, 1, 10, 9, 0, 0, 0, time.UTC)

// eachBackend runs fn once per backend (SQLite, and PostgreSQL when it is reachable), each with
// a fresh database holding the profile tables: the same contract on both.
func eachBackend(t *testing.T, fn func(t *testing.T, db *sql.DB)) {
	t.Helper()
	sqltest.Run(t, func(t *testing.T, db *sql.DB) {
		// Migrating twice is a no-op.
		if err := sqlstore.Migrate(context.Background(), db, sqlite.Migrations()...); err != nil {
			t.Fatal(err)
		}
		fn(t, db)
	}, sqlite.Migrations()...)
}

// newRepo returns a repository and a counter of the commits it reported.
func newRepo(t *testing.T, db *sql.DB) (*sqlite.Repository, *int) {
	t.Helper()
	commits := 0
	return sqlite.NewRepository(db, func() { commits++ }), &commits
}

// newProfile is a profile whose every field differs from its zero value.
func newProfile(id, accountID string) domain.Profile {
	return domain.Profile{
		ID:        id,
		AccountID: accountID,
		Details: domain.Details{
			DisplayName:     "Claire Martin " + id,
			Email:           "claire." + id + "@example.org",
			Headline:        "Former CTO, led two AI transformations in pharma",
			Sectors:         []string{"C21", "R86"},
			Skills:          []domain.Skill{{ID: "ai-strategy", Level: 5, Years: 12}, {ID: "mlops", Level: 3}},
			YearsExperience: 18,
			Languages:       []string{"fr", "en"},
			Location:        domain.Location{Country: "FR", City: "Lyon"},
			WorkMode:        domain.WorkModeHybrid,
			DailyRateEUR:    1400,
			AvailableFrom:   time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC),
			PastMissions: []domain.PastMission{
				{Sector: "C21", MissionType: domain.MissionTypeTransformationLaunch, Months: 14, Year: 2025},
				{Sector: "K", MissionType: domain.MissionTypeRiskAndCompliance, Months: 9, Year: 2022},
			},
			Certifications:    []string{"ISO/IEC 42001 Lead Implementer", "Certified Data Protection Officer"},
			NoticePeriodDays:  30,
			MobilityCountries: []string{"BE", "CH"},
			Bookings: []domain.Booking{
				{Start: time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2027, 3, 14, 0, 0, 0, 0, time.UTC)},
				{Start: time.Date(2027, 9, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2028, 2, 29, 0, 0, 0, 0, time.UTC), MissionID: "m-7"},
			},
			ProfilingOptOut: true,
		},
		CreatedAt: t0.Add(123456789 * time.Nanosecond),
		UpdatedAt: t0.Add(987654321 * time.Nanosecond),
	}
}

type outboxRow struct {
	eventID string
	subject string
	data    []byte
	env     *eventsv1.Envelope
	payload proto.Message
}

// outboxRows decodes every outbox row in order, checking that each is stored under its envelope's
// event id and subject.
func outboxRows(t *testing.T, db *sql.DB) []outboxRow {
	t.Helper()
	rows, err := db.Query(`SELECT event_id, subject, data FROM outbox ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []outboxRow
	for rows.Next() {
		var r outboxRow
		if err := rows.Scan(&r.eventID, &r.subject, &r.data); err != nil {
			t.Fatal(err)
		}
		r.env, r.payload, err = eventbus.DecodeEnvelope(r.data)
		if err != nil {
			t.Fatal(err)
		}
		if r.env.GetEventId() != r.eventID {
			t.Errorf("outbox event_id %q, envelope %q", r.eventID, r.env.GetEventId())
		}
		if want := eventbus.Subject(eventbus.ProducerProfile, r.env.GetType(), r.env.GetAggregateId()); r.subject != want {
			t.Errorf("subject %q, want %q", r.subject, want)
		}
		if r.env.GetProducer() != eventbus.ProducerProfile || r.env.GetSchemaVersion() != eventbus.SchemaVersion {
			t.Errorf("envelope %v", r.env)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// noPersonalData fails when an event carries what only the profile service may hold.
func noPersonalData(t *testing.T, r outboxRow, p domain.Profile) {
	t.Helper()
	secrets := append([]string{p.DisplayName, p.Email, p.Headline, p.Location.City}, p.Certifications...)
	for _, secret := range secrets {
		if secret != "" && bytes.Contains(r.data, []byte(secret)) {
			t.Errorf("%s event carries %q", r.env.GetType(), secret)
		}
	}
}

func wantFacts(t *testing.T, got *profilev1.MatchingFacts, p domain.Profile) {
	t.Helper()
	want := &profilev1.MatchingFacts{
		ProfileId: p.ID, AccountId: p.AccountID, Sectors: p.Sectors, YearsExperience: int32(p.YearsExperience),
		Languages: p.Languages, Country: p.Location.Country, WorkMode: taxonomyv1.WorkMode(p.WorkMode),
		DailyRateEur: int32(p.DailyRateEUR), AvailableFrom: p.AvailableFrom.Format("2006-01-02"),
		NoticePeriodDays: int32(p.NoticePeriodDays), MobilityCountries: p.MobilityCountries,
		ProfilingOptOut: p.ProfilingOptOut,
	}
	for _, s := range p.Skills {
		want.Skills = append(want.Skills, &profilev1.SkillLevel{Id: s.ID, Level: int32(s.Level), Years: int32(s.Years)})
	}
	for _, m := range p.PastMissions {
		want.PastMissions = append(want.PastMissions, &profilev1.PastMission{
			Sector: m.Sector, MissionType: missionv1.MissionType(m.MissionType), Months: int32(m.Months), Year: int32(m.Year),
		})
	}
	for _, b := range p.Bookings {
		want.Bookings = append(want.Bookings, &profilev1.Booking{
			StartDate: b.Start.Format("2006-01-02"), EndDate: b.End.Format("2006-01-02"), MissionId: b.MissionID,
		})
	}
	if !proto.Equal(got, want) {
		t.Errorf("facts\n got %v\nwant %v", got, want)
	}
}

func wantFault(t *testing.T, err error, kind fault.Kind, reason string) {
	t.Helper()
	fe, ok := fault.As(err)
	if !ok || fe.Kind != kind || fe.Reason != reason {
		t.Fatalf("err = %v, want kind %d reason %s", err, kind, reason)
	}
}

func TestCreateAndGetRoundTrip(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *sql.DB) {
		repo, commits := newRepo(t, db)
		ctx := context.Background()
		p := newProfile("p1", "cons-1")
		if err := repo.Create(ctx, p, domain.ProfileRegistered{Profile: p}); err != nil {
			t.Fatal(err)
		}
		got, err := repo.Get(ctx, "p1")
		if err != nil {
			t.Fatal(err)
		}
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
		reg, ok := rows[0].payload.(*profilev1.ProfileRegistered)
		if !ok || rows[0].env.GetType() != "ProfileRegistered" || rows[0].env.GetAggregateId() != "p1" {
			t.Fatalf("outbox event = %v %v", rows[0].env, rows[0].payload)
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

		_, err = repo.Get(ctx, "absent")
		wantFault(t, err, fault.KindNotFound, app.ReasonProfileNotFound)
	})
}

func TestOneProfilePerAccount(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *sql.DB) {
		repo, commits := newRepo(t, db)
		ctx := context.Background()
		first := newProfile("p1", "cons-1")
		if err := repo.Create(ctx, first, domain.ProfileRegistered{Profile: first}); err != nil {
			t.Fatal(err)
		}
		second := newProfile("p2", "cons-1")
		err := repo.Create(ctx, second, domain.ProfileRegistered{Profile: second})
		wantFault(t, err, fault.KindAlreadyExists, app.ReasonProfileAlreadyExists)
		if n := len(outboxRows(t, db)); n != 1 {
			t.Fatalf("outbox holds %d rows after a refused create, want 1", n)
		}
		if *commits != 1 {
			t.Errorf("committed called %d times, want 1", *commits)
		}
		_, err = repo.Get(ctx, "p2")
		wantFault(t, err, fault.KindNotFound, app.ReasonProfileNotFound)

		// Another account is fine.
		other := newProfile("p3", "cons-2")
		if err := repo.Create(ctx, other, domain.ProfileRegistered{Profile: other}); err != nil {
			t.Fatal(err)
		}
		if n := len(outboxRows(t, db)); n != 2 {
			t.Fatalf("outbox holds %d rows, want 2", n)
		}
	})
}

func TestCreateWithAnUnknownEventStoresNothing(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *sql.DB) {
		repo, commits := newRepo(t, db)
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
	eachBackend(t, func(t *testing.T, db *sql.DB) {
		repo, commits := newRepo(t, db)
		ctx := context.Background()
		p := newProfile("p1", "cons-1")
		if err := repo.Create(ctx, p, domain.ProfileRegistered{Profile: p}); err != nil {
			t.Fatal(err)
		}
		later := t0.Add(time.Hour)
		updated, err := repo.Update(ctx, "p1", func(p *domain.Profile) (domain.Event, error) {
			p.DailyRateEUR = 1600
			p.Skills = []domain.Skill{{ID: "gdpr", Level: 1}}
			p.Location = domain.Location{Country: "BE"}
			p.WorkMode = domain.WorkModeRemote
			p.UpdatedAt = later
			return domain.ProfileUpdated{Profile: *p}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := repo.Get(ctx, "p1")
		if err != nil {
			t.Fatal(err)
		}
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
		upd, ok := rows[1].payload.(*profilev1.ProfileUpdated)
		if !ok || rows[1].env.GetAggregateId() != "p1" {
			t.Fatalf("second event = %v", rows[1].payload)
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
		if n := len(outboxRows(t, db)); n != 2 {
			t.Fatalf("outbox holds %d rows after a failed change, want 2", n)
		}
		if *commits != 2 {
			t.Errorf("committed called %d times after a failed change, want 2", *commits)
		}

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
	eachBackend(t, func(t *testing.T, db *sql.DB) {
		repo, commits := newRepo(t, db)
		ctx := context.Background()
		p := newProfile("p1", "cons-1")
		if err := repo.Create(ctx, p, domain.ProfileRegistered{Profile: p}); err != nil {
			t.Fatal(err)
		}
		if err := repo.Delete(ctx, "p1", domain.ProfileErased{ProfileID: "p1"}); err != nil {
			t.Fatal(err)
		}
		_, err := repo.Get(ctx, "p1")
		wantFault(t, err, fault.KindNotFound, app.ReasonProfileNotFound)
		var left int
		if err := db.QueryRow(`SELECT COUNT(*) FROM profiles`).Scan(&left); err != nil || left != 0 {
			t.Fatalf("%d profile rows left (%v)", left, err)
		}
		rows := outboxRows(t, db)
		if len(rows) != 2 {
			t.Fatalf("outbox holds %d rows, want 2", len(rows))
		}
		erased, ok := rows[1].payload.(*profilev1.ProfileErased)
		if !ok || erased.GetProfileId() != "p1" || rows[1].env.GetAggregateId() != "p1" || rows[1].env.GetType() != "ProfileErased" {
			t.Fatalf("second event = %v %v", rows[1].env, rows[1].payload)
		}
		noPersonalData(t, rows[1], p)
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
		if n := len(outboxRows(t, db)); n != 3 {
			t.Fatalf("outbox holds %d rows, want 3", n)
		}
		if *commits != 3 {
			t.Errorf("committed called %d times, want 3", *commits)
		}
	})
}

func TestEncodeEvent(t *testing.T) {
	p := newProfile("p1", "cons-1")
	for _, ev := range []domain.Event{domain.ProfileRegistered{Profile: p}, domain.ProfileUpdated{Profile: p}} {
		enc, err := sqlite.EncodeEvent(ev, t0)
		if err != nil {
			t.Fatal(err)
		}
		env, payload, err := eventbus.DecodeEnvelope(enc.Data)
		if err != nil {
			t.Fatal(err)
		}
		if !env.GetOccurredAt().AsTime().Equal(t0) || env.GetAggregateId() != "p1" || enc.Subject != eventbus.Subject("profile", env.GetType(), "p1") {
			t.Errorf("envelope %v, subject %s", env, enc.Subject)
		}
		switch m := payload.(type) {
		case *profilev1.ProfileRegistered:
			wantFacts(t, m.GetFacts(), p)
		case *profilev1.ProfileUpdated:
			wantFacts(t, m.GetFacts(), p)
		default:
			t.Fatalf("payload %T", payload)
		}
		noPersonalData(t, outboxRow{data: enc.Data, env: env}, p)
	}
	if _, err := sqlite.EncodeEvent(nil, t0); err == nil {
		t.Fatal("a nil event was encoded")
	}
}

// A row written before the profile gained skill years, past missions, certifications, notice,
// mobility, bookings and the profiling opt-out still reads, with those fields empty, and can be
// updated.
func TestRowsWithoutTheLaterFieldsStillRead(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *sql.DB) {
		repo, _ := newRepo(t, db)
		ctx := context.Background()
		old := `{"displayName":"Claire Martin","email":"claire@example.org","headline":"Former CTO",` +
			`"sectors":["C21"],"skills":[{"id":"ai-strategy","level":5}],"yearsExperience":18,"languages":["fr"],` +
			`"country":"FR","city":"Lyon","workMode":2,"dailyRateEur":1400,"availableFrom":"2027-02-01"}`
		if _, err := db.Exec(`INSERT INTO profiles (id, account_id, details, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)`,
			"p-old", "cons-old", old, t0.Format(time.RFC3339Nano), t0.Format(time.RFC3339Nano)); err != nil {
			t.Fatal(err)
		}
		got, err := repo.Get(ctx, "p-old")
		if err != nil {
			t.Fatal(err)
		}
		want := domain.Details{
			DisplayName: "Claire Martin", Email: "claire@example.org", Headline: "Former CTO", Sectors: []string{"C21"},
			Skills: []domain.Skill{{ID: "ai-strategy", Level: 5}}, YearsExperience: 18, Languages: []string{"fr"},
			Location: domain.Location{Country: "FR", City: "Lyon"}, WorkMode: domain.WorkModeHybrid, DailyRateEUR: 1400,
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

func TestCorruptStoredBookingIsAnError(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *sql.DB) {
		repo, _ := newRepo(t, db)
		bad := `{"displayName":"x","sectors":["C21"],"availableFrom":"2027-02-01","bookings":[{"startDate":"2027-02-30","endDate":"2027-03-01"}]}`
		if _, err := db.Exec(`INSERT INTO profiles (id, account_id, details, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)`,
			"p-bad", "cons-bad", bad, t0.Format(time.RFC3339Nano), t0.Format(time.RFC3339Nano)); err != nil {
			t.Fatal(err)
		}
		if _, err := repo.Get(context.Background(), "p-bad"); err == nil || fault.KindOf(err) == fault.KindNotFound {
			t.Fatalf("corrupt booking read as %v", err)
		}
	})
}
