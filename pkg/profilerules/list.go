package profilerules

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
)

// DefaultListPageSize is how many profiles a page of the profile list holds unless asked
// otherwise; a bigger size than missionrules.MaxPageSize is capped, as the mission lists do.
const DefaultListPageSize = 50

// MaxAccountIDBytes bounds the list's account filter: longer is no account's id.
const MaxAccountIDBytes = 200

// CheckList checks the arguments of a profile list and returns the effective page size and
// cursor: the mission lists' paging rules and tokens (missionrules.CheckPage) with a page of
// DefaultListPageSize by default, and an account filter that could be an account's id (text
// of at most MaxAccountIDBytes bytes, without control characters; empty is no filter). The
// gateway applies it too (pkg/edgecheck), so an accountId that is not UTF-8 is a 400 there
// instead of a request gRPC cannot carry.
func CheckList(pageSize int, pageToken, accountID string) (int, *missionrules.Cursor, error) {
	if pageSize == 0 {
		pageSize = DefaultListPageSize
	}
	var v fault.Violations
	size, after, err := missionrules.CheckPage(pageSize, pageToken)
	if fe, ok := fault.As(err); ok {
		v = append(v, fe.Violations...)
	} else if err != nil {
		return 0, nil, err
	}
	if len(accountID) > MaxAccountIDBytes || !utf8.ValidString(accountID) || strings.IndexFunc(accountID, unicode.IsControl) >= 0 {
		v.Add("accountId", "must be an account id: text of at most %d bytes, without control characters", MaxAccountIDBytes)
	}
	if err := v.Err(); err != nil {
		return 0, nil, err
	}
	return size, after, nil
}
