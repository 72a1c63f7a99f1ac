-- The audit log of personal-data access: one row per read, change, refusal or failed sign-in,
-- holding ids, route templates and status codes only. Newest first is the only order read, by
-- subject, by actor or over everything, so each index ends with (at, id), the page cursor.
CREATE TABLE audit_events (
    id         TEXT PRIMARY KEY,
    at         TEXT NOT NULL,
    actor_id   TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    kind       TEXT NOT NULL,
    action     TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    outcome    INTEGER NOT NULL,
    reason     TEXT NOT NULL,
    trace_id   TEXT NOT NULL
);
CREATE INDEX audit_events_by_subject ON audit_events (subject_id, at, id);
CREATE INDEX audit_events_by_actor ON audit_events (actor_id, at, id);
CREATE INDEX audit_events_by_time ON audit_events (at, id);
