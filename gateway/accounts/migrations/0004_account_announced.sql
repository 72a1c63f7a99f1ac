-- Whether an account's AccountChanged was ever published: accounts made before accounts
-- published events are announced once at start, so that consumers learn of every account.
ALTER TABLE accounts ADD COLUMN announced INTEGER NOT NULL DEFAULT 0;
