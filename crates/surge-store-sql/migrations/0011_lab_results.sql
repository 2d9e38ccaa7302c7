-- Lab results: every received message as sent (raw kept for audit, deduped by facility and control id), each
-- result with where it went (texted, or the clinicians' queue with the reason), and registrations for results.
CREATE TABLE lab_messages (
    id {id} PRIMARY KEY,
    sending_facility TEXT NOT NULL,
    control_id TEXT NOT NULL,
    raw TEXT,
    ack_code TEXT NOT NULL,
    error TEXT,
    received_at {int} NOT NULL,
    UNIQUE (sending_facility, control_id)
);

CREATE TABLE lab_results (
    id {id} PRIMARY KEY,
    message_id {int} NOT NULL REFERENCES lab_messages (id),
    filler_order TEXT NOT NULL,
    test_code TEXT NOT NULL,
    status TEXT NOT NULL,
    specimen_id TEXT NOT NULL,
    test_name TEXT NOT NULL,
    interpretation TEXT NOT NULL,
    value TEXT NOT NULL,
    family TEXT NOT NULL,
    given TEXT NOT NULL,
    birth_date TEXT,
    collected_at TEXT NOT NULL,
    performing_lab TEXT NOT NULL,
    registration_id {int},
    texted {bool} NOT NULL,
    reason TEXT,
    urgency {int} NOT NULL,
    queue_state TEXT,
    handled_by TEXT,
    handled_at {int},
    received_at {int} NOT NULL,
    UNIQUE (filler_order, test_code, status)
);
CREATE INDEX lab_results_queue ON lab_results (queue_state, urgency, received_at);

CREATE TABLE result_registrations (
    id {id} PRIMARY KEY,
    specimen_id TEXT,
    phone TEXT,
    family TEXT NOT NULL,
    given TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    created_at {int} NOT NULL
);
CREATE INDEX result_registrations_specimen ON result_registrations (specimen_id);
CREATE INDEX result_registrations_phone ON result_registrations (phone);
