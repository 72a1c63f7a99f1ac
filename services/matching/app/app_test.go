package app_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/services/matching/app"
	"github.com/caiomatch/caiomatch/services/matching/domain"
)

func TestSubmitMissionRanksIt(t *testing.T) {
	h := newHarness(t, config(2, 0))
	low, high, mid, rich := pid(1), pid(2), pid(3), pid(4)
	h.putProfile(t, profile(low, 1))
	h.putProfile(t, profile(high, 5))
	h.putProfile(t, profile(mid, 3))
	tooExpensive := profile(rich, 5)
	tooExpensive.DailyRateEUR = 3000
	h.putProfile(t, tooExpensive)

	h.missions.firms["m1"] = "firm-1"
	if v := h.shortlist(t, "m1"); v.Status != domain.ShortlistPending {
		t.Fatalf("before any mission event: %+v, want PENDING", v)
	}
	h.submit(t, mission("m1", "firm-1"))
	v := h.shortlist(t, "m1")
	assertShortlist(t, v, domain.ShortlistReady, 1, high, mid)
	if v.Shortlist.EligibleCount != 3 || v.Shortlist.ScoringVersion != domain.ScoringVersion || v.Shortlist.FirmID != "firm-1" ||
		!v.Shortlist.ProposedAt.Equal(t0) {
		t.Fatalf("shortlist = %+v", v.Shortlist)
	}
	// The shortlist holds exactly what the domain reference computes.
	want := domain.Rank(domain.DefaultSettings(t0), mission("m1", "firm-1"),
		[]domain.Profile{profile(low, 1), profile(high, 5), profile(mid, 3), tooExpensive}, 2)
	if !domain.SameCandidates(v.Shortlist.Candidates, want.Candidates) {
		t.Fatalf("candidates %+v, want the domain's %+v", v.Shortlist.Candidates, want.Candidates)
	}
	if c := v.Shortlist.Candidates[0]; len(c.Explanation.Components) != componentCount {
		t.Fatalf("candidate explanation = %+v, want %d components", c.Explanation, componentCount)
	}
	h.assertExposure(t, map[string]int{high: 1, mid: 1, low: 0, rich: 0})
}

func TestSubmitMissionWithoutCandidatesIsNoMatch(t *testing.T) {
	h := newHarness(t, config(0, 0))
	far := profile(pid(1), 5)
	far.Languages = []string{"de"}
	h.putProfile(t, far)
	h.submit(t, mission("m1", "firm-1"))
	assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistNoMatch, 1)
}

func TestRedeliveredEventChangesNothing(t *testing.T) {
	onEachBackend(t, config(0, 0), func(t *testing.T, h *harness) {
		p1 := pid(1)
		h.putProfile(t, profile(p1, 3))
		d := h.next()
		if err := h.app.SubmitMission(t.Context(), d, mission("m1", "firm-1")); err != nil {
			t.Fatal(err)
		}
		// The same event id carrying other facts, as a corrupted redelivery would: ignored.
		changed := mission("m1", "firm-1")
		changed.MaxDailyRateEUR = 100
		if err := h.app.SubmitMission(t.Context(), d, changed); err != nil {
			t.Fatal(err)
		}
		assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 1, p1)
		h.assertExposure(t, map[string]int{p1: 1})

		// A redelivered profile event neither re-ranks nor counts its candidates twice.
		better := pid(2)
		pd := h.next()
		for range 2 {
			if err := h.app.PutProfile(t.Context(), pd, profile(better, 5), h.asOf()); err != nil {
				t.Fatal(err)
			}
		}
		assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 2, better, p1)
		h.assertExposure(t, map[string]int{p1: 1, better: 1})
	})
}

