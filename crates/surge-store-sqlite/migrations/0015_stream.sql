-- The live analytics' results: one-minute counts per scope (zone:KR-26, checkpoint:3) and measure (final once the
-- minute closed), events that came after their minute had closed, and the alerts raised. Each consumer keeps its
-- place in the event log here, written with the results in one transaction, and now and then its engine's state
-- with the place that state had reached. A restart restores that state and reads on from its place; results it
-- writes again are the same rows (counts are replaced, late events and alerts kept once by their keys).
CREATE TABLE stream_windows (
    minute INTEGER NOT NULL,
    scope TEXT NOT NULL,
    measure TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (minute, scope, measure)
);

CREATE TABLE stream_late (
    event_id INTEGER NOT NULL,
    scope TEXT NOT NULL,
    measure TEXT NOT NULL,
    minute INTEGER NOT NULL,
    PRIMARY KEY (event_id, scope)
);

CREATE TABLE stream_alerts (
    id INTEGER PRIMARY KEY,
    rule TEXT NOT NULL,
    subject TEXT NOT NULL,
    at INTEGER NOT NULL,
    detail TEXT NOT NULL,
    UNIQUE (rule, subject, at)
);

CREATE TABLE stream_consumers (
    name TEXT PRIMARY KEY,
    tx INTEGER NOT NULL,
    id INTEGER NOT NULL,
    state_tx INTEGER,
    state_id INTEGER,
    state BLOB,
    updated_at INTEGER NOT NULL
);
