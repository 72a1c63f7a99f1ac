package rpc

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel/metric"
	noopmetric "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/resolver/manual"
)

// DefaultCallTimeout bounds every call that arrives without a deadline of its own.
const DefaultCallTimeout = 10 * time.Second

// retryOnUnavailable retries only UNAVAILABLE, the one code that guarantees the server did not
// act on the request.
const retryOnUnavailable = `{
  "loadBalancingConfig": [{"round_robin":{}}],
  "methodConfig": [{
    "name": [{}],
    "retryPolicy": {
      "maxAttempts": 4,
      "initialBackoff": "0.05s",
      "maxBackoff": "1s",
      "backoffMultiplier": 2,
      "retryableStatusCodes": ["UNAVAILABLE"]
    }
  }]
}`

// Dial opens a traced client connection that forwards the caller and always has a deadline.
// Extra options (the gateway's edge checks) run before the caller is attached.
//
// target is one address ("127.0.0.1:9102", or any gRPC target such as "dns:///mission:9102",
// whose resolver may return several), or several addresses separated by commas
// ("127.0.0.1:9102,127.0.0.1:9112"): the replicas of a service, which calls are balanced over
// round robin; a replica that stops answering is skipped while it is down.
//
// Its calls are measured (rpc.client.call.duration) when extra holds RecordMetrics.
func Dial(target string, tp trace.TracerProvider, extra ...grpc.DialOption) (*grpc.ClientConn, error) {
	var meters metric.MeterProvider = noopmetric.NewMeterProvider()
	for _, o := range extra {
		if r, ok := o.(recordMetrics); ok {
			meters = r.mp
		}
	}
	if strings.Contains(target, ",") {
		var addrs []resolver.Address
		for _, a := range strings.Split(target, ",") {
			if a = strings.TrimSpace(a); a != "" {
				addrs = append(addrs, resolver.Address{Addr: a})
			}
		}
		if len(addrs) == 0 {
			return nil, fmt.Errorf("no address in %q", target)
		}
		replicas := manual.NewBuilderWithScheme("caiomatch-replicas")
		replicas.InitialState(resolver.State{Addresses: addrs})
		extra = append(extra, grpc.WithResolvers(replicas))
		target = replicas.Scheme() + ":///replicas"
	}
	opts := append(extra,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithStatsHandler(otelgrpc.NewClientHandler(otelgrpc.WithTracerProvider(tp), otelgrpc.WithMeterProvider(meters),
			// Health checks (readiness, the gateway's backend gauge at each scrape) are probes, not
			// calls: neither traced nor measured, as on the server.
			otelgrpc.WithFilter(notHealthCheck))),
		grpc.WithDefaultServiceConfig(retryOnUnavailable),
		grpc.WithChainUnaryInterceptor(deadlineInterceptor, callerClientInterceptor),
		grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: 30 * time.Second, Timeout: 10 * time.Second}),
	)
	return grpc.NewClient(target, opts...)
}

// RecordMetrics is an option of Dial: the connection's calls are measured with mp.
func RecordMetrics(mp metric.MeterProvider) grpc.DialOption { return recordMetrics{mp: mp} }

// recordMetrics is read by Dial itself: the meter provider goes to the stats handler Dial
// makes, which traces and measures in one place.
type recordMetrics struct {
	grpc.EmptyDialOption
	mp metric.MeterProvider
}

func deadlineInterceptor(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn,
	invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultCallTimeout)
		defer cancel()
	}
	return invoker(ctx, method, req, reply, cc, opts...)
}
