CREATE TABLE missions (
    id                 TEXT PRIMARY KEY,
    firm_id            TEXT NOT NULL,
    status             TEXT NOT NULL,
    shortlist_revision INTEGER NOT NULL DEFAULT 0,
    details            TEXT NOT NULL,
    -- created_at and updated_at are fixed-width UTC timestamps, so text order is time order.
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX missions_by_firm ON missions (firm_id, created_at DESC, id DESC);
CREATE INDEX missions_by_time ON missions (created_at DESC, id DESC);
