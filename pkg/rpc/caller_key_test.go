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

// The name and email travel signed: changing either is refused like a changed role.
func TestCallerNameAndEmailAreSigned(t *testing.T) {
	key := CallerKey("0123456789abcdef0123456789abcdef")
	firm := identity.Caller{AccountID: "firm-1", Role: identity.RoleFirm, Name: "Acme Énergie", Email: "staffing@acme.example"}
	pairs := func(c identity.Caller, signedAs identity.Caller) metadata.MD {
		return metadata.Pairs(MetadataAccountID, c.AccountID, MetadataRole, string(c.Role),
			MetadataName, c.Name, MetadataEmail, c.Email,
			MetadataCallerSignature, key.sign(signedAs), MetadataCallerSignatureFull, key.signFull(signedAs))
	}
	if c, ok := callerSeen(t, key, pairs(firm, firm)); !ok || c != firm {
		t.Fatalf("a correctly signed caller with name and email was refused: %+v %v", c, ok)
	}
	renamed := firm
	renamed.Name = "Someone Else"
	if _, ok := callerSeen(t, key, pairs(renamed, firm)); ok {
		t.Error("a tampered name was accepted")
	}
	reEmailed := firm
	reEmailed.Email = "attacker@evil.example"
	if _, ok := callerSeen(t, key, pairs(reEmailed, firm)); ok {
		t.Error("a tampered email was accepted")
	}
	// A name added to a caller signed without one.
	bare := identity.Caller{AccountID: firm.AccountID, Role: firm.Role}
	added := metadata.Pairs(MetadataAccountID, bare.AccountID, MetadataRole, string(bare.Role), MetadataName, "Forged",
		MetadataCallerSignature, key.sign(bare))
	if _, ok := callerSeen(t, key, added); ok {
		t.Error("a name without the full signature was accepted")
	}
	added.Set(MetadataCallerSignatureFull, key.signFull(bare))
	if _, ok := callerSeen(t, key, added); ok {
		t.Error("a name added under the signature of a caller without one was accepted")
	}
	// Moving characters between fields changes the signature.
	if key.signFull(identity.Caller{AccountID: "a", Role: identity.RoleFirm, Name: "ab", Email: "c"}) ==
		key.signFull(identity.Caller{AccountID: "a", Role: identity.RoleFirm, Name: "a", Email: "bc"}) {
		t.Error("fields are not delimited in the signed text")
	}
	twoNames := pairs(firm, firm)
	twoNames.Append(MetadataName, "Second")
	if _, ok := callerSeen(t, key, twoNames); ok {
		t.Error("a caller with two names was accepted")
	}
	// An older gateway signs id and role only: its callers are still accepted, without name.
	if c, ok := callerSeen(t, key, metadata.Pairs(MetadataAccountID, bare.AccountID, MetadataRole, string(bare.Role),
		MetadataCallerSignature, key.sign(bare))); !ok || c != bare {
		t.Errorf("a caller signed the old way was refused: %+v %v", c, ok)
	}
}
