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
	// watcherBuffer is how far a watcher may fall behind before it is cut off (it reconnects
	// and lists what it missed).
	watcherBuffer = 64
)

// ErrWatcherTooSlow ends a watch that did not keep up.
var ErrWatcherTooSlow = errors.New("the watcher did not keep up")

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
		found, err := a.repo.NotificationsSince(ctx, last.Add(-FeedOverlap), 1000)
		if err != nil {
			continue // the next tick tries again; watchers only wait
		}
		for _, n := range found {
			if _, ok := seen[n.ID]; ok {
				continue
			}
			seen[n.ID] = n.CreatedAt
			a.feed.fanOut(n)
		}
		for id, at := range seen {
			if at.Before(polled.Add(-2 * FeedOverlap)) {
				delete(seen, id)
			}
		}
		last = polled
	}
}

// Watch sends the caller's notifications created from now on, in their language, until ctx
// ends or the caller falls too far behind (ErrWatcherTooSlow). ready is called once the watch
// is registered.
func (a *Application) Watch(ctx context.Context, caller identity.Caller, ready func(), send func(Rendered) error) error {
	w := &watcher{since: a.now(), ch: make(chan domain.Notification, watcherBuffer)}
	a.feed.add(caller.AccountID, w)
	defer a.feed.remove(caller.AccountID, w)
	a.feed.poke()
	if ready != nil {
		ready()
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case n, ok := <-w.ch:
			if !ok {
				return ErrWatcherTooSlow
			}
			lang, err := a.languageOf(ctx, caller.AccountID)
			if err != nil {
				return err
			}
			if err := send(render(n, lang)); err != nil {
				return err
			}
		}
	}
}
