package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// Human oversight (AI Act art. 14). An operator pauses automated matching at once and resumes
// it; the switch lives in the store the replicas share, and every event transaction reads it in
// the replicas' turn (applyInTurn), so a replica never proposes after a pause committed, nor
// holds after a resume committed.
//
// While paused, rerank holds instead of proposing: a new mission is held without a ranking
// (its shortlist reads PAUSED), and an open mission whose ranking would propose a new shortlist
// (a profile change, a decline, an erasure, an edit or a widening, a new scoring version) is
// held with its current shortlist left as it is. The resume clears the switch, releases every
// hold and re-ranks each held mission still open once, in the same transaction, so nothing
// held is lost or ranked twice, whichever replica resumes.
//
// The audit trail. The pause itself publishes nothing: the missions it touches are those whose
// proposal it actually holds, each of which gets one MatchingPaused event (with the operator's
// reason) the first time it is held, and one MatchingResumed event on resume, before the
// shortlist its ranking proposes. Announcing the pause to every open mission would write to
// trails it changes nothing in, and grow with the number of open missions at each click; the
// held missions are bounded by what actually happened during the pause.

// MatchingState is the switch as operators read it.
type MatchingState struct {
	domain.Pause
	// Held counts the missions whose proposal waits for the resume.
	Held int
}

// PauseMatching stops automated proposals until ResumeMatching (operators). Pausing while
// paused changes nothing: the first pause, its operator and its reason stand.
func (a *Application) PauseMatching(ctx context.Context, caller identity.Caller, reason string) (MatchingState, error) {
	if err := operatorOnly(caller); err != nil {
		return MatchingState{}, err
	}
	p, err := domain.NewPause(reason, caller.AccountID, a.now())
	if err != nil {
		return MatchingState{}, err
	}
	return a.turnSwitch(ctx, caller, "matching paused", func(ctx context.Context, tx Tx, st *step) error {
		if st.pause.Paused {
			return nil
		}
		return tx.SetPause(ctx, p)
	})
}

// ResumeMatching lets matching propose again (operators) and ranks every open mission the pause
// held, once. Resuming while not paused changes nothing.
func (a *Application) ResumeMatching(ctx context.Context, caller identity.Caller) (MatchingState, error) {
	if err := operatorOnly(caller); err != nil {
		return MatchingState{}, err
	}
	return a.turnSwitch(ctx, caller, "matching resumed", func(ctx context.Context, tx Tx, st *step) error {
		paused := st.pause
		if !paused.Paused {
			return nil
		}
		if err := tx.SetPause(ctx, domain.Pause{}); err != nil {
			return err
		}
		st.pause = domain.Pause{}
		ids, err := tx.HeldMissions(ctx)
		if err != nil {
			return err
		}
		// A held mission closed meanwhile is released without a ranking nor an entry in its trail.
		var held []*openMission
		var resumed []domain.Resumption
		now := a.now().UTC()
		for _, id := range ids {
			if om, open := a.open[id]; open {
				held = append(held, om)
				resumed = append(resumed, domain.Resumption{MissionID: id, FirmID: om.mission.FirmID,
					By: caller.AccountID, At: now, PausedAt: paused.Since})
			}
		}
		if err := tx.ReleaseHeld(ctx, resumed); err != nil {
			return err
		}
		s := a.settings()
		for _, om := range held {
			if err := a.rerank(ctx, tx, s, om, st); err != nil {
				return err
			}
		}
		return nil
	})
}

// turnSwitch runs an operator's command on the switch in the replicas' turn, logs it once
// committed, and returns the switch as it then is.
func (a *Application) turnSwitch(ctx context.Context, caller identity.Caller, done string,
	change func(ctx context.Context, tx Tx, st *step) error) (MatchingState, error) {
	if err := a.applyCommand(ctx, eventHandler{change: change}); err != nil {
		return MatchingState{}, err
	}
	a.logger.InfoContext(ctx, done, "operator_id", caller.AccountID)
	return a.matchingState(ctx)
}

// GetMatchingState tells operators whether automated matching is paused.
func (a *Application) GetMatchingState(ctx context.Context, caller identity.Caller) (MatchingState, error) {
	if err := operatorOnly(caller); err != nil {
		return MatchingState{}, err
	}
	return a.matchingState(ctx)
}

func (a *Application) matchingState(ctx context.Context) (MatchingState, error) {
	p, err := a.store.Pause(ctx)
	if err != nil {
		return MatchingState{}, err
	}
	ids, err := a.store.HeldMissions(ctx)
	if err != nil {
		return MatchingState{}, err
	}
	return MatchingState{Pause: p, Held: len(ids)}, nil
}

func operatorOnly(caller identity.Caller) error {
	if !caller.IsOperator() {
		return fault.PermissionDenied(ReasonRoleNotAllowed, "only operators pause and resume automated matching")
	}
	return nil
}
