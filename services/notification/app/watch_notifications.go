package app

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/services/notification/domain"
)

// The live feed polls the store for new notifications (whichever replica created them) while
// someone watches, at once when this replica created some and at least every FeedPoll.
// Transactions commit a little after they stamp their rows, so each poll looks FeedOverlap
// back and skips what it already passed on.
const (
	FeedPoll    = time.Second
	FeedOverlap = 5 * time.Second
	// watcherBuffer is how far a watcher may fall behind before it is cut off (its next call
	// catches up from the store).
	watcherBuffer = 64
)

type watcher struct {
	since time.Time
	ch    chan domain.Notification
}

// feed fans committed notifications out to the watchers of their accounts.
type feed struct {
	mu       sync.Mutex
	watchers map[string]map[*watcher]struct{}
	wake     chan struct{}
}

func newFeed() *feed {
	return &feed{watchers: map[string]map[*watcher]struct{}{}, wake: make(chan struct{}, 1)}
}

func (f *feed) poke() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

func (f *feed) add(accountID string, w *watcher) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.watchers[accountID] == nil {
		f.watchers[accountID] = map[*watcher]struct{}{}
	}
	f.watchers[accountID][w] = struct{}{}
}

func (f *feed) remove(accountID string, w *watcher) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.watchers[accountID], w)
	if len(f.watchers[accountID]) == 0 {
		delete(f.watchers, accountID)
	}
}

func (f *feed) watched() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.watchers) > 0
}

// fanOut passes n to its account's watchers that started before it; a watcher whose buffer is
// full is closed.
func (f *feed) fanOut(n domain.Notification) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for w := range f.watchers[n.AccountID] {
		if n.CreatedAt.Before(w.since) {
			continue
		}
		select {
		case w.ch <- n:
		default:
			close(w.ch)
			delete(f.watchers[n.AccountID], w)
		}
	}
}

// RunFeed polls for new notifications while anyone watches, until ctx ends.
func (a *Application) RunFeed(ctx context.Context) error {
	seen := map[string]time.Time{} // notification id → created at, for the overlap
	last := a.now()
	ticker := time.NewTicker(FeedPoll)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		case <-a.feed.wake:
		}
		if !a.feed.watched() {
			last = a.now()
			clear(seen)
			continue
		}
		polled := a.now()
		if err := a.pollFeed(ctx, last.Add(-FeedOverlap), seen); err != nil {
			continue // the next tick tries again from the same point; watchers only wait
		}
		for id, at := range seen {
			if at.Before(polled.Add(-2 * FeedOverlap)) {
				delete(seen, id)
			}
		}
		last = polled
	}
}

// feedPage is how many notifications one read of the feed's poll takes.
const feedPage = 500

// pollFeed passes on every notification created since from that seen does not hold, reading
// page after page.
func (a *Application) pollFeed(ctx context.Context, from time.Time, seen map[string]time.Time) error {
	for {
		found, err := a.repo.NotificationsSince(ctx, "", from, feedPage)
		if err != nil {
			return err
		}
		for _, n := range found {
			if _, ok := seen[n.ID]; !ok {
				seen[n.ID] = n.CreatedAt
				a.feed.fanOut(n)
			}
		}
		if len(found) < feedPage || !found[len(found)-1].CreatedAt.After(from) {
			return nil
		}
		from = found[len(found)-1].CreatedAt
	}
}

// MaxWatchWait bounds how long one Watch call waits.
const MaxWatchWait = 30 * time.Second

// Watch waits until the caller has notifications created at or after since (zero: now) that
// are not in seen, or until wait passes, and returns them oldest first in the caller's
// language, with the since of the next call. A notification committed a moment after it was
// stamped is still found: the next since is FeedOverlap before this call.
func (a *Application) Watch(ctx context.Context, caller identity.Caller, since time.Time, seen []string, wait time.Duration) ([]Rendered, time.Time, error) {
	start := a.now()
	if since.IsZero() {
		since = start
	}
	return a.watch(ctx, caller, start, since, seen, wait)
}

// WatchAfter is Watch from one of the caller's notifications on (a reconnecting stream's
// Last-Event-ID); someone else's, or an unknown one, starts now.
func (a *Application) WatchAfter(ctx context.Context, caller identity.Caller, afterID string, wait time.Duration) ([]Rendered, time.Time, error) {
	start := a.now()
	n, err := a.repo.Notification(ctx, afterID)
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		return nil, start, err
	}
	if err != nil || n.AccountID != caller.AccountID {
		return a.watch(ctx, caller, start, start, nil, wait)
	}
	return a.watch(ctx, caller, start, n.CreatedAt, []string{n.ID}, wait)
}

func (a *Application) watch(ctx context.Context, caller identity.Caller, start, since time.Time, seen []string, wait time.Duration) ([]Rendered, time.Time, error) {
	next := start.Add(-FeedOverlap)
	if next.Before(since) {
		next = since
	}
	w := &watcher{since: since, ch: make(chan domain.Notification, watcherBuffer)}
	a.feed.add(caller.AccountID, w)
	defer a.feed.remove(caller.AccountID, w)
	a.feed.poke()

	skip := map[string]bool{}
	for _, id := range seen {
		skip[id] = true
	}
	var found []domain.Notification
	keep := func(n domain.Notification) {
		if !skip[n.ID] {
			skip[n.ID] = true
			found = append(found, n)
		}
	}
	stored, err := a.repo.NotificationsSince(ctx, caller.AccountID, since, watcherBuffer)
	if err != nil {
		return nil, next, err
	}
	for _, n := range stored {
		keep(n)
	}
	timer := time.NewTimer(min(wait, MaxWatchWait))
	defer timer.Stop()
	for len(found) == 0 {
		select {
		case <-ctx.Done():
			return nil, next, nil
		case <-timer.C:
			return nil, next, nil
		case n, ok := <-w.ch:
			if !ok {
				return nil, next, nil // fell behind: the next call catches up from the store
			}
			keep(n)
		}
	}
	for drained := false; !drained; { // what else arrived meanwhile goes in the same answer
		select {
		case n, ok := <-w.ch:
			if ok {
				keep(n)
			} else {
				drained = true
			}
		default:
			drained = true
		}
	}
	lang, err := a.languageOf(ctx, caller.AccountID)
	if err != nil {
		return nil, next, err
	}
	out := make([]Rendered, len(found))
	for i, n := range found {
		out[i] = render(n, lang)
	}
	return out, next, nil
}
