-- Patient monitoring: facilities (a treatment centre, or home isolation as a virtual one), admissions with their
-- state and how far their check-ins have been followed, each set of observations with its NEWS2, the notes and
-- calls logged, and the alerts raised (each once, by its key).
CREATE TABLE monitoring_facilities (
    id {id} PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    capacity {int} NOT NULL,
    check_in_times TEXT NOT NULL,
    created_at {int} NOT NULL
);

CREATE TABLE admissions (
    id {id} PRIMARY KEY,
    facility_id {int} NOT NULL REFERENCES monitoring_facilities (id),
    name TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    phone TEXT NOT NULL,
    onset TEXT NOT NULL,
    confirmed_on TEXT NOT NULL,
    comorbidities TEXT NOT NULL,
    room TEXT NOT NULL,
    spo2_scale {int} NOT NULL,
    lab_result_id {int},
    imaging_ref TEXT,
    language TEXT NOT NULL,
    state TEXT NOT NULL,
    state_reason TEXT,
    admitted_at {int} NOT NULL,
    updated_at {int} NOT NULL,
    closed_at {int},
    reminded_to {int} NOT NULL,
    followed_to {int} NOT NULL,
    missed_in_row {int} NOT NULL,
    last_report_at {int}
);
CREATE INDEX admissions_facility ON admissions (facility_id, state);
-- One open admission per person: admitting twice from one result, or by two clinicians at once, keeps one.
CREATE UNIQUE INDEX admissions_open_person ON admissions (phone, birth_date) WHERE state IN ('admitted', 'monitoring');
CREATE UNIQUE INDEX admissions_lab_result ON admissions (lab_result_id) WHERE lab_result_id IS NOT NULL;

CREATE TABLE observations (
    id {id} PRIMARY KEY,
    admission_id {int} NOT NULL REFERENCES admissions (id),
    source TEXT NOT NULL,
    source_key TEXT,
    observed_at {int} NOT NULL,
    received_at {int} NOT NULL,
    respiration_rate {int},
    spo2 {int},
    on_oxygen {int},
    systolic_bp {int},
    pulse {int},
    consciousness TEXT,
    temperature_tenths {int},
    spo2_scale {int} NOT NULL,
    news2 {int} NOT NULL,
    risk TEXT NOT NULL,
    complete {bool} NOT NULL,
    hard_triggers TEXT NOT NULL,
    symptoms TEXT NOT NULL,
    note TEXT NOT NULL
);
CREATE INDEX observations_admission ON observations (admission_id, observed_at);
-- A device or hospital system sending one observation twice (a retried FHIR POST) stores it once.
CREATE UNIQUE INDEX observations_source_key ON observations (admission_id, source_key) WHERE source_key IS NOT NULL;

CREATE TABLE admission_notes (
    id {id} PRIMARY KEY,
    admission_id {int} NOT NULL REFERENCES admissions (id),
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT,
    author TEXT NOT NULL,
    at {int} NOT NULL
);
CREATE INDEX admission_notes_admission ON admission_notes (admission_id, at);

CREATE TABLE monitoring_alerts (
    id {id} PRIMARY KEY,
    admission_id {int} NOT NULL REFERENCES admissions (id),
    kind TEXT NOT NULL,
    detail TEXT NOT NULL,
    at {int} NOT NULL,
    alert_key TEXT NOT NULL UNIQUE
);
CREATE INDEX monitoring_alerts_admission ON monitoring_alerts (admission_id, at);
