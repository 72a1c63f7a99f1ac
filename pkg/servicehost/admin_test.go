package servicehost

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/envconfig"
	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/outbox"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// The admin listener serves the metrics and a health check; by default on DefaultAdminAddr, or
// a free loopback port when another process has it, while an address set explicitly must be
// free.
func TestAdminListener(t *testing.T) {
	metrics := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "things_total 3\n") })
	logger := slog.New(slog.DiscardHandler)
	first, err := StartAdmin("", metrics, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	second, err := StartAdmin("", metrics, logger)
	if err != nil {
		t.Fatalf("a second process on the host: %v", err)
	}
	defer second.Close()
	if first.Addr() == second.Addr() {
		t.Fatalf("both on %s", first.Addr())
	}
	for _, a := range []*Admin{first, second} {
		if host, _, _ := net.SplitHostPort(a.Addr()); host != "127.0.0.1" {
			t.Errorf("admin on %s, want loopback", a.Addr())
		}
		if code, body := get(t, "http://"+a.Addr()+"/metrics"); code != 200 || body != "things_total 3\n" {
			t.Errorf("/metrics: %d %q", code, body)
		}
		if code, body := get(t, "http://"+a.Addr()+"/healthz"); code != 200 || !strings.Contains(body, "ok") {
			t.Errorf("/healthz: %d %q", code, body)
		}
		if code, _ := get(t, "http://"+a.Addr()+"/v1/missions"); code != 404 {
			t.Errorf("the admin listener answers %d to another path", code)
		}
	}
	if _, err := StartAdmin(second.Addr(), metrics, logger); err == nil || !strings.Contains(err.Error(), EnvAdminAddr) {
		t.Errorf("an explicit address in use: %v, want an error naming %s", err, EnvAdminAddr)
	}
	second.Close()
	if _, err := http.Get("http://" + second.Addr() + "/metrics"); err == nil {
		t.Error("still serving after Close")
	}

	env := envconfig.FromMap(map[string]string{EnvAdminAddr: ":9090"})
	if cfg := LoadConfig(env); env.Err() != nil || cfg.AdminAddr != ":9090" {
		t.Errorf("%s=:9090 read as %q (%v)", EnvAdminAddr, cfg.AdminAddr, env.Err())
	}
	env = envconfig.FromMap(map[string]string{EnvAdminAddr: "nine"})
	if LoadConfig(env); env.Err() == nil || !strings.Contains(env.Err().Error(), EnvAdminAddr) {
		t.Errorf("a bad address accepted: %v", env.Err())
	}
}

// A service run alone serves its own metrics on its admin listener: its base's (outbox,
// consumers, gRPC) labelled with its name.
func TestRunStandaloneServesItsMetrics(t *testing.T) {
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	adminAddr := free.Addr().String()
	free.Close()
	cfg := Config{DataDir: t.TempDir(), CallerKey: "0123456789abcdef", AdminAddr: adminAddr}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = RunStandalone(ctx, "testsvc", cfg, "127.0.0.1:0", func(ctx context.Context, h Host) error {
		base, err := h.Start(ctx, Needs{Migrations: []sqlstore.MigrationSet{outbox.Migrations()}})
		if err != nil {
			return err
		}
		defer base.Close()
		_ = base.Consumer(eventbus.ConsumerSpecOf(eventbus.ConsumerProfileMissions), nil) // watched, never run
		code, body := get(t, "http://"+adminAddr+"/metrics")
		for _, want := range []string{
			`target_info{service_name="testsvc"`,
			`caiomatch_outbox_backlog{otel_scope_name="github.com/caiomatch/caiomatch/pkg/outbox",otel_scope_schema_url="",otel_scope_version="",service="testsvc",service_name="testsvc"} 0`,
			`caiomatch_consumer_redeliveries_total{consumer="profile-missions",`,
			"\ngo_goroutines ",
		} {
			if code != 200 || !strings.Contains(body, want) {
				t.Errorf("admin /metrics (%d) lacks %s:\n%s", code, want, body)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get("http://" + adminAddr + "/metrics"); err == nil {
		t.Error("the admin listener outlived the service")
	}
}
