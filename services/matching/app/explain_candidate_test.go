package app_test

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/services/matching/app"
	"github.com/caiomatch/caiomatch/services/matching/domain"
)

func ruleNames(failed []domain.FailedRule) []domain.RuleName {
	var out []domain.RuleName
	for _, f := range failed {
		out = append(out, f.Rule)
	}
	return out
}

func TestExplainCandidate(t *testing.T) {
	h := newHarness(t, config(2, 0))
	ctx := t.Context()
	a, b, c, r := pid(1), pid(2), pid(3), pid(4)
	h.putProfile(t, profile(a, 5))
	h.putProfile(t, profile(b, 4))
	h.putProfile(t, profile(c, 3))
	// Over budget and speaking none of the mission's languages.
	rejected := profile(r, 5)
	rejected.DailyRateEUR, rejected.Languages = 3000, []string{"de"}
	h.putProfile(t, rejected)
	h.submit(t, mission("m1", "firm-1"))
	h.submit(t, mission("m2", "firm-2"))
	h.missions.firms["m-in-flight"] = "firm-1"
	list := h.shortlist(t, "m1")
	assertShortlist(t, list, domain.ShortlistReady, 1, a, b)

	explain := func(caller identity.Caller, missionID, profileID string) app.CandidateExplanation {
		t.Helper()
		e, err := h.app.ExplainCandidate(ctx, caller, missionID, profileID)
		if err != nil {
			t.Fatalf("ExplainCandidate(%s, %s, %s): %v", caller.AccountID, missionID, profileID, err)
		}
		return e
	}

	t.Run("operator, shortlisted", func(t *testing.T) {
		e := explain(operator, "m1", a)
		cand := list.Shortlist.Candidates[0]
		if !e.Evaluation.Eligible || e.Rank != 1 || e.EligibleCount != 3 || !e.Shortlisted || e.ExposureCapped ||
			e.ShortlistRevision != 1 || e.ScoringVersion != domain.ScoringVersion || e.MissionID != "m1" || e.ProfileID != a {
			t.Fatalf("explanation = %+v", e)
		}
		// The breakdown is the one the shortlist stored.
		if e.Evaluation.Score != cand.Score || !reflect.DeepEqual(e.Evaluation.Explanation, cand.Explanation) {
			t.Fatalf("breakdown %v %+v, shortlist has %v %+v", e.Evaluation.Score, e.Evaluation.Explanation, cand.Score, cand.Explanation)
		}
		var names []string
		for _, comp := range e.Evaluation.Explanation.Components {
			names = append(names, comp.Name)
		}
		want := []string{domain.ComponentSkills, domain.ComponentSector, domain.ComponentMissionType,
			domain.ComponentSeniority, domain.ComponentRateFit, domain.ComponentAvailability, domain.ComponentLocation}
		if !slices.Equal(names, want) {
			t.Fatalf("components %v, want %v", names, want)
		}
	})
	t.Run("operator, eligible but not shortlisted", func(t *testing.T) {
		e := explain(operator, "m1", c)
		if !e.Evaluation.Eligible || e.Rank != 3 || e.EligibleCount != 3 || e.Shortlisted || e.ExposureCapped ||
			len(e.Evaluation.FailedRules) != 0 || len(e.Evaluation.Explanation.Components) != componentCount {
			t.Fatalf("explanation = %+v", e)
		}
	})
	t.Run("operator, excluded", func(t *testing.T) {
		e := explain(operator, "m1", r)
		want := []domain.RuleName{domain.RuleDailyRateOverBudget, domain.RuleNoSharedLanguage}
		if e.Evaluation.Eligible || e.Shortlisted || e.Rank != 0 || e.Evaluation.Score != 0 ||
			!slices.Equal(ruleNames(e.Evaluation.FailedRules), want) {
			t.Fatalf("explanation = %+v, want failed rules %v", e, want)
		}
		for _, f := range e.Evaluation.FailedRules {
			if f.Facts.BudgetEUR == 0 && len(f.Facts.Languages) == 0 {
				t.Errorf("rule %s without its facts", f.Rule)
			}
		}
	})
	t.Run("owning firm, shortlisted", func(t *testing.T) {
		if e := explain(firm("firm-1"), "m1", b); !e.Evaluation.Eligible || e.Rank != 2 || !e.Shortlisted {
			t.Fatalf("explanation = %+v", e)
		}
		if e := explain(firm("firm-2"), "m2", a); !e.Shortlisted {
			t.Fatalf("firm-2 on its own mission: %+v", e)
		}
	})

	consultant := identity.Caller{AccountID: "acct-1", Role: identity.RoleConsultant}
	cases := []struct {
		name               string
		caller             identity.Caller
		missionID, profile string
		kind               fault.Kind
		reason             string
	}{
		// A firm learns nothing of consultants off its shortlist: eligible, excluded or
		// unknown, the answer is the same.
		{"firm, eligible but not shortlisted", firm("firm-1"), "m1", c, fault.KindNotFound, app.ReasonProfileNotFound},
		{"firm, excluded consultant", firm("firm-1"), "m1", r, fault.KindNotFound, app.ReasonProfileNotFound},
		{"firm, unknown consultant", firm("firm-1"), "m1", uuid.NewString(), fault.KindNotFound, app.ReasonProfileNotFound},
		{"another firm's mission", firm("firm-2"), "m1", a, fault.KindNotFound, app.ReasonMissionNotFound},
		{"operator, unknown consultant", operator, "m1", uuid.NewString(), fault.KindNotFound, app.ReasonProfileNotFound},
		{"operator, id that is not a UUID", operator, "m1", "p-1", fault.KindNotFound, app.ReasonProfileNotFound},
		{"mission in flight", firm("firm-1"), "m-in-flight", a, fault.KindFailedPrecondition, app.ReasonMissionNotRanked},
		{"mission in flight, operator", operator, "m-in-flight", a, fault.KindFailedPrecondition, app.ReasonMissionNotRanked},
		{"another firm's mission in flight", firm("firm-2"), "m-in-flight", a, fault.KindNotFound, app.ReasonMissionNotFound},
		{"unknown mission", operator, "m-nowhere", a, fault.KindNotFound, "MISSION_NOT_FOUND"},
		{"consultant", consultant, "m1", a, fault.KindPermissionDenied, app.ReasonRoleNotAllowed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.app.ExplainCandidate(ctx, tc.caller, tc.missionID, tc.profile)
			assertFault(t, err, tc.kind, tc.reason)
		})
	}
	t.Run("no ids", func(t *testing.T) {
		_, err := h.app.ExplainCandidate(ctx, operator, "", "")
		fe, ok := fault.As(err)
		if !ok || fe.Kind != fault.KindInvalid || len(fe.Violations) != 2 {
			t.Fatalf("error = %v, want two field violations", err)
		}
	})

	// Once erased, a consultant is explained to operators by PROFILE_ERASED alone, and is
	// unknown to the firm whose shortlist no longer holds them.
	h.erase(t, a)
	t.Run("operator, erased", func(t *testing.T) {
		e := explain(operator, "m1", a)
		if e.Evaluation.Eligible || e.Shortlisted || e.ShortlistRevision != 2 ||
			!slices.Equal(ruleNames(e.Evaluation.FailedRules), []domain.RuleName{domain.RuleProfileErased}) ||
			len(e.Evaluation.Explanation.Components) != 0 {
			t.Fatalf("explanation = %+v, want PROFILE_ERASED only", e)
		}
	})
	t.Run("firm, erased", func(t *testing.T) {
		_, err := h.app.ExplainCandidate(ctx, firm("firm-1"), "m1", a)
		assertFault(t, err, fault.KindNotFound, app.ReasonProfileNotFound)
	})
	t.Run("ranks move up", func(t *testing.T) {
		if e := explain(firm("firm-1"), "m1", c); e.Rank != 2 || e.EligibleCount != 2 || !e.Shortlisted {
			t.Fatalf("explanation = %+v, want rank 2 of 2, shortlisted", e)
		}
	})
}

