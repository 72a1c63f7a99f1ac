package images

import (
	"archive/tar"
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/crypto/x509roots/fallback/bundle"
)

// The OCI labels every image carries (https://github.com/opencontainers/image-spec, annotations).
const (
	LabelTitle       = "org.opencontainers.image.title"
	LabelDescription = "org.opencontainers.image.description"
	LabelSource      = "org.opencontainers.image.source"
	LabelVersion     = "org.opencontainers.image.version"
	LabelRevision    = "org.opencontainers.image.revision"
	LabelCreated     = "org.opencontainers.image.created"
)

// Stamp is what a binary says about the source it was built from (its Go build information).
type Stamp struct {
	// Version is what the binary prints with -version and puts in its spans' service.version:
	// the first 12 digits of the revision, "+dirty" for uncommitted changes, or "dev" without
	// version control information (the rule of pkg/telemetry.BuildVersion).
	Version string
	// Revision is the full commit, empty without version control information.
	Revision string
	// Created is the commit's time, or the Unix epoch without one: an image built twice from
	// one commit is the same image, byte for byte.
	Created time.Time
}

// Tag is Version as an image tag, which allows no "+".
func (s Stamp) Tag() string { return strings.ReplaceAll(s.Version, "+", "-") }

// ReadStamp reads the build information of the binary at path.
func ReadStamp(path string) (Stamp, error) {
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		return Stamp{}, fmt.Errorf("%s: no Go build information: %w", path, err)
	}
	return stampOf(info), nil
}

func stampOf(info *debug.BuildInfo) Stamp {
	s := Stamp{Version: "dev", Created: time.Unix(0, 0).UTC()}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		s.Version = v
	}
	var dirty string
	for _, setting := range info.Settings {
		switch setting.Key {
		case "vcs.revision":
			s.Revision = setting.Value
		case "vcs.modified":
			if setting.Value == "true" {
				dirty = "+dirty"
			}
		case "vcs.time":
			if t, err := time.Parse(time.RFC3339, setting.Value); err == nil {
				s.Created = t.UTC()
			}
		}
	}
	if s.Version == "dev" && s.Revision != "" {
		s.Version = s.Revision[:min(12, len(s.Revision))] + dirty
	}
	return s
}

// CheckStatic fails unless the ELF binary at path is statically linked for arch (a GOARCH): it
// runs on an empty base, with no loader and no C library.
func CheckStatic(path, arch string) error {
	f, err := elf.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[arch]
	if want == elf.EM_NONE || f.Machine != want {
		return fmt.Errorf("%s: built for %v, want %s", path, f.Machine, arch)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is dynamically linked (it names a program interpreter): build it with CGO_ENABLED=0", path)
		}
	}
	libs, err := f.ImportedLibraries()
	if err != nil {
		return fmt.Errorf("%s: reading the shared libraries it needs: %w", path, err)
	}
	if len(libs) > 0 {
		return fmt.Errorf("%s needs shared libraries %v: build it with CGO_ENABLED=0", path, libs)
	}
	return nil
}

