-- Checkpoints with their positions, every verification made at one (the scan log), and alerts for officials
-- (a pass seen at two checkpoints too far apart for the time between).
CREATE TABLE checkpoints (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL,
    zone TEXT NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE scans (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    checkpoint_id BIGINT REFERENCES checkpoints (id),
    actor TEXT NOT NULL,
    status_index BIGINT,
    valid BOOLEAN NOT NULL,
    reason TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX scans_pass ON scans (status_index, id);

CREATE TABLE alerts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind TEXT NOT NULL,
    status_index BIGINT,
    detail TEXT NOT NULL,
    at BIGINT NOT NULL
);
