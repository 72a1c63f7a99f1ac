package store

import (
	"context"
	"fmt"
	"time"

	"github.com/caiomatch/caiomatch/pkg/dates"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/services/mission/app"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// An offer is read with its mission's summary and the firm's contact email (m).
const offerColumns = `o.id, o.mission_id, o.firm_id, o.profile_id, o.consultant_id, o.status, o.start_date, o.end_date,
	o.created_at, o.expires_at, o.answered_at, o.decline_reason, o.daily_rate_eur, o.message, o.counter_rate_eur,
	o.counter_message, m.details, m.firm_name, m.firm_email, m.end_date`

const selectOffer = `SELECT ` + offerColumns + ` FROM offers o JOIN missions m ON m.id = o.mission_id`

func scanOffer(s scanner) (domain.Offer, error) {
	var o domain.Offer
	var status, start, end, created, expires, answered, details, missionEnd string
	var m domain.Mission
	if err := s.Scan(&o.ID, &o.MissionID, &o.FirmID, &o.ProfileID, &o.ConsultantID, &status, &start, &end,
		&created, &expires, &answered, &o.DeclineReason, &o.DailyRateEUR, &o.Message, &o.CounterRateEUR,
		&o.CounterMessage, &details, &m.FirmName, &o.ContactEmail, &missionEnd); err != nil {
		return domain.Offer{}, err
	}
	var err error
	if m.Request, err = decodeDetails(details); err != nil {
		return domain.Offer{}, err
	}
	if m.EndOverride, err = endOverride(m.Request, missionEnd); err != nil {
		return domain.Offer{}, fmt.Errorf("decode stored offer %s: %w", o.ID, err)
	}
	o.Mission = m.Summary()
	var ok bool
	if o.Status, ok = domain.ParseOfferStatus(status); !ok {
		return domain.Offer{}, fmt.Errorf("decode stored offer %s: unknown status %q", o.ID, status)
	}
	if o.StartDate, err = dates.Parse(start); err != nil {
		return domain.Offer{}, fmt.Errorf("decode stored offer %s: %w", o.ID, err)
	}
	if o.EndDate, err = dates.Parse(end); err != nil {
		return domain.Offer{}, fmt.Errorf("decode stored offer %s: %w", o.ID, err)
	}
	if o.CreatedAt, err = sqlstore.ParseTime(created); err != nil {
		return domain.Offer{}, err
	}
	if o.ExpiresAt, err = sqlstore.ParseTime(expires); err != nil {
		return domain.Offer{}, err
	}
	if o.AnsweredAt, err = parseOptionalTime(answered); err != nil {
		return domain.Offer{}, err
	}
	return o, nil
}

func queryOffers(ctx context.Context, q queryer, query string, args ...any) ([]domain.Offer, error) {
	return queryRows(ctx, q, scanOffer, query, args...)
}

func getOffer(ctx context.Context, q queryer, id string) (domain.Offer, error) {
	return getRow(ctx, q, scanOffer, "get offer", selectOffer+` WHERE o.id = $1`, id, app.ErrOfferNotFound)
}

// formatOptionalTime stores a time that may be unset: "" for the zero time.
func formatOptionalTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return sqlstore.FormatTime(t)
}

// parseOptionalTime reads what formatOptionalTime stored.
func parseOptionalTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return sqlstore.ParseTime(s)
}

func (r *Repository) GetOffer(ctx context.Context, id string) (domain.Offer, error) {
	return getOffer(ctx, r.db, id)
}

func (r *Repository) ListOffers(ctx context.Context, filter app.OfferFilter, after *missionrules.Cursor, limit int) ([]domain.Offer, error) {
	return newestFirst(ctx, r.db, queryOffers, "list offers", selectOffer, "o.", []condition{
		{"consultant_id", filter.ConsultantID}, {"firm_id", filter.FirmID}, {"mission_id", filter.MissionID},
		{"status", statusFilter(filter.Status)},
	}, after, limit)
}

