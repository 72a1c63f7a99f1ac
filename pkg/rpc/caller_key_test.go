package rpc

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
)

const testMethod = "/caiomatch.mission.v1.MissionService/GetMission"

var testKey = CallerKey("0123456789abcdef0123456789abcdef")

// testCheck is a server's check with a clock the test sets.
func testCheck(key CallerKey, now *time.Time) *callerCheck {
	v := newCallerCheck(key)
	v.now = func() time.Time { return *now }
	return v
}

// callerSeen runs the server interceptor of v over incoming metadata md for method, and reports
// the caller the handler received, or the status the call was refused with. handlerErr is what
// the handler answers.
func callerSeen(t *testing.T, v *callerCheck, method string, md metadata.MD, handlerErr ...error) (identity.Caller, bool, error) {
	t.Helper()
	var seen identity.Caller
	var ok bool
	intercept := unaryServerInterceptor(slog.New(slog.NewTextHandler(io.Discard, nil)), v)
	_, err := intercept(metadata.NewIncomingContext(context.Background(), md), nil, &grpc.UnaryServerInfo{FullMethod: method},
		func(ctx context.Context, _ any) (any, error) {
			seen, ok = identity.FromContext(ctx)
			return nil, errors.Join(handlerErr...)
		})
	return seen, ok, err
}

// signedMD is the metadata a signing client sends for c's call to method at time at.
func signedMD(key CallerKey, method string, at time.Time, c identity.Caller) metadata.MD {
	md := metadata.MD{}
	if c.AccountID != "" {
		setCaller(md, c)
	}
	md.Set(MetadataCallerSignature, key.signature(method, at, c))
	return md
}

func wantRefused(t *testing.T, what string, err error, code codes.Code, reason string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: accepted, want %s %s", what, code, reason)
		return
	}
	if st, _ := status.FromError(err); st.Code() != code || Reason(err) != reason {
		t.Errorf("%s: refused with %s %q, want %s %s", what, st.Code(), Reason(err), code, reason)
	}
}

func TestSignedCallIsAcceptedOnce(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	v := testCheck(testKey, &now)
	firm := identity.Caller{AccountID: "firm-1", Role: identity.RoleFirm, Name: "Acme Énergie", Email: "staffing@acme.example"}
	md := signedMD(testKey, testMethod, now, firm)
	if c, ok, err := callerSeen(t, v, testMethod, md); err != nil || !ok || c != firm {
		t.Fatalf("a correctly signed call was refused: %+v %v %v", c, ok, err)
	}
	now = now.Add(time.Second)
	_, _, err := callerSeen(t, v, testMethod, md)
	wantRefused(t, "the same signed header again", err, codes.Unauthenticated, ReasonSignatureReplayed)

	// Another server (another replica) has its own memory of nonces.
	if _, ok, err := callerSeen(t, testCheck(testKey, &now), testMethod, md); err != nil || !ok {
		t.Errorf("another process refused a header it never saw: %v", err)
	}
}

func TestSignatureHoldsOnlyInItsWindow(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	firm := identity.Caller{AccountID: "firm-1", Role: identity.RoleFirm}
	for _, tt := range []struct {
		name     string
		signedAt time.Duration // relative to the server's clock
		accepted bool
	}{
		{"just signed", 0, true},
		{"signed at the end of its validity, within the skew", -(SignatureValidity + SignatureSkew) + time.Second, true},
		{"expired", -(SignatureValidity + SignatureSkew) - time.Second, false},
		{"an hour old", -time.Hour, false},
		{"signer's clock ahead within the skew", SignatureSkew - time.Second, true},
		{"signed too far in the future", SignatureSkew + time.Second, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := callerSeen(t, testCheck(testKey, &now), testMethod, signedMD(testKey, testMethod, now.Add(tt.signedAt), firm))
			if tt.accepted {
				if err != nil {
					t.Errorf("refused: %v", err)
				}
				return
			}
			wantRefused(t, tt.name, err, codes.Unauthenticated, ReasonSignatureExpired)
		})
	}
}

