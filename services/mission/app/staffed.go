package app

import (
	"context"
	"errors"
	"fmt"
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
	var ext domain.Extension
	err = a.repo.InTx(ctx, func(ctx context.Context, tx Tx) error {
		m, err := tx.Mission(ctx, missionID)
		if err != nil {
			return err
		}
		if m.FirmID != caller.AccountID {
			return ErrNotFound(missionID)
		}
		_, pending, err := tx.PendingExtension(ctx, missionID)
		if err != nil {
			return err
		}
		e, out, err := m.RequestExtension(a.newID(), newEnd, message, pending, actorOf(caller), a.now())
		if err != nil {
			return err
		}
		if err := tx.CreateExtension(ctx, e); err != nil {
			return err
		}
		ext = e
		return apply(ctx, tx, out)
	})
	if err != nil {
		return domain.Extension{}, err
	}
	return ext, nil
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
	var answered domain.Extension
	err := a.repo.InTx(ctx, func(ctx context.Context, tx Tx) error {
		e, err := tx.Extension(ctx, id)
		if err != nil {
			return err
		}
		if e.ConsultantID != caller.AccountID {
			return ErrExtensionNotFound(id)
		}
		if lockConsultant {
			if err := tx.LockConsultant(ctx, e.ConsultantID); err != nil {
				return err
			}
		}
		m, err := tx.Mission(ctx, e.MissionID)
		if err != nil {
			return err
		}
		// Read again now that the mission is held.
		if e, err = tx.Extension(ctx, id); err != nil {
			return err
		}
		out, err := decide(ctx, tx, &e, &m)
		if err != nil {
			return err
		}
		if err := tx.SaveExtension(ctx, e); err != nil {
			return err
		}
		answered = e
		return saveMission(ctx, tx, m, out)
	})
	if err != nil {
		return domain.Extension{}, err
	}
	return answered, nil
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
	var ended domain.Mission
	err = a.repo.InTx(ctx, func(ctx context.Context, tx Tx) error {
		m, err := tx.Mission(ctx, id)
		if err != nil {
			return err
		}
		if !party(caller, m) {
			return ErrNotFound(id)
		}
		if m.Status != domain.StatusStaffed {
			_, err := domain.EndEarly(&m, nil, nil, end, reason, actorOf(caller), a.now())
			return err
		}
		o, err := tx.Offer(ctx, m.StaffedOfferID)
		if err != nil {
			return err
		}
		pending, hasPending, err := tx.PendingExtension(ctx, id)
		if err != nil {
			return err
		}
		var p *domain.Extension
		if hasPending {
			p = &pending
		}
		out, err := domain.EndEarly(&m, &o, p, end, reason, actorOf(caller), a.now())
		if err != nil {
			return err
		}
		if err := tx.SaveOffer(ctx, o); err != nil {
			return err
		}
		if hasPending {
			if err := tx.SaveExtension(ctx, pending); err != nil {
				return err
			}
		}
		ended = m
		return saveMission(ctx, tx, m, out)
	})
	if err != nil {
		return domain.Mission{}, err
	}
	return ended, nil
}

// completionBatch bounds how many due missions are read at once.
const completionBatch = 100

// CompleteMissions completes every staffed mission whose end date is before today at now, each
// in its own transaction (MissionUpdated COMPLETED, MISSION_COMPLETED by SYSTEM). It returns how
// many it completed; when some could not be, it goes on with the others and reports their
// errors together.
func (a *Application) CompleteMissions(ctx context.Context, now time.Time) (int, error) {
	completed := 0
	var errs []error
	for {
		due, err := a.repo.DueCompletions(ctx, now, completionBatch)
		if err != nil {
			return completed, errors.Join(append(errs, err)...)
		}
		progress := 0
		for _, id := range due {
			done, err := a.completeMission(ctx, id, now)
			if err != nil {
				errs = append(errs, fmt.Errorf("complete mission %s: %w", id, err))
				continue
			}
			if done {
				progress++
			}
		}
		completed += progress
		if len(due) < completionBatch || progress == 0 {
			return completed, errors.Join(errs...)
		}
	}
}

func (a *Application) completeMission(ctx context.Context, id string, now time.Time) (bool, error) {
	var done bool
	err := a.repo.InTx(ctx, func(ctx context.Context, tx Tx) error {
		done = false
		m, err := tx.Mission(ctx, id)
		if err != nil {
			return err
		}
		pending, hasPending, err := tx.PendingExtension(ctx, id)
		if err != nil {
			return err
		}
		var p *domain.Extension
		if hasPending {
			p = &pending
		}
		out, ok := domain.Complete(&m, p, now)
		if !ok {
			// Not due: a row stored before its end date was; saving it stores the end date.
			if m.Status == domain.StatusStaffed {
				return tx.SaveMission(ctx, m)
			}
			return nil
		}
		if hasPending {
			if err := tx.SaveExtension(ctx, pending); err != nil {
				return err
			}
		}
		done = true
		return saveMission(ctx, tx, m, out)
	})
	return done, err
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
	var given domain.Feedback
	err = a.repo.InTx(ctx, func(ctx context.Context, tx Tx) error {
		m, err := tx.Mission(ctx, missionID)
		if err != nil {
			return err
		}
		if !party(caller, m) {
			return ErrNotFound(missionID)
		}
		by := actorOf(caller)
		already, err := tx.FeedbackGiven(ctx, missionID, by.Role)
		if err != nil {
			return err
		}
		f, out, err := domain.GiveFeedback(&m, by, rating, comment, wouldStaffAgain, already, a.now())
		if err != nil {
			return err
		}
		if err := tx.CreateFeedback(ctx, f); err != nil {
			return err
		}
		given = f
		return apply(ctx, tx, out)
	})
	if err != nil {
		return domain.Feedback{}, err
	}
	return given, nil
}

// ListFeedback lists a mission's feedback to its parties and operators; anyone else is told the
// mission does not exist.
func (a *Application) ListFeedback(ctx context.Context, caller identity.Caller, missionID string) ([]domain.Feedback, error) {
	if _, err := a.partyMission(ctx, caller, missionID, true); err != nil {
		return nil, err
	}
	return a.repo.Feedback(ctx, missionID)
}
