-- The append-only audit log: each entry hashes the one before it (see surge_domain::audit).
CREATE TABLE audit_log (
    seq {int} PRIMARY KEY,
    at {int} NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash {blob} NOT NULL,
    hash {blob} NOT NULL
);
