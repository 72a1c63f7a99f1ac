package httpapi

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// servingConn is a connection to a gRPC server whose health says SERVING.
func servingConn(t *testing.T) *grpc.ClientConn {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	hs := health.NewServer()
	hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(srv, hs)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return dial(t, lis.Addr().String())
}

// deadConn is a connection to an address nobody listens on.
func deadConn(t *testing.T) *grpc.ClientConn {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close()
	return dial(t, addr)
}

func dial(t *testing.T, addr string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func readyz(t *testing.T, conns map[string]*grpc.ClientConn, extra map[string]func(context.Context) error) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	readiness(conns, extra)(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil), nil)
	var body map[string]string
	_ = json.Unmarshal(rec.Body.Bytes(), &body)
	return rec.Code, body["status"]
}

// TestReadinessStaysUpWithOneBackendDown: a backend down is down for every gateway replica, so
// the gateway stays in rotation, degraded; it leaves only when it cannot serve at all (no
// backend, or its own NATS connection gone). /statusz names what fails.
func TestReadinessStaysUpWithOneBackendDown(t *testing.T) {
	up, down := servingConn(t), deadConn(t)
	natsOK := map[string]func(context.Context) error{"nats": func(context.Context) error { return nil }}
	for name, tc := range map[string]struct {
		conns  map[string]*grpc.ClientConn
		extra  map[string]func(context.Context) error
		code   int
		status string
	}{
		"all up":             {map[string]*grpc.ClientConn{"profile": up, "matching": up}, natsOK, 200, "ready"},
		"matching down":      {map[string]*grpc.ClientConn{"profile": up, "matching": down}, natsOK, 200, "degraded"},
		"every backend down": {map[string]*grpc.ClientConn{"profile": down, "matching": down}, natsOK, 503, "not ready"},
		"its NATS gone": {map[string]*grpc.ClientConn{"profile": up}, map[string]func(context.Context) error{
			"nats": func(context.Context) error { return context.DeadlineExceeded }}, 503, "not ready"},
	} {
		if code, status := readyz(t, tc.conns, tc.extra); code != tc.code || status != tc.status {
			t.Errorf("%s: %d %q, want %d %q", name, code, status, tc.code, tc.status)
		}
	}
	rec := httptest.NewRecorder()
	detailedStatus(map[string]*grpc.ClientConn{"profile": up, "matching": down}, natsOK)(rec, httptest.NewRequest(http.MethodGet, "/statusz", nil))
	var body struct {
		Status   string            `json:"status"`
		Backends map[string]string `json:"backends"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Status != "degraded" ||
		body.Backends["matching"] != "unreachable" || body.Backends["profile"] != "serving" {
		t.Errorf("/statusz %s", rec.Body.String())
	}
}
