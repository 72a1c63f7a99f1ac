package domain

import "github.com/caiomatch/caiomatch/pkg/locale"

// Account is what the service knows of an account from its events: where to email it and
// in which language. Email is personal data: it is used to send and never logged.
type Account struct {
	ID                 string
	Role               string
	Status             AccountStatus
	Email              string
	Language           locale.Language
	EmailNotifications bool
	// Name is the account's name; a firm's is shown in its offers' notifications. Never logged.
	Name string
	// Version orders the account's changes (0 from producers that did not number them).
	Version int64
}

// AccountStatus mirrors the account's life cycle.
type AccountStatus string

const (
	AccountActive          AccountStatus = "ACTIVE"
	AccountPendingApproval AccountStatus = "PENDING_APPROVAL"
	AccountSuspended       AccountStatus = "SUSPENDED"
	// AccountErased is the tombstone an erasure leaves: the id alone, at the highest version, so
	// that a late or redriven AccountChanged cannot bring the address back.
	AccountErased AccountStatus = "ERASED"
)

// ErasedVersion is the tombstone's version: every change is older.
const ErasedVersion = int64(1<<63 - 1)

// Emailable tells whether the account gets emails: it has an address, kept emails on, and is
// not suspended.
func (a Account) Emailable() bool {
	return a.Email != "" && a.EmailNotifications && a.Status != AccountSuspended && a.Status != AccountErased
}

// Supersedes tells whether a change carrying a should replace the stored account: a numbered
// change replaces only an older one; an unnumbered one (older producers) always applies.
func (a Account) Supersedes(stored Account) bool {
	if stored.Status == AccountErased {
		return false
	}
	return a.Version == 0 || a.Version > stored.Version
}
