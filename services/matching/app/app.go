// Package app holds the matching use cases, one per file: the event handlers that keep the
// index, the open missions and their shortlists, and the queries served over gRPC.
package app

import (
	"context"
	"github.com/caiomatch/caiomatch/pkg/pseudonym"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/caiomatch/caiomatch/pkg/txn"
	"github.com/caiomatch/caiomatch/services/matching/domain"
	"github.com/caiomatch/caiomatch/services/matching/index"
)

// Delivery is one event as a consumer received it: the inbox key, and for a profile event the
// profile stream sequence that the replicas keep in step with (see replicas.go).
type Delivery struct {
	txn.Delivery
	// ProfileSeq is the profile stream sequence of a profile event; 0 for other events.
	ProfileSeq uint64
}

// Queries read the missions and the shortlists.
type Queries interface {
	// Mission returns a mission; false when matching has not heard of it.
	Mission(ctx context.Context, id string) (domain.Mission, bool, error)
	// CurrentShortlist returns the newest shortlist of a mission; false before the first.
	CurrentShortlist(ctx context.Context, missionID string) (domain.Shortlist, bool, error)
	// ShortlistingMissions returns the statuses of the firm's missions whose current shortlist
	// holds the profile, open or closed (pkg/visibility judges them).
	ShortlistingMissions(ctx context.Context, profileID, firmID string) ([]domain.MissionStatus, error)
	// ProposalsForProfile returns the shortlist revisions that held the profile, newest first,
	// at most limit, each with the profile as its only candidate.
	ProposalsForProfile(ctx context.Context, profileID string, limit int) ([]domain.Shortlist, error)
	// OpenMissionStates returns every open mission with its current shortlist and exclusions,
	// in a fixed number of queries.
	OpenMissionStates(ctx context.Context) ([]OpenMissionState, error)
	// Exclusions are the consultants never to rank again for a mission.
	Exclusions(ctx context.Context, missionID string) ([]string, error)
	// StaffingPlan returns a stored plan; false when there is none with that id.
	StaffingPlan(ctx context.Context, id string) (domain.StaffingPlan, bool, error)
	// ReplicaState reads what the replicas share, without locking it.
	ReplicaState(ctx context.Context) (ReplicaState, error)
	// MissionStatesChangedSince returns every mission whose open state (the mission, its
	// current shortlist, its exclusions) changed after state version version; a closed mission
	// comes with a closed Mission.Status.
	MissionStatesChangedSince(ctx context.Context, version uint64) ([]OpenMissionState, error)
	// Pause reads the operators' switch; the zero Pause while matching runs.
	Pause(ctx context.Context) (domain.Pause, error)
	// HeldMissions returns the ids of the missions whose proposal the pause holds, in order.
	HeldMissions(ctx context.Context) ([]string, error)
	// IsHeld tells whether the pause holds the mission's proposal.
	IsHeld(ctx context.Context, missionID string) (bool, error)
}

// Tx is the store inside one transaction.
type Tx interface {
	Queries
	// Lock makes every other transaction that locks the same scope and key wait until this one
	// ends; what this transaction reads afterwards is what the previous holder committed.
	Lock(ctx context.Context, scope, key string) error
	// EraseProfile replaces an erased profile's id by its pseudonym wherever the store keeps
	// it (past shortlists, exclusions, staffing plans; the record of erased profiles keeps only
	// the pseudonym), strips its explanations from past shortlists, which keep ranks and scores,
	// and makes sure what it removed is gone from the store's files.
	EraseProfile(ctx context.Context, id, pseudonym string) error
	// PutMission creates or replaces a mission; its shortlists are kept.
	PutMission(ctx context.Context, m domain.Mission) error
	// AddShortlist stores s as its mission's current shortlist, and its ShortlistProposed event
	// in the outbox. s.Revision must follow the stored current revision: the store locks the
	// mission until the transaction ends and refuses a revision decided on a stale view (another
	// process proposed one meanwhile), so that the event rolls back and is redelivered.
	AddShortlist(ctx context.Context, s domain.Shortlist) error
	// Exclude keeps a consultant off a mission for good; reason is "declined" or "expired".
	Exclude(ctx context.Context, missionID, profileID, reason string) error
	// SaveStaffingPlan stores a plan.
	SaveStaffingPlan(ctx context.Context, p domain.StaffingPlan) error
	// SetPause turns the operators' switch; the zero Pause resumes.
	SetPause(ctx context.Context, p domain.Pause) error
	// Hold records that m's proposal waits for the resume of pause p. The first time in a pause
	// (held is true) it also stores m's MatchingPaused event in the outbox.
	Hold(ctx context.Context, m domain.Mission, p domain.Pause) (held bool, err error)
	// ReleaseHeld forgets every hold, and stores a MatchingResumed event for each mission of
	// resumed.
	ReleaseHeld(ctx context.Context, resumed []domain.Resumption) error
	// UpdateReplicaState raises the committed profile stream sequence to profileSeq (0 leaves
	// it), and returns the state version once this transaction commits: the one ReplicaState
	// read, or the next one when PutMission, AddShortlist or Exclude stamped a mission with it.
	UpdateReplicaState(ctx context.Context, profileSeq uint64) (version uint64, err error)
}

