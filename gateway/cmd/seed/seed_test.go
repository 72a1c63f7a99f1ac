package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/gateway/allinone"
	"github.com/caiomatch/caiomatch/gateway/server"
	accountv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/account/v1"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	"github.com/caiomatch/caiomatch/pkg/servicehost"
)

const operatorToken = "seed-test-operator-token"

// startPlatform runs the all-in-one platform in this process, as gateway/e2e does, and stops
// it at the end of the test.
func startPlatform(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan allinone.Started, 1)
	done := make(chan error, 1)
	go func() {
		done <- allinone.Run(ctx, allinone.Config{
			Host:      servicehost.Config{DataDir: t.TempDir()},
			Gateway:   server.Config{HTTPAddr: "127.0.0.1:0", OperatorToken: operatorToken},
			LogOutput: testLogOutput(), ShutdownGrace: 5 * time.Second,
		}, func(s allinone.Started) { started <- s })
	}()
	var url string
	select {
	case s := <-started:
		url = s.URL
	case err := <-done:
		cancel()
		t.Fatalf("platform did not start: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("platform did not start within 30s")
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("platform stopped with error: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("platform did not stop within 30s")
		}
	})
	return url
}

// testLogOutput shows the platform's logs when CAIOMATCH_TEST_LOGS is set.
func testLogOutput() io.Writer {
	if os.Getenv("CAIOMATCH_TEST_LOGS") != "" {
		return os.Stderr
	}
	return io.Discard
}

// TestSeedThroughThePublicAPI seeds a running platform, then checks that every request was
// accepted and every mission gets its shortlist, as a firm reading its own file would see it.
func TestSeedThroughThePublicAPI(t *testing.T) {
	url := startPlatform(t)
	dataDir := t.TempDir()
	cfg := config{
		URL: url, Token: operatorToken, DataDir: dataDir,
		Consultants: 30, Missions: 3, Firms: 2, Seed: 7, Concurrency: 4, Now: time.Now(),
	}
	var out bytes.Buffer
	sum, err := seed(context.Background(), cfg, &out)
	t.Logf("seed output:\n%s", out.String())
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	if sum.Consultants != 30 || sum.Firms != 2 || sum.Missions != 3 {
		t.Fatalf("seeded %+v, want 30 consultants, 2 firms, 3 missions", sum)
	}
	// 2 firm accounts + 30 × (account + profile) + 3 missions, every one answered 2xx.
	if want := int64(2 + 2*30 + 3); sum.Requests != want {
		t.Fatalf("%d requests succeeded, want %d", sum.Requests, want)
	}
	if !strings.Contains(out.String(), "requests/s") {
		t.Errorf("no throughput in the output:\n%s", out.String())
	}

	file := filepath.Join(dataDir, firmsFileName)
	info, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("%s has mode %o, want 0600", file, mode)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var saved firmsFile
	if err := json.Unmarshal(raw, &saved); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if saved.URL != url || len(saved.Firms) != 2 {
		t.Fatalf("%s: url %q and %d firms", file, saved.URL, len(saved.Firms))
	}
	entries, _ := os.ReadDir(dataDir)
	if len(entries) != 1 {
		t.Errorf("data dir holds %d entries, want only %s (no temporary file left)", len(entries), firmsFileName)
	}

	api := newClient(url, 1)
	defer api.close()
	ctx := context.Background()
	missions := 0
	for _, f := range saved.Firms {
		if f.ID == "" || f.Token == "" {
			t.Fatalf("firm %q saved without id or token", f.Name)
		}
		// The firm's token works, and lists exactly the missions the file gives it.
		var list missionv1.ListMissionsResponse
		if err := api.call(ctx, http.MethodGet, "/v1/missions", f.Token, nil, &list); err != nil {
			t.Fatalf("firm %q lists its missions: %v", f.Name, err)
		}
		if len(list.GetMissions()) != len(f.MissionIDs) {
			t.Errorf("firm %q has %d missions, the file lists %d", f.Name, len(list.GetMissions()), len(f.MissionIDs))
		}
		for _, id := range f.MissionIDs {
			missions++
			var shortlist matchingv1.GetShortlistResponse
			deadline := time.Now().Add(20 * time.Second)
			for {
				if err := api.call(ctx, http.MethodGet, "/v1/missions/"+id+"/shortlist", f.Token, nil, &shortlist); err != nil {
					t.Fatalf("shortlist of %s: %v", id, err)
				}
				if shortlist.GetStatus() != matchingv1.ShortlistStatus_SHORTLIST_STATUS_PENDING {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("mission %s still has no shortlist after 20s", id)
				}
				time.Sleep(50 * time.Millisecond)
			}
			t.Logf("mission %s: %s, %d eligible, %d candidates", id, shortlist.GetStatus(),
				shortlist.GetEligibleCount(), len(shortlist.GetCandidates()))
		}
	}
	if missions != 3 {
		t.Errorf("the file lists %d missions, want 3", missions)
	}
}

