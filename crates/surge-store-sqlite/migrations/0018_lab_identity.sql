-- A result's identity includes the lab that sent it (two labs may use the same order number) and the whole filler
-- order identifier. SQLite cannot drop a table's UNIQUE constraint, so the table is built again; results kept so
-- far take their message's sending facility as their lab. A result's texts and events are keyed by its id
-- (`result:<id>`), which no lab's identifiers can make collide; texts already queued or sent are re-keyed.
CREATE TABLE lab_results_new (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES lab_messages (id),
    lab TEXT NOT NULL,
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
    registration_id INTEGER,
    texted INTEGER NOT NULL,
    reason TEXT,
    urgency INTEGER NOT NULL,
    queue_state TEXT,
    handled_by TEXT,
    handled_at INTEGER,
    received_at INTEGER NOT NULL,
    status_index INTEGER,
    certificate TEXT,
    UNIQUE (lab, filler_order, test_code, status)
);
INSERT INTO lab_results_new (id, message_id, lab, filler_order, test_code, status, specimen_id, test_name,
    interpretation, value, family, given, birth_date, collected_at, performing_lab, registration_id, texted, reason,
    urgency, queue_state, handled_by, handled_at, received_at, status_index, certificate)
SELECT r.id, r.message_id, m.sending_facility, r.filler_order, r.test_code, r.status, r.specimen_id, r.test_name,
    r.interpretation, r.value, r.family, r.given, r.birth_date, r.collected_at, r.performing_lab, r.registration_id,
    r.texted, r.reason, r.urgency, r.queue_state, r.handled_by, r.handled_at, r.received_at, r.status_index,
    r.certificate
FROM lab_results r JOIN lab_messages m ON m.id = r.message_id;
UPDATE outbox SET idempotency_key = 'result:' || r.id
FROM lab_results r
WHERE outbox.idempotency_key = 'result:' || r.filler_order || ':' || r.test_code || ':' || r.status;
UPDATE outbox SET idempotency_key = 'result-alert:' || r.id
FROM lab_results r
WHERE outbox.idempotency_key = 'result-alert:' || r.filler_order || ':' || r.test_code || ':' || r.status;
DROP TABLE lab_results;
ALTER TABLE lab_results_new RENAME TO lab_results;
CREATE INDEX lab_results_queue ON lab_results (queue_state, urgency, received_at);
CREATE UNIQUE INDEX lab_results_status_index ON lab_results (status_index);
CREATE INDEX lab_results_order ON lab_results (lab, filler_order, test_code);

CREATE TRIGGER events_result AFTER INSERT ON lab_results BEGIN
    INSERT INTO events (at, kind, zone, subject, auto_text)
    VALUES (NEW.received_at * 1000, 'result.received', '', 'result:' || NEW.id, NEW.texted);
    INSERT INTO events (at, kind, zone, subject)
    SELECT NEW.received_at * 1000, 'result.queued', '', 'result:' || NEW.id
    WHERE NEW.queue_state IS NOT NULL;
END;
