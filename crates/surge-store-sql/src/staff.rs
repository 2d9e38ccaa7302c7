//! The admin's lists of who may act on the service: staff accounts and API keys, without a secret of either.

use sqlx::{ColumnIndex, Encode, Type};
use surge_app::store::columns;
use surge_app::{ApiKeyListed, Staff, StaffAccount, StoreError};

use crate::rows::{SurgeRow, role, scope};
use crate::{Args, Conn, Db, DbRow, Dialect, SqlStore, Value, db};

impl<D: Dialect> Staff for SqlStore<D>
where
    for<'c> &'c mut Conn<D>: sqlx::Executor<'c, Database = Db<D>>,
    for<'q> Args<'q, D>: sqlx::IntoArguments<'q, Db<D>> + Default,
    for<'a> &'a str: ColumnIndex<DbRow<D>> + Encode<'a, Db<D>> + Type<Db<D>>,
    i64: Value<Db<D>>,
    bool: Value<Db<D>>,
    String: Value<Db<D>>,
    Option<i64>: Value<Db<D>>,
    Option<String>: Value<Db<D>>,
{
    async fn staff_accounts(&self, limit: u32) -> Result<Vec<StaffAccount>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, role, username, zones, categories, must_change_password, disabled, created_at FROM accounts \
             WHERE username IS NOT NULL ORDER BY username LIMIT $1",
        )
        .bind(i64::from(limit.clamp(1, 10_000)))
        .fetch_all(&self.reader)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(StaffAccount {
                    id: r.read("id")?,
                    role: role(r)?,
                    username: r.read("username")?,
                    scope: scope(r)?,
                    must_change_password: r.read("must_change_password")?,
                    disabled: r.read("disabled")?,
                    created_at: columns::to_time(r.read("created_at")?)?,
                })
            })
            .collect()
    }

    async fn api_key_list(&self, limit: u32) -> Result<Vec<ApiKeyListed>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, role, label, organisation_id, lab, zones, categories, revoked, created_at FROM api_keys \
             ORDER BY id DESC LIMIT $1",
        )
        .bind(i64::from(limit.clamp(1, 10_000)))
        .fetch_all(&self.reader)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(ApiKeyListed {
                    id: r.read("id")?,
                    role: role(r)?,
                    label: r.read("label")?,
                    organisation_id: r.read("organisation_id")?,
                    lab: r.read("lab")?,
                    scope: scope(r)?,
                    revoked: r.read("revoked")?,
                    created_at: columns::to_time(r.read("created_at")?)?,
                })
            })
            .collect()
    }

    async fn api_key_revocations(&self, since: i64, limit: u32) -> Result<Vec<(i64, i64)>, StoreError> {
        let rows = sqlx::query("SELECT seq, key_id FROM api_key_revocations WHERE seq > $1 ORDER BY seq LIMIT $2")
            .bind(since)
            .bind(i64::from(limit))
            .fetch_all(&self.reader)
            .await
            .map_err(db)?;
        rows.iter().map(|r| Ok((r.read("seq")?, r.read("key_id")?))).collect()
    }
}
