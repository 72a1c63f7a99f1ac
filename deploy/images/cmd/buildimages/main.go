// Command buildimages makes one OCI image per binary of the platform, from nothing but the
// source and the Go toolchain (`make images`; deploy/README.md, "Kubernetes from the images"):
//
//	go run ./deploy/images/cmd/buildimages -repo . -out dist/images [-arch amd64] [-buildvcs=true] [-push registry.example.com/team]
//
// It prints one line per image: name:tag, digest, and the tarball (or where it was pushed).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/caiomatch/caiomatch/deploy/images"
)

func main() {
	repo := flag.String("repo", ".", "the repository's root (where go.work is)")
	out := flag.String("out", "dist/images", "where the binaries, tarballs, images.json and kustomization.yaml go")
	arch := flag.String("arch", "amd64", "GOARCH of the images (amd64 or arm64)")
	buildVCS := flag.Bool("buildvcs", true, "stamp the binaries with the commit (needs a git checkout)")
	only := flag.String("only", "", "comma-separated binaries to build (default: all)")
	push := flag.String("push", "", "also push each image to <prefix>/<name>:<version> (credentials of ~/.docker/config.json)")
	source := flag.String("source", images.DefaultSource, "the org.opencontainers.image.source label")
	flag.Parse()

	opts := images.Options{RepoRoot: *repo, OutDir: *out, Arch: *arch, BuildVCS: *buildVCS, Push: *push, Source: *source, Log: os.Stdout}
	if *only != "" {
		for _, n := range strings.Split(*only, ",") {
			b, ok := images.Find(strings.TrimSpace(n))
			if !ok {
				fail(fmt.Errorf("-only: no binary %q", n))
			}
			opts.Binaries = append(opts.Binaries, b)
		}
	}
	if _, err := os.Stat(filepath.Join(*repo, "go.work")); err != nil {
		fail(fmt.Errorf("-repo %s: not the repository's root: %w", *repo, err))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if _, err := images.Build(ctx, opts); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "buildimages:", err)
	os.Exit(1)
}
