-- The bookings the platform made for the missions it staffed live in profiles.details with the
-- consultant's own; this index finds the profiles a cancelled mission booked. No backfill: no
-- stored profile could hold a platform booking before this table existed.
CREATE TABLE platform_bookings (
    mission_id TEXT NOT NULL,
    profile_id TEXT NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    PRIMARY KEY (mission_id, profile_id)
);
CREATE INDEX platform_bookings_profile ON platform_bookings (profile_id);

-- Ids of cancelled missions, so that an acceptance handled after the cancellation (a late
-- redelivery) books no one.
CREATE TABLE cancelled_missions (
    mission_id   TEXT PRIMARY KEY,
    cancelled_at TEXT NOT NULL
);
