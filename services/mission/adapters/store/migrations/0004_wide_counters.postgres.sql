-- Revisions, sequences and counts are 64-bit in the domain, as SQLite's INTEGER is; PostgreSQL's
-- INTEGER is 32-bit, so its columns are widened to BIGINT.
ALTER TABLE missions
    ALTER COLUMN shortlist_revision TYPE BIGINT,
    ALTER COLUMN decision_seq TYPE BIGINT;
ALTER TABLE decisions
    ALTER COLUMN sequence TYPE BIGINT,
    ALTER COLUMN shortlist_revision TYPE BIGINT,
    ALTER COLUMN eligible_count TYPE BIGINT;
