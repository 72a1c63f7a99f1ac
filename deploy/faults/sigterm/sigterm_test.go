package sigterm_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/deploy/faults/faultstest"
)

// full is CAIOMATCH_FAULTS=full (make faults); otherwise the short version CI runs.
var full = os.Getenv("CAIOMATCH_FAULTS") == "full"

const (
	operatorToken = "faults-sigterm-operator"
	// grace is the all-in-one runner's default ShutdownGrace, which gateway/cmd/caiomatch keeps:
	// the bound on draining in-flight requests.
	grace = 10 * time.Second
)

func TestSIGTERMDrainsSlowRequestsAndRefusesNewOnes(t *testing.T) {
	inFlight, hold := 50, time.Second
	if full {
		inFlight, hold = 200, 4*time.Second
	}
	bin := buildCaiomatch(t)
	dataDir := t.TempDir()
	p := start(t, bin, dataDir)
	firmToken := createFirm(t, p.url)

	// The slow requests: each is in the gateway's handler, reading its body, before the signal.
	slow := make([]*slowRequest, inFlight)
	for i := range slow {
		slow[i] = startSlowRequest(t, p.url, firmToken, fmt.Sprintf("SIGTERM drain %d", i))
	}
	for i, r := range slow {
		select {
		case <-r.inHandler:
		case err := <-r.done:
			t.Fatalf("slow request %d ended before the signal: %v", i, err)
		case <-time.After(30 * time.Second):
			t.Fatalf("slow request %d never reached the handler", i)
		}
	}

	signalled := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// New requests, each on a new connection, until the process has exited.
	probes := make(chan probeResults, 1)
	go func() { probes <- probe(p.url, firmToken, p.exited) }()

	// The slow clients finish their bodies a while after the signal: their requests must
	// still complete.
	time.Sleep(hold)
	for _, r := range slow {
		r.finish()
	}
	completed := 0
	missionIDs := map[string]bool{}
	for i, r := range slow {
		select {
		case err := <-r.done:
			if err != nil {
				t.Errorf("slow request %d: %v", i, err)
				continue
			}
			completed++
			missionIDs[r.missionID] = true
		case <-time.After(grace + 5*time.Second):
			t.Fatalf("slow request %d did not complete", i)
		}
	}

	var exitErr error
	select {
	case exitErr = <-p.exitErr:
	case <-time.After(grace + 10*time.Second):
		t.Fatalf("the process did not exit within %s of SIGTERM\n%s", grace+10*time.Second, p.logs.tail())
	}
	shutdown := time.Since(signalled)
	if exitErr != nil {
		t.Fatalf("the process exited with %v, want 0\n%s", exitErr, p.logs.tail())
	}
	if shutdown > grace {
		t.Errorf("shutdown took %s, longer than the %s grace period", shutdown, grace)
	}
	pr := <-probes

	if completed != inFlight {
		t.Errorf("%d of %d in-flight requests completed with 200", completed, inFlight)
	}
	if len(missionIDs) != completed {
		t.Errorf("%d distinct missions for %d completed requests", len(missionIDs), completed)
	}
	if pr.refused+pr.unavailable == 0 {
		t.Errorf("no request sent after SIGTERM was refused (%d sent, %d served)", pr.sent, pr.served)
	}
	for _, f := range pr.failures {
		t.Errorf("request after SIGTERM: %s", f)
	}

	// After a restart on the same data: every completed request's mission is stored, plus the
	// missions of probes served before the listener closed, and nothing else.
	p2 := start(t, bin, dataDir)
	stored := listMissions(t, p2.url, firmToken)
	for id := range missionIDs {
		if !stored[id] {
			t.Errorf("mission %s answered 200 before the shutdown is not stored", id)
		}
	}
	if want := completed + pr.served; len(stored) != want {
		t.Errorf("%d missions stored after the restart, want %d (%d in flight + %d probes served before the listener closed)",
			len(stored), want, completed, pr.served)
	}
	p2.stop(t)

	fmt.Printf("FIGURES sigterm in_flight=%d completed=%d hold_after_signal=%s after_signal_sent=%d refused=%d "+
		"(connection_refused=%d status_503=%d reset_before_response=%d) served_before_listener_closed=%d failed=%d "+
		"shutdown=%s exit_code=0 grace=%s stored_after_restart=%d\n",
		inFlight, completed, hold, pr.sent, pr.refused+pr.unavailable+pr.resetBeforeResponse, pr.refused, pr.unavailable,
		pr.resetBeforeResponse, pr.served, len(pr.failures), shutdown.Round(time.Millisecond), grace, len(stored))
}

