package missionrules

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/caiomatch/caiomatch/pkg/fault"
)

// MaxDeclineReasonRunes bounds what a consultant writes when declining.
const MaxDeclineReasonRunes = 1000

// CheckDeclineReason applies the rules of a decline reason and returns it trimmed: required,
// at most MaxDeclineReasonRunes characters.
func CheckDeclineReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	var v fault.Violations
	switch {
	case reason == "":
		v.Add("reason", "is required")
	case !utf8.ValidString(reason):
		v.Add("reason", "must be valid UTF-8 text")
	case utf8.RuneCountInString(reason) > MaxDeclineReasonRunes:
		v.Add("reason", "must be at most %d characters", MaxDeclineReasonRunes)
	}
	if err := v.Err(); err != nil {
		return "", err
	}
	return reason, nil
}

// The field rules of the offer and decision requests.

// CheckMakeOffer: both ids are required.
func CheckMakeOffer(missionID, profileID string) error {
	var v fault.Violations
	required(&v, "missionId", missionID)
	required(&v, "profileId", profileID)
	return v.Err()
}

// CheckOfferID: the offer id is required.
func CheckOfferID(id string) error {
	var v fault.Violations
	required(&v, "id", id)
	return v.Err()
}

// CheckDecline: the offer id and a reason of 1 to MaxDeclineReasonRunes characters
// (once trimmed) are required.
func CheckDecline(id, reason string) error {
	var v fault.Violations
	required(&v, "id", id)
	if _, err := CheckDeclineReason(reason); err != nil {
		if fe, ok := fault.As(err); ok {
			v = append(v, fe.Violations...)
		}
	}
	return v.Err()
}

// CheckMissionID: the mission id is required.
func CheckMissionID(missionID string) error {
	var v fault.Violations
	required(&v, "missionId", missionID)
	return v.Err()
}

func required(v *fault.Violations, field, value string) {
	if value == "" {
		v.Add(field, "is required")
	}
}

// Page sizes of the list requests.
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

// maxIDBytes bounds an id given as a filter: ids are far shorter.
const maxIDBytes = 128

// CheckOfferList validates a list of offers: paging, and the mission filter when given.
func CheckOfferList(pageSize int, pageToken, missionID string) (int, *Cursor, error) {
	var v fault.Violations
	size, after := checkPage(&v, pageSize, pageToken)
	if missionID != "" && (len(missionID) > maxIDBytes || !utf8.ValidString(missionID) || hasControl(missionID)) {
		v.Add("missionId", "must be a mission id")
	}
	return size, after, v.Err()
}

// CheckPage validates paging arguments and returns the effective page size and cursor.
func CheckPage(pageSize int, pageToken string) (int, *Cursor, error) {
	var v fault.Violations
	size, after := checkPage(&v, pageSize, pageToken)
	return size, after, v.Err()
}

func checkPage(v *fault.Violations, pageSize int, pageToken string) (int, *Cursor) {
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
		*v = append(*v, fault.Violation{Field: "pageToken", Description: "is not a token a previous page returned"})
	}
	return pageSize, after
}
