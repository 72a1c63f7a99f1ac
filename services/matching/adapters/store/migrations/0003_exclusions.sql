-- Consultants who declined a mission, or let its offer expire: never ranked for it again.
CREATE TABLE mission_exclusions (
    mission_id  TEXT NOT NULL,
    profile_id  TEXT NOT NULL,
    reason      TEXT NOT NULL CHECK (reason IN ('declined', 'expired')),
    excluded_at TEXT NOT NULL,
    PRIMARY KEY (mission_id, profile_id)
);
