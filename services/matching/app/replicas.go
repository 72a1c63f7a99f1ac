package app

import (
	"context"
	"fmt"
	"time"

	"github.com/caiomatch/caiomatch/pkg/txn"
	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// Replicas. Several matching processes may share one database: the mission events go to
// whichever replica takes them from one shared consumer, and so do the profile events that
// re-rank. Each replica follows the whole profile stream into its own index (ProfileFeed) and
// caches the open missions. Every event transaction therefore starts in step with the others
// (applyEvent, inStep): it locks the replicas' turn (Tx.Lock), so their event transactions take
// turns; it waits until the index holds every profile event another replica has committed; it
// reads the missions other replicas changed since its cache was last in step. A ranking is then decided on
// the same facts whichever replica makes it, and each event is applied once.
//
// Why this is enough: for a profile event P and an open mission M, either P's transaction
// commits after M was opened, and then it sees M in its cache and re-ranks it, or before, and
// then M's transaction waits until its index holds P.

// indexWaitLimit bounds how long an event waits for the index to catch up; the event is
// redelivered after that.
const indexWaitLimit = 30 * time.Second

// FollowProfiles tells the application that the index is fed by feed, this replica's own
// following of the profile stream, which events must wait for.
func (a *Application) FollowProfiles(feed ProfileFeed) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.feed = feed
}

// The replicas' turn is the name every event transaction locks first, so that the event
// transactions of all replicas take turns (see the package sqltx comment for the idiom).
const (
	replicasLockScope = "matching"
	replicasLockKey   = "replicas"
)

// step is what one event changes in memory while its transaction runs, for applyEvent to take
// back if the transaction fails or to log and follow up once it commits.
type step struct {
	undo     undo
	proposed proposals
	// pause is the operators' switch as this transaction read it, in the replicas' turn.
	pause domain.Pause
	// held are the missions whose proposal this event held, for the first time in the pause.
	held []string
	// keepsPlan is set by an event that changes who is eligible for its mission only (a
	// decline): the staffing plan's generation stays, and committed re-optimises the plan.
	keepsPlan bool
	committed []func()
}

// onUndo records how to take back an in-memory change.
func (st *step) onUndo(f func()) { st.undo = append(st.undo, f) }

// onCommit runs f, under a.mu, once the event's transaction committed.
func (st *step) onCommit(f func()) { st.committed = append(st.committed, f) }

// eventHandler is one use case's own part in handling an event; applyEvent does the rest.
type eventHandler struct {
	// index, when set, applies the event to the in-memory index before the transaction: the
	// index is memory rebuilt from the stream, so a redelivery puts the same facts again.
	index func() error
	// change is the event's effect on the store and the cache, inside the event's transaction,
	// once the cache is in step with the other replicas. It records its in-memory changes in st.
	change func(ctx context.Context, tx Tx, st *step) error
}

// applyEvent handles one event with every step that keeps the cache of open missions, the
// exposure counts and the other replicas consistent, so that no handler can forget one. Under
// a.mu (a ranking, the shortlist it stores and the exposure counts it changes go together) it
// runs the event once per delivery, in one transaction that first takes the replicas' turn and
// catches up with them (inStep), then reads the operators' switch (pause_matching.go), which
// rerank obeys. It then settles: on failure the in-memory changes are taken back, on success
// the cache is in step with the state version the transaction committed, the staffing plan's
// generation moves on, and what the event proposed or held is logged.
func (a *Application) applyEvent(ctx context.Context, d Delivery, h eventHandler) error {
	return a.applyInTurn(ctx, d, h, func(fn func(context.Context, Tx) error) (bool, error) {
		return a.store.Once(ctx, d.Delivery, fn)
	})
}

// oversightConsumer names the operators' commands over matching in logs; they claim no inbox
// entry.
const oversightConsumer = "matching-oversight"

// applyCommand is applyEvent for an operator's command (pause, resume): it takes the replicas'
// turn like an event, so that every event transaction reads the switch as the last command left
// it, but claims no inbox entry, since a command is not redelivered.
func (a *Application) applyCommand(ctx context.Context, h eventHandler) error {
	d := Delivery{Delivery: txn.Delivery{Consumer: oversightConsumer}}
	return a.applyInTurn(ctx, d, h, func(fn func(context.Context, Tx) error) (bool, error) {
		err := a.store.InTx(ctx, fn)
		return err == nil, err
	})
}

