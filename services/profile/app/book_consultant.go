package app

import (
	"context"
	"fmt"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/txn"
	"github.com/caiomatch/caiomatch/services/profile/domain"
)

// Staffing is what the profile service needs of an accepted offer.
type Staffing struct {
	MissionID string
	ProfileID string
	// StartDate and EndDate are the mission window, inclusive, "YYYY-MM-DD".
	StartDate string
	EndDate   string
	// FirmID is the staffing firm, recorded with the booking: it may see the whole profile
	// while the mission runs and for 90 days after (GetProfile). Empty grants no one anything.
	FirmID string
}

// What handling a mission event did.
const (
	ResultBooked           = "booked"
	ResultAlreadyBooked    = "already booked"
	ResultProfileAbsent    = "profile absent"
	ResultMissionCancelled = "mission cancelled"
	ResultReleased         = "released"
	ResultNotBooked        = "not booked"
	ResultBookingMoved     = "booking moved"
	ResultDatesUnchanged   = "dates unchanged"
	ResultDatesKept        = "dates kept for a later booking"
	ResultStaleDates       = "stale dates ignored"
)

// EventOutcome tells what handling an event did, for logs and tests.
type EventOutcome struct {
	// Duplicate is true when the event was already processed; nothing else happened then.
	Duplicate bool
	// Result is one of the Result constants; empty for a duplicate.
	Result string
	// Changed lists the profiles the event changed.
	Changed []string
}

// BookConsultant takes in an accepted offer exactly once: the consultant's profile gains a
// platform booking for the mission's window, published as ConsultantBooked and, so that
// matching stops proposing them for overlapping missions, ProfileUpdated. Nothing changes when
// the profile already holds a booking for that mission, when it was erased, or when the mission
// was cancelled before this event was handled (a late redelivery). Should a change of the
// mission's dates have been handled first (ChangeStaffingDates), the booking takes the changed
// window rather than the offer's.
func (a *Application) BookConsultant(ctx context.Context, d txn.Delivery, s Staffing) (EventOutcome, error) {
	if s.ProfileID == "" {
		return EventOutcome{}, fmt.Errorf("accepted offer for mission %q names no profile", s.MissionID)
	}
	booking, err := domain.NewPlatformBooking(s.MissionID, s.StartDate, s.EndDate)
	if err != nil {
		return EventOutcome{}, err
	}
	booking.FirmID = s.FirmID
	return a.handleStaffingEvent(ctx, d, s.MissionID, func(ctx context.Context, tx Tx, changed DatesChange, ok bool) (EventOutcome, error) {
		if ok && changed.ProfileID == s.ProfileID {
			window, err := domain.NewPlatformBooking(s.MissionID, changed.StartDate, changed.EndDate)
			if err != nil {
				return EventOutcome{}, err
			}
			booking.Start, booking.End = window.Start, window.End
		}
		return changeStaffedProfile(ctx, tx, s.ProfileID, func(p domain.Profile) (EventOutcome, error) {
			if !p.Book(booking, a.now()) {
				return EventOutcome{Result: ResultAlreadyBooked}, nil
			}
			return EventOutcome{Result: ResultBooked, Changed: []string{p.ID}}, saveAndPublish(ctx, tx, p,
				domain.ConsultantBooked{ProfileID: p.ID, Booking: booking},
				domain.ProfileUpdated{Profile: p})
		})
	})
}

// handleStaffingEvent is handleMissionEvent for an event about a consultant staffed on a mission
// (an acceptance, a change of dates): once the mission was cancelled it changes nothing
// (ResultMissionCancelled); otherwise handle is given the latest change of the mission's dates
// recorded so far, if any (ok).
func (a *Application) handleStaffingEvent(ctx context.Context, d txn.Delivery, missionID string,
	handle func(ctx context.Context, tx Tx, latest DatesChange, ok bool) (EventOutcome, error)) (EventOutcome, error) {
	return a.handleMissionEvent(ctx, d, missionID, func(ctx context.Context, tx Tx) (EventOutcome, error) {
		cancelled, err := tx.MissionCancelled(ctx, missionID)
		if err != nil {
			return EventOutcome{}, err
		}
		if cancelled {
			return EventOutcome{Result: ResultMissionCancelled}, nil
		}
		latest, ok, err := tx.LatestDatesChange(ctx, missionID)
		if err != nil {
			return EventOutcome{}, err
		}
		return handle(ctx, tx, latest, ok)
	})
}

// changeStaffedProfile locks and reads profile id (lockedProfile) and hands it to change; an
// erased profile changes nothing (ResultProfileAbsent).
func changeStaffedProfile(ctx context.Context, tx Tx, id string, change func(p domain.Profile) (EventOutcome, error)) (EventOutcome, error) {
	p, err := lockedProfile(ctx, tx, id)
	if fault.KindOf(err) == fault.KindNotFound {
		return EventOutcome{Result: ResultProfileAbsent}, nil
	}
	if err != nil {
		return EventOutcome{}, err
	}
	return change(p)
}

// handleMissionEvent runs handle once per delivery (txn.Runner.Once), holding the mission's
// lock (LockMission) before handle reads anything, and reports what it did.
func (a *Application) handleMissionEvent(ctx context.Context, d txn.Delivery, missionID string,
	handle func(ctx context.Context, tx Tx) (EventOutcome, error)) (EventOutcome, error) {
	var out EventOutcome
	claimed, err := a.tx.Once(ctx, d, func(ctx context.Context, tx Tx) error {
		if err := tx.Lock(ctx, LockMission, missionID); err != nil {
			return err
		}
		var err error
		out, err = handle(ctx, tx)
		return err
	})
	if err != nil {
		return EventOutcome{}, err
	}
	if !claimed {
		return EventOutcome{Duplicate: true}, nil
	}
	return out, nil
}
