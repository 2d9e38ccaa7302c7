-- Issuance signs passes outside the write transaction: a worker claims rows (a random claim id and a lease), signs
-- them, then writes them only if the rows are still under its claim. A claim whose worker stopped is taken again
-- once its lease has passed.
ALTER TABLE batch_rows ADD COLUMN claim {blob};
ALTER TABLE batch_rows ADD COLUMN claimed_until {int};
CREATE INDEX batch_rows_claimed ON batch_rows (claimed_until) WHERE state = 'claimed';
