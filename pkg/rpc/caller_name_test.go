package rpc

import (
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace/noop"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/locale"
)

// Names are not ASCII; they cross a real gRPC connection (binary metadata) intact, signed, and
// a client cannot replace them with metadata of its own.
func TestCallerNameAndEmailCrossTheWire(t *testing.T) {
	key := CallerKey("0123456789abcdef0123456789abcdef")
	got := make(chan seen, 1)
	h := startServer(t, 5*time.Second, recordingHandler(got), WithCallerKey(key))
	conn, err := Dial("passthrough:///bufnet", noop.NewTracerProvider(), SignCallers(key), bufDialer(h.lis))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })

	for _, want := range []identity.Caller{
		{AccountID: "firm-1", Role: identity.RoleFirm, Name: "Zoë Ångström — 日本の会社 🚀", Email: "zoë@例え.jp"},
		{AccountID: "firm-2", Role: identity.RoleFirm, Name: "Line\nbreak: and, commas; \"quotes\"", Email: ""},
		{AccountID: "cons-1", Role: identity.RoleConsultant, Name: "", Email: "claire@example.com"},
		{AccountID: "op-1", Role: identity.RoleOperator},
	} {
		ctx := identity.WithCaller(testCtx(t), want)
		// Client-set metadata never replaces the caller's.
		ctx = metadata.AppendToOutgoingContext(ctx, MetadataName, "Forged", MetadataEmail, "forged@evil.example")
		if _, err := call(ctx, conn, "hi"); err != nil {
			t.Fatalf("call: %v", err)
		}
		if s := <-got; !s.hasCaller || s.caller != want {
			t.Errorf("handler caller = %+v (%v), want %+v", s.caller, s.hasCaller, want)
		}
	}

	// A peer without the key that rewrites the name of a signed caller is refused.
	firm := identity.Caller{AccountID: "firm-1", Role: identity.RoleFirm, Name: "Acme", Email: "a@acme.example"}
	raw := h.rawConn(t)
	ctx := metadata.AppendToOutgoingContext(testCtx(t), MetadataAccountID, firm.AccountID, MetadataRole, string(firm.Role),
		MetadataName, "Évil Corp", MetadataEmail, firm.Email,
		MetadataCallerSignature, key.signature(echoMethod, time.Now(), firm))
	if _, err := call(ctx, raw, "hi"); status.Code(err) != codes.Unauthenticated || Reason(err) != ReasonSignatureInvalid {
		t.Errorf("a caller with a rewritten name: %v, want UNAUTHENTICATED %s", err, ReasonSignatureInvalid)
	}
	select {
	case s := <-got:
		t.Errorf("the handler ran for a refused call, with caller %+v", s.caller)
	default:
	}
}

// The reader's language travels with every call; what the platform does not speak reads as the
// default rather than reaching a handler.
func TestLanguageCrossesTheWire(t *testing.T) {
	got := make(chan seen, 1)
	h := startServer(t, 5*time.Second, recordingHandler(got))
	conn, err := Dial("passthrough:///bufnet", noop.NewTracerProvider(), bufDialer(h.lis))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	for _, want := range []locale.Language{locale.French, locale.English} {
		if _, err := call(locale.WithLanguage(testCtx(t), want), conn, "hi"); err != nil {
			t.Fatalf("call: %v", err)
		}
		if s := <-got; s.language != want {
			t.Errorf("handler language = %q, want %q", s.language, want)
		}
	}
	if _, err := call(testCtx(t), conn, "hi"); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s.language != locale.Default {
		t.Errorf("no language chosen: handler reads %q, want the default", s.language)
	}
	raw := h.rawConn(t)
	if _, err := call(metadata.AppendToOutgoingContext(testCtx(t), MetadataLanguage, "klingon"), raw, "hi"); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s.language != locale.Default {
		t.Errorf("an unknown language reads %q, want the default", s.language)
	}
}
