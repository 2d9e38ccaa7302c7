-- Issuance signs passes outside the write transaction: a worker claims rows (a random claim id and a lease), signs
-- them, then writes them only if the rows are still under its claim. A row keeps the status index it was first
-- given, so a claim taken again after its worker stopped signs the same index.
ALTER TABLE batch_rows ADD COLUMN status_index {int};
ALTER TABLE batch_rows ADD COLUMN claim {blob};
ALTER TABLE batch_rows ADD COLUMN claimed_until {int};
CREATE INDEX batch_rows_claimed ON batch_rows (claimed_until) WHERE state = 'claimed';
