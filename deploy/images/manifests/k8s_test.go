package manifests

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/caiomatch/caiomatch/deploy/images"
)

const repoRoot = "../../.."

// deployed are the binaries that run as Deployments, and the secrets each reads (the keys of
// caiomatch-secrets): what their LoadConfig reads that a pod must not make up on its own.
var deployed = map[string][]string{
	"profile":      {"CAIOMATCH_INTERNAL_KEY", "CAIOMATCH_PROFILE_DATABASE_URL"},
	"mission":      {"CAIOMATCH_INTERNAL_KEY", "CAIOMATCH_MISSION_DATABASE_URL", "CAIOMATCH_PSEUDONYM_KEY"},
	"matching":     {"CAIOMATCH_INTERNAL_KEY", "CAIOMATCH_MATCHING_DATABASE_URL", "CAIOMATCH_PSEUDONYM_KEY"},
	"notification": {"CAIOMATCH_INTERNAL_KEY", "CAIOMATCH_NOTIFICATION_DATABASE_URL", "CAIOMATCH_SMTP_URL"},
	"gateway": {"CAIOMATCH_INTERNAL_KEY", "CAIOMATCH_GATEWAY_DATABASE_URL", "CAIOMATCH_OPERATOR_TOKEN",
		"CAIOMATCH_PSEUDONYM_KEY", "CAIOMATCH_SMTP_URL"},
}

// pushed is what `make images PUSH=registry.example.com/caiomatch` would have written.
func pushed(name string) string {
	return "registry.example.com/caiomatch/" + name + "@sha256:" + strings.Repeat(fmt.Sprintf("%x", len(name)%16), 64)
}

