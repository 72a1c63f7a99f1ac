package app

import (
	"context"
	"time"

	"github.com/caiomatch/caiomatch/pkg/txn"
	"github.com/caiomatch/caiomatch/services/notification/domain"
)

// Outcome is what handling one event did.
type Outcome struct {
	// Duplicate: the event was handled before; nothing changed.
	Duplicate bool
	// Notified is the number of notifications created.
	Notified int
}

func outcome(claimed bool, notified int, err error) (Outcome, error) {
	if err != nil {
		return Outcome{}, err
	}
	return Outcome{Duplicate: !claimed, Notified: notified}, nil
}

// RecordMission keeps a submitted or edited mission's firm and title.
func (a *Application) RecordMission(ctx context.Context, d txn.Delivery, id, firmID, title string) (Outcome, error) {
	claimed, err := a.repo.Once(ctx, d, func(ctx context.Context, tx Tx) error {
		m, _, err := tx.Mission(ctx, id)
		if err != nil {
			return err
		}
		m.ID, m.Title = id, title
		if firmID != "" {
			m.FirmID = firmID
		}
		return tx.SaveMission(ctx, m)
	})
	return outcome(claimed, 0, err)
}

// Notify handles an event that only tells: extensions requested and answered.
func (a *Application) Notify(ctx context.Context, d txn.Delivery, h Happening) (Outcome, error) {
	h.EventID = d.EventID
	var n int
	claimed, err := a.repo.Once(ctx, d, func(ctx context.Context, tx Tx) error {
		var err error
		n, err = a.notify(ctx, tx, h)
		return err
	})
	return a.told(claimed, n, err)
}

// told ends the handling of an event: the live feed and the dispatchers wake up when it
// created notifications.
func (a *Application) told(claimed bool, n int, err error) (Outcome, error) {
	out, err := outcome(claimed, n, err)
	if err == nil && out.Notified > 0 {
		a.cfg.Observer.Notified(out.Notified)
		a.created()
	}
	return out, err
}

// ApplyShortlist tells the firm of a first shortlist or a changed one; the same candidates
// proposed again tell nothing, and no candidate at all (mission.no_match says so) tells nothing
// but is remembered, so that the next shortlist is news even with the same candidates. A
// shortlist older than the last one (a redelivery) is ignored.
func (a *Application) ApplyShortlist(ctx context.Context, d txn.Delivery, s Shortlist) (Outcome, error) {
	var n int
	claimed, err := a.repo.Once(ctx, d, func(ctx context.Context, tx Tx) error {
		m, _, err := tx.Mission(ctx, s.MissionID)
		if err != nil {
			return err
		}
		if s.Revision != 0 && s.Revision <= m.ShortlistRevision {
			return nil
		}
		key := domain.ShortlistKey(s.Candidates)
		if key == m.Shortlist && s.Revision == 0 {
			return nil
		}
		unchanged := key == m.Shortlist
		m.ID, m.Shortlist, m.ShortlistRevision = s.MissionID, key, max(s.Revision, m.ShortlistRevision)
		if m.FirmID == "" {
			m.FirmID = s.FirmID
		}
		if err := tx.SaveMission(ctx, m); err != nil || unchanged || len(s.Candidates) == 0 {
			return err
		}
		n, err = a.notify(ctx, tx, Happening{Type: domain.TypeShortlistReady, EventID: d.EventID, MissionID: s.MissionID,
			FirmID: s.FirmID, OccurredAt: s.OccurredAt,
			Facts: domain.Facts{MissionTitle: m.Title, Revision: s.Revision, Candidates: len(s.Candidates)}})
		return err
	})
	return a.told(claimed, n, err)
}

// Shortlist is a proposed shortlist: its candidates' profiles in rank order.
type Shortlist struct {
	MissionID, FirmID string
	Revision          int64
	Candidates        []string
	OccurredAt        time.Time
}

// MissionChange is a mission status change that tells someone.
type MissionChange int

const (
	MissionNoMatch MissionChange = iota + 1
	MissionEndedEarly
	MissionCompleted
)

// ChangeMission tells the firm that nobody matches its mission, or both sides that the mission
// ended.
func (a *Application) ChangeMission(ctx context.Context, d txn.Delivery, missionID string, change MissionChange, occurredAt time.Time) (Outcome, error) {
	h := Happening{Type: domain.TypeMissionNoMatch, MissionID: missionID, OccurredAt: occurredAt}
	if change != MissionNoMatch {
		h.Type, h.Facts.Completed = domain.TypeMissionEnded, change == MissionCompleted
	}
	return a.Notify(ctx, d, h)
}