// ReplicaState is what the replicas of the service share through the store.
type ReplicaState struct {
	// Version numbers the committed changes to missions' open state.
	Version uint64
	// ProfileSeq is the highest profile stream sequence whose event was committed.
	ProfileSeq uint64
}

// ProfileFeed is the replica's own following of the profile stream into the index.
type ProfileFeed interface {
	// WaitFor returns once the index holds every profile event up to stream sequence seq.
	WaitFor(ctx context.Context, seq uint64) error
}

// Store is the missions and their shortlists: read outside a transaction, changed through the
// transactional port.
type Store interface {
	Queries
	txn.Runner[Tx]
}

// Missions asks the mission service about a mission matching has not heard of yet, on behalf
// of the caller in ctx; it returns the firm that owns the mission, or the mission service's
// error (a NotFound for a mission the caller may not see).
type Missions interface {
	FirmOfMission(ctx context.Context, missionID string) (string, error)
}

// History is the published record of proposals (the event stream): an erasure removes from it
// the proposals that named the erased profile (their explanations quote the person's facts).
type History interface {
	ErasePastProposals(ctx context.Context, missionIDs []string, profileID string) (int, error)
}

// Config tunes ranking.
type Config struct {
	// ShortlistSize is how many candidates a shortlist holds; 0 means
	// domain.DefaultShortlistSize.
	ShortlistSize int
	// ExposureCap is how many open shortlists a consultant may sit on at once; 0 means no cap.
	ExposureCap int
	// AvailabilityToleranceDays is how long after the start date a consultant may become
	// available; negative means domain.DefaultAvailabilityToleranceDays.
	AvailabilityToleranceDays int
	// PseudonymKey keys the pseudonyms of erased profiles; the mission service uses the same.
	PseudonymKey pseudonym.Key
	// History, when set, is where past proposals were published: an erasure removes from it
	// the ones that named the person.
	History History
	// Erased, when set, is called after each erasure is applied (the index snapshot then
	// follows soon, so that no snapshot keeps the person's facts for long).
	Erased func()
}

// Application is the matching service's use cases.
type Application struct {
	store    Store
	missions Missions
	index    *index.Index
	cfg      Config
	now      func() time.Time
	logger   *slog.Logger

	// mu serialises the event handlers (applyEvent): a ranking, the shortlist it stores and the exposure
	// counts it changes go together.
	mu sync.Mutex
	// open caches the open missions and their current shortlists; guarded by mu.
	open map[string]*openMission
	// generation counts the events that may change who is eligible where (all but declines);
	// changed under mu. A staffing plan made at the same generation can be reused. It is atomic
	// so that a staffing plan, holding planMu, can read it without taking mu: the lock order is
	// mu, then planMu (a decline re-optimises the plan while its event holds mu).
	generation atomic.Uint64
	// version is the replica state version open reflects; guarded by mu. reload asks for open
	// to be read again whole, after a transaction failed with the cache half changed.
	version uint64
	reload  bool
	// feed is nil when this process alone writes the index (tests): there is nothing to wait for.
	feed ProfileFeed

	// planMu guards plan, the last staffing plan's solver.
	planMu sync.Mutex
	plan   *planState
}

type openMission struct {
	mission domain.Mission
	current *domain.Shortlist
	// excluded declined the mission or let its offer expire.
	excluded []string
}

// New builds the application over an index that the caller fills (see Load).
func New(store Store, missions Missions, ix *index.Index, cfg Config, now func() time.Time, logger *slog.Logger) *Application {
	if cfg.ShortlistSize <= 0 {
		cfg.ShortlistSize = domain.DefaultShortlistSize
	}
	if cfg.AvailabilityToleranceDays < 0 {
		cfg.AvailabilityToleranceDays = domain.DefaultAvailabilityToleranceDays
	}
	return &Application{store: store, missions: missions, index: ix, cfg: cfg, now: now, logger: logger,
		open: map[string]*openMission{}}
}

// Load reads the open missions and their current shortlists, and recounts every consultant's
// exposure from them. Call it once the index is rebuilt and before handling events.
func (a *Application) Load(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	// The version first: the missions read after it may be newer, never older, and catching up
	// from an older version reads them again, which changes nothing.
	rs, err := a.store.ReplicaState(ctx)
	if err != nil {
		return err
	}
	if err := a.loadStates(ctx, a.store); err != nil {
		return err
	}
	a.version = rs.Version
	return nil
}

