package rpc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace/noop"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/caiomatch/caiomatch/pkg/eventbus/eventbustest"
	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/locale"
)

const (
	echoService = "caiomatch.test.Echo"
	echoMethod  = "/" + echoService + "/Call"
)

type echoFunc func(ctx context.Context, req *wrapperspb.StringValue) (*wrapperspb.StringValue, error)

// registerEcho registers a one-method unary service whose behaviour is h, so the tests exercise
// the server's interceptor exactly as a generated service would.
func registerEcho(s *grpc.Server, h echoFunc) {
	s.RegisterService(&grpc.ServiceDesc{
		ServiceName: echoService,
		HandlerType: (*any)(nil),
		Methods: []grpc.MethodDesc{{
			MethodName: "Call",
			Handler: func(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
				in := new(wrapperspb.StringValue)
				if err := dec(in); err != nil {
					return nil, err
				}
				handler := func(ctx context.Context, req any) (any, error) { return h(ctx, req.(*wrapperspb.StringValue)) }
				if interceptor == nil {
					return handler(ctx, in)
				}
				return interceptor(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: echoMethod}, handler)
			},
		}},
	}, struct{}{})
}

// nextErr is the error a test handler returns, changed between calls.
type nextErr struct{ p atomic.Pointer[error] }

func (n *nextErr) Store(err error) { n.p.Store(&err) }
func (n *nextErr) Load() error     { return *n.p.Load() }

type harness struct {
	srv    *Server
	lis    *bufconn.Listener
	conn   *grpc.ClientConn // built with Dial: caller + deadline interceptors, retry config
	stop   context.CancelFunc
	served chan struct{} // closed when Serve returned, with serveErr set
	logs   *eventbustest.SyncBuffer

	serveErr error
}

func startServer(t *testing.T, grace time.Duration, h echoFunc, options ...ServerOption) *harness {
	t.Helper()
	logs := &eventbustest.SyncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := NewServer(noop.NewTracerProvider(), logger, options...)
	registerEcho(srv.GRPC, h)
	lis := bufconn.Listen(1 << 20)
	ctx, stop := context.WithCancel(context.Background())
	hs := &harness{srv: srv, lis: lis, stop: stop, served: make(chan struct{}), logs: logs}
	go func() {
		hs.serveErr = srv.Serve(ctx, lis, grace)
		close(hs.served)
	}()

	conn, err := Dial("passthrough:///bufnet", noop.NewTracerProvider(), bufDialer(lis))
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	hs.conn = conn
	t.Cleanup(func() {
		conn.Close()
		stop()
		select {
		case <-hs.served:
		case <-time.After(10 * time.Second):
			t.Error("Serve did not return at cleanup")
		}
	})
	return hs
}

func bufDialer(lis *bufconn.Listener) grpc.DialOption {
	return grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) })
}

