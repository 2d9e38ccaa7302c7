//! The schema's migrations, one source each. Most are one template rendered with the dialect's type names
//! (`{int}`, `{id}`, `{blob}`…); the two that truly differ (the status-index allocator, the event log's triggers)
//! are the backend crates' own. A migration a database has applied must never change: its checksum is checked at
//! every start, and each backend's tests pin the checksums.

use std::borrow::Cow;

use sqlx::migrate::{Migration, MigrationType, Migrator};

use crate::Dialect;

/// Version, description (as sqlx names it from the file) and template of each shared migration.
const SHARED: &[(i64, &str, &str)] = &[
    (2, "api keys", include_str!("../migrations/0002_api_keys.sql")),
    (3, "key scope", include_str!("../migrations/0003_key_scope.sql")),
    (4, "access", include_str!("../migrations/0004_access.sql")),
    (5, "notify", include_str!("../migrations/0005_notify.sql")),
    (6, "pass status", include_str!("../migrations/0006_pass_status.sql")),
    (7, "audit", include_str!("../migrations/0007_audit.sql")),
    (8, "checkpoints", include_str!("../migrations/0008_checkpoints.sql")),
    (9, "policy", include_str!("../migrations/0009_policy.sql")),
    (10, "applications", include_str!("../migrations/0010_applications.sql")),
    (11, "lab results", include_str!("../migrations/0011_lab_results.sql")),
    (12, "scan client id", include_str!("../migrations/0012_scan_client_id.sql")),
    (13, "result certificates", include_str!("../migrations/0013_result_certificates.sql")),
    (15, "stream", include_str!("../migrations/0015_stream.sql")),
    (16, "issuance claims", include_str!("../migrations/0016_issuance_claims.sql")),
    (17, "integrity", include_str!("../migrations/0017_integrity.sql")),
    (19, "renewal", include_str!("../migrations/0019_renewal.sql")),
    (20, "api key revocations", include_str!("../migrations/0020_api_key_revocations.sql")),
    (21, "monitoring", include_str!("../migrations/0021_monitoring.sql")),
];

/// The placeholders a template may use; a dialect gives each its spelling.
pub const PLACEHOLDERS: [&str; 8] = ["{int}", "{id}", "{bool}", "{false}", "{true}", "{blob}", "{real}", "{serial}"];

/// A shared template in a dialect's spelling.
pub fn render<D: Dialect>(template: &str) -> String {
    PLACEHOLDERS.iter().zip(D::SQL_TYPES).fold(template.to_owned(), |sql, (from, to)| sql.replace(from, to))
}

/// Every migration for a dialect's database, in version order: the shared ones rendered, and the dialect's own.
pub fn migrator<D: Dialect>() -> Migrator {
    let shared = SHARED.iter().map(|(version, description, template)| (*version, *description, render::<D>(template)));
    let own = D::OWN_MIGRATIONS.iter().map(|(version, description, sql)| (*version, *description, (*sql).to_owned()));
    let mut migrations: Vec<Migration> = shared
        .chain(own)
        .map(|(version, description, sql)| {
            let no_tx = sql.starts_with("-- no-transaction");
            Migration::new(version, Cow::Borrowed(description), MigrationType::Simple, Cow::Owned(sql), no_tx)
        })
        .collect();
    migrations.sort_by_key(|m| m.version);
    // The fields are sqlx's own (pinned at 0.8), set as its `migrate!` macro sets them.
    Migrator { migrations: Cow::Owned(migrations), ..Migrator::DEFAULT }
}
