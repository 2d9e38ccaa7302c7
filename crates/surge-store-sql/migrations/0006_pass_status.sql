-- A pass's live status (valid, suspended, revoked) with its reason, found by control code for checkpoints that
-- type it; every status change is a numbered row in revocations, the feed verifiers follow.
ALTER TABLE passes ADD COLUMN status TEXT NOT NULL DEFAULT 'valid';
ALTER TABLE passes ADD COLUMN status_reason TEXT;
CREATE INDEX passes_control_code ON passes (control_code);

CREATE TABLE revocations (
    seq {id} PRIMARY KEY,
    status_index {int} NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    actor TEXT NOT NULL,
    at {int} NOT NULL
);
