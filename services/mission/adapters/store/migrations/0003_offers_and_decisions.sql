-- The current shortlist's candidates (a JSON array of profile ids, best first) and the counter
-- that numbers each mission's decisions trail. A mission stored before this migration has no
-- known candidates until matching proposes a newer shortlist revision.
ALTER TABLE missions ADD COLUMN candidates TEXT NOT NULL DEFAULT '[]';
ALTER TABLE missions ADD COLUMN decision_seq INTEGER NOT NULL DEFAULT 0;

-- Offers of a mission to one consultant. consultant_id is the consultant's account; dates are
-- "YYYY-MM-DD" and times fixed-width UTC, so text order is time order.
CREATE TABLE offers (
    id             TEXT PRIMARY KEY,
    mission_id     TEXT NOT NULL REFERENCES missions (id),
    firm_id        TEXT NOT NULL,
    profile_id     TEXT NOT NULL,
    consultant_id  TEXT NOT NULL,
    status         TEXT NOT NULL,
    start_date     TEXT NOT NULL,
    end_date       TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    answered_at    TEXT NOT NULL DEFAULT '',
    decline_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX offers_by_consultant ON offers (consultant_id, created_at DESC, id DESC);
CREATE INDEX offers_by_time ON offers (created_at DESC, id DESC);
CREATE INDEX offers_by_mission ON offers (mission_id);
CREATE INDEX offers_by_profile ON offers (profile_id);
CREATE INDEX offers_by_expiry ON offers (status, expires_at);
-- A mission waits for at most one answer at a time.
CREATE UNIQUE INDEX offers_one_pending_per_mission ON offers (mission_id) WHERE status = 'PENDING';

-- One row per consultant ever booked: a transaction that books a consultant first writes their
-- row, so two such transactions for the same consultant run one after the other (SQLite
-- serialises every writer anyway; PostgreSQL holds the row lock until commit).
CREATE TABLE consultant_locks (
    consultant_id TEXT PRIMARY KEY,
    locked_at     TEXT NOT NULL
);

-- Each mission's decisions trail, append-only (erasure pseudonymises profile ids in place).
-- candidates is the proposal of a SHORTLIST_PROPOSED entry as JSON, with score breakdowns.
CREATE TABLE decisions (
    mission_id         TEXT NOT NULL REFERENCES missions (id),
    sequence           INTEGER NOT NULL,
    at                 TEXT NOT NULL,
    kind               TEXT NOT NULL,
    actor_role         TEXT NOT NULL,
    actor_account_id   TEXT NOT NULL DEFAULT '',
    offer_id           TEXT NOT NULL DEFAULT '',
    profile_id         TEXT NOT NULL DEFAULT '',
    reason             TEXT NOT NULL DEFAULT '',
    shortlist_revision INTEGER NOT NULL DEFAULT 0,
    scoring_version    TEXT NOT NULL DEFAULT '',
    eligible_count     INTEGER NOT NULL DEFAULT 0,
    candidates         TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (mission_id, sequence)
);
CREATE INDEX decisions_by_profile ON decisions (profile_id);
