-- The PostgreSQL twin of 0001_outbox.sqlite.sql: SQLite's INTEGER PRIMARY KEY AUTOINCREMENT
-- (a 64-bit rowid never reused) and BLOB have no spelling PostgreSQL shares.
CREATE TABLE outbox (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id     TEXT NOT NULL UNIQUE,
    subject      TEXT NOT NULL,
    data         BYTEA NOT NULL,
    trace_header TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    sent_at      TEXT
);
CREATE INDEX outbox_unsent ON outbox (seq) WHERE sent_at IS NULL;
