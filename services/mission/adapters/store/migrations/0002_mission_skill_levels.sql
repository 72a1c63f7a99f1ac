-- The minimum levels a mission gives to some of its required skills, one row each; ordinal keeps
-- the client's order. A mission stored before this table existed simply has none.
CREATE TABLE mission_skill_levels (
    mission_id TEXT NOT NULL REFERENCES missions (id),
    ordinal    INTEGER NOT NULL,
    skill_id   TEXT NOT NULL,
    min_level  INTEGER NOT NULL CHECK (min_level BETWEEN 1 AND 5),
    PRIMARY KEY (mission_id, ordinal),
    UNIQUE (mission_id, skill_id)
);
