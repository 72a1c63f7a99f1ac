package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// ListMissions lists the calling firm's missions, or every mission for an operator, newest
// first, keeping only the missions in status (unspecified: all). The next page token is empty on
// the last page.
func (a *Application) ListMissions(ctx context.Context, caller identity.Caller, status domain.Status, pageSize int, pageToken string) ([]domain.Mission, string, error) {
	firmID, err := listedFor(caller, identity.RoleFirm, "only firms and operators list missions")
	if err != nil {
		return nil, "", err
	}
	return page(pageSize, pageToken, func(after *missionrules.Cursor, limit int) ([]domain.Mission, error) {
		return a.repo.List(ctx, firmID, status, after, limit)
	}, func(m domain.Mission) missionrules.Cursor {
		return missionrules.Cursor{CreatedAt: m.CreatedAt, ID: m.ID}
	})
}

// listedFor is whose records a caller lists: their own when they have the owner role, every
// one ("") for an operator; anyone else is refused with refusal.
func listedFor(caller identity.Caller, owner identity.Role, refusal string) (string, error) {
	switch caller.Role {
	case owner:
		return caller.AccountID, nil
	case identity.RoleOperator:
		return "", nil
	}
	return "", fault.PermissionDenied(ReasonRoleNotAllowed, "%s", refusal)
}

// page reads one page of a list, newest first (see missionrules.CheckPage). It asks for one
// item more than the page holds: its presence tells there is a next page, whose token is the
// position of the page's last item.
func page[T any](pageSize int, pageToken string, list func(after *missionrules.Cursor, limit int) ([]T, error),
	position func(T) missionrules.Cursor) ([]T, string, error) {
	size, after, err := missionrules.CheckPage(pageSize, pageToken)
	if err != nil {
		return nil, "", err
	}
	items, err := list(after, size+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(items) > size {
		items = items[:size]
		next = missionrules.EncodePageToken(position(items[size-1]))
	}
	return items, next, nil
}
