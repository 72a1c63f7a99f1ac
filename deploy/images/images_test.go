package images

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

const repoRoot = "../.."

var (
	buildOnce  sync.Once
	builtDir   string
	builtAll   []Built
	buildErr   error
	buildStamp bool
	// wantVCS: the go command stamps the commit only where .git is a directory; in a git
	// worktree (.git a file) it silently stamps nothing and the version is "dev".
	wantVCS bool
)

// buildAll runs Build once for every test of the package, into a directory of its own, the way
// `make images` does (the commit stamped when this is a git checkout, as the Makefile decides).
func buildAll(t *testing.T) (string, []Built) {
	t.Helper()
	buildOnce.Do(func() {
		buildStamp = exec.Command("git", "-C", repoRoot, "rev-parse", "--is-inside-work-tree").Run() == nil
		fi, err := os.Stat(filepath.Join(repoRoot, ".git"))
		wantVCS = buildStamp && err == nil && fi.IsDir()
		builtDir, buildErr = os.MkdirTemp("", "caiomatch-images-")
		if buildErr != nil {
			return
		}
		start := time.Now()
		// The builder runs as its own process, as `make images` runs it: compressing the layers
		// under the race detector would take minutes.
		builder := filepath.Join(builtDir, "buildimages")
		if out, err := exec.Command("go", "build", "-o", builder, "./cmd/buildimages").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/buildimages: %v\n%s", err, out)
			return
		}
		cmd := exec.Command(builder, "-repo", repoRoot, "-out", builtDir, "-arch", runtime.GOARCH,
			"-buildvcs="+strconv.FormatBool(buildStamp))
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("buildimages: %v\n%s", err, out)
			return
		}
		builtAll, buildErr = ReadIndex(builtDir)
		fmt.Printf("images: built %d images in %.1f s\n", len(builtAll), time.Since(start).Seconds())
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtDir, builtAll
}

func TestMain(m *testing.M) {
	code := m.Run()
	if builtDir != "" {
		os.RemoveAll(builtDir)
	}
	os.Exit(code)
}

// TestEveryImage loads each tarball as a runtime would and checks what the image promises:
// non-root, its entrypoint, its labels, one static binary on an empty base, and that the
// entrypoint runs (as 65532 in the image's own root, when the test may chroot) and prints the
// version the labels say.
func TestEveryImage(t *testing.T) {
	_, all := buildAll(t)
	if len(all) != len(Binaries) {
		t.Fatalf("built %d images, want one per binary (%d)", len(all), len(Binaries))
	}
	for _, built := range all {
		t.Run(built.Name, func(t *testing.T) {
			b, ok := Find(built.Name)
			if !ok {
				t.Fatalf("built %q, which is no binary", built.Name)
			}
			checkTarball(t, built)
			img := loadLayout(t, built)
			checkConfig(t, b, built, img)
			root := extract(t, img)
			checkRootFS(t, b, root)
			out := runEntrypoint(t, img, root, "-version")
			if want := b.Name + " " + built.Version; strings.TrimSpace(out) != want {
				t.Errorf("%s -version printed %q, want %q (the image's version label)", b.Entrypoint(), out, want)
			}
		})
	}
}

// checkTarball reads what `docker load` reads: one image, tagged with the version and latest,
// whose ID is the config's digest.
func checkTarball(t *testing.T, built Built) {
	t.Helper()
	m, err := tarball.LoadManifest(func() (io.ReadCloser, error) { return os.Open(built.Tarball) })
	if err != nil {
		t.Fatalf("%s: %v", built.Tarball, err)
	}
	var tags []string
	for _, tag := range built.Tags {
		tags = append(tags, built.Image+":"+tag)
	}
	if len(m) != 1 || !slices.Equal(slices.Sorted(slices.Values(m[0].RepoTags)), slices.Sorted(slices.Values(tags))) || m[0].Config != built.ConfigDigest {
		t.Errorf("%s: manifest.json %+v, want one image tagged %v with config %s", built.Tarball, m, tags, built.ConfigDigest)
	}
}

