package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/caiomatch/caiomatch/pkg/dates"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// storedCandidate is the JSON shape of a proposal's candidate in the candidates column; it
// decouples the domain type from what is on disk.
type storedCandidate struct {
	ProfileID   string              `json:"profileId"`
	Rank        int                 `json:"rank"`
	Score       float64             `json:"score"`
	Explanation *domain.Explanation `json:"explanation,omitempty"`
}

func encodeCandidates(cs []domain.Candidate) (string, error) {
	out := make([]storedCandidate, len(cs))
	for i, c := range cs {
		out[i] = storedCandidate{ProfileID: c.ProfileID, Rank: c.Rank, Score: c.Score, Explanation: c.Explanation}
	}
	b, err := json.Marshal(out)
	return string(b), err
}

func decodeCandidates(raw string) ([]domain.Candidate, error) {
	var stored []storedCandidate
	if err := json.Unmarshal([]byte(raw), &stored); err != nil {
		return nil, fmt.Errorf("decode stored candidates: %w", err)
	}
	if len(stored) == 0 {
		return nil, nil
	}
	out := make([]domain.Candidate, len(stored))
	for i, s := range stored {
		out[i] = domain.Candidate{ProfileID: s.ProfileID, Rank: s.Rank, Score: s.Score, Explanation: s.Explanation}
	}
	return out, nil
}

const selectDecision = `SELECT mission_id, sequence, at, kind, actor_role, actor_account_id, offer_id, profile_id, reason,
	shortlist_revision, scoring_version, eligible_count, candidates, changed_fields, daily_rate_eur, end_date, extension_id,
	rating FROM decisions`

func scanDecision(s scanner) (domain.Decision, error) {
	var d domain.Decision
	var at, kind, candidates, changed, end string
	if err := s.Scan(&d.MissionID, &d.Sequence, &at, &kind, &d.Actor.Role, &d.Actor.AccountID, &d.OfferID,
		&d.ProfileID, &d.Reason, &d.Proposal.Revision, &d.Proposal.ScoringVersion, &d.Proposal.EligibleCount,
		&candidates, &changed, &d.DailyRateEUR, &end, &d.ExtensionID, &d.Rating); err != nil {
		return domain.Decision{}, err
	}
	if err := json.Unmarshal([]byte(changed), &d.ChangedFields); err != nil {
		return domain.Decision{}, fmt.Errorf("decode decision %s/%d: %w", d.MissionID, d.Sequence, err)
	}
	if len(d.ChangedFields) == 0 {
		d.ChangedFields = nil
	}
	if end != "" {
		t, err := dates.Parse(end)
		if err != nil {
			return domain.Decision{}, fmt.Errorf("decode decision %s/%d: %w", d.MissionID, d.Sequence, err)
		}
		d.EndDate = t
	}
	var ok bool
	if d.Kind, ok = domain.ParseDecisionKind(kind); !ok {
		return domain.Decision{}, fmt.Errorf("decode decision %s/%d: unknown kind %q", d.MissionID, d.Sequence, kind)
	}
	var err error
	if d.At, err = sqlstore.ParseTime(at); err != nil {
		return domain.Decision{}, err
	}
	if d.Proposal.Candidates, err = decodeCandidates(candidates); err != nil {
		return domain.Decision{}, fmt.Errorf("decode decision %s/%d: %w", d.MissionID, d.Sequence, err)
	}
	return d, nil
}

func (r *Repository) Decisions(ctx context.Context, missionID string) ([]domain.Decision, error) {
	return listRows(ctx, r.db, scanDecision, "list decisions", selectDecision+` WHERE mission_id = $1 ORDER BY sequence`, missionID)
}

// Record numbers each entry with its mission's next sequence, counted on the mission's row; the
// use cases record only for missions they hold (or create), so numbers never interleave.
func (t *tx) Record(ctx context.Context, decisions ...domain.Decision) error {
	for _, d := range decisions {
		if err := t.sql.SQL.QueryRowContext(ctx, `UPDATE missions SET decision_seq = decision_seq + 1 WHERE id = $1
			RETURNING decision_seq`, d.MissionID).Scan(&d.Sequence); err != nil {
			return fmt.Errorf("number decision of mission %s: %w", d.MissionID, err)
		}
		candidates, err := encodeCandidates(d.Proposal.Candidates)
		if err != nil {
			return err
		}
		changed, err := encodeIDs(d.ChangedFields)
		if err != nil {
			return err
		}
		end := ""
		if !d.EndDate.IsZero() {
			end = dates.Format(d.EndDate)
		}
		if _, err := t.sql.SQL.ExecContext(ctx, `INSERT INTO decisions (mission_id, sequence, at, kind, actor_role,
			actor_account_id, offer_id, profile_id, reason, shortlist_revision, scoring_version, eligible_count, candidates,
			changed_fields, daily_rate_eur, end_date, extension_id, rating)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
			d.MissionID, d.Sequence, sqlstore.FormatTime(d.At), d.Kind.String(), d.Actor.Role, d.Actor.AccountID, d.OfferID,
			d.ProfileID, d.Reason, d.Proposal.Revision, d.Proposal.ScoringVersion, d.Proposal.EligibleCount,
			candidates, changed, d.DailyRateEUR, end, d.ExtensionID, d.Rating); err != nil {
			return fmt.Errorf("insert decision: %w", err)
		}
	}
	return nil
}

// DecisionsAbout holds the missions of the entries it returns (see readHolding).
func (t *tx) DecisionsAbout(ctx context.Context, profileID string) ([]domain.Decision, error) {
	return readHolding(ctx, t, "decisions about a profile", profileID, func(pattern string) ([]domain.Decision, error) {
		return queryRows(ctx, t.sql.SQL, scanDecision, selectDecision+` WHERE profile_id = $1 OR candidates LIKE $2 ESCAPE '\'
			ORDER BY mission_id, sequence`, profileID, pattern)
	}, func(d domain.Decision) string { return d.MissionID })
}

// RewriteDecision replaces what erasure may change of an entry: its profile id, proposal, actor
// account id and reason.
func (t *tx) RewriteDecision(ctx context.Context, d domain.Decision) error {
	candidates, err := encodeCandidates(d.Proposal.Candidates)
	if err != nil {
		return err
	}
	return t.updateOne(ctx, "rewrite decision", fmt.Sprintf("%s/%d", d.MissionID, d.Sequence),
		`UPDATE decisions SET profile_id = $1, candidates = $2, actor_account_id = $3, reason = $4
		WHERE mission_id = $5 AND sequence = $6`,
		d.ProfileID, candidates, d.Actor.AccountID, d.Reason, d.MissionID, d.Sequence)
}