func (r *Repository) HasOffered(ctx context.Context, missionID, consultantID string) (bool, error) {
	var n int
	if err := r.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM offers WHERE mission_id = $1 AND consultant_id = $2`,
		missionID, consultantID).Scan(&n); err != nil {
		return false, fmt.Errorf("offers of a consultant on a mission: %w", err)
	}
	return n > 0, nil
}

// openStatuses are the stored statuses of an offer waiting for an answer.
var openStatuses = []any{domain.OfferStatusPending.String(), domain.OfferStatusCountered.String()}

func (r *Repository) DueOffers(ctx context.Context, now time.Time, limit int) ([]domain.Offer, error) {
	return listRows(ctx, r.db, scanOffer, "due offers", selectOffer+fmt.Sprintf(` WHERE o.status IN ($1, $2) AND o.expires_at <= $3
		ORDER BY o.expires_at, o.id LIMIT %d`, limit), openStatuses[0], openStatuses[1], sqlstore.FormatTime(now))
}

func (t *tx) Offer(ctx context.Context, id string) (domain.Offer, error) {
	return getOffer(ctx, t.sql.SQL, id)
}

func (t *tx) PendingOffer(ctx context.Context, missionID string) (domain.Offer, bool, error) {
	return firstRow(ctx, t.sql.SQL, scanOffer, "pending offer", selectOffer+` WHERE o.mission_id = $1 AND o.status IN ($2, $3)`,
		missionID, openStatuses[0], openStatuses[1])
}

// OffersOfProfile holds the missions of the offers it returns (see readHolding).
func (t *tx) OffersOfProfile(ctx context.Context, profileID string) ([]domain.Offer, error) {
	return readHolding(ctx, t, "offers of profile", profileID, func(string) ([]domain.Offer, error) {
		return queryOffers(ctx, t.sql.SQL, selectOffer+` WHERE o.profile_id = $1 ORDER BY o.created_at, o.id`, profileID)
	}, func(o domain.Offer) string { return o.MissionID })
}

// Bookings reads the consultant's accepted offers of missions staffed, ended early or
// completed (their windows cut or moved with them): an accepted offer of a mission cancelled
// since books nobody.
func (t *tx) Bookings(ctx context.Context, consultantID string) ([]domain.Offer, error) {
	return listRows(ctx, t.sql.SQL, scanOffer, "bookings", selectOffer+`
		WHERE o.consultant_id = $1 AND o.status = $2 AND m.status IN ($3, $4, $5) ORDER BY o.start_date, o.id`,
		consultantID, domain.OfferStatusAccepted.String(), domain.StatusStaffed.String(),
		domain.StatusEndedEarly.String(), domain.StatusCompleted.String())
}

func (t *tx) CreateOffer(ctx context.Context, o domain.Offer) error {
	if _, err := t.sql.SQL.ExecContext(ctx, `INSERT INTO offers (id, mission_id, firm_id, profile_id, consultant_id,
		status, start_date, end_date, created_at, expires_at, answered_at, decline_reason, daily_rate_eur, message,
		counter_rate_eur, counter_message)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
		o.ID, o.MissionID, o.FirmID, o.ProfileID, o.ConsultantID, o.Status.String(),
		dates.Format(o.StartDate), dates.Format(o.EndDate), sqlstore.FormatTime(o.CreatedAt), sqlstore.FormatTime(o.ExpiresAt),
		formatOptionalTime(o.AnsweredAt), o.DeclineReason, o.DailyRateEUR, o.Message, o.CounterRateEUR, o.CounterMessage); err != nil {
		return fmt.Errorf("insert offer: %w", err)
	}
	return nil
}

// SaveOffer stores what may change of an offer: its status, answer, counter, agreed rate,
// expiry, end date (the booking moves with its mission), and profile and consultant ids
// (erasure).
func (t *tx) SaveOffer(ctx context.Context, o domain.Offer) error {
	return t.updateOne(ctx, "update offer", o.ID, `UPDATE offers SET status = $1, answered_at = $2, decline_reason = $3,
		profile_id = $4, daily_rate_eur = $5, counter_rate_eur = $6, counter_message = $7, expires_at = $8, end_date = $9,
		consultant_id = $10 WHERE id = $11`,
		o.Status.String(), formatOptionalTime(o.AnsweredAt), o.DeclineReason, o.ProfileID, o.DailyRateEUR,
		o.CounterRateEUR, o.CounterMessage, sqlstore.FormatTime(o.ExpiresAt), dates.Format(o.EndDate), o.ConsultantID, o.ID)
}
