-- The live analytics' results: one-minute counts per scope (zone:KR-26, checkpoint:3) and measure (final once the
-- minute closed), events that came after their minute had closed, and the alerts raised. Each consumer keeps its
-- place in the event log here, written with the results in one transaction, and now and then its engine's state
-- with the place that state had reached. A restart restores that state and reads on from its place; results it
-- writes again are the same rows (counts are replaced, late events and alerts kept once by their keys).
CREATE TABLE stream_windows (
    minute {int} NOT NULL,
    scope TEXT NOT NULL,
    measure TEXT NOT NULL,
    count {int} NOT NULL,
    PRIMARY KEY (minute, scope, measure)
);

CREATE TABLE stream_late (
    event_id {int} NOT NULL,
    scope TEXT NOT NULL,
    measure TEXT NOT NULL,
    minute {int} NOT NULL,
    PRIMARY KEY (event_id, scope)
);

CREATE TABLE stream_alerts (
    id {serial} PRIMARY KEY,
    rule TEXT NOT NULL,
    subject TEXT NOT NULL,
    at {int} NOT NULL,
    detail TEXT NOT NULL,
    UNIQUE (rule, subject, at)
);

CREATE TABLE stream_consumers (
    name TEXT PRIMARY KEY,
    tx {int} NOT NULL,
    id {int} NOT NULL,
    state_tx {int},
    state_id {int},
    state {blob},
    updated_at {int} NOT NULL
);
