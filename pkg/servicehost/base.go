package servicehost

import (
	"context"
	"database/sql"
	"fmt"
	"time"

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

	host    Host
	server  *rpc.Server
	grace   time.Duration
	closers []func() error
}

// Start opens the service's database (OpenDatabase) and prepares the relay and the gRPC server.
// grace bounds how long in-flight calls may take to finish at shutdown. The caller closes the
// base, which also closes the host's listener when the service stops before serving.
func (h Host) Start(ctx context.Context, databaseURL string, grace time.Duration, migrations ...sqlstore.MigrationSet) (*Base, error) {
	db, err := h.OpenDatabase(ctx, databaseURL, migrations...)
	if err != nil {
		h.Listener.Close()
		return nil, err
	}
	server := rpc.NewServer(h.TracerProvider, h.Logger, rpc.WithCallerKey(h.CallerKey))
	return &Base{
		DB: db, Relay: outbox.NewRelay(db, h.JetStream, h.TracerProvider, h.Logger), GRPC: server.GRPC,
		host: h, server: server, grace: grace,
		closers: []func() error{db.Close, h.Listener.Close},
	}, nil
}

// Dial connects to a peer service (a replica list or a dns:/// target), signing the caller of
// every call with the host's key; the connection closes with the base.
func (b *Base) Dial(peer, addr string) (*grpc.ClientConn, error) {
	conn, err := rpc.Dial(addr, b.host.TracerProvider, rpc.SignCallers(b.host.CallerKey))
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", peer, err)
	}
	b.closers = append(b.closers, conn.Close)
	return conn, nil
}

// Consumer is a part that runs the durable consumer spec of the host's JetStream with handler.
// An error it reports once the service is stopping (the cancellation of a call it was making,
// declaring itself say) is a clean stop.
func (b *Base) Consumer(spec eventbus.ConsumerSpec, handler eventbus.Handler) func(context.Context) error {
	c := eventbus.NewConsumer(b.host.JetStream, spec, handler, b.host.TracerProvider, b.host.Logger)
	return func(ctx context.Context) error {
		err := c.Run(ctx)
		if ctx.Err() != nil {
			return nil
		}
		return err
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
