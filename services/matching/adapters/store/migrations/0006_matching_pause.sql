-- The operators' switch over automated matching, shared by the replicas: paused while since is
-- not empty. held_missions are the missions whose proposal the pause holds; the resume ranks
-- them and empties the table, in one transaction.
CREATE TABLE matching_pause (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    since     TEXT NOT NULL,
    reason    TEXT NOT NULL,
    paused_by TEXT NOT NULL
);
INSERT INTO matching_pause (id, since, reason, paused_by) VALUES (1, '', '', '');
CREATE TABLE held_missions (
    mission_id TEXT PRIMARY KEY,
    held_at    TEXT NOT NULL
);
