package index

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/caiomatch/caiomatch/pkg/dates"
	"github.com/caiomatch/caiomatch/pkg/taxonomy"
	"github.com/caiomatch/caiomatch/services/matching/domain"
)

func TestDiagnosticRulesFollowTheDomain(t *testing.T) {
	want := []domain.RuleName{domain.RuleRequiredSkillsMissing, domain.RuleNotAvailableAtStart,
		domain.RuleBookedDuringMission, domain.RuleDailyRateOverBudget, domain.RuleNoSharedLanguage,
		domain.RuleWorkModeIncompatible, domain.RuleLocationIncompatible, domain.RuleExperienceTooLow,
		domain.RuleProfilingOptedOut}
	if len(domain.HardRules) != ruleCount {
		t.Fatalf("%d hard rules, diagnostics know %d", len(domain.HardRules), ruleCount)
	}
	for i, r := range domain.HardRules {
		if r.Name != want[i] {
			t.Fatalf("hard rule %d is %s, diagnostics count it as %s", i, r.Name, want[i])
		}
	}
}

// widened is m with one widening applied, as the API describes it.
func widened(t *testing.T, m domain.Mission, w domain.Widening) domain.Mission {
	t.Helper()
	m.RequiredSkills = slices.Clone(m.RequiredSkills)
	m.Languages = slices.Clone(m.Languages)
	switch w.Field {
	case domain.WidenMaxDailyRate:
		v, err := strconv.Atoi(w.Value)
		if err != nil || v <= m.MaxDailyRateEUR {
			t.Fatalf("budget widening %q for a budget of %d", w.Value, m.MaxDailyRateEUR)
		}
		m.MaxDailyRateEUR = v
	case domain.WidenMinYears:
		v, err := strconv.Atoi(w.Value)
		if err != nil || v >= m.MinYearsExperience || v < 0 {
			t.Fatalf("years widening %q for a minimum of %d", w.Value, m.MinYearsExperience)
		}
		m.MinYearsExperience = v
	case domain.WidenStartDate:
		d, err := dates.Parse(w.Value)
		if err != nil || !d.After(m.StartDate) {
			t.Fatalf("start widening %q for a start on %s", w.Value, dates.Format(m.StartDate))
		}
		m.StartDate = d
	case domain.WidenWorkMode:
		if w.Value != "WORK_MODE_REMOTE" {
			t.Fatalf("work mode widening %q", w.Value)
		}
		m.WorkMode = taxonomy.WorkModeRemote
	case domain.WidenRequiredSkill:
		id, ok := strings.CutPrefix(w.Value, "-")
		if !ok || !slices.Contains(m.RequiredSkills, id) {
			t.Fatalf("skill widening %q for %v", w.Value, m.RequiredSkills)
		}
		m.RequiredSkills = slices.DeleteFunc(m.RequiredSkills, func(s string) bool { return s == id })
	case domain.WidenLanguages:
		l, ok := strings.CutPrefix(w.Value, "+")
		if !ok || slices.Contains(m.Languages, l) || len(m.Languages) == 0 {
			t.Fatalf("language widening %q for %v", w.Value, m.Languages)
		}
		m.Languages = append(m.Languages, l)
	default:
		t.Fatalf("unknown widening field %q", w.Field)
	}
	return m
}

// gained counts the profiles, all excluded from the mission now, that m2 makes eligible.
func gained(s domain.Settings, m2 domain.Mission, excludedNow []domain.Profile) int {
	n := 0
	for _, p := range excludedNow {
		if len(domain.FailedRules(s, m2, p)) == 0 {
			n++
		}
	}
	return n
}