// rawConn is a client without the package's interceptors, to send arbitrary metadata.
func (h *harness) rawConn(t *testing.T) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient("passthrough:///bufnet", bufDialer(h.lis),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func call(ctx context.Context, conn *grpc.ClientConn, in string) (string, error) {
	out := new(wrapperspb.StringValue)
	err := conn.Invoke(ctx, echoMethod, wrapperspb.String(in), out)
	return out.GetValue(), err
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// seen is what a handler observed about its request.
type seen struct {
	caller    identity.Caller
	hasCaller bool
	ids       []string
	roles     []string
	language  locale.Language
}

func recordingHandler(out chan<- seen) echoFunc {
	return func(ctx context.Context, req *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
		var s seen
		s.caller, s.hasCaller = identity.FromContext(ctx)
		md, _ := metadata.FromIncomingContext(ctx)
		s.ids, s.roles = md.Get(MetadataAccountID), md.Get(MetadataRole)
		s.language = locale.FromContext(ctx)
		out <- s
		return req, nil
	}
}

func TestCallerPropagatesAndForgedMetadataIsReplaced(t *testing.T) {
	got := make(chan seen, 1)
	h := startServer(t, 5*time.Second, recordingHandler(got))
	firm := identity.Caller{AccountID: "acc-firm-1", Role: identity.RoleFirm}

	tests := []struct {
		name string
		ctx  func(context.Context) context.Context
		want *identity.Caller
	}{
		{"caller only", func(ctx context.Context) context.Context {
			return identity.WithCaller(ctx, firm)
		}, &firm},
		{"caller plus appended forgery", func(ctx context.Context) context.Context {
			ctx = identity.WithCaller(ctx, firm)
			return metadata.AppendToOutgoingContext(ctx,
				MetadataAccountID, "acc-operator-0", MetadataRole, string(identity.RoleOperator), "x-other", "kept")
		}, &firm},
		{"caller plus outgoing forgery", func(ctx context.Context) context.Context {
			ctx = metadata.NewOutgoingContext(ctx, metadata.Pairs(
				MetadataAccountID, "acc-operator-0", MetadataAccountID, "acc-operator-1",
				"X-Caiomatch-Role", string(identity.RoleOperator), "x-other", "kept"))
			return identity.WithCaller(ctx, firm)
		}, &firm},
		{"anonymous with forgery", func(ctx context.Context) context.Context {
			return metadata.AppendToOutgoingContext(ctx,
				MetadataAccountID, "acc-operator-0", MetadataRole, string(identity.RoleOperator), "x-other", "kept")
		}, nil},
		{"anonymous", func(ctx context.Context) context.Context { return ctx }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := call(tt.ctx(testCtx(t)), h.conn, "hi"); err != nil {
				t.Fatalf("call: %v", err)
			}
			s := <-got
			if tt.want == nil {
				if s.hasCaller || len(s.ids) != 0 || len(s.roles) != 0 {
					t.Errorf("anonymous call arrived with caller %+v (%v), metadata ids=%q roles=%q",
						s.caller, s.hasCaller, s.ids, s.roles)
				}
				return
			}
			if !s.hasCaller || s.caller != *tt.want {
				t.Errorf("handler caller = %+v (%v), want %+v", s.caller, s.hasCaller, *tt.want)
			}
			if len(s.ids) != 1 || s.ids[0] != tt.want.AccountID || len(s.roles) != 1 || s.roles[0] != string(tt.want.Role) {
				t.Errorf("metadata ids=%q roles=%q, want exactly the caller's", s.ids, s.roles)
			}
		})
	}
}

func TestSignedCallerEndToEnd(t *testing.T) {
	key := CallerKey("0123456789abcdef0123456789abcdef")
	got := make(chan seen, 1)
	h := startServer(t, 5*time.Second, recordingHandler(got), WithCallerKey(key))
	dial := func(extra ...grpc.DialOption) *grpc.ClientConn {
		conn, err := Dial("passthrough:///bufnet", noop.NewTracerProvider(), append(extra, bufDialer(h.lis))...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return conn
	}
	signing, unsigned, wrongKey := dial(SignCallers(key)), dial(), dial(SignCallers(CallerKey("another key")))
	firm := identity.Caller{AccountID: "acc-firm-1", Role: identity.RoleFirm}

	tests := []struct {
		name   string
		conn   *grpc.ClientConn
		ctx    func(context.Context) context.Context
		reason string // why the call is refused; "" for accepted, "anonymous" for accepted without a caller
	}{
		{"signed", signing, func(ctx context.Context) context.Context { return identity.WithCaller(ctx, firm) }, ""},
		{"signed, forged signature replaced", signing, func(ctx context.Context) context.Context {
			ctx = metadata.AppendToOutgoingContext(ctx, MetadataCallerSignature, "forged")
			return identity.WithCaller(ctx, firm)
		}, ""},
		{"unsigned", unsigned, func(ctx context.Context) context.Context { return identity.WithCaller(ctx, firm) }, ReasonSignatureMissing},
		{"other key", wrongKey, func(ctx context.Context) context.Context { return identity.WithCaller(ctx, firm) }, ReasonSignatureInvalid},
		// The client replaces metadata it is handed: the call goes out anonymous, signed as such.
		{"anonymous with a forged caller and signature", signing, func(ctx context.Context) context.Context {
			return metadata.AppendToOutgoingContext(ctx, MetadataAccountID, firm.AccountID, MetadataRole, string(firm.Role),
				MetadataCallerSignature, key.signature(echoMethod, time.Now(), firm))
		}, "anonymous"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := call(tt.ctx(testCtx(t)), tt.conn, "hi")
			if tt.reason == "anonymous" {
				if err != nil {
					t.Fatalf("call: %v", err)
				}
				if s := <-got; s.hasCaller {
					t.Errorf("caller %+v arrived; want accepted without a caller", s.caller)
				}
				return
			}
			if tt.reason != "" {
				if status.Code(err) != codes.Unauthenticated || Reason(err) != tt.reason {
					t.Errorf("call: %v, want UNAUTHENTICATED %s", err, tt.reason)
				}
				return
			}
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			if s := <-got; !s.hasCaller || s.caller != firm {
				t.Errorf("handler caller = %+v (%v), want %+v", s.caller, s.hasCaller, firm)
			}
		})
	}

	// A header captured on the wire and replayed is refused, even on a connection of its own.
	captured := make(chan metadata.MD, 1)
	capturing := dial(SignCallers(key), grpc.WithChainUnaryInterceptor(func(ctx context.Context, method string, req, reply any,
		cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		md, _ := metadata.FromOutgoingContext(ctx)
		captured <- md.Copy()
		return invoker(ctx, method, req, reply, cc, opts...)
	}))
	if _, err := call(identity.WithCaller(testCtx(t), firm), capturing, "hi"); err != nil {
		t.Fatal(err)
	}
	<-got
	md := <-captured // signed; the caller metadata is added after this interceptor, as it is here
	md.Set(MetadataAccountID, firm.AccountID)
	md.Set(MetadataRole, string(firm.Role))
	_, err := call(metadata.NewOutgoingContext(testCtx(t), md), h.rawConn(t), "hi")
	if status.Code(err) != codes.Unauthenticated || Reason(err) != ReasonSignatureReplayed {
		t.Errorf("a replayed header: %v, want UNAUTHENTICATED %s", err, ReasonSignatureReplayed)
	}
}

func TestServerIgnoresAmbiguousOrInvalidCallerMetadata(t *testing.T) {
	got := make(chan seen, 1)
	h := startServer(t, 5*time.Second, recordingHandler(got))
	raw := h.rawConn(t)

	tests := []struct {
		name string
		md   metadata.MD
		want *identity.Caller
	}{
		{"valid", metadata.Pairs(MetadataAccountID, "acc-1", MetadataRole, "CONSULTANT"),
			&identity.Caller{AccountID: "acc-1", Role: identity.RoleConsultant}},
		{"two account ids", metadata.Pairs(MetadataAccountID, "acc-1", MetadataAccountID, "acc-2", MetadataRole, "FIRM"), nil},
		{"two roles", metadata.Pairs(MetadataAccountID, "acc-1", MetadataRole, "FIRM", MetadataRole, "OPERATOR"), nil},
		{"empty account id", metadata.Pairs(MetadataAccountID, "", MetadataRole, "FIRM"), nil},
		{"unknown role", metadata.Pairs(MetadataAccountID, "acc-1", MetadataRole, "ADMIN"), nil},
		{"lower-case role", metadata.Pairs(MetadataAccountID, "acc-1", MetadataRole, "operator"), nil},
		{"role missing", metadata.Pairs(MetadataAccountID, "acc-1"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := call(metadata.NewOutgoingContext(testCtx(t), tt.md), raw, "hi"); err != nil {
				t.Fatalf("call: %v", err)
			}
			s := <-got
			switch {
			case tt.want == nil && s.hasCaller:
				t.Errorf("caller %+v accepted, want anonymous", s.caller)
			case tt.want != nil && (!s.hasCaller || s.caller != *tt.want):
				t.Errorf("caller = %+v (%v), want %+v", s.caller, s.hasCaller, *tt.want)
			}
		})
	}
}

func TestHandlerErrorsReachClientAsMappedStatus(t *testing.T) {
	var next nextErr // error the handler returns
	h := startServer(t, 5*time.Second, func(ctx context.Context, req *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
		return nil, next.Load()
	})

	t.Run("invalid with violations", func(t *testing.T) {
		next.Store(fmt.Errorf("create mission: %w", fault.Invalid(fault.ReasonInvalidArgument,
			fault.Violation{Field: "durationMonths", Description: "must be positive"},
			fault.Violation{Field: "skills[0].code", Description: "unknown skill"})))
		_, err := call(testCtx(t), h.conn, "x")
		st, ok := status.FromError(err)
		if !ok || st.Code() != codes.InvalidArgument || st.Message() != "2 invalid fields" {
			t.Fatalf("err = %v, want InvalidArgument %q", err, "2 invalid fields")
		}
		if Reason(err) != fault.ReasonInvalidArgument {
			t.Errorf("Reason = %q", Reason(err))
		}
		info, br := details(t, st)
		if info.GetDomain() != ErrorDomain {
			t.Errorf("domain = %q", info.GetDomain())
		}
		want := "[{durationMonths must be positive} {skills[0].code unknown skill}]"
		if got := fmt.Sprint(fieldViolations(br)); got != want {
			t.Errorf("violations = %s, want %s", got, want)
		}
	})

	t.Run("not found", func(t *testing.T) {
		next.Store(fault.NotFound("MISSION_NOT_FOUND", "mission m-9 not found"))
		_, err := call(testCtx(t), h.conn, "x")
		if status.Code(err) != codes.NotFound || Reason(err) != "MISSION_NOT_FOUND" {
			t.Fatalf("err = %v (reason %q)", err, Reason(err))
		}
		if strings.Contains(h.logs.String(), "mission m-9") {
			t.Error("a classified client error must not be logged as a failure")
		}
	})

	t.Run("unclassified", func(t *testing.T) {
		next.Store(errors.New("sql: database is locked at /srv/secret.db"))
		_, err := call(testCtx(t), h.conn, "x")
		st, _ := status.FromError(err)
		if st.Code() != codes.Internal || st.Message() != "internal error" || Reason(err) != "INTERNAL" {
			t.Fatalf("err = %v, want bare Internal", err)
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("original error leaked to the client: %v", err)
		}
		logs := h.logs.String()
		if !strings.Contains(logs, "secret.db") || !strings.Contains(logs, echoMethod) {
			t.Errorf("server did not log the original error with its method:\n%s", logs)
		}
	})
}

func TestClientRetriesOnlyUnavailable(t *testing.T) {
	var calls atomic.Int32
	var next nextErr
	h := startServer(t, 5*time.Second, func(ctx context.Context, req *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
		calls.Add(1)
		return nil, next.Load()
	})

	next.Store(&fault.Error{Kind: fault.KindUnavailable, Reason: "BUSY", Message: "busy"})
	_, err := call(testCtx(t), h.conn, "x")
	if status.Code(err) != codes.Unavailable || Reason(err) != "BUSY" {
		t.Fatalf("err = %v", err)
	}
	if n := calls.Swap(0); n != 4 {
		t.Errorf("UNAVAILABLE was attempted %d times, want 4", n)
	}

	next.Store(fault.FailedPrecondition("CLOSED", "closed"))
	if _, err := call(testCtx(t), h.conn, "x"); status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("err = %v", err)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("FAILED_PRECONDITION was attempted %d times, want 1", n)
	}
}

