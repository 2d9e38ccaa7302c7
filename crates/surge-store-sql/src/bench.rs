//! Helpers for `surge bench`: the raw insert rate of the database beside which issuance is measured, and bulk
//! outbox writes for the notification bench.

use sqlx::{ColumnIndex, Encode, QueryBuilder, Row, Type};
use surge_app::{OutboxMessage, StoreError};
use time::OffsetDateTime;

use crate::{Args, Conn, Db, DbRow, Dialect, SqlStore, Value, db};

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
    /// The baseline for `surge bench issue`: bare inserts per second of rows as large as a pass row, in
    /// transactions of `per_transaction` rows, into a scratch table that is dropped afterwards.
    pub async fn raw_insert_rate(
        &self,
        rows: usize,
        row_len: usize,
        per_transaction: usize,
    ) -> Result<f64, StoreError> {
        // The table the baseline has always used: an id the database gives, and a blob.
        let table = crate::migrations::render::<D>(
            "CREATE TABLE IF NOT EXISTS bench_rows (id {id} PRIMARY KEY, data {blob} NOT NULL)",
        );
        sqlx::query(&table).execute(&self.writer).await.map_err(db)?;
        let payload = vec![0x5au8; row_len];
        let start = std::time::Instant::now();
        let mut done = 0;
        while done < rows {
            let n = per_transaction.min(rows - done);
            let mut tx = self.writer.begin().await.map_err(db)?;
            for chunk in vec![(); n].chunks(D::MAX_BINDS) {
                let mut q = QueryBuilder::<Db<D>>::new("INSERT INTO bench_rows (data) ");
                q.push_values(chunk, |mut b, _| {
                    b.push_bind(payload.clone());
                });
                D::build(&mut q).execute(&mut *tx).await.map_err(db)?;
            }
            tx.commit().await.map_err(db)?;
            done += n;
        }
        let rate = rows as f64 / start.elapsed().as_secs_f64();
        sqlx::query("DROP TABLE bench_rows").execute(&self.writer).await.map_err(db)?;
        Ok(rate)
    }

    /// For `surge bench notify`: writes many outbox messages in one transaction and returns their ids.
    pub async fn insert_outbox_bulk(
        &self,
        messages: &[OutboxMessage],
        now: OffsetDateTime,
    ) -> Result<Vec<i64>, StoreError> {
        let mut tx = self.writer.begin().await.map_err(db)?;
        let mut ids = Vec::with_capacity(messages.len());
        for chunk in messages.chunks(D::MAX_BINDS / 5) {
            let mut q =
                QueryBuilder::<Db<D>>::new("INSERT INTO outbox (idempotency_key, kind, recipient, body, created_at) ");
            q.push_values(chunk, |mut b, m| {
                b.push_bind(m.idempotency_key.clone())
                    .push_bind(m.kind.clone())
                    .push_bind(m.recipient.clone())
                    .push_bind(m.body.clone())
                    .push_bind(now.unix_timestamp());
            });
            q.push(" RETURNING id");
            let mut chunk_ids = D::build(&mut q)
                .fetch_all(&mut *tx)
                .await
                .map_err(db)?
                .iter()
                .map(|row| row.try_get::<i64, _>(0).map_err(db))
                .collect::<Result<Vec<_>, _>>()?;
            chunk_ids.sort_unstable();
            ids.extend(chunk_ids);
        }
        tx.commit().await.map_err(db)?;
        Ok(ids)
    }
}
