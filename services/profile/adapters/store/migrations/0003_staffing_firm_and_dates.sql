-- Issue 12. The staffing firm of each platform booking (OfferAccepted's offer.firm_id) is kept
-- in profiles.details with the booking and indexed here. Rows indexed before have '' and grant
-- no firm anything: no backfill, since the firm of an old booking is not known here.
ALTER TABLE platform_bookings ADD COLUMN firm_id TEXT NOT NULL DEFAULT '';
CREATE INDEX platform_bookings_firm ON platform_bookings (firm_id, profile_id);

-- The latest staffing window the mission service announced for each mission
-- (StaffingDatesChanged), with the time it occurred: an older change handled late (redelivered
-- after a failure) never overrides a newer one, and an acceptance handled after a change books
-- the changed window.
CREATE TABLE staffing_dates (
    mission_id  TEXT PRIMARY KEY,
    profile_id  TEXT NOT NULL,
    start_date  TEXT NOT NULL,
    end_date    TEXT NOT NULL,
    occurred_at TEXT NOT NULL
);
