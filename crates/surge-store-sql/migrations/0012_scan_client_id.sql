-- The checkpoint page's own id for a scan made offline, so an upload sent twice (its answer lost) records it once.
ALTER TABLE scans ADD COLUMN client_id TEXT;
CREATE UNIQUE INDEX scans_client_id ON scans (client_id) WHERE client_id IS NOT NULL;
