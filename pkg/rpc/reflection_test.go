package rpc

import (
	"context"
	"slices"
	"testing"
	"time"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// TestToolsReachHealthPerServiceAndReflectionWithoutTheKey: a server that requires signed
// callers still answers grpc-health-probe for each service by name and lists its services to
// grpcurl (server reflection) without a signature; the services themselves stay refused.
func TestToolsReachHealthPerServiceAndReflectionWithoutTheKey(t *testing.T) {
	h := startServer(t, time.Second, func(context.Context, *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
		return wrapperspb.String("ok"), nil
	}, WithCallerKey(CallerKey("0123456789abcdef0123")))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	raw := h.rawConn(t)
	health := healthpb.NewHealthClient(raw)
	eventuallyServing := func(service string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			resp, err := health.Check(ctx, &healthpb.HealthCheckRequest{Service: service})
			if err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("health of %q: %v %v", service, resp, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	eventuallyServing("")
	eventuallyServing(echoService)

	stream, err := reflectionpb.NewServerReflectionClient(raw).ServerReflectionInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}}); err != nil {
		t.Fatal(err)
	}
	resp, err := stream.Recv()
	if err != nil {
		t.Fatalf("reflection without a signature: %v", err)
	}
	var names []string
	for _, s := range resp.GetListServicesResponse().GetService() {
		names = append(names, s.GetName())
	}
	if !slices.Contains(names, echoService) {
		t.Errorf("reflection lists %v, want %s among them", names, echoService)
	}
	if _, err := call(ctx, raw, "unsigned"); err == nil {
		t.Error("an unsigned call to a service was served")
	}
}
