// Package images builds one OCI image per binary of the platform without pulling anything from a
// registry: each image is a single layer on an empty base holding the static binary, a CA bundle,
// the non-root user and a writable data directory (`make images`, deploy/README.md).
package images

import (
	"strconv"
	"strings"
)

// Repository is the name every image gets before a push: <Repository>/<binary>:<tag>. The
// Kubernetes manifests (deploy/k8s) and compose.yaml name the images the same way.
const Repository = "caiomatch"

// The user and group every container runs as: no name needed, never root. 65532 is the
// "nonroot" user of distroless images, which the Kubernetes manifests also set.
const (
	UID = 65532
	GID = 65532
)

// AdminPort serves /metrics and the detailed status on every process (CAIOMATCH_ADMIN_ADDR).
const AdminPort = 9090

// DataDir is the data directory inside the images (CAIOMATCH_DATA_DIR), owned by UID.
const DataDir = "/data"

// Binary is one program of the platform and what its image says about it.
type Binary struct {
	// Name is the binary's file name and the last element of its image name.
	Name string
	// Package is the main package, relative to the repository's root.
	Package string
	// Description becomes the image's org.opencontainers.image.description.
	Description string
	// Ports are the TCP ports the process listens on in a container.
	Ports []int
	// Env are the image's defaults that differ from the binary's own: a container must listen
	// on every interface, where the binaries default to loopback.
	Env []string
}

// Binaries are every program shipped as an image: the four services, the gateway, the
// all-in-one platform (whose `deadletters` command is the operators' tool) and the seeder.
var Binaries = []Binary{
	service("profile", 9101),
	service("mission", 9102),
	service("matching", 9103),
	service("notification", 9104),
	{
		Name: "gateway", Package: "./gateway/cmd/gateway",
		Description: "caiomatch HTTP gateway: the public REST/JSON API and web pages in front of the services",
		Ports:       []int{8080, AdminPort},
		Env:         []string{"CAIOMATCH_HTTP_ADDR=:8080"},
	},
	{
		Name: "caiomatch", Package: "./gateway/cmd/caiomatch",
		Description: "caiomatch all in one process (embedded NATS, SQLite, every service and the gateway); `caiomatch deadletters` is the operators' dead-letter tool",
		Ports:       []int{8080, AdminPort},
		Env:         []string{"CAIOMATCH_HTTP_ADDR=:8080"},
	},
	{
		Name: "seed", Package: "./gateway/cmd/seed",
		Description: "caiomatch seeder: synthetic consultants, firms and missions through the public API",
	},
}

func service(name string, grpcPort int) Binary {
	return Binary{
		Name: name, Package: "./services/" + name + "/cmd/" + name,
		Description: "caiomatch " + name + " service (gRPC on " + strconv.Itoa(grpcPort) + ")",
		Ports:       []int{grpcPort, AdminPort},
		Env:         []string{"CAIOMATCH_" + strings.ToUpper(name) + "_GRPC_ADDR=:" + strconv.Itoa(grpcPort)},
	}
}

// Find returns the binary named name.
func Find(name string) (Binary, bool) {
	for _, b := range Binaries {
		if b.Name == name {
			return b, true
		}
	}
	return Binary{}, false
}

// ImageName is the image's name without a tag, e.g. caiomatch/profile.
func (b Binary) ImageName() string { return Repository + "/" + b.Name }

// Entrypoint is where the binary lies in its image.
func (b Binary) Entrypoint() string { return "/usr/local/bin/" + b.Name }
