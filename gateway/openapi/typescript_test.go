package openapi

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// typeChecks use the generated types as a TypeScript client would: a typed mission to create,
// the answers by status (a 202 for sign-up), the error body, a message field that may be null;
// and the mistakes the types must refuse (each @ts-expect-error fails the compilation when the
// line after it compiles).
const typeChecks = `import type { paths, components } from "./caiomatch";

type CreateMission = paths["/v1/missions"]["post"]["requestBody"]["content"]["application/json"];
type Created = paths["/v1/missions"]["post"]["responses"][200]["content"]["application/json"];
type Refused = paths["/v1/missions"]["post"]["responses"][400]["content"]["application/json"];
type SignedUp = paths["/v1/signup"]["post"]["responses"][202]["content"]["application/json"];
type Problem = components["schemas"]["Error"];

export const mission: CreateMission = {
  title: "Transition CAIO", sector: "C21", missionType: "MISSION_TYPE_AI_STRATEGY",
  durationMonths: 12, workMode: "WORK_MODE_HYBRID", location: { country: "FR", city: "Lyon" },
};
export function missionId(c: Created): string | undefined { return c.mission?.id; }
export function reason(p: Problem | Refused): string | undefined {
  return p.details.find((d) => d["@type"].endsWith("ErrorInfo"))?.reason;
}
export function fields(p: Problem): string[] {
  return p.details.flatMap((d) => d.fieldViolations ?? []).map((v) => v.field);
}
export const accepted: SignedUp = {};
export function answeredAt(o: components["schemas"]["Offer"]): string | null | undefined { return o.answeredAt; }

export const mistakes: CreateMission[] = [
  // @ts-expect-error a number as a string
  { durationMonths: "twelve" },
  // @ts-expect-error an unknown work mode
  { workMode: "WORK_MODE_SOMETIMES" },
  // @ts-expect-error an unknown field
  { budget: 5 },
];
// @ts-expect-error an answer the description does not give (sign-up answers 202)
export type SignUpOK = paths["/v1/signup"]["post"]["responses"][200];
`

// TestTypeScriptClientGenerator feeds the description to openapi-typescript, pinned with its
// dependencies in tools/openapi-ts, and compiles code using the generated types with the pinned
// TypeScript (strict): it compiles, and typed mistakes do not. It needs npm (installed by
// .ci/run); without it the test is skipped, except under CI=true.
func TestTypeScriptClientGenerator(t *testing.T) {
	if testing.Short() {
		t.Skip("installs npm packages")
	}
	modules := pinnedTools(t)

	dir := t.TempDir()
	description := filepath.Join(dir, "openapi.json")
	if err := os.WriteFile(description, Document(), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	run(t, dir, "node", filepath.Join(modules, "openapi-typescript", "bin", "cli.js"), description, "-o", filepath.Join(dir, "caiomatch.ts"))
	if err := os.WriteFile(filepath.Join(dir, "check.ts"), []byte(typeChecks), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("openapi-typescript: %s", time.Since(start).Round(time.Millisecond))

	start = time.Now()
	cmd := exec.Command("node", filepath.Join(modules, "typescript", "bin", "tsc"), "--noEmit", "--strict",
		"--skipLibCheck", "--target", "es2022", "--lib", "es2022", "--module", "es2022", "--moduleResolution", "bundler", "check.ts")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("code using the generated types does not compile as it should: %v\n%s", err, out)
	}
	t.Logf("tsc: %s", time.Since(start).Round(time.Millisecond))
}

// pinnedTools returns the node_modules of the npm packages tools/openapi-ts pins, installed
// once into .cache. Without npm the test is skipped, except under CI=true.
func pinnedTools(t *testing.T) string {
	t.Helper()
	npm, err := exec.LookPath("npm")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("npm is needed under CI=true (.ci/run installs it)")
		}
		t.Skip("npm is not installed (apt-get install npm): the description is not checked with the npm tools")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return installPinned(t, npm, filepath.Join(root, "tools", "openapi-ts"), filepath.Join(root, ".cache", "openapi-ts"))
}

// installPinned installs the packages tools/openapi-ts pins (package-lock.json, npm ci, no
// install scripts) into cache, once per lock file, and returns their node_modules.
func installPinned(t *testing.T, npm, pinned, cache string) string {
	t.Helper()
	lock, err := os.ReadFile(filepath.Join(pinned, "package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	modules := filepath.Join(cache, "node_modules")
	installed, _ := os.ReadFile(filepath.Join(cache, "package-lock.json"))
	if _, err := os.Stat(filepath.Join(modules, ".package-lock.json")); err == nil && bytes.Equal(installed, lock) {
		return modules
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"package.json", "package-lock.json"} {
		data, err := os.ReadFile(filepath.Join(pinned, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(cache, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	run(t, cache, npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error")
	t.Logf("npm ci: %s", time.Since(start).Round(time.Millisecond))
	return modules
}

func run(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}
