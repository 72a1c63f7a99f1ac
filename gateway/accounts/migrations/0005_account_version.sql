-- Each account's AccountChanged carries a version, bumped with every change in the change's own
-- transaction, so a consumer can ignore a redelivered older one.
ALTER TABLE accounts ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
