//! The storage ports on SQLite: one file in WAL mode under the data directory, one writer connection (SQLite allows
//! one writer; queueing here avoids busy errors) and a few readers that see committed data. The statements are
//! `surge-store-sql`'s; this crate holds the dialect, the connection set-up and the migrations.

use std::path::Path;
use std::time::Duration;

use sqlx::query::Query;
use sqlx::sqlite::SqliteArguments;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteQueryResult, SqliteSynchronous};
use sqlx::{Connection, QueryBuilder, Sqlite, SqliteConnection};
use surge_app::StoreError;
use surge_store_sql::{Serial, SqlStore, db};

/// SQLite's dialect: one writer serialises every transaction, so it needs no row locks; status indexes come from a
/// one-row allocator table; ids in the event log follow commits.
#[derive(Debug, Clone, Copy)]
pub struct SqliteDialect;

/// The storage ports on SQLite.
pub type SqliteStore = SqlStore<SqliteDialect>;

impl surge_store_sql::Dialect for SqliteDialect {
    type DB = Sqlite;

    // SQLite allows at most this many bound values per statement (since 3.32).
    const MAX_BINDS: usize = 32_766;
    const TRUE: &'static str = "1";
    const FALSE: &'static str = "0";
    const FOR_UPDATE: &'static str = "";
    const SKIP_LOCKED: &'static str = "";
    const SKIP_LOCKED_ROWS: &'static str = "";
    // One writer commits at a time, so ids follow commits and `tx` stays 0. The row value is spelled out so that
    // the primary key serves the search.
    const EVENTS_AFTER: &'static str = "tx > $1 OR (tx = $1 AND id > $2)";
    const STATUS_LIST_LEN: &'static str = "SELECT next_index FROM status_allocator WHERE id = 1";
    const SQL_TYPES: [&'static str; 8] = ["INTEGER", "INTEGER", "INTEGER", "0", "1", "BLOB", "REAL", "INTEGER"];
    const OWN_MIGRATIONS: &'static [(i64, &'static str, &'static str)] = &[
        (1, "epass", include_str!("../migrations/0001_epass.sql")),
        (14, "events", include_str!("../migrations/0014_events.sql")),
        (18, "lab identity", include_str!("../migrations/0018_lab_identity.sql")),
    ];

    fn rows_affected(result: &SqliteQueryResult) -> u64 {
        result.rows_affected()
    }

    fn build<'q, 'a: 'q>(builder: &'q mut QueryBuilder<'a, Sqlite>) -> Query<'q, Sqlite, SqliteArguments<'q>> {
        builder.build()
    }

    async fn serialise(_conn: &mut SqliteConnection, _on: Serial<'_>) -> Result<(), StoreError> {
        // The single writer connection already runs one transaction at a time.
        Ok(())
    }

    async fn allocate_status_indexes(conn: &mut SqliteConnection, n: usize) -> Result<Vec<i64>, StoreError> {
        let first: i64 = sqlx::query_scalar(
            "UPDATE status_allocator SET next_index = next_index + $1 WHERE id = 1 RETURNING next_index - $1",
        )
        .bind(n as i64)
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?;
        Ok((first..first + n as i64).collect())
    }
}

/// Opens (creating if needed) the database file and brings its schema up to date. Every error names the file.
pub async fn open(path: &Path) -> Result<SqliteStore, StoreError> {
    open_file(path).await.map_err(|e| match e {
        StoreError::Database(m) => StoreError::Database(format!("{}: {m}", path.display())),
        StoreError::Unavailable(m) => StoreError::Unavailable(format!("{}: {m}", path.display())),
        other => other,
    })
}

async fn open_file(path: &Path) -> Result<SqliteStore, StoreError> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .journal_mode(SqliteJournalMode::Wal)
        // FULL makes every commit durable, so an accepted upload survives a power cut, not only a crash.
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(10))
        // Passes are indexed by random ids and link hashes, whose inserts land on random pages: a 64 MiB page
        // cache per connection keeps those pages in memory instead of the default 8 MiB.
        .pragma("cache_size", "-65536")
        .foreign_keys(true);
    // The file is created and migrated on a connection of its own; the pools never create it, so a database
    // deleted while the service runs fails the next write instead of silently starting an empty one.
    let mut first = SqliteConnection::connect_with(&options.clone().create_if_missing(true)).await.map_err(db)?;
    surge_store_sql::migrations::migrator::<SqliteDialect>()
        .run(&mut first)
        .await
        .map_err(|e| StoreError::Database(e.to_string()))?;
    first.close().await.map_err(db)?;
    owner_only(path)?;
    let opened = FileIdentity::of(path)?;
    let (on_acquire, on_connect) = ((path.to_owned(), opened), (path.to_owned(), opened));
    let writer = SqlitePoolOptions::new()
        .max_connections(1)
        // A write must land in the file the service opened: once the file is deleted or replaced (say, the data
        // directory removed while running), writes would go to an unlinked file and vanish at restart.
        .before_acquire(move |_, _| {
            let same = still_opened(&on_acquire.0, on_acquire.1);
            Box::pin(async move { same.map(|()| true) })
        })
        .after_connect(move |_, _| {
            let same = still_opened(&on_connect.0, on_connect.1);
            Box::pin(async move { same })
        })
        .connect_with(options.clone())
        .await
        .map_err(db)?;
    let reader = SqlitePoolOptions::new().max_connections(4).connect_with(options.read_only(true)).await.map_err(db)?;
    Ok(SqlStore::new(writer, reader))
}

/// The device and inode of the database file, to tell the file the service opened from one put in its place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileIdentity(u64, u64);

impl FileIdentity {
    #[cfg(unix)]
    fn of(path: &Path) -> Result<Self, StoreError> {
        use std::os::unix::fs::MetadataExt;
        let meta =
            std::fs::metadata(path).map_err(|e| StoreError::Unavailable(format!("reading {}: {e}", path.display())))?;
        Ok(Self(meta.dev(), meta.ino()))
    }

    #[cfg(not(unix))]
    fn of(path: &Path) -> Result<Self, StoreError> {
        std::fs::metadata(path).map_err(|e| StoreError::Unavailable(format!("reading {}: {e}", path.display())))?;
        Ok(Self(0, 0))
    }
}

/// `Ok` while `path` is still the file the store opened.
fn still_opened(path: &Path, opened: FileIdentity) -> Result<(), sqlx::Error> {
    match FileIdentity::of(path) {
        Ok(now) if now == opened => Ok(()),
        _ => Err(sqlx::Error::Io(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("{} was deleted or replaced while the service ran; restore it and restart", path.display()),
        ))),
    }
}

/// The database holds personal data: only the service's own user may read it. SQLite makes its WAL and
/// shared-memory files with the database file's mode, and both exist once the migrations have run.
#[cfg(unix)]
fn owner_only(path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::PermissionsExt;
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        let file = Path::new(&file);
        if file.exists() {
            std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600)).map_err(|e| {
                StoreError::Database(format!("making {} readable by this user only: {e}", file.display()))
            })?;
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn owner_only(_path: &Path) -> Result<(), StoreError> {
    Ok(())
}
