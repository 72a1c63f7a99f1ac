package eventbus

import (
	"fmt"
	"log/slog"
	"net"
	neturl "net/url"
	"path/filepath"
	"strconv"
	"strings"
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

// WithMonitor serves the embedded server's monitoring endpoints (/varz, /jsz, /connz… as the
// nats CLI and nats-top read them) on addr, which must be a loopback host:port: they describe
// streams and connections, for the operator at the machine only.
func WithMonitor(addr string) EmbeddedOption {
	return func(o *server.Options) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return
		}
		n, err := strconv.Atoi(port)
		if err != nil {
			return
		}
		o.HTTPHost, o.HTTPPort = host, n
	}
}

// IsLoopback tells whether addr's host is a loopback address or localhost.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
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

// MinServerVersion is the oldest nats-server the platform runs on: consumers with several
// filter subjects (pkg/eventbus/topology.go) came with 2.10.
const MinServerVersion = "2.10.0"

// ConnectTimeout bounds how long ConnectURL tries to reach the servers at start.
const ConnectTimeout = 15 * time.Second

// ConnectURL connects to external NATS servers (a comma-separated URL list). It fails within
// ConnectTimeout, naming the servers (without credentials), when none answers, and refuses a
// server older than MinServerVersion with a message saying so. Once connected it reconnects
// forever, and logs every disconnection, reconnection and the close to logger.
func ConnectURL(url, name string, logger *slog.Logger) (*nats.Conn, error) {
	shown := redactURLs(url)
	var (
		nc  *nats.Conn
		err error
	)
	deadline := time.Now().Add(ConnectTimeout)
	for attempt := 1; ; attempt++ {
		nc, err = nats.Connect(url, nats.Name(name), nats.MaxReconnects(-1), nats.ReconnectWait(500*time.Millisecond),
			nats.Timeout(5*time.Second),
			nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
				logger.Warn("nats disconnected; reconnecting", "servers", shown, "error", err)
			}),
			nats.ReconnectHandler(func(c *nats.Conn) {
				logger.Info("nats reconnected", "server", c.ConnectedUrlRedacted())
			}),
			nats.ClosedHandler(func(*nats.Conn) { logger.Info("nats connection closed", "servers", shown) }))
		if err == nil || time.Now().Add(time.Second).After(deadline) {
			break
		}
		logger.Warn("nats not reachable yet; retrying", "servers", shown, "attempt", attempt, "error", err)
		time.Sleep(time.Second)
	}
	if err != nil {
		return nil, fmt.Errorf("nats at %s not reachable within %s: %w", shown, ConnectTimeout, err)
	}
	if v := nc.ConnectedServerVersion(); !versionAtLeast(v, MinServerVersion) {
		nc.Close()
		return nil, fmt.Errorf("nats at %s runs nats-server %s; caiomatch needs %s or later (its consumers filter on several subjects)",
			shown, v, MinServerVersion)
	}
	logger.Info("nats connected", "server", nc.ConnectedUrlRedacted(), "version", nc.ConnectedServerVersion())
	return nc, nil
}

// redactURLs is a URL list with any user and password replaced.
func redactURLs(urls string) string {
	parts := strings.Split(urls, ",")
	for i, raw := range parts {
		if u, err := neturl.Parse(strings.TrimSpace(raw)); err == nil && u.User != nil {
			u.User = neturl.User("redacted")
			parts[i] = u.String()
		}
	}
	return strings.Join(parts, ",")
}

// versionAtLeast compares dotted versions ("2.9.10" < "2.10.0"); one that does not parse is
// too old.
func versionAtLeast(version, minimum string) bool {
	parse := func(v string) ([3]int, bool) {
		var out [3]int
		v, _, _ = strings.Cut(v, "-")
		fields := strings.Split(v, ".")
		if len(fields) < 2 {
			return out, false
		}
		for i := 0; i < 3 && i < len(fields); i++ {
			n, err := strconv.Atoi(fields[i])
			if err != nil {
				return out, false
			}
			out[i] = n
		}
		return out, true
	}
	got, ok := parse(version)
	want, _ := parse(minimum)
	if !ok {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return got[i] > want[i]
		}
	}
	return true
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
