package e2e

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/gateway/allinone"
)

// withGateway changes the gateway's settings (limits, timeouts) before the platform starts.
func withGateway(change func(*allinone.Config)) platformOption {
	return func(_ *platform, cfg *allinone.Config) { change(cfg) }
}

// hammer sends n requests one after the other and returns the 429 answers' Retry-After values
// (in seconds) and the count of each status.
func (p *platform) hammer(t *testing.T, n int, method, path, token string) (retryAfter []int, statuses map[int]int) {
	t.Helper()
	statuses = map[int]int{}
	for range n {
		req, _ := http.NewRequest(method, p.url+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := p.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		statuses[resp.StatusCode]++
		if resp.StatusCode == http.StatusTooManyRequests {
			var body map[string]any
			if err := json.Unmarshal(raw, &body); err != nil {
				t.Fatalf("429 body is not JSON: %s", raw)
			}
			if reason, _ := errorParts(body); reason != "RATE_LIMITED" {
				t.Errorf("429 reason %q, want RATE_LIMITED: %s", reason, raw)
			}
			seconds, err := strconv.Atoi(resp.Header.Get("Retry-After"))
			if err != nil || seconds < 1 {
				t.Errorf("429 Retry-After %q, want whole seconds ≥ 1", resp.Header.Get("Retry-After"))
			}
			retryAfter = append(retryAfter, seconds)
		}
	}
	return retryAfter, statuses
}

// TestBurstsGet429WithRetryAfter: with the default limits (20 a second, burst 40), a burst of
// one token, or of forged tokens from one address, gets 429 RATE_LIMITED with Retry-After;
// another account is not slowed by it; the operator's higher limit is not reached by the same
// burst; after Retry-After the token is served again.
func TestBurstsGet429WithRetryAfter(t *testing.T) {
	p := startPlatform(t, t.TempDir())
	firmID, firm := p.createAccount("FIRM", "Firm A")
	_, other := p.createAccount("FIRM", "Firm B")

	retry, statuses := p.hammer(t, 80, "GET", "/v1/missions", firm)
	if statuses[200] < 40 || statuses[429] == 0 || statuses[200]+statuses[429] != 80 {
		t.Fatalf("a burst of 80 from one token: %v, want at least the burst of 40 served, then 429", statuses)
	}
	t.Logf("a burst of 80 from one token: %v, Retry-After %v", statuses, retry[:1])
	if r := p.call("GET", "/v1/missions", other, nil); r.status != 200 {
		t.Errorf("another account is slowed by the first one's burst: %d %s", r.status, r.raw)
	}
	findAudit(t, p, "the refused burst in the audit log", map[string]string{"actorId": firmID, "outcome": "refused"},
		map[string]string{"kind": "REFUSED", "reason": "RATE_LIMITED", "action": "GET /v1/missions", "outcome": "429"})
	_, statuses = p.hammer(t, 80, "GET", "/v1/missions", operatorToken)
	if statuses[200] != 80 {
		t.Errorf("the operator's 80 requests: %v, want all served", statuses)
	}

	// Forged tokens: each unknown, so they share the address's bucket.
	forged := map[int]int{}
	for i := range 80 {
		_, s := p.hammer(t, 1, "GET", "/v1/missions", fmt.Sprintf("forged-token-%d", i))
		for k, v := range s {
			forged[k] += v
		}
	}
	if forged[429] == 0 || forged[401] == 0 {
		t.Errorf("80 forged tokens from one address: %v, want 401 then 429", forged)
	}

	time.Sleep(time.Duration(retry[len(retry)-1]) * time.Second)
	if r := p.call("GET", "/v1/missions", firm, nil); r.status != 200 {
		t.Errorf("after Retry-After: %d %s", r.status, r.raw)
	}
}

// TestAPageViewCountsOnce: a page reads the API in-process as the visitor, several calls a
// page, but only the page request counts: 30 page views in a row stay within the burst of 40.
func TestAPageViewCountsOnce(t *testing.T) {
	p := startPlatform(t, t.TempDir())
	_, firm := p.createAccount("FIRM", "Firm A")
	p.mustCall("POST", "/v1/missions", firm, missionBody(nil))
	for i := range 30 {
		if got := openPage(t, p, "/missions", firm, nil); got.status != 200 {
			t.Fatalf("page view %d: status %d", i+1, got.status)
		}
	}
}

// TestRateLimitZeroTurnsLimitsOff: CAIOMATCH_RATE_LIMIT=0 (RateLimit < 0) serves every request.
func TestRateLimitZeroTurnsLimitsOff(t *testing.T) {
	p := startPlatform(t, t.TempDir(), withGateway(func(cfg *allinone.Config) { cfg.Gateway.RateLimit = -1 }))
	_, firm := p.createAccount("FIRM", "Firm A")
	if _, statuses := p.hammer(t, 100, "GET", "/v1/missions", firm); statuses[200] != 100 {
		t.Errorf("100 requests without limits: %v", statuses)
	}
}

// TestSlowClientsAreCut: a body sent too slowly is cut within the body timeout (408), headers
// too slow within the header timeout; the live notification stream outlives both.
func TestSlowClientsAreCut(t *testing.T) {
	const timeout = time.Second
	p := startPlatform(t, t.TempDir(), withGateway(func(cfg *allinone.Config) {
		cfg.Gateway.BodyTimeout, cfg.Gateway.HeaderTimeout = timeout, timeout
	}))
	_, firm := p.createAccount("FIRM", "Firm A")
	_, consultant := p.createAccount("CONSULTANT", "Claire")
	addr := strings.TrimPrefix(p.url, "http://")

	t.Run("slow body", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		start := time.Now()
		fmt.Fprintf(conn, "POST /v1/missions HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"+
			"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"title\": ", addr, firm)
		_ = conn.SetReadDeadline(time.Now().Add(10 * timeout))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		elapsed := time.Since(start)
		if err != nil {
			t.Fatalf("no answer to a stalled body after %s: %v", elapsed, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestTimeout || elapsed < timeout || elapsed > 3*timeout {
			t.Errorf("stalled body: status %d after %s, want 408 after about %s", resp.StatusCode, elapsed, timeout)
		}
	})

	t.Run("slow headers", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		start := time.Now()
		fmt.Fprintf(conn, "GET /v1/missions HTTP/1.1\r\nHost: %s\r\n", addr)
		_ = conn.SetReadDeadline(time.Now().Add(10 * timeout))
		_, err = io.ReadAll(conn)
		if elapsed := time.Since(start); err != nil || elapsed < timeout || elapsed > 3*timeout {
			t.Errorf("stalled headers: connection closed after %s (%v), want about %s", elapsed, err, timeout)
		}
	})

	t.Run("the stream lives on", func(t *testing.T) {
		stream := p.openStream(t, consultant)
		if stream.StatusCode != 200 {
			t.Fatalf("stream: %d", stream.StatusCode)
		}
		ended := make(chan error, 1)
		go func() {
			_, err := io.Copy(io.Discard, stream.Body)
			ended <- err
		}()
		select {
		case err := <-ended:
			t.Fatalf("the stream ended within %s: %v", 3*timeout, err)
		case <-time.After(3 * timeout):
		}
	})
}

// randomText is n random lower-case hex characters.
func randomText(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

// TestHostileHostsAndPathsLeaveMetricsAndTracesBounded: 2,000 requests with random Host
// headers and long random paths (ids, emails, unknown routes, unknown methods) add no series
// to /metrics and no span name to the trace list: both stay the same size.
func TestHostileHostsAndPathsLeaveMetricsAndTracesBounded(t *testing.T) {
	p := startPlatform(t, t.TempDir(), withGateway(func(cfg *allinone.Config) { cfg.Gateway.RateLimit = -1 }))
	_, firm := p.createAccount("FIRM", "Firm A")
	client := &http.Client{Timeout: 10 * time.Second}
	hostile := func(n int) {
		for i := range n {
			var method, path string
			switch i % 6 {
			case 0:
				method, path = "GET", "/v1/missions/"+randomText(4096)
			case 1:
				method, path = "GET", "/v1/profiles/"+url.PathEscape("claire.martin+"+randomText(8)+"@example.org")
			case 2:
				method, path = "GET", "/"+randomText(2000)+"/"+randomText(2000)
			case 3:
				method, path = "DELETE", "/v1/"+randomText(3000)
			case 4:
				method, path = "GET", "/missions/"+randomText(3000)
			default:
				method, path = "FROB"+randomText(6), "/v1/missions"
			}
			req, err := http.NewRequest(method, p.url+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Host = fmt.Sprintf("h%s.example:%d", randomText(12), 1024+i)
			req.Header.Set("Authorization", "Bearer "+firm)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode >= 500 {
				t.Fatalf("%s %.60s…: %d", method, path, resp.StatusCode)
			}
		}
	}
	traceNames := func() (map[string]bool, float64) {
		r := p.call("GET", "/v1/ops/traces?limit=1000", operatorToken, nil)
		if r.status != 200 {
			t.Fatalf("trace list: %d %s", r.status, r.raw)
		}
		names := map[string]bool{}
		traces := list(r.body, "traces")
		for _, tr := range traces {
			names[str(tr.(map[string]any), "rootName")] = true
		}
		return names, float64(len(r.raw)) / float64(max(1, len(traces)))
	}
	metricsSize := func() int {
		r := p.call("GET", "/metrics", operatorToken, nil)
		if r.status != 200 {
			t.Fatalf("/metrics: %d", r.status)
		}
		return len(r.raw)
	}

	// Every kind of request, the trace list full, and the series of the measures themselves.
	hostile(120)
	traceNames()
	metricsSize()
	beforeMetrics := metricsSize()
	beforeNames, beforePerTrace := traceNames()
	hostile(2000)
	afterMetrics := metricsSize()
	afterNames, afterPerTrace := traceNames()
	t.Logf("/metrics %d bytes before, %d after; trace list %.0f bytes a trace before, %.0f after; root names %v",
		beforeMetrics, afterMetrics, beforePerTrace, afterPerTrace, afterNames)
	if afterMetrics > beforeMetrics+beforeMetrics/50 {
		t.Errorf("/metrics grew from %d to %d bytes under hostile Hosts and paths", beforeMetrics, afterMetrics)
	}
	for name := range afterNames {
		if len(name) > 80 {
			t.Errorf("a span name of %d bytes: %.80s…", len(name), name)
		}
		if !beforeNames[name] && strings.Contains(name, "/") && !strings.HasPrefix(name, "GET /v1/ops") {
			t.Errorf("a new span name after the first round: %q", name)
		}
	}
	if len(afterNames) > 20 {
		t.Errorf("%d distinct span names in the trace list: %v", len(afterNames), afterNames)
	}
	if afterPerTrace > beforePerTrace*1.2 {
		t.Errorf("the trace list grew from %.0f to %.0f bytes a trace", beforePerTrace, afterPerTrace)
	}
}

// TestEveryPathVariableRefusesWhatCannotBeAnId: for every route of the API description and
// every variable of its path, invalid UTF-8, a control character or a 4 KiB value answers 400,
// never 500.
func TestEveryPathVariableRefusesWhatCannotBeAnId(t *testing.T) {
	p := startPlatform(t, t.TempDir(), withGateway(func(cfg *allinone.Config) { cfg.Gateway.RateLimit = -1 }))
	_, firm := p.createAccount("FIRM", "Firm A")
	r := p.call("GET", "/openapi.json", "", nil)
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal([]byte(r.raw), &doc); err != nil {
		t.Fatal(err)
	}
	extra := map[string][]string{ // served by hand, not in the description
		"/v1/ops/traces/{traceId}": {"get"}, "/v1/ops/dead-letters/{sequence}": {"get"},
		"/v1/ops/dead-letters/{sequence}/redrive": {"post"},
	}
	routes := 0
	for path, ops := range doc.Paths {
		for method := range ops {
			extra[path] = append(extra[path], method)
		}
	}
	for path, methods := range extra {
		if !strings.Contains(path, "{") {
			continue
		}
		for _, method := range methods {
			routes++
			for _, bad := range []string{"%FF%FE", "a%00b", "x%0Ay", strings.Repeat("a", 4096)} {
				target := regexp.MustCompile(`\{[^}]*\}`).ReplaceAllString(path, bad)
				for _, token := range []string{operatorToken, firm} {
					got := p.call(strings.ToUpper(method), target, token, "{}")
					if got.status != http.StatusBadRequest && got.status != http.StatusForbidden {
						t.Errorf("%s %.80s: %d, want 400 (or the role's 403): %.200s", strings.ToUpper(method), target, got.status, got.raw)
					}
					if got.status == http.StatusBadRequest {
						if reason, _ := errorParts(got.body); reason != "INVALID_FIELD_VALUE" && reason != "INVALID_ARGUMENT" {
							t.Errorf("%s %.80s: reason %q", strings.ToUpper(method), target, reason)
						}
					}
				}
			}
		}
	}
	if routes < 20 {
		t.Errorf("only %d routes with path variables were tried", routes)
	}
	t.Logf("%d routes with path variables, each refused invalid UTF-8, NUL, a line break and 4 KiB", routes)
}

// TestUnauthorizedCarriesTheBearerChallenge: RFC 6750: a missing token gets the bare
// challenge, a refused one adds error="invalid_token".
func TestUnauthorizedCarriesTheBearerChallenge(t *testing.T) {
	p := startPlatform(t, t.TempDir())
	for token, want := range map[string]string{
		"":            `Bearer realm="caiomatch"`,
		"not-a-token": `Bearer realm="caiomatch", error="invalid_token"`,
	} {
		status, header, _ := p.rawCall("GET", "/v1/missions", token)
		if status != http.StatusUnauthorized || header.Get("WWW-Authenticate") != want {
			t.Errorf("token %q: %d WWW-Authenticate %q, want 401 %q", token, status, header.Get("WWW-Authenticate"), want)
		}
	}
	if status, header, _ := p.rawCall("GET", "/v1/taxonomy/sectors", ""); status != 200 || header.Get("WWW-Authenticate") != "" {
		t.Errorf("a public answer: %d WWW-Authenticate %q", status, header.Get("WWW-Authenticate"))
	}
}

// TestControlCharactersInTextsAreRefused: a NUL or another control character in a name, a
// title or a headline is a 400 naming the field, and nothing is stored.
func TestControlCharactersInTextsAreRefused(t *testing.T) {
	p := startPlatform(t, t.TempDir())
	_, firm := p.createAccount("FIRM", "Firm A")
	_, consultant := p.createAccount("CONSULTANT", "Claire")
	set := func(key string, value any) func(map[string]any) { return func(b map[string]any) { b[key] = value } }
	for _, c := range []struct {
		path, token, field string
		body               map[string]any
	}{
		{"/v1/missions", firm, "title", missionBody(set("title", "Head of AI\u0000"))},
		{"/v1/profiles", consultant, "displayName", profileBody("Claire Martin", set("displayName", "Claire\u0000Martin"))},
		{"/v1/profiles", consultant, "headline", profileBody("Claire Martin", set("headline", "CAIO\u001b[31m"))},
		{"/v1/accounts", operatorToken, "name", map[string]any{"role": "FIRM", "name": "Acme\u0007"}},
	} {
		r := p.call("POST", c.path, c.token, c.body)
		reason, fields := errorParts(r.body)
		if r.status != 400 || reason != "INVALID_ARGUMENT" || len(fields) != 1 || fields[0] != c.field {
			t.Errorf("POST %s with a control character in %s: %d %s %v", c.path, c.field, r.status, reason, fields)
		}
	}
	if n := len(list(p.mustCall("GET", "/v1/missions", firm, nil), "missions")); n != 0 {
		t.Errorf("%d missions stored after refused ones", n)
	}
}

// TestARateLimitedPageIsAPage: a person browsing past the limit gets the site's own page in
// their language, with Retry-After, not the API's JSON.
func TestARateLimitedPageIsAPage(t *testing.T) {
	p := startPlatform(t, t.TempDir())
	_, firm := p.createAccount("FIRM", "Firm A")
	var refused *http.Response
	var body string
	for range 80 {
		req, _ := http.NewRequest(http.MethodGet, p.url+"/missions", nil)
		req.Header.Set("Authorization", "Bearer "+firm)
		req.Header.Set("Accept-Language", "fr")
		resp, err := p.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests {
			refused, body = resp, string(raw)
			break
		}
	}
	if refused == nil {
		t.Fatal("80 page views in a row were all served")
	}
	if !strings.HasPrefix(refused.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, `<html lang="fr">`) ||
		refused.Header.Get("Retry-After") == "" || !strings.Contains(refused.Header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Errorf("the refused page: %v\n%.300s", refused.Header, body)
	}
}
