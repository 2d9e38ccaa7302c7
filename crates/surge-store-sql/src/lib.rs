//! The storage ports implemented once for both SQL databases. [`SqlStore`] is generic over a small [`Dialect`]: the
//! few things SQLite and PostgreSQL spell or do differently (row locks, boolean literals, status-index allocation,
//! reading the event log in commit order, serialising appends). Every statement is written here once, with `$n`
//! placeholders, which both databases read. The backend crates hold only their dialect, connection set-up and
//! migrations.

mod access;
mod applications;
mod audit;
mod batches;
mod bench;
mod checkpoints;
mod events;
mod facts;
mod group;
mod lab;
pub mod migrations;
mod monitoring;
mod organisations;
mod outbox;
mod passes;
pub mod rows;
mod staff;

use std::future::Future;

use sqlx::query::Query;
use sqlx::{ColumnIndex, Database, Decode, Encode, Pool, QueryBuilder, Type};
use surge_app::StoreError;

pub use rows::{is_unique_violation, same_hash};

/// The database's connection, arguments and rows, for a dialect.
pub type Conn<D> = <<D as Dialect>::DB as Database>::Connection;
pub type Args<'q, D> = <<D as Dialect>::DB as Database>::Arguments<'q>;
pub type DbRow<D> = <<D as Dialect>::DB as Database>::Row;
pub type Db<D> = <D as Dialect>::DB;
pub type Tx<'c, D> = sqlx::Transaction<'c, <D as Dialect>::DB>;

/// An owned value the database binds and reads back.
pub trait Value<DB: Database>:
    for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB> + Send + Sync + 'static
{
}
impl<DB: Database, T> Value<DB> for T where
    T: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB> + Send + Sync + 'static
{
}

/// What a transaction serialises on, where the database lets transactions run side by side.
#[derive(Debug, Clone, Copy)]
pub enum Serial<'a> {
    /// Appends to the hash-chained audit log: one chain, so one append at a time.
    AuditChain,
    /// A rate-limit bucket: count-then-insert must not interleave.
    RateBucket(&'a str),
}