// applyInTurn is applyEvent and applyCommand; run runs the transaction, Once or InTx.
func (a *Application) applyInTurn(ctx context.Context, d Delivery, h eventHandler,
	run func(fn func(context.Context, Tx) error) (bool, error)) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if h.index != nil {
		if err := h.index(); err != nil {
			return err
		}
	}
	var st step
	var version uint64
	applied, err := run(func(ctx context.Context, tx Tx) error {
		var err error
		version, err = a.inStep(ctx, tx, d, func(ctx context.Context, tx Tx) error {
			pause, err := tx.Pause(ctx)
			if err != nil {
				return err
			}
			st.pause = pause
			return h.change(ctx, tx, &st)
		})
		return err
	})
	if err != nil {
		// What the catch-up applied was true, but taking back only part of a failed event is not
		// worth the risk: the cache is read again whole before the next event.
		st.undo.run()
		a.reload = true
		return err
	}
	if applied {
		a.version = version
		if !st.keepsPlan {
			a.generation.Add(1)
		}
		for _, f := range st.committed {
			f()
		}
	}
	a.logApplied(ctx, d, applied, &st)
	return nil
}

// inStep runs change in step with the other replicas: it takes the replicas' turn, waits until
// the index holds every profile event they committed, catches up with the missions they
// changed, runs change, records a profile event's sequence, and returns the state version to
// remember once the transaction commits.
func (a *Application) inStep(ctx context.Context, tx Tx, d Delivery, change func(context.Context, Tx) error) (uint64, error) {
	if err := tx.Lock(ctx, replicasLockScope, replicasLockKey); err != nil {
		return 0, err
	}
	rs, err := tx.ReplicaState(ctx)
	if err != nil {
		return 0, err
	}
	if err := a.waitForIndex(ctx, rs.ProfileSeq); err != nil {
		return 0, err
	}
	if err := a.catchUp(ctx, tx, rs.Version); err != nil {
		return 0, err
	}
	if err := change(ctx, tx); err != nil {
		return 0, err
	}
	seq := d.ProfileSeq
	if seq <= rs.ProfileSeq {
		seq = 0
	}
	return tx.UpdateReplicaState(ctx, seq)
}

func (a *Application) waitForIndex(ctx context.Context, seq uint64) error {
	if a.feed == nil || seq == 0 {
		return nil
	}
	waitCtx, cancel := context.WithTimeout(ctx, indexWaitLimit)
	defer cancel()
	if err := a.feed.WaitFor(waitCtx, seq); err != nil {
		return fmt.Errorf("index behind the profile events other replicas applied: %w", err)
	}
	return nil
}

// catchUp brings the cache of open missions, and the exposure counts, to state version version.
func (a *Application) catchUp(ctx context.Context, q Queries, version uint64) error {
	if a.reload {
		if err := a.loadStates(ctx, q); err != nil {
			return err
		}
		a.reload, a.version = false, version
		a.generation.Add(1)
		return nil
	}
	if version == a.version {
		return nil
	}
	states, err := q.MissionStatesChangedSince(ctx, a.version)
	if err != nil {
		return err
	}
	for _, st := range states {
		if om, ok := a.open[st.Mission.ID]; ok {
			a.index.AddExposure(candidateIDs(om.current), -1)
			delete(a.open, st.Mission.ID)
		}
		if st.Mission.IsOpen() {
			a.open[st.Mission.ID] = &openMission{mission: st.Mission, current: st.Current, excluded: st.Excluded}
			a.index.AddExposure(candidateIDs(st.Current), +1)
		}
	}
	a.version = version
	a.generation.Add(1)
	return nil
}

// refresh brings the cache in step before a query that reads it, without taking the replicas'
// turn; call it with a.mu held. The version is read before the missions, so a mission changed
// meanwhile is read again at the next catch-up, which changes nothing.
func (a *Application) refresh(ctx context.Context) error {
	rs, err := a.store.ReplicaState(ctx)
	if err != nil {
		return err
	}
	if err := a.waitForIndex(ctx, rs.ProfileSeq); err != nil {
		return err
	}
	return a.catchUp(ctx, a.store, rs.Version)
}