func TestSignatureIsBoundToMethodKeyAndCaller(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	firm := identity.Caller{AccountID: "firm-1", Role: identity.RoleFirm, Name: "Acme", Email: "a@acme.example"}
	tampered := func(change func(metadata.MD)) metadata.MD {
		md := signedMD(testKey, testMethod, now, firm)
		change(md)
		return md
	}
	for _, tt := range []struct {
		name   string
		md     metadata.MD
		reason string
	}{
		{"signed for another method", signedMD(testKey, "/caiomatch.mission.v1.MissionService/CancelMission", now, firm), ReasonSignatureInvalid},
		{"signed with another key", signedMD(CallerKey("another key of 32 characters...."), testMethod, now, firm), ReasonSignatureInvalid},
		{"role raised to operator", tampered(func(md metadata.MD) { md.Set(MetadataRole, string(identity.RoleOperator)) }), ReasonSignatureInvalid},
		{"account changed", tampered(func(md metadata.MD) { md.Set(MetadataAccountID, "firm-2") }), ReasonSignatureInvalid},
		{"name changed", tampered(func(md metadata.MD) { md.Set(MetadataName, "Évil Corp") }), ReasonSignatureInvalid},
		{"email changed", tampered(func(md metadata.MD) { md.Set(MetadataEmail, "attacker@evil.example") }), ReasonSignatureInvalid},
		{"email dropped", tampered(func(md metadata.MD) { md.Delete(MetadataEmail) }), ReasonSignatureInvalid},
		{"caller added to an anonymous signature", func() metadata.MD {
			md := signedMD(testKey, testMethod, now, identity.Caller{})
			md.Set(MetadataAccountID, "op-1")
			md.Set(MetadataRole, string(identity.RoleOperator))
			return md
		}(), ReasonSignatureInvalid},
		{"time changed", tampered(func(md metadata.MD) {
			parts := strings.Split(md.Get(MetadataCallerSignature)[0], ".")
			parts[1] = "1796644801"
			md.Set(MetadataCallerSignature, strings.Join(parts, "."))
		}), ReasonSignatureInvalid},
		{"nonce changed", tampered(func(md metadata.MD) {
			parts := strings.Split(md.Get(MetadataCallerSignature)[0], ".")
			parts[2] = strings.Repeat("0", 32)
			md.Set(MetadataCallerSignature, strings.Join(parts, "."))
		}), ReasonSignatureInvalid},
		{"unsigned", tampered(func(md metadata.MD) { md.Delete(MetadataCallerSignature) }), ReasonSignatureMissing},
		{"unsigned and anonymous", metadata.MD{}, ReasonSignatureMissing},
		{"signed the old way (id and role only)", tampered(func(md metadata.MD) {
			md.Set(MetadataCallerSignature, strings.Repeat("ab", 32))
		}), ReasonSignatureMalformed},
		{"two signatures", tampered(func(md metadata.MD) {
			md.Append(MetadataCallerSignature, signedMD(testKey, testMethod, now, firm).Get(MetadataCallerSignature)...)
		}), ReasonSignatureMalformed},
		{"two roles", tampered(func(md metadata.MD) { md.Append(MetadataRole, string(identity.RoleOperator)) }), ReasonCallerMalformed},
		{"unknown role", tampered(func(md metadata.MD) { md.Set(MetadataRole, "ADMIN") }), ReasonCallerMalformed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := callerSeen(t, testCheck(testKey, &now), testMethod, tt.md)
			wantRefused(t, tt.name, err, codes.Unauthenticated, tt.reason)
		})
	}
	// Moving characters between fields changes the signature.
	if testKey.signCall(testMethod, 1, "n", identity.Caller{AccountID: "a", Role: identity.RoleFirm, Name: "ab", Email: "c"}) ==
		testKey.signCall(testMethod, 1, "n", identity.Caller{AccountID: "a", Role: identity.RoleFirm, Name: "a", Email: "bc"}) {
		t.Error("fields are not delimited in the signed text")
	}
}

func TestSignedAnonymousCallAndHealthChecks(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	v := testCheck(testKey, &now)
	if _, ok, err := callerSeen(t, v, testMethod, signedMD(testKey, testMethod, now, identity.Caller{})); err != nil || ok {
		t.Errorf("a signed call without a caller: caller %v, error %v; want no caller, no error", ok, err)
	}
	health := "/" + healthpb.Health_ServiceDesc.ServiceName + "/Check"
	if _, ok, err := callerSeen(t, v, health, metadata.MD{}); err != nil || ok {
		t.Errorf("an unsigned health check: caller %v, error %v; want answered", ok, err)
	}
}

