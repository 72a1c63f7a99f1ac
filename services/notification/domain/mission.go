package domain

import (
	"slices"
	"strings"
)

// Mission is what the service keeps of a mission to address its notifications: its firm, its
// title, who staffs it, and the shortlist the firm was last told of.
type Mission struct {
	ID               string
	FirmID           string
	Title            string
	StaffedProfileID string
	// Shortlist identifies the candidates of the last shortlist.ready ("" before the first).
	Shortlist string
	// ShortlistRevision is the revision of the last shortlist proposed (0 when none was
	// numbered), so that an older one redelivered later is ignored.
	ShortlistRevision int64
}

// ShortlistKey identifies a shortlist by its candidates in rank order: a re-proposal of the
// same candidates has the same key and tells the firm nothing new.
func ShortlistKey(profileIDs []string) string {
	return strings.Join(slices.Clone(profileIDs), ",")
}
