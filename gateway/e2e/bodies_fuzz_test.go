package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/gateway/allinone"
	"github.com/caiomatch/caiomatch/gateway/server"
	"github.com/caiomatch/caiomatch/pkg/servicehost"
)

// FuzzRequestBodies sends fuzzed JSON bodies to every POST, PUT and PATCH route of the gateway
// (its route table, as the authorization matrix reads it), as a firm, a consultant, an operator
// or no one, on a running all-in-one platform. Whatever the body, the answer is never 5xx, an
// error is the API's JSON shape with a stable reason, and nothing shows Go or gRPC internals.
//
// The whole platform is behind the gateway, so that a body the edge lets through reaches the
// service's own rules and stores. It starts once per fuzzing process, at its first input, and
// serves every input after (an input takes a few milliseconds, a start about a second).
func FuzzRequestBodies(f *testing.F) {
	if testing.Short() {
		f.Skip("the request body fuzz target runs the platform")
	}
	routes := bodyRoutes(f)
	for i, route := range routes {
		for _, body := range seedBodies(route) {
			f.Add(uint8(i), uint8(i%len(fuzzCallers)), []byte(body))
		}
	}
	f.Cleanup(func() {
		if err := fuzzTarget.stop(); err != nil {
			f.Logf("stopping the platform: %v", err)
		}
	})
	f.Fuzz(func(t *testing.T, routeIndex, callerIndex uint8, body []byte) {
		target := fuzzTarget.get(t)
		route := routes[int(routeIndex)%len(routes)]
		method, template, _ := strings.Cut(route, " ")
		caller := fuzzCallers[int(callerIndex)%len(fuzzCallers)]
		p := &platform{t: t, url: target.url, client: target.client}
		r := p.call(method, target.fill(template), target.tokens[caller], string(body))
		checkAnswer(t, route+" as "+caller, body, r)
	})
}

// fuzzCallers are who sends a fuzzed request; "" is no one.
var fuzzCallers = []string{"firm", "consultant", "operator", ""}

// bodyRoutes are the routes that read a body, in a stable order (a corpus entry names its
// route by index).
func bodyRoutes(t testing.TB) []string {
	var routes []string
	for _, r := range gatewayRoutes(t) {
		method, _, _ := strings.Cut(r, " ")
		if method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch {
			routes = append(routes, r)
		}
	}
	if len(routes) < 20 {
		t.Fatalf("only %d routes with a body: the route table reader is broken", len(routes))
	}
	return routes
}

// seedBodies are a valid body for the route (the matrix's, or a whole profile or mission) and
// the same few broken ones for every route.
func seedBodies(route string) []string {
	var valid any = map[string]any{}
	switch route {
	case "POST /v1/profiles", "PUT /v1/profiles/{id}":
		valid = profileBody("Fuzz Consultant", nil)
	case "POST /v1/missions":
		valid = missionBody(nil)
	case "POST /v1/accounts":
		valid = map[string]any{"role": "FIRM", "name": "Fuzz Firm"}
	case "POST /v1/webhooks":
		valid = map[string]any{"url": "https://hooks.example.com/caiomatch", "events": []string{"OFFER_RECEIVED"}}
	case "POST /v1/signup":
		valid = map[string]any{"role": "FIRM", "name": "Fuzz Firm", "email": "fuzz@example.com"}
	default:
		if e, ok := expectations[route]; ok && e.body != nil {
			valid = e.body(&world{})
		}
	}
	data, _ := json.Marshal(valid)
	return []string{string(data), `{`, `[]`, `null`, `{"unknownField":1}`, `{"title":5}`, "{\"name\":\"\xff\"}", `{"r\u0075ntime.x":1}`}
}

// checkAnswer holds whatever the body: no 5xx, an error in the API's shape, no internals.
func checkAnswer(t *testing.T, what string, body []byte, r response) {
	t.Helper()
	if r.status >= 500 {
		t.Fatalf("%s: %d %s", what, r.status, r.raw)
	}
	said := callersWords(body)
	for _, internal := range []string{"rpc error", "desc =", "panic", "runtime.", "goroutine ", ".go:"} {
		// An answer may quote the caller's own words (an unknown field's name): those are not ours.
		if strings.Contains(r.raw, internal) && !strings.Contains(said, internal) {
			t.Fatalf("%s: the answer shows %q: %s", what, internal, r.raw)
		}
	}
	if r.status < 400 {
		if r.raw != "" && !json.Valid([]byte(r.raw)) {
			t.Fatalf("%s: %d with a body that is not JSON: %s", what, r.status, r.raw)
		}
		return
	}
	if reason := errorReason(r.raw); !stableReason.MatchString(reason) {
		t.Fatalf("%s: %d without the API's error shape and a reason: %s", what, r.status, r.raw)
	}
}

// callersWords is the body as sent and every key and string it holds, unescaped ("p\u0061nic" is
// "panic"), as far as it reads as JSON.
func callersWords(body []byte) string {
	words := []string{string(body)}
	dec := json.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.Token()
		if err != nil {
			return strings.Join(words, "\n")
		}
		if s, ok := tok.(string); ok {
			words = append(words, s)
		}
	}
}

// stableReason is what an ErrorInfo's reason looks like: upper snake case.
var stableReason = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)

