package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// ReasonStaffingPlanNotFound is returned for an unknown plan id.
const ReasonStaffingPlanNotFound = "STAFFING_PLAN_NOT_FOUND"

// GetStaffingPlan returns a stored plan (operators).
func (a *Application) GetStaffingPlan(ctx context.Context, caller identity.Caller, id string) (domain.StaffingPlan, error) {
	if !caller.IsOperator() {
		return domain.StaffingPlan{}, fault.PermissionDenied(ReasonRoleNotAllowed, "only operators read staffing plans")
	}
	if id == "" {
		return domain.StaffingPlan{}, fault.Invalid(fault.ReasonInvalidArgument, fault.Violation{Field: "id", Description: "is required"})
	}
	p, found, err := a.store.StaffingPlan(ctx, id)
	if err != nil {
		return domain.StaffingPlan{}, err
	}
	if !found {
		return domain.StaffingPlan{}, fault.NotFound(ReasonStaffingPlanNotFound, "staffing plan %s not found", id)
	}
	return p, nil
}
