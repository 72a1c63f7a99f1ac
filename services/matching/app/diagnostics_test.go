package app_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/caiomatch/caiomatch/pkg/taxonomy"
	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// TestShortlistDiagnostics: every shortlist, NO_MATCH included, carries the counts of its pool
// as things are now: exclusions per rule, the consultants the exposure cap holds back, and the
// widenings that open at least app.DiagnosticsMinGain consultants; a closed mission has none.
func TestShortlistDiagnostics(t *testing.T) {
	h := newHarness(t, config(1, 1))
	star, second := pid(1), pid(2)
	h.putProfile(t, profile(star, 5))
	h.putProfile(t, profile(second, 2))
	h.putProfile(t, profile(pid(3), 1))
	for i, rate := range []int{1700, 1700, 1800} { // over the budget of 1500
		p := profile(pid(10+i), 1)
		p.DailyRateEUR = rate
		h.putProfile(t, p)
	}
	for i := range 4 { // remote only, for a hybrid mission
		p := profile(pid(20+i), 1)
		p.WorkMode = taxonomy.WorkModeRemote
		h.putProfile(t, p)
	}

	h.submit(t, mission("m1", "firm-1"))
	h.submit(t, mission("m2", "firm-2"))
	wantRules := []domain.RuleCount{{Rule: domain.RuleDailyRateOverBudget, Count: 3}, {Rule: domain.RuleWorkModeIncompatible, Count: 4}}
	// Budgets: 1700 opens two (too few to list), 1800 all three; remote opens the four.
	wantWiden := []domain.Widening{{Field: domain.WidenWorkMode, Value: "WORK_MODE_REMOTE", AdditionalEligible: 4},
		{Field: domain.WidenMaxDailyRate, Value: "1800", AdditionalEligible: 3}}
	for _, tc := range []struct {
		mission string
		held    int
	}{{"m1", 0}, {"m2", 1}} { // m1 holds the star; m2 would have had them without the cap
		v := h.shortlist(t, tc.mission)
		d := v.Diagnostics
		if d == nil {
			t.Fatalf("%s: no diagnostics", tc.mission)
		}
		if d.EligibleCount != 3 || d.HeldByExposureCap != tc.held || !slices.Equal(d.ExcludedByRule, wantRules) ||
			!slices.Equal(d.Widen, wantWiden) {
			t.Fatalf("%s diagnostics = %+v\nwant eligible 3, held %d, %v, %v", tc.mission, *d, tc.held, wantRules, wantWiden)
		}
	}

	h.submit(t, gdprMission("m3", "firm-3"))
	v := h.shortlist(t, "m3")
	if v.Status != domain.ShortlistNoMatch || v.Diagnostics == nil {
		t.Fatalf("m3 = %+v, want NO_MATCH with diagnostics", v)
	}
	d := v.Diagnostics
	want := []domain.RuleCount{{Rule: domain.RuleRequiredSkillsMissing, Count: 10}, {Rule: domain.RuleDailyRateOverBudget, Count: 3},
		{Rule: domain.RuleWorkModeIncompatible, Count: 4}}
	if d.EligibleCount != 0 || !slices.Equal(d.ExcludedByRule, want) || len(d.Widen) == 0 ||
		d.Widen[0] != (domain.Widening{Field: domain.WidenRequiredSkill, Value: "-gdpr", AdditionalEligible: 3}) {
		t.Fatalf("m3 diagnostics = %+v, want %v and dropping gdpr first (3)", *d, want)
	}
	if s := fmt.Sprint(*d); slices.ContainsFunc([]string{star, second, pid(3)}, func(id string) bool { return strings.Contains(s, id) }) {
		t.Fatalf("diagnostics name a consultant: %s", s)
	}

	h.cancel(t, "m1", "firm-1")
	if v := h.shortlist(t, "m1"); v.Diagnostics != nil {
		t.Fatalf("cancelled m1 has diagnostics %+v", *v.Diagnostics)
	}
}
