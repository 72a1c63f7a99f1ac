package service_test

import (
	"net"
	"strings"
	"testing"

	"github.com/caiomatch/caiomatch/pkg/servicehost"
	"github.com/caiomatch/caiomatch/services/matching/service"
)

func TestConfigFromEnv(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		for _, name := range []string{"CAIOMATCH_SHORTLIST_SIZE", "CAIOMATCH_EXPOSURE_CAP", "CAIOMATCH_AVAILABILITY_TOLERANCE_DAYS",
			"CAIOMATCH_MATCHING_DATABASE_URL"} {
			t.Setenv(name, "")
		}
		cfg, err := service.ConfigFromEnv()
		if err != nil || cfg.ShortlistSize != 5 || service.DefaultExposureCap != 3 || cfg.ExposureCap != 3 ||
			cfg.AvailabilityToleranceDays != 14 || cfg.DatabaseURL != "" {
			t.Fatalf("ConfigFromEnv = %+v, %v; want 5, 3, 14 and SQLite (no database URL)", cfg, err)
		}
	})
	t.Run("set", func(t *testing.T) {
		t.Setenv("CAIOMATCH_SHORTLIST_SIZE", "10")
		t.Setenv("CAIOMATCH_EXPOSURE_CAP", "0")
		t.Setenv("CAIOMATCH_AVAILABILITY_TOLERANCE_DAYS", "0")
		cfg, err := service.ConfigFromEnv()
		if err != nil || cfg.ShortlistSize != 10 || cfg.ExposureCap != 0 || cfg.AvailabilityToleranceDays != 0 {
			t.Fatalf("ConfigFromEnv = %+v, %v; want 10, 0 (no cap), 0", cfg, err)
		}
	})
	t.Run("database URL", func(t *testing.T) {
		const url = "postgres://matching:s3cret@db.internal:5432/caiomatch?sslmode=require"
		t.Setenv(service.EnvDatabaseURL, url)
		cfg, err := service.ConfigFromEnv()
		if err != nil || cfg.DatabaseURL != url {
			t.Fatalf("ConfigFromEnv = %+v, %v; want DatabaseURL %s", cfg, err, url)
		}
	})
	t.Run("database URL of another engine", func(t *testing.T) {
		t.Setenv(service.EnvDatabaseURL, "mysql://matching:s3cret@db.internal/caiomatch")
		_, err := service.ConfigFromEnv()
		if err == nil || !strings.Contains(err.Error(), service.EnvDatabaseURL) {
			t.Fatalf("ConfigFromEnv error = %v, want one naming %s", err, service.EnvDatabaseURL)
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Fatalf("the error shows the password: %v", err)
		}
	})
	for _, tc := range []struct{ name, value string }{
		{"CAIOMATCH_SHORTLIST_SIZE", "0"},
		{"CAIOMATCH_SHORTLIST_SIZE", "101"},
		{"CAIOMATCH_SHORTLIST_SIZE", "five"},
		{"CAIOMATCH_EXPOSURE_CAP", "-1"},
		{"CAIOMATCH_EXPOSURE_CAP", "256"},
		{"CAIOMATCH_AVAILABILITY_TOLERANCE_DAYS", "-1"},
		{"CAIOMATCH_AVAILABILITY_TOLERANCE_DAYS", "366"},
		{"CAIOMATCH_AVAILABILITY_TOLERANCE_DAYS", "1.5"},
	} {
		t.Run(tc.name+"="+tc.value, func(t *testing.T) {
			t.Setenv(tc.name, tc.value)
			if cfg, err := service.ConfigFromEnv(); err == nil {
				t.Fatalf("ConfigFromEnv accepted %s=%s: %+v", tc.name, tc.value, cfg)
			}
		})
	}
}

func TestRunNeedsTheMissionAddress(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host := servicehost.Host{Name: service.Name, DataDir: t.TempDir(), Listener: lis}
	if err := service.Run(t.Context(), host, service.Config{}); err == nil {
		t.Fatal("Run started without a mission address")
	}
	// Run closes the listener it was given, even when it fails to start.
	if _, err := lis.Accept(); err == nil {
		t.Fatal("the listener is still open")
	}
}
