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

// DeliverBatch bounds the deliveries one DeliverDue call takes, and DeliverWorkers how many
// are attempted at once (a slow endpoint holds one worker for at most its timeout).
const (
	DeliverBatch   = 256
	DeliverWorkers = 32
)

// DeliverDue attempts the deliveries over channel that are due, at most DeliverWorkers at a
// time, and returns how many were delivered. Each is claimed first (its next attempt moved a
// lease ahead), so two replicas or two rounds never attempt it at once; a worker that dies
// mid-attempt leaves it due again when the lease ends.
func (a *Application) DeliverDue(ctx context.Context, channel domain.Channel) (int, error) {
	due, err := a.repo.DueDeliveries(ctx, channel, a.now(), DeliverBatch)
	if err != nil {
		return 0, err
	}
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		delivered int
		errs      []error
		slots     = make(chan struct{}, DeliverWorkers)
	)
	for _, d := range due {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			ok, err := a.deliver(ctx, d.ID)
			mu.Lock()
			defer mu.Unlock()
			if ok {
				delivered++
			}
			if err != nil {
				errs = append(errs, err)
			}
		})
	}
	wg.Wait()
	return delivered, errors.Join(errs...)
}

// deliver claims one delivery and makes one attempt of it.
func (a *Application) deliver(ctx context.Context, id string) (bool, error) {
	d, claimed, err := a.claim(ctx, id)
	if err != nil || !claimed {
		return false, err
	}
	var attempt *domain.Attempt
	switch d.Channel {
	case domain.ChannelWebhook:
		attempt, err = a.callWebhook(ctx, d)
	case domain.ChannelEmail:
		attempt, err = a.sendEmail(ctx, d)
	default:
		err = fmt.Errorf("delivery %s: unknown channel %q", d.ID, d.Channel)
	}
	if err != nil {
		return false, err
	}
	if attempt == nil { // decided without an attempt (see sendEmail); already saved
		return false, nil
	}
	var done bool
	err = a.repo.InTx(ctx, func(ctx context.Context, tx Tx) error {
		current, err := tx.Delivery(ctx, id)
		if err != nil || current.Status != domain.DeliveryPending {
			return err
		}
		if err := tx.AddAttempt(ctx, *attempt); err != nil {
			return err
		}
		current.Record(*attempt)
		done = current.Status == domain.DeliveryDelivered
		return tx.SaveDelivery(ctx, current)
	})
	return done, err
}

// claim takes a due delivery for one attempt, moving its next attempt a lease ahead.
func (a *Application) claim(ctx context.Context, id string) (domain.Delivery, bool, error) {
	var (
		d       domain.Delivery
		claimed bool
	)
	err := a.repo.InTx(ctx, func(ctx context.Context, tx Tx) error {
		var err error
		if d, err = tx.Delivery(ctx, id); err != nil {
			if errors.Is(err, domain.ErrNotFound) { // its webhook or account was deleted meanwhile
				return nil
			}
			return err
		}
		now := a.now()
		if d.Status != domain.DeliveryPending || d.NextAttemptAt.After(now) {
			return nil
		}
		claimed = true
		leased := d
		leased.NextAttemptAt = now.Add(a.cfg.Lease)
		return tx.SaveDelivery(ctx, leased)
	})
	return d, claimed, err
}

// settle ends a delivery without an attempt.
func (a *Application) settle(ctx context.Context, id string, status domain.DeliveryStatus, retryAt time.Time) error {
	return a.repo.InTx(ctx, func(ctx context.Context, tx Tx) error {
		d, err := tx.Delivery(ctx, id)
		if err != nil || d.Status != domain.DeliveryPending {
			return err
		}
		d.Status, d.NextAttemptAt = status, retryAt
		return tx.SaveDelivery(ctx, d)
	})
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
	text := domain.TextOf(n, acc.Language)
	err = a.mailer.Send(ctx, Email{ID: d.ID, To: acc.Email, Subject: text.Title,
		Text: text.Body + "\n\n-- \n" + text.EmailFooter + "\n"})
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
		return nil, a.settle(ctx, d.ID, domain.DeliveryFailed, time.Time{})
	case err != nil:
		attempt.Error = "send failed"
	}
	return attempt, nil
}
