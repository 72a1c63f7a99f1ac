package app_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/services/notification/app"
	"github.com/caiomatch/caiomatch/services/notification/domain"
)

// observed records what an application tells its Observer.
type observed struct {
	mu       sync.Mutex
	notified int
	ended    []string                // channel/status
	called   []domain.DeliveryStatus // webhook calls
	emails   int                     // emails attempted
}

func (o *observed) Notified(n int) { o.mu.Lock(); defer o.mu.Unlock(); o.notified += n }
func (o *observed) DeliveryEnded(c domain.Channel, s domain.DeliveryStatus) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.ended = append(o.ended, fmt.Sprintf("%s/%s", c, s))
}
func (o *observed) Attempted(c domain.Channel, s domain.DeliveryStatus) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if c == domain.ChannelEmail {
		o.emails++
		return
	}
	o.called = append(o.called, s)
}

func (o *observed) snapshot() (int, []string, []domain.DeliveryStatus) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.notified, slices.Sorted(slices.Values(o.ended)), slices.Clone(o.called)
}

// failingFirst answers 500 to the first webhook call, 204 to the others.
type failingFirst struct {
	mu    sync.Mutex
	calls int
}

func (p *failingFirst) Post(context.Context, string, map[string]string, []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	if p.calls == 1 {
		return 500, nil
	}
	return 204, nil
}

// The observer hears of the notifications added, each attempt (webhook call, email) with what it
// left of its delivery, and each delivery that ended, once committed.
func TestTheObserverHearsWhatBecameOfNotifications(t *testing.T) {
	run(t, func(t *testing.T, ctx context.Context, tb *testbed) {
		obs := &observed{}
		tb.app = app.New(tb.repo, &failingFirst{}, tb, app.Config{PublicURL: "https://caiomatch.example/", Observer: obs},
			tb.clock, tb.newID, nil)
		seed(t, ctx, tb)
		if err := tb.repo.InTx(ctx, func(ctx context.Context, tx app.Tx) error {
			return tx.CreateWebhook(ctx, domain.Webhook{ID: "hook-1", AccountID: "c-1", URL: "https://hooks.example/c",
				Events: []domain.Type{domain.TypeOfferMade}, Key: make([]byte, domain.KeySize), CreatedAt: t0})
		}); err != nil {
			t.Fatal(err)
		}
		out := must[app.Outcome](t)(tb.app.ChangeOffer(ctx, tb.delivery(), offerChange(domain.TypeOfferMade, t0.Add(72*time.Hour))))
		if n, _, _ := obs.snapshot(); out.Notified == 0 || n != out.Notified {
			t.Fatalf("observer told of %d notifications, the event made %d", n, out.Notified)
		}
		// The first call fails: the delivery is due again later.
		dispatchUntil(t, ctx, tb, domain.ChannelWebhook, func() bool { _, _, called := obs.snapshot(); return len(called) == 1 })
		if _, ended, called := obs.snapshot(); !slices.Equal(called, []domain.DeliveryStatus{domain.DeliveryPending}) || len(ended) != 0 {
			t.Fatalf("after a failed call: called %v, ended %v", called, ended)
		}
		tb.set(t0.Add(time.Hour))
		dispatchUntil(t, ctx, tb, domain.ChannelWebhook, func() bool { _, _, called := obs.snapshot(); return len(called) == 2 })
		dispatchUntil(t, ctx, tb, domain.ChannelEmail, func() bool { _, ended, _ := obs.snapshot(); return len(ended) >= 2 })
		n, ended, called := obs.snapshot()
		if !slices.Equal(called, []domain.DeliveryStatus{domain.DeliveryPending, domain.DeliveryDelivered}) {
			t.Errorf("webhook calls %v, want a retry then a delivery", called)
		}
		wantEnded := []string{}
		for range n { // one email per notification
			wantEnded = append(wantEnded, "email/DELIVERED")
		}
		wantEnded = append(wantEnded, "webhook/DELIVERED")
		slices.Sort(wantEnded)
		if !slices.Equal(ended, wantEnded) {
			t.Errorf("deliveries ended %v, want %v", ended, wantEnded)
		}
		obs.mu.Lock()
		defer obs.mu.Unlock()
		if obs.emails != n {
			t.Errorf("%d emails attempted, want %d", obs.emails, n)
		}
	})
}