// loadLayout reads the image from its OCI layout, where it is byte for byte what a push sends.
func loadLayout(t *testing.T, built Built) v1.Image {
	t.Helper()
	index, err := layout.ImageIndexFromPath(built.Layout)
	if err != nil {
		t.Fatal(err)
	}
	m, err := index.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Manifests) != 1 {
		t.Fatalf("%s/index.json: %d images, want 1", built.Layout, len(m.Manifests))
	}
	if a := m.Manifests[0].Annotations; a["org.opencontainers.image.ref.name"] != built.Tags[0] ||
		a["io.containerd.image.name"] != built.Image+":"+built.Tags[0] {
		t.Fatalf("%s/index.json: %+v, want the one image, named %s:%s", built.Layout, m.Manifests, built.Image, built.Tags[0])
	}
	if m.Manifests[0].Digest.String() != built.Digest {
		t.Errorf("the layout holds %s, images.json says %s", m.Manifests[0].Digest, built.Digest)
	}
	img, err := index.Image(m.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	if d, err := img.Digest(); err != nil || d != m.Manifests[0].Digest {
		t.Errorf("the manifest's bytes hash to %s (%v), the index says %s", d, err, m.Manifests[0].Digest)
	}
	if c, err := img.ConfigName(); err != nil || c.String() != built.ConfigDigest {
		t.Errorf("config %s (%v), images.json says %s", c, err, built.ConfigDigest)
	}
	return img
}

