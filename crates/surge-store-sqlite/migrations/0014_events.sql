-- The platform's events for the live analytics (scans, applications and decisions, passes issued and revoked,
-- results received, texted and queued, texts' states), written by triggers in the same transaction as the change
-- they record: an outbox log that consumers stream from, so no event is lost on a crash and no request waits for a
-- consumer. Times are Unix milliseconds; `zone` is '' where the change has none; `subject` is the pass's status
-- index, the application, the result's key or the message. `tx` orders commits for PostgreSQL; SQLite commits one
-- writer at a time, in id order, so it stays 0 here.
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tx INTEGER NOT NULL DEFAULT 0,
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    zone TEXT NOT NULL,
    checkpoint_id INTEGER,
    subject TEXT NOT NULL,
    auto_text INTEGER
);

CREATE TRIGGER events_scan AFTER INSERT ON scans BEGIN
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
        COALESCE(CAST(NEW.status_index AS TEXT), '')
    );
END;

CREATE TRIGGER events_application AFTER INSERT ON applications BEGIN
    INSERT INTO events (at, kind, zone, subject)
    VALUES (NEW.created_at * 1000, 'application.submitted', NEW.from_zone, CAST(NEW.id AS TEXT));
END;

CREATE TRIGGER events_application_decided AFTER UPDATE OF status ON applications
WHEN NEW.status <> OLD.status AND NEW.status IN ('approved', 'rejected') BEGIN
    INSERT INTO events (at, kind, zone, subject)
    VALUES (
        COALESCE(NEW.decided_at, NEW.created_at) * 1000,
        CASE NEW.status WHEN 'approved' THEN 'application.approved' ELSE 'application.refused' END,
        NEW.from_zone,
        CAST(NEW.id AS TEXT)
    );
END;

CREATE TRIGGER events_pass_issued AFTER INSERT ON passes BEGIN
    INSERT INTO events (at, kind, zone, subject)
    VALUES (NEW.created_at * 1000, 'pass.issued', NEW.zones, CAST(NEW.status_index AS TEXT));
END;

CREATE TRIGGER events_pass_revoked AFTER INSERT ON revocations WHEN NEW.status = 'revoked' BEGIN
    INSERT INTO events (at, kind, zone, subject)
    VALUES (
        NEW.at * 1000,
        'pass.revoked',
        COALESCE((SELECT zones FROM passes WHERE status_index = NEW.status_index), ''),
        CAST(NEW.status_index AS TEXT)
    );
END;

-- A result's key is the one its automatic text carries (`result:` filler order, test, status), so that the text's
-- event names the same result.
CREATE TRIGGER events_result AFTER INSERT ON lab_results BEGIN
    INSERT INTO events (at, kind, zone, subject, auto_text)
    VALUES (
        NEW.received_at * 1000,
        'result.received',
        '',
        'result:' || NEW.filler_order || ':' || NEW.test_code || ':' || NEW.status,
        NEW.texted
    );
    INSERT INTO events (at, kind, zone, subject)
    SELECT NEW.received_at * 1000, 'result.queued', '',
        'result:' || NEW.filler_order || ':' || NEW.test_code || ':' || NEW.status
    WHERE NEW.queue_state IS NOT NULL;
END;

CREATE TRIGGER events_sms AFTER UPDATE OF state ON outbox
WHEN NEW.state <> OLD.state
    AND NEW.state IN ('sent', 'delivered', 'permanent-failure', 'technical-failure') BEGIN
    INSERT INTO events (at, kind, zone, subject)
    VALUES (
        COALESCE(CASE WHEN NEW.state = 'sent' THEN NEW.sent_at ELSE NEW.done_at END, NEW.created_at) * 1000,
        CASE WHEN NEW.state IN ('sent', 'delivered') THEN 'sms.' || NEW.state ELSE 'sms.failed' END,
        '',
        CAST(NEW.id AS TEXT)
    );
    INSERT INTO events (at, kind, zone, subject)
    SELECT COALESCE(NEW.sent_at, NEW.created_at) * 1000, 'result.texted', '', NEW.idempotency_key
    WHERE NEW.state = 'sent' AND NEW.idempotency_key LIKE 'result:%';
END;
