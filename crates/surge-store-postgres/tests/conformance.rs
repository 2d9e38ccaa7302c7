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

/// What every database made so far has applied: sqlx refuses to start when an applied migration's text changed, so
/// rendering the shared templates must give these exact texts (SHA-384, as sqlx checks them).
const APPLIED: &[(i64, &str)] = &[
    (1, "64853f35d2b7f456b48266e32b07a039d75111026f10b3be4454b37b15f6ade88473c5aa940dfc50ea66a79073fd8a58"),
    (2, "a276ff817bf28e90902b5d4200b782a372dbe026e5e5cdcfa58f8f242776e2171e6ab5b5adf70c2accce250c4218d1fb"),
    (3, "3f1753c803d115c9369236a9a02c3f6eec84d195b58c7c7388b7b7354ba1859376f9bd8d6df9172bc8cabaef50bebcdb"),
    (4, "ec77e37071a588f78b15d1561a240490eaed0a0652cd00fc1c5e039f908ffb273a3d8350afd41f82057edc3f49066a78"),
    (5, "3fdf5af6c98568d586a0542741590eee497bd0533331a534d1bcc2ee632842c362101f90d5b63127a202940d7fa048b6"),
    (6, "05e14bf8aca1175cbe978b4bd5cb2ef7205c4f5adef8b624c521eaa0df55a55ecf7319f18d632ac6b20c911fcae00733"),
    (7, "e791daf66da95cd099af6b7a1d71772414d54f97b34e53ea2b2f485d91d63a53a0c463a82a9b514a78a9c709ef7a75a7"),
    (8, "f9a440d9736581dcc96c70b18e27835e5b6e82936945b2edaadad801881257bf3dd68b3469870398e25d8a2530695979"),
    (9, "cbadc39f972d62df035ce88c8dcb4dd58493bbaa26d4835aeff861a951d3b4ca11fb71dd3fc138a1f18ef88e0095fae8"),
    (10, "feb845088f9f049679f611bc3e31f8027780cc5f1b4d3562981df58a50c0336132680b16ced7679827ed0d876d34ba2c"),
    (11, "d8729b35bfb7bea67ed5c09e4a9a1f0f80011cde0f4d8d406809f92704fd1c78f191668afcfacfc7faf9b7896306e975"),
    (12, "7cf8f7d416b4efbec9fa2400bdc73a7bcffeefa5b6463d8cee5bda4206d31a28261178767ac7aeef64bd8d5b8c92fce9"),
    (13, "8dea86990e204a92480e3a102f7de778587dab8dbc54b921bb935eed6c8e17b1f346555352a4aa9cc86be89390555afc"),
    (14, "c0ab7d28ad54fca057b2ea96de943aef90a7623e49e7ed40080324d5fae52831cd68232ef95c6aa55e2c8382b56b5a06"),
    (15, "583f6a65854cb2436fef75eef9c2a1bb8f904895e46ac442269b6620fdae9307087b2bb89d797e2ea01897d668714ae6"),
    (16, "37b94ca313ac039cdc279abeff1e7711e46025266110b3d1621c6e84d52597fb5e715aecac716f7508a92b5ee48725ac"),
    (17, "6812cbb4a690fd506064a93f7120e8c9a3d95ccfb87b1ebeb2dda82124bdc5f7508a3474f1f2a5bd88fa2e82777d0f32"),
    (18, "569a6884e4f83a9e4281f4f171d2ea7a94f18e81c6211b290dca2ff27663d6d61643cfb5148262f608bd1befc6d62b0f"),
    (19, "aaddda67db48201c300ead7b9777c4940a1ba2f3bd4135cb2a5ef9fd97c3350af3a6c9b72b7a4a718df2127740077cf2"),
    (20, "9b5eb0d278b5c384ccbdb336785a44ed8f5d8140898e123c54fe605fb64fcfb097ab6f7ba342002448ade1eaa868c91a"),
    (21, "e41c1fbf0a719bc065f2a6ea4c990a46dee085e6575af10e76b248374088bcd2bbebb4126e9d9e3c97923cbc8f97c4b8"),
];

#[test]
fn the_migrations_are_the_texts_databases_already_applied() {
    let checksums: Vec<(i64, String)> = surge_store_sql::migrations::migrator::<surge_store_postgres::PgDialect>()
        .iter()
        .map(|m| (m.version, m.checksum.iter().map(|b| format!("{b:02x}")).collect()))
        .collect();
    let expected: Vec<(i64, String)> = APPLIED.iter().map(|(v, sum)| (*v, (*sum).to_owned())).collect();
    assert_eq!(checksums, expected);
}
