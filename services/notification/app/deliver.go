package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/caiomatch/caiomatch/services/notification/domain"
)

// recordTimeout bounds the recording of an attempt once the service is stopping.
const recordTimeout = 5 * time.Second

// DeliverWorkers bounds the attempts of one channel made at once: a slow endpoint holds one
// worker for at most its timeout, the others go on.
const DeliverWorkers = 32

// Dispatcher is the loop that attempts the due deliveries of one channel.
type Dispatcher struct {
	// Wake is told that deliveries may have become due (notifications were committed).
	Wake <-chan struct{}
	// Every is how often due deliveries are looked for when nothing woke the loop (retries).
	Every time.Duration
	// Failed is told of a round or an attempt that failed (it is tried again later).
	Failed func(ctx context.Context, err error)
}

// Dispatch attempts the due deliveries over channel until ctx ends, keeping up to
// DeliverWorkers attempts in flight: it claims as many due deliveries as it has free workers
// (one transaction moves each one's next attempt a lease ahead, so that another replica or a
// later round leaves it alone), starts them, and claims again when a worker frees up, when
// woken, or every interval. An attempt cut by a crash is made again when its lease ends.
func (a *Application) Dispatch(ctx context.Context, channel domain.Channel, cfg Dispatcher) error {
	ticker := time.NewTicker(cfg.Every)
	defer ticker.Stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	busy := 0
	freed := make(chan struct{}, DeliverWorkers)
	reap := func() { // count every worker that has finished, without waiting
		for {
			select {
			case <-freed:
				busy--
			default:
				return
			}
		}
	}
	for {
		reap()
		// Claims come in batches (half the workers at least) rather than one per freed worker:
		// each claim is a write transaction.
		if free := DeliverWorkers - busy; free >= DeliverWorkers/2 {
			claimed, err := a.claimDue(ctx, channel, free)
			if err != nil && ctx.Err() == nil {
				cfg.Failed(ctx, err)
			}
			for _, d := range claimed {
				busy++
				wg.Go(func() {
					defer func() { freed <- struct{}{} }()
					if err := a.attempt(ctx, d); err != nil && ctx.Err() == nil {
						cfg.Failed(ctx, err)
					}
				})
			}
			if len(claimed) == free { // there may be more due: claim again as workers free up
				select {
				case <-ctx.Done():
					return nil
				case <-freed:
					busy--
				}
				continue
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-freed:
			busy--
		case <-cfg.Wake:
		case <-ticker.C:
		}
	}
}

// claimDue takes up to limit due deliveries over channel for one attempt each.
func (a *Application) claimDue(ctx context.Context, channel domain.Channel, limit int) ([]domain.Delivery, error) {
	var claimed []domain.Delivery
	err := a.repo.InTx(ctx, func(ctx context.Context, tx Tx) error {
		claimed = claimed[:0]
		now := a.now()
		due, err := tx.DueDeliveries(ctx, channel, now, limit)
		if err != nil {
			return err
		}
		for _, d := range due {
			if d, err = tx.Delivery(ctx, d.ID); err != nil {
				if errors.Is(err, domain.ErrNotFound) { // its webhook or account was deleted meanwhile
					continue
				}
				return err
			}
			if d.Status != domain.DeliveryPending || d.NextAttemptAt.After(now) {
				continue // another replica claimed it first
			}
			leased := d
			leased.NextAttemptAt = now.Add(a.cfg.Lease)
			if err := tx.SaveDelivery(ctx, leased); err != nil {
				return err
			}
			claimed = append(claimed, d)
		}
		return nil
	})
	return claimed, err
}

// attempt makes one attempt of a claimed delivery and records it.
func (a *Application) attempt(ctx context.Context, d domain.Delivery) error {
	var (
		attempt *domain.Attempt
		err     error
	)
	switch d.Channel {
	case domain.ChannelWebhook:
		attempt, err = a.callWebhook(ctx, d)
	case domain.ChannelEmail:
		attempt, err = a.sendEmail(ctx, d)
	default:
		err = fmt.Errorf("delivery %s: unknown channel %q", d.ID, d.Channel)
	}
	// What happened is recorded even when the service is stopping: an attempt made and not
	// recorded, or a claim not given back, would wait for its lease to end.
	record, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if ctx.Err() != nil && attempt == nil {
		return a.settle(record, d.ID, domain.DeliveryPending, a.now())
	}
	if err != nil || attempt == nil { // nil: decided without an attempt (see sendEmail), already saved
		return err
	}
	var after domain.DeliveryStatus // "": nothing recorded
	err = a.repo.InTx(record, func(ctx context.Context, tx Tx) error {
		after = ""
		current, err := tx.Delivery(ctx, d.ID)
		if errors.Is(err, domain.ErrNotFound) {
			return nil // deleted with its webhook or account meanwhile
		}
		if err != nil || current.Status != domain.DeliveryPending {
			return err
		}
		if err := tx.AddAttempt(ctx, *attempt); err != nil {
			return err
		}
		current.Record(*attempt)
		if err := tx.SaveDelivery(ctx, current); err != nil {
			return err
		}
		after = current.Status
		return nil
	})
	if err != nil || after == "" {
		return err
	}
	a.cfg.Observer.Attempted(d.Channel, after)
	if after != domain.DeliveryPending {
		a.cfg.Observer.DeliveryEnded(d.Channel, after)
	}
	return nil
}

// settle ends a delivery without an attempt.
func (a *Application) settle(ctx context.Context, id string, status domain.DeliveryStatus, retryAt time.Time) error {
	var ended domain.Channel // "": not ended here
	err := a.repo.InTx(ctx, func(ctx context.Context, tx Tx) error {
		ended = ""
		d, err := tx.Delivery(ctx, id)
		if err != nil || d.Status != domain.DeliveryPending {
			return err
		}
		d.Status, d.NextAttemptAt = status, retryAt
		if err := tx.SaveDelivery(ctx, d); err != nil {
			return err
		}
		if status != domain.DeliveryPending {
			ended = d.Channel
		}
		return nil
	})
	if err == nil && ended != "" {
		a.cfg.Observer.DeliveryEnded(ended, status)
	}
	return err
}

// WebhookTimeout bounds one webhook call.
const WebhookTimeout = 10 * time.Second

// webhookBody is what a webhook receives (Standard Webhooks): the type, the time of the event
// and its data, ids and the mission's summary only.
type webhookBody struct {
	Type      domain.Type `json:"type"`
	Timestamp time.Time   `json:"timestamp"`
	Data      webhookData `json:"data"`
}

type webhookData struct {
	NotificationID string `json:"notificationId"`
	MissionID      string `json:"missionId,omitempty"`
	OfferID        string `json:"offerId,omitempty"`
	domain.Facts
}

// WebhookBody is the body of a notification's webhook calls, the same on every attempt.
func WebhookBody(n domain.Notification) ([]byte, error) {
	return json.Marshal(webhookBody{Type: n.Type, Timestamp: n.CreatedAt.UTC(),
		Data: webhookData{NotificationID: n.ID, MissionID: n.MissionID, OfferID: n.OfferID, Facts: n.Facts}})
}

func (a *Application) callWebhook(ctx context.Context, d domain.Delivery) (*domain.Attempt, error) {
	acc, known, err := a.repo.Account(ctx, d.AccountID)
	if err != nil {
		return nil, err
	}
	if known && acc.Status == domain.AccountSuspended {
		return nil, a.settle(ctx, d.ID, domain.DeliverySkipped, time.Time{})
	}
	hook, err := a.repo.Webhook(ctx, d.Target)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, a.settle(ctx, d.ID, domain.DeliveryFailed, time.Time{})
	}
	if err != nil {
		return nil, err
	}
	n, err := a.repo.Notification(ctx, d.NotificationID)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, a.settle(ctx, d.ID, domain.DeliveryFailed, time.Time{})
	}
	if err != nil {
		return nil, err
	}
	body, err := WebhookBody(n)
	if err != nil {
		return nil, err
	}
	start := a.now()
	headers := map[string]string{
		"content-type":      "application/json",
		"webhook-id":        d.ID,
		"webhook-timestamp": strconv.FormatInt(start.Unix(), 10),
		"webhook-signature": domain.Signature(hook.Key, d.ID, start, body),
	}
	callCtx, cancel := context.WithTimeout(ctx, WebhookTimeout)
	defer cancel()
	status, err := a.poster.Post(callCtx, hook.URL, headers, body)
	attempt := &domain.Attempt{DeliveryID: d.ID, AttemptedAt: start, StatusCode: status, Duration: a.now().Sub(start)}
	switch {
	case ctx.Err() != nil:
		return nil, ctx.Err() // stopping: the lease makes it due again after a restart
	case errors.Is(err, context.DeadlineExceeded):
		attempt.Error = "timeout"
	case err != nil:
		attempt.Error = err.Error()
	case status/100 != 2:
		attempt.Error = "status " + strconv.Itoa(status)
	}
	return attempt, nil
}

