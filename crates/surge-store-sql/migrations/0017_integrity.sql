-- One row that `/healthz` rewrites: health means the service can write, not only read.
CREATE TABLE health_probe (
    id {int} PRIMARY KEY,
    at {int} NOT NULL
);

-- A lab's API key is bound to its lab (the MSH-4 / CSV `lab` / FHIR organisation it sends as): it may send only
-- that lab's results.
ALTER TABLE api_keys ADD COLUMN lab TEXT;

-- Every control code ever handed out, once: a code typed at a checkpoint finds one pass. Passes made before keep
-- their codes (any two that share one are refused as ambiguous when typed).
CREATE TABLE control_codes (
    code TEXT PRIMARY KEY
);
INSERT INTO control_codes (code) SELECT DISTINCT control_code FROM passes;

-- An official's scope is checked on a pass's category (its organisation's or its application's) and on the
-- places a phone belongs to before it is texted: both are found by these.
CREATE INDEX applications_status_index ON applications (status_index);
CREATE INDEX passes_phone ON passes (phone);
