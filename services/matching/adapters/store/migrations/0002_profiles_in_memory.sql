-- Profiles now live in matching's in-memory index, rebuilt at start from the profile stream;
-- only the ids of erased profiles stay here.
DROP TABLE profiles;