// Image makes binary's image from its static executable at path, for arch (a GOARCH). Nothing
// comes from a registry: the base is empty, and the one layer holds
//
//	/usr/local/bin/<name>                  the binary, the entrypoint
//	/etc/passwd, /etc/group                root and nonroot (65532), so tools can name the user
//	/etc/ssl/certs/ca-certificates.crt     Mozilla's roots (x509roots), for SMTP, webhooks, OTLP
//	/data                                  the data directory, owned by 65532
//	/tmp                                   world-writable, sticky
//
// The image is a function of the binary and source alone (every time in it is the commit's).
func Image(b Binary, path, arch, source string) (v1.Image, Stamp, error) {
	if err := CheckStatic(path, arch); err != nil {
		return nil, Stamp{}, err
	}
	stamp, err := ReadStamp(path)
	if err != nil {
		return nil, Stamp{}, err
	}
	exe, err := os.ReadFile(path)
	if err != nil {
		return nil, Stamp{}, err
	}
	fs, err := rootFS(b, exe, stamp.Created)
	if err != nil {
		return nil, Stamp{}, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(fs)), nil },
		tarball.WithMediaType(types.OCILayer), tarball.WithCompressedCaching)
	if err != nil {
		return nil, Stamp{}, err
	}
	base := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	img, err := mutate.Append(base, mutate.Addendum{Layer: layer, History: v1.History{
		Created: v1.Time{Time: stamp.Created}, CreatedBy: "caiomatch deploy/images (make images)",
		Comment: b.Name + " " + stamp.Version,
	}})
	if err != nil {
		return nil, Stamp{}, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, Stamp{}, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Created = "linux", arch, v1.Time{Time: stamp.Created}
	cf.Config = v1.Config{
		User:         strconv.Itoa(UID) + ":" + strconv.Itoa(GID),
		Entrypoint:   []string{b.Entrypoint()},
		WorkingDir:   DataDir,
		Env:          append([]string{"PATH=/usr/local/bin", "CAIOMATCH_DATA_DIR=" + DataDir}, b.Env...),
		ExposedPorts: map[string]struct{}{},
		Labels:       Labels(b, stamp, source),
		// SIGTERM is what every process drains on (servicehost.RunMain); the default anyway,
		// said so that a runtime configured otherwise does not SIGKILL it.
		StopSignal: "SIGTERM",
	}
	if slices.Contains(b.Ports, AdminPort) {
		cf.Config.Env = append(cf.Config.Env, "CAIOMATCH_ADMIN_ADDR=:"+strconv.Itoa(AdminPort))
	}
	for _, p := range b.Ports {
		cf.Config.ExposedPorts[strconv.Itoa(p)+"/tcp"] = struct{}{}
	}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, Stamp{}, err
	}
	return img, stamp, nil
}

// Labels are the image's OCI labels.
func Labels(b Binary, stamp Stamp, source string) map[string]string {
	labels := map[string]string{
		LabelTitle:       b.ImageName(),
		LabelDescription: b.Description,
		LabelVersion:     stamp.Version,
		LabelCreated:     stamp.Created.Format(time.RFC3339),
	}
	if source != "" {
		labels[LabelSource] = source
	}
	if stamp.Revision != "" {
		labels[LabelRevision] = stamp.Revision
	}
	return labels
}

// rootFS is the layer's tar: directories before their contents, in a fixed order, every entry
// dated mtime.
func rootFS(b Binary, exe []byte, mtime time.Time) ([]byte, error) {
	certs, err := caBundle()
	if err != nil {
		return nil, err
	}
	//nolint:gosec // G101: /etc/passwd's accounts; "x" says the password is elsewhere, and there is none
	passwd := "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/data:/sbin/nologin\n"
	group := "root:x:0:\nnonroot:x:65532:\n"
	type entry struct {
		name     string
		mode     int64
		uid, gid int
		body     []byte // nil for a directory
	}
	entries := []entry{
		{name: "data/", mode: 0o750, uid: UID, gid: GID},
		{name: "etc/", mode: 0o755},
		{name: "etc/group", mode: 0o644, body: []byte(group)},
		{name: "etc/passwd", mode: 0o644, body: []byte(passwd)},
		{name: "etc/ssl/", mode: 0o755},
		{name: "etc/ssl/certs/", mode: 0o755},
		{name: "etc/ssl/certs/ca-certificates.crt", mode: 0o644, body: certs},
		{name: "tmp/", mode: 0o1777},
		{name: "usr/", mode: 0o755},
		{name: "usr/local/", mode: 0o755},
		{name: "usr/local/bin/", mode: 0o755},
		{name: strings.TrimPrefix(b.Entrypoint(), "/"), mode: 0o755, body: exe},
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: e.mode, Uid: e.uid, Gid: e.gid, ModTime: mtime, Format: tar.FormatPAX}
		if e.body == nil {
			h.Typeflag = tar.TypeDir
		} else {
			h.Typeflag, h.Size = tar.TypeReg, int64(len(e.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(e.body); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// caBundle is the PEM bundle of the roots Go's fallback package trusts without a constraint. A
// root that is distrusted after some date cannot say so in a PEM file: it is left out rather
// than trusted without its limit.
func caBundle() ([]byte, error) {
	var out bytes.Buffer
	for root := range bundle.Roots() {
		if root.Constraint != nil {
			continue
		}
		if err := pem.Encode(&out, &pem.Block{Type: "CERTIFICATE", Bytes: root.Certificate}); err != nil {
			return nil, err
		}
	}
	if out.Len() == 0 {
		return nil, errors.New("no root certificates in golang.org/x/crypto/x509roots/fallback/bundle")
	}
	return out.Bytes(), nil
}
