package rpc

import (
	"context"
	"log/slog"
	"net"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/trace/noop"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/caiomatch/caiomatch/pkg/fault"
)

// durations reads the one histogram named name: its data points' attributes and counts.
func durations(t *testing.T, reader *sdkmetric.ManualReader, name string) []metricdata.HistogramDataPoint[float64] {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var out []metricdata.HistogramDataPoint[float64]
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			if m.Unit != "s" {
				t.Errorf("%s in %q, want seconds", name, m.Unit)
			}
			out = append(out, m.Data.(metricdata.Histogram[float64]).DataPoints...)
		}
	}
	return out
}

// Both ends of a call are measured, by method and status code; health checks are not.
func TestCallsAreMeasuredOnBothEnds(t *testing.T) {
	serverReader, clientReader := sdkmetric.NewManualReader(), sdkmetric.NewManualReader()
	serverMeters := sdkmetric.NewMeterProvider(sdkmetric.WithReader(serverReader))
	clientMeters := sdkmetric.NewMeterProvider(sdkmetric.WithReader(clientReader))
	srv := NewServer(noop.NewTracerProvider(), slog.New(slog.DiscardHandler), WithMeterProvider(serverMeters))
	registerEcho(srv.GRPC, func(_ context.Context, req *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
		if req.GetValue() == "missing" {
			return nil, fault.NotFound("THING_NOT_FOUND", "no such thing")
		}
		return req, nil
	})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, lis, time.Second) }()
	t.Cleanup(func() {
		stop()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	conn, err := Dial(lis.Addr().String(), noop.NewTracerProvider(), RecordMetrics(clientMeters))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, in := range []string{"a", "b", "missing"} {
		_, _ = call(testCtx(t), conn, in)
	}
	// A probe, not a call: measured on neither side (the loop below fails on any other method).
	if _, err := healthpb.NewHealthClient(conn).Check(testCtx(t), &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatal(err)
	}
	// The server records a call once its answer is sent: it may lag the client a moment.
	for side, reader := range map[string]*sdkmetric.ManualReader{"server": serverReader, "client": clientReader} {
		var calls map[string]uint64
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			calls = map[string]uint64{}
			for _, dp := range durations(t, reader, "rpc."+side+".call.duration") {
				method, _ := dp.Attributes.Value("rpc.method")
				system, _ := dp.Attributes.Value("rpc.system.name")
				code, _ := dp.Attributes.Value("rpc.response.status_code")
				if method.AsString() != echoService+"/Call" || system.AsString() != "grpc" {
					t.Errorf("%s: a call measured as %v", side, dp.Attributes)
				}
				calls[code.AsString()] += dp.Count
			}
			if calls["OK"] == 2 && calls["NOT_FOUND"] == 1 || time.Now().After(deadline) {
				break
			}
		}
		if calls["OK"] != 2 || calls["NOT_FOUND"] != 1 || len(calls) != 2 {
			t.Errorf("%s: calls measured by status %v, want 2 OK and 1 NOT_FOUND", side, calls)
		}
	}
}
