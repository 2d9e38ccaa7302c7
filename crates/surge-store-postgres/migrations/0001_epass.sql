-- Organisations, their issuance batches, passes and the outbox. Times are Unix seconds, as in the SQLite store.
CREATE TABLE organisations (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    legal_name TEXT NOT NULL,
    registry_number TEXT NOT NULL,
    category TEXT NOT NULL,
    address TEXT NOT NULL,
    zone TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    requested_quota BIGINT NOT NULL,
    status TEXT NOT NULL,
    quota BIGINT,
    status_note TEXT,
    findings TEXT NOT NULL,
    passed_all_rules BOOLEAN NOT NULL,
    passes_used BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX organisations_registry_number ON organisations (registry_number);
CREATE INDEX organisations_zone ON organisations (zone);
CREATE INDEX organisations_queue ON organisations (status, passed_all_rules, id);

CREATE TABLE batches (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    sha256 BYTEA NOT NULL,
    row_count BIGINT NOT NULL,
    issued BIGINT NOT NULL DEFAULT 0,
    failed BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    UNIQUE (organisation_id, sha256)
);

CREATE TABLE batch_rows (
    batch_id BIGINT NOT NULL REFERENCES batches (id),
    line BIGINT NOT NULL,
    name TEXT NOT NULL,
    phone TEXT NOT NULL,
    masked_id TEXT NOT NULL,
    zones TEXT NOT NULL,
    valid_from BIGINT NOT NULL,
    valid_to BIGINT NOT NULL,
    vehicle_plate TEXT,
    state TEXT NOT NULL DEFAULT 'pending',
    failure TEXT,
    PRIMARY KEY (batch_id, line)
);
CREATE INDEX batch_rows_pending ON batch_rows (batch_id, line) WHERE state = 'pending';

-- Indexes in the authority's revocation status list. A sequence never blocks concurrent workers; an index lost
-- to a rolled-back transaction is simply never used.
CREATE SEQUENCE status_index_seq MINVALUE 0 START WITH 0;

-- Keyed by status index, which grows: new passes append to the index instead of landing on random pages.
CREATE TABLE passes (
    status_index BIGINT PRIMARY KEY,
    id BYTEA NOT NULL UNIQUE,
    organisation_id BIGINT REFERENCES organisations (id),
    batch_id BIGINT,
    line BIGINT,
    holder TEXT NOT NULL,
    phone TEXT NOT NULL,
    masked_id TEXT NOT NULL,
    vehicle_plate TEXT,
    zones TEXT NOT NULL,
    not_before BIGINT NOT NULL,
    expires BIGINT NOT NULL,
    control_code TEXT NOT NULL,
    token TEXT NOT NULL,
    -- Found through the status index in the link; no index of its own, which random hashes would scatter.
    link_hash BYTEA NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL,
    UNIQUE (batch_id, line)
);
-- At most one active pass per person and per vehicle, whatever races the application loses.
CREATE UNIQUE INDEX passes_one_active_per_person ON passes (phone, masked_id) WHERE active;
CREATE UNIQUE INDEX passes_one_active_per_vehicle ON passes (vehicle_plate) WHERE active AND vehicle_plate IS NOT NULL;
CREATE INDEX passes_active_expiry ON passes (expires) WHERE active;

CREATE TABLE outbox (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    body TEXT,
    state TEXT NOT NULL DEFAULT 'created',
    created_at BIGINT NOT NULL
);
