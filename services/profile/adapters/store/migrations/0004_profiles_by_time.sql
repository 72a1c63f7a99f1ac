-- Operators list every profile newest first, a page at a time (ListProfiles): keyset
-- pagination compares the stored created_at texts, which sort as the times do only in
-- sqlstore.TimeLayout (UTC, nine fraction digits always written). Rows written before this
-- store used that layout hold RFC 3339 with the fraction's trailing zeros dropped
-- ("…T09:00:00Z", "…T09:00:00.5Z"), which sort out of time order; they are rewritten to the
-- fixed width, the same instant. A consultant's own profiles are found by the unique index on
-- account_id.
UPDATE profiles SET created_at = CASE
        WHEN length(created_at) = 20 THEN substr(created_at, 1, 19) || '.000000000Z'
        ELSE substr(substr(created_at, 1, length(created_at) - 1) || '000000000', 1, 29) || 'Z'
    END
WHERE length(created_at) BETWEEN 20 AND 29 AND created_at LIKE '____-__-__T__:__:__%Z';
CREATE INDEX profiles_by_time ON profiles (created_at DESC, id DESC);
