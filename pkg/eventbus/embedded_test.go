package eventbus

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

func TestEmbeddedDoesNotListenAndPersists(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	emb, err := StartEmbedded(dir)
	if err != nil {
		t.Fatalf("StartEmbedded: %v", err)
	}
	if addr := emb.srv.Addr(); addr != nil {
		t.Errorf("embedded server listens on %v", addr)
	}
	nc, err := emb.Connect("persist")
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := EnsureStreams(ctx, js, StreamSettings{}); err != nil {
		t.Fatalf("EnsureStreams: %v", err)
	}
	if _, err := js.Publish(ctx, Subject(ProducerProfile, "Thing", "p-1"), []byte("kept")); err != nil {
		t.Fatalf("publish: %v", err)
	}
	Drain(nc, 5*time.Second)
	emb.Shutdown()
	if fi, err := os.Stat(filepath.Join(dir, "nats")); err != nil || !fi.IsDir() {
		t.Errorf("no JetStream store under dataDir/nats: %v", err)
	}

	// A restart on the same directory finds the stream and its message.
	emb, err = StartEmbedded(dir)
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	defer emb.Shutdown()
	nc, err = emb.Connect("persist-again")
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err = jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	stream, err := js.Stream(ctx, StreamOf(ProducerProfile))
	if err != nil {
		t.Fatalf("stream after restart: %v", err)
	}
	msg, err := stream.GetMsg(ctx, 1)
	if err != nil || string(msg.Data) != "kept" {
		t.Fatalf("message after restart = %v, %v", msg, err)
	}
}

// startAndConnect starts a server in a temporary directory, stopped when the test ends, and
// opens a connection named name, which the test closes (Drain does).
func startAndConnect(t *testing.T, name string) *nats.Conn {
	t.Helper()
	emb, err := StartEmbedded(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emb.Shutdown)
	nc, err := emb.Connect(name)
	if err != nil {
		t.Fatal(err)
	}
	return nc
}

func TestDrainLetsInFlightMessagesFinish(t *testing.T) {
	t.Parallel()
	nc := startAndConnect(t, "drain")
	var handled atomic.Int32
	if _, err := nc.Subscribe("work", func(*nats.Msg) {
		time.Sleep(5 * time.Millisecond)
		handled.Add(1)
	}); err != nil {
		t.Fatal(err)
	}
	for range 20 {
		if err := nc.Publish("work", nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	Drain(nc, 5*time.Second)
	if !nc.IsClosed() {
		t.Error("connection not closed after Drain")
	}
	if n := handled.Load(); n != 20 {
		t.Errorf("%d of 20 in-flight messages handled before close", n)
	}

	// Draining a closed connection returns at once.
	start := time.Now()
	Drain(nc, 5*time.Second)
	if time.Since(start) > time.Second {
		t.Error("Drain of a closed connection waited")
	}
}

func TestDrainGivesUpAfterTimeout(t *testing.T) {
	t.Parallel()
	nc := startAndConnect(t, "stuck")
	entered, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	if _, err := nc.Subscribe("work", func(*nats.Msg) { close(entered); <-release }); err != nil {
		t.Fatal(err)
	}
	if err := nc.Publish("work", nil); err != nil {
		t.Fatal(err)
	}
	<-entered
	start := time.Now()
	Drain(nc, 200*time.Millisecond)
	if took := time.Since(start); took < 200*time.Millisecond || took > 3*time.Second {
		t.Errorf("Drain with a stuck handler returned after %v, want about the 200ms timeout", took)
	}
	if !nc.IsClosed() {
		t.Error("connection not closed after the Drain timeout")
	}
}

func TestConnectURL(t *testing.T) {
	t.Parallel()
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	defer func() { srv.Shutdown(); srv.WaitForShutdown() }()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("test server not ready")
	}
	nc, err := ConnectURL(srv.ClientURL(), "external", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("ConnectURL: %v", err)
	}
	defer nc.Close()
	deadline := time.Now().Add(5 * time.Second)
	for !nc.IsConnected() {
		if time.Now().After(deadline) {
			t.Fatal("not connected")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if nc.Opts.Name != "external" || nc.Opts.MaxReconnect != -1 {
		t.Errorf("options: name %q max reconnect %d", nc.Opts.Name, nc.Opts.MaxReconnect)
	}
}
