package app_test

import (
	"context"
	"testing"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/services/mission/app"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// An operator's pause and resume land once each in the trail of the mission whose proposal
// they held, as the operator's decisions, the pause with its reason; the mission is unchanged.
func TestRecordOversight(t *testing.T) {
	a := fixture(t)
	ctx := context.Background()
	m, _ := a.CreateMission(ctx, firm1, input())
	paused := domain.Oversight{OperatorID: "op-1", Reason: "checking the weights"}
	for range 2 {
		if _, err := a.RecordOversight(ctx, shortlistEvent("ev-paused"), m.ID, paused); err != nil {
			t.Fatal(err)
		}
	}
	duplicate, err := a.RecordOversight(ctx, shortlistEvent("ev-resumed"), m.ID, domain.Oversight{Resumed: true, OperatorID: "op-2", Reason: "ignored"})
	if err != nil || duplicate {
		t.Fatalf("resume: duplicate %v, %v", duplicate, err)
	}
	if duplicate, err := a.RecordOversight(ctx, shortlistEvent("ev-resumed"), m.ID, domain.Oversight{Resumed: true}); err != nil || !duplicate {
		t.Fatalf("the resume again: duplicate %v, %v", duplicate, err)
	}
	trail, err := a.ListDecisions(ctx, firm1, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(trail) != 3 {
		t.Fatalf("trail = %+v, want submitted, paused, resumed", trail)
	}
	p, r := trail[1], trail[2]
	if p.Kind != domain.DecisionMatchingPaused || p.Actor != (domain.Actor{Role: domain.ActorOperator, AccountID: "op-1"}) ||
		p.Reason != "checking the weights" {
		t.Errorf("pause entry = %+v", p)
	}
	if r.Kind != domain.DecisionMatchingResumed || r.Actor != (domain.Actor{Role: domain.ActorOperator, AccountID: "op-2"}) || r.Reason != "" {
		t.Errorf("resume entry = %+v", r)
	}
	if got, err := a.GetMission(ctx, operator, m.ID); err != nil || got.Status != domain.StatusSubmitted {
		t.Fatalf("mission after the oversight = %v, %v; want it still submitted", got.Status, err)
	}
	// An unknown mission fails, so the bus redelivers it.
	wantFault(t, errOf(a.RecordOversight(ctx, shortlistEvent("ev-x"), "absent", paused)), fault.KindNotFound, app.ReasonMissionNotFound)
}