func checkConfig(t *testing.T, b Binary, built Built, img v1.Image) {
	t.Helper()
	if mt, err := img.MediaType(); err != nil || mt != types.OCIManifestSchema1 {
		t.Errorf("manifest media type %q (%v), want an OCI image", mt, err)
	}
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("%d layers (%v), want one on an empty base", len(layers), err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	c := cf.Config
	uid, gid, _ := strings.Cut(c.User, ":")
	if n, err := strconv.Atoi(uid); err != nil || n == 0 || uid != strconv.Itoa(UID) || gid != strconv.Itoa(GID) {
		t.Errorf("user %q, want the numeric non-root %d:%d (runAsNonRoot needs a number)", c.User, UID, GID)
	}
	if !slices.Equal(c.Entrypoint, []string{b.Entrypoint()}) || len(c.Cmd) != 0 {
		t.Errorf("entrypoint %q cmd %q, want [%s] and no cmd", c.Entrypoint, c.Cmd, b.Entrypoint())
	}
	if cf.OS != "linux" || cf.Architecture != runtime.GOARCH {
		t.Errorf("platform %s/%s, want linux/%s", cf.OS, cf.Architecture, runtime.GOARCH)
	}
	if c.WorkingDir != DataDir || !slices.Contains(c.Env, "CAIOMATCH_DATA_DIR="+DataDir) {
		t.Errorf("working dir %q, env %q: want %s, the data directory", c.WorkingDir, c.Env, DataDir)
	}
	for _, e := range b.Env {
		if !slices.Contains(c.Env, e) {
			t.Errorf("env %q lacks %s", c.Env, e)
		}
	}
	for _, p := range b.Ports {
		if _, ok := c.ExposedPorts[strconv.Itoa(p)+"/tcp"]; !ok {
			t.Errorf("exposed ports %v lack %d", c.ExposedPorts, p)
		}
	}
	if slices.Contains(b.Ports, AdminPort) != slices.Contains(c.Env, "CAIOMATCH_ADMIN_ADDR=:9090") {
		t.Errorf("env %q: CAIOMATCH_ADMIN_ADDR=:9090 must be set exactly when the admin port is exposed", c.Env)
	}
	l := c.Labels
	if l[LabelTitle] != b.ImageName() || l[LabelDescription] == "" || l[LabelSource] != DefaultSource {
		t.Errorf("labels %v: want title %s, a description and source %s", l, b.ImageName(), DefaultSource)
	}
	if l[LabelVersion] != built.Version || built.Tags[0] != strings.ReplaceAll(built.Version, "+", "-") {
		t.Errorf("version label %q, tag %q, images.json %q: want the binary's version", l[LabelVersion], built.Tags[0], built.Version)
	}
	created, err := time.Parse(time.RFC3339, l[LabelCreated])
	if err != nil || !created.Equal(cf.Created.Time) {
		t.Errorf("created label %q, config created %v: want the same time (%v)", l[LabelCreated], cf.Created, err)
	}
	if !wantVCS && built.Version != "dev" {
		t.Errorf("version %q, want dev (not built in a git checkout)", built.Version)
	}
	if wantVCS {
		head, err := exec.Command("git", "-C", repoRoot, "rev-parse", "HEAD").Output()
		if err != nil {
			t.Fatal(err)
		}
		if l[LabelRevision] != strings.TrimSpace(string(head)) || !strings.HasPrefix(built.Version, l[LabelRevision][:12]) {
			t.Errorf("revision label %q, version %q: want HEAD, %s", l[LabelRevision], built.Version, head)
		}
		if created.Year() < 2020 {
			t.Errorf("created %v: want the commit's time", created)
		}
	}
}

// extract writes the image's file system under a new directory, with its owners when the test
// runs as root, and returns the directory.
func extract(t *testing.T, img v1.Image) string {
	t.Helper()
	root := t.TempDir()
	rc := layerTar(t, img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(root, filepath.FromSlash(h.Name))
		if !strings.HasPrefix(path, root+string(filepath.Separator)) {
			t.Fatalf("entry %q leaves the image's root", h.Name)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(path, 0o755); err != nil {
				t.Fatal(err)
			}
		case tar.TypeReg:
			data, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
		default:
			t.Fatalf("entry %q of type %q: the layer holds only directories and files", h.Name, h.Typeflag)
		}
		if err := os.Chmod(path, h.FileInfo().Mode()); err != nil {
			t.Fatal(err)
		}
		if os.Geteuid() == 0 {
			if err := os.Lchown(path, h.Uid, h.Gid); err != nil {
				t.Fatal(err)
			}
		}
		isData := strings.Trim(h.Name, "/") == strings.Trim(DataDir, "/")
		if isData && (h.Uid != UID || h.Gid != GID || h.Typeflag != tar.TypeDir) {
			t.Errorf("%s owned by %d:%d, want a directory of %d:%d: the user must be able to write its data", DataDir, h.Uid, h.Gid, UID, GID)
		}
		if !isData && h.Uid != 0 {
			t.Errorf("%s owned by %d: only the data directory is the user's", h.Name, h.Uid)
		}
	}
	return root
}

// layerTar is the image's one layer, uncompressed and checked against its digest. gzip does the
// inflating when installed: under the race detector Go's inflater takes most of a minute for
// the seven layers.
func layerTar(t *testing.T, img v1.Image) io.ReadCloser {
	t.Helper()
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("%d layers (%v)", len(layers), err)
	}
	gzip, err := exec.LookPath("gzip")
	if err != nil {
		return mutate.Extract(img)
	}
	compressed, err := layers[0].Compressed() // verifies the digest as it is read to its end
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(gzip, "-dc")
	cmd.Stdin = compressed
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return readCloser{Reader: out, close: func() error {
		_, drainErr := io.Copy(io.Discard, out)
		err := cmd.Wait()
		compressed.Close()
		if drainErr != nil {
			t.Errorf("draining gzip -dc of the layer: %v", drainErr)
		}
		if err != nil {
			t.Errorf("gzip -dc of the layer: %v", err)
		}
		return errors.Join(drainErr, err)
	}}
}

type readCloser struct {
	io.Reader
	close func() error
}

func (r readCloser) Close() error { return r.close() }

