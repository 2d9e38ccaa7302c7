-- The platform's events for the live analytics (scans, applications and decisions, passes issued and revoked,
-- results received, texted and queued, texts' states), written by triggers in the same transaction as the change
-- they record: an outbox log that consumers stream from, so no event is lost on a crash and no request waits for a
-- consumer. Times are Unix milliseconds; `zone` is '' where the change has none; `subject` is the pass's status
-- index, the application, the result's key or the message.
--
-- Transactions commit in any order, so ids alone would let a reader pass an id that a slower transaction commits
-- later. `tx` is the writing transaction's id: readers take only events of transactions older than every one still
-- running (the snapshot's xmin) and go in (tx, id) order, in which nothing can appear behind them.
CREATE TABLE events (
    id BIGSERIAL PRIMARY KEY,
    tx BIGINT NOT NULL DEFAULT txid_current(),
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    zone TEXT NOT NULL,
    checkpoint_id BIGINT,
    subject TEXT NOT NULL,
    auto_text BOOLEAN
);
CREATE INDEX events_order ON events (tx, id);

CREATE FUNCTION events_scan() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO events (at, kind, zone, checkpoint_id, subject)
    VALUES (
        NEW.at * 1000,
        CASE
            WHEN NEW.valid THEN 'scan.valid'
            WHEN NEW.reason = 'expired' THEN 'scan.expired'
            WHEN NEW.reason IN ('revoked', 'suspended') THEN 'scan.revoked'
            ELSE 'scan.invalid'
        END,
        COALESCE((SELECT zone FROM checkpoints WHERE id = NEW.checkpoint_id), ''),
        NEW.checkpoint_id,
        COALESCE(NEW.status_index::TEXT, '')
    );
    RETURN NULL;
END $$;
CREATE TRIGGER events_scan AFTER INSERT ON scans FOR EACH ROW EXECUTE FUNCTION events_scan();

CREATE FUNCTION events_application() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO events (at, kind, zone, subject)
        VALUES (NEW.created_at * 1000, 'application.submitted', NEW.from_zone, NEW.id::TEXT);
    ELSIF NEW.status <> OLD.status AND NEW.status IN ('approved', 'rejected') THEN
        INSERT INTO events (at, kind, zone, subject)
        VALUES (
            COALESCE(NEW.decided_at, NEW.created_at) * 1000,
            CASE NEW.status WHEN 'approved' THEN 'application.approved' ELSE 'application.refused' END,
            NEW.from_zone,
            NEW.id::TEXT
        );
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER events_application AFTER INSERT OR UPDATE OF status ON applications
    FOR EACH ROW EXECUTE FUNCTION events_application();

CREATE FUNCTION events_pass_issued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO events (at, kind, zone, subject)
    VALUES (NEW.created_at * 1000, 'pass.issued', NEW.zones, NEW.status_index::TEXT);
    RETURN NULL;
END $$;
CREATE TRIGGER events_pass_issued AFTER INSERT ON passes FOR EACH ROW EXECUTE FUNCTION events_pass_issued();

CREATE FUNCTION events_pass_revoked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'revoked' THEN
        INSERT INTO events (at, kind, zone, subject)
        VALUES (
            NEW.at * 1000,
            'pass.revoked',
            COALESCE((SELECT zones FROM passes WHERE status_index = NEW.status_index), ''),
            NEW.status_index::TEXT
        );
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER events_pass_revoked AFTER INSERT ON revocations FOR EACH ROW EXECUTE FUNCTION events_pass_revoked();

-- A result's key is the one its automatic text carries (`result:` filler order, test, status), so that the text's
-- event names the same result.
CREATE FUNCTION events_result() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    result_key TEXT := 'result:' || NEW.filler_order || ':' || NEW.test_code || ':' || NEW.status;
BEGIN
    INSERT INTO events (at, kind, zone, subject, auto_text)
    VALUES (NEW.received_at * 1000, 'result.received', '', result_key, NEW.texted);
    IF NEW.queue_state IS NOT NULL THEN
        INSERT INTO events (at, kind, zone, subject) VALUES (NEW.received_at * 1000, 'result.queued', '', result_key);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER events_result AFTER INSERT ON lab_results FOR EACH ROW EXECUTE FUNCTION events_result();

CREATE FUNCTION events_sms() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.state <> OLD.state AND NEW.state IN ('sent', 'delivered', 'permanent-failure', 'technical-failure') THEN
        INSERT INTO events (at, kind, zone, subject)
        VALUES (
            COALESCE(CASE WHEN NEW.state = 'sent' THEN NEW.sent_at ELSE NEW.done_at END, NEW.created_at) * 1000,
            CASE WHEN NEW.state IN ('sent', 'delivered') THEN 'sms.' || NEW.state ELSE 'sms.failed' END,
            '',
            NEW.id::TEXT
        );
        IF NEW.state = 'sent' AND NEW.idempotency_key LIKE 'result:%' THEN
            INSERT INTO events (at, kind, zone, subject)
            VALUES (COALESCE(NEW.sent_at, NEW.created_at) * 1000, 'result.texted', '', NEW.idempotency_key);
        END IF;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER events_sms AFTER UPDATE OF state ON outbox FOR EACH ROW EXECUTE FUNCTION events_sms();
