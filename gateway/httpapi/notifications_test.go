package httpapi

import (
	"bufio"
	"context"
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

func streamServer(t *testing.T, limits StreamLimits) (*notificationStreams, *watchOnce, *httptest.Server) {
	fake := &watchOnce{}
	mux := runtime.NewServeMux()
	streams := newNotificationStreams(mux, fake, limits)
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		account := r.URL.Query().Get("account")
		ctx := identity.WithCaller(r.Context(), identity.Caller{AccountID: account, Role: identity.RoleConsultant})
		streams.serve(w, r.WithContext(ctx), nil)
	}))
	t.Cleanup(server.Close)
	return streams, fake, server
}

func open(t *testing.T, server *httptest.Server, account string) *http.Response {
	t.Helper()
	resp, err := http.Get(server.URL + "?account=" + account)
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
	req, _ := http.NewRequest("GET", server.URL+"?account=c-1", nil)
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