// TestExplainCandidateJudgesNow: an explanation is computed with today's facts and today's
// date, not read from the stored shortlist.
func TestExplainCandidateJudgesNow(t *testing.T) {
	h := newHarness(t, config(1, 0))
	p1 := pid(1)
	late := profile(p1, 5)
	late.AvailableFrom, late.NoticePeriodDays = day("2026-11-01"), 80 // starts 2027-02-08
	h.putProfile(t, late)
	h.submit(t, mission("m1", "firm-1"))
	stored := h.shortlist(t, "m1").Shortlist.Candidates[0].Score

	h.clock.advance(10 * 24 * time.Hour) // ten days: the notice now ends 2027-02-18
	e, err := h.app.ExplainCandidate(t.Context(), firm("firm-1"), "m1", p1)
	if err != nil {
		t.Fatal(err)
	}
	if e.Evaluation.Eligible || !e.Shortlisted ||
		!slices.Equal(ruleNames(e.Evaluation.FailedRules), []domain.RuleName{domain.RuleNotAvailableAtStart}) {
		t.Fatalf("explanation ten days later = %+v (stored score %v), want NOT_AVAILABLE_AT_START", e, stored)
	}
}

// TestExplainCandidateAfterTheFact: once its mission is cancelled or staffed, a firm is told
// its former candidates do not exist, as the profile service tells it (pkg/visibility); an
// operator still gets the explanation.
func TestExplainCandidateAfterTheFact(t *testing.T) {
	h := newHarness(t, config(2, 0))
	ctx := t.Context()
	a, b := pid(1), pid(2)
	h.putProfile(t, profile(a, 5))
	h.putProfile(t, profile(b, 4))
	h.submit(t, mission("m-cancelled", "firm-1"))
	h.submit(t, mission("m-staffed", "firm-1"))
	for _, m := range []string{"m-cancelled", "m-staffed"} {
		if _, err := h.app.ExplainCandidate(ctx, firm("firm-1"), m, a); err != nil {
			t.Fatalf("open %s: %v", m, err)
		}
	}
	h.cancel(t, "m-cancelled", "firm-1")
	if err := h.app.StaffMission(ctx, h.next(), "m-staffed"); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"m-cancelled", "m-staffed"} {
		for _, p := range []string{a, b} {
			_, err := h.app.ExplainCandidate(ctx, firm("firm-1"), m, p)
			assertFault(t, err, fault.KindNotFound, app.ReasonProfileNotFound)
			if _, err := h.app.ExplainCandidate(ctx, operator, m, p); err != nil {
				t.Errorf("operator, closed %s: %v", m, err)
			}
		}
	}
	if h.visible(t, a, "firm-1") || h.visible(t, b, "firm-1") {
		t.Error("a closed mission's candidates are still visible to its firm")
	}
}
