-- Renewal, and texts in each person's language. An organisation's new list may replace the active passes it gave the same people. A row that renews
-- takes no new place in the quota (its old pass gives its place up when replaced); the batch counts such rows.
ALTER TABLE batch_rows ADD COLUMN renews {bool} NOT NULL DEFAULT {false};
ALTER TABLE batches ADD COLUMN renewals {int} NOT NULL DEFAULT 0;
ALTER TABLE batches ADD COLUMN replaced {int} NOT NULL DEFAULT 0;
CREATE INDEX passes_by_organisation ON passes (organisation_id, status_index);
-- The language each phone last used the service in (its sign-in), so that the texts it gets follow that language.
CREATE TABLE phone_languages (
    phone TEXT PRIMARY KEY,
    lang TEXT NOT NULL,
    updated_at {int} NOT NULL
);
