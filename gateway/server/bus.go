package server

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/telemetry"
)

// connectBus reaches the NATS servers at natsURL, or starts an embedded server under dataDir
// when it is empty, for the gateway running as its own process. On external servers the
// services declare the streams, with the durability settings the gateway does not read (the
// relay retries until the ACCOUNT stream exists); an embedded server is the gateway's alone.
func connectBus(ctx context.Context, natsURL, dataDir string, logger *slog.Logger) (jetstream.JetStream, func(), error) {
	var nc *nats.Conn
	var err error
	closeBus := func() { eventbus.Drain(nc, 5*time.Second) }
	if natsURL != "" {
		nc, err = eventbus.ConnectURL(natsURL, Name, logger)
	} else {
		var embedded *eventbus.Embedded
		if embedded, err = eventbus.StartEmbedded(dataDir); err != nil {
			return nil, nil, err
		}
		if nc, err = embedded.Connect(Name); err != nil {
			embedded.Shutdown()
			return nil, nil, err
		}
		closeBus = func() { eventbus.Drain(nc, 5*time.Second); embedded.Shutdown() }
	}
	if err != nil {
		return nil, nil, err
	}
	js, err := jetstream.New(nc)
	if err == nil && natsURL == "" {
		err = eventbus.EnsureStreams(ctx, js, eventbus.StreamSettings{})
	}
	if err != nil {
		closeBus()
		return nil, nil, fmt.Errorf("account events: %w", err)
	}
	return js, closeBus, nil
}

// shareSpans sends the gateway's spans on the bus and adds everybody else's to its trace view:
// each gateway then shows the whole trace of a request that crossed several processes.
func shareSpans(nc *nats.Conn, relay *telemetry.SpanRelay, spans *telemetry.SpanStore, logger *slog.Logger) (func(), error) {
	relay.Start(func(data []byte) error { return nc.Publish(telemetry.SpanRelaySubject, data) })
	var refused atomic.Bool
	sub, err := nc.Subscribe(telemetry.SpanRelaySubject, func(m *nats.Msg) {
		// A bad batch is logged once, without its content: it comes from inside the platform.
		if err := spans.Receive(m.Data, relay.Origin()); err != nil && refused.CompareAndSwap(false, true) {
			logger.Warn("a span batch from the bus was refused; later ones are not logged", "error", err.Error())
		}
	})
	if err != nil {
		return nil, fmt.Errorf("trace view: %w", err)
	}
	return func() { _ = sub.Unsubscribe() }, nil
}
