//! The storage ports on PostgreSQL, the scale-out store: several `surge serve` processes share one database, and
//! background work is claimed with `FOR UPDATE SKIP LOCKED`, never assumed. The statements are `surge-store-sql`'s;
//! this crate holds the dialect, the connection set-up, scratch databases for tests and the migrations.

use std::time::Duration;

use sqlx::postgres::PgArguments;
use sqlx::postgres::{PgPoolOptions, PgQueryResult};
use sqlx::query::Query;
use sqlx::{Connection, PgConnection, Postgres, QueryBuilder};
use surge_app::StoreError;
use surge_store_sql::{Serial, SqlStore, db};

/// PostgreSQL's dialect: transactions run side by side, so rows read to be changed are locked, claims skip what
/// another server holds, status indexes come from a sequence, and the event log is read in commit order.
#[derive(Debug, Clone, Copy)]
pub struct PgDialect;

/// The storage ports on PostgreSQL.
pub type PostgresStore = SqlStore<PgDialect>;

/// The advisory lock that serialises appends to the audit chain across servers.
const AUDIT_CHAIN_LOCK: i64 = 7402;

impl surge_store_sql::Dialect for PgDialect {
    type DB = Postgres;

    const MAX_BINDS: usize = 65_535;
    const TRUE: &'static str = "TRUE";
    const FALSE: &'static str = "FALSE";
    const FOR_UPDATE: &'static str = " FOR UPDATE";
    const SKIP_LOCKED: &'static str = " FOR UPDATE SKIP LOCKED";
    const SKIP_LOCKED_ROWS: &'static str = " FOR UPDATE OF r SKIP LOCKED";
    // Only transactions older than every one still running: a slower one cannot commit behind the reader.
    const EVENTS_AFTER: &'static str = "(tx, id) > ($1, $2) AND tx < txid_snapshot_xmin(txid_current_snapshot())";
    const STATUS_LIST_LEN: &'static str =
        "SELECT CASE WHEN is_called THEN last_value + 1 ELSE 0 END FROM status_index_seq";
    const SQL_TYPES: [&'static str; 8] = [
        "BIGINT",
        "BIGINT GENERATED ALWAYS AS IDENTITY",
        "BOOLEAN",
        "FALSE",
        "TRUE",
        "BYTEA",
        "DOUBLE PRECISION",
        "BIGSERIAL",
    ];
    const OWN_MIGRATIONS: &'static [(i64, &'static str, &'static str)] = &[
        (1, "epass", include_str!("../migrations/0001_epass.sql")),
        (14, "events", include_str!("../migrations/0014_events.sql")),
        (18, "lab identity", include_str!("../migrations/0018_lab_identity.sql")),
    ];

    fn rows_affected(result: &PgQueryResult) -> u64 {
        result.rows_affected()
    }

    fn build<'q, 'a: 'q>(builder: &'q mut QueryBuilder<'a, Postgres>) -> Query<'q, Postgres, PgArguments> {
        builder.build()
    }

    async fn serialise(conn: &mut PgConnection, on: Serial<'_>) -> Result<(), StoreError> {
        let lock = match on {
            Serial::AuditChain => sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(AUDIT_CHAIN_LOCK),
            Serial::RateBucket(bucket) => {
                sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))").bind(bucket)
            }
        };
        lock.execute(&mut *conn).await.map_err(db)?;
        Ok(())
    }

    async fn allocate_status_indexes(conn: &mut PgConnection, n: usize) -> Result<Vec<i64>, StoreError> {
        sqlx::query_scalar("SELECT nextval('status_index_seq') FROM generate_series(1, $1)")
            .bind(n as i64)
            .fetch_all(&mut *conn)
            .await
            .map_err(db)
    }
}

/// Connects and brings the schema up to date. Several processes may start at once: migrations take an advisory
/// lock.
pub async fn connect(url: &str, max_connections: u32) -> Result<PostgresStore, StoreError> {
    let pool = PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .connect(url)
        .await
        .map_err(db)?;
    surge_store_sql::migrations::migrator::<PgDialect>()
        .run(&pool)
        .await
        .map_err(|e| StoreError::Database(e.to_string()))?;
    Ok(SqlStore::new(pool.clone(), pool))
}

/// Creates an empty database with a random name on the server at `admin_url` (whose database part is replaced) and
/// returns its URL and name; for tests and benchmarks that need a fresh database.
pub async fn create_scratch_database(
    admin_url: &str,
    prefix: &str,
    nonce: u64,
) -> Result<(String, String), StoreError> {
    let name = format!("{prefix}_{nonce:016x}");
    let mut admin = PgConnection::connect(admin_url).await.map_err(db)?;
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.map_err(db)?;
    let server = admin_url.rsplit_once('/').map(|(server, _)| server).unwrap_or(admin_url);
    Ok((format!("{server}/{name}"), name))
}

/// Drops a database made by `create_scratch_database`, closing its connections.
pub async fn drop_scratch_database(admin_url: &str, name: &str) -> Result<(), StoreError> {
    let mut admin = PgConnection::connect(admin_url).await.map_err(db)?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin).await.map_err(db)?;
    Ok(())
}
