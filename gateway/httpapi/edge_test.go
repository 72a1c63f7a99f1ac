package httpapi

import (
	"slices"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/caiomatch/caiomatch/gateway/openapi"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	"github.com/caiomatch/caiomatch/pkg/identity"
)

// TestEveryRoutedServiceMethodHasRoles: a method served over HTTP by a backend service but
// missing from allowedRoles would be 403 for everyone.
func TestEveryRoutedServiceMethodHasRoles(t *testing.T) {
	rules, err := buildQueryRules(openapi.Document())
	if err != nil {
		t.Fatal(err)
	}
	for key, rule := range rules {
		if rule.request == nil {
			continue
		}
		svc := rule.method.Parent().(protoreflect.ServiceDescriptor)
		if svc.Name() == "AccountService" || svc.Name() == "TaxonomyService" { // served in the gateway
			continue
		}
		full := "/" + string(svc.FullName()) + "/" + string(rule.method.Name())
		if len(allowedRoles[full]) == 0 {
			t.Errorf("%s (%s) has no roles", key, full)
		}
	}
}

func TestRolesOfTheOfferAndAfterStaffingMethods(t *testing.T) {
	F, C, O := identity.RoleFirm, identity.RoleConsultant, identity.RoleOperator
	want := map[string][]identity.Role{
		missionv1.MissionService_GetMission_FullMethodName:       {F, C, O},
		missionv1.MissionService_ListOffers_FullMethodName:       {F, C, O},
		missionv1.MissionService_UpdateMission_FullMethodName:    {F},
		missionv1.MissionService_CounterOffer_FullMethodName:     {C},
		missionv1.MissionService_AcceptCounter_FullMethodName:    {F},
		missionv1.MissionService_WithdrawOffer_FullMethodName:    {F},
		missionv1.MissionService_RequestExtension_FullMethodName: {F},
		missionv1.MissionService_AcceptExtension_FullMethodName:  {C},
		missionv1.MissionService_DeclineExtension_FullMethodName: {C},
		missionv1.MissionService_ListExtensions_FullMethodName:   {F, C, O},
		missionv1.MissionService_EndMission_FullMethodName:       {F, C},
		missionv1.MissionService_GiveFeedback_FullMethodName:     {F, C},
		missionv1.MissionService_ListFeedback_FullMethodName:     {F, C, O},
	}
	for method, roles := range want {
		got := slices.Clone(allowedRoles[method])
		slices.Sort(got)
		slices.Sort(roles)
		if !slices.Equal(got, roles) {
			t.Errorf("%s: roles %v, want %v", method, got, roles)
		}
	}
}
