// Package servicehost gives a service what it runs on (data directory, JetStream, tracing, a
// logger and a gRPC listener), whether it runs as its own process or inside the all-in-one
// runner, and runs its long-lived parts together.
package servicehost

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/caiomatch/caiomatch/pkg/rpc"
)

// Host is what the process gives a service.
type Host struct {
	Name           string
	DataDir        string
	JetStream      jetstream.JetStream
	TracerProvider trace.TracerProvider
	// MeterProvider records the service's metrics (served on the process's admin listener);
	// nil records none.
	MeterProvider metric.MeterProvider
	Logger        *slog.Logger
	// Listener is where the service serves gRPC; the service closes it.
	Listener net.Listener
	// CallerKey signs and checks every internal gRPC call (rpc.SignCallers, rpc.WithCallerKey);
	// empty trusts unsigned callers, which only tests and the insecure opt-out do
	// (Config.RequireCallerKey).
	CallerKey rpc.CallerKey
}

// RunTogether runs every part until ctx ends or one of them fails, then stops the others and
// waits for all of them. A part that fails only because it was stopped (context.Canceled once
// the shared context is done) is a clean stop, not an error.
func RunTogether(ctx context.Context, parts ...func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, part := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := part(ctx); err != nil && !(ctx.Err() != nil && errors.Is(err, context.Canceled)) {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
				cancel()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
