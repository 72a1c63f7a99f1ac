package index

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/caiomatch/caiomatch/pkg/taxonomy"
	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// TestParallelScanRanksLikeTheReference lowers the threshold so that the per-core scan and the
// merge of the per-core heaps run on a small index, and compares them with the domain.
func TestParallelScanRanksLikeTheReference(t *testing.T) {
	saved := parallelThreshold
	parallelThreshold = 16
	defer func() { parallelThreshold = saved }()
	w := randomWorld{rand.New(rand.NewPCG(11, 12))}
	ix := New(0)
	var profiles []domain.Profile
	for range 1500 {
		p := w.profile()
		profiles = append(profiles, p)
		if _, err := ix.Put(p, today); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 100 {
		m := w.mission()
		want := domain.Rank(settings(), m, profiles, 10)
		got := ix.Rank(Query{Settings: settings(), Mission: m, K: 10})
		if got.EligibleCount != want.EligibleCount || !slices.EqualFunc(got.Candidates, want.Candidates,
			func(a, b domain.Candidate) bool { return a.ProfileID == b.ProfileID && a.Score == b.Score }) {
			t.Fatalf("mission %d: parallel ranking %v (%d eligible), want %v (%d)", i, got.Candidates,
				got.EligibleCount, want.Candidates, want.EligibleCount)
		}
		for _, c := range want.Candidates[:min(2, len(want.Candidates))] {
			st := ix.Standing(Query{Settings: settings(), Mission: m}, c.ProfileID)
			if st.Rank != c.Rank || st.EligibleCount != want.EligibleCount {
				t.Fatalf("standing of %s = rank %d of %d, want %d of %d", c.ProfileID, st.Rank, st.EligibleCount,
					c.Rank, want.EligibleCount)
			}
		}
	}
}

// eligibleWorld is n profiles that all pass mission() and score apart, best first.
func eligibleWorld(t *testing.T, n int) (*Index, domain.Mission, []string) {
	t.Helper()
	m := domain.Mission{ID: "m", FirmID: "f", Status: domain.MissionOpen, Sector: "C21",
		RequiredSkills: []string{"ai-strategy"}, StartDate: today.AddDate(0, 2, 0), DurationMonths: 6,
		MaxDailyRateEUR: 2000, WorkMode: taxonomy.WorkModeRemote}
	ix := New(0)
	w := randomWorld{rand.New(rand.NewPCG(5, 5))}
	var ids []string
	for i := range n {
		p := w.profile()
		p.Skills = []domain.SkillLevel{{ID: "ai-strategy", Level: 5}}
		p.DailyRateEUR, p.YearsExperience = 1500+10*i, 20 // the rate fit orders them
		p.Sectors, p.MonthsByMissionType = []string{"C21"}, [domain.MissionTypeCount]int{}
		p.AvailableFrom, p.NoticePeriodDays, p.Bookings, p.ProfilingOptOut = today, 0, nil, false
		if _, err := ix.Put(p, today); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	return ix, m, ids
}

func candidateIDs(r domain.Ranking) []string {
	var out []string
	for _, c := range r.Candidates {
		out = append(out, c.ProfileID)
	}
	return out
}

func TestExposureCapSkipsConsultantsUnlessAlreadyHeld(t *testing.T) {
	ix, m, ids := eligibleWorld(t, 6)
	q := Query{Settings: settings(), Mission: m, K: 3, ExposureCap: 2}
	if got := candidateIDs(ix.Rank(q)); !slices.Equal(got, ids[:3]) {
		t.Fatalf("without exposure: %v, want %v", got, ids[:3])
	}
	ix.AddExposure(ids[:1], 2) // the best consultant sits on two open shortlists
	r := ix.Rank(q)
	if got := candidateIDs(r); !slices.Equal(got, ids[1:4]) || r.EligibleCount != 6 {
		t.Fatalf("best at the cap: %v of %d eligible, want %v of 6 (still eligible, not ranked)", got, r.EligibleCount, ids[1:4])
	}
	st := ix.Standing(q, ids[0])
	if !st.ExposureCapped || !st.Evaluation.Eligible || st.Rank != 1 {
		t.Fatalf("standing of the capped consultant = %+v", st)
	}
	q.Holding = ids[:1] // already on this mission's shortlist: the cap does not apply
	if got := candidateIDs(ix.Rank(q)); !slices.Equal(got, ids[:3]) {
		t.Fatalf("held consultant at the cap: %v, want %v", got, ids[:3])
	}
	q.Holding, q.ExposureCap = nil, 3
	if got := candidateIDs(ix.Rank(q)); !slices.Equal(got, ids[:3]) {
		t.Fatalf("under a higher cap: %v, want %v", got, ids[:3])
	}
	ix.AddExposure(ids[:1], -5)
	if ix.Exposure(ids[0]) != 0 {
		t.Fatalf("exposure went below zero: %d", ix.Exposure(ids[0]))
	}
}

func TestExcludedConsultantsAreNeverRanked(t *testing.T) {
	ix, m, ids := eligibleWorld(t, 5)
	r := ix.Rank(Query{Settings: settings(), Mission: m, K: 3, Excluded: []string{ids[0], ids[2]}})
	if got := candidateIDs(r); !slices.Equal(got, []string{ids[1], ids[3], ids[4]}) {
		t.Fatalf("with two excluded: %v", got)
	}
}

// TestExposureCapProperty: whatever the exposures, no ranked consultant is at the cap unless
// held, and every consultant left out who beats the last candidate is at the cap or excluded.
func TestExposureCapProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	ix, m, ids := eligibleWorld(t, 40)
	for i := range 200 {
		for _, id := range ids {
			ix.AddExposure([]string{id}, rng.IntN(3)-1)
		}
		holding := []string{ids[rng.IntN(len(ids))]}
		q := Query{Settings: settings(), Mission: m, K: 5, ExposureCap: 1 + rng.IntN(3), Holding: holding}
		got := candidateIDs(ix.Rank(q))
		for _, id := range got {
			if ix.Exposure(id) >= q.ExposureCap && !slices.Contains(holding, id) {
				t.Fatalf("round %d: %s ranked with exposure %d at cap %d", i, id, ix.Exposure(id), q.ExposureCap)
			}
		}
		// ids are ordered best first: every skipped one before the last candidate must be capped.
		last := slices.Index(ids, got[len(got)-1])
		for _, id := range ids[:last] {
			if !slices.Contains(got, id) && (ix.Exposure(id) < q.ExposureCap || slices.Contains(holding, id)) {
				t.Fatalf("round %d: %s left out under the cap (exposure %d, cap %d)", i, id, ix.Exposure(id), q.ExposureCap)
			}
		}
	}
}

func TestMemoryPerProfileStaysCompact(t *testing.T) {
	w := randomWorld{rand.New(rand.NewPCG(31, 32))}
	ix := New(20000)
	for range 20000 {
		if _, err := ix.Put(w.profile(), today); err != nil {
			t.Fatal(err)
		}
	}
	// The random world gives a quarter of the profiles mobility countries and bookings, far
	// more than real data; the budget of 150 bytes still holds.
	if b := ix.Stats().BytesPerProfile(); b > 150 {
		t.Fatalf("%.1f bytes per profile, budget 150", b)
	}
}
