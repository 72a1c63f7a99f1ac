// Package app holds the profile use cases, one per file.
package app

import (
	"context"
	"time"

	"github.com/caiomatch/caiomatch/services/profile/domain"
)

// Repository stores profiles and, in the same transaction, the events they cause.
type Repository interface {
	Create(ctx context.Context, p domain.Profile, ev domain.Event) error
	Get(ctx context.Context, id string) (domain.Profile, error)
	// Update runs change on the stored profile inside one transaction and stores the event it
	// returns with the new state. Concurrent updates of one profile take turns: none is lost.
	Update(ctx context.Context, id string, change func(*domain.Profile) (domain.Event, error)) (domain.Profile, error)
	Delete(ctx context.Context, id string, ev domain.Event) error
	// Once is for an event handler: in one transaction it claims the delivery in the inbox and,
	// when the claim is new, runs handle; the claim and handle's changes commit together or not
	// at all. When the event was already processed it runs nothing and reports false.
	Once(ctx context.Context, d Delivery, handle func(Tx) error) (claimed bool, err error)
}

// Tx is the store as seen from inside one event handler's transaction.
type Tx interface {
	// Get returns a profile, or a PROFILE_NOT_FOUND fault. It locks the profile until the
	// transaction ends, so that another writer of it cannot slip in between this read and Save.
	Get(ctx context.Context, id string) (domain.Profile, error)
	// Save stores a changed profile with the events the change caused.
	Save(ctx context.Context, p domain.Profile, events []domain.Event) error
	// BookedFor lists the ids of the profiles holding a platform booking for missionID, in id
	// order.
	BookedFor(ctx context.Context, missionID string) ([]string, error)
	// RecordCancelledMission remembers that missionID was cancelled (again is harmless);
	// MissionCancelled reports whether it was. Each locks the mission until the transaction
	// ends: handlers about one mission that call them first take turns.
	RecordCancelledMission(ctx context.Context, missionID string) error
	MissionCancelled(ctx context.Context, missionID string) (bool, error)
}

// Delivery is one event as one consumer receives it; the pair is the inbox key.
type Delivery struct {
	Consumer string
	EventID  string
}

// Shortlists answers whether a firm may see a profile: only while it is on a current shortlist
// of one of the firm's missions.
type Shortlists interface {
	IsShortlistedForFirm(ctx context.Context, profileID, firmID string) (bool, error)
}

// Application is the profile service's use cases.
type Application struct {
	repo       Repository
	shortlists Shortlists
	now        func() time.Time
	newID      func() string
}

func New(repo Repository, shortlists Shortlists, now func() time.Time, newID func() string) *Application {
	return &Application{repo: repo, shortlists: shortlists, now: now, newID: newID}
}
