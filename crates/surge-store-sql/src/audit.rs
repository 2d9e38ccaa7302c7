//! The hash-chained audit log and the pass policy, whose every version is an audit entry.

use sqlx::{ColumnIndex, Encode, Row, Type};
use surge_app::{AuditLog, StoreError};
use surge_domain::audit::{AuditEntry, AuditRecord};
use time::OffsetDateTime;

use crate::{Args, Conn, Db, DbRow, Dialect, Serial, SqlStore, Value, db};

impl<D: Dialect> AuditLog for SqlStore<D>
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
    async fn append_audit(&self, entry: &AuditEntry, now: OffsetDateTime) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await.map_err(db)?;
        append::<D>(&mut tx, entry, now).await?;
        tx.commit().await.map_err(db)
    }

    async fn last_audit_entry(&self) -> Result<Option<AuditRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
        )
        .fetch_optional(&self.reader)
        .await
        .map_err(db)?;
        row.as_ref().map(crate::rows::audit_record).transpose()
    }

    async fn audit_entries(&self, after_seq: i64, limit: u32) -> Result<Vec<AuditRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM audit_log WHERE seq > $1 \
             ORDER BY seq LIMIT $2",
        )
        .bind(after_seq)
        .bind(i64::from(limit.clamp(1, 10_000)))
        .fetch_all(&self.reader)
        .await
        .map_err(db)?;
        rows.iter().map(crate::rows::audit_record).collect()
    }

    async fn insert_policy(&self, document: &str, audit: &AuditEntry, now: OffsetDateTime) -> Result<i64, StoreError> {
        let mut tx = self.writer.begin().await.map_err(db)?;
        let version: i64 = sqlx::query_scalar(
            "INSERT INTO policy_versions (document, created_by, created_at) VALUES ($1, $2, $3) RETURNING version",
        )
        .bind(document)
        .bind(&audit.actor)
        .bind(now.unix_timestamp())
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        append::<D>(&mut tx, audit, now).await?;
        tx.commit().await.map_err(db)?;
        Ok(version)
    }

    async fn current_policy(&self) -> Result<Option<(i64, String)>, StoreError> {
        let row = sqlx::query("SELECT version, document FROM policy_versions ORDER BY version DESC LIMIT 1")
            .fetch_optional(&self.reader)
            .await
            .map_err(db)?;
        row.map(|r| Ok((r.try_get("version").map_err(db)?, r.try_get("document").map_err(db)?))).transpose()
    }
}

/// Appends an audit entry inside the caller's transaction, chained to the last one.
pub(crate) async fn append<D: Dialect>(
    conn: &mut Conn<D>,
    entry: &AuditEntry,
    now: OffsetDateTime,
) -> Result<(), StoreError>
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
    // One chain: appends wait for each other.
    D::serialise(conn, Serial::AuditChain).await?;
    let last = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
    let (seq, prev) = match last {
        Some(row) => {
            let seq: i64 = row.try_get("seq").map_err(db)?;
            let hash: Vec<u8> = row.try_get("hash").map_err(db)?;
            (seq + 1, <[u8; 32]>::try_from(hash).map_err(|_| StoreError::Corrupt("audit hash".into()))?)
        }
        None => (1, surge_domain::audit::GENESIS),
    };
    let at = now.unix_timestamp();
    let hash = surge_domain::audit::chain_hash(&prev, seq, at, entry);
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, action, subject, detail, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(seq)
    .bind(at)
    .bind(&entry.actor)
    .bind(&entry.action)
    .bind(&entry.subject)
    .bind(&entry.detail)
    .bind(&prev[..])
    .bind(&hash[..])
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}
