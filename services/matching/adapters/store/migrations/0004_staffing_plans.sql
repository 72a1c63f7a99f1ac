-- Global staffing plans, as proposed to operators; plans are never changed once stored.
CREATE TABLE staffing_plans (
    id         TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    plan       TEXT NOT NULL
);