// TestSeedStopsAtTheFirstRefusal: a 4xx ends the run at once, with the reason and the fields
// the platform named.
func TestSeedStopsAtTheFirstRefusal(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/readyz" {
			w.WriteHeader(http.StatusOK)
			return
		}
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"code":3,"message":"invalid account","details":[`+
			`{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"INVALID_ARGUMENT","domain":"caiomatch.dev"},`+
			`{"@type":"type.googleapis.com/google.rpc.BadRequest","fieldViolations":[{"field":"role","description":"is required"}]}]}`)
	}))
	defer srv.Close()
	cfg := config{URL: srv.URL, Token: "t", DataDir: t.TempDir(), Consultants: 500, Missions: 0, Firms: 0,
		Concurrency: 4, Now: time.Now()}
	var out bytes.Buffer
	sum, err := seed(context.Background(), cfg, &out)
	var apiErr *apiError
	if !errors.As(err, &apiErr) {
		t.Fatalf("seed error = %v, want an API error", err)
	}
	for _, want := range []string{"POST /v1/accounts", "400", "INVALID_ARGUMENT", "role: is required", "invalid account"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if n := calls.Load(); n > int64(cfg.Concurrency) {
		t.Errorf("%d requests after the first refusal, want at most one per worker", n)
	}
	if sum.Consultants != 0 || !strings.Contains(out.String(), "stopped after") {
		t.Errorf("summary %+v, output %q", sum, out.String())
	}
}

func TestSeedRetriesUnavailable(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `{"code":14,"message":"not yet"}`)
			return
		}
		_, _ = io.WriteString(w, `{"account":{"id":"a1","role":"FIRM","name":"x"},"token":"tok","extra":1}`)
	}))
	defer srv.Close()
	api := newClient(srv.URL, 1)
	defer api.close()
	var resp accountv1.CreateAccountResponse
	if err := api.call(context.Background(), http.MethodPost, "/v1/accounts", "t", nil, &resp); err != nil {
		t.Fatalf("call after two 503s: %v", err)
	}
	if resp.GetToken() != "tok" || resp.GetAccount().GetId() != "a1" {
		t.Errorf("decoded %v", &resp)
	}
	if calls.Load() != 3 || api.requests.Load() != 1 {
		t.Errorf("%d calls, %d successes; want 3 and 1", calls.Load(), api.requests.Load())
	}
}

// TestSeedHonoursRetryAfter: a 429 of the platform's rate limits is waited out for as long as
// its Retry-After asks, not retried at once.
func TestSeedHonoursRetryAfter(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, `{"code":8,"message":"too many requests","details":[{"reason":"RATE_LIMITED"}]}`)
			return
		}
		_, _ = io.WriteString(w, `{"account":{"id":"a1","role":"FIRM","name":"x"},"token":"tok"}`)
	}))
	defer srv.Close()
	api := newClient(srv.URL, 1)
	defer api.close()
	start := time.Now()
	if err := api.call(context.Background(), http.MethodPost, "/v1/accounts", "t", nil, nil); err != nil {
		t.Fatalf("call after a 429: %v", err)
	}
	if waited := time.Since(start); waited < time.Second || calls.Load() != 2 {
		t.Errorf("%d calls after %s; want 2 after the second Retry-After asked", calls.Load(), waited)
	}
}

func TestSeedWithoutPlatform(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nobody listens there any more
	_, err := seed(context.Background(), config{URL: url, Token: "t", DataDir: t.TempDir(), Concurrency: 1}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "make run") {
		t.Fatalf("error = %v, want a hint to start the platform", err)
	}
}

func TestParseConfig(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "operator.token"), []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(vars map[string]string) func(string) string {
		return func(k string) string { return vars[k] }
	}
	cfg, err := parseConfig(nil, env(map[string]string{"CAIOMATCH_DATA_DIR": dir}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.URL != "http://127.0.0.1:8080" || cfg.Token != "from-file" || cfg.Consultants != 1000 ||
		cfg.Missions != 20 || cfg.Firms != 5 || cfg.Concurrency != 8 || cfg.DataDir != dir {
		t.Errorf("defaults: %+v", cfg)
	}

	cfg, err = parseConfig([]string{"-consultants", "7", "-missions", "2", "-firms", "1", "-seed", "9", "-concurrency", "3"},
		env(map[string]string{"CAIOMATCH_HTTP_ADDR": ":9090", "CAIOMATCH_OPERATOR_TOKEN": "from-env", "CAIOMATCH_DATA_DIR": dir}),
		io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.URL != "http://127.0.0.1:9090" || cfg.Token != "from-env" || cfg.Consultants != 7 || cfg.Missions != 2 ||
		cfg.Firms != 1 || cfg.Seed != 9 || cfg.Concurrency != 3 {
		t.Errorf("flags and environment: %+v", cfg)
	}

	cfg, err = parseConfig([]string{"-url", "http://example.test:1234/", "-token", "from-flag"},
		env(map[string]string{"CAIOMATCH_OPERATOR_TOKEN": "from-env"}), io.Discard)
	if err != nil || cfg.URL != "http://example.test:1234" || cfg.Token != "from-flag" {
		t.Errorf("flags win: %+v, %v", cfg, err)
	}

	if _, err := parseConfig(nil, env(map[string]string{"CAIOMATCH_DATA_DIR": t.TempDir()}), io.Discard); err == nil ||
		!strings.Contains(err.Error(), "no operator token") {
		t.Errorf("missing token: %v", err)
	}
	for _, args := range [][]string{{"-concurrency", "0"}, {"-firms", "0"}, {"-consultants", "-1"}, {"extra"}} {
		if _, err := parseConfig(args, env(map[string]string{"CAIOMATCH_OPERATOR_TOKEN": "x"}), io.Discard); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

func TestGatewayURL(t *testing.T) {
	for addr, want := range map[string]string{
		"": "http://127.0.0.1:8080", "127.0.0.1:8081": "http://127.0.0.1:8081", ":8082": "http://127.0.0.1:8082",
		"0.0.0.0:8083": "http://127.0.0.1:8083", "localhost:8084": "http://localhost:8084", "[::]:8085": "http://127.0.0.1:8085",
	} {
		if got := gatewayURL(addr); got != want {
			t.Errorf("gatewayURL(%q) = %q, want %q", addr, got, want)
		}
	}
}

func TestForEach(t *testing.T) {
	var seen [100]atomic.Int32
	if err := forEach(context.Background(), 100, 7, func(_ context.Context, i int) error {
		seen[i].Add(1)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for i := range seen {
		if seen[i].Load() != 1 {
			t.Fatalf("item %d done %d times", i, seen[i].Load())
		}
	}

	boom := errors.New("boom")
	var ran atomic.Int32
	err := forEach(context.Background(), 1000, 4, func(ctx context.Context, i int) error {
		ran.Add(1)
		if i == 10 {
			return boom
		}
		<-time.After(time.Millisecond)
		return nil
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if ran.Load() > 20 {
		t.Errorf("%d items ran after the error at item 10", ran.Load())
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := forEach(ctx, 10, 2, func(context.Context, int) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestWriteFirmsReplacesWithMode0600(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", firmsFileName)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeFirms(path, config{URL: "u"}, []seedFirm{{ID: "f1", Name: "F", Token: "tok"}}); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("mode %o, want 0600", info.Mode().Perm())
	}
	raw, _ := os.ReadFile(path)
	if !strings.Contains(string(raw), `"token": "tok"`) {
		t.Errorf("content: %s", raw)
	}
}
