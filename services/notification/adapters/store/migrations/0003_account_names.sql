-- Accounts' names, from AccountChanged: a firm's is shown in its offers' notifications (mission
-- events no longer carry it). Deleted with the account when it is erased.
ALTER TABLE accounts ADD COLUMN name TEXT NOT NULL DEFAULT '';
