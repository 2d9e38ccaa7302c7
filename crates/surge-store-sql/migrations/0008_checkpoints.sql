-- Checkpoints with their positions, every verification made at one (the scan log), and alerts for officials
-- (a pass seen at two checkpoints too far apart for the time between).
CREATE TABLE checkpoints (
    id {id} PRIMARY KEY,
    name TEXT NOT NULL,
    zone TEXT NOT NULL,
    lat {real} NOT NULL,
    lon {real} NOT NULL,
    created_at {int} NOT NULL
);

CREATE TABLE scans (
    id {id} PRIMARY KEY,
    checkpoint_id {int} REFERENCES checkpoints (id),
    actor TEXT NOT NULL,
    status_index {int},
    valid {bool} NOT NULL,
    reason TEXT,
    at {int} NOT NULL
);
CREATE INDEX scans_pass ON scans (status_index, id);

CREATE TABLE alerts (
    id {id} PRIMARY KEY,
    kind TEXT NOT NULL,
    status_index {int},
    detail TEXT NOT NULL,
    at {int} NOT NULL
);