func TestProfileChangesReRankOpenMissions(t *testing.T) {
	h := newHarness(t, config(2, 0))
	p1, p2, p3, p4, pLate := pid(1), pid(2), pid(3), pid(4), pid(5)
	h.putProfile(t, profile(p1, 3))
	h.putProfile(t, profile(p2, 2))
	h.submit(t, mission("m1", "firm-1"))
	assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 1, p1, p2)

	// Not eligible: nothing proposed.
	late := profile(pLate, 5)
	late.AvailableFrom = day("2027-09-01")
	h.putProfile(t, late)
	assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 1, p1, p2)

	// Eligible but below the shortlist: nothing proposed.
	h.putProfile(t, profile(p3, 1))
	assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 1, p1, p2)

	// A better newcomer: revision 2.
	h.putProfile(t, profile(p4, 5))
	assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 2, p4, p1)
	h.assertExposure(t, map[string]int{p4: 1, p1: 1, p2: 0})

	// A candidate becomes ineligible: revision 3, the next best moves up.
	gone := profile(p4, 5)
	gone.DailyRateEUR = 5000
	h.putProfile(t, gone)
	assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 3, p1, p2)
	h.assertExposure(t, map[string]int{p4: 0, p1: 1, p2: 1})

	// A candidate drops below a minimum level: revision 4.
	belowMin := profile(p1, 3)
	belowMin.Skills[0].Level = 2
	h.putProfile(t, belowMin)
	assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 4, p2, p3)

	// A late profile becomes available: it enters at revision 5.
	late.AvailableFrom = day("2027-01-15")
	h.putProfile(t, late)
	assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 5, pLate, p2)
}

func TestOlderProfileFactsAreIgnored(t *testing.T) {
	h := newHarness(t, config(0, 0))
	p1 := pid(1)
	h.putProfile(t, profile(p1, 3))
	h.submit(t, mission("m1", "firm-1"))
	// An event that occurred before the facts the index holds (delivered late): ignored.
	stale := profile(p1, 3)
	stale.DailyRateEUR = 3000
	if err := h.app.PutProfile(t.Context(), h.next(), stale, t0.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 1, p1)
	if got, _ := h.index.Profile(p1); got.DailyRateEUR != 1200 {
		t.Fatalf("index rate = %d after a stale event, want 1200", got.DailyRateEUR)
	}
}

func TestPutProfileRejectsAnIDThatIsNotAUUID(t *testing.T) {
	h := newHarness(t, config(0, 0))
	h.submit(t, mission("m1", "firm-1"))
	if err := h.app.PutProfile(t.Context(), h.next(), profile("p1", 5), t0); err == nil {
		t.Fatal("PutProfile accepted the profile id p1")
	}
	if err := h.app.EraseProfile(t.Context(), h.next(), "p1"); err == nil {
		t.Fatal("EraseProfile accepted the profile id p1")
	}
	assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistNoMatch, 1)
}

