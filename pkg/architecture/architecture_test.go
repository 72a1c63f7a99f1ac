package architecture

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/caiomatch/caiomatch/"

// pkgInfo is what `go list -json` says of one package that the rules need.
type pkgInfo struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

// forbiddenInCore are the import path prefixes domain and app may not reach, even indirectly:
// storage, messaging, transport and generated code belong to adapters, eventapi and grpcapi.
// database/sql itself is checked on direct imports only (importedInCore): libraries such as
// github.com/google/uuid import database/sql/driver to implement its interfaces.
var importedInCore = []string{"database/sql"}

var forbiddenInCore = []string{
	"github.com/jackc/",
	"modernc.org/sqlite",
	"github.com/nats-io/",
	"google.golang.org/grpc",
	"google.golang.org/protobuf",
	"github.com/grpc-ecosystem/",
	module + "pkg/gen/",
	module + "pkg/sqlstore",
	module + "pkg/outbox",
	module + "pkg/inbox",
	module + "pkg/eventbus",
	module + "pkg/txn/sqltx",
	module + "pkg/rpc",
	module + "pkg/servicehost",
}

// violations applies the rules to pkgs and returns one line per broken rule.
func violations(pkgs []pkgInfo) []string {
	var out []string
	for _, p := range pkgs {
		path := strings.TrimPrefix(p.ImportPath, module)
		if strings.HasSuffix(path, ".test") || strings.Contains(path, " [") {
			continue
		}
		service, room := serviceRoom(path)
		if service != "" && (room == "domain" || room == "app") {
			for _, dep := range p.Deps {
				if under(dep, forbiddenInCore) {
					out = append(out, fmt.Sprintf("%s (%s) depends on %s", path, room, dep))
				}
			}
			for _, imp := range p.Imports {
				if under(imp, importedInCore) {
					out = append(out, fmt.Sprintf("%s (%s) imports %s", path, room, imp))
				}
			}
		}
		for _, imp := range p.Imports {
			target := strings.TrimPrefix(imp, module)
			if target == imp {
				continue // outside the project
			}
			otherService, otherRoom := serviceRoom(target)
			switch {
			case service != "" && otherService != "" && otherService != service:
				out = append(out, fmt.Sprintf("service %s imports service %s: %s", service, otherService, target))
			case strings.HasPrefix(path, "gateway/") && otherService != "" && otherRoom != "service":
				out = append(out, fmt.Sprintf("the gateway imports a service's internals: %s imports %s", path, target))
			case strings.HasPrefix(path, "pkg/") && (otherService != "" || strings.HasPrefix(target, "gateway/")):
				out = append(out, fmt.Sprintf("pkg imports a component: %s imports %s", path, target))
			}
		}
	}
	return out
}

// under tells whether path is one of prefixes, or below one: a prefix ending in "/" matches any
// path starting with it, another one itself and the packages under it.
func under(path string, prefixes []string) bool {
	for _, f := range prefixes {
		if path == f || strings.HasPrefix(path, f) && (strings.HasSuffix(f, "/") || strings.HasPrefix(path, f+"/")) {
			return true
		}
	}
	return false
}

// serviceRoom splits services/<service>/<room>/… into service and room; "" outside services.
func serviceRoom(path string) (service, room string) {
	parts := strings.Split(path, "/")
	if len(parts) < 2 || parts[0] != "services" {
		return "", ""
	}
	if len(parts) == 2 {
		return parts[1], ""
	}
	return parts[1], parts[2]
}

func TestRulesCatchEachKindOfViolation(t *testing.T) {
	bad := []pkgInfo{
		{ImportPath: module + "services/mission/app", Imports: []string{"context", "database/sql"}},
		{ImportPath: module + "services/mission/app", Deps: []string{module + "pkg/sqlstore"}},
		{ImportPath: module + "services/mission/domain", Deps: []string{module + "pkg/gen/caiomatch/mission/v1"}},
		{ImportPath: module + "services/matching/app", Deps: []string{"github.com/nats-io/nats.go"}},
		{ImportPath: module + "services/profile/app", Deps: []string{"google.golang.org/grpc/codes"}},
		{ImportPath: module + "services/profile/eventapi", Imports: []string{module + "services/mission/domain"}},
		{ImportPath: module + "gateway/httpapi", Imports: []string{module + "services/profile/grpcapi"}},
		{ImportPath: module + "pkg/edgecheck", Imports: []string{module + "services/profile/domain"}},
	}
	got := violations(bad)
	if len(got) != len(bad) {
		t.Fatalf("%d violations found in %d bad packages:\n%s", len(got), len(bad), strings.Join(got, "\n"))
	}
	good := []pkgInfo{
		{ImportPath: module + "services/mission/app", Deps: []string{"context", module + "pkg/txn", module + "pkg/fault", "database/sql/driver"},
			Imports: []string{"github.com/google/uuid", "database/sqlite-lookalike/x"}},
		{ImportPath: module + "services/mission/adapters/store", Imports: []string{"database/sql", module + "services/mission/app"}},
		{ImportPath: module + "gateway/allinone", Imports: []string{module + "services/mission/service"}},
		{ImportPath: module + "pkg/txn/sqltx", Imports: []string{module + "pkg/txn"}},
	}
	if got := violations(good); len(got) != 0 {
		t.Fatalf("allowed imports reported:\n%s", strings.Join(got, "\n"))
	}
}

// TestTheWorkspaceKeepsTheSkeleton lists every package of every module in go.work.
func TestTheWorkspaceKeepsTheSkeleton(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	modules := workspaceModules(t, filepath.Join(root, "go.work"))
	if len(modules) < 5 {
		t.Fatalf("go.work lists %d modules: %v", len(modules), modules)
	}
	var pkgs []pkgInfo
	for _, dir := range modules {
		cmd := exec.Command("go", "list", "-json=ImportPath,Imports,Deps", "./...")
		cmd.Dir = filepath.Join(root, dir)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list in %s: %v\n%s", dir, err, stderr.String())
		}
		dec := json.NewDecoder(bytes.NewReader(out))
		for dec.More() {
			var p pkgInfo
			if err := dec.Decode(&p); err != nil {
				t.Fatal(err)
			}
			pkgs = append(pkgs, p)
		}
	}
	var services int
	for _, p := range pkgs {
		if s, room := serviceRoom(strings.TrimPrefix(p.ImportPath, module)); s != "" && room == "app" {
			services++
		}
	}
	if services < 3 {
		t.Fatalf("found the app room of %d services; the listing is wrong", services)
	}
	for _, v := range violations(pkgs) {
		t.Error(v)
	}
}

// workspaceModules reads the use directives of go.work.
func workspaceModules(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var dirs []string
	inUse := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "use (":
			inUse = true
		case inUse && line == ")":
			inUse = false
		case inUse && line != "":
			dirs = append(dirs, strings.TrimPrefix(line, "./"))
		case strings.HasPrefix(line, "use ./"):
			dirs = append(dirs, strings.TrimPrefix(line, "use ./"))
		}
	}
	return dirs
}
