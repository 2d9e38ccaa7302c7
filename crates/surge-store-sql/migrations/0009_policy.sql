-- Versions of the pass policy (a JSON document of CertLogic rules); the highest version is in force.
CREATE TABLE policy_versions (
    version {id} PRIMARY KEY,
    document TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at {int} NOT NULL
);
