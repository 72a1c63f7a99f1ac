package servicehost

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"syscall"
	"time"
)

// EnvAdminAddr names the admin listener's address (Config.AdminAddr).
const EnvAdminAddr = "CAIOMATCH_ADMIN_ADDR"

// DefaultAdminAddr is the admin listener's address when none is set: loopback, on the port the
// OpenTelemetry Prometheus exporters use by convention.
const DefaultAdminAddr = "127.0.0.1:9464"

// Admin is a process's admin listener: GET /metrics (its metrics, no token: whoever reaches
// the port may read them, so it is loopback unless set otherwise, and a cluster keeps it
// inside) and GET /healthz.
type Admin struct {
	lis    net.Listener
	server *http.Server
	done   chan struct{}
}

// StartAdmin listens on addr and serves metrics at /metrics until Close. An empty addr is
// DefaultAdminAddr, or a free loopback port when that one is taken (a second process on the
// host); an address given explicitly must be free. The address listened on is logged.
func StartAdmin(addr string, metrics http.Handler, logger *slog.Logger) (*Admin, error) {
	lis, err := listenAdmin(addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	})
	a := &Admin{lis: lis, done: make(chan struct{}),
		server: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}}
	go func() {
		defer close(a.done)
		if err := a.server.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("admin listener stopped", "error", err)
		}
	}()
	logger.Info("admin listening", "admin_addr", lis.Addr().String(), "metrics", "http://"+lis.Addr().String()+"/metrics")
	return a, nil
}

func listenAdmin(addr string) (net.Listener, error) {
	if addr != "" {
		lis, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("admin listener (%s): %w", EnvAdminAddr, err)
		}
		return lis, nil
	}
	lis, err := net.Listen("tcp", DefaultAdminAddr)
	if errors.Is(err, syscall.EADDRINUSE) {
		lis, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		return nil, fmt.Errorf("admin listener: %w", err)
	}
	return lis, nil
}

// Addr is where the admin listener listens.
func (a *Admin) Addr() string { return a.lis.Addr().String() }

// Close stops the listener, letting a scrape in progress finish for a moment.
func (a *Admin) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = a.server.Shutdown(ctx)
	<-a.done
}
