//! Checkpoints, the scans made there (an offline upload sent twice is kept once) and the alerts they raise.

use sqlx::{ColumnIndex, Encode, Row, Type};
use surge_app::store::columns;
use surge_app::{Alert, Checkpoint, Checkpoints, LastScan, NewScan, StoreError};
use time::OffsetDateTime;

use crate::{Args, Conn, Db, DbRow, Dialect, SqlStore, Value, db};

impl<D: Dialect> Checkpoints for SqlStore<D>
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
    async fn insert_checkpoint(
        &self,
        name: &str,
        zone: &str,
        lat: f64,
        lon: f64,
        now: OffsetDateTime,
    ) -> Result<i64, StoreError> {
        sqlx::query_scalar(
            "INSERT INTO checkpoints (name, zone, lat, lon, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(name)
        .bind(zone)
        .bind(lat)
        .bind(lon)
        .bind(now.unix_timestamp())
        .fetch_one(&self.writer)
        .await
        .map_err(db)
    }

    async fn checkpoints(&self) -> Result<Vec<Checkpoint>, StoreError> {
        let rows = sqlx::query("SELECT id, name, zone, lat, lon FROM checkpoints ORDER BY id")
            .fetch_all(&self.reader)
            .await
            .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(Checkpoint {
                    id: r.try_get("id").map_err(db)?,
                    name: r.try_get("name").map_err(db)?,
                    zone: r.try_get("zone").map_err(db)?,
                    lat: r.try_get("lat").map_err(db)?,
                    lon: r.try_get("lon").map_err(db)?,
                })
            })
            .collect()
    }

    async fn last_scan(&self, status_index: u64) -> Result<Option<LastScan>, StoreError> {
        let row = sqlx::query(
            "SELECT checkpoint_id, at FROM scans WHERE status_index = $1 AND checkpoint_id IS NOT NULL ORDER BY id DESC LIMIT 1",
        )
        .bind(status_index as i64)
        .fetch_optional(&self.reader)
        .await
        .map_err(db)?;
        row.map(|r| {
            Ok(LastScan {
                checkpoint_id: r.try_get("checkpoint_id").map_err(db)?,
                at: columns::to_time(r.try_get("at").map_err(db)?)?,
            })
        })
        .transpose()
    }

    async fn record_scan(&self, scan: &NewScan, alert: Option<(&str, &str)>) -> Result<Option<i64>, StoreError> {
        let mut tx = self.writer.begin().await.map_err(db)?;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO scans (checkpoint_id, actor, status_index, valid, reason, at, client_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (client_id) WHERE client_id IS NOT NULL DO NOTHING RETURNING id",
        )
        .bind(scan.checkpoint_id)
        .bind(&scan.actor)
        .bind(scan.status_index.map(|i| i as i64))
        .bind(scan.valid)
        .bind(&scan.reason)
        .bind(scan.at.unix_timestamp())
        .bind(&scan.client_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let Some(id) = id else { return Ok(None) };
        if let Some((kind, detail)) = alert {
            sqlx::query("INSERT INTO alerts (kind, status_index, detail, at) VALUES ($1, $2, $3, $4)")
                .bind(kind)
                .bind(scan.status_index.map(|i| i as i64))
                .bind(detail)
                .bind(scan.at.unix_timestamp())
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
        Ok(Some(id))
    }

    async fn alerts(&self, limit: u32) -> Result<Vec<Alert>, StoreError> {
        let rows = sqlx::query("SELECT id, kind, status_index, detail, at FROM alerts ORDER BY id DESC LIMIT $1")
            .bind(i64::from(limit.clamp(1, 1000)))
            .fetch_all(&self.reader)
            .await
            .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(Alert {
                    id: r.try_get("id").map_err(db)?,
                    kind: r.try_get("kind").map_err(db)?,
                    status_index: r.try_get::<Option<i64>, _>("status_index").map_err(db)?.map(|i| i.max(0) as u64),
                    detail: r.try_get("detail").map_err(db)?,
                    at: columns::to_time(r.try_get("at").map_err(db)?)?,
                })
            })
            .collect()
    }
}
