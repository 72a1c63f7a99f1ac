-- The pseudonyms of erased profiles (never their ids), so that a shortlist naming one that
-- arrives after the erasure is taken in under the pseudonym, without the person's explanation.
CREATE TABLE erased_profiles (
    pseudonym TEXT PRIMARY KEY
);