// errorReason is the reason of an error body {"code":n,"message":"…","details":[…]}, "" when
// the body has not that shape.
func errorReason(raw string) string {
	var e struct {
		Code    *int    `json:"code"`
		Message *string `json:"message"`
		Details []struct {
			Type   string `json:"@type"`
			Reason string `json:"reason"`
		} `json:"details"`
	}
	if err := json.Unmarshal([]byte(raw), &e); err != nil || e.Code == nil || e.Message == nil {
		return ""
	}
	for _, d := range e.Details {
		if strings.HasSuffix(d.Type, "google.rpc.ErrorInfo") {
			return d.Reason
		}
	}
	return ""
}

// fuzzTarget is the platform of this process's fuzzing, with its callers and objects.
var fuzzTarget bodyTarget

type bodyTarget struct {
	once   sync.Once
	failed string
	url    string
	client *http.Client
	tokens map[string]string
	ids    *strings.Replacer
	dir    string
	cancel context.CancelFunc
	done   chan error
}

// get starts the platform and its world at the first call; a start that failed fails every input.
func (b *bodyTarget) get(t *testing.T) *bodyTarget {
	b.once.Do(func() { b.failed = b.start() })
	if b.failed != "" {
		t.Fatal(b.failed)
	}
	return b
}

// start runs the platform (rate limits off, so that the fuzzer is never answered 429) and
// makes a firm with a mission, a consultant with a profile, and an account to act on.
func (b *bodyTarget) start() (failed string) {
	dir, err := bodiesDataDir()
	if err != nil {
		return err.Error()
	}
	b.dir = dir
	ctx, cancel := context.WithCancel(context.Background())
	b.cancel, b.done = cancel, make(chan error, 1)
	started := make(chan allinone.Started, 1)
	cfg := allinone.Config{
		Host:      servicehost.Config{DataDir: dir},
		Gateway:   server.Config{HTTPAddr: "127.0.0.1:0", OperatorToken: operatorToken, RateLimit: -1},
		LogOutput: testLogOutput(), ShutdownGrace: 5 * time.Second,
	}
	go func() { b.done <- allinone.Run(ctx, cfg, func(s allinone.Started) { started <- s }) }()
	select {
	case s := <-started:
		b.url = s.URL
	case err := <-b.done:
		return fmt.Sprint("the platform did not start: ", err)
	case <-time.After(60 * time.Second):
		return "the platform did not start within 60s"
	}
	b.client = &http.Client{Timeout: 10 * time.Second}
	defer func() {
		switch r := recover().(type) {
		case nil:
		case setupFailure:
			failed = "the fuzzing world: " + string(r)
		default:
			panic(r)
		}
	}()
	p := &platform{t: setupT{}, url: b.url, client: b.client}
	b.tokens = map[string]string{"operator": operatorToken, "": ""}
	_, b.tokens["firm"] = p.createAccount("FIRM", "Fuzz Firm")
	_, b.tokens["consultant"] = p.createAccount("CONSULTANT", "Fuzz Consultant")
	account, _ := p.createAccount("CONSULTANT", "Fuzz Target")
	profile := str(p.mustCall("POST", "/v1/profiles", b.tokens["consultant"], profileBody("Fuzz Consultant", nil)), "profile", "id")
	mission := str(p.mustCall("POST", "/v1/missions", b.tokens["firm"], missionBody(nil)), "mission", "id")
	// Objects the world has not (an offer, a webhook…) are a well-formed id of nothing: the
	// body is decoded, and checked at the edge, before the service looks the id up.
	nothing := "00000000-0000-4000-8000-000000000000"
	b.ids = strings.NewReplacer("/v1/accounts/{id}", "/v1/accounts/"+account, "/v1/profiles/{id}", "/v1/profiles/"+profile,
		"/v1/missions/{id}", "/v1/missions/"+mission, "{missionId}", mission, "{profileId}", profile,
		"{sequence}", "1", "{id}", nothing)
	return ""
}

func (b *bodyTarget) fill(template string) string { return b.ids.Replace(template) }

// bodiesDataDir is this process's data directory, <tmp>/caiomatch-fuzz-bodies/<pid>. The fuzzing
// coordinator may end a worker without its cleanups: the directories of processes that are gone
// are removed here.
func bodiesDataDir() (string, error) {
	parent := filepath.Join(os.TempDir(), "caiomatch-fuzz-bodies")
	entries, _ := os.ReadDir(parent)
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil && !processRuns(pid) {
			_ = os.RemoveAll(filepath.Join(parent, e.Name()))
		}
	}
	dir := filepath.Join(parent, strconv.Itoa(os.Getpid()))
	return dir, os.MkdirAll(dir, 0o700)
}

func processRuns(pid int) bool {
	p, err := os.FindProcess(pid)
	return err == nil && p.Signal(syscall.Signal(0)) == nil
}

// stop ends the platform, if this process started one, and removes its data; it returns what
// the platform returned, or that it did not stop in time.
func (b *bodyTarget) stop() error {
	if b.cancel == nil {
		return nil
	}
	b.cancel()
	var err error
	select {
	case err = <-b.done:
	case <-time.After(30 * time.Second):
		err = errors.New("the platform did not stop within 30 s")
	}
	_ = os.RemoveAll(b.dir)
	return err
}

// setupT is the testing.TB of the world's setup, which no single input owns: its Fatal stops
// the setup, and start reports the failure to every input.
type setupT struct {
	testing.TB
}

type setupFailure string

func (setupT) Helper()                           {}
func (setupT) Fatal(args ...any)                 { panic(setupFailure(fmt.Sprint(args...))) }
func (setupT) Fatalf(format string, args ...any) { panic(setupFailure(fmt.Sprintf(format, args...))) }
