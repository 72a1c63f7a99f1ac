package rpc

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/caiomatch/caiomatch/pkg/identity"
)

// Metadata keys that carry the caller from the gateway to the services, and between services.
// The gateway never forwards client-supplied metadata, so only trusted hops set them.
const (
	MetadataAccountID = "x-caiomatch-account-id"
	MetadataRole      = "x-caiomatch-role"
)

// callerFromIncoming reads the caller the previous hop sent, if any.
func callerFromIncoming(ctx context.Context) (identity.Caller, bool) {
	md, ok := metadata.FromIncomingContext(ctx)
	if !ok {
		return identity.Caller{}, false
	}
	ids, roles := md.Get(MetadataAccountID), md.Get(MetadataRole)
	if len(ids) != 1 || len(roles) != 1 || ids[0] == "" {
		return identity.Caller{}, false
	}
	role, ok := identity.ParseRole(roles[0])
	if !ok {
		return identity.Caller{}, false
	}
	return identity.Caller{AccountID: ids[0], Role: role}, true
}

// withOutgoingCaller replaces (never appends to) the caller metadata of an outgoing call.
func withOutgoingCaller(ctx context.Context) context.Context {
	md, _ := metadata.FromOutgoingContext(ctx)
	md = md.Copy()
	md.Delete(MetadataAccountID)
	md.Delete(MetadataRole)
	if c, ok := identity.FromContext(ctx); ok {
		md.Set(MetadataAccountID, c.AccountID)
		md.Set(MetadataRole, string(c.Role))
	}
	return metadata.NewOutgoingContext(ctx, md)
}

func callerClientInterceptor(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn,
	invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	return invoker(withOutgoingCaller(ctx), method, req, reply, cc, opts...)
}