func TestCallWithoutDeadlineGetsDefault(t *testing.T) {
	deadlines := make(chan time.Duration, 1)
	h := startServer(t, 5*time.Second, func(ctx context.Context, req *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
		d, ok := ctx.Deadline()
		if !ok {
			deadlines <- -1
		} else {
			deadlines <- time.Until(d)
		}
		return req, nil
	})

	if _, err := call(context.Background(), h.conn, "x"); err != nil {
		t.Fatalf("call: %v", err)
	}
	if left := <-deadlines; left <= 0 || left > DefaultCallTimeout || left < DefaultCallTimeout-3*time.Second {
		t.Errorf("call without deadline: handler saw %v left, want about %v", left, DefaultCallTimeout)
	}

	// A caller's own, shorter, deadline is kept.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := call(ctx, h.conn, "x"); err != nil {
		t.Fatalf("call: %v", err)
	}
	if left := <-deadlines; left <= 0 || left > 2*time.Second {
		t.Errorf("call with 2s deadline: handler saw %v left", left)
	}
}

func (h *harness) waitServed(t *testing.T, within time.Duration) error {
	t.Helper()
	select {
	case <-h.served:
		return h.serveErr
	case <-time.After(within):
		t.Fatalf("Serve did not return within %v", within)
		return nil
	}
}

