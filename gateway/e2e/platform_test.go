// Package e2e drives the all-in-one platform through its public HTTP API only.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/gateway/allinone"
	"github.com/caiomatch/caiomatch/gateway/server"
	"github.com/caiomatch/caiomatch/pkg/mail/mailtest"
	"github.com/caiomatch/caiomatch/pkg/servicehost"
)

const operatorToken = "test-operator-token"

// platform is one running all-in-one instance.
type platform struct {
	t      testing.TB
	url    string
	stop   context.CancelFunc
	done   chan error
	client *http.Client
	// smtp receives the platform's emails when it was started throughSMTP; nil: they stay in the
	// operators' mailbox (GET /v1/ops/mailbox).
	smtp *mailtest.Server
}

// platformOption changes how startPlatform configures the platform.
type platformOption func(*platform, *allinone.Config)

// throughSMTP sends the platform's emails to a real SMTP server running in the test (p.smtp),
// as CAIOMATCH_SMTP_URL does in production, instead of keeping them in the operators' mailbox.
func throughSMTP() platformOption {
	return func(p *platform, cfg *allinone.Config) {
		// Started first, the server stops after the platform (cleanups run last first).
		p.smtp = mailtest.Start(p.t, mailtest.Options{})
		cfg.Gateway.SMTPURL = p.smtp.URL()
	}
}

func startPlatform(t testing.TB, dataDir string, opts ...platformOption) *platform {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan allinone.Started, 1)
	p := &platform{t: t, stop: cancel, done: make(chan error, 1), client: &http.Client{Timeout: 10 * time.Second}}
	cfg := allinone.Config{
		Host:      servicehost.Config{DataDir: dataDir},
		Gateway:   server.Config{HTTPAddr: "127.0.0.1:0", OperatorToken: operatorToken},
		LogOutput: testLogOutput(), ShutdownGrace: 5 * time.Second,
	}
	for _, opt := range opts {
		opt(p, &cfg)
	}
	go func() {
		p.done <- allinone.Run(ctx, cfg, func(s allinone.Started) { started <- s })
	}()
	select {
	case s := <-started:
		p.url = s.URL
	case err := <-p.done:
		t.Fatalf("platform did not start: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("platform did not start within 30s")
	}
	t.Cleanup(p.shutdown)
	return p
}

// shutdown stops the platform and waits for it; safe to call twice.
func (p *platform) shutdown() {
	if p.stop == nil {
		return
	}
	p.stop()
	p.stop = nil
	select {
	case err := <-p.done:
		if err != nil {
			p.t.Errorf("platform stopped with error: %v", err)
		}
	case <-time.After(30 * time.Second):
		p.t.Error("platform did not stop within 30s")
	}
}

type response struct {
	status int
	body   map[string]any
	raw    string
}

func (p *platform) call(method, path, token string, body any) response {
	p.t.Helper()
	var reader io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		reader = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			p.t.Fatal(err)
		}
		reader = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, p.url+path, reader)
	if err != nil {
		p.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if reader != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := p.client.Do(req)
	if err != nil {
		p.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := response{status: resp.StatusCode, raw: string(raw)}
	if len(raw) > 0 && strings.HasPrefix(strings.TrimSpace(string(raw)), "{") {
		if err := json.Unmarshal(raw, &out.body); err != nil {
			p.t.Fatalf("%s %s: response is not JSON: %v: %s", method, path, err, raw)
		}
	}
	return out
}

func (p *platform) mustCall(method, path, token string, body any) map[string]any {
	p.t.Helper()
	r := p.call(method, path, token, body)
	if r.status != http.StatusOK {
		p.t.Fatalf("%s %s: status %d: %s", method, path, r.status, r.raw)
	}
	return r.body
}

// createAccount returns the new account's id and token.
func (p *platform) createAccount(role, name string) (string, string) {
	p.t.Helper()
	body := p.mustCall("POST", "/v1/accounts", operatorToken, map[string]any{"role": role, "name": name})
	return str(body, "account", "id"), str(body, "token")
}

// str walks nested objects: str(m, "mission", "id").
func str(m map[string]any, path ...string) string {
	var cur any = m
	for _, k := range path {
		obj, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = obj[k]
	}
	s, _ := cur.(string)
	if s == "" && cur != nil {
		if f, ok := cur.(float64); ok {
			return fmt.Sprint(f)
		}
	}
	return s
}

func list(m map[string]any, key string) []any {
	l, _ := m[key].([]any)
	return l
}

// eventually polls check until it returns true or the deadline passes.
func eventually(t testing.TB, within time.Duration, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		if check() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not true within %s", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func profileBody(name string, mutate func(map[string]any)) map[string]any {
	body := map[string]any{
		"displayName":     name,
		"email":           strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.org",
		"headline":        "Interim CAIO",
		"sectors":         []string{"C21", "R86"},
		"skills":          []map[string]any{{"id": "ai-strategy", "level": 5}, {"id": "change-management", "level": 4}, {"id": "mlops", "level": 3}},
		"yearsExperience": 15,
		"languages":       []string{"fr", "en"},
		"location":        map[string]any{"country": "FR", "city": "Lyon"},
		"workMode":        "WORK_MODE_HYBRID",
		"dailyRateEur":    1200,
		"availableFrom":   missionStart.AddDate(0, 0, -28).Format(time.DateOnly),
	}
	if mutate != nil {
		mutate(body)
	}
	return body
}

func missionBody(mutate func(map[string]any)) map[string]any {
	body := map[string]any{
		"title":              "Transition CAIO to launch our AI programme",
		"sector":             "C21",
		"missionType":        "MISSION_TYPE_TRANSFORMATION_LAUNCH",
		"requiredSkills":     []string{"ai-strategy", "change-management"},
		"niceToHaveSkills":   []string{"ai-act-compliance", "mlops"},
		"startDate":          missionStart.Format(time.DateOnly),
		"durationMonths":     12,
		"maxDailyRateEur":    1500,
		"languages":          []string{"fr"},
		"location":           map[string]any{"country": "FR", "city": "Lyon"},
		"workMode":           "WORK_MODE_HYBRID",
		"minYearsExperience": 10,
	}
	if mutate != nil {
		mutate(body)
	}
	return body
}

// testLogOutput shows the platform's logs when CAIOMATCH_TEST_LOGS is set.
func testLogOutput() io.Writer {
	if os.Getenv("CAIOMATCH_TEST_LOGS") != "" {
		return os.Stderr
	}
	return io.Discard
}

// missionStart is the start date of test missions: always in the future, whatever the day the
// suite runs (a start date before today is refused).
var missionStart = time.Now().UTC().AddDate(0, 3, 0).Truncate(24 * time.Hour)
