-- API keys: only their SHA-256 is stored. Organisation admins are tied to one organisation.
CREATE TABLE api_keys (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key_hash BYTEA NOT NULL UNIQUE,
    role TEXT NOT NULL,
    organisation_id BIGINT REFERENCES organisations (id),
    label TEXT NOT NULL,
    revoked BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);