func checkRootFS(t *testing.T, b Binary, root string) {
	t.Helper()
	exe := filepath.Join(root, b.Entrypoint())
	if err := CheckStatic(exe, runtime.GOARCH); err != nil {
		t.Error(err)
	}
	pem, err := os.ReadFile(filepath.Join(root, "etc/ssl/certs/ca-certificates.crt"))
	if err != nil {
		t.Fatal(err)
	}
	if pool := x509.NewCertPool(); !pool.AppendCertsFromPEM(pem) || bytes.Count(pem, []byte("BEGIN CERTIFICATE")) < 100 {
		t.Errorf("the CA bundle holds %d certificates: want Mozilla's roots", bytes.Count(pem, []byte("BEGIN CERTIFICATE")))
	}
	if fi, err := os.Stat(filepath.Join(root, "tmp")); err != nil || fi.Mode()&os.ModeSticky == 0 || fi.Mode().Perm() != 0o777 {
		t.Errorf("/tmp: %v %v, want drwxrwxrwt", fi.Mode(), err)
	}
}

// command runs the image's entrypoint with args the way a container runtime would, as far as a
// test can: as root it chroots into the extracted file system and drops to the image's user;
// otherwise it runs the extracted binary as the test's user.
func command(t *testing.T, img v1.Image, root string, env []string, args ...string) *exec.Cmd {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	c := cf.Config
	cmd := &exec.Cmd{Args: append(slices.Clone(c.Entrypoint), args...), Env: append(slices.Clone(c.Env), env...)}
	if os.Geteuid() == 0 {
		uid, gid, _ := strings.Cut(c.User, ":")
		u, _ := strconv.Atoi(uid)
		g, _ := strconv.Atoi(gid)
		cmd.Path, cmd.Dir = c.Entrypoint[0], c.WorkingDir
		cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: root, Credential: &syscall.Credential{Uid: uint32(u), Gid: uint32(g)}}
		return cmd
	}
	t.Log("not root: running the extracted binary without chroot, as the test's user")
	cmd.Path, cmd.Dir = filepath.Join(root, c.Entrypoint[0]), filepath.Join(root, c.WorkingDir)
	cmd.Env = append(cmd.Env, "CAIOMATCH_DATA_DIR="+filepath.Join(root, DataDir))
	return cmd
}

func runEntrypoint(t *testing.T, img v1.Image, root string, args ...string) string {
	t.Helper()
	cmd := command(t, img, root, nil, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, stderr.String())
	}
	return string(out)
}

