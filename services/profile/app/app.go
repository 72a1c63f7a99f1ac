// Package app holds the profile use cases, one per file.
package app

import (
	"context"
	"time"

	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/pkg/txn"
	"github.com/caiomatch/caiomatch/services/profile/domain"
)

// Tx is the store as seen from inside one transaction (txn.Runner). A read-modify-write first
// locks what it is about to read (LockProfile, LockMission), so that two of them take turns
// instead of one overwriting the other's change.
type Tx interface {
	// Lock makes every other transaction locking the same scope and key wait until this one
	// ends.
	Lock(ctx context.Context, scope, key string) error
	// Get returns a profile, or a PROFILE_NOT_FOUND fault.
	Get(ctx context.Context, id string) (domain.Profile, error)
	// Create stores a new profile, or returns a PROFILE_ALREADY_EXISTS fault when its account
	// already has one.
	Create(ctx context.Context, p domain.Profile) error
	// Save stores a changed profile, or returns a PROFILE_NOT_FOUND fault.
	Save(ctx context.Context, p domain.Profile) error
	// Delete erases a profile, or returns a PROFILE_NOT_FOUND fault.
	Delete(ctx context.Context, id string) error
	// Publish stores events to be published once the transaction commits.
	Publish(ctx context.Context, events ...domain.Event) error
	// BookedFor lists the ids of the profiles holding a platform booking for missionID, in id
	// order.
	BookedFor(ctx context.Context, missionID string) ([]string, error)
	// RecordCancelledMission remembers that missionID was cancelled (again is harmless);
	// MissionCancelled reports whether it was.
	RecordCancelledMission(ctx context.Context, missionID string) error
	MissionCancelled(ctx context.Context, missionID string) (bool, error)
	// LatestDatesChange returns the latest staffing window recorded for missionID, if any;
	// RecordDatesChange replaces it.
	LatestDatesChange(ctx context.Context, missionID string) (DatesChange, bool, error)
	RecordDatesChange(ctx context.Context, c DatesChange) error
}

// Lock scopes (Tx.Lock).
const (
	// LockProfile, keyed by profile id, is held by every read-modify-write of the profile.
	LockProfile = "profile"
	// LockMission, keyed by mission id, is held by the handlers of a mission's acceptance,
	// cancellation and changes of dates. Without it, an acceptance and a cancellation of one mission handled at the
	// same moment could each miss the other's uncommitted write: the acceptance would not see
	// the mission cancelled, the cancellation would not see the booking, and the consultant
	// would stay booked for a cancelled mission. It is taken before any profile's lock, and
	// profiles are locked in id order, so that no two transactions wait for each other.
	LockMission = "profile.mission"
)

// Profiles reads profiles outside a transaction.
type Profiles interface {
	// Get returns a profile, or a PROFILE_NOT_FOUND fault.
	Get(ctx context.Context, id string) (domain.Profile, error)
	// OfAccount returns every profile of an account, newest first (created at, then id, both
	// descending); none is no error.
	OfAccount(ctx context.Context, accountID string) ([]domain.Profile, error)
	// List returns at most limit profiles in the same order, strictly after the cursor when
	// there is one; an empty accountID lists every account's.
	List(ctx context.Context, accountID string, after *missionrules.Cursor, limit int) ([]domain.Profile, error)
}

// Shortlists answers whether a firm may see a profile through its shortlists: only while it is
// a candidate of the current shortlist of one of the firm's missions still being staffed
// (matching judges it by pkg/visibility's rule).
type Shortlists interface {
	IsShortlistedForFirm(ctx context.Context, profileID, firmID string) (bool, error)
}

// Application is the profile service's use cases.
type Application struct {
	tx         txn.Runner[Tx]
	profiles   Profiles
	shortlists Shortlists
	now        func() time.Time
	newID      func() string
}

func New(tx txn.Runner[Tx], profiles Profiles, shortlists Shortlists, now func() time.Time, newID func() string) *Application {
	return &Application{tx: tx, profiles: profiles, shortlists: shortlists, now: now, newID: newID}
}

// lockedProfile locks profile id for the rest of tx, then reads it: what it reads is what the
// previous writer committed, and no other writer changes it before tx ends.
func lockedProfile(ctx context.Context, tx Tx, id string) (domain.Profile, error) {
	if err := tx.Lock(ctx, LockProfile, id); err != nil {
		return domain.Profile{}, err
	}
	return tx.Get(ctx, id)
}

// saveAndPublish stores a changed profile with the events its change caused.
func saveAndPublish(ctx context.Context, tx Tx, p domain.Profile, events ...domain.Event) error {
	if err := tx.Save(ctx, p); err != nil {
		return err
	}
	return tx.Publish(ctx, events...)
}