// TestProfileEventReRanksOnlyTheMissionsItCouldChange makes every shortlist stale (time passes,
// so the notice-period candidates' availability scores drop), then checks that a profile event
// re-ranks exactly the missions it could change: any other re-ranking would show as a new
// revision.
func TestProfileEventReRanksOnlyTheMissionsItCouldChange(t *testing.T) {
	h := newHarness(t, config(2, 0))
	noticeAI, noticeGDPR, outsider, newcomer, weak := pid(1), pid(2), pid(3), pid(4), pid(5)
	// Both give an 80-day notice: on 2026-11-20 they can start 2027-02-08, 7 days late.
	ai := profile(noticeAI, 5)
	ai.AvailableFrom, ai.NoticePeriodDays = day("2026-11-01"), 80
	gdpr := gdprProfile(noticeGDPR)
	gdpr.AvailableFrom, gdpr.NoticePeriodDays = day("2026-11-01"), 80
	h.putProfile(t, ai)
	h.putProfile(t, gdpr)
	h.submit(t, mission("m-ai", "firm-1"))
	h.submit(t, gdprMission("m-gdpr", "firm-2"))
	first := h.shortlist(t, "m-ai")
	assertShortlist(t, first, domain.ShortlistReady, 1, noticeAI)
	assertShortlist(t, h.shortlist(t, "m-gdpr"), domain.ShortlistReady, 1, noticeGDPR)

	// Three days later both would start 10 days late: re-ranking either mission now changes a
	// score, so proposes a revision.
	h.clock.advance(3 * 24 * time.Hour)

	// Eligible for neither mission: neither is re-ranked.
	german := profile(outsider, 5)
	german.Languages = []string{"de"}
	h.putProfile(t, german)
	assertShortlist(t, h.shortlist(t, "m-ai"), domain.ShortlistReady, 1, noticeAI)
	assertShortlist(t, h.shortlist(t, "m-gdpr"), domain.ShortlistReady, 1, noticeGDPR)

	// A newcomer for m-ai only: m-ai is re-ranked (and rescored), m-gdpr is not.
	h.putProfile(t, profile(newcomer, 3))
	second := h.shortlist(t, "m-ai")
	assertShortlist(t, second, domain.ShortlistReady, 2, noticeAI, newcomer)
	if before, after := scoreOf(first, noticeAI), scoreOf(second, noticeAI); after >= before {
		t.Fatalf("notice-period candidate scored %v after three days, %v before: want lower", after, before)
	}
	assertShortlist(t, h.shortlist(t, "m-gdpr"), domain.ShortlistReady, 1, noticeGDPR)

	// An update of m-gdpr's candidate, who is not eligible for m-ai: only m-gdpr is re-ranked.
	gdpr.YearsExperience = 18
	h.putProfile(t, gdpr)
	assertShortlist(t, h.shortlist(t, "m-gdpr"), domain.ShortlistReady, 2, noticeGDPR)
	assertShortlist(t, h.shortlist(t, "m-ai"), domain.ShortlistReady, 2, noticeAI, newcomer)

	// m-ai is full; a day later an eligible profile below its last candidate arrives: no
	// re-ranking, although one would rescore the notice-period candidate again.
	h.clock.advance(24 * time.Hour)
	junior := profile(weak, 0)
	junior.YearsExperience = 10
	if ev := domain.Evaluate(domain.DefaultSettings(h.clock.now()), mission("m-ai", "firm-1"), junior); !ev.Eligible {
		t.Fatalf("the weak profile should be eligible: %+v", ev.FailedRules)
	}
	h.putProfile(t, junior)
	assertShortlist(t, h.shortlist(t, "m-ai"), domain.ShortlistReady, 2, noticeAI, newcomer)
	assertShortlist(t, h.shortlist(t, "m-gdpr"), domain.ShortlistReady, 2, noticeGDPR)
}

func TestNoMatchMissionGetsAShortlistWhenSomeoneQualifies(t *testing.T) {
	h := newHarness(t, config(0, 0))
	h.submit(t, mission("m1", "firm-1"))
	assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistNoMatch, 1)
	p1 := pid(1)
	h.putProfile(t, profile(p1, 2))
	assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 2, p1)
}

func TestEraseProfileDropsItEverywhere(t *testing.T) {
	onEachBackend(t, config(2, 0), func(t *testing.T, h *harness) {
		p1, p2, p3 := pid(1), pid(2), pid(3)
		for i, lvl := range []int{5, 4, 3} {
			h.putProfile(t, profile(pid(i+1), lvl))
		}
		h.submit(t, mission("m1", "firm-1"))
		h.submit(t, mission("m2", "firm-2"))
		h.submit(t, gdprMission("m3", "firm-1"))
		if !h.visible(t, p1, "firm-1") {
			t.Fatal("p1 should be visible to firm-1")
		}
		h.assertExposure(t, map[string]int{p1: 2, p2: 2, p3: 0})

		// p3 is on no shortlist: erasing it proposes nothing.
		h.erase(t, p3)
		assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 1, p1, p2)

		h.erase(t, p1)
		assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 2, p2)
		assertShortlist(t, h.shortlist(t, "m2"), domain.ShortlistReady, 2, p2)
		assertShortlist(t, h.shortlist(t, "m3"), domain.ShortlistNoMatch, 1)
		if h.visible(t, p1, "firm-1") || h.visible(t, p1, "firm-2") {
			t.Fatal("erased p1 still visible")
		}
		h.assertExposure(t, map[string]int{p1: 0, p2: 2})
		if _, ok := h.index.Profile(p1); ok || !h.index.Erased(p1) {
			t.Fatal("p1 still in the index, or not marked erased")
		}

		// A late update of the erased profile never brings it back, nor does a second erasure
		// change anything.
		h.putProfile(t, profile(p1, 5))
		h.erase(t, p1)
		assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 2, p2)

		// An erasure that arrives before the registration wins too.
		early := uuid.NewString()
		h.erase(t, early)
		h.putProfile(t, profile(early, 5))
		assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 2, p2)
	})
}