// TestAllInOneImageServes starts the all-in-one image's entrypoint as its user in its own root
// (embedded NATS and SQLite in /data) until the gateway answers /readyz, then stops it with
// SIGTERM as a runtime would.
func TestAllInOneImageServes(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to chroot into the image and run as its user")
	}
	_, all := buildAll(t)
	i := slices.IndexFunc(all, func(b Built) bool { return b.Name == "caiomatch" })
	img := loadLayout(t, all[i])
	root := extract(t, img)
	addr := freeAddr(t)
	// Free ports in place of the image's :8080 and :9090: the test shares the host's network.
	cmd := command(t, img, root, []string{"CAIOMATCH_HTTP_ADDR=" + addr, "CAIOMATCH_ADMIN_ADDR=" + freeAddr(t)})
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-done:
			t.Fatalf("caiomatch exited before it was ready: %v\n%s", err, logs.String())
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			killProcess(t, cmd)
			t.Fatalf("caiomatch not ready at http://%s/readyz within 90 s\n%s", addr, logs.String())
		}
	}
	if _, err := os.Stat(filepath.Join(root, DataDir, "operator.token")); err != nil {
		t.Errorf("no operator token in the image's data directory: %v", err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("caiomatch stopped with %v after SIGTERM\n%s", err, logs.String())
		}
	case <-time.After(45 * time.Second):
		killProcess(t, cmd)
		t.Fatalf("caiomatch still running 45 s after SIGTERM\n%s", logs.String())
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestImagesAreReproducible makes an image again, in another process, from the binary the
// builder used: the same digest, so a rebuild of a commit is the same image.
func TestImagesAreReproducible(t *testing.T) {
	dir, all := buildAll(t)
	built := all[slices.IndexFunc(all, func(b Built) bool { return b.Name == "seed" })]
	b, _ := Find(built.Name)
	img, _, err := Image(b, filepath.Join(dir, "bin", b.Name), runtime.GOARCH, DefaultSource)
	if err != nil {
		t.Fatal(err)
	}
	if d, err := img.Digest(); err != nil || d.String() != built.Digest {
		t.Errorf("made again: %s (%v); by the builder: %s", d, err, built.Digest)
	}
}

// TestPushKeepsTheDigest pushes an image to a registry (in memory) and points the kustomize
// Component at it by that digest.
func TestPushKeepsTheDigest(t *testing.T) {
	dir, all := buildAll(t)
	want := all[slices.IndexFunc(all, func(b Built) bool { return b.Name == "seed" })]
	b, _ := Find("seed")
	img, stamp, err := Image(b, filepath.Join(dir, "bin", b.Name), runtime.GOARCH, DefaultSource)
	if err != nil {
		t.Fatal(err)
	}
	reg := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer reg.Close()
	host := strings.TrimPrefix(reg.URL, "http://")
	out := t.TempDir()
	built, err := write(context.Background(), Options{OutDir: out, Push: host + "/team"}.withDefaults(), b, img, stamp)
	if err != nil {
		t.Fatal(err)
	}
	if built.Pushed != host+"/team/seed@"+want.Digest {
		t.Errorf("pushed as %q, want %s/team/seed@%s", built.Pushed, host, want.Digest)
	}
	ref, err := name.ParseReference(host+"/team/seed:"+stamp.Tag(), name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	remoteImg, err := remote.Image(ref)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := remoteImg.Digest(); d.String() != built.Digest {
		t.Errorf("the registry holds %s, built %s", d, built.Digest)
	}
	if err := WriteIndex(out, []Built{built}); err != nil {
		t.Fatal(err)
	}
	component, err := os.ReadFile(filepath.Join(out, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(component, []byte(`digest: "`+built.Digest+`"`)) || !bytes.Contains(component, []byte("name: caiomatch/seed")) {
		t.Errorf("kustomization.yaml does not pin caiomatch/seed to %s:\n%s", built.Digest, component)
	}
	if back, err := ReadIndex(out); err != nil || back[0].Digest != built.Digest {
		t.Errorf("images.json read back as %v, %v", back, err)
	}
}

// TestDockerRunsTheImages loads each tarball into a Docker daemon and runs it read-only, when
// one is reachable. Without a daemon (CI has none) TestEveryImage has already run every
// entrypoint from its own image, as its user.
func TestDockerRunsTheImages(t *testing.T) {
	if _, err := exec.LookPath("docker"); err != nil {
		t.Skip("no docker command: the images are checked without Docker (TestEveryImage)")
	}
	if out, err := exec.Command("docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput(); err != nil {
		t.Skipf("no Docker daemon reachable (%s): the images are checked without Docker (TestEveryImage)", bytes.TrimSpace(out))
	}
	_, all := buildAll(t)
	for _, built := range all {
		if out, err := exec.Command("docker", "load", "-i", built.Tarball).CombinedOutput(); err != nil {
			t.Fatalf("docker load %s: %v\n%s", built.Tarball, err, out)
		}
		ref := built.Image + ":" + built.Tags[0]
		out, err := exec.Command("docker", "run", "--rm", "--read-only", "--cap-drop", "ALL", ref, "-version").CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != built.Name+" "+built.Version {
			t.Errorf("docker run %s -version: %q, %v", ref, out, err)
		}
	}
}

// killProcess ends a process the test gave up on; one that has already exited needs nothing.
func killProcess(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("killing %s: %v", cmd.Path, err)
	}
}
