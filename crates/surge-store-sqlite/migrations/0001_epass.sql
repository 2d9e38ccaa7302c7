-- Organisations, their issuance batches, passes and the outbox. Times are Unix seconds.
CREATE TABLE organisations (
    id INTEGER PRIMARY KEY,
    legal_name TEXT NOT NULL,
    registry_number TEXT NOT NULL,
    category TEXT NOT NULL,
    address TEXT NOT NULL,
    zone TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    requested_quota INTEGER NOT NULL,
    status TEXT NOT NULL,
    quota INTEGER,
    status_note TEXT,
    findings TEXT NOT NULL,
    passed_all_rules INTEGER NOT NULL,
    passes_used INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX organisations_registry_number ON organisations (registry_number);
CREATE INDEX organisations_zone ON organisations (zone);
CREATE INDEX organisations_queue ON organisations (status, passed_all_rules, id);

CREATE TABLE batches (
    id INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    sha256 BLOB NOT NULL,
    row_count INTEGER NOT NULL,
    issued INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    UNIQUE (organisation_id, sha256)
);

CREATE TABLE batch_rows (
    batch_id INTEGER NOT NULL REFERENCES batches (id),
    line INTEGER NOT NULL,
    name TEXT NOT NULL,
    phone TEXT NOT NULL,
    masked_id TEXT NOT NULL,
    zones TEXT NOT NULL,
    valid_from INTEGER NOT NULL,
    valid_to INTEGER NOT NULL,
    vehicle_plate TEXT,
    state TEXT NOT NULL DEFAULT 'pending',
    failure TEXT,
    PRIMARY KEY (batch_id, line)
);
CREATE INDEX batch_rows_pending ON batch_rows (batch_id, line) WHERE state = 'pending';

-- The next free index in the authority's revocation status list.
CREATE TABLE status_allocator (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    next_index INTEGER NOT NULL
);
INSERT INTO status_allocator (id, next_index) VALUES (1, 0);

-- Keyed by status index, which grows: new passes append to the table instead of landing on random pages.
CREATE TABLE passes (
    status_index INTEGER PRIMARY KEY,
    id BLOB NOT NULL UNIQUE,
    organisation_id INTEGER REFERENCES organisations (id),
    batch_id INTEGER,
    line INTEGER,
    holder TEXT NOT NULL,
    phone TEXT NOT NULL,
    masked_id TEXT NOT NULL,
    vehicle_plate TEXT,
    zones TEXT NOT NULL,
    not_before INTEGER NOT NULL,
    expires INTEGER NOT NULL,
    control_code TEXT NOT NULL,
    token TEXT NOT NULL,
    -- Found through the status index in the link; no index of its own, which random hashes would scatter.
    link_hash BLOB NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    UNIQUE (batch_id, line)
);
-- At most one active pass per person and per vehicle, whatever races the application loses.
CREATE UNIQUE INDEX passes_one_active_per_person ON passes (phone, masked_id) WHERE active = 1;
CREATE UNIQUE INDEX passes_one_active_per_vehicle ON passes (vehicle_plate) WHERE active = 1 AND vehicle_plate IS NOT NULL;
CREATE INDEX passes_active_expiry ON passes (expires) WHERE active = 1;

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    body TEXT,
    state TEXT NOT NULL DEFAULT 'created',
    created_at INTEGER NOT NULL
);
