package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/caiomatch/caiomatch/pkg/seeddata"
)

// replay holds what the findings share: the settings, the client and where progress goes.
type replay struct {
	cfg      config
	api      *client
	progress io.Writer
	// collector receives the platform's exported traces when -otlp is given.
	collector *collector
	// sentMarker and sentLongID are what pathsInTraces put in paths, for exportedTraces.
	sentMarker, sentLongID string
}

// account creates an approved account of the role as the operator and returns its id and token.
func (r *replay) account(ctx context.Context, role, purpose string) (id, token string, err error) {
	var created struct {
		Account struct {
			ID string `json:"id"`
		} `json:"account"`
		Token string `json:"token"`
	}
	err = r.api.call(ctx, request{method: http.MethodPost, path: "/v1/accounts", token: r.cfg.Token,
		body: map[string]string{"role": role, "name": "security review " + purpose}}, &created)
	return created.Account.ID, created.Token, err
}

// waitForAddressBucket lets the client address's rate-limit bucket refill before a finding
// that measures it: with the default limits (20 a second, burst 40) two seconds refill it.
func waitForAddressBucket(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-time.After(3 * time.Second):
	}
}

// flood sends n requests, concurrency at a time, and returns the statuses in the order the
// answers came and how long it took.
func (r *replay) flood(ctx context.Context, n int, build func(i int) request) ([]int, time.Duration, error) {
	var (
		mu       sync.Mutex
		statuses []int
		firstErr error
	)
	next := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	for range min(r.cfg.Concurrency, n) {
		wg.Go(func() {
			for i := range next {
				a, err := r.api.do(ctx, build(i))
				mu.Lock()
				if err != nil {
					firstErr = cmpErr(firstErr, err)
				} else {
					statuses = append(statuses, a.status)
				}
				mu.Unlock()
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return statuses, time.Since(start), firstErr
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// tally counts each status: "401 ×40, 429 ×460".
func tally(statuses []int) string {
	counts := map[int]int{}
	for _, s := range statuses {
		counts[s]++
	}
	var parts []string
	for _, s := range slices.Sorted(maps.Keys(counts)) {
		parts = append(parts, fmt.Sprintf("%d ×%s", s, number(counts[s])))
	}
	return strings.Join(parts, ", ")
}

// number writes n with thousands separators, as the docs do: 2,600.
func number(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// size writes a size in bytes as the docs do.
func size(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	default:
		return number(n) + " bytes"
	}
}

func seconds(d time.Duration) string {
	if d < 10*time.Second {
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

func randomText(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

// missionStart is the start date of the missions this program submits: three months ahead,
// always accepted.
func missionStart() string { return time.Now().UTC().AddDate(0, 3, 0).Format(time.DateOnly) }

func missionBody(title string) map[string]any {
	return map[string]any{
		"title": title, "sector": "C21", "missionType": "MISSION_TYPE_TRANSFORMATION_LAUNCH",
		"requiredSkills": []string{"ai-strategy"}, "startDate": missionStart(), "durationMonths": 12,
		"maxDailyRateEur": 1500, "languages": []string{"fr"}, "location": map[string]any{"country": "FR", "city": "Lyon"},
		"workMode": "WORK_MODE_HYBRID", "minYearsExperience": 10,
	}
}

func profileBody(name string) map[string]any {
	return map[string]any{
		"displayName": name, "email": "security.review." + randomText(8) + "@example.org", "headline": "Interim CAIO",
		"sectors": []string{"C21"}, "skills": []map[string]any{{"id": "ai-strategy", "level": 5}},
		"yearsExperience": 15, "languages": []string{"fr"}, "location": map[string]any{"country": "FR", "city": "Lyon"},
		"workMode": "WORK_MODE_HYBRID", "dailyRateEur": 1200, "availableFrom": missionStart(),
	}
}

// cancelAll cancels the missions this program submitted, so that they hold no consultant's
// place on a shortlist once it is done.
func (r *replay) cancelAll(ctx context.Context, token string, missions []string) error {
	for _, id := range missions {
		if err := r.api.call(ctx, request{method: http.MethodPost, path: "/v1/missions/" + id + "/cancel", token: token, body: "{}"}, nil); err != nil {
			return err
		}
	}
	return nil
}

// challenge: a 401 says how to authenticate (RFC 6750), not the error's text.
func (r *replay) challenge(ctx context.Context) (figure, error) {
	none, err := r.api.patient(ctx, request{method: http.MethodGet, path: "/v1/missions"})
	if err != nil {
		return figure{}, err
	}
	forged, err := r.api.patient(ctx, request{method: http.MethodGet, path: "/v1/missions", token: "forged-" + randomText(20)})
	if err != nil {
		return figure{}, err
	}
	f := figure{
		Finding: "401 challenge",
		Then:    "the error text, not RFC 6750",
		Now: fmt.Sprintf("%d `WWW-Authenticate: %s`; a refused token: %d `%s`", none.status, none.header.Get("WWW-Authenticate"),
			forged.status, forged.header.Get("WWW-Authenticate")),
	}
	if !strings.HasPrefix(none.header.Get("WWW-Authenticate"), "Bearer realm=") ||
		!strings.Contains(forged.header.Get("WWW-Authenticate"), `error="invalid_token"`) {
		f.Still = "yes"
	}
	return f, nil
}

// cacheHeaders: an authenticated answer is never stored by a cache, and no answer is sniffed.
func (r *replay) cacheHeaders(ctx context.Context) (figure, error) {
	_, firm, err := r.account(ctx, "FIRM", "caching")
	if err != nil {
		return figure{}, err
	}
	api, err := r.api.patient(ctx, request{method: http.MethodGet, path: "/v1/missions", token: firm})
	if err != nil {
		return figure{}, err
	}
	page, err := r.api.patient(ctx, request{method: http.MethodGet, path: "/missions", token: firm})
	if err != nil {
		return figure{}, err
	}
	public, err := r.api.patient(ctx, request{method: http.MethodGet, path: "/v1/taxonomy/sectors"})
	if err != nil {
		return figure{}, err
	}
	f := figure{
		Finding: "`Cache-Control`, `nosniff`",
		Then:    "missing on authenticated answers",
		Now: fmt.Sprintf("API as a firm: `Cache-Control: %s`, `X-Content-Type-Options: %s`; page as a firm: `%s`, `%s`; public taxonomy: `%s`",
			api.header.Get("Cache-Control"), api.header.Get("X-Content-Type-Options"),
			page.header.Get("Cache-Control"), page.header.Get("X-Content-Type-Options"), public.header.Get("X-Content-Type-Options")),
	}
	if api.header.Get("Cache-Control") != "no-store" || !strings.Contains(page.header.Get("Cache-Control"), "no-store") {
		f.Still = "yes: an authenticated answer may be stored"
	}
	for _, a := range []answer{api, page, public} {
		if a.header.Get("X-Content-Type-Options") != "nosniff" {
			f.Still = "yes: an answer without nosniff"
		}
	}
	return f, nil
}

// wrongMethod: a known path with another method is 405 with Allow.
func (r *replay) wrongMethod(ctx context.Context) (figure, error) {
	_, firm, err := r.account(ctx, "FIRM", "wrong method")
	if err != nil {
		return figure{}, err
	}
	a, err := r.api.patient(ctx, request{method: http.MethodDelete, path: "/v1/missions", token: firm})
	if err != nil {
		return figure{}, err
	}
	f := figure{
		Finding: "wrong method (`DELETE /v1/missions`)",
		Then:    "501",
		Now:     fmt.Sprintf("%d %s, `Allow: %s`", a.status, reason(a.body), a.header.Get("Allow")),
	}
	if a.status != http.StatusMethodNotAllowed || a.header.Get("Allow") == "" {
		f.Still = "yes"
	}
	return f, nil
}

// controlCharacters: a NUL in a name, a title or a display name is refused, not stored.
func (r *replay) controlCharacters(ctx context.Context) (figure, error) {
	_, firm, err := r.account(ctx, "FIRM", "control characters")
	if err != nil {
		return figure{}, err
	}
	_, consultant, err := r.account(ctx, "CONSULTANT", "control characters")
	if err != nil {
		return figure{}, err
	}
	profile := profileBody("Security\x00Review")
	tries := []struct {
		what string
		q    request
	}{
		{"account name", request{method: http.MethodPost, path: "/v1/accounts", token: r.cfg.Token,
			body: map[string]string{"role": "FIRM", "name": "security review\x00NUL"}}},
		{"mission title", request{method: http.MethodPost, path: "/v1/missions", token: firm, body: missionBody("Head of AI\x00")}},
		{"profile name", request{method: http.MethodPost, path: "/v1/profiles", token: consultant, body: profile}},
	}
	var parts []string
	f := figure{Finding: "NUL in a name", Then: "stored"}
	for _, t := range tries {
		a, err := r.api.patient(ctx, t.q)
		if err != nil {
			return figure{}, err
		}
		parts = append(parts, fmt.Sprintf("%s %d %s", t.what, a.status, reason(a.body)))
		if a.status < 400 {
			f.Still = "yes: a NUL was stored in the " + t.what
		}
	}
	f.Now = strings.Join(parts, "; ")
	return f, nil
}

// grpcInternals are what leaked of the services' plumbing in a 500's message.
var grpcInternals = regexp.MustCompile(`rpc error|grpc:|proto:|marshal`)

// invalidUTF8: every path variable of every route, given invalid UTF-8, answers 400 without
// the services' internals.
func (r *replay) invalidUTF8(ctx context.Context) (figure, error) {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := r.api.call(ctx, request{method: http.MethodGet, path: "/openapi.json"}, &doc); err != nil {
		return figure{}, err
	}
	// Served by hand, beside the transcoded API, and not in the description.
	routes := map[string][]string{
		"/v1/ops/traces/{traceId}": {"get"}, "/v1/ops/dead-letters/{sequence}": {"get"},
		"/v1/ops/dead-letters/{sequence}/redrive": {"post"},
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			if !slices.Contains(routes[path], method) {
				routes[path] = append(routes[path], method)
			}
		}
	}
	variable := regexp.MustCompile(`\{[^}]*\}`)
	var statuses []int
	leaks := 0
	for _, path := range slices.Sorted(maps.Keys(routes)) {
		if !strings.Contains(path, "{") {
			continue
		}
		for _, method := range routes[path] {
			q := request{method: strings.ToUpper(method), path: variable.ReplaceAllString(path, "%FF%FE"), token: r.cfg.Token}
			if q.method != http.MethodGet && q.method != http.MethodDelete {
				q.body = "{}"
			}
			a, err := r.api.patient(ctx, q)
			if err != nil {
				return figure{}, err
			}
			statuses = append(statuses, a.status)
			if grpcInternals.Match(a.body) {
				leaks++
			}
		}
	}
	f := figure{
		Finding: "invalid UTF-8 in a path id (every route with a path variable, as an operator)",
		Then:    "500 with gRPC internals on 9 routes",
		Now:     fmt.Sprintf("%d routes: %s; gRPC internals in %d answers", len(statuses), tally(statuses), leaks),
	}
	if leaks > 0 || slices.ContainsFunc(statuses, func(s int) bool { return s >= 500 }) {
		f.Still = "yes"
	}
	return f, nil
}

// forgedTokens: forged bearer tokens from one address share its bucket.
func (r *replay) forgedTokens(ctx context.Context) (figure, error) {
	waitForAddressBucket(ctx)
	statuses, took, err := r.flood(ctx, r.cfg.Forged, func(i int) request {
		return request{method: http.MethodGet, path: "/v1/missions", token: fmt.Sprintf("forged-%d-%s", i, randomText(24))}
	})
	if err != nil {
		return figure{}, err
	}
	first := slices.Index(statuses, http.StatusTooManyRequests)
	f := figure{
		Finding: "forged bearer tokens from one address",
		Then:    "500 in 0.4 s, all answered",
		Now: fmt.Sprintf("%s sent in %s (%.0f a second): %s", number(r.cfg.Forged), seconds(took),
			float64(r.cfg.Forged)/took.Seconds(), tally(statuses)),
	}
	if first < 0 {
		f.Still = "yes: none refused"
	} else {
		f.Now += fmt.Sprintf("; the first 429 after %d answers", first)
	}
	return f, nil
}

// missionBurst: one firm submits missions back to back until refused.
func (r *replay) missionBurst(ctx context.Context) (figure, error) {
	_, firm, err := r.account(ctx, "FIRM", "mission burst")
	if err != nil {
		return figure{}, err
	}
	var accepted []string
	var statuses []int
	start := time.Now()
	for i := range r.cfg.MissionBurst {
		a, err := r.api.do(ctx, request{method: http.MethodPost, path: "/v1/missions", token: firm, body: missionBody(fmt.Sprintf("Security review burst %d", i))})
		if err != nil {
			return figure{}, err
		}
		statuses = append(statuses, a.status)
		var created struct {
			Mission struct {
				ID string `json:"id"`
			} `json:"mission"`
		}
		if a.status == http.StatusOK && json.Unmarshal(a.body, &created) == nil {
			accepted = append(accepted, created.Mission.ID)
		}
	}
	took := time.Since(start)
	before := slices.Index(statuses, http.StatusTooManyRequests)
	f := figure{
		Finding: "one firm's missions, back to back",
		Then:    "150 created in 0.8 s",
		Now: fmt.Sprintf("%s sent in %s (%.0f a second): %s", number(r.cfg.MissionBurst), seconds(took),
			float64(r.cfg.MissionBurst)/took.Seconds(), tally(statuses)),
	}
	if before < 0 {
		f.Still = "yes: none refused"
	} else {
		f.Now += fmt.Sprintf("; %d accepted before the first 429", before)
	}
	return f, r.cancelAll(ctx, firm, accepted)
}

// harvest: one firm submits throwaway missions and reads every candidate's profile and
// explanation, waiting out each 429; then cancels them and reads the same again.
func (r *replay) harvest(ctx context.Context) (figure, error) {
	_, firm, err := r.account(ctx, "FIRM", "harvest")
	if err != nil {
		return figure{}, err
	}
	type pair struct{ mission, profile string }
	var (
		missions     []string
		pairs        []pair
		harvested    = map[string]bool{}
		explanations = 0
	)
	gen := seeddata.New(r.cfg.Seed, time.Now())
	start := time.Now()
	for range r.cfg.HarvestMissions {
		body, err := protojson.Marshal(gen.Mission())
		if err != nil {
			return figure{}, err
		}
		var created struct {
			Mission struct {
				ID string `json:"id"`
			} `json:"mission"`
		}
		if err := r.api.call(ctx, request{method: http.MethodPost, path: "/v1/missions", token: firm, body: string(body)}, &created); err != nil {
			return figure{}, err
		}
		missions = append(missions, created.Mission.ID)
	}
	for _, m := range missions {
		candidates, err := r.shortlist(ctx, firm, m)
		if err != nil {
			return figure{}, err
		}
		for _, p := range candidates {
			pairs = append(pairs, pair{m, p})
			a, err := r.api.patient(ctx, request{method: http.MethodGet, path: "/v1/profiles/" + p, token: firm})
			if err != nil {
				return figure{}, err
			}
			if a.status == http.StatusOK {
				harvested[p] = true
			}
			a, err = r.api.patient(ctx, request{method: http.MethodGet, path: "/v1/missions/" + m + "/candidates/" + p + "/explanation", token: firm})
			if err != nil {
				return figure{}, err
			}
			if a.status == http.StatusOK {
				explanations++
			}
		}
	}
	took := time.Since(start)
	if err := r.cancelAll(ctx, firm, missions); err != nil {
		return figure{}, err
	}
	// Matching learns of the cancellations from the mission stream: a moment later.
	time.Sleep(2 * time.Second)
	var afterExplanations, afterProfiles []int
	for _, p := range pairs {
		a, err := r.api.patient(ctx, request{method: http.MethodGet, path: "/v1/missions/" + p.mission + "/candidates/" + p.profile + "/explanation", token: firm})
		if err != nil {
			return figure{}, err
		}
		afterExplanations = append(afterExplanations, a.status)
		a, err = r.api.patient(ctx, request{method: http.MethodGet, path: "/v1/profiles/" + p.profile, token: firm})
		if err != nil {
			return figure{}, err
		}
		afterProfiles = append(afterProfiles, a.status)
	}
	f := figure{
		Finding: "one firm's profile harvest through throwaway missions",
		Then:    "103 distinct consultants in 3.8 s through 40 missions; explanations kept serving after cancel",
		Now: fmt.Sprintf("%s distinct consultants' profiles (and %d explanations) in %s through %d missions, every 429 waited out; "+
			"after cancelling them: explanations %s, profiles %s", number(len(harvested)), explanations, seconds(took), len(missions),
			tally(afterExplanations), tally(afterProfiles)),
	}
	switch {
	case slices.Contains(afterExplanations, http.StatusOK) || slices.Contains(afterProfiles, http.StatusOK):
		f.Still = "yes: a cancelled mission still shows its candidates"
	case len(harvested) > 0:
		f.Still = fmt.Sprintf("in part: the rate limit stretches it to %.1f consultants a second (then 27), it does not stop it: "+
			"an open mission shows its shortlist's profiles by design", float64(len(harvested))/took.Seconds())
	}
	return f, nil
}

// shortlist waits for a mission's shortlist and returns its candidates' profile ids.
func (r *replay) shortlist(ctx context.Context, token, mission string) ([]string, error) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		var s struct {
			Status     string `json:"status"`
			Candidates []struct {
				ProfileID string `json:"profileId"`
			} `json:"candidates"`
		}
		a, err := r.api.patient(ctx, request{method: http.MethodGet, path: "/v1/missions/" + mission + "/shortlist", token: token})
		if err != nil {
			return nil, err
		}
		if a.status == http.StatusOK && json.Unmarshal(a.body, &s) == nil && s.Status != "SHORTLIST_STATUS_PENDING" && s.Status != "" {
			var ids []string
			for _, c := range s.Candidates {
				ids = append(ids, c.ProfileID)
			}
			return ids, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("mission %s: no shortlist within 30 s (last answer %d %.200s)", mission, a.status, a.body)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// slowUpload is how one slow upload ended.
type slowUpload struct {
	status int           // the answer's, 0 when the connection was closed without one
	after  time.Duration // since the headers were sent
	held   bool          // still open when the program gave up
}

// slowUploads: uploads that send their body a byte a second are cut by the body timeout.
func (r *replay) slowUploads(ctx context.Context) (figure, error) {
	_, firm, err := r.account(ctx, "FIRM", "slow uploads")
	if err != nil {
		return figure{}, err
	}
	u, err := url.Parse(r.cfg.URL)
	if err != nil {
		return figure{}, err
	}
	results := make([]slowUpload, r.cfg.SlowUploads)
	errs := make([]error, r.cfg.SlowUploads)
	var wg sync.WaitGroup
	for i := range r.cfg.SlowUploads {
		wg.Go(func() { results[i], errs[i] = r.slowUpload(ctx, u.Host, firm) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return figure{}, err
	}
	var statuses []int
	held := 0
	shortest, longest := time.Duration(1<<62), time.Duration(0)
	for _, res := range results {
		if res.held {
			held++
			continue
		}
		statuses = append(statuses, res.status)
		shortest, longest = min(shortest, res.after), max(longest, res.after)
	}
	f := figure{
		Finding: "slow uploads (a body byte a second)",
		Then:    "30 held open for 75 s",
	}
	if cut := len(results) - held; cut > 0 {
		f.Now = fmt.Sprintf("%d of %d cut after %.1f to %.1f s (%s)", cut, len(results),
			shortest.Seconds(), longest.Seconds(), tally(statuses))
		if slices.Contains(statuses, 0) {
			f.Now += "; 0: closed without an answer"
		}
	}
	if held > 0 {
		f.Now = strings.TrimPrefix(f.Now+fmt.Sprintf("; %d still open after %s", held, r.cfg.SlowGiveUp), "; ")
		f.Still = "yes"
	}
	return f, nil
}

func (r *replay) slowUpload(ctx context.Context, host, token string) (slowUpload, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return slowUpload{}, err
	}
	defer conn.Close()
	start := time.Now()
	if _, err := fmt.Fprintf(conn, "POST /v1/missions HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"title\": \"", host, token); err != nil {
		return slowUpload{}, err
	}
	_ = conn.SetReadDeadline(start.Add(r.cfg.SlowGiveUp))
	answered := make(chan slowUpload, 1)
	go func() {
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		var timeout net.Error
		switch {
		case err == nil:
			resp.Body.Close()
			answered <- slowUpload{status: resp.StatusCode, after: time.Since(start)}
		case errors.As(err, &timeout) && timeout.Timeout():
			answered <- slowUpload{held: true}
		default:
			answered <- slowUpload{after: time.Since(start)}
		}
	}()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case res := <-answered:
			return res, nil
		case <-ctx.Done():
			return slowUpload{}, ctx.Err()
		case <-tick.C:
			// A write the server refuses is no answer yet: the reader tells how it ended.
			_, _ = conn.Write([]byte("x"))
		}
	}
}

// hostHeaders: a random Host header on each request adds no series to /metrics.
func (r *replay) hostHeaders(ctx context.Context) (figure, error) {
	anonymous, err := r.api.patient(ctx, request{method: http.MethodGet, path: "/metrics"})
	if err != nil {
		return figure{}, err
	}
	metrics := func() ([]byte, error) {
		a, err := r.api.patient(ctx, request{method: http.MethodGet, path: "/metrics", token: r.cfg.Token})
		if err == nil && a.status != http.StatusOK {
			err = fmt.Errorf("GET /metrics: %d", a.status)
		}
		return a.body, err
	}
	before, err := metrics()
	if err != nil {
		return figure{}, err
	}
	hosts := make([]string, r.cfg.Hosts)
	for i := range hosts {
		hosts[i] = fmt.Sprintf("h%s.example:%d", randomText(12), 1024+i%60000)
	}
	statuses, _, err := r.flood(ctx, r.cfg.Hosts, func(i int) request {
		return request{method: http.MethodGet, path: "/v1/taxonomy/sectors", token: r.cfg.Token, host: hosts[i]}
	})
	if err != nil {
		return figure{}, err
	}
	after, err := metrics()
	if err != nil {
		return figure{}, err
	}
	labelled := 0
	for _, h := range hosts {
		if bytes.Contains(after, []byte(strings.Split(h, ":")[0])) {
			labelled++
		}
	}
	f := figure{
		Finding: "random `Host` headers",
		Then:    "`/metrics` 0.5 MB → 39 MB after 2,600 requests, served to anyone",
		Now: fmt.Sprintf("`/metrics` %s → %s after %s requests (%s); %d of the Hosts in it; without a token `/metrics` answers %d",
			size(len(before)), size(len(after)), number(r.cfg.Hosts), tally(statuses), labelled, anonymous.status),
	}
	switch {
	case labelled > 0 || len(after) > len(before)+len(before)/10:
		f.Still = "yes: the Host header is a label"
	case anonymous.status == http.StatusOK:
		f.Still = "in part: `/metrics` still answers anyone (bounded: counters by method and status, no personal data)"
	}
	return f, nil
}

// pathsInTraces: a long id or an email typed in a path never reaches the operators' trace view.
func (r *replay) pathsInTraces(ctx context.Context) (figure, error) {
	_, firm, err := r.account(ctx, "FIRM", "paths in traces")
	if err != nil {
		return figure{}, err
	}
	traces := func() ([]byte, []string, error) {
		var list struct {
			Traces []struct {
				TraceID  string `json:"traceId"`
				RootName string `json:"rootName"`
			} `json:"traces"`
		}
		a, err := r.api.patient(ctx, request{method: http.MethodGet, path: "/v1/ops/traces?limit=100", token: r.cfg.Token})
		if err == nil && a.status != http.StatusOK {
			err = fmt.Errorf("GET /v1/ops/traces: %d", a.status)
		}
		if err == nil {
			err = json.Unmarshal(a.body, &list)
		}
		var names []string
		for _, t := range list.Traces {
			names = append(names, t.TraceID+" "+t.RootName)
		}
		return a.body, names, err
	}
	before, _, err := traces()
	if err != nil {
		return figure{}, err
	}
	longID := randomText(r.cfg.LongID)
	marker := "security.review+" + randomText(10) // in every email sent, and nowhere else
	r.sentMarker, r.sentLongID = marker, longID[:64]
	var statuses []int
	longestAnswer := 0
	for i := range r.cfg.Traces {
		path := "/v1/missions/" + longID
		if i%2 == 1 {
			path = "/v1/profiles/" + url.PathEscape(fmt.Sprintf("%s.%d@example.org", marker, i))
		}
		a, err := r.api.patient(ctx, request{method: http.MethodGet, path: path, token: firm})
		if err != nil {
			return figure{}, err
		}
		statuses = append(statuses, a.status)
		longestAnswer = max(longestAnswer, len(a.body))
	}
	after, names, err := traces()
	if err != nil {
		return figure{}, err
	}
	// The waterfall of every trace listed: its spans' names and attributes.
	longestName, leaking, details := 0, 0, 0
	for _, n := range names {
		id, name, _ := strings.Cut(n, " ")
		longestName = max(longestName, len(name))
		a, err := r.api.patient(ctx, request{method: http.MethodGet, path: "/v1/ops/traces/" + id, token: r.cfg.Token})
		if err != nil {
			return figure{}, err
		}
		details += len(a.body)
		if bytes.Contains(a.body, []byte(longID[:64])) || bytes.Contains(a.body, []byte(marker)) || strings.Contains(name, marker) {
			leaking++
		}
	}
	f := figure{
		Finding: "a 512 KiB id or an email in a path (operators' trace view)",
		Then:    "21 MB for 100 traces",
		Now: fmt.Sprintf("`GET /v1/ops/traces?limit=100` %s → %s after %d such requests (%s, the longest answer %s); "+
			"the %d traces' waterfalls %s in all; longest span name %d bytes; the id or the email in %d traces",
			size(len(before)), size(len(after)), r.cfg.Traces, tally(statuses), size(longestAnswer), len(names), size(details),
			longestName, leaking),
	}
	if leaking > 0 || len(after) > 2*len(before)+10_000 {
		f.Still = "yes"
	}
	return f, nil
}

// matrixCount is the line the authorization matrix test prints.
var (
	matrixCount  = regexp.MustCompile(`authz matrix: (\d+) cells, (\d+) hold`)
	matrixRoutes = regexp.MustCompile(`(\d+) routes × (\d+) actors`)
)

// matrix runs the authorization matrix test (gateway/e2e/authz_matrix_test.go), which starts a
// platform of its own, and reads its count.
func (r *replay) matrix(ctx context.Context) (figure, error) {
	f := figure{Finding: "access control (authorization matrix)", Then: "325 of 328 cells held (by hand)"}
	if r.cfg.Matrix == "" {
		f.Now, f.Still = "not run: pass -matrix with the gateway module's directory", "not measured"
		return f, nil
	}
	cmd := exec.CommandContext(ctx, "go", "test", "-count=1", "-run", "^TestAuthzMatrix$", "-v", "./e2e/")
	cmd.Dir = r.cfg.Matrix
	out, err := cmd.CombinedOutput()
	m := matrixCount.FindSubmatch(out)
	if m == nil {
		if err != nil {
			return figure{}, fmt.Errorf("go test in %s printed no count: %w\n%s", r.cfg.Matrix, err, out)
		}
		return figure{}, fmt.Errorf("go test in %s printed no count:\n%s", r.cfg.Matrix, out)
	}
	cells, err := strconv.Atoi(string(m[1]))
	if err != nil {
		return figure{}, fmt.Errorf("the authorization matrix's cell count: %w", err)
	}
	hold, err := strconv.Atoi(string(m[2]))
	if err != nil {
		return figure{}, fmt.Errorf("the authorization matrix's count of cells that hold: %w", err)
	}
	f.Now = fmt.Sprintf("%s of %s cells hold", number(hold), number(cells))
	if m := matrixRoutes.FindSubmatch(out); m != nil {
		f.Now += fmt.Sprintf(" (%s routes × %s actors × the states that change who sees what, from the route table)", m[1], m[2])
	}
	if hold != cells {
		f.Still = fmt.Sprintf("yes: %d cells fail", cells-hold)
	}
	return f, nil
}