func TestCancelMission(t *testing.T) {
	onEachBackend(t, config(0, 0), func(t *testing.T, h *harness) {
		p1, p2 := pid(1), pid(2)
		h.putProfile(t, profile(p1, 3))
		h.submit(t, mission("m1", "firm-1"))
		if !h.visible(t, p1, "firm-1") {
			t.Fatal("p1 should be visible to firm-1")
		}
		h.cancel(t, "m1", "firm-1")
		if h.visible(t, p1, "firm-1") {
			t.Fatal("p1 visible through a cancelled mission")
		}
		h.assertExposure(t, map[string]int{p1: 0})
		// A closed mission is never re-ranked, nor reopened by a late submission.
		h.putProfile(t, profile(p2, 5))
		h.submit(t, mission("m1", "firm-1"))
		assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 1, p1)
		h.assertExposure(t, map[string]int{p1: 0, p2: 0})
		// Cancelling it again changes nothing.
		h.cancel(t, "m1", "firm-1")
		h.assertExposure(t, map[string]int{p1: 0})
	})
}

func TestCancelBeforeSubmitKeepsTheMissionClosed(t *testing.T) {
	h := newHarness(t, config(0, 0))
	p1 := pid(1)
	h.putProfile(t, profile(p1, 3))
	h.cancel(t, "m1", "firm-1")
	h.submit(t, mission("m1", "firm-1"))
	if v := h.shortlist(t, "m1"); v.Status != domain.ShortlistPending || len(h.missions.asked) != 0 {
		t.Fatalf("late submission of a cancelled mission: %+v (asked mission service %v), want PENDING from the read model",
			v, h.missions.asked)
	}
	if h.visible(t, p1, "firm-1") {
		t.Fatal("p1 visible through a cancelled mission")
	}
	h.assertExposure(t, map[string]int{p1: 0})
}

func TestGetShortlistAccess(t *testing.T) {
	h := newHarness(t, config(0, 0))
	h.putProfile(t, profile(pid(1), 3))
	h.submit(t, mission("m1", "firm-1"))
	h.missions.firms["m-in-flight"] = "firm-1"
	ctx := t.Context()
	consultant := identity.Caller{AccountID: "acct-1", Role: identity.RoleConsultant}

	if v, err := h.app.GetShortlist(ctx, firm("firm-1"), "m1"); err != nil || v.Status != domain.ShortlistReady {
		t.Fatalf("owning firm: %+v, %v", v, err)
	}
	if v, err := h.app.GetShortlist(ctx, firm("firm-1"), "m-in-flight"); err != nil || v.Status != domain.ShortlistPending {
		t.Fatalf("owning firm, mission in flight: %+v, %v; want PENDING", v, err)
	}
	cases := []struct {
		name   string
		caller identity.Caller
		id     string
		kind   fault.Kind
		reason string
	}{
		{"another firm's mission", firm("firm-2"), "m1", fault.KindNotFound, app.ReasonMissionNotFound},
		{"another firm's mission in flight", firm("firm-2"), "m-in-flight", fault.KindNotFound, app.ReasonMissionNotFound},
		{"unknown mission", firm("firm-1"), "m-nowhere", fault.KindNotFound, "MISSION_NOT_FOUND"},
		{"unknown mission, operator", operator, "m-nowhere", fault.KindNotFound, "MISSION_NOT_FOUND"},
		{"consultant", consultant, "m1", fault.KindPermissionDenied, app.ReasonRoleNotAllowed},
		{"no mission id", operator, "", fault.KindInvalid, fault.ReasonInvalidArgument},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.app.GetShortlist(ctx, tc.caller, tc.id)
			assertFault(t, err, tc.kind, tc.reason)
		})
	}
}

func TestCheckProfileVisibilityNeedsBothIDs(t *testing.T) {
	h := newHarness(t, config(0, 0))
	_, err := h.app.CheckProfileVisibility(t.Context(), "", "")
	fe, ok := fault.As(err)
	if !ok || fe.Kind != fault.KindInvalid || len(fe.Violations) != 2 {
		t.Fatalf("error = %v, want two field violations", err)
	}
}

