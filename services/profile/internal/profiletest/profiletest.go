// Package profiletest is what the profile service's tests share: a profile with every field
// set, a store on a fresh SQLite database, and checks of faults, bookings and published facts.
package profiletest

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/caiomatch/caiomatch/pkg/eventbus/eventbustest"
	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/gazetteer"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	taxonomyv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/taxonomy/v1"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/pkg/taxonomy"
	"github.com/caiomatch/caiomatch/services/profile/adapters/store"
	"github.com/caiomatch/caiomatch/services/profile/domain"
)

// T0 is the tests' reference time.
var T0 = time.Date(2027, 1, 10, 9, 0, 0, 0, time.UTC)

// Profile is a profile whose every field differs from its zero value.
func Profile(id, accountID string) domain.Profile {
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
			WorkMode:        taxonomy.WorkModeHybrid,
			DailyRateEUR:    1400,
			AvailableFrom:   time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC),
			PastMissions: []domain.PastMission{
				{Sector: "C21", MissionType: taxonomy.MissionTypeTransformationLaunch, Months: 14, Year: 2025},
				{Sector: "K", MissionType: taxonomy.MissionTypeRiskAndCompliance, Months: 9, Year: 2022},
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
		CreatedAt: T0.Add(123456789 * time.Nanosecond),
		UpdatedAt: T0.Add(987654321 * time.Nanosecond),
	}
}

// Input is a valid profile as a consultant sends it.
func Input() domain.DetailsInput {
	return domain.DetailsInput{
		Details: domain.Details{
			DisplayName: "Claire Martin", Email: "claire.martin@example.org", Headline: "Former CTO",
			Sectors: []string{"C21"}, Skills: []domain.Skill{{ID: "ai-strategy", Level: 4}},
			YearsExperience: 18, Languages: []string{"fr", "en"},
			Location: domain.Location{Country: "FR", City: "Lyon"}, WorkMode: taxonomy.WorkModeHybrid,
			DailyRateEUR: 1400,
		},
		AvailableFrom: "2027-01-04",
	}
}

// OpenSQLite is a fresh SQLite database holding the profile tables, closed when the test ends.
func OpenSQLite(t testing.TB) *sql.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "profile.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := sqlstore.Migrate(ctx, db, store.Migrations()...); err != nil {
		t.Fatal(err)
	}
	return db
}

// WantFault fails unless err is a fault of that kind and reason.
func WantFault(t testing.TB, err error, kind fault.Kind, reason string) *fault.Error {
	t.Helper()
	fe, ok := fault.As(err)
	if !ok || fe.Kind != kind || fe.Reason != reason {
		t.Fatalf("err = %v, want kind %d reason %s", err, kind, reason)
	}
	return fe
}

// Bookings writes bookings compactly: "start..end" or "start..end@mission".
func Bookings(bs []domain.Booking) string {
	var out []string
	for _, b := range bs {
		s := b.Start.Format(time.DateOnly) + ".." + b.End.Format(time.DateOnly)
		if b.MissionID != "" {
			s += "@" + b.MissionID
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

// BookingsText writes the bookings of an API profile or of matching facts as Bookings does.
func BookingsText(bs []*profilev1.Booking) string {
	var out []string
	for _, b := range bs {
		s := b.GetStartDate() + ".." + b.GetEndDate()
		if b.GetMissionId() != "" {
			s += "@" + b.GetMissionId()
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

// FactsBookings writes the bookings of matching facts as Bookings does.
func FactsBookings(f *profilev1.MatchingFacts) string {
	return BookingsText(f.GetBookings())
}

// WantFacts fails unless got is what matching is told of p.
func WantFacts(t testing.TB, got *profilev1.MatchingFacts, p domain.Profile) {
	t.Helper()
	want := &profilev1.MatchingFacts{
		ProfileId: p.ID, AccountId: p.AccountID, Sectors: p.Sectors, YearsExperience: int32(p.YearsExperience),
		Languages: p.Languages, Country: p.Location.Country, WorkMode: taxonomyv1.WorkMode(p.WorkMode),
		DailyRateEur: int32(p.DailyRateEUR), AvailableFrom: p.AvailableFrom.Format("2006-01-02"),
		NoticePeriodDays: int32(p.NoticePeriodDays), MobilityCountries: p.MobilityCountries,
		ProfilingOptOut: p.ProfilingOptOut,
	}
	if place, ok := gazetteer.Resolve(p.Location.Country, p.Location.City); ok {
		want.PlaceCity, want.PlaceRegion = place.City, place.Region
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

// NoPersonalData fails when a published event carries what only the profile service may hold.
func NoPersonalData(t testing.TB, ev eventbustest.Published, p domain.Profile) {
	t.Helper()
	secrets := append([]string{p.DisplayName, p.Email, p.Headline, p.Location.City}, p.Certifications...)
	for _, secret := range secrets {
		if secret != "" && bytes.Contains(ev.Data, []byte(secret)) {
			t.Errorf("%s event carries %q", ev.Envelope.GetType(), secret)
		}
	}
}
