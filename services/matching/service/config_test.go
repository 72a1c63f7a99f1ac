package service_test

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/envconfig"
	"github.com/caiomatch/caiomatch/pkg/servicehost"
	"github.com/caiomatch/caiomatch/services/matching/service"
)

func load(env map[string]string) (service.Config, error) {
	r := envconfig.FromMap(env)
	cfg := service.LoadConfig(r)
	return cfg, r.Err()
}

func TestLoadConfig(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		cfg, err := load(map[string]string{service.EnvShortlistSize: "", service.EnvDatabaseURL: ""})
		want := service.Config{GRPCAddr: "127.0.0.1:9103", MissionAddr: "127.0.0.1:9102", ShortlistSize: 5,
			ExposureCap: 3, AvailabilityToleranceDays: 14, SnapshotInterval: 10 * time.Minute,
			ShutdownGrace: 10 * time.Second}
		if err != nil || cfg != want {
			t.Fatalf("LoadConfig = %+v, %v; want %+v (SQLite: no database URL)", cfg, err, want)
		}
		if (service.Config{}).ListenAddr() != want.GRPCAddr {
			t.Fatalf("the zero Config listens on %s, want %s", (service.Config{}).ListenAddr(), want.GRPCAddr)
		}
	})
	t.Run("set", func(t *testing.T) {
		cfg, err := load(map[string]string{
			servicehost.EnvGRPCAddr(service.Name): "0.0.0.0:7003", servicehost.EnvGRPCAddr("mission"): "dns:///mission:9102",
			service.EnvShortlistSize: "10", service.EnvExposureCap: "7", service.EnvAvailabilityToleranceDays: "30",
			service.EnvSnapshotInterval: "1m", service.EnvShutdownGrace: "3s",
		})
		want := service.Config{GRPCAddr: "0.0.0.0:7003", MissionAddr: "dns:///mission:9102", ShortlistSize: 10,
			ExposureCap: 7, AvailabilityToleranceDays: 30, SnapshotInterval: time.Minute, ShutdownGrace: 3 * time.Second}
		if err != nil || cfg != want {
			t.Fatalf("LoadConfig = %+v, %v; want %+v", cfg, err, want)
		}
	})
	t.Run("0 turns a setting off", func(t *testing.T) {
		cfg, err := load(map[string]string{service.EnvExposureCap: "0", service.EnvAvailabilityToleranceDays: "0",
			service.EnvSnapshotInterval: "0s"})
		if err != nil || cfg.ExposureCap != service.None || cfg.AvailabilityToleranceDays != service.None ||
			cfg.SnapshotInterval != service.None {
			t.Fatalf("LoadConfig = %+v, %v; want no cap, no tolerance, no periodic snapshot (None)", cfg, err)
		}
	})
	t.Run("database URL", func(t *testing.T) {
		const url = "postgres://matching:s3cret@db.internal:5432/caiomatch?sslmode=require"
		cfg, err := load(map[string]string{service.EnvDatabaseURL: url})
		if err != nil || cfg.DatabaseURL != url {
			t.Fatalf("LoadConfig = %+v, %v; want DatabaseURL %s", cfg, err, url)
		}
	})
	t.Run("database URL of another engine", func(t *testing.T) {
		_, err := load(map[string]string{service.EnvDatabaseURL: "mysql://matching:s3cret@db.internal/caiomatch"})
		if err == nil || !strings.Contains(err.Error(), service.EnvDatabaseURL) {
			t.Fatalf("LoadConfig error = %v, want one naming %s", err, service.EnvDatabaseURL)
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Fatalf("the error shows the password: %v", err)
		}
	})
	for _, tc := range []struct{ name, value string }{
		{servicehost.EnvGRPCAddr(service.Name), "nowhere"},
		{servicehost.EnvGRPCAddr("mission"), "mission"},
		{service.EnvShortlistSize, "0"},
		{service.EnvShortlistSize, "101"},
		{service.EnvShortlistSize, "five"},
		{service.EnvExposureCap, "-1"},
		{service.EnvExposureCap, "256"},
		{service.EnvAvailabilityToleranceDays, "-1"},
		{service.EnvAvailabilityToleranceDays, "366"},
		{service.EnvAvailabilityToleranceDays, "1.5"},
		{service.EnvSnapshotInterval, "often"},
		{service.EnvSnapshotInterval, "-1m"},
		{service.EnvShutdownGrace, "soon"},
	} {
		t.Run(tc.name+"="+tc.value, func(t *testing.T) {
			if cfg, err := load(map[string]string{tc.name: tc.value}); err == nil || !strings.Contains(err.Error(), tc.name) {
				t.Fatalf("LoadConfig of %s=%s = %+v, %v; want an error naming the variable", tc.name, tc.value, cfg, err)
			}
		})
	}
	t.Run("every bad value at once", func(t *testing.T) {
		_, err := load(map[string]string{service.EnvShortlistSize: "0", service.EnvExposureCap: "many"})
		if err == nil || !strings.Contains(err.Error(), service.EnvShortlistSize) || !strings.Contains(err.Error(), service.EnvExposureCap) {
			t.Fatalf("LoadConfig error = %v, want both variables named", err)
		}
	})
}

// TestRunClosesTheListenerWhenItCannotStart: Run closes the listener it was given, even when
// it fails before serving (here its data directory is a file, so no database opens).
func TestRunClosesTheListenerWhenItCannotStart(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	host := servicehost.Host{Name: service.Name, DataDir: notADir, Listener: lis}
	if err := service.Run(t.Context(), host, service.Config{}); err == nil {
		t.Fatal("Run started without a database")
	}
	if _, err := lis.Accept(); err == nil {
		t.Fatal("the listener is still open")
	}
}
