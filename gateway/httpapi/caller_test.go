package httpapi

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace/noop"

	"github.com/caiomatch/caiomatch/gateway/accounts"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/rpc"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/pkg/sqlstore/sqltest"
	"github.com/caiomatch/caiomatch/pkg/telemetry"
)

// callerRecorder is a mission service that reports the caller it was given.
type callerRecorder struct {
	missionv1.UnimplementedMissionServiceServer
	seen chan identity.Caller
}

func (c *callerRecorder) ListMissions(ctx context.Context, _ *missionv1.ListMissionsRequest) (*missionv1.ListMissionsResponse, error) {
	caller, _ := identity.FromContext(ctx)
	c.seen <- caller
	return &missionv1.ListMissionsResponse{}, nil
}

// The account behind the token reaches the service whole: id, role, name (not ASCII) and email,
// signed with the platform's key.
func TestServicesReceiveTheAccountsNameAndEmail(t *testing.T) {
	ctx := context.Background()
	key := rpc.CallerKey("0123456789abcdef0123456789abcdef")
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))

	recorder := &callerRecorder{seen: make(chan identity.Caller, 1)}
	srv := rpc.NewServer(noop.NewTracerProvider(), logger, rpc.WithCallerKey(key))
	missionv1.RegisterMissionServiceServer(srv.GRPC, recorder)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serveCtx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(serveCtx, lis, time.Second) }()
	t.Cleanup(func() {
		stop()
		if err := <-served; err != nil {
			t.Errorf("the mission service's gRPC server: %v", err)
		}
	})

	db := sqltest.Backends()[0].Open(t)
	if err := sqlstore.Migrate(ctx, db, accounts.Migrations()...); err != nil {
		t.Fatal(err)
	}
	n := 0
	store := accounts.New(db, func() string { n++; return "acc-" + string(rune('0'+n)) })
	metrics, err := telemetry.NewMetrics("gateway-test")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	gw, err := New(ctx, Config{
		Backends: Backends{ProfileAddr: addr, MissionAddr: addr, MatchingAddr: addr},
		Accounts: store, Metrics: metrics, TracerProvider: noop.NewTracerProvider(), Logger: logger, CallerKey: key,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close() })

	for _, want := range []identity.Caller{
		{Role: identity.RoleFirm, Name: "Société Générale d'Ingénierie — 東京", Email: "staffing@sgi.example"},
		{Role: identity.RoleOperator, Name: "Ops"},
	} {
		acc, token, err := store.Create(ctx, want.Role, want.Name, want.Email)
		if err != nil {
			t.Fatal(err)
		}
		want.AccountID = acc.ID
		req := httptest.NewRequest(http.MethodGet, "/v1/missions", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		gw.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
		select {
		case got := <-recorder.seen:
			if got != want {
				t.Errorf("service saw caller %+v, want %+v", got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the service was not called")
		}
	}
}