// process is one run of the all-in-one binary.
type process struct {
	cmd     *exec.Cmd
	url     string
	logs    *logBuffer
	exited  chan struct{}
	exitErr chan error
}

func buildCaiomatch(t *testing.T) string {
	t.Helper()
	gatewayDir, err := filepath.Abs(filepath.Join("..", "..", "..", "gateway"))
	if err != nil {
		t.Fatal(err)
	}
	bin, _ := faultstest.Build(t, gatewayDir, "./cmd/caiomatch")
	return bin
}

var runningAt = regexp.MustCompile(`caiomatch is running at (http://127\.0\.0\.1:\d+)`)

// start runs the binary on a random loopback port with its data in dataDir and waits until it
// serves.
func start(t *testing.T, bin, dataDir string) *process {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(),
		"CAIOMATCH_HTTP_ADDR=127.0.0.1:0", "CAIOMATCH_DATA_DIR="+dataDir, "CAIOMATCH_OPERATOR_TOKEN="+operatorToken,
		"NATS_URL=", "OTEL_EXPORTER_OTLP_ENDPOINT=",
		// One firm's 50 to 200 requests at once, and a probe every 25 ms: a load the per-token
		// rate limit (20 a second) and the firm's daily mission quota (50) would refuse, while
		// what is measured here is the drain.
		"CAIOMATCH_RATE_LIMIT=0", "CAIOMATCH_FIRM_MISSIONS_PER_DAY=0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, logs: &logBuffer{}, exited: make(chan struct{}), exitErr: make(chan error, 1)}
	urls := make(chan string, 1)
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			p.logs.add(sc.Text())
			if m := runningAt.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case urls <- m[1]:
				default:
				}
			}
		}
	}()
	go func() {
		<-scanned // Wait must not close the pipe before every line is read
		err := cmd.Wait()
		close(p.exited)
		p.exitErr <- err
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = cmd.Process.Kill()
			<-p.exited
		}
	})
	select {
	case p.url = <-urls:
	case <-p.exited:
		t.Fatalf("caiomatch exited at start\n%s", p.logs.tail())
	case <-time.After(60 * time.Second):
		t.Fatalf("caiomatch did not start within 60s\n%s", p.logs.tail())
	}
	return p
}

// stop sends SIGTERM and expects a clean exit.
func (p *process) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.exitErr:
		if err != nil {
			t.Errorf("caiomatch exited with %v\n%s", err, p.logs.tail())
		}
	case <-time.After(grace + 10*time.Second):
		t.Errorf("caiomatch did not stop\n%s", p.logs.tail())
	}
}

type logBuffer struct {
	mu    sync.Mutex
	lines []string
}

func (b *logBuffer) add(line string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lines = append(b.lines, line)
}

func (b *logBuffer) tail() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.lines[max(0, len(b.lines)-40):], "\n")
}

func call(t *testing.T, method, url, token string, body any) map[string]any {
	t.Helper()
	var reader io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		reader = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, reader)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %d %s", method, url, resp.StatusCode, raw)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return out
}

func createFirm(t *testing.T, url string) string {
	t.Helper()
	out := call(t, http.MethodPost, url+"/v1/accounts", operatorToken, map[string]any{"role": "FIRM", "name": "Drain Industries"})
	token, _ := out["token"].(string)
	if token == "" {
		t.Fatalf("no token in %v", out)
	}
	return token
}

// listMissions returns the ids of every mission of the firm.
func listMissions(t *testing.T, url, token string) map[string]bool {
	t.Helper()
	ids := map[string]bool{}
	pageToken := ""
	for {
		out := call(t, http.MethodGet, url+"/v1/missions?pageSize=100&pageToken="+pageToken, token, nil)
		missions, _ := out["missions"].([]any)
		for _, m := range missions {
			id, _ := m.(map[string]any)["id"].(string)
			ids[id] = true
		}
		pageToken, _ = out["nextPageToken"].(string)
		if pageToken == "" {
			return ids
		}
	}
}

func missionBody(title string) []byte {
	start := time.Now().UTC().AddDate(0, 3, 0).Format(time.DateOnly)
	data, _ := json.Marshal(map[string]any{
		"title": title, "sector": "C21", "missionType": "MISSION_TYPE_TRANSFORMATION_LAUNCH",
		"requiredSkills": []string{"ai-strategy", "change-management"}, "niceToHaveSkills": []string{"mlops"},
		"startDate": start, "durationMonths": 12, "maxDailyRateEur": 1500, "languages": []string{"fr"},
		"location": map[string]any{"country": "FR", "city": "Lyon"}, "workMode": "WORK_MODE_HYBRID",
		"minYearsExperience": 10,
	})
	return data
}