// loadStates replaces the open missions and the exposure counts with what q holds.
func (a *Application) loadStates(ctx context.Context, q Queries) error {
	states, err := q.OpenMissionStates(ctx)
	if err != nil {
		return err
	}
	a.index.ResetExposure()
	clear(a.open)
	for _, st := range states {
		om := &openMission{mission: st.Mission, current: st.Current, excluded: st.Excluded}
		if st.Current != nil {
			a.index.AddExposure(candidateIDs(st.Current), +1)
		}
		a.open[st.Mission.ID] = om
	}
	return nil
}

// OpenMissionState is an open mission as Load needs it.
type OpenMissionState struct {
	Mission domain.Mission
	// Current is the current shortlist, nil before the first.
	Current  *domain.Shortlist
	Excluded []string
}

// settings are today's evaluation settings.
func (a *Application) settings() domain.Settings {
	s := domain.DefaultSettings(a.now())
	s.AvailabilityToleranceDays = a.cfg.AvailabilityToleranceDays
	return s
}

// query ranks m, keeping the consultants of its current shortlist exempt from the cap and the
// excluded ones out.
func (a *Application) query(s domain.Settings, m domain.Mission, current *domain.Shortlist, excluded []string) index.Query {
	return index.Query{Settings: s, Mission: m, K: a.cfg.ShortlistSize, ExposureCap: a.cfg.ExposureCap,
		Holding: candidateIDs(current), Excluded: excluded}
}

func candidateIDs(s *domain.Shortlist) []string {
	if s == nil {
		return nil
	}
	ids := make([]string, len(s.Candidates))
	for i, c := range s.Candidates {
		ids[i] = c.ProfileID
	}
	return ids
}

// openInOrder is the open missions by id, so that an event re-ranks them in the same order
// on every replica and every replay.
func (a *Application) openInOrder() []*openMission {
	ids := slices.Sorted(maps.Keys(a.open))
	out := make([]*openMission, len(ids))
	for i, id := range ids {
		out[i] = a.open[id]
	}
	return out
}

// undo collects how to take back the in-memory changes of an event whose transaction fails.
type undo []func()

func (u undo) run() {
	for i := len(u) - 1; i >= 0; i-- {
		u[i]()
	}
}

// rerank ranks an open mission on the index and stores a new shortlist when
// domain.NextShortlist says so. The cache and the exposure counts change at once, so that the
// next mission ranked for the same event sees them; undo takes them back.
//
// While matching is paused (st.pause, read in the event's transaction) nothing is proposed: a
// mission without a shortlist is held at once, one whose ranking would propose a new shortlist
// is held instead, and its current shortlist stays as it is. The resume ranks it again.
func (a *Application) rerank(ctx context.Context, tx Tx, s domain.Settings, om *openMission, st *step) error {
	if st.pause.Paused && om.current == nil {
		return a.hold(ctx, tx, om, st)
	}
	ranking := a.index.Rank(a.query(s, om.mission, om.current, om.excluded))
	next, propose := domain.NextShortlist(om.mission, om.current, ranking, a.now().UTC())
	if !propose {
		return nil
	}
	if st.pause.Paused {
		return a.hold(ctx, tx, om, st)
	}
	if err := tx.AddShortlist(ctx, next); err != nil {
		return err
	}
	previous := om.current
	a.index.AddExposure(candidateIDs(previous), -1)
	a.index.AddExposure(candidateIDs(&next), +1)
	om.current = &next
	st.onUndo(func() {
		a.index.AddExposure(candidateIDs(&next), -1)
		a.index.AddExposure(candidateIDs(previous), +1)
		om.current = previous
	})
	st.proposed = append(st.proposed, next)
	return nil
}

// hold keeps om's proposal for the resume.
func (a *Application) hold(ctx context.Context, tx Tx, om *openMission, st *step) error {
	held, err := tx.Hold(ctx, om.mission, st.pause)
	if held {
		st.held = append(st.held, om.mission.ID)
	}
	return err
}

// proposals collects the shortlists one event proposed, to log them once committed.
type proposals []domain.Shortlist

// logApplied logs what an event changed, with ids only.
func (a *Application) logApplied(ctx context.Context, d Delivery, applied bool, st *step) {
	if !applied {
		a.logger.DebugContext(ctx, "event already processed", "consumer", d.Consumer, "event_id", d.EventID)
		return
	}
	for _, id := range st.held {
		a.logger.InfoContext(ctx, "proposal held: matching is paused", "event_id", d.EventID, "mission_id", id)
	}
	for _, s := range st.proposed {
		a.logger.InfoContext(ctx, "shortlist proposed", "event_id", d.EventID, "mission_id", s.MissionID,
			"revision", s.Revision, "candidates", len(s.Candidates), "eligible", s.EligibleCount)
	}
}
