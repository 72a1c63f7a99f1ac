package servicehost

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	"google.golang.org/grpc"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/outbox"
	"github.com/caiomatch/caiomatch/pkg/rpc"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
)

// Base is what every service runs on besides its own parts: its database, opened and migrated;
// the outbox relay over it; its gRPC server; the connections to its peers. A service builds its
// use cases over it, registers its gRPC API on GRPC and calls Serve with its own parts.
type Base struct {
	DB    *sql.DB
	Relay *outbox.Relay
	// GRPC is where the service registers its API.
	GRPC *grpc.Server

	host      Host
	server    *rpc.Server
	consumers *eventbus.ConsumerMetrics
	grace     time.Duration
	peers     map[string]*grpc.ClientConn
	closers   []func() error
}

// Needs are what a service starts with.
type Needs struct {
	// DatabaseURL is a postgres:// URL, or empty for SQLite under the data directory.
	DatabaseURL string
	Migrations  []sqlstore.MigrationSet
	// ShutdownGrace bounds how long in-flight calls may take to finish at shutdown.
	ShutdownGrace time.Duration
	// Peers are the services it calls, by name: host:port, a replica list or a dns:/// target.
	Peers map[string]string
}

// Start opens the service's database (OpenDatabase), connects to its peers and prepares the
// relay and the gRPC server. The caller closes the base, which also closes the host's listener
// when the service stops before serving.
func (h Host) Start(ctx context.Context, needs Needs) (*Base, error) {
	db, err := h.OpenDatabase(ctx, needs.DatabaseURL, needs.Migrations...)
	if err != nil {
		h.Listener.Close()
		return nil, err
	}
	meters := h.meterProvider()
	server := rpc.NewServer(h.TracerProvider, h.Logger, rpc.WithCallerKey(h.CallerKey), rpc.WithMeterProvider(meters))
	b := &Base{
		DB: db, Relay: outbox.NewRelay(db, h.JetStream, h.TracerProvider, h.Logger), GRPC: server.GRPC,
		host: h, server: server, grace: needs.ShutdownGrace, peers: map[string]*grpc.ClientConn{},
		closers: []func() error{db.Close, h.Listener.Close},
	}
	if err := b.Relay.RegisterMetrics(meters, h.Name); err != nil {
		b.Close()
		return nil, err
	}
	if b.consumers, err = eventbus.NewConsumerMetrics(h.JetStream, meters); err != nil {
		b.Close()
		return nil, err
	}
	for name, addr := range needs.Peers {
		conn, err := rpc.Dial(addr, h.TracerProvider, rpc.SignCallers(h.CallerKey), rpc.RecordMetrics(meters))
		if err != nil {
			b.Close()
			return nil, fmt.Errorf("dial %s: %w", name, err)
		}
		b.peers[name] = conn
		b.closers = append(b.closers, conn.Close)
	}
	return b, nil
}

// meterProvider is the host's, or one that records nothing.
func (h Host) meterProvider() metric.MeterProvider {
	if h.MeterProvider == nil {
		return noop.NewMeterProvider()
	}
	return h.MeterProvider
}

// Meter is the service's meter, for the instruments of its own (shortlists, offers…).
func (b *Base) Meter(scope string) metric.Meter { return b.host.meterProvider().Meter(scope) }

// Peer is the connection to a peer named in Needs.Peers; nil for another name.
func (b *Base) Peer(name string) *grpc.ClientConn { return b.peers[name] }

// Consumer is a part that runs the durable consumer spec of the host's JetStream with handler.
// An error it reports once the service is stopping (the cancellation of a call it was making,
// declaring itself say) is a clean stop.
func (b *Base) Consumer(spec eventbus.ConsumerSpec, handler eventbus.Handler) func(context.Context) error {
	c := eventbus.NewConsumer(b.host.JetStream, spec, handler, b.host.TracerProvider, b.host.Logger).RecordMetrics(b.consumers)
	return func(ctx context.Context) error {
		if err := c.Run(ctx); err != nil && ctx.Err() == nil {
			return err
		}
		return nil
	}
}

// Serve runs the relay, the service's own parts and the gRPC server until ctx ends or one of them
// fails (RunTogether); the server drains in-flight calls for at most the grace given to Start.
func (b *Base) Serve(ctx context.Context, parts ...func(context.Context) error) error {
	parts = append([]func(context.Context) error{b.Relay.Run}, parts...)
	parts = append(parts, func(ctx context.Context) error { return b.server.Serve(ctx, b.host.Listener, b.grace) })
	return RunTogether(ctx, parts...)
}

// Close releases the peer connections, the database and the listener, newest first.
func (b *Base) Close() {
	for i := len(b.closers) - 1; i >= 0; i-- {
		_ = b.closers[i]()
	}
}
