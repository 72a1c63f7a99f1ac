package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/caiomatch/caiomatch/gateway/accounts"
	"github.com/caiomatch/caiomatch/pkg/fault"
	notificationv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/notification/v1"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/rpc"
)

// The notification service's endpoints in the role table: everybody reads their own
// notifications; firms and consultants alone subscribe webhooks.
func init() {
	everyone := roles(firm, consultant, operator)
	for method, allowed := range map[string][]identity.Role{
		notificationv1.NotificationService_ListNotifications_FullMethodName:     everyone,
		notificationv1.NotificationService_MarkNotificationRead_FullMethodName:  everyone,
		notificationv1.NotificationService_WatchNotifications_FullMethodName:    everyone,
		notificationv1.NotificationService_CreateWebhook_FullMethodName:         roles(firm, consultant),
		notificationv1.NotificationService_ListWebhooks_FullMethodName:          roles(firm, consultant),
		notificationv1.NotificationService_DeleteWebhook_FullMethodName:         roles(firm, consultant),
		notificationv1.NotificationService_ListWebhookDeliveries_FullMethodName: roles(firm, consultant),
	} {
		allowedRoles[method] = allowed
	}
}

// NotificationStreamPath serves the live feed as Server-Sent Events.
const NotificationStreamPath = "/v1/notifications/stream"

// StreamLimits bound the live feed's connections; the zero value is DefaultStreamLimits.
type StreamLimits struct {
	PerAccount, Total int
	// Heartbeat is how often an idle stream gets a comment line, so that proxies and the
	// client see it alive.
	Heartbeat time.Duration
	// WriteTimeout bounds each write: a client that stops reading loses its stream (and its
	// slot) instead of holding it forever.
	WriteTimeout time.Duration
}

// DefaultStreamLimits: a few tabs per person, and a bound on what one gateway holds open.
var DefaultStreamLimits = StreamLimits{PerAccount: 5, Total: 2000, Heartbeat: 25 * time.Second, WriteTimeout: 10 * time.Second}

// Authenticator resolves a credential to its account, as on every request (accounts.Store).
type Authenticator interface {
	Authenticate(ctx context.Context, secret string) (accounts.Account, accounts.Token, error)
}

// ReasonTooManyStreams: the account, or the gateway, has as many live streams open as allowed.
const ReasonTooManyStreams = "TOO_MANY_STREAMS"

// notificationStreams serves GET /v1/notifications/stream: it long-polls the notification
// service (WatchNotifications) for the caller and writes each notification as an event, with
// heartbeats, until the client leaves or the gateway shuts down.
type notificationStreams struct {
	mux      *runtime.ServeMux
	client   notificationv1.NotificationServiceClient
	accounts Authenticator
	limits   StreamLimits

	mu        sync.Mutex
	open      map[string]int // account → open streams
	total     int
	stopping  chan struct{}
	closeOnce sync.Once
}

func newNotificationStreams(mux *runtime.ServeMux, client notificationv1.NotificationServiceClient, accounts Authenticator, limits StreamLimits) *notificationStreams {
	if limits.PerAccount == 0 {
		limits.PerAccount = DefaultStreamLimits.PerAccount
	}
	if limits.Total == 0 {
		limits.Total = DefaultStreamLimits.Total
	}
	if limits.Heartbeat == 0 {
		limits.Heartbeat = DefaultStreamLimits.Heartbeat
	}
	if limits.WriteTimeout == 0 {
		limits.WriteTimeout = DefaultStreamLimits.WriteTimeout
	}
	return &notificationStreams{mux: mux, client: client, accounts: accounts, limits: limits, open: map[string]int{},
		stopping: make(chan struct{})}
}

// stop ends every stream (the server's shutdown does not wait for them to go idle).
func (s *notificationStreams) stop() { s.closeOnce.Do(func() { close(s.stopping) }) }

func (s *notificationStreams) acquire(accountID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.open[accountID] >= s.limits.PerAccount || s.total >= s.limits.Total {
		return false
	}
	s.open[accountID]++
	s.total++
	return true
}

func (s *notificationStreams) release(accountID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.total--
	if s.open[accountID]--; s.open[accountID] <= 0 {
		delete(s.open, accountID)
	}
}

// watchWait is how long each long poll waits; the call's deadline leaves it room.
const watchWait = 25 * time.Second

var eventJSON = protojson.MarshalOptions{EmitUnpopulated: true}

