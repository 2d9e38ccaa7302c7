-- Every API key revocation as a numbered row: servers keep keys in memory and follow this feed to drop a revoked
-- key at once, as they follow the pass revocations.
CREATE TABLE api_key_revocations (
    seq {id} PRIMARY KEY,
    key_id {int} NOT NULL
);
