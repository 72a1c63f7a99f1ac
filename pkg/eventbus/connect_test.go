package eventbus

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"
)

// TestAnUnreachableNATSFailsFastNamingTheServer: nothing listens at the URL; ConnectURL gives
// up within ConnectTimeout and says where it tried, without the password.
func TestAnUnreachableNATSFailsFastNamingTheServer(t *testing.T) {
	t.Parallel()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close() // a port nobody listens on
	started := time.Now()
	_, err = ConnectURL("nats://svc:s3cret@"+addr, "test", slog.New(slog.DiscardHandler))
	took := time.Since(started)
	if err == nil {
		t.Fatal("connected to nothing")
	}
	if took > ConnectTimeout+2*time.Second {
		t.Errorf("gave up after %s, want within %s", took, ConnectTimeout)
	}
	if !strings.Contains(err.Error(), addr) || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error %q: want the server named, without the password", err)
	}
}

// TestAnOldNATSServerIsRefusedNamingTheVersion: a server that says it is 2.9.10 (a stand-in
// speaking the protocol's greeting) is refused with the version found and the one needed.
func TestAnOldNATSServerIsRefusedNamingTheVersion(t *testing.T) {
	t.Parallel()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer lis.Close()
	go func() {
		for {
			conn, err := lis.Accept()
			if err != nil {
				return
			}
			go func(conn net.Conn) {
				defer conn.Close()
				_, _ = io.WriteString(conn, `INFO {"server_id":"old","version":"2.9.10","proto":1,"headers":true,"max_payload":1048576,"jetstream":true}`+"\r\n")
				r := bufio.NewReader(conn)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if strings.HasPrefix(line, "PING") {
						_, _ = io.WriteString(conn, "PONG\r\n")
					}
				}
			}(conn)
		}
	}()
	_, err = ConnectURL("nats://"+lis.Addr().String(), "test", slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "2.9.10") || !strings.Contains(err.Error(), MinServerVersion) {
		t.Fatalf("error %v: want the old version refused, naming %s", err, MinServerVersion)
	}
}

func TestVersionsCompareByNumber(t *testing.T) {
	for v, want := range map[string]bool{"2.9.10": false, "2.10.0": true, "2.10.0-beta.1": true, "2.15.2": true,
		"3.0": true, "1.99.99": false, "": false, "banana": false} {
		if got := versionAtLeast(v, MinServerVersion); got != want {
			t.Errorf("versionAtLeast(%q) = %v, want %v", v, got, want)
		}
	}
}