func (h *harness) assertNotServed(t *testing.T, during time.Duration) {
	t.Helper()
	select {
	case <-h.served:
		t.Fatalf("Serve returned (%v) while a call was still in flight", h.serveErr)
	case <-time.After(during):
	}
}

func TestHealthServingThenNotServingAndGracefulStop(t *testing.T) {
	h := startServer(t, 30*time.Second, func(ctx context.Context, req *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
		return req, nil
	})
	ctx := testCtx(t)
	health := healthpb.NewHealthClient(h.conn)

	resp, err := health.Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("Check = %v, %v; want SERVING", resp, err)
	}
	watchCtx, endWatch := context.WithCancel(ctx)
	defer endWatch()
	watch, err := health.Watch(watchCtx, &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	if msg, err := watch.Recv(); err != nil || msg.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("first Watch status = %v, %v; want SERVING", msg, err)
	}

	h.stop()
	if msg, err := watch.Recv(); err != nil || msg.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Fatalf("Watch status after stop = %v, %v; want NOT_SERVING", msg, err)
	}
	// GracefulStop waits for the open Watch stream: Serve must not return yet.
	h.assertNotServed(t, 200*time.Millisecond)
	endWatch()
	if err := h.waitServed(t, 5*time.Second); err != nil {
		t.Fatalf("Serve = %v, want nil", err)
	}
	if resp, err := h.srv.Health.Check(ctx, &healthpb.HealthCheckRequest{}); err != nil ||
		resp.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Errorf("health after Serve = %v, %v; want NOT_SERVING", resp, err)
	}
	if strings.Contains(h.logs.String(), "stopping hard") {
		t.Error("a graceful stop must not fall back to a hard stop")
	}
	if _, err := call(ctx, h.rawConn(t), "x"); err == nil {
		t.Error("a call after Serve returned succeeded")
	}
}

