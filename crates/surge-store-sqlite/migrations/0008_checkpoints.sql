-- Checkpoints with their positions, every verification made at one (the scan log), and alerts for officials
-- (a pass seen at two checkpoints too far apart for the time between).
CREATE TABLE checkpoints (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    zone TEXT NOT NULL,
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE scans (
    id INTEGER PRIMARY KEY,
    checkpoint_id INTEGER REFERENCES checkpoints (id),
    actor TEXT NOT NULL,
    status_index INTEGER,
    valid INTEGER NOT NULL,
    reason TEXT,
    at INTEGER NOT NULL
);
CREATE INDEX scans_pass ON scans (status_index, id);

CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    status_index INTEGER,
    detail TEXT NOT NULL,
    at INTEGER NOT NULL
);
