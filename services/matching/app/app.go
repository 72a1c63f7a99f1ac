// Package app holds the matching use cases, one per file: the event handlers that keep the read
// model and the shortlists, and the queries served over gRPC.
package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// Delivery identifies one event as a consumer received it; the pair is the idempotency key.
type Delivery struct {
	Consumer string
	EventID  string
}

// Queries read the read model and the current shortlists.
type Queries interface {
	// Mission returns a mission of the read model; false when matching has not heard of it.
	Mission(ctx context.Context, id string) (domain.Mission, bool, error)
	// CurrentShortlist returns the newest shortlist of a mission; false before the first.
	CurrentShortlist(ctx context.Context, missionID string) (domain.Shortlist, bool, error)
	// ShortlistedForFirm reports whether the profile is on the current shortlist of one of the
	// firm's open missions.
	ShortlistedForFirm(ctx context.Context, profileID, firmID string) (bool, error)
}

// ReadModel is the read model inside one event's transaction.
type ReadModel interface {
	Queries
	// PutProfile stores a profile's facts as of asOf, unless the stored copy is newer or the
	// profile was erased; it reports whether it stored them.
	PutProfile(ctx context.Context, p domain.Profile, asOf time.Time) (bool, error)
	// EraseProfile deletes a profile, remembers its id so that no late event brings it back,
	// and strips its explanations from past shortlists, which keep only ids, ranks and scores.
	EraseProfile(ctx context.Context, id string) error
	// Profiles returns every known profile.
	Profiles(ctx context.Context) ([]domain.Profile, error)
	// PutMission creates or replaces a mission; its shortlists are kept.
	PutMission(ctx context.Context, m domain.Mission) error
	// OpenMissions returns every open mission.
	OpenMissions(ctx context.Context) ([]domain.Mission, error)
	// AddShortlist stores s as its mission's current shortlist, and its ShortlistProposed event
	// in the outbox.
	AddShortlist(ctx context.Context, s domain.Shortlist) error
}

// Store is the read model and its shortlists.
type Store interface {
	Queries
	// Apply runs change in one transaction that first claims the delivery's event id. When the
	// event was already processed it changes nothing, does not call change and reports false.
	Apply(ctx context.Context, d Delivery, change func(context.Context, ReadModel) error) (bool, error)
}

// Missions asks the mission service about a mission matching has not heard of yet, on behalf
// of the caller in ctx; it returns the firm that owns the mission, or the mission service's
// error (a NotFound for a mission the caller may not see).
type Missions interface {
	FirmOfMission(ctx context.Context, missionID string) (string, error)
}

// Application is the matching service's use cases.
type Application struct {
	store         Store
	missions      Missions
	shortlistSize int
	now           func() time.Time
	logger        *slog.Logger
}

// New builds the application; shortlistSize <= 0 means domain.DefaultShortlistSize.
func New(store Store, missions Missions, shortlistSize int, now func() time.Time, logger *slog.Logger) *Application {
	if shortlistSize <= 0 {
		shortlistSize = domain.DefaultShortlistSize
	}
	return &Application{store: store, missions: missions, shortlistSize: shortlistSize, now: now, logger: logger}
}
