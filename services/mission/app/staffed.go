package app

import (
	"context"
	"time"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// RequestExtension proposes a later end date for the calling firm's staffed mission (see
// domain.Mission.RequestExtension). Consultants and operators may never; another firm is told
// the mission does not exist.
func (a *Application) RequestExtension(ctx context.Context, caller identity.Caller, missionID, newEndDate, message string) (domain.Extension, error) {
	if caller.Role != identity.RoleFirm {
		return domain.Extension{}, fault.PermissionDenied(ReasonRoleNotAllowed, "only the owning firm requests an extension")
	}
	newEnd, message, err := missionrules.CheckExtensionRequest(missionID, newEndDate, message)
	if err != nil {
		return domain.Extension{}, err
	}
	return inTx(ctx, a.repo, func(ctx context.Context, tx Tx) (domain.Extension, error) {
		m, err := holdMission(ctx, tx, caller, missionID, ownsMission)
		if err != nil {
			return domain.Extension{}, err
		}
		_, pending, err := tx.PendingExtension(ctx, missionID)
		if err != nil {
			return domain.Extension{}, err
		}
		e, out, err := m.RequestExtension(a.newID(), newEnd, message, pending, actorOf(caller), a.now())
		if err != nil {
			return domain.Extension{}, err
		}
		return e, create(ctx, tx, tx.CreateExtension, e, out)
	})
}

// AcceptExtension is the staffed consultant's yes: the mission's end date and their booking
// move. Decided like an acceptance: the consultant locked, then the mission, so that an
// extension over another booking of theirs is refused (CONSULTANT_ALREADY_BOOKED) however the
// two race. Firms and operators may never; another consultant is told it does not exist.
func (a *Application) AcceptExtension(ctx context.Context, caller identity.Caller, id string) (domain.Extension, error) {
	if err := missionrules.CheckExtensionID(id); err != nil {
		return domain.Extension{}, err
	}
	return a.answerExtension(ctx, caller, id, true, func(ctx context.Context, tx Tx, e *domain.Extension, m *domain.Mission) (domain.Outcome, error) {
		o, err := tx.Offer(ctx, m.StaffedOfferID)
		if err != nil {
			return domain.Outcome{}, err
		}
		bookings, err := tx.Bookings(ctx, e.ConsultantID)
		if err != nil {
			return domain.Outcome{}, err
		}
		out, err := domain.AcceptExtension(e, m, &o, bookings, actorOf(caller), a.now())
		if err != nil {
			return out, err
		}
		return out, tx.SaveOffer(ctx, o)
	})
}

// DeclineExtension is the staffed consultant's no, with a reason that is not published.
func (a *Application) DeclineExtension(ctx context.Context, caller identity.Caller, id, reason string) (domain.Extension, error) {
	reason, err := missionrules.CheckDeclineExtension(id, reason)
	if err != nil {
		return domain.Extension{}, err
	}
	return a.answerExtension(ctx, caller, id, false, func(_ context.Context, _ Tx, e *domain.Extension, m *domain.Mission) (domain.Outcome, error) {
		return domain.DeclineExtension(e, m, reason, actorOf(caller), a.now())
	})
}

func (a *Application) answerExtension(ctx context.Context, caller identity.Caller, id string, lockConsultant bool,
	decide func(context.Context, Tx, *domain.Extension, *domain.Mission) (domain.Outcome, error)) (domain.Extension, error) {
	if caller.Role != identity.RoleConsultant {
		return domain.Extension{}, fault.PermissionDenied(ReasonRoleNotAllowed, "only the staffed consultant answers an extension")
	}
	return inTx(ctx, a.repo, func(ctx context.Context, tx Tx) (domain.Extension, error) {
		e, err := tx.Extension(ctx, id)
		if err != nil {
			return domain.Extension{}, err
		}
		if e.ConsultantID != caller.AccountID {
			return domain.Extension{}, ErrExtensionNotFound(id)
		}
		if lockConsultant {
			if err := tx.LockConsultant(ctx, e.ConsultantID); err != nil {
				return domain.Extension{}, err
			}
		}
		m, err := tx.Mission(ctx, e.MissionID)
		if err != nil {
			return domain.Extension{}, err
		}
		// Read again now that the mission is held.
		if e, err = tx.Extension(ctx, id); err != nil {
			return domain.Extension{}, err
		}
		out, err := decide(ctx, tx, &e, &m)
		if err != nil {
			return domain.Extension{}, err
		}
		if err := tx.SaveExtension(ctx, e); err != nil {
			return domain.Extension{}, err
		}
		return e, saveMission(ctx, tx, m, out)
	})
}

// ListExtensions lists a mission's extensions, oldest first, to its parties (the firm, the
// staffed consultant) and operators; anyone else is told the mission does not exist.
func (a *Application) ListExtensions(ctx context.Context, caller identity.Caller, missionID string) ([]domain.Extension, error) {
	if _, err := a.partyMission(ctx, caller, missionID, true); err != nil {
		return nil, err
	}
	return a.repo.Extensions(ctx, missionID)
}

// partyMission reads a mission for one of its parties, or an operator when operators is true.
func (a *Application) partyMission(ctx context.Context, caller identity.Caller, id string, operators bool) (domain.Mission, error) {
	if err := missionrules.CheckMissionID(id); err != nil {
		return domain.Mission{}, err
	}
	m, err := a.repo.Get(ctx, id)
	if err != nil {
		return domain.Mission{}, err
	}
	if (operators && caller.IsOperator()) || party(caller, m) {
		return m, nil
	}
	return domain.Mission{}, ErrNotFound(id)
}

// EndMission ends a staffed mission early, at the request of its firm or its staffed
// consultant: ENDED_EARLY, the booking cut at endDate (StaffingDatesChanged), a pending
// extension withdrawn. Operators may never; anyone else is told the mission does not exist.
func (a *Application) EndMission(ctx context.Context, caller identity.Caller, id, endDate, reason string) (domain.Mission, error) {
	if caller.Role != identity.RoleFirm && caller.Role != identity.RoleConsultant {
		return domain.Mission{}, fault.PermissionDenied(ReasonRoleNotAllowed, "only the mission's firm or its staffed consultant ends it")
	}
	end, reason, err := missionrules.CheckEndMission(id, endDate, reason)
	if err != nil {
		return domain.Mission{}, err
	}
	return inTx(ctx, a.repo, func(ctx context.Context, tx Tx) (domain.Mission, error) {
		m, err := holdMission(ctx, tx, caller, id, party)
		if err != nil {
			return domain.Mission{}, err
		}
		if m.Status != domain.StatusStaffed {
			_, err := domain.EndEarly(&m, nil, nil, end, reason, actorOf(caller), a.now())
			return domain.Mission{}, err
		}
		o, err := tx.Offer(ctx, m.StaffedOfferID)
		if err != nil {
			return domain.Mission{}, err
		}
		pending, err := pendingExtension(ctx, tx, id)
		if err != nil {
			return domain.Mission{}, err
		}
		out, err := domain.EndEarly(&m, &o, pending, end, reason, actorOf(caller), a.now())
		if err != nil {
			return domain.Mission{}, err
		}
		if err := tx.SaveOffer(ctx, o); err != nil {
			return domain.Mission{}, err
		}
		if err := saveExtension(ctx, tx, pending); err != nil {
			return domain.Mission{}, err
		}
		return m, saveMission(ctx, tx, m, out)
	})
}

// pendingExtension reads the mission's pending extension in tx; nil when there is none.
func pendingExtension(ctx context.Context, tx Tx, missionID string) (*domain.Extension, error) {
	e, ok, err := tx.PendingExtension(ctx, missionID)
	if err != nil || !ok {
		return nil, err
	}
	return &e, nil
}

// saveExtension stores e, when there is one.
func saveExtension(ctx context.Context, tx Tx, e *domain.Extension) error {
	if e == nil {
		return nil
	}
	return tx.SaveExtension(ctx, *e)
}

// completionBatch bounds how many due missions are read at once.
const completionBatch = 100

// CompleteMissions completes every staffed mission whose end date is before today at now, each
// in its own transaction (MissionUpdated COMPLETED, MISSION_COMPLETED by SYSTEM). It returns how
// many it completed; when some could not be, it goes on with the others and reports their
// errors together.
func (a *Application) CompleteMissions(ctx context.Context, now time.Time) (int, error) {
	return drain(ctx, now, completionBatch, a.repo.DueCompletions, a.completeMission, func(id string) string { return "complete mission " + id })
}

func (a *Application) completeMission(ctx context.Context, id string, now time.Time) (bool, error) {
	return inTx(ctx, a.repo, func(ctx context.Context, tx Tx) (bool, error) {
		m, err := tx.Mission(ctx, id)
		if err != nil {
			return false, err
		}
		pending, err := pendingExtension(ctx, tx, id)
		if err != nil {
			return false, err
		}
		out, ok := domain.Complete(&m, pending, now)
		if !ok {
			// Not due: a row stored before its end date was; saving it stores the end date.
			if m.Status == domain.StatusStaffed {
				return false, tx.SaveMission(ctx, m)
			}
			return false, nil
		}
		if err := saveExtension(ctx, tx, pending); err != nil {
			return false, err
		}
		return true, saveMission(ctx, tx, m, out)
	})
}

// GiveFeedback records the caller's feedback on a mission that ended early or completed: its
// firm or its staffed consultant, once each (FEEDBACK_ALREADY_GIVEN). Operators may never;
// anyone else is told the mission does not exist.
func (a *Application) GiveFeedback(ctx context.Context, caller identity.Caller, missionID string, rating int, comment string, wouldStaffAgain bool) (domain.Feedback, error) {
	if caller.Role != identity.RoleFirm && caller.Role != identity.RoleConsultant {
		return domain.Feedback{}, fault.PermissionDenied(ReasonRoleNotAllowed, "only the mission's firm or its staffed consultant gives feedback")
	}
	comment, err := missionrules.CheckFeedback(missionID, rating, comment)
	if err != nil {
		return domain.Feedback{}, err
	}
	return inTx(ctx, a.repo, func(ctx context.Context, tx Tx) (domain.Feedback, error) {
		m, err := holdMission(ctx, tx, caller, missionID, party)
		if err != nil {
			return domain.Feedback{}, err
		}
		by := actorOf(caller)
		already, err := tx.FeedbackGiven(ctx, missionID, by.Role)
		if err != nil {
			return domain.Feedback{}, err
		}
		f, out, err := domain.GiveFeedback(&m, by, rating, comment, wouldStaffAgain, already, a.now())
		if err != nil {
			return domain.Feedback{}, err
		}
		return f, create(ctx, tx, tx.CreateFeedback, f, out)
	})
}

// ListFeedback lists a mission's feedback to its parties and operators; anyone else is told the
// mission does not exist.
func (a *Application) ListFeedback(ctx context.Context, caller identity.Caller, missionID string) ([]domain.Feedback, error) {
	if _, err := a.partyMission(ctx, caller, missionID, true); err != nil {
		return nil, err
	}
	return a.repo.Feedback(ctx, missionID)
}
