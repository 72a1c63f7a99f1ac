package service_test

import (
	"strings"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/envconfig"
	"github.com/caiomatch/caiomatch/pkg/servicehost"
	"github.com/caiomatch/caiomatch/services/profile/service"
)

func TestLoadConfig(t *testing.T) {
	// Nothing set: the zero Config, which means every default.
	env := envconfig.FromMap(nil)
	cfg := service.LoadConfig(env)
	if err := env.Err(); err != nil {
		t.Fatal(err)
	}
	if cfg != (service.Config{}) || cfg.ListenAddr() != "127.0.0.1:9101" ||
		service.DefaultMatchingAddr != "127.0.0.1:9103" || service.DefaultShutdownGrace != 10*time.Second {
		t.Fatalf("defaults %+v, listening on %s", cfg, cfg.ListenAddr())
	}

	env = envconfig.FromMap(map[string]string{
		"CAIOMATCH_PROFILE_GRPC_ADDR":      ":7001",
		"CAIOMATCH_MATCHING_GRPC_ADDR":     "matching-0:9103,matching-1:9103",
		"CAIOMATCH_PROFILE_DATABASE_URL":   "postgres://profile@db:5432/profile",
		"CAIOMATCH_PROFILE_SHUTDOWN_GRACE": "30s",
	})
	cfg = service.LoadConfig(env)
	if err := env.Err(); err != nil {
		t.Fatal(err)
	}
	want := service.Config{GRPCAddr: ":7001", MatchingAddr: "matching-0:9103,matching-1:9103",
		DatabaseURL: "postgres://profile@db:5432/profile", ShutdownGrace: 30 * time.Second}
	if cfg != want || cfg.ListenAddr() != ":7001" {
		t.Fatalf("read %+v, want %+v", cfg, want)
	}
}

func TestLoadConfigNamesEveryBadVariable(t *testing.T) {
	env := envconfig.FromMap(map[string]string{
		"CAIOMATCH_PROFILE_GRPC_ADDR":      "banana",
		"CAIOMATCH_MATCHING_GRPC_ADDR":     "matching:99999",
		"CAIOMATCH_PROFILE_DATABASE_URL":   "mysql://secret@db/profile",
		"CAIOMATCH_PROFILE_SHUTDOWN_GRACE": "forever",
	})
	service.LoadConfig(env)
	err := env.Err()
	if err == nil {
		t.Fatal("bad settings accepted")
	}
	for _, name := range []string{servicehost.EnvGRPCAddr(service.Name), servicehost.EnvGRPCAddr("matching"), service.EnvDatabaseURL, service.EnvShutdownGrace} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s:\n%v", name, err)
		}
	}
	if strings.Contains(err.Error(), "secret") {
		t.Errorf("error shows the database URL:\n%v", err)
	}
}