// slowRequest is a POST /v1/missions whose client sends its body slowly.
type slowRequest struct {
	inHandler chan struct{} // closed when the gateway asked for the body (100 Continue)
	rest      []byte
	body      *io.PipeWriter
	done      chan error
	missionID string
}

// slowTransport gives each slow request its own connection and waits as long as needed for
// the gateway's 100 Continue before sending any of the body.
var slowTransport = &http.Transport{DisableKeepAlives: true, ExpectContinueTimeout: time.Minute}

func startSlowRequest(t *testing.T, url, token, title string) *slowRequest {
	t.Helper()
	body := missionBody(title)
	half := len(body) / 2
	pr, pw := io.Pipe()
	r := &slowRequest{inHandler: make(chan struct{}), rest: body[half:], body: pw, done: make(chan error, 1)}
	var once sync.Once
	trace := &httptrace.ClientTrace{Got100Continue: func() {
		once.Do(func() {
			// The first half now; the rest waits for finish.
			go func() {
				if _, err := pw.Write(body[:half]); err == nil {
					close(r.inHandler)
				}
			}()
		})
	}}
	ctx := httptrace.WithClientTrace(context.Background(), trace)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/v1/missions", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Expect", "100-continue")
	go func() {
		resp, err := slowTransport.RoundTrip(req)
		if err != nil {
			r.done <- err
			return
		}
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		if err != nil {
			r.done <- fmt.Errorf("response cut after its status %d: %w", resp.StatusCode, err)
			return
		}
		if resp.StatusCode != http.StatusOK {
			r.done <- fmt.Errorf("status %d: %s", resp.StatusCode, raw)
			return
		}
		var out struct {
			Mission struct {
				ID string `json:"id"`
			} `json:"mission"`
		}
		if err := json.Unmarshal(raw, &out); err != nil {
			r.done <- fmt.Errorf("response %q: %w", raw, err)
			return
		}
		if out.Mission.ID == "" {
			r.done <- fmt.Errorf("response %q: no mission id", raw)
			return
		}
		r.missionID = out.Mission.ID
		r.done <- nil
	}()
	return r
}

// finish sends the rest of the body.
func (r *slowRequest) finish() {
	go func() {
		if _, err := r.body.Write(r.rest); err != nil {
			return
		}
		_ = r.body.Close()
	}()
}

type probeResults struct {
	sent, served                              int
	refused, unavailable, resetBeforeResponse int
	failures                                  []string
}

// probe sends a POST /v1/missions on a new connection every 25 ms until the process exited,
// then one more, and sorts out what happened to each.
func probe(url, token string, exited <-chan struct{}) probeResults {
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	var res probeResults
	for last := false; ; {
		select {
		case <-exited:
			last = true
		default:
		}
		res.sent++
		sentAt := time.Now()
		req, _ := http.NewRequest(http.MethodPost, url+"/v1/missions", bytes.NewReader(missionBody(fmt.Sprintf("after SIGTERM %d", res.sent))))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		switch {
		case err == nil:
			raw, readErr := io.ReadAll(resp.Body)
			resp.Body.Close()
			switch {
			case readErr != nil:
				res.failures = append(res.failures, fmt.Sprintf("probe %d: response cut after status %d: %v", res.sent, resp.StatusCode, readErr))
			case resp.StatusCode == http.StatusServiceUnavailable:
				res.unavailable++
			case resp.StatusCode == http.StatusOK && json.Valid(raw):
				res.served++
			default:
				res.failures = append(res.failures, fmt.Sprintf("probe %d: status %d: %s", res.sent, resp.StatusCode, raw))
			}
		case errors.Is(err, syscall.ECONNREFUSED):
			res.refused++
		case time.Since(sentAt) < time.Second && (errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF)):
			// The connection was in the kernel's accept queue when the listener closed: reset
			// before any byte of a response, at once.
			res.resetBeforeResponse++
		default:
			res.failures = append(res.failures, fmt.Sprintf("probe %d after %s: %v", res.sent, time.Since(sentAt).Round(time.Millisecond), err))
		}
		if last {
			return res
		}
		time.Sleep(25 * time.Millisecond)
	}
}
