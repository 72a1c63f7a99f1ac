package app_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// race runs every attempt at once, behind a gate, and returns their errors by name.
func race(attempts map[string][]func() error) map[string][]error {
	var mu sync.Mutex
	out := map[string][]error{}
	gate := make(chan struct{})
	var wg sync.WaitGroup
	for name, fns := range attempts {
		for _, fn := range fns {
			wg.Go(func() {
				<-gate
				err := fn()
				mu.Lock()
				out[name] = append(out[name], err)
				mu.Unlock()
			})
		}
	}
	close(gate)
	wg.Wait()
	return out
}

// tally counts successes and refusal reasons; any other error fails the test.
func tally(t *testing.T, errs []error) (wins int, reasons map[string]int) {
	t.Helper()
	reasons = map[string]int{}
	for _, err := range errs {
		if err == nil {
			wins++
			continue
		}
		fe, ok := fault.As(err)
		if !ok || fe.Kind != fault.KindFailedPrecondition {
			t.Fatalf("refused otherwise than FAILED_PRECONDITION: %v", err)
		}
		reasons[fe.Reason]++
	}
	return wins, reasons
}

func repeat(n int, fn func() error) []func() error {
	out := make([]func() error, n)
	for i := range out {
		out[i] = fn
	}
	return out
}

func (f *testbed) countPublished(t *testing.T, prefix string) int {
	t.Helper()
	n := 0
	for _, e := range f.published(t) {
		if strings.HasPrefix(e, prefix) {
			n++
		}
	}
	return n
}

const attempts = 20

// The firm accepts a counter while the consultant accepts another offer whose window overlaps:
// exactly one books them, however the attempts interleave.
func TestConcurrentCounterAcceptanceAndAcceptanceBookOnce(t *testing.T) {
	onEachBackend(t, func(t *testing.T, f *testbed) {
		ctx := context.Background()
		m1 := f.shortlisted(t, acme, "2027-04-01", "p1")  // to 2027-09-30
		m2 := f.shortlisted(t, firm2, "2027-06-15", "p1") // to 2027-12-14
		o1 := f.offer(t, acme, m1.ID, "p1")
		o2 := f.offer(t, firm2, m2.ID, "p1")
		if _, err := f.app.CounterOffer(ctx, consultant, o1.ID, 1150, ""); err != nil {
			t.Fatal(err)
		}
		got := race(map[string][]func() error{
			"counter": repeat(attempts, func() error { _, err := f.app.AcceptCounter(ctx, acme, o1.ID); return err }),
			"accept":  repeat(attempts, func() error { _, err := f.app.AcceptOffer(ctx, consultant, o2.ID); return err }),
		})
		cw, cr := tally(t, got["counter"])
		aw, ar := tally(t, got["accept"])
		if cw+aw != 1 {
			t.Fatalf("%d counter acceptances and %d acceptances succeeded, want one in all", cw, aw)
		}
		winnerReasons, loserReasons := cr, ar
		winner, loser := o1, o2
		if aw == 1 {
			winnerReasons, loserReasons = ar, cr
			winner, loser = o2, o1
		}
		if len(winnerReasons) != 1 || winnerReasons[domain.ReasonOfferNotPending] != attempts-1 {
			t.Fatalf("refusals of the winning offer: %v", winnerReasons)
		}
		if len(loserReasons) != 1 || loserReasons[domain.ReasonConsultantAlreadyBooked] != attempts {
			t.Fatalf("refusals of the other offer: %v", loserReasons)
		}
		if f.offerStatus(t, winner.ID) != "ACCEPTED" || f.offerStatus(t, loser.ID) == "ACCEPTED" {
			t.Fatal("stored offers disagree with the outcome")
		}
		if n := f.count(t, `SELECT COUNT(*) FROM missions WHERE status = 'STAFFED'`); n != 1 {
			t.Fatalf("%d staffed missions", n)
		}
		if n := f.countPublished(t, "OfferAccepted"); n != 1 {
			t.Fatalf("%d OfferAccepted events", n)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM decisions WHERE kind IN ('OFFER_ACCEPTED', 'COUNTER_ACCEPTED')`); n != 1 {
			t.Fatalf("%d acceptances in the trail", n)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM decisions WHERE kind = 'MISSION_STAFFED'`); n != 1 {
			t.Fatalf("%d MISSION_STAFFED in the trail", n)
		}
	})
}

