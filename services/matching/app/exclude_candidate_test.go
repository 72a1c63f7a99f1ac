package app_test

import (
	"slices"
	"testing"

	"github.com/caiomatch/caiomatch/services/matching/app"
	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// TestDeclineProposesAFreshShortlistWithoutTheDecliner: a declined (or expired) offer keeps the
// consultant off that mission for good, through later profile events and restarts, and only
// that mission.
func TestDeclineProposesAFreshShortlistWithoutTheDecliner(t *testing.T) {
	onEachBackend(t, config(2, 0), func(t *testing.T, h *harness) {
		best, second, third := pid(1), pid(2), pid(3)
		h.putProfile(t, profile(best, 5))
		h.putProfile(t, profile(second, 4))
		h.putProfile(t, profile(third, 3))
		h.submit(t, mission("m1", "firm-1"))
		h.submit(t, mission("m2", "firm-2"))
		assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 1, best, second)

		if err := h.app.ExcludeCandidate(t.Context(), h.next(), "m1", best, app.ExclusionDeclined); err != nil {
			t.Fatal(err)
		}
		assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 2, second, third)
		assertShortlist(t, h.shortlist(t, "m2"), domain.ShortlistReady, 1, best, second)

		// A later update of the decliner does not bring them back to m1.
		h.putProfile(t, profile(best, 5))
		if ids := candidateIDs(h.shortlist(t, "m1")); slices.Contains(ids, best) {
			t.Fatalf("decliner back on m1 after a profile update: %v", ids)
		}
		e, err := h.app.ExplainCandidate(t.Context(), operator, "m1", best)
		if err != nil || !e.Evaluation.Eligible || e.Shortlisted || e.ExposureCapped || !e.Excluded {
			t.Fatalf("explanation of the decliner = %+v, %v; want eligible, not shortlisted, excluded", e, err)
		}

		// After a restart the exclusion still holds.
		h.restart(t, profile(best, 5), profile(second, 4), profile(third, 3))
		h.putProfile(t, profile(third, 3))
		if ids := candidateIDs(h.shortlist(t, "m1")); slices.Contains(ids, best) {
			t.Fatalf("decliner back on m1 after a restart: %v", ids)
		}

		// The same decline delivered again changes nothing.
		revision := h.shortlist(t, "m1").Shortlist.Revision
		if err := h.app.ExcludeCandidate(t.Context(), h.next(), "m1", best, app.ExclusionExpired); err != nil {
			t.Fatal(err)
		}
		if got := h.shortlist(t, "m1").Shortlist.Revision; got != revision {
			t.Fatalf("a repeated exclusion proposed revision %d after %d", got, revision)
		}
	})
}

func TestStaffedMissionIsClosed(t *testing.T) {
	onEachBackend(t, config(1, 1), func(t *testing.T, h *harness) {
		star := pid(1)
		h.putProfile(t, profile(star, 5))
		h.submit(t, mission("m1", "firm-1"))
		h.assertExposure(t, map[string]int{star: 1})
		if err := h.app.StaffMission(t.Context(), h.next(), "m1"); err != nil {
			t.Fatal(err)
		}
		h.assertExposure(t, map[string]int{star: 0})
		revision := h.shortlist(t, "m1").Shortlist.Revision
		h.putProfile(t, profile(star, 4)) // would change m1's score if it were still open
		if got := h.shortlist(t, "m1").Shortlist.Revision; got != revision {
			t.Fatalf("a staffed mission was re-ranked: revision %d after %d", got, revision)
		}
	})
}
