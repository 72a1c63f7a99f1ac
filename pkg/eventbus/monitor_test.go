package eventbus

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

// TestTheEmbeddedServerCanBeWatched: with WithMonitor, the embedded server's monitoring answers
// on that loopback address (the nats CLI's and nats-top's /varz, /jsz).
func TestTheEmbeddedServerCanBeWatched(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close()
	e, err := StartEmbedded(t.TempDir(), WithMonitor(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Shutdown()
	for _, path := range []string{"/varz", "/jsz"} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), "caiomatch-embedded") && path == "/varz" {
			t.Errorf("%s: %d %.200s", path, resp.StatusCode, body)
		}
	}
	for addr, want := range map[string]bool{"127.0.0.1:8222": true, "[::1]:8222": true, "localhost:8222": true, "0.0.0.0:8222": false, "10.0.0.1:8222": false} {
		if IsLoopback(addr) != want {
			t.Errorf("IsLoopback(%s) = %v", addr, !want)
		}
	}
}