func (s *notificationStreams) serve(w http.ResponseWriter, r *http.Request, _ map[string]string) {
	caller, ok := identity.FromContext(r.Context())
	secret, hasSecret := credentialOf(r)
	if !ok || !hasSecret {
		writeStatus(s.mux, w, r, rpc.StatusWithReason(codes.Unauthenticated, "MISSING_TOKEN", "missing bearer token").Err())
		return
	}
	if !s.acquire(caller.AccountID) {
		writeStatus(s.mux, w, r, rpc.StatusWithReason(codes.ResourceExhausted, ReasonTooManyStreams,
			fmt.Sprintf("at most %d live streams per account", s.limits.PerAccount)).Err())
		return
	}
	defer s.release(caller.AccountID)
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	arrived := make(chan *notificationv1.Notification, 64)
	ending := make(chan string, 1) // why poll ended, as the stream's last event
	// A browser reconnecting says the last event it got: the stream resumes after it.
	go s.poll(ctx, watcher{caller: caller, secret: secret, lastEventID: r.Header.Get("Last-Event-ID")}, arrived, ending)

	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	write := func(text string) bool {
		if err := rc.SetWriteDeadline(time.Now().Add(s.limits.WriteTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return false
		}
		if _, err := fmt.Fprint(w, text); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !write("retry: 3000\n: connected\n\n") {
		return
	}
	heartbeat := time.NewTicker(s.limits.Heartbeat)
	defer heartbeat.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.stopping:
			write("event: shutdown\ndata: {}\n\n")
			return
		case <-heartbeat.C:
			if !write(": heartbeat\n\n") {
				return
			}
		case n, ok := <-arrived:
			if !ok {
				// After an error the client reconnects (retry) and lists what it missed; after
				// unauthorized, its reconnection is refused.
				write("event: " + <-ending + "\ndata: {}\n\n")
				return
			}
			data, err := eventJSON.Marshal(n)
			if err != nil || !write("id: "+n.GetId()+"\nevent: notification\ndata: "+string(data)+"\n\n") {
				return
			}
		}
	}
}

// watcher is whose notifications a stream polls, with the credential it opened with.
type watcher struct {
	caller              identity.Caller
	secret, lastEventID string
}

// Why a stream ends, as its last event.
const (
	streamError        = "error"
	streamUnauthorized = "unauthorized"
)

// credentialOf is the secret the request was authenticated with: its bearer token, or else
// its session cookie (as authenticate reads them).
func credentialOf(r *http.Request) (string, bool) {
	if secret, ok := bearerToken(r.Header.Get("Authorization")); ok {
		return secret, true
	}
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		return c.Value, true
	}
	return "", false
}

// stillAllowed authenticates the stream's credential again, as a request would be: a stream
// lives longer than a token, a session or an account's standing.
func (s *notificationStreams) stillAllowed(ctx context.Context, wr watcher) (bool, error) {
	acc, _, err := s.accounts.Authenticate(ctx, wr.secret)
	if err != nil {
		if fault.KindOf(err) == fault.KindUnauthenticated {
			return false, nil
		}
		return false, err
	}
	return acc.ID == wr.caller.AccountID && acc.Status == accounts.StatusActive, nil
}

// poll long-polls the caller's notifications into arrived until ctx ends, the caller's
// credential no longer authenticates, or the service keeps failing; it says why in ending.
// Ids seen since the last answer's next_since are passed back so nothing is repeated.
func (s *notificationStreams) poll(ctx context.Context, wr watcher, arrived chan<- *notificationv1.Notification, ending chan<- string) {
	defer close(arrived)
	end := streamError
	defer func() { ending <- end }()
	req := &notificationv1.WatchNotificationsRequest{WaitSeconds: int32(watchWait / time.Second), AfterId: wr.lastEventID}
	seen := map[string]time.Time{}
	failures := 0
	for ctx.Err() == nil {
		allowed, err := s.stillAllowed(ctx, wr)
		if err == nil && !allowed {
			end = streamUnauthorized
			return
		}
		var resp *notificationv1.WatchNotificationsResponse
		if err == nil {
			callCtx, cancel := context.WithTimeout(ctx, watchWait+10*time.Second)
			resp, err = s.client.WatchNotifications(callCtx, req)
			cancel()
		}
		if err != nil {
			if failures++; failures >= 3 || ctx.Err() != nil {
				return
			}
			select {
			case <-ctx.Done():
			case <-time.After(time.Duration(failures) * time.Second):
			}
			continue
		}
		failures = 0
		for _, n := range resp.GetNotifications() {
			seen[n.GetId()] = n.GetCreatedAt().AsTime()
			select {
			case arrived <- n:
			case <-ctx.Done():
				return
			}
		}
		req.Since, req.AfterId = resp.GetNextSince(), ""
		req.SeenIds = req.SeenIds[:0]
		for id, at := range seen {
			if at.Before(req.Since.AsTime()) {
				delete(seen, id)
			} else {
				req.SeenIds = append(req.SeenIds, id)
			}
		}
	}
}
