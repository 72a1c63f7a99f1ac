package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/services/profile/adapters/store"
	"github.com/caiomatch/caiomatch/services/profile/app"
	"github.com/caiomatch/caiomatch/services/profile/domain"
)

// concurrently runs fn(0) … fn(n-1) at once and returns their errors.
func concurrently(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// Writers of one profile at the same moment each add their own platform booking, half through
// an accepted offer's handler (Once, Tx.Get, Tx.Save), half through Update: every booking is
// kept. On PostgreSQL, at READ COMMITTED, a read-modify-write that did not lock the row before
// reading it would let concurrent writers read the same state and overwrite each other.
func TestConcurrentBookingsOfOneProfileAreAllKept(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *sql.DB) {
		ctx := context.Background()
		var commits atomic.Int64
		repo := repo{store.New(db, func() { commits.Add(1) })}
		application := newApp(repo)
		repo.mustCreate(t, unbooked("p1", "cons-1"))

		const writers = 16
		missionOf := func(i int) string { return fmt.Sprintf("m-%02d", i) }
		outcomes := make([]app.EventOutcome, writers)
		errs := concurrently(writers, func(i int) error {
			mission := missionOf(i)
			if i%2 == 0 {
				var err error
				outcomes[i], err = application.BookConsultant(ctx, delivery("ev-"+mission),
					app.Staffing{MissionID: mission, ProfileID: "p1", StartDate: "2027-05-01", EndDate: "2027-10-31"})
				return err
			}
			b, err := domain.NewPlatformBooking(mission, "2027-05-01", "2027-10-31")
			if err != nil {
				return err
			}
			_, err = repo.Update(ctx, "p1", func(p *domain.Profile) (domain.Event, error) {
				if !p.Book(b, time.Now()) {
					return nil, fmt.Errorf("profile already booked for %s", mission)
				}
				return domain.ProfileUpdated{Profile: *p}, nil
			})
			return err
		})
		for i, err := range errs {
			if err != nil {
				t.Errorf("writer %d: %v", i, err)
			}
			if i%2 == 0 && outcomes[i].Result != app.ResultBooked {
				t.Errorf("writer %d: outcome %+v, want booked", i, outcomes[i])
			}
		}

		stored := repo.mustGet(t, "p1")
		var got []string
		for _, b := range stored.Bookings {
			got = append(got, b.MissionID)
		}
		slices.Sort(got)
		var want []string
		for i := range writers {
			want = append(want, missionOf(i))
		}
		if !slices.Equal(got, want) {
			t.Fatalf("stored bookings for %v\nwant every writer's %v", got, want)
		}
		// The index of booked profiles saw every write too.
		for _, m := range want {
			if ids := bookedFor(t, repo, m); fmt.Sprint(ids) != "[p1]" {
				t.Errorf("booked for %s: %v", m, ids)
			}
		}
		// One registration, two events per accepted offer, one per update.
		if n, want := len(outboxRows(t, db)), 1+writers/2*2+writers/2; n != want {
			t.Errorf("outbox holds %d rows, want %d", n, want)
		}
		// The creation, each writer, and the probes of bookedFor (each claims a delivery but
		// saves nothing, so reports no commit).
		if n := commits.Load(); n != 1+writers {
			t.Errorf("committed called %d times, want %d", n, 1+writers)
		}
	})
}

// An acceptance and a cancellation of one mission handled at the same moment: whichever runs
// first, the consultant does not end up booked for the cancelled mission. On PostgreSQL, at
// READ COMMITTED, each could otherwise miss the other's uncommitted write: the acceptance
// would not see the cancellation, the cancellation would not see the booking.
func TestAcceptanceRacingCancellationLeavesNoBooking(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *sql.DB) {
		ctx := context.Background()
		repo := repo{store.New(db, nil)}
		application := newApp(repo)
		const missions = 12
		for i := range missions {
			repo.mustCreate(t, unbooked(fmt.Sprintf("p%02d", i), fmt.Sprintf("cons-%02d", i)))
		}
		// Mission i staffs profile i; its acceptance and its cancellation arrive together.
		errs := concurrently(2*missions, func(i int) error {
			mission, profile := fmt.Sprintf("m-%02d", i/2), fmt.Sprintf("p%02d", i/2)
			if i%2 == 0 {
				_, err := application.BookConsultant(ctx, delivery("accepted-"+mission),
					app.Staffing{MissionID: mission, ProfileID: profile, StartDate: "2027-05-01", EndDate: "2027-10-31"})
				return err
			}
			_, err := application.ReleaseConsultant(ctx, delivery("cancelled-"+mission), mission)
			return err
		})
		for i, err := range errs {
			if err != nil {
				t.Errorf("handler %d: %v", i, err)
			}
		}
		for i := range missions {
			p := repo.mustGet(t, fmt.Sprintf("p%02d", i))
			if len(p.Bookings) != 0 {
				t.Errorf("%s stays booked %v for a cancelled mission", p.ID, p.Bookings)
			}
			if ids := bookedFor(t, repo, fmt.Sprintf("m-%02d", i)); len(ids) != 0 {
				t.Errorf("index: booked for m-%02d: %v", i, ids)
			}
		}
	})
}
