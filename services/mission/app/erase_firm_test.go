package app_test

import (
	"context"
	"testing"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/txn"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// TestErasingAFirmClosesWhatItHadNotStaffedAndForgetsWhatItWrote: the firm's open mission and
// its offered one are cancelled (the pending offer withdrawn), the staffed one runs on; the
// firm's name and contact, its offer message and feedback comment are gone, and its account id
// is a pseudonym in the trail. Another firm's mission is untouched; a redelivery does nothing.
func TestErasingAFirmClosesWhatItHadNotStaffedAndForgetsWhatItWrote(t *testing.T) {
	onEachBackend(t, func(t *testing.T, f *testbed) {
		ctx := context.Background()
		open := f.shortlisted(t, acme, "2027-04-01", "p3")
		offeredM, pending := f.offered(t, acme, "2027-04-01", "p2")
		staffedM := f.endedEarly(t)
		if _, err := f.app.GiveFeedback(ctx, acme, staffedM.ID, 2, "Comment-by-the-firm", false); err != nil {
			t.Fatal(err)
		}
		other := f.shortlisted(t, firm2, "2027-04-01", "p3")
		d := txn.Delivery{Consumer: eventbus.ConsumerMissionAccounts, EventID: "erase-firm-1"}

		out, err := f.app.EraseFirm(ctx, d, acme.AccountID)
		if err != nil || out.Duplicate || out.Cancelled != 2 {
			t.Fatalf("erasure %+v, %v", out, err)
		}
		for _, id := range []string{open.ID, offeredM.ID} {
			if got := f.mission(t, id); got.Status != domain.StatusCancelled {
				t.Errorf("mission %s is %s, want cancelled", id, got.Status)
			}
		}
		if f.offerStatus(t, pending.ID) != "WITHDRAWN" {
			t.Errorf("the pending offer is %s", f.offerStatus(t, pending.ID))
		}
		if got := f.mission(t, staffedM.ID); got.Status != domain.StatusEndedEarly || got.FirmName != "" || got.FirmEmail != "" {
			t.Errorf("the ended mission after erasure: %s %q %q", got.Status, got.FirmName, got.FirmEmail)
		}
		if got := f.mission(t, other.ID); got.Status != domain.StatusShortlisted {
			t.Errorf("another firm's mission is %s", got.Status)
		}
		pseudonym := domain.Pseudonym([]byte("test-key"), acme.AccountID)
		for what, n := range map[string]int{
			"decisions naming the firm": f.count(t, `SELECT COUNT(*) FROM decisions WHERE actor_account_id = $1`, acme.AccountID),
			"feedback comments":         f.count(t, `SELECT COUNT(*) FROM feedback WHERE comment <> '' OR author_account_id = $1`, acme.AccountID),
			"firm names and contacts":   f.count(t, `SELECT COUNT(*) FROM missions WHERE firm_id = $1 AND (firm_name <> '' OR firm_email <> '')`, acme.AccountID),
			"offer messages":            f.count(t, `SELECT COUNT(*) FROM offers WHERE firm_id = $1 AND message <> ''`, acme.AccountID),
		} {
			if n != 0 {
				t.Errorf("%d %s left", n, what)
			}
		}
		if n := f.count(t, `SELECT COUNT(*) FROM decisions WHERE actor_account_id = $1`, pseudonym); n == 0 {
			t.Error("the firm's decisions lost their actor instead of naming the pseudonym")
		}
		again, err := f.app.EraseFirm(ctx, d, acme.AccountID)
		if err != nil || !again.Duplicate {
			t.Fatalf("redelivery %+v, %v", again, err)
		}
	})
}

// TestAConsultantsReasonGoesWhicheverErasureComesFirst: the account's erasure (AccountErased,
// on its own stream) may be applied before the profile's; the decline reason still goes.
func TestAConsultantsReasonGoesWhicheverErasureComesFirst(t *testing.T) {
	onEachBackend(t, func(t *testing.T, f *testbed) {
		ctx := context.Background()
		m := f.shortlisted(t, firm1, "2027-04-01", "p1", "p2")
		o := f.offer(t, firm1, m.ID, "p1")
		if _, err := f.app.DeclineOffer(ctx, consultant, o.ID, "Reason-written-by-the-consultant"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.app.EraseFirm(ctx, txn.Delivery{Consumer: eventbus.ConsumerMissionAccounts, EventID: "acc-1"}, consultant.AccountID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.app.EraseProfile(ctx, erasureEvent("prof-1"), "p1", consultant.AccountID); err != nil {
			t.Fatal(err)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM decisions WHERE reason LIKE '%Reason-written%'`); n != 0 {
			t.Errorf("the decline reason survives in %d decisions", n)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM decisions WHERE actor_account_id = $1`, consultant.AccountID); n != 0 {
			t.Errorf("%d decisions name the consultant's account", n)
		}
	})
}

// TestAShortlistArrivingAfterAnErasureNamesThePseudonym: a shortlist matching made before a
// candidate's erasure, taken in after it, holds the candidate under the pseudonym, without the
// explanation, in the mission and its trail.
func TestAShortlistArrivingAfterAnErasureNamesThePseudonym(t *testing.T) {
	onEachBackend(t, func(t *testing.T, f *testbed) {
		ctx := context.Background()
		m := f.shortlisted(t, firm1, "2027-04-01", "p2")
		if _, err := f.app.EraseProfile(ctx, erasureEvent("prof-erased"), "p1", "cons-1"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.app.ApplyShortlist(ctx, shortlistEvent("late-1"), shortlist(m.ID, 2, "p1", "p2")); err != nil {
			t.Fatal(err)
		}
		pseudonym := domain.Pseudonym([]byte("test-key"), "p1")
		got := f.mission(t, m.ID)
		if len(got.Candidates) != 2 || got.Candidates[0] != pseudonym || got.Candidates[1] != "p2" {
			t.Fatalf("candidates %v", got.Candidates)
		}
		ds, err := f.app.ListDecisions(ctx, operator, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		last := ds[len(ds)-1].Proposal.Candidates
		if last[0].ProfileID != pseudonym || last[0].Explanation != nil || last[1].Explanation == nil {
			t.Fatalf("the late proposal in the trail %+v", last)
		}
	})
}
