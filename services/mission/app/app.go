// Package app holds the mission use cases, one per file.
package app

import (
	"context"
	"time"

	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// Repository stores missions and, in the same transaction, the events they cause.
type Repository interface {
	Create(ctx context.Context, m domain.Mission, events []domain.Event) error
	Get(ctx context.Context, id string) (domain.Mission, error)
	// List returns up to limit missions, newest first (created at, then id, both descending),
	// strictly after the cursor when there is one; an empty firmID lists every firm's missions.
	List(ctx context.Context, firmID string, after *Cursor, limit int) ([]domain.Mission, error)
	// Update runs change on the stored mission inside one transaction and stores the mission and
	// the events it returns.
	Update(ctx context.Context, id string, change func(*domain.Mission) ([]domain.Event, error)) (domain.Mission, error)
	// UpdateOnce is Update for an event handler: it first claims eventID for consumer in the same
	// transaction, and when the event was already processed it changes nothing and reports false.
	UpdateOnce(ctx context.Context, consumer, eventID, id string, change func(*domain.Mission) ([]domain.Event, error)) (bool, error)
}

// Application is the mission service's use cases.
type Application struct {
	repo  Repository
	now   func() time.Time
	newID func() string
}

func New(repo Repository, now func() time.Time, newID func() string) *Application {
	return &Application{repo: repo, now: now, newID: newID}
}
