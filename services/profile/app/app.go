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
	// returns with the new state.
	Update(ctx context.Context, id string, change func(*domain.Profile) (domain.Event, error)) (domain.Profile, error)
	Delete(ctx context.Context, id string, ev domain.Event) error
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
