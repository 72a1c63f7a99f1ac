-- Accounts gain a status (self-service sign-ups wait for approval), the language of their
-- emails and whether they want emails at all. Accounts made by operators are ACTIVE.
ALTER TABLE accounts ADD COLUMN status TEXT NOT NULL DEFAULT 'ACTIVE';
ALTER TABLE accounts ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
ALTER TABLE accounts ADD COLUMN email_notifications INTEGER NOT NULL DEFAULT 1;
CREATE INDEX accounts_email ON accounts (lower(email));
CREATE INDEX accounts_role_status ON accounts (role, status, id);

-- Every credential: named API tokens and web sessions, each stored as the SHA-256 of its
-- secret. accounts.token_hash keeps the token an account was created with, which is also
-- copied here: authentication reads only this table, so revoking works for every token.
CREATE TABLE tokens (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    kind       TEXT NOT NULL, -- 'api' or 'session'
    name       TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT,          -- NULL: never (tokens made before tokens expired)
    revoked_at TEXT
);
CREATE INDEX tokens_account ON tokens (account_id, kind);
INSERT INTO tokens (id, account_id, kind, name, token_hash, created_at)
    SELECT 'initial-' || id, id, 'api', 'initial', token_hash, created_at FROM accounts;

-- A sign-up waiting for its emailed code: one per address, the newest replacing the older.
-- The name is kept only until the code is used or expires.
CREATE TABLE signups (
    email      TEXT PRIMARY KEY, -- lower-cased
    role       TEXT NOT NULL,
    name       TEXT NOT NULL,
    language   TEXT NOT NULL,
    code_hash  TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    expires_at TEXT NOT NULL
);

-- Emailed sign-in links, single-use.
CREATE TABLE sign_in_links (
    link_hash  TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    expires_at TEXT NOT NULL,
    used_at    TEXT
);
