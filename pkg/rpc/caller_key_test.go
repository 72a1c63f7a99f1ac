package rpc

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/caiomatch/caiomatch/pkg/identity"
)

// callerSeen runs the server interceptor over incoming metadata md and reports the caller the
// handler received.
func callerSeen(t *testing.T, key CallerKey, md metadata.MD) (identity.Caller, bool) {
	t.Helper()
	var seen identity.Caller
	var ok bool
	intercept := unaryServerInterceptor(slog.New(slog.NewTextHandler(io.Discard, nil)), key)
	_, err := intercept(metadata.NewIncomingContext(context.Background(), md), nil, &grpc.UnaryServerInfo{FullMethod: "/x/Y"},
		func(ctx context.Context, _ any) (any, error) {
			seen, ok = identity.FromContext(ctx)
			return nil, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return seen, ok
}

func TestCallerSignature(t *testing.T) {
	key := CallerKey("0123456789abcdef0123456789abcdef")
	operator := identity.Caller{AccountID: "op-1", Role: identity.RoleOperator}
	signed := metadata.Pairs(MetadataAccountID, "op-1", MetadataRole, "OPERATOR", MetadataCallerSignature, key.sign(operator))
	if c, ok := callerSeen(t, key, signed); !ok || c != operator {
		t.Fatalf("a correctly signed caller was refused: %+v %v", c, ok)
	}
	forged := metadata.Pairs(MetadataAccountID, "op-1", MetadataRole, "OPERATOR")
	if _, ok := callerSeen(t, key, forged); ok {
		t.Error("an unsigned caller was accepted by a server with a key")
	}
	wrongKey := metadata.Pairs(MetadataAccountID, "op-1", MetadataRole, "OPERATOR",
		MetadataCallerSignature, CallerKey("another key").sign(operator))
	if _, ok := callerSeen(t, key, wrongKey); ok {
		t.Error("a caller signed with another key was accepted")
	}
	escalated := metadata.Pairs(MetadataAccountID, "firm-1", MetadataRole, "OPERATOR",
		MetadataCallerSignature, key.sign(identity.Caller{AccountID: "firm-1", Role: identity.RoleFirm}))
	if _, ok := callerSeen(t, key, escalated); ok {
		t.Error("a firm's signature was accepted for the operator role")
	}
	if _, ok := callerSeen(t, nil, forged); !ok {
		t.Error("a server without a key refused an unsigned caller")
	}
}
