package rpc

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/caiomatch/caiomatch/pkg/identity"
)

// Metadata keys that carry the caller from the gateway to the services, and between services.
// The gateway never forwards client-supplied metadata, so only trusted hops set them.
const (
	MetadataAccountID = "x-caiomatch-account-id"
	MetadataRole      = "x-caiomatch-role"
	// MetadataCallerSignature is an HMAC of the caller under the platform's internal key, so a
	// process that can reach a service's port but lacks the key cannot claim to be anyone.
	MetadataCallerSignature = "x-caiomatch-caller-sig"
)

// CallerKey is the secret shared by the gateway and the services to sign callers. An empty
// key signs nothing and accepts unsigned callers (tests, a single trusted host).
type CallerKey []byte

func (k CallerKey) sign(c identity.Caller) string {
	mac := hmac.New(sha256.New, k)
	mac.Write([]byte(c.AccountID + "\n" + string(c.Role)))
	return hex.EncodeToString(mac.Sum(nil))
}

// callerFromIncoming reads the caller the previous hop sent, if any and if its signature holds.
func callerFromIncoming(ctx context.Context, key CallerKey) (identity.Caller, bool) {
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
	caller := identity.Caller{AccountID: ids[0], Role: role}
	if len(key) > 0 {
		sigs := md.Get(MetadataCallerSignature)
		if len(sigs) != 1 || !hmac.Equal([]byte(sigs[0]), []byte(key.sign(caller))) {
			return identity.Caller{}, false
		}
	}
	return caller, true
}

// SignCallers makes a client sign the caller it forwards with key.
func SignCallers(key CallerKey) grpc.DialOption {
	return grpc.WithChainUnaryInterceptor(func(ctx context.Context, method string, req, reply any,
		cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		md, _ := metadata.FromOutgoingContext(ctx)
		md = md.Copy()
		md.Delete(MetadataCallerSignature)
		if c, ok := identity.FromContext(ctx); ok && len(key) > 0 {
			md.Set(MetadataCallerSignature, key.sign(c))
		}
		return invoker(metadata.NewOutgoingContext(ctx, md), method, req, reply, cc, opts...)
	})
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
