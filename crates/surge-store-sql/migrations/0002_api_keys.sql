-- API keys: only their SHA-256 is stored. Organisation admins are tied to one organisation.
CREATE TABLE api_keys (
    id {id} PRIMARY KEY,
    key_hash {blob} NOT NULL UNIQUE,
    role TEXT NOT NULL,
    organisation_id {int} REFERENCES organisations (id),
    label TEXT NOT NULL,
    revoked {bool} NOT NULL DEFAULT {false},
    created_at {int} NOT NULL
);
