package app

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/services/notification/domain"
)

// Resolver tells which addresses a host name resolves to, as text (net.IP strings).
type Resolver interface {
	LookupHost(ctx context.Context, host string) ([]string, error)
}

// MaxWebhooksPerAccount bounds an account's endpoints.
const MaxWebhooksPerAccount = 10

// CreateWebhook subscribes one of the caller's endpoints (a firm's or a consultant's) and
// returns it with its secret, shown this once. The URL is checked here, its host name resolved
// and every address checked; connections check again (see Poster), since resolution changes.
func (a *Application) CreateWebhook(ctx context.Context, caller identity.Caller, sub domain.Subscription, resolver Resolver) (domain.Webhook, string, error) {
	if caller.Role != identity.RoleFirm && caller.Role != identity.RoleConsultant {
		return domain.Webhook{}, "", fault.PermissionDenied(ReasonRoleNotAllowed, "only firms and consultants subscribe webhooks")
	}
	types, err := sub.Check(a.cfg.AllowInsecureWebhooks)
	if err != nil {
		return domain.Webhook{}, "", err
	}
	if err := a.checkResolves(ctx, sub.URL, resolver); err != nil {
		return domain.Webhook{}, "", err
	}
	key := make([]byte, domain.KeySize)
	if _, err := rand.Read(key); err != nil {
		return domain.Webhook{}, "", err
	}
	w := domain.Webhook{ID: a.newID(), AccountID: caller.AccountID, URL: sub.URL, Events: types, Key: key, CreatedAt: a.now()}
	err = a.repo.InTx(ctx, func(ctx context.Context, tx Tx) error {
		existing, err := tx.Webhooks(ctx, caller.AccountID)
		if err != nil {
			return err
		}
		if len(existing) >= MaxWebhooksPerAccount {
			return fault.FailedPrecondition("TOO_MANY_WEBHOOKS", "an account has at most %d webhooks", MaxWebhooksPerAccount)
		}
		return tx.CreateWebhook(ctx, w)
	})
	if err != nil {
		return domain.Webhook{}, "", err
	}
	return w, domain.SecretOf(key), nil
}

// checkResolves refuses a URL whose host name resolves to an address a webhook may not reach.
func (a *Application) checkResolves(ctx context.Context, raw string, resolver Resolver) error {
	host, literal := domain.HostOf(raw)
	if literal || resolver == nil {
		return nil // a literal address was checked with the URL
	}
	addrs, err := resolver.LookupHost(ctx, host)
	if err != nil || len(addrs) == 0 {
		return fault.Invalid(fault.ReasonInvalidArgument, fault.Violation{Field: "url", Description: "the host name does not resolve"})
	}
	for _, s := range addrs {
		if !domain.AddressTextAllowed(s, a.cfg.AllowInsecureWebhooks) {
			return fault.Invalid(ReasonAddressNotAllowed, fault.Violation{Field: "url",
				Description: fmt.Sprintf("the host name resolves to an address that is not public (%d addresses checked)", len(addrs))})
		}
	}
	return nil
}

// ListWebhooks lists the caller's endpoints, oldest first.
func (a *Application) ListWebhooks(ctx context.Context, caller identity.Caller) ([]domain.Webhook, error) {
	return a.repo.Webhooks(ctx, caller.AccountID)
}

// DeleteWebhook removes one of the caller's endpoints; its pending deliveries are dropped.
func (a *Application) DeleteWebhook(ctx context.Context, caller identity.Caller, id string) error {
	return a.repo.InTx(ctx, func(ctx context.Context, tx Tx) error {
		deleted, err := tx.DeleteWebhook(ctx, caller.AccountID, id)
		if err == nil && !deleted {
			err = notFound(domain.ErrNotFound, "webhook")
		}
		return err
	})
}

// DeliveryLog is a delivery with its attempts.
type DeliveryLog struct {
	domain.Delivery
	Attempts []domain.Attempt
}

// ListDeliveries lists the deliveries to one of the caller's endpoints, newest first, each with
// its attempts.
func (a *Application) ListDeliveries(ctx context.Context, caller identity.Caller, webhookID string, pageSize int, pageToken string) ([]DeliveryLog, string, error) {
	hook, err := a.repo.Webhook(ctx, webhookID)
	if err == nil && hook.AccountID != caller.AccountID {
		err = domain.ErrNotFound
	}
	if err != nil {
		return nil, "", notFound(err, "webhook")
	}
	size, after, err := missionrules.CheckPage(pageSize, pageToken)
	if err != nil {
		return nil, "", err
	}
	found, err := a.repo.Deliveries(ctx, webhookID, after, size+1)
	if err != nil {
		return nil, "", err
	}
	found, next := cutPage(found, size, func(d domain.Delivery) missionrules.Cursor {
		return missionrules.Cursor{CreatedAt: d.CreatedAt, ID: d.ID}
	})
	ids := make([]string, len(found))
	for i, d := range found {
		ids[i] = d.ID
	}
	attempts, err := a.repo.Attempts(ctx, ids)
	if err != nil {
		return nil, "", err
	}
	out := make([]DeliveryLog, len(found))
	for i, d := range found {
		out[i] = DeliveryLog{Delivery: d, Attempts: attempts[d.ID]}
	}
	return out, next, nil
}
