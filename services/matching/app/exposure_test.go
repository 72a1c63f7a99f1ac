package app_test

import (
	"testing"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// TestExposureCap: with a cap of 1, a strong consultant sits on one open shortlist at a time.
// Cancelling that mission frees them, but the cancellation itself re-ranks no other mission:
// a waiting mission gets them at the next event that re-ranks it.
func TestExposureCap(t *testing.T) {
	onEachBackend(t, config(1, 1), func(t *testing.T, h *harness) {
		star, second := pid(1), pid(2)
		h.putProfile(t, profile(star, 5))
		h.putProfile(t, profile(second, 2))

		h.submit(t, mission("m1", "firm-1"))
		assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 1, star)
		h.assertExposure(t, map[string]int{star: 1, second: 0})

		// m1 holds the star: m2 gets the second best, though both are eligible.
		h.submit(t, mission("m2", "firm-2"))
		v := h.shortlist(t, "m2")
		assertShortlist(t, v, domain.ShortlistReady, 1, second)
		if v.Shortlist.EligibleCount != 2 {
			t.Fatalf("m2 eligible count = %d, want 2 (a capped consultant still counts as eligible)", v.Shortlist.EligibleCount)
		}
		h.assertExposure(t, map[string]int{star: 1, second: 1})
		e, err := h.app.ExplainCandidate(t.Context(), operator, "m2", star)
		if err != nil {
			t.Fatal(err)
		}
		if !e.Evaluation.Eligible || e.Rank != 1 || e.EligibleCount != 2 || !e.ExposureCapped || e.Shortlisted {
			t.Fatalf("star on m2 = %+v, want eligible, first, capped, not shortlisted", e)
		}
		if e, err := h.app.ExplainCandidate(t.Context(), operator, "m1", star); err != nil || e.ExposureCapped || !e.Shortlisted {
			t.Fatalf("star on m1 = %+v, %v; want shortlisted and not capped (their own shortlist is exempt)", e, err)
		}

		// Everybody is capped: a third mission has no candidate, though two are eligible.
		h.submit(t, mission("m3", "firm-3"))
		v = h.shortlist(t, "m3")
		assertShortlist(t, v, domain.ShortlistNoMatch, 1)
		if v.Shortlist.EligibleCount != 2 {
			t.Fatalf("m3 eligible count = %d, want 2", v.Shortlist.EligibleCount)
		}

		// Cancelling m1 frees the star; no other mission is re-ranked by the cancellation.
		h.cancel(t, "m1", "firm-1")
		h.assertExposure(t, map[string]int{star: 0, second: 1})
		assertShortlist(t, h.shortlist(t, "m2"), domain.ShortlistReady, 1, second)
		assertShortlist(t, h.shortlist(t, "m3"), domain.ShortlistNoMatch, 1)
		if h.visible(t, star, "firm-2") {
			t.Fatal("star visible to firm-2 before m2 is re-ranked")
		}

		// The next event that re-ranks m2 (an update of its candidate) brings the star in; the
		// second best, freed, then enters m3 in the same event.
		updated := profile(second, 2)
		updated.DailyRateEUR = 1100
		h.putProfile(t, updated)
		assertShortlist(t, h.shortlist(t, "m2"), domain.ShortlistReady, 2, star)
		assertShortlist(t, h.shortlist(t, "m3"), domain.ShortlistReady, 2, second)
		h.assertExposure(t, map[string]int{star: 1, second: 1})
		if !h.visible(t, star, "firm-2") || !h.visible(t, second, "firm-3") {
			t.Fatal("want star visible to firm-2 and second to firm-3")
		}
	})
}

