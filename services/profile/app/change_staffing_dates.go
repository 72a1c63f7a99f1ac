package app

import (
	"context"
	"fmt"
	"time"

	"github.com/caiomatch/caiomatch/pkg/txn"
	"github.com/caiomatch/caiomatch/services/profile/domain"
)

// DatesChange is a staffed mission's new window, as the mission service announced it
// (StaffingDatesChanged: an extension accepted, an early end), and when it did.
type DatesChange struct {
	MissionID string
	ProfileID string
	// StartDate and EndDate are the new window, inclusive, "YYYY-MM-DD".
	StartDate string
	EndDate   string
	// OccurredAt is when the mission service made the change (the event's occurred-at): of two
	// changes of one mission, the later one wins whatever order they are handled in.
	OccurredAt time.Time
}

// ChangeStaffingDates takes in a change of a staffed mission's dates exactly once: the
// consultant's platform booking for the mission moves to the new window, published as
// ProfileUpdated (its facts hold the moved booking, so matching stops or starts proposing the
// consultant for the days concerned). It runs under the same locks as BookConsultant: the
// mission's, then the profile's.
//
// Out of order, it behaves as follows, changing nothing but what it says:
//   - the mission was cancelled: nothing (the booking is already gone);
//   - a later change of the same mission was already handled (this one was redelivered after a
//     failure): nothing, the later window stays;
//   - the profile was erased: nothing;
//   - the profile holds no booking for the mission yet (the acceptance has not been handled: it
//     failed and is being redelivered, or lies in the dead-letter stream): the window is
//     remembered, and the acceptance, when handled, books it instead of the offer's.
func (a *Application) ChangeStaffingDates(ctx context.Context, d txn.Delivery, c DatesChange) (EventOutcome, error) {
	if c.ProfileID == "" {
		return EventOutcome{}, fmt.Errorf("staffing dates of mission %q name no profile", c.MissionID)
	}
	if c.OccurredAt.IsZero() {
		return EventOutcome{}, fmt.Errorf("staffing dates of mission %q without an occurrence time", c.MissionID)
	}
	window, err := domain.NewPlatformBooking(c.MissionID, c.StartDate, c.EndDate)
	if err != nil {
		return EventOutcome{}, err
	}
	return a.handleStaffingEvent(ctx, d, c.MissionID, func(ctx context.Context, tx Tx, latest DatesChange, ok bool) (EventOutcome, error) {
		if ok && latest.OccurredAt.After(c.OccurredAt) {
			return EventOutcome{Result: ResultStaleDates}, nil
		}
		if err := tx.RecordDatesChange(ctx, c); err != nil {
			return EventOutcome{}, err
		}
		return changeStaffedProfile(ctx, tx, c.ProfileID, func(p domain.Profile) (EventOutcome, error) {
			found, moved := p.Reschedule(window, a.now())
			switch {
			case !found:
				return EventOutcome{Result: ResultDatesKept}, nil
			case !moved:
				return EventOutcome{Result: ResultDatesUnchanged}, nil
			}
			return EventOutcome{Result: ResultBookingMoved, Changed: []string{p.ID}},
				saveAndPublish(ctx, tx, p, domain.ProfileUpdated{Profile: p})
		})
	})
}
