package app_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/services/matching/app"
	"github.com/caiomatch/caiomatch/services/matching/domain"
)

func planOf(p domain.StaffingPlan) map[string]string {
	out := map[string]string{}
	for _, a := range p.Assignments {
		out[a.MissionID] = a.ProfileID
	}
	return out
}

// TestStaffingPlanStaffsAsManyMissionsAsPossible: the consultant who is best for both missions
// is the only one who can take the gdpr+strategy mission, so the plan gives them that one and
// the other mission to the runner-up (a greedy choice would leave a mission unstaffed).
func TestStaffingPlanStaffsAsManyMissionsAsPossible(t *testing.T) {
	onEachBackend(t, config(5, 0), func(t *testing.T, h *harness) {
		versatile, strategist, bystander := pid(1), pid(2), pid(3)
		v := profile(versatile, 5)
		v.Skills = append(v.Skills, domain.SkillLevel{ID: "gdpr", Level: 5})
		h.putProfile(t, v)
		h.putProfile(t, profile(strategist, 2))
		h.putProfile(t, profile(bystander, 1))
		h.submit(t, mission("m-strategy", "firm-1"))
		both := mission("m-both", "firm-2")
		both.RequiredSkills = append(both.RequiredSkills, "gdpr")
		h.submit(t, both)
		h.submit(t, gdprMission("m-nobody", "firm-3")) // only the versatile consultant qualifies

		plan, err := h.app.CreateStaffingPlan(t.Context(), operator, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := planOf(plan)
		if got["m-both"] != versatile || got["m-strategy"] != strategist || plan.StaffedCount() != 2 {
			t.Fatalf("plan = %v, want m-both→versatile, m-strategy→strategist", got)
		}
		// m-nobody wants gdpr, which only the versatile consultant has: three missions compete for
		// them, so one stays unstaffed whatever the plan.
		if len(plan.Unstaffed) != 1 || plan.Unstaffed[0] != "m-nobody" || plan.CandidateEdges != 5 {
			t.Fatalf("unstaffed %v, %d candidate edges; want [m-nobody] and 5", plan.Unstaffed, plan.CandidateEdges)
		}
		for _, a := range plan.Assignments {
			if a.MissionID == "m-strategy" && (len(a.Alternates) != 2 || a.Alternates[0].ProfileID != bystander) {
				t.Fatalf("alternates of m-strategy = %+v, want the free bystander first, then the versatile one", a.Alternates)
			}
		}
		stored, err := h.app.GetStaffingPlan(t.Context(), operator, plan.ID)
		if err != nil || stored.ID != plan.ID || stored.TotalScore() != plan.TotalScore() || len(stored.Assignments) != 2 {
			t.Fatalf("stored plan = %+v, %v", stored, err)
		}

		// The strategist declines m-strategy: the re-solve reuses the plan and staffs it with the
		// bystander.
		if err := h.app.ExcludeCandidate(t.Context(), h.next(), "m-strategy", strategist, app.ExclusionDeclined); err != nil {
			t.Fatal(err)
		}
		again, err := h.app.CreateStaffingPlan(t.Context(), operator, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := planOf(again); got["m-strategy"] != bystander || got["m-both"] != versatile || !again.Reused {
			t.Fatalf("plan after the decline = %v (reused %v), want m-strategy→bystander, reused", got, again.Reused)
		}
		for _, a := range again.Assignments {
			for _, alt := range a.Alternates {
				if a.MissionID == "m-strategy" && alt.ProfileID == strategist {
					t.Fatal("the decliner is proposed as an alternate")
				}
			}
		}

		// A profile event makes the next plan start afresh; over m-strategy alone, the versatile
		// consultant is free to take it.
		h.putProfile(t, profile(pid(4), 3))
		fresh, err := h.app.CreateStaffingPlan(t.Context(), operator, []string{"m-strategy"})
		if err != nil || fresh.Reused || planOf(fresh)["m-strategy"] != versatile {
			t.Fatalf("fresh plan over m-strategy = %v (reused %v), %v", planOf(fresh), fresh.Reused, err)
		}
	})
}

func TestStaffingPlanRules(t *testing.T) {
	onEachBackend(t, config(5, 0), func(t *testing.T, h *harness) {
		h.submit(t, mission("m1", "firm-1"))
		if _, err := h.app.CreateStaffingPlan(t.Context(), firm("firm-1"), nil); fault.KindOf(err) != fault.KindPermissionDenied {
			t.Fatalf("a firm made a plan: %v", err)
		}
		_, err := h.app.CreateStaffingPlan(t.Context(), operator, []string{"m1", "unknown", "m1"})
		fe, ok := fault.As(err)
		if !ok || fe.Kind != fault.KindInvalid || len(fe.Violations) != 2 {
			t.Fatalf("plan over an unknown and a repeated mission: %v", err)
		}
		if _, err := h.app.GetStaffingPlan(t.Context(), operator, "nope"); fault.KindOf(err) != fault.KindNotFound {
			t.Fatalf("unknown plan: %v", err)
		}
		plan, err := h.app.CreateStaffingPlan(t.Context(), operator, nil)
		if err != nil || plan.StaffedCount() != 0 || len(plan.Unstaffed) != 1 {
			t.Fatalf("plan without consultants = %+v, %v", plan, err)
		}
	})
}

// TestStaffingPlansAndDeclinesSideBySide makes plans while declines arrive: a decline holds the
// event lock while it re-optimises the plan, so a plan must never wait for the event lock while
// it holds the plan (the two used to be taken in opposite orders and could deadlock).
func TestStaffingPlansAndDeclinesSideBySide(t *testing.T) {
	h := newHarness(t, config(5, 0))
	const missions = 12
	for i := range 8 {
		h.putProfile(t, profile(pid(i+1), 1+i%5))
	}
	for m := range missions {
		h.submit(t, mission(fmt.Sprintf("m-%02d", m), "firm-1"))
	}
	deliveries := make([]app.Delivery, 0, missions*8)
	for range missions * 8 {
		deliveries = append(deliveries, h.next())
	}
	done := make(chan error, 1)
	go func() {
		for m := range missions {
			for i := range 8 {
				if err := h.app.ExcludeCandidate(t.Context(), deliveries[m*8+i], fmt.Sprintf("m-%02d", m), pid(i+1), app.ExclusionDeclined); err != nil {
					done <- err
					return
				}
			}
		}
		done <- nil
	}()
	deadline := time.After(60 * time.Second)
	for {
		if _, err := h.app.CreateStaffingPlan(t.Context(), operator, nil); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			return
		case <-deadline:
			t.Fatal("plans and declines did not finish within 60 s: a deadlock")
		default:
		}
	}
}
