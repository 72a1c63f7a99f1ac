package httpapi

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/caiomatch/caiomatch/gateway/accounts"
	"github.com/caiomatch/caiomatch/pkg/fault"
	notificationv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/notification/v1"
	"github.com/caiomatch/caiomatch/pkg/identity"
)

// watchOnce is a notification service whose first watch answers one notification and whose
// later watches wait until their call ends; it records the requests.
type watchOnce struct {
	notificationv1.NotificationServiceClient
	mu       sync.Mutex
	requests []*notificationv1.WatchNotificationsRequest
}

func (w *watchOnce) WatchNotifications(ctx context.Context, req *notificationv1.WatchNotificationsRequest, _ ...grpc.CallOption) (*notificationv1.WatchNotificationsResponse, error) {
	w.mu.Lock()
	w.requests = append(w.requests, proto.CloneOf(req)) // the caller reuses its request
	n := len(w.requests)
	w.mu.Unlock()
	if n == 1 {
		return &notificationv1.WatchNotificationsResponse{NextSince: timestamppb.New(time.Now().Add(-time.Second)),
			Notifications: []*notificationv1.Notification{{Id: "n-1", Type: "offer.made", CreatedAt: timestamppb.Now(), Title: "New offer"}}}, nil
	}
	<-ctx.Done()
	return nil, ctx.Err()
}

func (w *watchOnce) calls() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.requests)
}

func (w *watchOnce) seenIDs(i int) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if i >= len(w.requests) {
		return nil
	}
	return w.requests[i].GetSeenIds()
}

// tokens is an Authenticator whose secrets are "tok-<account>", each valid until revoked, of
// accounts in the status set for them (ACTIVE unless said).
type tokens struct {
	mu       sync.Mutex
	revoked  map[string]bool
	statuses map[string]accounts.Status
	checks   int
}

func (k *tokens) Authenticate(_ context.Context, secret string) (accounts.Account, accounts.Token, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.checks++
	account, ok := strings.CutPrefix(secret, "tok-")
	if !ok || k.revoked[secret] {
		return accounts.Account{}, accounts.Token{}, fault.Unauthenticated(accounts.ReasonInvalidToken, "invalid, expired or revoked token")
	}
	status := k.statuses[account]
	if status == "" {
		status = accounts.StatusActive
	}
	return accounts.Account{ID: account, Status: status}, accounts.Token{AccountID: account}, nil
}

func (k *tokens) set(change func(k *tokens)) {
	k.mu.Lock()
	defer k.mu.Unlock()
	change(k)
}

func streamServer(t *testing.T, limits StreamLimits) (*notificationStreams, *watchOnce, *httptest.Server) {
	streams, server := streamServerOf(t, &watchOnce{}, &tokens{revoked: map[string]bool{}, statuses: map[string]accounts.Status{}}, limits)
	return streams, streams.client.(*watchOnce), server
}

func streamServerOf(t *testing.T, service notificationv1.NotificationServiceClient, auth Authenticator, limits StreamLimits) (*notificationStreams, *httptest.Server) {
	mux := runtime.NewServeMux()
	streams := newNotificationStreams(mux, service, auth, limits)
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		account := r.URL.Query().Get("account")
		ctx := identity.WithCaller(r.Context(), identity.Caller{AccountID: account, Role: identity.RoleConsultant})
		streams.serve(w, r.WithContext(ctx), nil)
	}))
	t.Cleanup(server.Close)
	return streams, server
}

// streamRequest is a request for the account's stream, with its bearer token.
func streamRequest(server *httptest.Server, account string) *http.Request {
	req, _ := http.NewRequest("GET", server.URL+"?account="+account, nil)
	req.Header.Set("Authorization", "Bearer tok-"+account)
	return req
}

