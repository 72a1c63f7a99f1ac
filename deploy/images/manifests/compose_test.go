package manifests

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/caiomatch/caiomatch/deploy/images"
)

type composeFile struct {
	Services map[string]struct {
		Image       string
		Entrypoint  []string
		Environment map[string]string
		Ports       []string
		Profiles    []string
	}
	Configs map[string]struct{ Content string }
}

// TestComposeRunsTheImages reads compose.yaml (its YAML anchors resolved) and checks that every
// service runs the image `make images` builds with what the binary reads: where it listens, its
// peers' addresses, its database (created by the init script), NATS, the admin port and its
// secrets. When `docker compose` is installed, it also validates the file.
func TestComposeRunsTheImages(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot, "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	databases := regexp.MustCompile(`CREATE DATABASE (\w+);`).FindAllStringSubmatch(c.Configs["databases"].Content, -1)
	created := map[string]bool{}
	for _, m := range databases {
		created[m[1]] = true
	}
	for _, name := range append(slices.Sorted(maps.Keys(deployed)), "seed") {
		b, _ := images.Find(name)
		svc, ok := c.Services[name]
		if !ok {
			t.Errorf("compose.yaml has no service %s", name)
			continue
		}
		if want := b.ImageName() + ":${CAIOMATCH_TAG:-latest}"; svc.Image != want {
			t.Errorf("%s: image %q, want %q", name, svc.Image, want)
		}
		env := svc.Environment
		if name == "seed" {
			if env["CAIOMATCH_OPERATOR_TOKEN"] == "" || !slices.Contains(svc.Entrypoint, "http://gateway:8080") {
				t.Errorf("seed: entrypoint %q, env %v: want the gateway's URL and the operator token", svc.Entrypoint, env)
			}
			continue
		}
		for _, e := range b.Env {
			k, v, _ := strings.Cut(e, "=")
			if env[k] != v {
				t.Errorf("%s: %s=%q, want %q", name, k, env[k], v)
			}
		}
		if env["CAIOMATCH_ADMIN_ADDR"] != ":"+strconv.Itoa(images.AdminPort) || env["NATS_URL"] != "nats://nats:4222" {
			t.Errorf("%s: CAIOMATCH_ADMIN_ADDR %q, NATS_URL %q", name, env["CAIOMATCH_ADMIN_ADDR"], env["NATS_URL"])
		}
		for _, key := range deployed[name] {
			if _, ok := env[key]; !ok {
				t.Errorf("%s reads %s, which compose.yaml does not set", name, key)
			}
		}
		db := env["CAIOMATCH_"+strings.ToUpper(name)+"_DATABASE_URL"]
		if !strings.HasPrefix(db, "postgres://") || !strings.Contains(db, "@postgres:5432/caiomatch_"+name+"?") || !created["caiomatch_"+name] {
			t.Errorf("%s: database URL %q: want its own database on the postgres service, created by the init script (%v)", name, db, created)
		}
		for peer := range deployed {
			p, _ := images.Find(peer)
			if peer == name || peer == "gateway" {
				continue
			}
			if k, want := "CAIOMATCH_"+strings.ToUpper(peer)+"_GRPC_ADDR", peer+":"+strconv.Itoa(p.Ports[0]); env[k] != want {
				t.Errorf("%s: %s=%q, want %q", name, k, env[k], want)
			}
		}
	}
	if !slices.Contains(c.Services["gateway"].Ports, "127.0.0.1:8080:8080") {
		t.Errorf("gateway ports %v: want 8080 on the host's loopback", c.Services["gateway"].Ports)
	}

	if exec.Command("docker", "compose", "version").Run() != nil {
		t.Log("docker compose is not installed: compose.yaml checked as YAML only")
		return
	}
	cmd := exec.Command("docker", "compose", "-f", filepath.Join(repoRoot, "compose.yaml"), "config", "-q")
	cmd.Env = append(os.Environ(), "CAIOMATCH_INTERNAL_KEY=0123456789abcdef0123", "CAIOMATCH_OPERATOR_TOKEN=0123456789abcdef0123",
		"CAIOMATCH_PSEUDONYM_KEY=0123456789abcdef0123")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("docker compose config -q: %v\n%s", err, out)
	}
}

// TestDockerfileMatchesTheImages reads the Dockerfile (it cannot be built here: its base comes
// from a registry) and checks that each binary's stage makes the image `make images` makes:
// the same entrypoint, ports, environment and title, non-root, on scratch.
func TestDockerfileMatchesTheImages(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(data), "\\\n", " ")
	stages := map[string]string{}
	var current string
	for _, line := range strings.Split(text, "\n") {
		if f := strings.Fields(line); len(f) >= 4 && f[0] == "FROM" && f[len(f)-2] == "AS" {
			current = f[len(f)-1]
		}
		stages[current] += line + "\n"
	}
	runtime := stages["runtime"]
	for _, want := range []string{"FROM scratch AS runtime", "USER " + strconv.Itoa(images.UID) + ":" + strconv.Itoa(images.GID),
		"WORKDIR " + images.DataDir, "CAIOMATCH_DATA_DIR=" + images.DataDir, "--chown=65532:65532"} {
		if !strings.Contains(runtime, want) {
			t.Errorf("the runtime stage lacks %q", want)
		}
	}
	if !strings.Contains(stages["build"], "CGO_ENABLED=0") || !strings.Contains(text, "FROM ${BINARY}") {
		t.Error("the Dockerfile must build static binaries and end on the stage BINARY names")
	}
	for _, b := range images.Binaries {
		stage, ok := stages[b.Name]
		if !ok || !strings.HasPrefix(stage, "FROM runtime AS "+b.Name) {
			t.Errorf("no stage %s on the runtime stage", b.Name)
			continue
		}
		builds := false
		for _, m := range regexp.MustCompile(`([a-z|]+)\) pkg=(\S+) ;;`).FindAllStringSubmatch(stages["build"], -1) {
			if slices.Contains(strings.Split(m[1], "|"), b.Name) && strings.ReplaceAll(m[2], "$BINARY", b.Name) == b.Package {
				builds = true
			}
		}
		if !builds {
			t.Errorf("the build stage does not build %s from %s", b.Name, b.Package)
		}
		want := []string{`ENTRYPOINT ["` + b.Entrypoint() + `"]`, `org.opencontainers.image.title="` + b.ImageName() + `"`}
		env := slices.Clone(b.Env)
		if slices.Contains(b.Ports, images.AdminPort) {
			env = append(env, "CAIOMATCH_ADMIN_ADDR=:"+strconv.Itoa(images.AdminPort))
		}
		if len(env) > 0 {
			want = append(want, "ENV "+strings.Join(env, " "))
		}
		if len(b.Ports) > 0 {
			var ports []string
			for _, p := range b.Ports {
				ports = append(ports, strconv.Itoa(p))
			}
			want = append(want, "EXPOSE "+strings.Join(ports, " "))
		}
		for _, w := range want {
			if !strings.Contains(stage, w) {
				t.Errorf("stage %s lacks %q", b.Name, w)
			}
		}
	}
}
