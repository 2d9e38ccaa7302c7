//! The store conformance suite on SQLite, a fresh database file per test.

#![allow(clippy::unwrap_used, reason = "tests fail by panicking")]

use surge_store_sqlite::SqliteStore;

async fn fresh() -> (SqliteStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = surge_store_sqlite::open(&dir.path().join("surge.db")).await.unwrap();
    (store, dir)
}

surge_testkit::conformance_tests!(fresh);
