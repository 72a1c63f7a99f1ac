package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/caiomatch/caiomatch/pkg/fault"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	"github.com/caiomatch/caiomatch/services/profile/app"
	"github.com/caiomatch/caiomatch/services/profile/domain"
)

func claimsOf(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM processed_events`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// bookedFor asks a handler transaction of its own which profiles missionID booked.
func bookedFor(t *testing.T, repo repo, missionID string) []string {
	t.Helper()
	var ids []string
	repo.probe(t, func(ctx context.Context, tx app.Tx) error {
		var err error
		ids, err = tx.BookedFor(ctx, missionID)
		return err
	})
	return ids
}

// A platform booking survives the round trip through the store with its mission id, and
// the index of booked profiles follows every write: create, save, replace and erase.
func TestPlatformBookingsRoundTripAndIndex(t *testing.T) {
	eachRepo(t, func(t *testing.T, db *sql.DB, repo repo, commits *int) {
		ctx := context.Background()
		p := newProfile("p1", "cons-1") // declared booking, then a platform booking for m-7
		repo.mustCreate(t, p)
		if got := bookedFor(t, repo, "m-7"); fmt.Sprint(got) != "[p1]" {
			t.Fatalf("booked for m-7: %v", got)
		}
		repo.mustCreate(t, unbooked("p2", "cons-2"))

		// Book p2 for m-7 and m-8 inside one handler transaction.
		d := delivery("ev-1")
		var booked domain.Profile
		claimed, err := repo.Once(ctx, d, func(ctx context.Context, tx app.Tx) error {
			got, err := tx.Get(ctx, "p2")
			if err != nil {
				return err
			}
			for _, m := range []string{"m-7", "m-8"} {
				b, err := domain.NewPlatformBooking(m, "2027-05-01", "2027-10-31")
				if err != nil {
					return err
				}
				got.Book(b, t0.Add(time.Hour))
			}
			booked = got
			if err := tx.Save(ctx, got); err != nil {
				return err
			}
			return tx.Publish(ctx, domain.ConsultantBooked{ProfileID: "p2", Booking: got.Bookings[0]}, domain.ProfileUpdated{Profile: got})
		})
		if err != nil || !claimed {
			t.Fatalf("Once = %v, %v", claimed, err)
		}
		if stored, err := repo.Get(ctx, "p2"); err != nil || fmt.Sprintf("%+v", stored) != fmt.Sprintf("%+v", booked) {
			t.Fatalf("stored %+v (%v)\nwant %+v", stored, err, booked)
		}
		if got := bookedFor(t, repo, "m-7"); fmt.Sprint(got) != "[p1 p2]" {
			t.Fatalf("booked for m-7: %v", got)
		}
		rows := outboxRows(t, db)
		if len(rows) != 4 || rows[2].Envelope.GetType() != "ConsultantBooked" || rows[3].Envelope.GetType() != "ProfileUpdated" {
			t.Fatalf("outbox %d rows", len(rows))
		}
		if !proto.Equal(rows[2].Payload, &profilev1.ConsultantBooked{ProfileId: "p2", MissionId: "m-7", StartDate: "2027-05-01", EndDate: "2027-10-31"}) {
			t.Fatalf("booked event %v", rows[2].Payload)
		}
		wantFacts(t, rows[3].Payload.(*profilev1.ProfileUpdated).GetFacts(), booked)
		if *commits != 3 {
			t.Errorf("committed called %d times, want 3", *commits)
		}

		// Update keeps the index in step too: a replacement that drops m-8 unindexes it.
		if _, err := repo.Update(ctx, "p2", func(p *domain.Profile) (domain.Event, error) {
			p.Bookings = p.Bookings[:1]
			return domain.ProfileUpdated{Profile: *p}, nil
		}); err != nil {
			t.Fatal(err)
		}
		if got := bookedFor(t, repo, "m-8"); len(got) != 0 {
			t.Fatalf("booked for m-8: %v", got)
		}

		// Erasing a profile drops it from the index.
		if err := repo.Delete(ctx, "p1", domain.ProfileErased{ProfileID: "p1"}); err != nil {
			t.Fatal(err)
		}
		if got := bookedFor(t, repo, "m-7"); fmt.Sprint(got) != "[p2]" {
			t.Fatalf("booked for m-7 after erasure: %v", got)
		}
	})
}

func TestOnceClaimsTogetherWithTheEffect(t *testing.T) {
	eachRepo(t, func(t *testing.T, db *sql.DB, repo repo, commits *int) {
		ctx := context.Background()
		repo.mustCreate(t, newProfile("p1", "cons-1"))
		d := delivery("ev-1")

		// A handler's changes, events and claim commit together.
		claimed, err := repo.Once(ctx, d, func(ctx context.Context, tx app.Tx) error {
			got, _ := tx.Get(ctx, "p1")
			got.DailyRateEUR = 1
			if err := saveUpdated(ctx, tx, got); err != nil {
				return err
			}
			return tx.RecordCancelledMission(ctx, "m-1")
		})
		if err != nil || !claimed {
			t.Fatalf("first run: %v, %v", claimed, err)
		}
		// A handler that fails rolls back its changes, its events and its claim: the redelivery
		// runs again.
		boom := errors.New("boom")
		failing := delivery("ev-2")
		_, err = repo.Once(ctx, failing, func(ctx context.Context, tx app.Tx) error {
			got, _ := tx.Get(ctx, "p1")
			got.DailyRateEUR = 2
			if err := saveUpdated(ctx, tx, got); err != nil {
				return err
			}
			if err := tx.RecordCancelledMission(ctx, "m-2"); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("failing run: %v", err)
		}
		if got, _ := repo.Get(ctx, "p1"); got.DailyRateEUR != 1 {
			t.Fatalf("daily rate %d after a failed handler", got.DailyRateEUR)
		}
		if n := len(outboxRows(t, db)); n != 2 {
			t.Fatalf("outbox %d rows, want 2", n)
		}
		if n := claimsOf(t, db); n != 1 {
			t.Fatalf("%d claims, want 1", n)
		}
		if *commits != 2 {
			t.Errorf("committed called %d times, want 2", *commits)
		}

		// An event already processed runs nothing.
		ran := false
		claimed, err = repo.Once(ctx, d, func(context.Context, app.Tx) error { ran = true; return nil })
		if err != nil || claimed || ran {
			t.Fatalf("redelivery: claimed %v, ran %v, %v", claimed, ran, err)
		}
		// The failed one is claimed on its redelivery; a handler that saves nothing wakes no relay.
		var cancelled [3]bool
		claimed, err = repo.Once(ctx, failing, func(ctx context.Context, tx app.Tx) error {
			for i, m := range []string{"m-1", "m-2", "m-3"} {
				var err error
				if cancelled[i], err = tx.MissionCancelled(ctx, m); err != nil {
					return err
				}
			}
			// Recording again is harmless.
			return tx.RecordCancelledMission(ctx, "m-1")
		})
		if err != nil || !claimed {
			t.Fatalf("redelivery of the failed event: %v, %v", claimed, err)
		}
		if cancelled != [3]bool{true, false, false} {
			t.Fatalf("cancelled %v", cancelled)
		}
		if *commits != 2 {
			t.Errorf("committed called %d times, want 2", *commits)
		}

		// Get inside a handler reports a missing profile as not found; saving one fails.
		_, err = repo.Once(ctx, delivery("ev-3"), func(ctx context.Context, tx app.Tx) error {
			if _, err := tx.Get(ctx, "absent"); fault.KindOf(err) != fault.KindNotFound {
				t.Errorf("Get(absent) = %v", err)
			}
			ghost := newProfile("absent", "cons-9")
			return saveUpdated(ctx, tx, ghost)
		})
		wantFault(t, err, fault.KindNotFound, app.ReasonProfileNotFound)
		if n := len(outboxRows(t, db)); n != 2 {
			t.Fatalf("outbox %d rows, want 2", n)
		}
	})
}
