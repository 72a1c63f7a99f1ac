package images

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// DefaultSource is the images' org.opencontainers.image.source: the repository of the module
// github.com/caiomatch/caiomatch.
const DefaultSource = "https://github.com/caiomatch/caiomatch"

// Options say what Build makes and where.
type Options struct {
	// RepoRoot is the repository's root (where go.work is).
	RepoRoot string
	// OutDir receives bin/<name> (the static binaries), oci/<name> (an OCI image layout per
	// image, what `crane push` takes with its digest kept), <name>.tar (a `docker load`
	// tarball per image), images.json and kustomization.yaml.
	OutDir string
	// Arch is the GOARCH of the images; empty means amd64.
	Arch string
	// BuildVCS stamps the binaries with the commit they are built from (their -version and the
	// images' version labels); without it they say "dev".
	BuildVCS bool
	// Binaries to build; nil means all of Binaries.
	Binaries []Binary
	// Source is the org.opencontainers.image.source label; empty means DefaultSource.
	Source string
	// Push, when set, is a repository prefix (registry.example.com/team): every image is also
	// pushed there as <Push>/<name>:<tag>, with the credentials of ~/.docker/config.json.
	Push string
	// RemoteOptions are added to every push (tests give a transport).
	RemoteOptions []remote.Option
	// GoCommand runs the go tool; empty means "go" from PATH.
	GoCommand string
	// Log receives one line per image; nil discards them.
	Log io.Writer
}

// Built is one image Build made (images.json holds the list).
type Built struct {
	Name string `json:"name"`
	// Image is the name the tarball gives it, without a tag (caiomatch/<name>).
	Image string `json:"image"`
	// Tags in the tarball: the version's and "latest" (for compose.yaml).
	Tags     []string `json:"tags"`
	Version  string   `json:"version"`
	Revision string   `json:"revision,omitempty"`
	// Digest is the image manifest's: the same in the OCI layout, after `crane push` of the
	// layout and after a push by Build. (`docker load` keeps the image's ID, ConfigDigest, but
	// a registry that `docker push` writes to gets a manifest of Docker's own.)
	Digest       string `json:"digest"`
	ConfigDigest string `json:"configDigest"`
	Layout       string `json:"layout"`
	Tarball      string `json:"tarball"`
	// Pushed is the reference pushed to, when Options.Push was set.
	Pushed string `json:"pushed,omitempty"`
}

// Build compiles every binary in one `go build` (static, -trimpath), makes each image, writes
// its tarball, pushes it when asked, and writes images.json and a kustomize Component that
// points the Kubernetes manifests at these images.
func Build(ctx context.Context, opts Options) ([]Built, error) {
	opts = opts.withDefaults()
	binDir := filepath.Join(opts.OutDir, "bin")
	//nolint:gosec // G301: a build output in the checkout's dist/, readable like the checkout (as go build and the OCI layout writer make theirs)
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return nil, err
	}
	if err := compile(ctx, opts, binDir); err != nil {
		return nil, err
	}
	var all []Built
	for _, b := range opts.Binaries {
		img, stamp, err := Image(b, filepath.Join(binDir, b.Name), opts.Arch, opts.Source)
		if err != nil {
			return nil, err
		}
		built, err := write(ctx, opts, b, img, stamp)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(opts.Log, "%s:%s %s %s\n", built.Image, built.Tags[0], built.Digest, cmp.Or(built.Pushed, built.Layout))
		all = append(all, built)
	}
	if err := WriteIndex(opts.OutDir, all); err != nil {
		return nil, err
	}
	return all, nil
}

func (o Options) withDefaults() Options {
	if o.Arch == "" {
		o.Arch = "amd64"
	}
	if o.Binaries == nil {
		o.Binaries = Binaries
	}
	if o.Source == "" {
		o.Source = DefaultSource
	}
	if o.GoCommand == "" {
		o.GoCommand = "go"
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	return o
}

// compile builds every binary at once, so the packages they share compile once: static
// (CGO_ENABLED=0; the SQLite driver is pure Go), without local paths (-trimpath), without
// symbol tables and DWARF (-s -w; stack traces keep their names).
func compile(ctx context.Context, opts Options, binDir string) error {
	args := []string{"build", "-trimpath", "-buildvcs=" + strconv.FormatBool(opts.BuildVCS), "-ldflags=-s -w",
		"-o", binDir + string(filepath.Separator)}
	for _, b := range opts.Binaries {
		args = append(args, b.Package)
	}
	cmd := exec.CommandContext(ctx, opts.GoCommand, args...)
	cmd.Dir = opts.RepoRoot
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+opts.Arch)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return nil
}

