//! The platform's own facts for the lake and metrics, counted in the database so no personal data leaves it.

use sqlx::{ColumnIndex, Encode, Type};
use surge_app::{FactCount, Facts, StoreError};

use crate::{Args, Conn, Db, DbRow, Dialect, SqlStore, Value, db};

impl<D: Dialect> Facts for SqlStore<D>
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
    async fn fact_counts(&self, since: i64) -> Result<Vec<FactCount>, StoreError> {
        let mut counts = Vec::new();
        for (kind, sql) in crate::rows::FACT_QUERIES {
            for row in sqlx::query(sql).bind(since).fetch_all(&self.reader).await.map_err(db)? {
                counts.push(crate::rows::fact_count(&row, kind)?);
            }
        }
        counts.sort();
        Ok(counts)
    }

    async fn passes_in_force(&self, now: i64) -> Result<u64, StoreError> {
        let sql = crate::rows::passes_in_force_query(&format!("active = {}", D::TRUE));
        let n: i64 = sqlx::query_scalar(&sql).bind(now).fetch_one(&self.reader).await.map_err(db)?;
        Ok(n.max(0) as u64)
    }

    async fn counts(&self) -> Result<(u64, u64), StoreError> {
        let (passes, outbox): (i64, i64) =
            sqlx::query_as("SELECT (SELECT COUNT(*) FROM passes), (SELECT COUNT(*) FROM outbox)")
                .fetch_one(&self.reader)
                .await
                .map_err(db)?;
        Ok((passes.max(0) as u64, outbox.max(0) as u64))
    }
}
