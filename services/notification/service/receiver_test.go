package service_test

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

// receiver is a webhook endpoint that checks every call the way the Standard Webhooks
// specification tells receivers to, written here from the specification and not from the
// service's code: the secret's base64 part is the key; the signed content is
// "<webhook-id>.<webhook-timestamp>.<body>"; webhook-signature is a space-separated list of
// "v1,<base64 HMAC-SHA256>"; a timestamp more than 5 minutes away is refused. It fails the first
// attempt of every message (500) and accepts the next ones.
type receiver struct {
	t      *testing.T
	server *httptest.Server
	secret string // set once the webhook is created

	mu        sync.Mutex
	attempts  map[string]int // webhook-id → attempts received
	accepted  map[string]int // webhook-id → 2xx answered
	bodies    map[string]webhookBody
	bad       []string
	failFirst bool
}

type webhookBody struct {
	Type      string         `json:"type"`
	Timestamp time.Time      `json:"timestamp"`
	Data      map[string]any `json:"data"`
}

func newReceiver(t *testing.T, failFirst bool) *receiver {
	r := &receiver{t: t, attempts: map[string]int{}, accepted: map[string]int{}, bodies: map[string]webhookBody{}, failFirst: failFirst}
	r.server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.server.Close)
	return r
}

func (r *receiver) setSecret(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secret = s
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	id, ts, sigs := req.Header.Get("webhook-id"), req.Header.Get("webhook-timestamp"), req.Header.Get("webhook-signature")
	r.mu.Lock()
	defer r.mu.Unlock()
	if problem := verify(r.secret, id, ts, sigs, body, time.Now()); problem != "" {
		r.bad = append(r.bad, problem)
		http.Error(w, problem, http.StatusBadRequest)
		return
	}
	var parsed webhookBody
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

// verify returns what is wrong with a call, "" when it is genuine.
func verify(secret, id, ts, signatures string, body []byte, now time.Time) string {
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

// counts are the attempts and successes per message so far, and the refused calls.
func (r *receiver) counts() (attempts, accepted map[string]int, bad []string) {
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

func (r *receiver) body(id string) webhookBody {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.bodies[id]
}
