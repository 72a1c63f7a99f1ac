package app_test

import (
	"errors"
	"testing"

	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// A use case changes its in-memory state (the open-mission cache and the exposure counts) as it
// ranks, before its transaction commits. These tests make the store fail and check that the
// state is as if the event never happened: its redelivery then applies in full. Were the cache
// left changed, the redelivery would compare with shortlists that were never stored, propose
// nothing, and leave the store behind.

func TestFailedProfileEventUndoesEveryReRanking(t *testing.T) {
	onEachBackend(t, config(1, 2), func(t *testing.T, h *harness) {
		a, b := pid(1), pid(2)
		h.putProfile(t, profile(a, 3))
		h.submit(t, mission("m1", "firm-1"))
		h.submit(t, mission("m2", "firm-2"))
		h.assertExposure(t, map[string]int{a: 2})

		// b beats a on both missions; m1 is re-ranked, then storing m2's shortlist fails.
		h.store.failShortlist = 2
		d := h.next()
		if err := h.app.PutProfile(t.Context(), d, profile(b, 5), h.asOf()); !errors.Is(err, errInjected) {
			t.Fatalf("PutProfile error = %v, want the injected failure", err)
		}
		h.assertExposure(t, map[string]int{a: 2, b: 0})
		assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 1, a)
		assertShortlist(t, h.shortlist(t, "m2"), domain.ShortlistReady, 1, a)
		// The index keeps b's facts: it is memory rebuilt from the stream, and the redelivery puts
		// the same facts again.
		if _, ok := h.index.Profile(b); !ok {
			t.Fatal("b not in the index after the failed event")
		}

		if err := h.app.PutProfile(t.Context(), d, profile(b, 5), h.asOf()); err != nil {
			t.Fatalf("redelivery: %v", err)
		}
		assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 2, b)
		assertShortlist(t, h.shortlist(t, "m2"), domain.ShortlistReady, 2, b)
		h.assertExposure(t, map[string]int{a: 0, b: 2})
	})
}

func TestFailedSubmissionLeavesNoMissionCached(t *testing.T) {
	onEachBackend(t, config(0, 0), func(t *testing.T, h *harness) {
		a, b := pid(1), pid(2)
		h.putProfile(t, profile(a, 3))
		h.store.failCommit = true
		d := h.next()
		if err := h.app.SubmitMission(t.Context(), d, mission("m1", "firm-1")); !errors.Is(err, errInjected) {
			t.Fatalf("SubmitMission error = %v, want the injected failure", err)
		}
		h.assertExposure(t, map[string]int{a: 0})
		// Were m1 cached, this event would re-rank it and fail to store a shortlist for a mission
		// the store does not have.
		h.putProfile(t, profile(b, 5))
		h.assertExposure(t, map[string]int{a: 0, b: 0})
		h.missions.firms["m1"] = "firm-1"
		if v := h.shortlist(t, "m1"); v.Status != domain.ShortlistPending {
			t.Fatalf("after a failed submission: %+v, want PENDING", v)
		}

		if err := h.app.SubmitMission(t.Context(), d, mission("m1", "firm-1")); err != nil {
			t.Fatalf("redelivery: %v", err)
		}
		assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 1, b, a)
		h.assertExposure(t, map[string]int{a: 1, b: 1})
	})
}

func TestFailedErasureKeepsShortlistsAndExposure(t *testing.T) {
	onEachBackend(t, config(1, 0), func(t *testing.T, h *harness) {
		a, b := pid(1), pid(2)
		h.putProfile(t, profile(a, 5))
		h.putProfile(t, profile(b, 3))
		h.submit(t, mission("m1", "firm-1"))
		assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 1, a)

		h.store.failCommit = true
		d := h.next()
		if err := h.app.EraseProfile(t.Context(), d, a); !errors.Is(err, errInjected) {
			t.Fatalf("EraseProfile error = %v, want the injected failure", err)
		}
		h.assertExposure(t, map[string]int{b: 0})
		assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 1, a)

		if err := h.app.EraseProfile(t.Context(), d, a); err != nil {
			t.Fatalf("redelivery: %v", err)
		}
		assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 2, b)
		h.assertExposure(t, map[string]int{a: 0, b: 1})
		if h.visible(t, a, "firm-1") {
			t.Fatal("erased profile still visible")
		}
	})
}

func TestFailedCancellationKeepsTheMissionOpen(t *testing.T) {
	onEachBackend(t, config(1, 0), func(t *testing.T, h *harness) {
		a, b := pid(1), pid(2)
		h.putProfile(t, profile(a, 3))
		h.submit(t, mission("m1", "firm-1"))

		h.store.failCommit = true
		d := h.next()
		if err := h.app.CancelMission(t.Context(), d, "m1", "firm-1"); !errors.Is(err, errInjected) {
			t.Fatalf("CancelMission error = %v, want the injected failure", err)
		}
		h.assertExposure(t, map[string]int{a: 1})
		// Still open and cached: a better newcomer re-ranks it.
		h.putProfile(t, profile(b, 5))
		assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 2, b)

		if err := h.app.CancelMission(t.Context(), d, "m1", "firm-1"); err != nil {
			t.Fatalf("redelivery: %v", err)
		}
		h.assertExposure(t, map[string]int{a: 0, b: 0})
		if h.visible(t, b, "firm-1") {
			t.Fatal("candidate visible through the cancelled mission")
		}
	})
}

// TestFailedResubmissionKeepsTheCachedMission: a MissionSubmitted for a mission already open
// replaces its facts. When that event's transaction fails, the store keeps the old facts, so
// the cached mission must too; otherwise every later re-ranking uses facts that were never
// stored.
func TestFailedResubmissionKeepsTheCachedMission(t *testing.T) {
	onEachBackend(t, config(0, 0), func(t *testing.T, h *harness) {
		a := pid(1)
		h.putProfile(t, profile(a, 3))
		h.submit(t, mission("m1", "firm-1"))

		cheaper := mission("m1", "firm-1")
		cheaper.MaxDailyRateEUR = 100
		h.store.failCommit = true
		if err := h.app.SubmitMission(t.Context(), h.next(), cheaper); !errors.Is(err, errInjected) {
			t.Fatalf("SubmitMission error = %v, want the injected failure", err)
		}
		if m, _, err := h.store.Mission(t.Context(), "m1"); err != nil || m.MaxDailyRateEUR != 1500 {
			t.Fatalf("stored mission = %+v, %v; want the 1500 EUR budget kept", m, err)
		}
		// An update of the candidate re-ranks m1 from the cache: with the stored facts nothing
		// changes.
		updated := profile(a, 3)
		updated.YearsExperience = 16
		h.putProfile(t, updated)
		v := h.shortlist(t, "m1")
		if v.Status != domain.ShortlistReady || !v.Shortlist.Holds(a) {
			t.Fatalf("m1 re-ranked with the facts of a failed event: %+v, want %s still shortlisted", v, a)
		}
	})
}