func write(ctx context.Context, opts Options, b Binary, img v1.Image, stamp Stamp) (Built, error) {
	digest, err := img.Digest()
	if err != nil {
		return Built{}, err
	}
	config, err := img.ConfigName()
	if err != nil {
		return Built{}, err
	}
	built := Built{Name: b.Name, Image: b.ImageName(), Tags: []string{stamp.Tag(), "latest"}, Version: stamp.Version,
		Revision: stamp.Revision, Digest: digest.String(), ConfigDigest: config.String(),
		Layout: filepath.Join(opts.OutDir, "oci", b.Name), Tarball: filepath.Join(opts.OutDir, b.Name+".tar")}
	if err := os.RemoveAll(built.Layout); err != nil {
		return Built{}, err
	}
	lp, err := layout.Write(built.Layout, empty.Index)
	if err != nil {
		return Built{}, err
	}
	// The tag for OCI tools (skopeo oci:<dir>:<tag>), the full name for containerd's import.
	if err := lp.AppendImage(img, layout.WithAnnotations(map[string]string{
		"org.opencontainers.image.ref.name": built.Tags[0],
		"io.containerd.image.name":          built.Image + ":" + built.Tags[0]})); err != nil {
		return Built{}, err
	}
	refs := map[name.Reference]v1.Image{}
	for _, tag := range built.Tags {
		ref, err := name.NewTag(built.Image + ":" + tag)
		if err != nil {
			return Built{}, err
		}
		refs[ref] = img
	}
	if err := tarball.MultiRefWriteToFile(built.Tarball, refs); err != nil {
		return Built{}, err
	}
	if opts.Push != "" {
		ref, err := name.NewTag(strings.TrimSuffix(opts.Push, "/") + "/" + b.Name + ":" + stamp.Tag())
		if err != nil {
			return Built{}, err
		}
		ro := append([]remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain)}, opts.RemoteOptions...)
		if err := remote.Write(ref, img, ro...); err != nil {
			return Built{}, fmt.Errorf("push %s: %w", ref, err)
		}
		built.Pushed = ref.Context().Name() + "@" + built.Digest
	}
	return built, nil
}

// WriteIndex writes images.json and kustomization.yaml, a kustomize Component that sets the
// manifests' images (deploy/k8s names them caiomatch/<name>) to these: by digest once pushed,
// else by the version's tag, for a cluster that loads the tarballs itself (kind, minikube).
func WriteIndex(dir string, all []Built) error {
	index, err := json.MarshalIndent(all, "", "  ")
	if err != nil {
		return err
	}
	//nolint:gosec // G306: a build output, readable like the checkout by the tools that load the images
	if err := os.WriteFile(filepath.Join(dir, "images.json"), append(index, '\n'), 0o644); err != nil {
		return err
	}
	var k strings.Builder
	k.WriteString("# Generated by `make images` (deploy/images): the images it built. Add this directory to an\n" +
		"# overlay's components (deploy/README.md, \"Kubernetes from the images\").\n" +
		"apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nimages:\n")
	for _, b := range all {
		fmt.Fprintf(&k, "  - name: %s\n", b.Image)
		if b.Pushed != "" {
			repo, digest, _ := strings.Cut(b.Pushed, "@")
			fmt.Fprintf(&k, "    newName: %s\n    digest: %s\n", strconv.Quote(repo), strconv.Quote(digest))
		} else {
			fmt.Fprintf(&k, "    newTag: %s\n", strconv.Quote(b.Tags[0]))
		}
	}
	//nolint:gosec // G306: a build output, readable like the checkout by kubectl and kustomize
	return os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(k.String()), 0o644)
}

// ReadIndex reads the images.json Build wrote in dir.
func ReadIndex(dir string) ([]Built, error) {
	data, err := os.ReadFile(filepath.Join(dir, "images.json"))
	if err != nil {
		return nil, err
	}
	var all []Built
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "images.json"), err)
	}
	if len(all) == 0 {
		return nil, errors.New("no image in " + filepath.Join(dir, "images.json"))
	}
	return all, nil
}
