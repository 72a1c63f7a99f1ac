-- The read model, built only from events: profiles' matching facts and missions.
CREATE TABLE profiles (
    id    TEXT PRIMARY KEY,
    facts TEXT NOT NULL,
    -- as_of is the occurred-at of the event the facts come from; older events are ignored.
    as_of TEXT NOT NULL
);

-- Ids of erased profiles, so that no late or redelivered event brings one back.
CREATE TABLE erased_profiles (
    id        TEXT PRIMARY KEY,
    erased_at TEXT NOT NULL
);

CREATE TABLE missions (
    id               TEXT PRIMARY KEY,
    firm_id          TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    details          TEXT NOT NULL,
    -- current_revision is the revision of the current shortlist, 0 before the first.
    current_revision INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX missions_open ON missions (status) WHERE status = 'open';
CREATE INDEX missions_firm ON missions (firm_id);

-- Every shortlist ever proposed: the audit trail of automated proposals.
CREATE TABLE shortlists (
    mission_id      TEXT NOT NULL,
    revision        INTEGER NOT NULL,
    scoring_version TEXT NOT NULL,
    eligible_count  INTEGER NOT NULL,
    proposed_at     TEXT NOT NULL,
    PRIMARY KEY (mission_id, revision)
);

CREATE TABLE shortlist_candidates (
    mission_id  TEXT NOT NULL,
    revision    INTEGER NOT NULL,
    rank        INTEGER NOT NULL,
    profile_id  TEXT NOT NULL,
    -- DOUBLE PRECISION, not REAL: PostgreSQL's REAL is 4 bytes and would round scores (SQLite
    -- reads both as its 8-byte REAL).
    score       DOUBLE PRECISION NOT NULL,
    -- explanation is emptied ('') when the profile is erased.
    explanation TEXT NOT NULL,
    PRIMARY KEY (mission_id, revision, rank),
    FOREIGN KEY (mission_id, revision) REFERENCES shortlists (mission_id, revision)
);
CREATE INDEX shortlist_candidates_profile ON shortlist_candidates (profile_id);
