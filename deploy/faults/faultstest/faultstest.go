// Package faultstest is what the fault tests share to run real processes: a program of the
// workspace built for a test (Build), and a NATS server those processes reach over loopback
// (StartNATS). The in-process scaffolding (an embedded server no other process can reach, log
// buffers, stream and outbox readers) is pkg/eventbus/eventbustest.
package faultstest

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
)

// Build compiles the package pkg (an import path, or a path relative to dir; dir "" is the
// current directory) into the test's temporary directory, without the race detector whatever
// the test runs with, so that the program runs at its real speed. It returns the binary and
// how long the build took.
func Build(t testing.TB, dir, pkg string) (string, time.Duration) {
	t.Helper()
	bin := filepath.Join(t.TempDir(), filepath.Base(pkg))
	started := time.Now()
	cmd := exec.CommandContext(t.Context(), goTool(t), "build", "-o", bin, pkg)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	return bin, time.Since(started)
}

// goTool is the go command on PATH, or else the one of the toolchain running the test.
func goTool(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	// A test binary runs on the machine that built it, where runtime.GOROOT still answers.
	p := filepath.Join(runtime.GOROOT(), "bin", "go") //nolint:staticcheck // SA1019: see above
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("no go command in PATH nor in GOROOT: %v", err)
	}
	return p
}

// StartNATS runs a NATS server with JetStream on a random loopback port (never 4222), its store
// under storeDir and every write flushed (as a production node), that the test's processes
// connect to and that outlives each of them; it declares the platform's streams and returns
// the server's URL and the test's own client, named name. Both stop when the test ends.
func StartNATS(t testing.TB, storeDir, name string, opts ...jetstream.JetStreamOpt) (string, jetstream.JetStream) {
	t.Helper()
	srv, err := server.NewServer(&server.Options{
		ServerName: name,
		Host:       "127.0.0.1",
		Port:       server.RANDOM_PORT,
		JetStream:  true,
		StoreDir:   storeDir,
		SyncAlways: true,
		NoSigs:     true,
		NoLog:      true,
	})
	if err != nil {
		t.Fatalf("nats server: %v", err)
	}
	srv.Start()
	t.Cleanup(func() {
		srv.Shutdown()
		srv.WaitForShutdown()
	})
	if !srv.ReadyForConnections(30 * time.Second) {
		t.Fatal("nats server not ready after 30s")
	}
	nc, err := nats.Connect(srv.ClientURL(), nats.Name(name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := eventbus.EnsureStreams(t.Context(), js, eventbus.StreamSettings{}); err != nil {
		t.Fatalf("EnsureStreams: %v", err)
	}
	return srv.ClientURL(), js
}
