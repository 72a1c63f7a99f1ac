package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// badSettings gives every variable the platform reads a value it must refuse.
var badSettings = map[string]string{
	"CAIOMATCH_NATS_REPLICAS":               "banana",
	"CAIOMATCH_NATS_ALLOW_UNREPLICATED":     "perhaps",
	"NATS_URL":                              "localhost:4222",
	"OTEL_EXPORTER_OTLP_ENDPOINT":           "collector",
	"CAIOMATCH_INTERNAL_KEY":                "short",
	"CAIOMATCH_HTTP_ADDR":                   "everywhere",
	"CAIOMATCH_OPERATOR_TOKEN":              "short",
	"CAIOMATCH_GATEWAY_DATABASE_URL":        "mysql://root@localhost/caiomatch",
	"CAIOMATCH_PROFILE_DATABASE_URL":        "sqlite:profile.db",
	"CAIOMATCH_MISSION_DATABASE_URL":        "file:mission.db",
	"CAIOMATCH_MATCHING_DATABASE_URL":       "matching",
	"CAIOMATCH_PROFILE_GRPC_ADDR":           "profile",
	"CAIOMATCH_MISSION_GRPC_ADDR":           "mission:port",
	"CAIOMATCH_MATCHING_GRPC_ADDR":          ":99999",
	"CAIOMATCH_SHORTLIST_SIZE":              "many",
	"CAIOMATCH_EXPOSURE_CAP":                "-1",
	"CAIOMATCH_AVAILABILITY_TOLERANCE_DAYS": "two weeks",
	"CAIOMATCH_INDEX_SNAPSHOT_INTERVAL":     "often",
	"CAIOMATCH_OFFER_TTL":                   "soon",
	"CAIOMATCH_PSEUDONYM_KEY":               "short",
}

// TestBadSettingsStopTheProcessNamingEachVariable runs the real binary: it must exit at once,
// with status 1, naming every bad variable, before it starts anything (no data directory).
func TestBadSettingsStopTheProcessNamingEachVariable(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "caiomatch")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	dataDir := filepath.Join(dir, "data")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// -version answers at once, with the revision the binary was built from.
	if out, err := exec.CommandContext(ctx, bin, "-version").CombinedOutput(); err != nil ||
		!strings.HasPrefix(string(out), "caiomatch ") || len(strings.TrimSpace(string(out))) <= len("caiomatch ") {
		t.Errorf("-version: %q %v", out, err)
	}
	cmd := exec.CommandContext(ctx, bin)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CAIOMATCH_") && !strings.HasPrefix(kv, "NATS_") && !strings.HasPrefix(kv, "OTEL_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "CAIOMATCH_DATA_DIR="+dataDir)
	for name, value := range badSettings {
		cmd.Env = append(cmd.Env, name+"="+value)
	}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit: %v, want status 1; output:\n%s", err, out)
	}
	for name := range badSettings {
		if !strings.Contains(string(out), name) {
			t.Errorf("the refusal does not name %s:\n%s", name, out)
		}
	}
	for _, secret := range []string{"mysql://root@localhost"} {
		if strings.Contains(string(out), secret) {
			t.Errorf("the refusal shows a database URL %q:\n%s", secret, out)
		}
	}
	if _, err := os.Stat(dataDir); err == nil {
		t.Error("the data directory was created: something started before the settings were checked")
	}
}
