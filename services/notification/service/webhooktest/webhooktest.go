// Package webhooktest is a webhook endpoint for tests that checks every call as the Standard
// Webhooks specification tells receivers to, written from the specification and not from the
// service's code.
package webhooktest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Receiver is a webhook endpoint that checks every call: the secret's base64 part is the key; the signed content is
// "<webhook-id>.<webhook-timestamp>.<body>"; webhook-signature is a space-separated list of
// "v1,<base64 HMAC-SHA256>"; a timestamp more than 5 minutes away is refused. With FailFirst
// it fails the first attempt of every message (500) and accepts the next ones.
type Receiver struct {
	// URL is where it listens (http, loopback).
	URL    string
	secret string // set once the webhook is created

	mu        sync.Mutex
	attempts  map[string]int // webhook-id → attempts received
	accepted  map[string]int // webhook-id → 2xx answered
	bodies    map[string]Body
	bad       []string
	failFirst bool
}

// Body is a webhook call's body.
type Body struct {
	Type      string         `json:"type"`
	Timestamp time.Time      `json:"timestamp"`
	Data      map[string]any `json:"data"`
}

// Start runs a receiver until the test ends; failFirst answers 500 to every first attempt.
func Start(t testing.TB, failFirst bool) *Receiver {
	r := &Receiver{attempts: map[string]int{}, accepted: map[string]int{}, bodies: map[string]Body{}, failFirst: failFirst}
	server := httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(server.Close)
	r.URL = server.URL
	return r
}

// SetSecret is the secret the webhook's creation returned ("whsec_…").
func (r *Receiver) SetSecret(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secret = s
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	id, ts, sigs := req.Header.Get("webhook-id"), req.Header.Get("webhook-timestamp"), req.Header.Get("webhook-signature")
	r.mu.Lock()
	defer r.mu.Unlock()
	if problem := Verify(r.secret, id, ts, sigs, body, time.Now()); problem != "" {
		r.bad = append(r.bad, problem)
		http.Error(w, problem, http.StatusBadRequest)
		return
	}
	var parsed Body
	if err := json.Unmarshal(body, &parsed); err != nil {
		r.bad = append(r.bad, "body: "+err.Error())
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	r.attempts[id]++
	r.bodies[id] = parsed
	if r.failFirst && r.attempts[id] == 1 {
		http.Error(w, "try again", http.StatusInternalServerError)
		return
	}
	r.accepted[id]++
	w.WriteHeader(http.StatusNoContent)
}

// Verify returns what is wrong with a call, "" when it is genuine.
func Verify(secret, id, ts, signatures string, body []byte, now time.Time) string {
	if id == "" || ts == "" || signatures == "" {
		return "missing webhook headers"
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil || !strings.HasPrefix(secret, "whsec_") {
		return "unusable secret"
	}
	seconds, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || math.Abs(now.Sub(time.Unix(seconds, 0)).Seconds()) > 300 {
		return "timestamp out of tolerance"
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "." + string(body)))
	want := mac.Sum(nil)
	for _, s := range strings.Fields(signatures) {
		version, sig, ok := strings.Cut(s, ",")
		got, err := base64.StdEncoding.DecodeString(sig)
		if ok && version == "v1" && err == nil && hmac.Equal(got, want) {
			return ""
		}
	}
	return "no valid signature"
}

// Counts are the attempts and the successes per message (webhook-id) so far, and why calls were
// refused.
func (r *Receiver) Counts() (attempts, accepted map[string]int, bad []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	attempts, accepted = map[string]int{}, map[string]int{}
	for k, v := range r.attempts {
		attempts[k] = v
	}
	for k, v := range r.accepted {
		accepted[k] = v
	}
	return attempts, accepted, append([]string(nil), r.bad...)
}

// Body is the last body received for a message.
func (r *Receiver) Body(id string) Body {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.bodies[id]
}
