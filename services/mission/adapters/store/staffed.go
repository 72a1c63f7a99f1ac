package store

import (
	"context"
	"fmt"
	"time"

	"github.com/caiomatch/caiomatch/pkg/dates"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/services/mission/app"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

const selectExtension = `SELECT id, mission_id, status, profile_id, consultant_id, new_end_date, previous_end_date, message,
	decline_reason, created_at, answered_at FROM extensions`

func scanExtension(s scanner) (domain.Extension, error) {
	var e domain.Extension
	var status, newEnd, prevEnd, created, answered string
	if err := s.Scan(&e.ID, &e.MissionID, &status, &e.ProfileID, &e.ConsultantID, &newEnd, &prevEnd, &e.Message,
		&e.DeclineReason, &created, &answered); err != nil {
		return domain.Extension{}, err
	}
	var ok bool
	if e.Status, ok = domain.ParseExtensionStatus(status); !ok {
		return domain.Extension{}, fmt.Errorf("decode stored extension %s: unknown status %q", e.ID, status)
	}
	var err error
	if e.NewEndDate, err = dates.Parse(newEnd); err != nil {
		return domain.Extension{}, fmt.Errorf("decode stored extension %s: %w", e.ID, err)
	}
	if e.PreviousEndDate, err = dates.Parse(prevEnd); err != nil {
		return domain.Extension{}, fmt.Errorf("decode stored extension %s: %w", e.ID, err)
	}
	if e.CreatedAt, err = sqlstore.ParseTime(created); err != nil {
		return domain.Extension{}, err
	}
	if e.AnsweredAt, err = parseOptionalTime(answered); err != nil {
		return domain.Extension{}, err
	}
	return e, nil
}

func getExtension(ctx context.Context, q queryer, id string) (domain.Extension, error) {
	return getRow(ctx, q, scanExtension, "get extension", selectExtension+` WHERE id = $1`, id, app.ErrExtensionNotFound)
}

func (r *Repository) GetExtension(ctx context.Context, id string) (domain.Extension, error) {
	return getExtension(ctx, r.db, id)
}

func (r *Repository) Extensions(ctx context.Context, missionID string) ([]domain.Extension, error) {
	return listRows(ctx, r.db, scanExtension, "list extensions", selectExtension+` WHERE mission_id = $1 ORDER BY created_at, id`, missionID)
}

func (t *tx) Extension(ctx context.Context, id string) (domain.Extension, error) {
	return getExtension(ctx, t.sql.SQL, id)
}

func (t *tx) PendingExtension(ctx context.Context, missionID string) (domain.Extension, bool, error) {
	return firstRow(ctx, t.sql.SQL, scanExtension, "pending extension", selectExtension+` WHERE mission_id = $1 AND status = $2`,
		missionID, domain.ExtensionStatusPending.String())
}

func (t *tx) CreateExtension(ctx context.Context, e domain.Extension) error {
	if _, err := t.sql.SQL.ExecContext(ctx, `INSERT INTO extensions (id, mission_id, status, profile_id, consultant_id,
		new_end_date, previous_end_date, message, decline_reason, created_at, answered_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		e.ID, e.MissionID, e.Status.String(), e.ProfileID, e.ConsultantID, dates.Format(e.NewEndDate),
		dates.Format(e.PreviousEndDate), e.Message, e.DeclineReason, sqlstore.FormatTime(e.CreatedAt),
		formatOptionalTime(e.AnsweredAt)); err != nil {
		return fmt.Errorf("insert extension: %w", err)
	}
	return nil
}

// SaveExtension stores what may change of an extension: its status, answer, and profile and
// consultant ids.
func (t *tx) SaveExtension(ctx context.Context, e domain.Extension) error {
	return t.updateOne(ctx, "update extension", e.ID, `UPDATE extensions SET status = $1, answered_at = $2,
		decline_reason = $3, profile_id = $4, consultant_id = $5 WHERE id = $6`,
		e.Status.String(), formatOptionalTime(e.AnsweredAt), e.DeclineReason, e.ProfileID, e.ConsultantID, e.ID)
}

// ExtensionsOfProfile holds the missions of the extensions it returns (see readHolding).
func (t *tx) ExtensionsOfProfile(ctx context.Context, profileID string) ([]domain.Extension, error) {
	return readHolding(ctx, t, "extensions of profile", profileID, func(string) ([]domain.Extension, error) {
		return queryRows(ctx, t.sql.SQL, scanExtension, selectExtension+` WHERE profile_id = $1 ORDER BY id`, profileID)
	}, func(e domain.Extension) string { return e.MissionID })
}

const selectFeedback = `SELECT mission_id, author_role, author_account_id, profile_id, rating, comment, would_staff_again,
	created_at FROM feedback`

func scanFeedback(s scanner) (domain.Feedback, error) {
	var f domain.Feedback
	var again int
	var created string
	if err := s.Scan(&f.MissionID, &f.AuthorRole, &f.AuthorAccountID, &f.ProfileID, &f.Rating, &f.Comment, &again,
		&created); err != nil {
		return domain.Feedback{}, err
	}
	f.WouldStaffAgain = again != 0
	var err error
	f.CreatedAt, err = sqlstore.ParseTime(created)
	return f, err
}

func (r *Repository) Feedback(ctx context.Context, missionID string) ([]domain.Feedback, error) {
	return listRows(ctx, r.db, scanFeedback, "list feedback", selectFeedback+` WHERE mission_id = $1 ORDER BY created_at, author_role`, missionID)
}

func (t *tx) FeedbackGiven(ctx context.Context, missionID, authorRole string) (bool, error) {
	var n int
	if err := t.sql.SQL.QueryRowContext(ctx, `SELECT COUNT(*) FROM feedback WHERE mission_id = $1 AND author_role = $2`,
		missionID, authorRole).Scan(&n); err != nil {
		return false, fmt.Errorf("feedback given: %w", err)
	}
	return n > 0, nil
}

func (t *tx) CreateFeedback(ctx context.Context, f domain.Feedback) error {
	again := 0
	if f.WouldStaffAgain {
		again = 1
	}
	if _, err := t.sql.SQL.ExecContext(ctx, `INSERT INTO feedback (mission_id, author_role, author_account_id, profile_id,
		rating, comment, would_staff_again, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		f.MissionID, f.AuthorRole, f.AuthorAccountID, f.ProfileID, f.Rating, f.Comment, again,
		sqlstore.FormatTime(f.CreatedAt)); err != nil {
		return fmt.Errorf("insert feedback: %w", err)
	}
	return nil
}

// FeedbackOfProfile holds the missions of the feedback it returns (see readHolding).
func (t *tx) FeedbackOfProfile(ctx context.Context, profileID string) ([]domain.Feedback, error) {
	return readHolding(ctx, t, "feedback of profile", profileID, func(string) ([]domain.Feedback, error) {
		return queryRows(ctx, t.sql.SQL, scanFeedback, selectFeedback+` WHERE profile_id = $1 ORDER BY mission_id, author_role`, profileID)
	}, func(f domain.Feedback) string { return f.MissionID })
}

// RewriteFeedback replaces what erasure may change of a feedback: its profile id, author
// account id and comment.
func (t *tx) RewriteFeedback(ctx context.Context, f domain.Feedback) error {
	return t.updateOne(ctx, "rewrite feedback", f.MissionID+"/"+f.AuthorRole,
		`UPDATE feedback SET profile_id = $1, author_account_id = $2, comment = $3 WHERE mission_id = $4 AND author_role = $5`,
		f.ProfileID, f.AuthorAccountID, f.Comment, f.MissionID, f.AuthorRole)
}

// DueCompletions returns up to limit ids of staffed missions whose end date is before today
// (UTC) at now; rows saved before the end date was stored are checked in full by the caller.
func (r *Repository) DueCompletions(ctx context.Context, now time.Time, limit int) ([]string, error) {
	return listRows(ctx, r.db, scanID, "due completions", fmt.Sprintf(`SELECT id FROM missions WHERE status = $1 AND (end_date = '' OR end_date < $2)
		ORDER BY end_date, id LIMIT %d`, limit), domain.StatusStaffed.String(), dates.Format(dates.Today(now)))
}
