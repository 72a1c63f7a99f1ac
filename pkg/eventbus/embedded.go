package eventbus

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// Embedded is an in-process NATS server with JetStream, for one machine with nothing installed.
// It accepts no network connections (so it never takes port 4222); clients connect in-process.
type Embedded struct {
	srv *server.Server
}

// EmbeddedOption tunes an embedded server.
type EmbeddedOption func(*server.Options)

// WithoutSyncAlways lets the server flush writes in the background. A crash may then lose
// acknowledged publishes: only benchmarks that fill a stream use it, never a service.
func WithoutSyncAlways() EmbeddedOption {
	return func(o *server.Options) { o.SyncAlways = false }
}

// StartEmbedded starts the server with its JetStream store under dataDir/nats.
func StartEmbedded(dataDir string, options ...EmbeddedOption) (*Embedded, error) {
	opts := &server.Options{
		ServerName: "caiomatch-embedded",
		DontListen: true,
		JetStream:  true,
		StoreDir:   filepath.Join(dataDir, "nats"),
		NoSigs:     true,
		// Flush every write: a crash of this process must not lose an acknowledged publish.
		SyncAlways: true,
	}
	for _, o := range options {
		o(opts)
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embedded nats: %w", err)
	}
	srv.Start()
	if !srv.ReadyForConnections(30 * time.Second) {
		srv.Shutdown()
		return nil, fmt.Errorf("embedded nats: not ready after 30s")
	}
	return &Embedded{srv: srv}, nil
}

// Connect opens an in-process client connection.
func (e *Embedded) Connect(name string) (*nats.Conn, error) {
	return nats.Connect("", nats.InProcessServer(e.srv), nats.Name(name), nats.MaxReconnects(-1))
}

// Shutdown stops the server and waits for it.
func (e *Embedded) Shutdown() {
	e.srv.Shutdown()
	e.srv.WaitForShutdown()
}

// ConnectURL connects to external servers (a comma-separated list), retrying forever.
func ConnectURL(url, name string) (*nats.Conn, error) {
	nc, err := nats.Connect(url, nats.Name(name), nats.MaxReconnects(-1), nats.RetryOnFailedConnect(true),
		nats.ReconnectWait(500*time.Millisecond))
	if err != nil {
		return nil, fmt.Errorf("connect nats %s: %w", url, err)
	}
	return nc, nil
}

// Drain lets in-flight messages finish, then closes nc, waiting at most timeout.
func Drain(nc *nats.Conn, timeout time.Duration) {
	closed := make(chan struct{})
	nc.SetClosedHandler(func(*nats.Conn) { close(closed) })
	if err := nc.Drain(); err != nil {
		nc.Close()
		return
	}
	select {
	case <-closed:
	case <-time.After(timeout):
		nc.Close()
	}
}
