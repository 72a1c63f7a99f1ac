package httpapi

import (
	"context"
	"slices"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/rpc"
	missiongrpc "github.com/caiomatch/caiomatch/services/mission/grpcapi"
	profilegrpc "github.com/caiomatch/caiomatch/services/profile/grpcapi"
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
	missionv1.MissionService_CreateMission_FullMethodName:  firm,
	missionv1.MissionService_GetMission_FullMethodName:     roles(firm, operator),
	missionv1.MissionService_ListMissions_FullMethodName:   roles(firm, operator),
	missionv1.MissionService_CancelMission_FullMethodName:  roles(firm, operator),
	matchingv1.MatchingService_GetShortlist_FullMethodName: roles(firm, operator),
}

// validators apply each service's own field rules at the edge.
var validators = []func(proto.Message) error{profilegrpc.Validate, missiongrpc.Validate}

// edgeInterceptor refuses, before anything travels, a call the caller's role may never make
// and a request whose fields break the service's rules.
func edgeInterceptor(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn,
	invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	if !strings.HasPrefix(method, "/caiomatch.") { // health checks
		return invoker(ctx, method, req, reply, cc, opts...)
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
	return invoker(ctx, method, req, reply, cc, opts...)
}