/// What SQLite and PostgreSQL do differently. Everything else is shared SQL.
pub trait Dialect: Send + Sync + Sized + 'static {
    type DB: Database;

    /// Bound values one statement may carry.
    const MAX_BINDS: usize;
    /// Boolean literals in SQL text. SQLite keeps booleans as 0 and 1, and its partial indexes are written so.
    const TRUE: &'static str;
    const FALSE: &'static str;
    /// Locks a row read to be changed in the same transaction (` FOR UPDATE`); empty where one writer already
    /// serialises every transaction.
    const FOR_UPDATE: &'static str;
    /// Skips rows another server has claimed (` FOR UPDATE SKIP LOCKED`), for claims of background work.
    const SKIP_LOCKED: &'static str;
    /// The claim of pending employee rows joined to their batch and organisation locks only the rows.
    const SKIP_LOCKED_ROWS: &'static str;
    /// Which events a reader may take after the place `($1, $2)`: in log order, and only those of transactions
    /// that no transaction still running can come before.
    const EVENTS_AFTER: &'static str;
    /// One past the highest status index handed out so far.
    const STATUS_LIST_LEN: &'static str;
    /// How the shared migrations' placeholders (`migrations::PLACEHOLDERS`, in that order) are spelled.
    const SQL_TYPES: [&'static str; 8];
    /// The migrations that differ too much to share: version, description and SQL.
    const OWN_MIGRATIONS: &'static [(i64, &'static str, &'static str)];

    fn rows_affected(result: &<Self::DB as Database>::QueryResult) -> u64;

    /// The query a builder made. Here, where the database is known, its arguments shrink to the borrow; generic
    /// code cannot say so, as a projection's lifetime does not vary.
    fn build<'q, 'a: 'q>(builder: &'q mut QueryBuilder<'a, Self::DB>) -> Query<'q, Self::DB, Args<'q, Self>>;

    /// Serialises this transaction with others on the same thing, until it ends.
    fn serialise(conn: &mut Conn<Self>, on: Serial<'_>) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Hands out `n` consecutive-or-not fresh status indexes, shared by passes and texted lab results.
    fn allocate_status_indexes(
        conn: &mut Conn<Self>,
        n: usize,
    ) -> impl Future<Output = Result<Vec<i64>, StoreError>> + Send;
}

/// The storage ports on a SQL database. `writer` takes every write; `reader` may be a separate read-only pool
/// (SQLite, where one writer connection queues writes) or the same pool (PostgreSQL).
#[derive(Debug)]
pub struct SqlStore<D: Dialect> {
    pub writer: Pool<D::DB>,
    pub reader: Pool<D::DB>,
    /// Lab messages and new organisations go through group committers (`group`).
    lab_commits: group::GroupCommitter<lab::LabItem, surge_app::lab::Recorded>,
    org_commits: group::GroupCommitter<surge_app::NewOrganisation, i64>,
}

impl<D: Dialect> Clone for SqlStore<D> {
    fn clone(&self) -> Self {
        Self {
            writer: self.writer.clone(),
            reader: self.reader.clone(),
            lab_commits: self.lab_commits.clone(),
            org_commits: self.org_commits.clone(),
        }
    }
}

/// Reduces a driver error to the port's error; the driver's types stay here. Errors that say the database cannot
/// be written or reached just now become `Unavailable` (answered 503, worth retrying), the rest `Database`.
pub fn db(e: sqlx::Error) -> StoreError {
    let unavailable = match &e {
        sqlx::Error::Database(d) => d.code().is_some_and(|code| unavailable_code(&code)),
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        _ => false,
    };
    if unavailable { StoreError::Unavailable(e.to_string()) } else { StoreError::Database(e.to_string()) }
}

/// Whether a database error code says "cannot write or reach the database now". PostgreSQL's codes are five-character
/// SQLSTATEs; SQLite's are its (extended) result codes as decimal numbers, never five digits long.
fn unavailable_code(code: &str) -> bool {
    if code.len() == 5 {
        // Connection exceptions, read-only transaction, insufficient resources (disk full, out of memory),
        // operator intervention (shutdown, recovery), system errors (I/O).
        return code.starts_with("08")
            || code == "25006"
            || code.starts_with("53")
            || code.starts_with("57P")
            || code.starts_with("58");
    }
    // BUSY, LOCKED, READONLY, IOERR, FULL, CANTOPEN: the low byte is the primary result code.
    code.parse::<u32>().is_ok_and(|n| matches!(n & 0xff, 5 | 6 | 8 | 10 | 13 | 14))
}

// Each impl block in this crate restates the same `where` clause (the database's connections execute, and it binds
// and reads the column types): Rust does not yet imply such bounds from a trait, and a macro around every impl
// would leave the code unformatted.
impl<D: Dialect> SqlStore<D>
where
    for<'c> &'c mut Conn<D>: sqlx::Executor<'c, Database = Db<D>>,
    for<'q> Args<'q, D>: sqlx::IntoArguments<'q, Db<D>> + Default,
    for<'a> &'a str: ColumnIndex<DbRow<D>> + Encode<'a, Db<D>> + Type<Db<D>>,
    for<'a> &'a [u8]: Encode<'a, Db<D>> + Type<Db<D>>,
    usize: ColumnIndex<DbRow<D>>,
    i64: Value<Db<D>>,
    f64: Value<Db<D>>,
    bool: Value<Db<D>>,
    String: Value<Db<D>>,
    Vec<u8>: Value<Db<D>>,
    Option<i64>: Value<Db<D>>,
    Option<String>: Value<Db<D>>,
    Option<Vec<u8>>: Value<Db<D>>,
    for<'a> Option<&'a str>: Encode<'a, Db<D>> + Type<Db<D>>,
    for<'a> Option<&'a [u8]>: Encode<'a, Db<D>> + Type<Db<D>>,
{
    /// Wraps pools whose schema is up to date, and starts the group committers.
    pub fn new(writer: Pool<D::DB>, reader: Pool<D::DB>) -> Self {
        let lab_commits = group::GroupCommitter::spawn(lab::LabWriter::<D>(writer.clone()), group::MAX_GROUP);
        let org_commits = group::GroupCommitter::spawn(organisations::OrgWriter::<D>(writer.clone()), group::MAX_GROUP);
        Self { writer, reader, lab_commits, org_commits }
    }
}

/// After a guarded update changed no row: `Conflict` if the row is there (it changed meanwhile), `NotFound` if not.
/// `table` is one of the store's own table names, never input.
pub(crate) async fn changed_or_missing<D: Dialect>(conn: &mut Conn<D>, table: &'static str, id: i64) -> StoreError
where
    for<'c> &'c mut Conn<D>: sqlx::Executor<'c, Database = Db<D>>,
    for<'q> Args<'q, D>: sqlx::IntoArguments<'q, Db<D>> + Default,
    i64: Value<Db<D>>,
    usize: ColumnIndex<DbRow<D>>,
{
    let exists: Result<Option<i64>, _> =
        sqlx::query_scalar(&format!("SELECT id FROM {table} WHERE id = $1")).bind(id).fetch_optional(&mut *conn).await;
    match exists {
        Ok(Some(_)) => StoreError::Conflict,
        Ok(None) => StoreError::NotFound,
        Err(e) => db(e),
    }
}

impl<D: Dialect> SqlStore<D> {
    /// Closes the pools, waiting for running statements; for graceful shutdown.
    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::unavailable_code;

    #[test]
    fn read_only_full_missing_and_unreachable_databases_are_unavailable_and_other_errors_are_not() {
        // SQLite: READONLY, READONLY_DBMOVED (8 | 4 << 8), IOERR_WRITE, FULL, CANTOPEN, BUSY.
        for code in ["8", "1032", "778", "13", "14", "5"] {
            assert!(unavailable_code(code), "{code}");
        }
        // SQLite: CONSTRAINT_UNIQUE, ERROR, MISMATCH.
        for code in ["2067", "1", "20"] {
            assert!(!unavailable_code(code), "{code}");
        }
        // PostgreSQL: read-only transaction, disk full, admin shutdown, connection failure.
        for code in ["25006", "53100", "57P01", "08006", "58030"] {
            assert!(unavailable_code(code), "{code}");
        }
        // PostgreSQL: unique violation, serialization failure, syntax error.
        for code in ["23505", "40001", "42601"] {
            assert!(!unavailable_code(code), "{code}");
        }
    }
}
