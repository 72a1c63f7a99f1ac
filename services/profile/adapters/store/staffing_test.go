package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/services/profile/adapters/store"
	"github.com/caiomatch/caiomatch/services/profile/app"
	"github.com/caiomatch/caiomatch/services/profile/domain"
)

// firmsIndexed writes the index of profileID's platform bookings as "mission=firm " for each.
func firmsIndexed(t *testing.T, db *sql.DB, profileID string) string {
	t.Helper()
	rows, err := db.Query(`SELECT mission_id, firm_id FROM platform_bookings WHERE profile_id = $1 ORDER BY mission_id`, profileID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out string
	for rows.Next() {
		var m, f string
		if err := rows.Scan(&m, &f); err != nil {
			t.Fatal(err)
		}
		out += m + "=" + f + " "
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// The staffing firm of a platform booking survives the round trip, is indexed, and a booking
// stored before firms were recorded reads with none.
func TestBookingFirmRoundTripAndIndex(t *testing.T) {
	eachRepo(t, func(t *testing.T, db *sql.DB, repo repo, _ *int) {
		ctx := context.Background()
		p := newProfile("p1", "cons-1") // declared booking, then a platform booking for m-7
		p.Bookings[1].FirmID = "firm-1"
		p.Bookings = append(p.Bookings, domain.Booking{Start: p.Bookings[1].Start, End: p.Bookings[1].End, MissionID: "m-8", FirmID: "firm-2"})
		repo.mustCreate(t, p)
		if got := repo.mustGet(t, "p1"); fmt.Sprintf("%+v", got.Bookings) != fmt.Sprintf("%+v", p.Bookings) {
			t.Fatalf("stored %+v\nwant %+v", got.Bookings, p.Bookings)
		}
		if got := firmsIndexed(t, db, "p1"); got != "m-7=firm-1 m-8=firm-2 " {
			t.Fatalf("index %q", got)
		}

		// A row written before firms were recorded: no firmId in the stored booking, '' in the
		// index (the column's default). It reads, with no firm, and saving keeps it so.
		if _, err := db.Exec(`UPDATE profiles SET details = REPLACE(details, '"firmId":"firm-1",', '') WHERE id = 'p1'`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`UPDATE profiles SET details = REPLACE(details, ',"firmId":"firm-1"', '') WHERE id = 'p1'`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`DELETE FROM platform_bookings WHERE mission_id = 'm-7'`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO platform_bookings (mission_id, profile_id) VALUES ('m-7', 'p1')`); err != nil {
			t.Fatal(err)
		}
		old := repo.mustGet(t, "p1")
		if old.Bookings[1].MissionID != "m-7" || old.Bookings[1].FirmID != "" || old.Bookings[2].FirmID != "firm-2" {
			t.Fatalf("old row reads %+v", old.Bookings)
		}
		if got := firmsIndexed(t, db, "p1"); got != "m-7= m-8=firm-2 " {
			t.Fatalf("index %q", got)
		}
		if _, err := repo.Update(ctx, "p1", func(p *domain.Profile) (domain.Event, error) {
			return domain.ProfileUpdated{Profile: *p}, nil
		}); err != nil {
			t.Fatal(err)
		}
		if got := firmsIndexed(t, db, "p1"); got != "m-7= m-8=firm-2 " {
			t.Fatalf("index after save %q", got)
		}
	})
}

// The latest staffing window of a mission is recorded, read back to the stored time's
// precision, and replaced by the next.
func TestDatesChangeRoundTrip(t *testing.T) {
	eachRepo(t, func(t *testing.T, db *sql.DB, repo repo, _ *int) {
		at := time.Date(2027, 6, 1, 10, 0, 0, 123456000, time.FixedZone("CET", 3600))
		read := func(missionID string) (app.DatesChange, bool) {
			var c app.DatesChange
			var ok bool
			repo.probe(t, func(ctx context.Context, tx app.Tx) error {
				var err error
				c, ok, err = tx.LatestDatesChange(ctx, missionID)
				return err
			})
			return c, ok
		}
		if _, ok := read("m-1"); ok {
			t.Fatal("a change before any was recorded")
		}
		first := app.DatesChange{MissionID: "m-1", ProfileID: "p1", StartDate: "2027-05-01", EndDate: "2028-02-29", OccurredAt: at}
		repo.probe(t, func(ctx context.Context, tx app.Tx) error { return tx.RecordDatesChange(ctx, first) })
		got, ok := read("m-1")
		want := first
		want.OccurredAt = at.UTC()
		if !ok || got != want {
			t.Fatalf("read %+v, %v\nwant %+v", got, ok, want)
		}
		second := app.DatesChange{MissionID: "m-1", ProfileID: "p1", StartDate: "2027-05-01", EndDate: "2027-07-15", OccurredAt: at.Add(time.Hour).UTC()}
		repo.probe(t, func(ctx context.Context, tx app.Tx) error { return tx.RecordDatesChange(ctx, second) })
		if got, ok := read("m-1"); !ok || got != second {
			t.Fatalf("read %+v, %v\nwant %+v", got, ok, second)
		}
		if _, ok := read("m-2"); ok {
			t.Fatal("another mission has a change")
		}
	})
}

// Changes of dates, acceptances of other missions and cancellations of one profile's missions
// handled at the same moment: each mission lock then the profile lock, as BookConsultant. Every
// new booking is kept, every surviving one has its new window, no cancelled one stays, and the
// outbox holds exactly the events the outcomes report.
func TestDatesChangesRacingBookingsAndCancellations(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *sql.DB) {
		ctx := context.Background()
		repo := repo{store.New(db, nil)}
		application := newApp(repo)
		repo.mustCreate(t, unbooked("p1", "cons-1"))
		const missions = 8
		for i := range missions {
			if _, err := application.BookConsultant(ctx, delivery(fmt.Sprint("accepted-m", i)), app.Staffing{
				MissionID: fmt.Sprint("m-", i), ProfileID: "p1", StartDate: "2027-05-01", EndDate: "2027-10-31", FirmID: "firm-1",
			}); err != nil {
				t.Fatal(err)
			}
		}
		before := len(outboxRows(t, db))

		// For each mission i: its dates change; another mission n-i is accepted; odd missions
		// are cancelled too.
		at := time.Now()
		outcomes := make([]app.EventOutcome, 3*missions)
		errs := concurrently(3*missions, func(k int) error {
			i := k / 3
			var err error
			switch k % 3 {
			case 0:
				outcomes[k], err = application.ChangeStaffingDates(ctx, delivery(fmt.Sprint("dates-m", i)), app.DatesChange{
					MissionID: fmt.Sprint("m-", i), ProfileID: "p1", StartDate: "2027-05-01", EndDate: "2028-01-31", OccurredAt: at,
				})
			case 1:
				outcomes[k], err = application.BookConsultant(ctx, delivery(fmt.Sprint("accepted-n", i)), app.Staffing{
					MissionID: fmt.Sprint("n-", i), ProfileID: "p1", StartDate: "2028-03-01", EndDate: "2028-06-30", FirmID: "firm-2",
				})
			case 2:
				if i%2 == 1 {
					outcomes[k], err = application.ReleaseConsultant(ctx, delivery(fmt.Sprint("cancelled-m", i)), fmt.Sprint("m-", i))
				}
			}
			return err
		})
		events := 0
		for k, err := range errs {
			if err != nil {
				t.Errorf("handler %d: %v", k, err)
			}
			switch outcomes[k].Result {
			case app.ResultBookingMoved:
				events++
			case app.ResultBooked, app.ResultReleased:
				events += 2
			}
		}
		stored := repo.mustGet(t, "p1")
		got := map[string]domain.Booking{}
		for _, b := range stored.Bookings {
			got[b.MissionID] = b
		}
		for i := range missions {
			m, n := fmt.Sprint("m-", i), fmt.Sprint("n-", i)
			if b, ok := got[m]; i%2 == 1 && ok {
				t.Errorf("%s cancelled but booked %+v", m, b)
			} else if i%2 == 0 && (!ok || b.End.Format(time.DateOnly) != "2028-01-31" || b.FirmID != "firm-1") {
				t.Errorf("%s: %+v, %v", m, b, ok)
			}
			if b, ok := got[n]; !ok || b.FirmID != "firm-2" {
				t.Errorf("%s: %+v, %v", n, b, ok)
			}
			if r := outcomes[3*i+2].Result; i%2 == 1 && r != app.ResultReleased {
				t.Errorf("cancellation of %s: %q", m, r)
			}
			if r := outcomes[3*i].Result; i%2 == 0 && r != app.ResultBookingMoved ||
				i%2 == 1 && r != app.ResultBookingMoved && r != app.ResultMissionCancelled {
				t.Errorf("dates of %s: %q", m, r)
			}
		}
		if len(stored.Bookings) != missions+missions/2 {
			t.Errorf("%d bookings: %+v", len(stored.Bookings), stored.Bookings)
		}
		if n := len(outboxRows(t, db)) - before; n != events {
			t.Errorf("outbox gained %d rows, outcomes report %d", n, events)
		}
		if n := claimsOf(t, db); n != missions+3*missions-missions/2 {
			t.Errorf("%d claims", n)
		}
	})
}