// TestKubernetesRunsTheImages renders the base and the production overlay (with the Component
// `make images` writes after a push, and the ServiceMonitor component) the way `kubectl
// kustomize` does, decodes every object strictly into its Kubernetes type (a misspelt field
// fails), and checks that each Deployment runs its binary's image as the image's user, with
// its ports, the admin port scraped by Prometheus, and every secret the binary reads.
func TestKubernetesRunsTheImages(t *testing.T) {
	tree := t.TempDir()
	copyTree(t, filepath.Join(repoRoot, "deploy/k8s"), filepath.Join(tree, "deploy/k8s"))
	example, err := os.ReadFile(filepath.Join(repoRoot, "deploy/k8s/base/secrets.env.example"))
	if err != nil {
		t.Fatal(err)
	}
	overlay := filepath.Join(tree, "deploy/k8s/overlays/production")
	if err := os.WriteFile(filepath.Join(overlay, "secrets.env"), example, 0o600); err != nil {
		t.Fatal(err)
	}
	var built []images.Built
	for _, b := range images.Binaries {
		built = append(built, images.Built{Name: b.Name, Image: b.ImageName(), Tags: []string{"0123456789ab", "latest"}, Pushed: pushed(b.Name)})
	}
	if err := os.MkdirAll(filepath.Join(tree, "dist/images"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := images.WriteIndex(filepath.Join(tree, "dist/images"), built); err != nil {
		t.Fatal(err)
	}
	// The production overlay with the ServiceMonitor added, as deploy/README.md says to.
	kustomization := filepath.Join(overlay, "kustomization.yaml")
	k, err := os.ReadFile(kustomization)
	if err != nil {
		t.Fatal(err)
	}
	component := []byte("components:\n  - ../../../../dist/images\n")
	if !bytes.Contains(k, component) {
		t.Fatalf("%s does not take the Component `make images` writes (%q)", kustomization, component)
	}
	k = bytes.Replace(k, component, append(component, "  - ../../components/servicemonitor\n"...), 1)
	if err := os.WriteFile(kustomization, k, 0o644); err != nil {
		t.Fatal(err)
	}

	t.Run("base", func(t *testing.T) {
		objects := render(t, filepath.Join(tree, "deploy/k8s/base"))
		checkPlatform(t, objects, func(name string) string { return "caiomatch/" + name + ":0.0.0-replace-me" })
	})
	t.Run("production", func(t *testing.T) {
		objects := render(t, overlay)
		checkPlatform(t, objects, pushed)
		monitors := objects.other["ServiceMonitor"]
		if len(monitors) != 1 {
			t.Fatalf("%d ServiceMonitors, want 1", len(monitors))
		}
		var monitor struct {
			Metadata struct{ Namespace string }
			Spec     struct {
				Selector  struct{ MatchLabels map[string]string }
				Endpoints []struct{ Port, Path string }
			}
		}
		if err := yaml.Unmarshal(monitors[0], &monitor); err != nil {
			t.Fatal(err)
		}
		sel := monitor.Spec.Selector.MatchLabels
		if monitor.Metadata.Namespace != "caiomatch" || len(monitor.Spec.Endpoints) != 1 ||
			monitor.Spec.Endpoints[0].Port != "admin" || monitor.Spec.Endpoints[0].Path != "/metrics" {
			t.Errorf("ServiceMonitor %+v: want the admin port's /metrics in namespace caiomatch", monitor)
		}
		for _, svc := range objects.services {
			for k, v := range sel {
				if svc.Labels[k] != v {
					t.Errorf("the ServiceMonitor's selector %v does not select Service %s (labels %v)", sel, svc.Name, svc.Labels)
				}
			}
		}
	})
}

type rendered struct {
	deployments map[string]appsv1.Deployment
	services    map[string]corev1.Service
	configMaps  []corev1.ConfigMap
	other       map[string][][]byte
}

func render(t *testing.T, dir string) rendered {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	resources, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	out := rendered{deployments: map[string]appsv1.Deployment{}, services: map[string]corev1.Service{}, other: map[string][][]byte{}}
	for _, r := range resources.Resources() {
		doc, err := r.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		strict := func(v any) {
			if err := yaml.UnmarshalStrict(doc, v); err != nil {
				t.Errorf("%s %s: %v", r.GetKind(), r.GetName(), err)
			}
		}
		switch r.GetKind() {
		case "Deployment":
			var d appsv1.Deployment
			strict(&d)
			out.deployments[d.Name] = d
		case "Service":
			var s corev1.Service
			strict(&s)
			out.services[s.Name] = s
		case "ConfigMap":
			var c corev1.ConfigMap
			strict(&c)
			out.configMaps = append(out.configMaps, c)
		case "PodDisruptionBudget":
			strict(&policyv1.PodDisruptionBudget{})
		case "Namespace":
			strict(&corev1.Namespace{})
		case "Secret":
			strict(&corev1.Secret{})
		default:
			out.other[r.GetKind()] = append(out.other[r.GetKind()], doc)
		}
	}
	return out
}

func checkPlatform(t *testing.T, objects rendered, wantImage func(name string) string) {
	t.Helper()
	var names []string
	for name := range objects.deployments {
		names = append(names, name)
	}
	slices.Sort(names)
	var want []string
	for name := range deployed {
		want = append(want, name)
	}
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Fatalf("Deployments %v, want %v", names, want)
	}
	config := map[string]string{}
	for _, c := range objects.configMaps {
		for k, v := range c.Data {
			config[k] = v
		}
	}
	for name, d := range objects.deployments {
		b, ok := images.Find(name)
		if !ok {
			t.Errorf("Deployment %s runs no binary make images builds", name)
			continue
		}
		pod := d.Spec.Template.Spec
		if len(pod.Containers) != 1 {
			t.Errorf("%s: %d containers, want 1", name, len(pod.Containers))
			continue
		}
		c := pod.Containers[0]
		if c.Image != wantImage(name) {
			t.Errorf("%s runs image %q, want %q", name, c.Image, wantImage(name))
		}
		if len(c.Command) != 0 {
			t.Errorf("%s overrides the image's entrypoint with %q", name, c.Command)
		}
		sc, csc := pod.SecurityContext, c.SecurityContext
		if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser != images.UID ||
			sc.RunAsGroup == nil || *sc.RunAsGroup != images.GID || sc.FSGroup == nil || *sc.FSGroup != images.GID {
			t.Errorf("%s: pod security context %+v, want non-root as %d:%d (the image's user)", name, sc, images.UID, images.GID)
		}
		if csc == nil || csc.ReadOnlyRootFilesystem == nil || !*csc.ReadOnlyRootFilesystem || csc.AllowPrivilegeEscalation == nil ||
			*csc.AllowPrivilegeEscalation || csc.Capabilities == nil || !slices.Equal(csc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
			t.Errorf("%s: container security context %+v, want a read-only root, no privilege escalation, no capability", name, csc)
		}
		if !slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == images.DataDir }) {
			t.Errorf("%s: nothing mounted on %s, the data directory, and the root file system is read-only", name, images.DataDir)
		}
		for _, p := range b.Ports {
			if !slices.ContainsFunc(c.Ports, func(cp corev1.ContainerPort) bool { return int(cp.ContainerPort) == p }) {
				t.Errorf("%s: container ports %v lack %d, which the image exposes", name, c.Ports, p)
			}
		}
		if !slices.ContainsFunc(c.Ports, func(cp corev1.ContainerPort) bool {
			return cp.Name == "admin" && cp.ContainerPort == images.AdminPort
		}) {
			t.Errorf("%s: no container port admin %d", name, images.AdminPort)
		}
		a := d.Spec.Template.Annotations
		if a["prometheus.io/scrape"] != "true" || a["prometheus.io/port"] != strconv.Itoa(images.AdminPort) || a["prometheus.io/path"] != "/metrics" {
			t.Errorf("%s: pod annotations %v, want prometheus.io scrape of :%d/metrics", name, a, images.AdminPort)
		}
		env := map[string]string{}
		if slices.ContainsFunc(c.EnvFrom, func(e corev1.EnvFromSource) bool {
			return e.ConfigMapRef != nil && strings.HasPrefix(e.ConfigMapRef.Name, "caiomatch-config")
		}) {
			for k, v := range config {
				env[k] = v
			}
		}
		secrets := map[string]bool{}
		for _, e := range c.Env {
			env[e.Name] = e.Value
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
				if e.ValueFrom.SecretKeyRef.Key != e.Name {
					t.Errorf("%s: %s comes from secret key %s", name, e.Name, e.ValueFrom.SecretKeyRef.Key)
				}
				secrets[e.Name] = true
			}
		}
		if env["CAIOMATCH_ADMIN_ADDR"] != ":"+strconv.Itoa(images.AdminPort) || env["CAIOMATCH_DATA_DIR"] != images.DataDir {
			t.Errorf("%s: CAIOMATCH_ADMIN_ADDR %q, CAIOMATCH_DATA_DIR %q: want :%d and %s", name, env["CAIOMATCH_ADMIN_ADDR"],
				env["CAIOMATCH_DATA_DIR"], images.AdminPort, images.DataDir)
		}
		for _, e := range b.Env {
			k, v, _ := strings.Cut(e, "=")
			if env[k] != v {
				t.Errorf("%s: %s=%q, want %q: where it listens in a container", name, k, env[k], v)
			}
		}
		for _, key := range deployed[name] {
			if !secrets[key] {
				t.Errorf("%s reads %s, which its Deployment does not give from caiomatch-secrets", name, key)
			}
		}
		svc, ok := objects.services[name]
		if !ok {
			t.Errorf("no Service %s", name)
			continue
		}
		for _, p := range b.Ports {
			if !slices.ContainsFunc(svc.Spec.Ports, func(sp corev1.ServicePort) bool { return int(sp.Port) == p }) {
				t.Errorf("Service %s: ports %v lack %d", name, svc.Spec.Ports, p)
			}
		}
		if !slices.ContainsFunc(svc.Spec.Ports, func(sp corev1.ServicePort) bool {
			return sp.Name == "admin" && sp.TargetPort.StrVal == "admin"
		}) {
			t.Errorf("Service %s: no port admin for the ServiceMonitor", name)
		}
	}
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		if d.Name() == "secrets.env" {
			return nil // an operator's real secrets stay where they are
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
