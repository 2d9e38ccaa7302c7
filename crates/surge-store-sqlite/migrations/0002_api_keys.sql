-- API keys: only their SHA-256 is stored. Organisation admins are tied to one organisation.
CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY,
    key_hash BLOB NOT NULL UNIQUE,
    role TEXT NOT NULL,
    organisation_id INTEGER REFERENCES organisations (id),
    label TEXT NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