// TestQueriesRunWhileEventsAreHandled: the queries take no lock of the event handlers; under
// -race this checks that they share nothing unsynchronised with them.
func TestQueriesRunWhileEventsAreHandled(t *testing.T) {
	onEachBackend(t, config(3, 2), func(t *testing.T, h *harness) {
		h.putProfile(t, profile(pid(1), 3))
		h.submit(t, mission("m1", "firm-1"))
		h.submit(t, mission("m2", "firm-2"))
		ctx := t.Context()
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					if _, err := h.app.GetShortlist(ctx, operator, "m1"); err != nil {
						t.Error(err)
						return
					}
					if _, err := h.app.ExplainCandidate(ctx, operator, "m2", pid(1)); err != nil {
						t.Error(err)
						return
					}
					if _, err := h.app.CheckProfileVisibility(ctx, pid(2), "firm-1"); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		for i := 2; i < 40; i++ {
			h.putProfile(t, profile(pid(i), 1+i%5))
			if i%10 == 0 {
				h.erase(t, pid(i-1))
			}
		}
		close(stop)
		wg.Wait()
		for _, id := range []string{"m1", "m2"} {
			if v := h.shortlist(t, id); len(v.Shortlist.Candidates) != 3 {
				t.Fatalf("%s: %d candidates, want 3", id, len(v.Shortlist.Candidates))
			}
		}
	})
}

// TestAvailabilityToleranceConfig: the tolerance is taken as given, 0 included (no start after
// the start date); a negative one means the default of 14 days.
func TestAvailabilityToleranceConfig(t *testing.T) {
	lateByAWeek := profile(pid(1), 5)
	lateByAWeek.AvailableFrom = day("2027-02-08")
	for _, tc := range []struct {
		name      string
		tolerance int
		status    domain.ShortlistStatus
	}{
		{"none", 0, domain.ShortlistNoMatch},
		{"default", -1, domain.ShortlistReady},
		{"seven days", 7, domain.ShortlistReady},
		{"six days", 6, domain.ShortlistNoMatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, app.Config{AvailabilityToleranceDays: tc.tolerance})
			h.putProfile(t, lateByAWeek)
			h.submit(t, mission("m1", "firm-1"))
			if v := h.shortlist(t, "m1"); v.Status != tc.status {
				t.Fatalf("tolerance %d: status %v, want %v", tc.tolerance, v.Status, tc.status)
			}
		})
	}
}

// TestNonCanonicalProfileIDsAreOneProfile: index.ParseID accepts any spelling of a UUID (upper
// case, braces, urn:uuid:) and the index writes candidates in canonical lower case; an event
// that spells a shortlisted candidate's id otherwise must still reach that candidate.
func TestNonCanonicalProfileIDsAreOneProfile(t *testing.T) {
	h := newHarness(t, config(0, 0))
	id := "0190a000-0000-7000-8000-0000000000ab"
	h.putProfile(t, profile(id, 5))
	h.submit(t, mission("m1", "firm-1"))
	assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 1, id)

	// The same consultant, id in upper case, is now over budget.
	gone := profile(strings.ToUpper(id), 5)
	gone.DailyRateEUR = 5000
	h.putProfile(t, gone)
	assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistNoMatch, 2)
}

// TestErasureWithANonCanonicalIDDropsTheProfile: the same root cause as above, for an
// erasure: the index erases the consultant, but the open shortlists holding them are not
// re-ranked and their stored explanations are not stripped.
func TestErasureWithANonCanonicalIDDropsTheProfile(t *testing.T) {
	h := newHarness(t, config(0, 0))
	id := "0190a000-0000-7000-8000-0000000000ab"
	h.putProfile(t, profile(id, 5))
	h.submit(t, mission("m1", "firm-1"))
	h.erase(t, strings.ToUpper(id))
	if !h.index.Erased(id) {
		t.Fatal("the index did not erase the profile")
	}
	if h.visible(t, id, "firm-1") {
		t.Fatal("erased consultant still on the firm's open shortlist")
	}
}
