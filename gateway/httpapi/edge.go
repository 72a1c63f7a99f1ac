package httpapi

import (
	"context"
	"slices"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	"github.com/caiomatch/caiomatch/gateway/accounts"
	"github.com/caiomatch/caiomatch/pkg/edgecheck"
	"github.com/caiomatch/caiomatch/pkg/fault"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/rpc"
)

var (
	firm       = []identity.Role{identity.RoleFirm}
	consultant = []identity.Role{identity.RoleConsultant}
	operator   = []identity.Role{identity.RoleOperator}
)

func roles(sets ...[]identity.Role) []identity.Role { return slices.Concat(sets...) }

// allowedRoles says which roles may ever call a method: others get 403 before the call
// travels. Ownership (404 for someone else's resource) is decided by the service.
var allowedRoles = map[string][]identity.Role{
	profilev1.ProfileService_CreateProfile_FullMethodName:  roles(consultant, operator),
	profilev1.ProfileService_GetProfile_FullMethodName:     roles(consultant, operator, firm),
	profilev1.ProfileService_ReplaceProfile_FullMethodName: consultant,
	profilev1.ProfileService_DeleteProfile_FullMethodName:  roles(consultant, operator),
	profilev1.ProfileService_ListProfiles_FullMethodName:   roles(consultant, operator),
	missionv1.MissionService_CreateMission_FullMethodName:  firm,
	// A consultant reads the mission behind an offer made to them; the service answers 404 for
	// any other mission and never shows them the budget or other candidates.
	missionv1.MissionService_GetMission_FullMethodName:           roles(firm, operator, consultant),
	missionv1.MissionService_ListMissions_FullMethodName:         roles(firm, operator),
	missionv1.MissionService_CancelMission_FullMethodName:        roles(firm, operator),
	matchingv1.MatchingService_GetShortlist_FullMethodName:       roles(firm, operator),
	matchingv1.MatchingService_ExplainCandidate_FullMethodName:   roles(firm, operator),
	matchingv1.MatchingService_CreateStaffingPlan_FullMethodName: operator,
	matchingv1.MatchingService_GetStaffingPlan_FullMethodName:    operator,
	matchingv1.MatchingService_GetExposureReport_FullMethodName:  operator,
	matchingv1.MatchingService_GetMatchingState_FullMethodName:   operator,
	matchingv1.MatchingService_PauseMatching_FullMethodName:      operator,
	matchingv1.MatchingService_ResumeMatching_FullMethodName:     operator,
	missionv1.MissionService_MakeOffer_FullMethodName:            firm,
	missionv1.MissionService_ListOffers_FullMethodName:           roles(consultant, operator, firm),
	missionv1.MissionService_AcceptOffer_FullMethodName:          consultant,
	missionv1.MissionService_DeclineOffer_FullMethodName:         consultant,
	missionv1.MissionService_ListDecisions_FullMethodName:        roles(firm, operator),
	missionv1.MissionService_UpdateMission_FullMethodName:        firm,
	missionv1.MissionService_CounterOffer_FullMethodName:         consultant,
	missionv1.MissionService_AcceptCounter_FullMethodName:        firm,
	missionv1.MissionService_WithdrawOffer_FullMethodName:        firm,
	missionv1.MissionService_RequestExtension_FullMethodName:     firm,
	missionv1.MissionService_AcceptExtension_FullMethodName:      consultant,
	missionv1.MissionService_DeclineExtension_FullMethodName:     consultant,
	missionv1.MissionService_ListExtensions_FullMethodName:       roles(firm, consultant, operator),
	missionv1.MissionService_EndMission_FullMethodName:           roles(firm, consultant),
	missionv1.MissionService_GiveFeedback_FullMethodName:         roles(firm, consultant),
	missionv1.MissionService_ListFeedback_FullMethodName:         roles(firm, consultant, operator),
}

// validators apply each service's own field rules at the edge.
var validators = []func(proto.Message) error{edgecheck.Profile, edgecheck.Mission}

// edgeInterceptor refuses, before anything travels, a call the caller's role may never make
// and a request whose fields break the service's rules.
func edgeInterceptor(store *accounts.Store) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn,
		invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if err := checkAtEdge(ctx, store, method, req); err != nil {
			return err
		}
		return invoker(ctx, method, req, reply, cc, opts...)
	}
}

func checkAtEdge(ctx context.Context, store *accounts.Store, method string, req any) error {
	if !strings.HasPrefix(method, "/caiomatch.") { // health checks
		return nil
	}
	caller, ok := identity.FromContext(ctx)
	if !ok {
		return rpc.StatusWithReason(codes.Unauthenticated, "MISSING_TOKEN", "missing bearer token").Err()
	}
	allowed, known := allowedRoles[method]
	if !known || !slices.Contains(allowed, caller.Role) {
		return rpc.StatusWithReason(codes.PermissionDenied, "ROLE_NOT_ALLOWED",
			"role "+string(caller.Role)+" may not call this endpoint").Err()
	}
	if msg, ok := req.(proto.Message); ok {
		for _, validate := range validators {
			if err := validate(msg); err != nil {
				return rpc.Status(err).Err()
			}
		}
	}
	if create, ok := req.(*profilev1.CreateProfileRequest); ok && create.GetAccountId() != "" && caller.IsOperator() {
		return checkConsultantAccount(ctx, store, create.GetAccountId())
	}
	return nil
}

// checkConsultantAccount makes sure an operator creates a profile only for an existing
// consultant account: accounts live here, at the edge, so the profile service cannot tell.
func checkConsultantAccount(ctx context.Context, store *accounts.Store, accountID string) error {
	acc, err := store.Get(ctx, accountID)
	if fault.KindOf(err) == fault.KindNotFound || (err == nil && acc.Role != identity.RoleConsultant) {
		return rpc.InvalidStatus(fault.ReasonInvalidArgument, "invalid field accountId",
			fault.Violation{Field: "accountId", Description: "must be the id of an existing CONSULTANT account"}).Err()
	}
	if err != nil {
		return rpc.Status(err).Err()
	}
	return nil
}
