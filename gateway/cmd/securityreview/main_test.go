package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/caiomatch/caiomatch/gateway/allinone"
	"github.com/caiomatch/caiomatch/gateway/server"
	"github.com/caiomatch/caiomatch/pkg/seeddata"
	"github.com/caiomatch/caiomatch/pkg/servicehost"
)

const operatorToken = "security-review-operator-token"

// TestNoFindingReproduces replays the review, scaled down, against the all-in-one platform with
// lower limits (5 requests a second, a body timeout of 1 s): no finding may hold in whole. Those
// that hold in part (a firm still reads its open missions' candidates; /metrics is public) are
// printed with the table.
func TestNoFindingReproduces(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the platform and waits out rate limits: about 20 s")
	}
	url := startPlatform(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	seedConsultants(ctx, t, url, 60)

	cfg := config{
		URL: url, Token: operatorToken,
		Forged: 80, MissionBurst: 120, HarvestMissions: 4, SlowUploads: 3, SlowGiveUp: 10 * time.Second,
		Hosts: 200, Traces: 6, LongID: 64 << 10, Concurrency: 8, Seed: 16,
	}
	figures, err := review(ctx, cfg, testWriter{t})
	var table strings.Builder
	printTable(&table, figures)
	t.Logf("\n%s", table.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(figures) != 13 {
		t.Errorf("%d figures, want one for each of the 13 findings", len(figures))
	}
	for _, f := range figures {
		if strings.HasPrefix(f.Still, "yes") {
			t.Errorf("%s: still reproduces: %s (%s)", f.Finding, f.Still, f.Now)
		}
	}
}

// startPlatform runs the all-in-one platform until the test ends and returns its URL.
func startPlatform(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan allinone.Started, 1)
	done := make(chan error, 1)
	cfg := allinone.Config{
		Host: servicehost.Config{DataDir: t.TempDir()},
		Gateway: server.Config{HTTPAddr: "127.0.0.1:0", OperatorToken: operatorToken,
			BodyTimeout: time.Second, HeaderTimeout: time.Second,
			// Low enough that the floods meet it however slowly the machine sends them.
			RateLimit: 5},
		LogOutput: io.Discard, ShutdownGrace: 5 * time.Second,
	}
	if os.Getenv("CAIOMATCH_TEST_LOGS") != "" {
		cfg.LogOutput = os.Stderr
	}
	go func() { done <- allinone.Run(ctx, cfg, func(s allinone.Started) { started <- s }) }()
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
	select {
	case s := <-started:
		return s.URL
	case err := <-done:
		t.Fatalf("platform did not start: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("platform did not start within 30s")
	}
	return ""
}

// seedConsultants creates n consultants with profiles, as `make seed` does, so that the
// harvest has candidates to read.
func seedConsultants(ctx context.Context, t *testing.T, url string, n int) {
	t.Helper()
	api := newClient(url, 1)
	defer api.close()
	gen := seeddata.New(1, time.Now())
	for i := range n {
		var created struct {
			Account struct {
				ID string `json:"id"`
			} `json:"account"`
		}
		if err := api.call(ctx, request{method: http.MethodPost, path: "/v1/accounts", token: operatorToken,
			body: map[string]string{"role": "CONSULTANT", "name": seeddata.FirmName(i)}}, &created); err != nil {
			t.Fatal(err)
		}
		p := gen.Profile()
		p.AccountId = created.Account.ID
		body, err := protojson.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := api.call(ctx, request{method: http.MethodPost, path: "/v1/profiles", token: operatorToken, body: string(body)}, nil); err != nil {
			t.Fatal(err)
		}
	}
}

// testWriter sends the program's progress to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}