func TestGracefulStopDrainsInFlightCall(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	h := startServer(t, 30*time.Second, func(ctx context.Context, req *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
		close(entered)
		<-release
		return wrapperspb.String("done " + req.GetValue()), nil
	})
	result := make(chan error, 1)
	go func() {
		out, err := call(context.Background(), h.conn, "job")
		if err == nil && out != "done job" {
			err = fmt.Errorf("reply %q", out)
		}
		result <- err
	}()
	<-entered
	h.stop()
	h.assertNotServed(t, 300*time.Millisecond)
	close(release)
	if err := <-result; err != nil {
		t.Fatalf("in-flight call failed across a graceful stop: %v", err)
	}
	if err := h.waitServed(t, 5*time.Second); err != nil {
		t.Fatalf("Serve = %v", err)
	}
}

func TestStopsHardAfterGrace(t *testing.T) {
	entered := make(chan struct{})
	h := startServer(t, 150*time.Millisecond, func(ctx context.Context, req *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
		close(entered)
		<-ctx.Done()
		return nil, ctx.Err()
	})
	result := make(chan error, 1)
	go func() {
		_, err := call(context.Background(), h.conn, "stuck")
		result <- err
	}()
	<-entered
	start := time.Now()
	h.stop()
	if err := h.waitServed(t, 5*time.Second); err != nil {
		t.Fatalf("Serve = %v", err)
	}
	if took := time.Since(start); took < 150*time.Millisecond {
		t.Errorf("Serve returned after %v, before the grace period", took)
	}
	if err := <-result; err == nil {
		t.Error("a call cut by a hard stop succeeded")
	}
	if !strings.Contains(h.logs.String(), "stopping hard") {
		t.Errorf("hard stop not logged:\n%s", h.logs.String())
	}
}

func TestServeReturnsListenerError(t *testing.T) {
	srv := NewServer(noop.NewTracerProvider(), slog.New(slog.DiscardHandler))
	lis := bufconn.Listen(1024)
	lis.Close()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(context.Background(), lis, time.Second) }()
	select {
	case err := <-done:
		if err == nil {
			t.Error("Serve on a closed listener returned nil")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve on a closed listener did not return")
	}
}