func open(t *testing.T, server *httptest.Server, account string) *http.Response {
	t.Helper()
	resp, err := http.DefaultClient.Do(streamRequest(server, account))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// readUntil reads lines of the stream until one equals want.
func readUntil(t *testing.T, lines *bufio.Scanner, want string) []string {
	t.Helper()
	var seen []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		for lines.Scan() {
			seen = append(seen, lines.Text())
			if lines.Text() == want {
				return
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("no %q in the stream", want)
	}
	return seen
}

func TestStreamSendsNotificationsAndHeartbeatsAndEndsAtShutdown(t *testing.T) {
	streams, fake, server := streamServer(t, StreamLimits{PerAccount: 1, Total: 2, Heartbeat: 50 * time.Millisecond})
	resp := open(t, server, "c-1")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("status %d, type %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	lines := bufio.NewScanner(resp.Body)
	got := strings.Join(readUntil(t, lines, ": heartbeat"), "\n")
	if !strings.Contains(got, "id: n-1\nevent: notification\ndata: {") || !strings.Contains(got, `"title":"New offer"`) {
		t.Errorf("stream so far:\n%s", got)
	}
	if ids := fake.seenIDs(1); len(ids) != 1 || ids[0] != "n-1" {
		t.Errorf("the next watch passed seen ids %v, want n-1", ids)
	}

	if again := open(t, server, "c-1"); again.StatusCode != http.StatusTooManyRequests {
		t.Errorf("a second stream of the account: %d", again.StatusCode)
	}
	open(t, server, "c-2")
	if third := open(t, server, "c-3"); third.StatusCode != http.StatusTooManyRequests {
		t.Errorf("a stream past the total: %d", third.StatusCode)
	}

	streams.stop()
	readUntil(t, lines, "event: shutdown")
	var rest []string
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		for lines.Scan() {
			rest = append(rest, lines.Text())
		}
	}()
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Fatal("the stream did not end at shutdown")
	}
	if strings.Join(rest, "|") != "data: {}|" {
		t.Errorf("after the shutdown event: %q", rest)
	}
}

func TestStreamResumesAfterLastEventID(t *testing.T) {
	_, fake, server := streamServer(t, StreamLimits{})
	req := streamRequest(server, "c-1")
	req.Header.Set("Last-Event-ID", "n-0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	readUntil(t, bufio.NewScanner(resp.Body), "id: n-1")
	for deadline := time.Now().Add(5 * time.Second); fake.calls() < 2 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if len(fake.requests) < 2 || fake.requests[0].GetAfterId() != "n-0" || fake.requests[1].GetAfterId() != "" || fake.requests[1].GetSince() == nil {
		t.Errorf("watch requests: %v", fake.requests)
	}
}

// watchQuiet is a notification service that answers every watch soon, with nothing new.
type watchQuiet struct {
	notificationv1.NotificationServiceClient
}

func (watchQuiet) WatchNotifications(ctx context.Context, _ *notificationv1.WatchNotificationsRequest, _ ...grpc.CallOption) (*notificationv1.WatchNotificationsResponse, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(20 * time.Millisecond):
	}
	return &notificationv1.WatchNotificationsResponse{NextSince: timestamppb.Now()}, nil
}

// TestStreamEndsWhenItsCredentialNoLongerAuthenticates: a revoked token, or a suspended
// account, ends the stream at the next long-poll round with an unauthorized event, and frees
// its slot; the other streams go on.
func TestStreamEndsWhenItsCredentialNoLongerAuthenticates(t *testing.T) {
	auth := &tokens{revoked: map[string]bool{}, statuses: map[string]accounts.Status{}}
	streams, server := streamServerOf(t, watchQuiet{}, auth, StreamLimits{Heartbeat: 20 * time.Millisecond})
	for _, tc := range []struct {
		account string
		change  func(k *tokens)
	}{
		{"c-revoked", func(k *tokens) { k.revoked["tok-c-revoked"] = true }},
		{"c-suspended", func(k *tokens) { k.statuses["c-suspended"] = accounts.StatusSuspended }},
	} {
		lines := bufio.NewScanner(open(t, server, tc.account).Body)
		other := bufio.NewScanner(open(t, server, "c-other").Body)
		readUntil(t, lines, ": connected")
		readUntil(t, lines, ": heartbeat") // rounds went by: the stream is established
		auth.set(tc.change)
		rest := readUntil(t, lines, "event: unauthorized")
		for lines.Scan() {
			rest = append(rest, lines.Text())
		}
		if strings.Join(rest[len(rest)-3:], "|") != "event: unauthorized|data: {}|" {
			t.Errorf("%s: stream ended with %q", tc.account, rest)
		}
		readUntil(t, other, ": heartbeat")
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		streams.mu.Lock()
		left := streams.open
		ended := left["c-revoked"] == 0 && left["c-suspended"] == 0
		streams.mu.Unlock()
		if ended {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("slots still held: %v", left)
		}
	}
}

// TestStreamWritesHaveADeadline: a client that stops reading loses its stream once a write
// blocks past the write timeout, and its slot is freed.
func TestStreamWritesHaveADeadline(t *testing.T) {
	big := strings.Repeat("x", 64<<10)
	flood := watchFlood{notification: &notificationv1.Notification{Id: "n", Title: big, CreatedAt: timestamppb.Now()}}
	streams, server := streamServerOf(t, flood, &tokens{}, StreamLimits{WriteTimeout: 200 * time.Millisecond})
	conn, err := net.Dial("tcp", server.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := streamRequest(server, "c-1").Write(conn); err != nil { // and never read
		t.Fatal(err)
	}
	openStreams := func() int {
		streams.mu.Lock()
		defer streams.mu.Unlock()
		return streams.total
	}
	for _, want := range []int{1, 0} { // opened, then ended
		for deadline := time.Now().Add(10 * time.Second); openStreams() != want; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%d streams open, want %d: the stream of a client that reads nothing is still open", openStreams(), want)
			}
		}
	}
}

// watchFlood answers every watch at once with another large notification.
type watchFlood struct {
	notificationv1.NotificationServiceClient
	notification *notificationv1.Notification
}

func (f watchFlood) WatchNotifications(context.Context, *notificationv1.WatchNotificationsRequest, ...grpc.CallOption) (*notificationv1.WatchNotificationsResponse, error) {
	return &notificationv1.WatchNotificationsResponse{NextSince: timestamppb.Now(),
		Notifications: []*notificationv1.Notification{proto.CloneOf(f.notification)}}, nil
}