// The consultant accepts an extension while accepting another mission over the same new days:
// exactly one of the two stands.
func TestConcurrentExtensionAndAcceptanceBookOnce(t *testing.T) {
	onEachBackend(t, func(t *testing.T, f *testbed) {
		ctx := context.Background()
		m1, o1 := f.staffed(t, acme, "2027-04-01", "p1", consultant) // to 2027-09-30
		m2 := f.shortlisted(t, firm2, "2027-11-01", "p1")            // to 2028-04-30
		o2 := f.offer(t, firm2, m2.ID, "p1")
		e, err := f.app.RequestExtension(ctx, acme, m1.ID, "2027-12-31", "")
		if err != nil {
			t.Fatal(err)
		}
		got := race(map[string][]func() error{
			"extension": repeat(attempts, func() error { _, err := f.app.AcceptExtension(ctx, consultant, e.ID); return err }),
			"accept":    repeat(attempts, func() error { _, err := f.app.AcceptOffer(ctx, consultant, o2.ID); return err }),
		})
		ew, er := tally(t, got["extension"])
		aw, ar := tally(t, got["accept"])
		if ew+aw != 1 {
			t.Fatalf("%d extensions and %d acceptances succeeded, want one in all", ew, aw)
		}
		if ew == 1 {
			if len(er) != 1 || er[domain.ReasonExtensionNotPending] != attempts-1 || len(ar) != 1 || ar[domain.ReasonConsultantAlreadyBooked] != attempts {
				t.Fatalf("refusals: extension %v, acceptance %v", er, ar)
			}
			if f.bookingEnd(t, o1.ID) != "2027-12-31" || f.offerStatus(t, o2.ID) != "PENDING" {
				t.Fatal("the store disagrees with the extension winning")
			}
		} else {
			if len(ar) != 1 || ar[domain.ReasonOfferNotPending] != attempts-1 || len(er) != 1 || er[domain.ReasonConsultantAlreadyBooked] != attempts {
				t.Fatalf("refusals: extension %v, acceptance %v", er, ar)
			}
			if f.bookingEnd(t, o1.ID) != "2027-09-30" || f.offerStatus(t, o2.ID) != "ACCEPTED" {
				t.Fatal("the store disagrees with the acceptance winning")
			}
		}
		if n := f.countPublished(t, "StaffingDatesChanged"); n != ew {
			t.Fatalf("%d StaffingDatesChanged events", n)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM decisions WHERE kind = 'EXTENSION_ACCEPTED'`); n != ew {
			t.Fatalf("%d EXTENSION_ACCEPTED in the trail", n)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM offers WHERE status = 'ACCEPTED'`); n != 1+aw {
			t.Fatalf("%d accepted offers", n)
		}
	})
}

// The firm withdraws an offer while the consultant accepts it (or, countered, while the firm
// itself accepts the counter): one of the two, never both.
func TestConcurrentWithdrawalAndAcceptanceDecideOnce(t *testing.T) {
	for _, countered := range []bool{false, true} {
		name := "pending"
		if countered {
			name = "countered"
		}
		t.Run(name, func(t *testing.T) { withdrawalRace(t, countered) })
	}
}

func withdrawalRace(t *testing.T, countered bool) {
	onEachBackend(t, func(t *testing.T, f *testbed) {
		ctx := context.Background()
		m, o := f.offered(t, acme, "2027-04-01", "p1")
		accept := func() error { _, err := f.app.AcceptOffer(ctx, consultant, o.ID); return err }
		if countered {
			if _, err := f.app.CounterOffer(ctx, consultant, o.ID, 1150, ""); err != nil {
				t.Fatal(err)
			}
			accept = func() error { _, err := f.app.AcceptCounter(ctx, acme, o.ID); return err }
		}
		got := race(map[string][]func() error{
			"withdraw": repeat(attempts, func() error { _, err := f.app.WithdrawOffer(ctx, acme, o.ID); return err }),
			"accept":   repeat(attempts, accept),
		})
		ww, wr := tally(t, got["withdraw"])
		aw, ar := tally(t, got["accept"])
		if ww+aw != 1 {
			t.Fatalf("%d withdrawals and %d acceptances succeeded, want one in all", ww, aw)
		}
		for _, r := range []map[string]int{wr, ar} {
			for reason := range r {
				if reason != domain.ReasonOfferNotPending {
					t.Fatalf("refusals: withdraw %v, accept %v", wr, ar)
				}
			}
		}
		status, mission := "ACCEPTED", domain.StatusStaffed
		if ww == 1 {
			status, mission = "WITHDRAWN", domain.StatusShortlisted
		}
		if f.offerStatus(t, o.ID) != status || f.mission(t, m.ID).Status != mission {
			t.Fatalf("offer %s, mission %s", f.offerStatus(t, o.ID), f.mission(t, m.ID).Status)
		}
		if n := f.countPublished(t, "OfferWithdrawn") + f.countPublished(t, "OfferAccepted"); n != 1 {
			t.Fatalf("%d decision events", n)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM decisions WHERE kind IN ('OFFER_WITHDRAWN', 'OFFER_ACCEPTED', 'COUNTER_ACCEPTED')`); n != 1 {
			t.Fatalf("%d decisions in the trail", n)
		}
	})
}
