//go:build unix

package cluster

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// natsServerModule is built at the version the workspace resolves (pkg/go.mod requires it;
// the embedded server of `make run` is the same code).
const natsServerModule = "github.com/nats-io/nats-server/v2"

// buildTargets are the packages Build compiles, with the binary each gives.
var buildTargets = []struct{ pkg, binary string }{
	{natsServerModule, "nats-server"},
	{"./services/profile/cmd/profile", "profile"},
	{"./services/mission/cmd/mission", "mission"},
	{"./services/matching/cmd/matching", "matching"},
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
		NATSServer: filepath.Join(dir, "nats-server"),
		Profile:    filepath.Join(dir, "profile"),
		Mission:    filepath.Join(dir, "mission"),
		Matching:   filepath.Join(dir, "matching"),
		Gateway:    filepath.Join(dir, "gateway"),
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
		return "", fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}
