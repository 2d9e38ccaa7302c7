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
            runtime.block_on(surge_store_postgres::drop_scratch_database(&admin_url(), &name)).unwrap();
        })
        .join();
    }
}

async fn fresh() -> (PostgresStore, DropDatabase) {
    let (url, name) =
        surge_store_postgres::create_scratch_database(&admin_url(), "surge_test", rand::thread_rng().r#gen())
            .await
            .expect("PostgreSQL is not reachable: `cargo xtask test` starts it, or set SURGE_TEST_POSTGRES_URL");
    (surge_store_postgres::connect(&url, 4).await.unwrap(), DropDatabase(name))
}

surge_testkit::conformance_tests!(fresh);

/// Transactions commit in any order: an event written by a transaction that commits after a later one must still be
/// read, so the later one's events wait until the earlier transaction has ended.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_is_not_passed_by_one_of_a_later_transaction_that_committed_first() {
    use surge_app::{Checkpoints, EventLog, EventPosition};

    let (url, name) =
        surge_store_postgres::create_scratch_database(&admin_url(), "surge_test", rand::thread_rng().r#gen())
            .await
            .unwrap();
    let _guard = DropDatabase(name);
    let store = surge_store_postgres::connect(&url, 4).await.unwrap();
    let at = time::macros::datetime!(2026-03-01 09:00 UTC);
    let gate = store.insert_checkpoint("Gate", "KR-26", 35.1, 129.0, at).await.unwrap();
    let scan = |index: i64| {
        sqlx::query(
            "INSERT INTO scans (checkpoint_id, actor, status_index, valid, at) VALUES ($1, 'test', $2, TRUE, $3)",
        )
        .bind(gate)
        .bind(index)
        .bind(at.unix_timestamp())
    };
    let mut slow = sqlx::PgPool::connect(&url).await.unwrap().begin().await.unwrap();
    scan(1).execute(&mut *slow).await.unwrap();
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    scan(2).execute(&pool).await.unwrap();
    let subjects = || async {
        let events = store.events_after(EventPosition::default(), 10).await.unwrap();
        events.into_iter().map(|e| e.subject).collect::<Vec<String>>()
    };
    for _ in 0..5 {
        assert_eq!(subjects().await, Vec::<String>::new(), "the committed scan waits for the open transaction");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    slow.commit().await.unwrap();
    let mut seen = Vec::new();
    for _ in 0..300 {
        seen = subjects().await;
        if seen.len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(seen, ["1", "2"], "the earlier transaction's event comes first");
}
