package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/caiomatch/caiomatch/pkg/dates"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/services/mission/app"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

const offerColumns = `o.id, o.mission_id, o.firm_id, o.profile_id, o.consultant_id, o.status, o.start_date, o.end_date,
	o.created_at, o.expires_at, o.answered_at, o.decline_reason`

const selectOffer = `SELECT ` + offerColumns + ` FROM offers o`

func scanOffer(s scanner) (domain.Offer, error) {
	var o domain.Offer
	var status, start, end, created, expires, answered string
	if err := s.Scan(&o.ID, &o.MissionID, &o.FirmID, &o.ProfileID, &o.ConsultantID, &status, &start, &end,
		&created, &expires, &answered, &o.DeclineReason); err != nil {
		return domain.Offer{}, err
	}
	var ok bool
	if o.Status, ok = domain.ParseOfferStatus(status); !ok {
		return domain.Offer{}, fmt.Errorf("decode stored offer %s: unknown status %q", o.ID, status)
	}
	var err error
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
	if answered != "" {
		if o.AnsweredAt, err = sqlstore.ParseTime(answered); err != nil {
			return domain.Offer{}, err
		}
	}
	return o, nil
}

func queryOffers(ctx context.Context, q queryer, query string, args ...any) ([]domain.Offer, error) {
	return queryRows(ctx, q, scanOffer, query, args...)
}

func getOffer(ctx context.Context, q queryer, id string) (domain.Offer, error) {
	o, err := scanOffer(q.QueryRowContext(ctx, selectOffer+` WHERE o.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Offer{}, app.ErrOfferNotFound(id)
	}
	if err != nil {
		return domain.Offer{}, fmt.Errorf("get offer: %w", err)
	}
	return o, nil
}

func formatOptionalTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return sqlstore.FormatTime(t)
}

func (r *Repository) GetOffer(ctx context.Context, id string) (domain.Offer, error) {
	return getOffer(ctx, r.db, id)
}

func (r *Repository) ListOffers(ctx context.Context, consultantID string, after *missionrules.Cursor, limit int) ([]domain.Offer, error) {
	return newestFirst(ctx, r.db, queryOffers, "list offers", selectOffer, "o.", "consultant_id", consultantID, after, limit)
}

func (r *Repository) DueOffers(ctx context.Context, now time.Time, limit int) ([]domain.Offer, error) {
	offers, err := queryOffers(ctx, r.db, selectOffer+fmt.Sprintf(` WHERE o.status = $1 AND o.expires_at <= $2
		ORDER BY o.expires_at, o.id LIMIT %d`, limit), domain.OfferStatusPending.String(), sqlstore.FormatTime(now))
	if err != nil {
		return nil, fmt.Errorf("due offers: %w", err)
	}
	return offers, nil
}

func (t *tx) Offer(ctx context.Context, id string) (domain.Offer, error) {
	return getOffer(ctx, t.sql.SQL, id)
}

func (t *tx) PendingOffer(ctx context.Context, missionID string) (domain.Offer, bool, error) {
	offers, err := queryOffers(ctx, t.sql.SQL, selectOffer+` WHERE o.mission_id = $1 AND o.status = $2`,
		missionID, domain.OfferStatusPending.String())
	if err != nil {
		return domain.Offer{}, false, fmt.Errorf("pending offer: %w", err)
	}
	if len(offers) == 0 {
		return domain.Offer{}, false, nil
	}
	return offers[0], true, nil
}

// OffersOfProfile holds the missions of the offers it returns (see readHolding).
func (t *tx) OffersOfProfile(ctx context.Context, profileID string) ([]domain.Offer, error) {
	return readHolding(ctx, t, "offers of profile", profileID, func(string) ([]domain.Offer, error) {
		return queryOffers(ctx, t.sql.SQL, selectOffer+` WHERE o.profile_id = $1 ORDER BY o.created_at, o.id`, profileID)
	}, func(o domain.Offer) string { return o.MissionID })
}

// Bookings reads the consultant's accepted offers of missions still staffed: an accepted offer
// of a mission cancelled since books nobody.
func (t *tx) Bookings(ctx context.Context, consultantID string) ([]domain.Offer, error) {
	offers, err := queryOffers(ctx, t.sql.SQL, selectOffer+` JOIN missions m ON m.id = o.mission_id
		WHERE o.consultant_id = $1 AND o.status = $2 AND m.status = $3 ORDER BY o.start_date, o.id`,
		consultantID, domain.OfferStatusAccepted.String(), domain.StatusStaffed.String())
	if err != nil {
		return nil, fmt.Errorf("bookings: %w", err)
	}
	return offers, nil
}

func (t *tx) CreateOffer(ctx context.Context, o domain.Offer) error {
	if _, err := t.sql.SQL.ExecContext(ctx, `INSERT INTO offers (id, mission_id, firm_id, profile_id, consultant_id,
		status, start_date, end_date, created_at, expires_at, answered_at, decline_reason)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		o.ID, o.MissionID, o.FirmID, o.ProfileID, o.ConsultantID, o.Status.String(),
		dates.Format(o.StartDate), dates.Format(o.EndDate), sqlstore.FormatTime(o.CreatedAt), sqlstore.FormatTime(o.ExpiresAt),
		formatOptionalTime(o.AnsweredAt), o.DeclineReason); err != nil {
		return fmt.Errorf("insert offer: %w", err)
	}
	return nil
}

// SaveOffer stores what may change of an offer: its status, answer and profile id (erasure).
func (t *tx) SaveOffer(ctx context.Context, o domain.Offer) error {
	return t.updateOne(ctx, "update offer", o.ID, `UPDATE offers SET status = $1, answered_at = $2, decline_reason = $3,
		profile_id = $4 WHERE id = $5`,
		o.Status.String(), formatOptionalTime(o.AnsweredAt), o.DeclineReason, o.ProfileID, o.ID)
}
