//! The admin's lists of who may act on the service: staff accounts and API keys, without a secret of either.

use sqlx::{ColumnIndex, Encode, Row, Type};
use surge_app::store::columns;
use surge_app::{ApiKeyListed, KeyScope, Role, Staff, StaffAccount, StoreError};

use crate::{Args, Conn, Db, DbRow, Dialect, SqlStore, Value, db};

fn role(text: &str) -> Result<Role, StoreError> {
    Role::parse(text).ok_or_else(|| StoreError::Corrupt(format!("role {text:?}")))
}

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
                    id: r.try_get("id").map_err(db)?,
                    role: role(&r.try_get::<String, _>("role").map_err(db)?)?,
                    username: r.try_get("username").map_err(db)?,
                    scope: KeyScope {
                        zones: columns::to_zones(&r.try_get::<String, _>("zones").map_err(db)?),
                        categories: columns::to_zones(&r.try_get::<String, _>("categories").map_err(db)?),
                    },
                    must_change_password: r.try_get("must_change_password").map_err(db)?,
                    disabled: r.try_get("disabled").map_err(db)?,
                    created_at: columns::to_time(r.try_get("created_at").map_err(db)?)?,
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
                    id: r.try_get("id").map_err(db)?,
                    role: role(&r.try_get::<String, _>("role").map_err(db)?)?,
                    label: r.try_get("label").map_err(db)?,
                    organisation_id: r.try_get("organisation_id").map_err(db)?,
                    lab: r.try_get("lab").map_err(db)?,
                    scope: KeyScope {
                        zones: columns::to_zones(&r.try_get::<String, _>("zones").map_err(db)?),
                        categories: columns::to_zones(&r.try_get::<String, _>("categories").map_err(db)?),
                    },
                    revoked: r.try_get("revoked").map_err(db)?,
                    created_at: columns::to_time(r.try_get("created_at").map_err(db)?)?,
                })
            })
            .collect()
    }
}
