package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/gateway/allinone"
	"github.com/caiomatch/caiomatch/gateway/server"
	"github.com/caiomatch/caiomatch/pkg/servicehost"
)

func TestOperationsEndpoints(t *testing.T) {
	p := startPlatform(t, t.TempDir())
	if r := p.call("GET", "/healthz", "", nil); r.status != 200 {
		t.Errorf("/healthz: %d", r.status)
	}
	eventually(t, 5*time.Second, "/readyz ready", func() bool {
		r := p.call("GET", "/readyz", "", nil)
		return r.status == 200 && str(r.body, "status") == "ready"
	})
	p.call("GET", "/v1/taxonomy/skills", "", nil)
	if r := p.call("GET", "/metrics", "", nil); r.status != 401 {
		t.Errorf("/metrics without a token: %d, want 401", r.status)
	}
	metrics := p.call("GET", "/metrics", operatorToken, nil)
	if metrics.status != 200 || !strings.Contains(metrics.raw, "http_server_request_duration_seconds") {
		t.Errorf("/metrics lacks the HTTP server metrics: %d %.300s", metrics.status, metrics.raw)
	}
	if !strings.Contains(metrics.raw, `caiomatch_gateway_backend_up{backend="matching"`) {
		t.Errorf("/metrics lacks the backends' state")
	}
	if r := p.call("GET", "/statusz", operatorToken, nil); r.status != 200 || str(r.body, "backends", "matching") != "serving" {
		t.Errorf("/statusz: %d %s", r.status, r.raw)
	}
	doc := p.call("GET", "/openapi.json", "", nil)
	paths, _ := doc.body["paths"].(map[string]any)
	for _, path := range []string{"/v1/missions", "/v1/profiles/{id}", "/v1/missions/{missionId}/shortlist", "/v1/accounts", "/v1/ops/traces"} {
		if _, ok := paths[path]; !ok {
			t.Errorf("/openapi.json lacks %s", path)
		}
	}
	skills := p.mustCall("GET", "/v1/taxonomy/skills", "", nil)
	if n := len(list(skills, "skills")); n < 30 {
		t.Errorf("%d skills, want at least the 30 of the API", n)
	}
	sectors := p.mustCall("GET", "/v1/taxonomy/sectors", "", nil)
	if n := len(list(sectors, "sectors")); n != 22+87 {
		t.Errorf("%d sectors, want 22 sections + 87 divisions", n)
	}
	_, firm := p.createAccount("FIRM", "Ops Check")
	if r := p.call("GET", "/v1/ops/traces", firm, nil); r.status != 403 {
		t.Errorf("a firm reads traces: %d", r.status)
	}
	if r := p.call("GET", "/v1/ops/traces?limit=0", operatorToken, nil); r.status != 400 {
		t.Errorf("limit=0: %d", r.status)
	}
	if r := p.call("GET", "/v1/ops/traces/0123456789abcdef0123456789abcdef", operatorToken, nil); r.status != 404 {
		t.Errorf("unknown trace: %d", r.status)
	}
}

// TestGeneratedOperatorToken checks the first start writes a private token file and later
// starts reuse it.
func TestGeneratedOperatorToken(t *testing.T) {
	dataDir := t.TempDir()
	start := func() (allinone.Started, func()) {
		ctx, cancel := context.WithCancel(context.Background())
		started := make(chan allinone.Started, 1)
		done := make(chan error, 1)
		go func() {
			done <- allinone.Run(ctx, allinone.Config{
				Host: servicehost.Config{DataDir: dataDir}, Gateway: server.Config{HTTPAddr: "127.0.0.1:0"}, LogOutput: io.Discard},
				func(s allinone.Started) { started <- s })
		}()
		select {
		case s := <-started:
			return s, func() {
				cancel()
				if err := <-done; err != nil {
					t.Errorf("stop: %v", err)
				}
			}
		case err := <-done:
			t.Fatalf("start: %v", err)
		}
		return allinone.Started{}, nil
	}
	first, stop := start()
	file := filepath.Join(dataDir, "operator.token")
	if first.OperatorTokenFile != file {
		t.Fatalf("token file %q, want %q", first.OperatorTokenFile, file)
	}
	info, err := os.Stat(file)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("token file mode: %v %v", info, err)
	}
	req, _ := http.NewRequest("GET", first.URL+"/v1/missions", nil)
	req.Header.Set("Authorization", "Bearer "+first.OperatorToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("generated token refused: %v %v", resp, err)
	}
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	stop()

	second, stop := start()
	defer stop()
	if second.OperatorToken != first.OperatorToken {
		t.Error("a restart generated a new operator token instead of reusing the stored one")
	}
}
