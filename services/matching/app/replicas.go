package app

import (
	"context"
	"fmt"
	"time"
)

// Replicas. Several matching processes may share one database: the mission events go to
// whichever replica takes them from one shared consumer, and so do the profile events that
// re-rank. Each replica follows the whole profile stream into its own index (ProfileFeed) and
// caches the open missions. Every event transaction therefore starts in step with the others
// (inStep): it locks the shared state, so the replicas' event transactions take turns; it waits
// until the index holds every profile event another replica has committed; it reads the
// missions other replicas changed since its cache was last in step. A ranking is then decided on
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

// inStep wraps the change of an event handled under a.mu: it takes the replicas' turn, catches
// up with them, runs change, records a profile event's sequence, and leaves in *version the
// state version to remember once the transaction commits (see settle).
func (a *Application) inStep(d Delivery, version *uint64, change func(context.Context, ReadModel) error) func(context.Context, ReadModel) error {
	return func(ctx context.Context, rm ReadModel) error {
		rs, err := rm.LockReplicaState(ctx)
		if err != nil {
			return err
		}
		if err := a.waitForIndex(ctx, rs.ProfileSeq); err != nil {
			return err
		}
		if err := a.catchUp(ctx, rm, rs.Version); err != nil {
			return err
		}
		if err := change(ctx, rm); err != nil {
			return err
		}
		if d.ProfileSeq > rs.ProfileSeq {
			if err := rm.RecordProfileSeq(ctx, d.ProfileSeq); err != nil {
				return err
			}
		}
		*version = rm.StateVersion()
		return nil
	}
}

// settle ends an event handled with inStep. On failure the in-memory changes are taken back and
// the cache is read again whole before the next event: what the catch-up applied was true, but
// taking back only part of a failed event is not worth the risk. On success the cache is in step
// with version.
func (a *Application) settle(applied bool, version uint64, u undo, err error) {
	if err != nil {
		u.run()
		a.reload = true
		return
	}
	if applied {
		a.version = version
	}
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
		a.generation++
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
	a.generation++
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
