package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// ListMissions lists the calling firm's missions, or every mission for an operator, newest
// first. The next page token is empty on the last page.
func (a *Application) ListMissions(ctx context.Context, caller identity.Caller, pageSize int, pageToken string) ([]domain.Mission, string, error) {
	firmID := ""
	switch caller.Role {
	case identity.RoleFirm:
		firmID = caller.AccountID
	case identity.RoleOperator:
	default:
		return nil, "", fault.PermissionDenied(ReasonRoleNotAllowed, "only firms and operators list missions")
	}
	return page(pageSize, pageToken, func(after *missionrules.Cursor, limit int) ([]domain.Mission, error) {
		return a.repo.List(ctx, firmID, after, limit)
	}, func(m domain.Mission) missionrules.Cursor {
		return missionrules.Cursor{CreatedAt: m.CreatedAt, ID: m.ID}
	})
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
