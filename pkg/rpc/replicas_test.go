package rpc

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace/noop"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// TestDialBalancesOverReplicas dials two replicas given as "a,b": calls go to both, and once
// one stops the calls all succeed on the other.
func TestDialBalancesOverReplicas(t *testing.T) {
	var addrs []string
	var stops []func()
	for _, name := range []string{"a", "b"} {
		srv := NewServer(noop.NewTracerProvider(), slog.New(slog.DiscardHandler))
		registerEcho(srv.GRPC, func(ctx context.Context, req *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
			return wrapperspb.String(name), nil
		})
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, stop := context.WithCancel(context.Background())
		served := make(chan struct{})
		go func() { _ = srv.Serve(ctx, lis, time.Second); close(served) }()
		stopAndWait := func() { stop(); <-served }
		t.Cleanup(stopAndWait)
		addrs = append(addrs, lis.Addr().String())
		stops = append(stops, stopAndWait)
	}
	conn, err := Dial(strings.Join(addrs, ", "), noop.NewTracerProvider())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	served := map[string]int{}
	for range 20 {
		who, err := call(testCtx(t), conn, "x")
		if err != nil {
			t.Fatal(err)
		}
		served[who]++
	}
	if served["a"] == 0 || served["b"] == 0 {
		t.Fatalf("calls served %v, want both replicas", served)
	}

	stops[0]()
	for i := range 20 {
		who, err := call(testCtx(t), conn, "x")
		if err != nil {
			t.Fatalf("call %d with one replica down: %v", i, err)
		}
		if who != "b" {
			t.Fatalf("call %d served by %s, which is stopped", i, who)
		}
	}

	if _, err := Dial(" , ", noop.NewTracerProvider()); err == nil {
		t.Error("Dial accepted a list without an address")
	}
}