// TestDiagnosticsEqualBruteForce checks every count against the domain on random pools: each
// rule's exclusions, the eligible count, the consultants held by the cap, each widening's gain,
// and that no single skill drop, language or work mode that would widen the pool is missing.
func TestDiagnosticsEqualBruteForce(t *testing.T) {
	w := randomWorld{rand.New(rand.NewPCG(7, 8))}
	ix := New(0)
	var profiles []domain.Profile
	for range 1200 {
		p := w.profile()
		profiles = append(profiles, p)
		if _, err := ix.Put(p, today); err != nil {
			t.Fatal(err)
		}
	}
	// A few erased profiles, which no count may include.
	for _, p := range profiles[:20] {
		if _, err := ix.Erase(p.ID); err != nil {
			t.Fatal(err)
		}
	}
	profiles = profiles[20:]
	// Exposure: some consultants sit on one to three open shortlists.
	for i, p := range profiles {
		if i%4 == 0 {
			ix.AddExposure([]string{p.ID}, 1+i%3)
		}
	}
	s := settings()
	seen := map[string]int{}
	held := 0
	for i := range 160 {
		m := w.mission()
		if i%7 == 0 {
			m.RequiredSkills = append(slices.Clone(m.RequiredSkills), "no-such-skill")
		}
		k := 1 + i%8
		cap := i % 4 // 0: no cap
		var holding, excluded []string
		if i%3 == 0 {
			holding, excluded = []string{profiles[i].ID}, []string{profiles[i+1].ID}
		}
		q := Query{Settings: s, Mission: m, K: k, ExposureCap: cap, Holding: holding, Excluded: excluded}
		d := ix.Diagnostics(q, DiagnosticsOptions{})

		var byRule [ruleCount]int
		eligible := 0
		var pool []domain.Candidate
		var excludedNow []domain.Profile
		for _, p := range profiles {
			ev := domain.Evaluate(s, m, p)
			if !ev.Eligible {
				excludedNow = append(excludedNow, p)
			}
			if ev.Eligible {
				eligible++
				if !slices.Contains(excluded, p.ID) {
					pool = append(pool, domain.Candidate{ProfileID: p.ID, Score: ev.Score})
				}
				continue
			}
			failed := ev.FailedRules
			if p.ProfilingOptOut {
				// Counted under the objection alone: none of their other facts is used.
				failed = []domain.FailedRule{{Rule: domain.RuleProfilingOptedOut}}
			}
			for _, f := range failed {
				byRule[slices.IndexFunc(domain.HardRules, func(r domain.HardRule) bool { return r.Name == f.Rule })]++
			}
		}
		if d.EligibleCount != eligible {
			t.Fatalf("mission %d: eligible %d, want %d", i, d.EligibleCount, eligible)
		}
		var wantRules []domain.RuleCount
		for r, n := range byRule {
			if n > 0 {
				wantRules = append(wantRules, domain.RuleCount{Rule: domain.HardRules[r].Name, Count: n})
			}
		}
		if !slices.Equal(d.ExcludedByRule, wantRules) {
			t.Fatalf("mission %d %+v: excluded by rule\n got %v\nwant %v", i, m, d.ExcludedByRule, wantRules)
		}

		wantHeld := 0
		if cap > 0 {
			slices.SortFunc(pool, func(a, b domain.Candidate) int {
				if a.Score != b.Score {
					if a.Score > b.Score {
						return -1
					}
					return 1
				}
				ha, la, _ := ParseID(a.ProfileID)
				hb, lb, _ := ParseID(b.ProfileID)
				if ha != hb {
					if ha < hb {
						return -1
					}
					return 1
				}
				if la < lb {
					return -1
				}
				return 1
			})
			for _, c := range pool[:min(k, len(pool))] {
				if ix.Exposure(c.ProfileID) >= cap && !slices.Contains(holding, c.ProfileID) {
					wantHeld++
				}
			}
		}
		if d.HeldByExposureCap != wantHeld {
			t.Fatalf("mission %d: held by the cap %d, want %d", i, d.HeldByExposureCap, wantHeld)
		}
		held += wantHeld

		listed := map[string]int{}
		for j, wd := range d.Widen {
			if j > 0 && wd.AdditionalEligible > d.Widen[j-1].AdditionalEligible {
				t.Fatalf("mission %d: widenings not most useful first: %v", i, d.Widen)
			}
			if want := gained(s, widened(t, m, wd), excludedNow); wd.AdditionalEligible != want || want == 0 {
				t.Fatalf("mission %d %+v: widening %s=%s adds %d, brute force %d", i, m, wd.Field, wd.Value,
					wd.AdditionalEligible, want)
			}
			listed[wd.Field+" "+wd.Value] = wd.AdditionalEligible
			seen[wd.Field]++
		}
		// Completeness of the unordered fields: every single drop, language and work mode
		// that adds someone is listed.
		var all []domain.Widening
		for _, id := range m.RequiredSkills {
			all = append(all, domain.Widening{Field: domain.WidenRequiredSkill, Value: "-" + id})
		}
		if len(m.Languages) > 0 {
			for _, l := range worldLanguages {
				if !slices.Contains(m.Languages, l) {
					all = append(all, domain.Widening{Field: domain.WidenLanguages, Value: "+" + l})
				}
			}
		}
		if m.WorkMode != taxonomy.WorkModeRemote {
			all = append(all, domain.Widening{Field: domain.WidenWorkMode, Value: "WORK_MODE_REMOTE"})
		}
		for _, wd := range all {
			if want := gained(s, widened(t, m, wd), excludedNow); listed[wd.Field+" "+wd.Value] != want {
				t.Fatalf("mission %d %+v: %s=%s would add %d, listed %d", i, m, wd.Field, wd.Value, want,
					listed[wd.Field+" "+wd.Value])
			}
		}
	}
	for _, f := range []string{domain.WidenMaxDailyRate, domain.WidenStartDate, domain.WidenWorkMode,
		domain.WidenRequiredSkill, domain.WidenMinYears, domain.WidenLanguages} {
		if seen[f] == 0 {
			t.Errorf("no random mission had a %s widening: the test compares nothing for it", f)
		}
	}
	if held == 0 {
		t.Error("the exposure cap never held anyone: the test compares nothing for it")
	}
}

func TestDiagnosticsOptionsBoundTheWidenings(t *testing.T) {
	w := randomWorld{rand.New(rand.NewPCG(9, 10))}
	ix := New(0)
	for range 1000 {
		if _, err := ix.Put(w.profile(), today); err != nil {
			t.Fatal(err)
		}
	}
	checked := 0
	for range 50 {
		q := Query{Settings: settings(), Mission: w.mission(), K: 5}
		all := ix.Diagnostics(q, DiagnosticsOptions{})
		bounded := ix.Diagnostics(q, DiagnosticsOptions{MinGain: 5, MaxWidenings: 3})
		var want []domain.Widening
		for _, wd := range all.Widen {
			if wd.AdditionalEligible >= 5 && len(want) < 3 {
				want = append(want, wd)
			}
		}
		if !slices.Equal(bounded.Widen, want) {
			t.Fatalf("bounded widenings %v, want %v (of %v)", bounded.Widen, want, all.Widen)
		}
		checked += len(all.Widen) - len(want)
	}
	if checked == 0 {
		t.Fatal("the options never left a widening out")
	}
}
