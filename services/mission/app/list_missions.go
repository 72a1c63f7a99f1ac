package app

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// Page sizes of ListMissions.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// Cursor is the position after which a page starts: the (created at, id) of the last mission of
// the previous page.
type Cursor struct {
	CreatedAt time.Time
	ID        string
}

type tokenBody struct {
	CreatedAt int64  `json:"c"`
	ID        string `json:"i"`
}

// EncodePageToken makes an opaque token of a cursor.
func EncodePageToken(c Cursor) string {
	b, _ := json.Marshal(tokenBody{CreatedAt: c.CreatedAt.UnixNano(), ID: c.ID})
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodePageToken reads a token EncodePageToken made; "" is the first page (nil cursor).
func DecodePageToken(token string) (*Cursor, error) {
	if token == "" {
		return nil, nil
	}
	bad := fault.Invalid(fault.ReasonInvalidArgument,
		fault.Violation{Field: "pageToken", Description: "is not a token a previous page returned"})
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return nil, bad
	}
	var body tokenBody
	if err := json.Unmarshal(raw, &body); err != nil || body.ID == "" || body.CreatedAt <= 0 {
		return nil, bad
	}
	return &Cursor{CreatedAt: time.Unix(0, body.CreatedAt).UTC(), ID: body.ID}, nil
}

// CheckPage validates paging arguments and returns the effective page size and cursor.
func CheckPage(pageSize int, pageToken string) (int, *Cursor, error) {
	var v fault.Violations
	switch {
	case pageSize < 0:
		v.Add("pageSize", "must not be negative")
	case pageSize == 0:
		pageSize = DefaultPageSize
	case pageSize > MaxPageSize:
		pageSize = MaxPageSize
	}
	after, err := DecodePageToken(pageToken)
	if err != nil {
		v = append(v, fault.Violation{Field: "pageToken", Description: "is not a token a previous page returned"})
	}
	if err := v.Err(); err != nil {
		return 0, nil, err
	}
	return pageSize, after, nil
}

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
	size, after, err := CheckPage(pageSize, pageToken)
	if err != nil {
		return nil, "", err
	}
	missions, err := a.repo.List(ctx, firmID, after, size+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(missions) > size {
		missions = missions[:size]
		last := missions[size-1]
		next = EncodePageToken(Cursor{CreatedAt: last.CreatedAt, ID: last.ID})
	}
	return missions, next, nil
}