// emailRetryWait is how long an email waits for its account's first event before looking again.
const emailRetryWait = 30 * time.Second

func (a *Application) sendEmail(ctx context.Context, d domain.Delivery) (*domain.Attempt, error) {
	acc, known, err := a.repo.Account(ctx, d.AccountID)
	if err != nil {
		return nil, err
	}
	now := a.now()
	switch {
	case !known && now.Sub(d.CreatedAt) < a.cfg.UnknownAccountWait:
		return nil, a.settle(ctx, d.ID, domain.DeliveryPending, now.Add(emailRetryWait))
	case !known || !acc.Emailable() || a.mailer == nil:
		return nil, a.settle(ctx, d.ID, domain.DeliverySkipped, time.Time{})
	}
	n, err := a.repo.Notification(ctx, d.NotificationID)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, a.settle(ctx, d.ID, domain.DeliverySkipped, time.Time{})
	}
	if err != nil {
		return nil, err
	}
	err = a.mailer.Send(ctx, a.emailOf(d.ID, acc, n))
	attempt := &domain.Attempt{DeliveryID: d.ID, AttemptedAt: now, Duration: a.now().Sub(now)}
	switch {
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case errors.Is(err, ErrUndeliverable):
		// No retry can help: one failed attempt, then given up.
		attempt.Error = "undeliverable"
		if err := a.repo.InTx(ctx, func(ctx context.Context, tx Tx) error { return tx.AddAttempt(ctx, *attempt) }); err != nil {
			return nil, err
		}
		if err := a.settle(ctx, d.ID, domain.DeliveryFailed, time.Time{}); err != nil {
			return nil, err
		}
		a.cfg.Observer.Attempted(domain.ChannelEmail, domain.DeliveryFailed)
		return nil, nil
	case err != nil:
		attempt.Error = "send failed"
	}
	return attempt, nil
}
