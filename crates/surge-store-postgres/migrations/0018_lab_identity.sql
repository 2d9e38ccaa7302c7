-- A result's identity includes the lab that sent it (two labs may use the same order number) and the whole filler
-- order identifier; results kept so far take their message's sending facility as their lab. A result's texts and
-- events are keyed by its id (`result:<id>`), which no lab's identifiers can make collide; texts already queued or
-- sent are re-keyed.
ALTER TABLE lab_results ADD COLUMN lab TEXT;
UPDATE lab_results r SET lab = m.sending_facility FROM lab_messages m WHERE m.id = r.message_id;
ALTER TABLE lab_results ALTER COLUMN lab SET NOT NULL;
ALTER TABLE lab_results DROP CONSTRAINT lab_results_filler_order_test_code_status_key;
ALTER TABLE lab_results ADD CONSTRAINT lab_results_identity UNIQUE (lab, filler_order, test_code, status);
CREATE INDEX lab_results_order ON lab_results (lab, filler_order, test_code);
UPDATE outbox SET idempotency_key = 'result:' || r.id
FROM lab_results r
WHERE outbox.idempotency_key = 'result:' || r.filler_order || ':' || r.test_code || ':' || r.status;
UPDATE outbox SET idempotency_key = 'result-alert:' || r.id
FROM lab_results r
WHERE outbox.idempotency_key = 'result-alert:' || r.filler_order || ':' || r.test_code || ':' || r.status;

CREATE OR REPLACE FUNCTION events_result() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO events (at, kind, zone, subject, auto_text)
    VALUES (NEW.received_at * 1000, 'result.received', '', 'result:' || NEW.id, NEW.texted);
    IF NEW.queue_state IS NOT NULL THEN
        INSERT INTO events (at, kind, zone, subject) VALUES (NEW.received_at * 1000, 'result.queued', '', 'result:' || NEW.id);
    END IF;
    RETURN NULL;
END $$;