// TestLoadRecountsExposureAfterARestart: a new process rebuilds the index from the stream,
// then Load reads the open missions and recounts exposure from their current shortlists;
// closed missions count for nothing.
func TestLoadRecountsExposureAfterARestart(t *testing.T) {
	onEachBackend(t, config(1, 1), func(t *testing.T, h *harness) {
		star, second, belowMin := pid(1), pid(2), pid(3)
		// belowMin has ai-strategy at level 2 where the mission asks for 3.
		weakSkill := profile(belowMin, 5)
		weakSkill.Skills[0].Level = 2
		profiles := []domain.Profile{profile(star, 5), profile(second, 2), weakSkill}
		for _, p := range profiles {
			h.putProfile(t, p)
		}
		h.submit(t, mission("m0", "firm-1"))
		h.cancel(t, "m0", "firm-1")
		h.submit(t, mission("m1", "firm-1"))
		h.submit(t, mission("m2", "firm-2"))
		assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 1, star)
		assertShortlist(t, h.shortlist(t, "m2"), domain.ShortlistReady, 1, second)

		h.restart(t, profiles...)
		h.assertExposure(t, map[string]int{star: 1, second: 1, belowMin: 0})

		// Exposure is back: a new mission finds everybody capped.
		h.submit(t, mission("m3", "firm-3"))
		assertShortlist(t, h.shortlist(t, "m3"), domain.ShortlistNoMatch, 1)

		// The open missions are cached again, with their minimum levels: a better newcomer
		// re-ranks m1, where belowMin stays excluded.
		best := profile(pid(4), 5)
		best.DailyRateEUR = 1000
		h.putProfile(t, best)
		v := h.shortlist(t, "m1")
		assertShortlist(t, v, domain.ShortlistReady, 2, best.ID)
		if v.Shortlist.EligibleCount != 3 {
			t.Fatalf("m1 eligible count = %d, want 3 (the profile below the minimum level excluded)", v.Shortlist.EligibleCount)
		}
		h.assertExposure(t, map[string]int{star: 0, second: 1, best.ID: 1})
		// The cancelled m0 stayed closed through the restart.
		assertShortlist(t, h.shortlist(t, "m0"), domain.ShortlistReady, 1, star)
		if h.visible(t, star, "firm-1") {
			t.Fatal("star visible through the cancelled m0 or the re-ranked m1")
		}
	})
}

// TestLoadIsIdempotent: loading twice counts every shortlist once.
func TestLoadIsIdempotent(t *testing.T) {
	onEachBackend(t, config(2, 3), func(t *testing.T, h *harness) {
		p1, p2 := pid(1), pid(2)
		h.putProfile(t, profile(p1, 5))
		h.putProfile(t, profile(p2, 4))
		h.submit(t, mission("m1", "firm-1"))
		h.submit(t, mission("m2", "firm-2"))
		for range 2 {
			if err := h.app.Load(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		h.assertExposure(t, map[string]int{p1: 2, p2: 2})
	})
}

// TestExposureReportCountsEligibilityAndAppearances: with a cap of one shortlist per
// consultant, two missions that want the same three consultants show each of them once at
// most; the German gdpr expert is eligible nowhere.
func TestExposureReportCountsEligibilityAndAppearances(t *testing.T) {
	h := newHarness(t, config(2, 1))
	for i := 1; i <= 3; i++ {
		h.putProfile(t, profile(pid(i), i))
	}
	g := gdprProfile(pid(4))
	g.Country, g.YearsExperience = "DE", 22
	h.putProfile(t, g)
	h.submit(t, mission("m-1", "firm-1"))
	h.submit(t, mission("m-2", "firm-1"))

	if _, err := h.app.GetExposureReport(t.Context(), identity.Caller{AccountID: "firm-1", Role: identity.RoleFirm}); fault.KindOf(err) != fault.KindPermissionDenied {
		t.Fatalf("a firm read the exposure report: %v", err)
	}
	r, err := h.app.GetExposureReport(t.Context(), operator)
	if err != nil {
		t.Fatal(err)
	}
	// Three consultants eligible for both missions; two places each, one shortlist each: three
	// of the four places are taken (the cap leaves m-2 one candidate short), so everyone
	// eligible appears once.
	want := domain.NewExposureReport([]domain.Exposure{
		{Country: "FR", Years: 15, Eligible: 2, Appearances: 1},
		{Country: "FR", Years: 15, Eligible: 2, Appearances: 1},
		{Country: "FR", Years: 15, Eligible: 2, Appearances: 1},
		{Country: "DE", Years: 22, Eligible: 0, Appearances: 0},
	}, 2)
	if r.Overall != want.Overall || r.OpenMissions != 2 || len(r.ByCountry) != 2 || r.ByCountry[0] != want.ByCountry[0] ||
		len(r.BySeniority) != 2 || r.BySeniority[1].Key != "20+" {
		t.Fatalf("report %+v\nwant %+v", r, want)
	}
	if r.Overall.EligibleAtLeastOnce != 3 || r.Overall.NeverShownWhileEligible != 0 || r.Overall.Gini != 0 {
		t.Fatalf("overall %+v", r.Overall)
	}
}
