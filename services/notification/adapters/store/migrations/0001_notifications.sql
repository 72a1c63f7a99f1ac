-- What the service knows of accounts, profiles and missions from their events.
CREATE TABLE accounts (
    id                  TEXT PRIMARY KEY,
    role                TEXT NOT NULL,
    status              TEXT NOT NULL,
    email               TEXT NOT NULL,
    language            TEXT NOT NULL,
    email_notifications INTEGER NOT NULL
);
CREATE TABLE profiles (
    profile_id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL
);
CREATE TABLE missions (
    id                 TEXT PRIMARY KEY,
    firm_id            TEXT NOT NULL,
    title              TEXT NOT NULL,
    staffed_profile_id TEXT NOT NULL,
    shortlist          TEXT NOT NULL
);

CREATE TABLE notifications (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    type       TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    mission_id TEXT NOT NULL,
    offer_id   TEXT NOT NULL,
    facts      TEXT NOT NULL,
    created_at TEXT NOT NULL,
    read_at    TEXT NOT NULL,
    UNIQUE (event_id, account_id)
);
CREATE INDEX notifications_of_account ON notifications (account_id, created_at, id);
CREATE INDEX notifications_by_time ON notifications (created_at);

CREATE TABLE webhooks (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL,
    url         TEXT NOT NULL,
    events      TEXT NOT NULL,
    signing_key TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX webhooks_of_account ON webhooks (account_id, created_at);

-- One row per notification, channel and target (a webhook's id, or the account for email).
CREATE TABLE deliveries (
    id              TEXT PRIMARY KEY,
    notification_id TEXT NOT NULL,
    channel         TEXT NOT NULL,
    target          TEXT NOT NULL,
    account_id      TEXT NOT NULL,
    type            TEXT NOT NULL,
    status          TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    UNIQUE (notification_id, channel, target)
);
CREATE INDEX deliveries_due ON deliveries (channel, status, next_attempt_at);
CREATE INDEX deliveries_of_target ON deliveries (target, created_at, id);

CREATE TABLE delivery_attempts (
    delivery_id  TEXT NOT NULL,
    attempted_at TEXT NOT NULL,
    status_code  INTEGER NOT NULL,
    duration_ms  BIGINT NOT NULL,
    error        TEXT NOT NULL
);
CREATE INDEX delivery_attempts_of_delivery ON delivery_attempts (delivery_id, attempted_at);

-- The offer.expiring reminder of each open offer, with its due time, so a restart keeps it.
CREATE TABLE reminders (
    offer_id   TEXT PRIMARY KEY,
    mission_id TEXT NOT NULL,
    profile_id TEXT NOT NULL,
    facts      TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    due_at     TEXT NOT NULL
);
CREATE INDEX reminders_due ON reminders (due_at);
