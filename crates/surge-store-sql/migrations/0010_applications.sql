-- Citizens' pass applications, with what the policy said, who decided and the pass issued on approval. The
-- supporting document is a file in the document directory, named by document_key; only its kind and size are here.
CREATE TABLE applications (
    id {id} PRIMARY KEY,
    phone TEXT NOT NULL,
    purpose TEXT NOT NULL,
    category TEXT NOT NULL,
    from_zone TEXT NOT NULL,
    to_zone TEXT NOT NULL,
    valid_from {int} NOT NULL,
    valid_to {int} NOT NULL,
    holder TEXT NOT NULL,
    masked_id TEXT NOT NULL,
    vehicle_plate TEXT,
    document_key TEXT,
    document_type TEXT,
    document_bytes {int},
    status TEXT NOT NULL,
    rule TEXT,
    reason_en TEXT NOT NULL,
    reason_ko TEXT NOT NULL,
    decided_by TEXT,
    decided_at {int},
    status_index {int},
    created_at {int} NOT NULL
);
CREATE INDEX applications_queue ON applications (status, id);
CREATE INDEX applications_phone ON applications (phone, created_at);

-- A staff member's own mobile number, kept apart from the sign-in phone: it lets the service refuse an official's
-- decision on their own application or organisation, and never signs anyone in.
ALTER TABLE accounts ADD COLUMN personal_phone TEXT;
