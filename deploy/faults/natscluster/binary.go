//go:build unix

package natscluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// ServerModule is the Go module the nats-server binary is built from, at the version the
// workspace resolves (pkg requires it; the embedded server is the same code).
const ServerModule = "github.com/nats-io/nats-server/v2"

// buildTimeout bounds the first build of the server (a few minutes on two cores without a warm
// build cache).
const buildTimeout = 10 * time.Minute

// builtBinary builds the server at most once per test binary.
var builtBinary = sync.OnceValues(buildBinary)

// Binary returns the path of a nats-server binary built from ServerModule at the pinned
// version. It skips the test, saying why, when the binary cannot be built (no module cache and
// no network); under CI=true it fails instead, as the repository's other optional backends do.
func Binary(t testing.TB) string {
	t.Helper()
	path, err := builtBinary()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("natscluster: cannot build nats-server: %v", err)
		}
		t.Skipf("natscluster: skipped, cannot build nats-server from the Go module (module cache or network needed): %v", err)
	}
	return path
}

// ServerVersion is the version of ServerModule the workspace resolves, e.g. v2.15.2.
func ServerVersion() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := goCommand(ctx, "list", "-m", "-f", "{{.Version}}", ServerModule)
	if err != nil {
		return "", err
	}
	version := strings.TrimSpace(out)
	if !strings.HasPrefix(version, "v") {
		return "", fmt.Errorf("go list -m %s: unexpected version %q", ServerModule, version)
	}
	return version, nil
}

// buildBinary reuses os.TempDir()/caiomatch-nats-server-<version>-<os>-<arch>/nats-server when
// it reports the right version, and otherwise builds it there. The build runs in the current
// directory, inside the deploy/faults module, so go.mod and go.work decide the version. The
// binary is renamed into place only once complete, so concurrent test binaries never run a
// half-written file.
func buildBinary() (string, error) {
	version, err := ServerVersion()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("caiomatch-nats-server-%s-%s-%s", version, runtime.GOOS, runtime.GOARCH))
	bin := filepath.Join(dir, "nats-server")
	if checkVersion(bin, version) == nil {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(dir, "nats-server-*.partial")
	if err != nil {
		return "", err
	}
	tmpPath := tmp.Name()
	tmp.Close()
	defer os.Remove(tmpPath) // a no-op once renamed
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	if _, err := goCommand(ctx, "build", "-o", tmpPath, ServerModule); err != nil {
		return "", err
	}
	if err := checkVersion(tmpPath, version); err != nil {
		return "", err
	}
	if err := os.Rename(tmpPath, bin); err != nil {
		return "", err
	}
	return bin, nil
}

// checkVersion runs bin --version and expects "nats-server: <version>".
func checkVersion(bin, version string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "--version").CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s --version: %w", bin, err)
	}
	if got := strings.TrimSpace(string(out)); got != "nats-server: "+version {
		return fmt.Errorf("%s --version: got %q, want nats-server: %s", bin, got, version)
	}
	return nil
}

// goCommand runs the go command found on PATH (the one running the tests) and returns its
// standard output.
func goCommand(ctx context.Context, args ...string) (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("go command not found: %w", err)
	}
	cmd := exec.CommandContext(ctx, goBin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = ctx.Err()
		}
		return "", fmt.Errorf("go %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}
