package telemetry

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

func scrapeHandler(t *testing.T, h http.Handler) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, body)
	}
	return string(body)
}

// The services of one process serve one exposition: the same instrument in two services gives
// two series told apart by service_name, with the runtime's collectors once.
func TestMergedHandlerKeepsServicesApart(t *testing.T) {
	var all []*Metrics
	for i, svc := range []string{"gateway", "mission", "matching"} {
		m, err := NewMetrics(svc, MetricsInSharedProcess(i == 0))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := m.Shutdown(context.Background()); err != nil {
				t.Errorf("shut down %s metrics: %v", svc, err)
			}
		})
		ctr, err := m.MeterProvider().Meter("caiomatch/test").Int64Counter("caiomatch.things")
		if err != nil {
			t.Fatal(err)
		}
		ctr.Add(context.Background(), int64(i+1))
		all = append(all, m)
	}
	body := scrapeHandler(t, MergedHandler(all...))
	for _, want := range []string{
		`caiomatch_things_total{otel_scope_name="caiomatch/test",otel_scope_schema_url="",otel_scope_version="",service_name="gateway"} 1`,
		`caiomatch_things_total{otel_scope_name="caiomatch/test",otel_scope_schema_url="",otel_scope_version="",service_name="mission"} 2`,
		`go_goroutines `,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("merged exposition lacks %s:\n%s", want, body)
		}
	}
	if n := strings.Count(body, "\ngo_goroutines "); n != 1 {
		t.Errorf("go_goroutines %d times, want once", n)
	}
}

// A gRPC client's metrics never name the address called: a replica's changes with every pod.
func TestRPCClientMetricsLeaveTheServerAddressOut(t *testing.T) {
	m, err := NewMetrics("gateway")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := m.Shutdown(context.Background()); err != nil {
			t.Errorf("shut down metrics: %v", err)
		}
	}()
	meter := m.MeterProvider().Meter("caiomatch/test")
	for _, name := range []string{"rpc.client.call.duration", "rpc.server.call.duration"} {
		h, err := meter.Float64Histogram(name, metric.WithUnit("s"))
		if err != nil {
			t.Fatal(err)
		}
		h.Record(context.Background(), 0.01, metric.WithAttributes(attribute.String("rpc.method", "a.B/C"),
			attribute.String("server.address", "10.1.2.3"), attribute.Int("server.port", 9102)))
	}
	body := scrapeHandler(t, m.Handler())
	for _, line := range strings.Split(body, "\n") {
		switch {
		case strings.HasPrefix(line, "rpc_client_call_duration_seconds_count"):
			if strings.Contains(line, "server_address") || strings.Contains(line, "server_port") || !strings.Contains(line, `rpc_method="a.B/C"`) {
				t.Errorf("client series %s", line)
			}
		case strings.HasPrefix(line, "rpc_server_call_duration_seconds_count"):
			if !strings.Contains(line, `server_address="10.1.2.3"`) {
				t.Errorf("the server's own series lost its attributes: %s", line)
			}
		}
	}
	if !strings.Contains(body, "rpc_client_call_duration_seconds_count") {
		t.Errorf("no client histogram:\n%s", body)
	}
}

func TestNilMetricsRecordNothing(t *testing.T) {
	var m *Metrics
	if _, err := m.MeterProvider().Meter("x").Int64Counter("y"); err != nil {
		t.Fatal(err)
	}
}
