-- The outbox's delivery life: attempts and retry time, the gateway and its message id, the failure reason, and
-- when it was sent and finished. People who replied STOP are in opt_outs.
ALTER TABLE outbox ADD COLUMN attempts {int} NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN next_attempt_at {int} NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN gateway TEXT;
ALTER TABLE outbox ADD COLUMN gateway_message_id TEXT;
ALTER TABLE outbox ADD COLUMN failure TEXT;
ALTER TABLE outbox ADD COLUMN sent_at {int};
ALTER TABLE outbox ADD COLUMN done_at {int};
CREATE INDEX outbox_sending ON outbox (claimed_at) WHERE state = 'sending';
CREATE INDEX outbox_gateway_message ON outbox (gateway, gateway_message_id) WHERE gateway_message_id IS NOT NULL;

CREATE TABLE opt_outs (
    phone TEXT PRIMARY KEY,
    created_at {int} NOT NULL
);