// A call answered UNAVAILABLE had no effect and gRPC retries it with the same metadata: its
// signature may be used again. Any other answer spends it.
func TestUnavailableCallMayBeRetried(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	v := testCheck(testKey, &now)
	firm := identity.Caller{AccountID: "firm-1", Role: identity.RoleFirm}
	md := signedMD(testKey, testMethod, now, firm)
	unavailable := &fault.Error{Kind: fault.KindUnavailable, Reason: "STORE_UNAVAILABLE", Message: "down"}
	if _, _, err := callerSeen(t, v, testMethod, md, unavailable); status.Code(err) != codes.Unavailable {
		t.Fatalf("first call: %v", err)
	}
	if _, _, err := callerSeen(t, v, testMethod, md, fault.NotFound("MISSION_NOT_FOUND", "no")); status.Code(err) != codes.NotFound {
		t.Fatalf("the retry of an UNAVAILABLE call was refused: %v", err)
	}
	_, _, err := callerSeen(t, v, testMethod, md)
	wantRefused(t, "a third use after a NOT_FOUND", err, codes.Unauthenticated, ReasonSignatureReplayed)
}

// Without a key (tests, in-process wiring) the caller metadata is trusted as it comes.
func TestServerWithoutKeyTrustsCallerMetadata(t *testing.T) {
	now := time.Now()
	firm := identity.Caller{AccountID: "firm-1", Role: identity.RoleFirm}
	if c, ok, err := callerSeen(t, testCheck(nil, &now), testMethod,
		metadata.Pairs(MetadataAccountID, "firm-1", MetadataRole, "FIRM")); err != nil || !ok || c != firm {
		t.Errorf("a server without a key refused an unsigned caller: %+v %v %v", c, ok, err)
	}
}

func TestNonceCacheIsBounded(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	c := newNonceCache(2)
	n := func(b byte) (nonce [nonceSize]byte) { nonce[0] = b; return nonce }
	expires := now.Add(SignatureValidity)
	if c.add(n(1), expires, now) != nonceAccepted || c.add(n(2), now.Add(time.Second), now) != nonceAccepted {
		t.Fatal("an empty cache refused a nonce")
	}
	if got := c.add(n(1), expires, now); got != nonceReplayed {
		t.Errorf("a nonce added twice: %v, want replayed", got)
	}
	if got := c.add(n(3), expires, now); got != nonceCacheFull {
		t.Errorf("a full cache took another nonce: %v", got)
	}
	// Once the second nonce expired (and a second passed since the last sweep), there is room.
	later := now.Add(2 * time.Second)
	if got := c.add(n(3), expires, later); got != nonceAccepted {
		t.Errorf("the cache did not drop an expired nonce: %v", got)
	}
	if got := c.add(n(1), expires, later); got != nonceReplayed {
		t.Errorf("a nonce still valid was forgotten to make room: %v", got)
	}
}

// fakeStream is a server stream that only has a context.
type fakeStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s fakeStream) Context() context.Context { return s.ctx }

// A streaming method is checked like a unary one.
func TestStreamingCallsAreCheckedToo(t *testing.T) {
	now := time.Now()
	v := testCheck(testKey, &now)
	intercept := streamServerInterceptor(slog.New(slog.NewTextHandler(io.Discard, nil)), v)
	firm := identity.Caller{AccountID: "firm-1", Role: identity.RoleFirm}
	const method = "/caiomatch.notification.v1.NotificationService/Watch"
	run := func(md metadata.MD) (identity.Caller, bool, error) {
		var seen identity.Caller
		var ok bool
		err := intercept(nil, fakeStream{ctx: metadata.NewIncomingContext(context.Background(), md)},
			&grpc.StreamServerInfo{FullMethod: method, IsServerStream: true},
			func(_ any, ss grpc.ServerStream) error {
				seen, ok = identity.FromContext(ss.Context())
				return nil
			})
		return seen, ok, err
	}
	_, _, err := run(metadata.Pairs(MetadataAccountID, "op-1", MetadataRole, "OPERATOR"))
	wantRefused(t, "an unsigned stream", err, codes.Unauthenticated, ReasonSignatureMissing)
	if c, ok, err := run(signedMD(testKey, method, now, firm)); err != nil || !ok || c != firm {
		t.Errorf("a signed stream: %+v %v %v", c, ok, err)
	}
}
