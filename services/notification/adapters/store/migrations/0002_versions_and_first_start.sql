-- The version of the last AccountChanged applied and the revision of the last shortlist told,
-- so that an older event redelivered after a newer one changes nothing.
ALTER TABLE accounts ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE missions ADD COLUMN shortlist_revision BIGINT NOT NULL DEFAULT 0;

-- When the service first started: events that happened before are history it learns from
-- (consumers start at the beginning of the streams), not news to tell anyone.
CREATE TABLE first_start (
    singleton  INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL
);

-- The retention purge finds old notifications and their deliveries by time.
CREATE INDEX deliveries_of_notification ON deliveries (notification_id);
