//go:build unix

package cluster

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
	"time"
)

// natsServerModule is built at the version the workspace resolves (pkg/go.mod requires it;
// the embedded server of `make run` is the same code).
const natsServerModule = "github.com/nats-io/nats-server/v2"

// natsServerBuildTimeout bounds the first build of nats-server alone (a few minutes on two
// cores without a warm build cache).
const natsServerBuildTimeout = 10 * time.Minute

// buildTargets are the packages Build compiles, with the binary each gives.
var buildTargets = []struct{ pkg, binary string }{
	{natsServerModule, "nats-server"},
	{"./services/profile/cmd/profile", "profile"},
	{"./services/mission/cmd/mission", "mission"},
	{"./services/matching/cmd/matching", "matching"},
	{"./services/notification/cmd/notification", "notification"},
	{"./gateway/cmd/gateway", "gateway"},
}

// Build compiles nats-server and the services' and gateway's binaries from the workspace
// (the go.work found from the current directory) into dir, and returns their paths. It runs a
// plain go build, without -race, whatever the calling test runs with.
//
// The binaries are built in a scratch directory, then renamed into place: a process still
// running the previous binary keeps it, and no process ever starts a half-written file.
func Build(ctx context.Context, dir string) (Binaries, error) {
	root, err := WorkspaceRoot(ctx)
	if err != nil {
		return Binaries{}, err
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return Binaries{}, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Binaries{}, err
	}
	scratch, err := os.MkdirTemp(dir, "build-")
	if err != nil {
		return Binaries{}, err
	}
	defer os.RemoveAll(scratch)
	args := []string{"build", "-o", scratch + string(filepath.Separator)}
	for _, t := range buildTargets {
		args = append(args, t.pkg)
	}
	if _, err := goCommand(ctx, root, args...); err != nil {
		return Binaries{}, err
	}
	for _, t := range buildTargets {
		if err := os.Rename(filepath.Join(scratch, t.binary), filepath.Join(dir, t.binary)); err != nil {
			return Binaries{}, err
		}
	}
	return Binaries{
		NATSServer:   filepath.Join(dir, "nats-server"),
		Profile:      filepath.Join(dir, "profile"),
		Mission:      filepath.Join(dir, "mission"),
		Matching:     filepath.Join(dir, "matching"),
		Notification: filepath.Join(dir, "notification"),
		Gateway:      filepath.Join(dir, "gateway"),
	}, nil
}

// WorkspaceRoot is the directory of the go.work the go command uses from the current
// directory: the repository root.
func WorkspaceRoot(ctx context.Context) (string, error) {
	out, err := goCommand(ctx, "", "env", "GOWORK")
	if err != nil {
		return "", err
	}
	work := strings.TrimSpace(out)
	if work == "" || work == "off" {
		return "", fmt.Errorf("no go.work in use (GOWORK=%q): run from inside the repository, without GOWORK=off", work)
	}
	return filepath.Dir(work), nil
}

// cachedNATSServer builds nats-server at most once per program.
var cachedNATSServer = sync.OnceValues(buildCachedNATSServer)

// NATSServerBinary is the path of a nats-server built from the Go module at the version the
// workspace resolves, for NATS-only clusters (Options.NATSOnly). It is built once per version
// into os.TempDir()/caiomatch-nats-server-<version>-<os>-<arch>/ and reused by later runs
// while it reports that version; the build runs in the current directory, so go.mod and
// go.work decide the version.
func NATSServerBinary() (string, error) {
	return cachedNATSServer()
}

// buildCachedNATSServer renames the binary into place only once complete, so concurrent
// programs never run a half-written file.
func buildCachedNATSServer() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), natsServerBuildTimeout)
	defer cancel()
	out, err := goCommand(ctx, "", "list", "-m", "-f", "{{.Version}}", natsServerModule)
	if err != nil {
		return "", err
	}
	version := strings.TrimSpace(out)
	if !strings.HasPrefix(version, "v") {
		return "", fmt.Errorf("go list -m %s: unexpected version %q", natsServerModule, version)
	}
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("caiomatch-nats-server-%s-%s-%s", version, runtime.GOOS, runtime.GOARCH))
	bin := filepath.Join(dir, "nats-server")
	if checkNATSServerVersion(ctx, bin, version) == nil {
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
	if _, err := goCommand(ctx, "", "build", "-o", tmpPath, natsServerModule); err != nil {
		return "", err
	}
	if err := checkNATSServerVersion(ctx, tmpPath, version); err != nil {
		return "", err
	}
	if err := os.Rename(tmpPath, bin); err != nil {
		return "", err
	}
	return bin, nil
}

// checkNATSServerVersion runs bin --version and expects "nats-server: <version>".
func checkNATSServerVersion(ctx context.Context, bin, version string) error {
	out, err := exec.CommandContext(ctx, bin, "--version").CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s --version: %w", bin, err)
	}
	if got := strings.TrimSpace(string(out)); got != "nats-server: "+version {
		return fmt.Errorf("%s --version: got %q, want nats-server: %s", bin, got, version)
	}
	return nil
}

// goCommand runs the go command found on PATH in dir ("" for the current directory) and
// returns its standard output.
func goCommand(ctx context.Context, dir string, args ...string) (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("the go command is needed to build the cluster's binaries: %w", err)
	}
	cmd := exec.CommandContext(ctx, goBin, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = ctx.Err()
		}
		return "", fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}
