-- The account's optional contact email ('' when none was given); shown to the consultant a
-- firm staffs, never logged.
ALTER TABLE accounts ADD COLUMN email TEXT NOT NULL DEFAULT '';
