-- Replicas of the matching service share one database and each cache the open missions in
-- memory. Every transaction that changes a mission's open state (the mission, its current
-- shortlist, its exclusions) stamps the mission with the next state version; a replica
-- catches up by reading the missions stamped after the version it last saw. profile_seq is the
-- highest profile stream sequence whose event a replica has committed: another replica's
-- in-memory index must have followed the stream that far before it ranks.
CREATE TABLE matching_state (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    version     BIGINT NOT NULL,
    profile_seq BIGINT NOT NULL
);
INSERT INTO matching_state (id, version, profile_seq) VALUES (1, 0, 0);
ALTER TABLE missions ADD COLUMN state_version BIGINT NOT NULL DEFAULT 0;
CREATE INDEX missions_state_version ON missions (state_version);
