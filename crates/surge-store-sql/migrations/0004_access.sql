-- Accounts (staff by username and argon2 hash, citizens by phone), sessions, sign-in codes and rate-limit events.
-- Sessions and codes are stored as SHA-256 hashes only. The outbox gains a claim time for senders.
CREATE TABLE accounts (
    id {id} PRIMARY KEY,
    role TEXT NOT NULL,
    username TEXT UNIQUE,
    phone TEXT UNIQUE,
    password_hash TEXT,
    must_change_password {bool} NOT NULL DEFAULT {false},
    zones TEXT NOT NULL DEFAULT '',
    categories TEXT NOT NULL DEFAULT '',
    disabled {bool} NOT NULL DEFAULT {false},
    created_at {int} NOT NULL
);

CREATE TABLE sessions (
    token_hash {blob} PRIMARY KEY,
    account_id {int} NOT NULL REFERENCES accounts (id),
    created_at {int} NOT NULL,
    expires_at {int} NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE login_codes (
    id {id} PRIMARY KEY,
    phone TEXT NOT NULL,
    code_hash {blob} NOT NULL,
    attempts {int} NOT NULL DEFAULT 0,
    used {bool} NOT NULL DEFAULT {false},
    created_at {int} NOT NULL,
    expires_at {int} NOT NULL
);
CREATE INDEX login_codes_phone ON login_codes (phone, id);

CREATE TABLE rate_events (
    bucket TEXT NOT NULL,
    at {int} NOT NULL
);
CREATE INDEX rate_events_bucket ON rate_events (bucket, at);

ALTER TABLE outbox ADD COLUMN claimed_at {int};
CREATE INDEX outbox_unclaimed ON outbox (id) WHERE state = 'created';
CREATE INDEX organisations_contact_phone ON organisations (contact_phone);
CREATE INDEX batches_organisation ON batches (organisation_id, id);
