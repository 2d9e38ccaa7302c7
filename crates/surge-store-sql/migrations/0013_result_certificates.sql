-- A negative texted to its patient gets a slot in the authority's status list, so the signed result it can show
-- (the certificate, signed on first view) is revoked when a corrected result follows.
ALTER TABLE lab_results ADD COLUMN status_index {int};
ALTER TABLE lab_results ADD COLUMN certificate TEXT;
CREATE UNIQUE INDEX lab_results_status_index ON lab_results (status_index);
