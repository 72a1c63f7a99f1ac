package app_test

import (
	"testing"

	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// A shortlist an older scoring version proposed is re-ranked once under the current version,
// whichever replica or restart asks, and a current one is left alone.
func TestRescoreOutdatedShortlistsOnce(t *testing.T) {
	h := newHarness(t, config(2, 0))
	p := profile(pid(1), 5)
	h.putProfile(t, p)
	h.submit(t, mission("m-old", "firm-1"))
	h.submit(t, mission("m-current", "firm-2"))
	if _, err := h.db.ExecContext(t.Context(),
		`UPDATE shortlists SET scoring_version = 'caio-2026-11' WHERE mission_id = 'm-old'`); err != nil {
		t.Fatal(err)
	}
	h.restart(t, p)

	for range 2 {
		if err := h.app.RescoreOutdatedShortlists(t.Context()); err != nil {
			t.Fatal(err)
		}
		old := h.shortlist(t, "m-old")
		assertShortlist(t, old, domain.ShortlistReady, 2, pid(1))
		if old.Shortlist.ScoringVersion != domain.ScoringVersion {
			t.Fatalf("re-ranked shortlist scored with %q, want %q", old.Shortlist.ScoringVersion, domain.ScoringVersion)
		}
		assertShortlist(t, h.shortlist(t, "m-current"), domain.ShortlistReady, 1, pid(1))
		h.restart(t, p)
	}
}
