package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/services/notification/domain"
)

// ListNotifications lists the caller's notifications, newest first, in their language; the
// next page token is empty on the last page.
func (a *Application) ListNotifications(ctx context.Context, caller identity.Caller, unreadOnly bool, pageSize int, pageToken string) ([]Rendered, string, error) {
	size, after, err := missionrules.CheckPage(pageSize, pageToken)
	if err != nil {
		return nil, "", err
	}
	// One more than the page: its presence says a next page exists.
	found, err := a.repo.Notifications(ctx, caller.AccountID, unreadOnly, after, size+1)
	if err != nil {
		return nil, "", err
	}
	return a.renderPage(ctx, caller, found, size)
}

func (a *Application) renderPage(ctx context.Context, caller identity.Caller, found []domain.Notification, size int) ([]Rendered, string, error) {
	lang, err := a.languageOf(ctx, caller.AccountID)
	if err != nil {
		return nil, "", err
	}
	found, next := cutPage(found, size, func(n domain.Notification) missionrules.Cursor {
		return missionrules.Cursor{CreatedAt: n.CreatedAt, ID: n.ID}
	})
	out := make([]Rendered, len(found))
	for i, n := range found {
		out[i] = render(n, lang)
	}
	return out, next, nil
}

// ReadNotification marks one of the caller's notifications read; someone else's is not found.
func (a *Application) ReadNotification(ctx context.Context, caller identity.Caller, id string) (Rendered, error) {
	var n domain.Notification
	err := a.repo.InTx(ctx, func(ctx context.Context, tx Tx) error {
		var err error
		if n, err = tx.Notification(ctx, id); err != nil {
			return err
		}
		if n.AccountID != caller.AccountID {
			return domain.ErrNotFound
		}
		if !n.ReadAt.IsZero() {
			return nil
		}
		n.Read(a.now())
		return tx.MarkRead(ctx, id, n.ReadAt)
	})
	if err != nil {
		return Rendered{}, notFound(err, "notification")
	}
	lang, err := a.languageOf(ctx, caller.AccountID)
	if err != nil {
		return Rendered{}, err
	}
	return render(n, lang), nil
}

// cutPage keeps the first size items of a list read with one item more than the page holds;
// the presence of that item says there is a next page, whose token is the last item's position.
func cutPage[T any](found []T, size int, position func(T) missionrules.Cursor) ([]T, string) {
	if len(found) <= size {
		return found, ""
	}
	return found[:size], missionrules.EncodePageToken(position(found[size-1]))
}
