-- Issue 12: offers with terms and a counter, missions edited, extended, ended early, completed,
-- and feedback. Every new column has a default, so rows stored before read as they did.

-- The firm's name and contact email as given when it submitted the mission; the staffing
-- (accepted offer, its profile and account, agreed rate); end_date is the mission's last day
-- as of its last save ('' for a row saved before this migration: derived from its details).
ALTER TABLE missions ADD COLUMN firm_name TEXT NOT NULL DEFAULT '';
ALTER TABLE missions ADD COLUMN firm_email TEXT NOT NULL DEFAULT '';
ALTER TABLE missions ADD COLUMN staffed_offer_id TEXT NOT NULL DEFAULT '';
ALTER TABLE missions ADD COLUMN staffed_profile_id TEXT NOT NULL DEFAULT '';
ALTER TABLE missions ADD COLUMN staffed_consultant_id TEXT NOT NULL DEFAULT '';
ALTER TABLE missions ADD COLUMN agreed_daily_rate_eur INTEGER NOT NULL DEFAULT 0;
ALTER TABLE missions ADD COLUMN end_date TEXT NOT NULL DEFAULT '';
CREATE INDEX missions_by_status ON missions (status, end_date);
CREATE INDEX missions_by_staffed_profile ON missions (staffed_profile_id);

ALTER TABLE offers ADD COLUMN daily_rate_eur INTEGER NOT NULL DEFAULT 0;
ALTER TABLE offers ADD COLUMN message TEXT NOT NULL DEFAULT '';
ALTER TABLE offers ADD COLUMN counter_rate_eur INTEGER NOT NULL DEFAULT 0;
ALTER TABLE offers ADD COLUMN counter_message TEXT NOT NULL DEFAULT '';
CREATE INDEX offers_by_firm ON offers (firm_id, created_at DESC, id DESC);
-- A mission waits for at most one answer at a time, a counter included.
CREATE UNIQUE INDEX offers_one_open_per_mission ON offers (mission_id) WHERE status IN ('PENDING', 'COUNTERED');

ALTER TABLE decisions ADD COLUMN changed_fields TEXT NOT NULL DEFAULT '[]';
ALTER TABLE decisions ADD COLUMN daily_rate_eur INTEGER NOT NULL DEFAULT 0;
ALTER TABLE decisions ADD COLUMN end_date TEXT NOT NULL DEFAULT '';
ALTER TABLE decisions ADD COLUMN extension_id TEXT NOT NULL DEFAULT '';
ALTER TABLE decisions ADD COLUMN rating INTEGER NOT NULL DEFAULT 0;

-- Extensions a firm proposed to a staffed mission; dates "YYYY-MM-DD", times fixed-width UTC.
CREATE TABLE extensions (
    id                TEXT PRIMARY KEY,
    mission_id        TEXT NOT NULL REFERENCES missions (id),
    status            TEXT NOT NULL,
    profile_id        TEXT NOT NULL,
    consultant_id     TEXT NOT NULL,
    new_end_date      TEXT NOT NULL,
    previous_end_date TEXT NOT NULL,
    message           TEXT NOT NULL DEFAULT '',
    decline_reason    TEXT NOT NULL DEFAULT '',
    created_at        TEXT NOT NULL,
    answered_at       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX extensions_by_mission ON extensions (mission_id, created_at);
CREATE INDEX extensions_by_profile ON extensions (profile_id);
CREATE UNIQUE INDEX extensions_one_pending_per_mission ON extensions (mission_id) WHERE status = 'PENDING';

-- One feedback per side (FIRM, CONSULTANT) per mission.
CREATE TABLE feedback (
    mission_id        TEXT NOT NULL REFERENCES missions (id),
    author_role       TEXT NOT NULL,
    author_account_id TEXT NOT NULL,
    profile_id        TEXT NOT NULL,
    rating            INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment           TEXT NOT NULL DEFAULT '',
    would_staff_again INTEGER NOT NULL DEFAULT 0,
    created_at        TEXT NOT NULL,
    PRIMARY KEY (mission_id, author_role)
);
CREATE INDEX feedback_by_profile ON feedback (profile_id);
