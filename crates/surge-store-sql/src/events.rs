//! The event log (written by the databases' own triggers) and what the live analytics store from it.

use sqlx::{ColumnIndex, Encode, QueryBuilder, Type};
use surge_app::{EventLog, EventPosition, LoggedEvent, StoreError, StreamAlert, StreamPlace, StreamSave, WindowRow};

use crate::{Args, Conn, Db, DbRow, Dialect, SqlStore, Value, db};

impl<D: Dialect> EventLog for SqlStore<D>
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
    async fn events_after(&self, after: EventPosition, limit: u32) -> Result<Vec<LoggedEvent>, StoreError> {
        let sql = format!(
            "SELECT {} FROM events WHERE {} ORDER BY tx, id LIMIT $3",
            crate::rows::EVENT_COLUMNS,
            D::EVENTS_AFTER
        );
        let rows = sqlx::query(&sql)
            .bind(after.tx)
            .bind(after.id)
            .bind(i64::from(limit.max(1)))
            .fetch_all(&self.reader)
            .await
            .map_err(db)?;
        rows.iter().map(crate::rows::logged_event).collect()
    }

    async fn event_place_at(&self, at_ms: i64) -> Result<Option<EventPosition>, StoreError> {
        let first: Option<(i64, i64)> =
            sqlx::query_as(crate::rows::EVENT_PLACE_AT).bind(at_ms).fetch_optional(&self.reader).await.map_err(db)?;
        Ok(first.map(|(tx, id)| EventPosition { tx, id: id - 1 }))
    }

    async fn save_stream(&self, save: &StreamSave) -> Result<(), StoreError> {
        use crate::rows::INSERT_CHUNK;
        let mut tx = self.writer.begin().await.map_err(db)?;
        for chunk in save.windows.chunks(INSERT_CHUNK) {
            let mut q = QueryBuilder::<Db<D>>::new("INSERT INTO stream_windows (minute, scope, measure, count) ");
            q.push_values(chunk, |mut b, w| {
                b.push_bind(w.minute).push_bind(&w.scope).push_bind(&w.measure).push_bind(w.count as i64);
            });
            q.push(" ON CONFLICT (minute, scope, measure) DO UPDATE SET count = excluded.count");
            D::build(&mut q).execute(&mut *tx).await.map_err(db)?;
        }
        for chunk in save.late.chunks(INSERT_CHUNK) {
            let mut q = QueryBuilder::<Db<D>>::new("INSERT INTO stream_late (event_id, scope, measure, minute) ");
            q.push_values(chunk, |mut b, l| {
                b.push_bind(l.event_id).push_bind(&l.scope).push_bind(&l.measure).push_bind(l.minute);
            });
            q.push(" ON CONFLICT DO NOTHING");
            D::build(&mut q).execute(&mut *tx).await.map_err(db)?;
        }
        for chunk in save.alerts.chunks(INSERT_CHUNK) {
            let mut q = QueryBuilder::<Db<D>>::new("INSERT INTO stream_alerts (rule, subject, at, detail) ");
            q.push_values(chunk, |mut b, a| {
                b.push_bind(&a.rule).push_bind(&a.subject).push_bind(a.at_ms).push_bind(&a.detail);
            });
            q.push(" ON CONFLICT DO NOTHING");
            D::build(&mut q).execute(&mut *tx).await.map_err(db)?;
        }
        let state = save.state.as_ref();
        sqlx::query(&crate::rows::stream_place_upsert())
            .bind(&save.consumer)
            .bind(save.position.tx)
            .bind(save.position.id)
            .bind(state.map(|(at, _)| at.tx))
            .bind(state.map(|(at, _)| at.id))
            .bind(state.map(|(_, bytes)| bytes.as_slice()))
            .bind(save.at.unix_timestamp())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)
    }

    async fn stream_place(&self, consumer: &str) -> Result<Option<StreamPlace>, StoreError> {
        let row =
            sqlx::query(crate::rows::STREAM_PLACE).bind(consumer).fetch_optional(&self.reader).await.map_err(db)?;
        row.as_ref().map(crate::rows::stream_place).transpose()
    }

    async fn stream_windows(&self, from_minute: i64) -> Result<Vec<WindowRow>, StoreError> {
        let rows =
            sqlx::query(crate::rows::STREAM_WINDOWS).bind(from_minute).fetch_all(&self.reader).await.map_err(db)?;
        rows.iter().map(crate::rows::window_row).collect()
    }

    async fn stream_late(&self, from_minute: i64) -> Result<Vec<WindowRow>, StoreError> {
        let rows = sqlx::query(crate::rows::STREAM_LATE).bind(from_minute).fetch_all(&self.reader).await.map_err(db)?;
        rows.iter().map(crate::rows::window_row).collect()
    }

    async fn stream_alerts(&self, limit: u32) -> Result<Vec<StreamAlert>, StoreError> {
        let rows = sqlx::query(crate::rows::STREAM_ALERTS)
            .bind(i64::from(limit.clamp(1, 1000)))
            .fetch_all(&self.reader)
            .await
            .map_err(db)?;
        rows.iter().map(crate::rows::stream_alert).collect()
    }
}
