//! The store conformance suite on PostgreSQL: a fresh database per test on the server at
//! `SURGE_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`), dropped afterwards.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests fail by panicking")]

use rand::Rng;
use surge_store_postgres::PostgresStore;

fn admin_url() -> String {
    std::env::var("SURGE_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// Drops the test database when the test ends, whether it passed or not.
struct DropDatabase(String);

impl Drop for DropDatabase {
    fn drop(&mut self) {
        let name = self.0.clone();
        // Drop runs outside any runtime that could be blocked on, so a small one of its own does the work.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(PostgresStore::drop_scratch_database(&admin_url(), &name)).unwrap();
        })
        .join();
    }
}

async fn fresh() -> (PostgresStore, DropDatabase) {
    let (url, name) = PostgresStore::create_scratch_database(&admin_url(), "surge_test", rand::thread_rng().r#gen())
        .await
        .expect("PostgreSQL is not reachable: `cargo xtask test` starts it, or set SURGE_TEST_POSTGRES_URL");
    (PostgresStore::connect(&url, 4).await.unwrap(), DropDatabase(name))
}

surge_testkit::conformance_tests!(fresh);
