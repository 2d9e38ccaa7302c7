//! Who may come in: API keys, staff and citizen accounts, sign-in codes, sessions and rate limits shared by every
//! server on the database.

use sqlx::{ColumnIndex, Encode, Row, Type};
use surge_app::store::columns;
use surge_app::{
    Access, AccountRecord, ApiKeyRecord, CodeCheck, NewAccount, NewApiKey, NewLoginCode, Role, StoreError,
};
use surge_domain::audit::AuditEntry;
use time::OffsetDateTime;

use crate::{Args, Conn, Db, DbRow, Dialect, Serial, SqlStore, Value, db};

impl<D: Dialect> Access for SqlStore<D>
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
    async fn insert_api_key(&self, key: &NewApiKey, audit: &AuditEntry) -> Result<i64, StoreError> {
        let mut tx = self.writer.begin().await.map_err(db)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO api_keys (key_hash, role, organisation_id, label, zones, categories, created_at, lab) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(&key.key_hash[..])
        .bind(key.role.as_str())
        .bind(key.organisation_id)
        .bind(&key.label)
        .bind(columns::from_zones(&key.scope.zones))
        .bind(columns::from_zones(&key.scope.categories))
        .bind(key.created_at.unix_timestamp())
        .bind(&key.lab)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let audit = AuditEntry { subject: format!("api-key:{id}"), ..audit.clone() };
        crate::audit::append::<D>(&mut tx, &audit, key.created_at).await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn api_key(&self, key_hash: [u8; 32]) -> Result<ApiKeyRecord, StoreError> {
        let row = sqlx::query(
            "SELECT id, role, organisation_id, label, zones, categories, lab FROM api_keys \
                 WHERE key_hash = $1 AND NOT revoked",
        )
        .bind(&key_hash[..])
        .fetch_optional(&self.reader)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound)?;
        crate::rows::api_key(&row)
    }

    async fn revoke_api_key(&self, id: i64, audit: &AuditEntry, now: OffsetDateTime) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await.map_err(db)?;
        let done = sqlx::query("UPDATE api_keys SET revoked = TRUE WHERE id = $1 AND NOT revoked")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        if D::rows_affected(&done) == 0 {
            return Err(StoreError::NotFound);
        }
        sqlx::query("INSERT INTO api_key_revocations (key_id) VALUES ($1)")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        crate::audit::append::<D>(&mut tx, audit, now).await?;
        tx.commit().await.map_err(db)
    }

    async fn count_api_keys(&self, role: Role) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_keys WHERE role = $1 AND NOT revoked")
            .bind(role.as_str())
            .fetch_one(&self.reader)
            .await
            .map_err(db)?;
        Ok(n.max(0) as u64)
    }

    async fn insert_account(&self, account: &NewAccount) -> Result<i64, StoreError> {
        sqlx::query_scalar(
            "INSERT INTO accounts (role, username, phone, password_hash, must_change_password, zones, categories, \
             created_at, personal_phone) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(account.role.as_str())
        .bind(&account.username)
        .bind(&account.phone)
        .bind(&account.password_hash)
        .bind(account.must_change_password)
        .bind(columns::from_zones(&account.scope.zones))
        .bind(columns::from_zones(&account.scope.categories))
        .bind(account.created_at.unix_timestamp())
        .bind(&account.personal_phone)
        .fetch_one(&self.writer)
        .await
        .map_err(|e| if crate::rows::is_unique_violation(&e) { StoreError::Conflict } else { db(e) })
    }

    async fn staff_role_of_phone(&self, phone: &str) -> Result<Option<Role>, StoreError> {
        let roles: Vec<String> = sqlx::query_scalar(
            "SELECT role FROM accounts WHERE personal_phone = $1 AND NOT disabled AND role <> 'applicant' \
             ORDER BY id LIMIT 1",
        )
        .bind(phone)
        .fetch_all(&self.reader)
        .await
        .map_err(db)?;
        Ok(roles.first().and_then(|r| Role::parse(r)))
    }

    async fn account_by_username(&self, username: &str) -> Result<AccountRecord, StoreError> {
        let sql = format!("SELECT {} FROM accounts WHERE username = $1 AND NOT disabled", crate::rows::ACCOUNT_COLUMNS);
        let row = sqlx::query(&sql)
            .bind(username)
            .fetch_optional(&self.reader)
            .await
            .map_err(db)?
            .ok_or(StoreError::NotFound)?;
        crate::rows::account(&row)
    }

    async fn phone_account(&self, phone: &str, now: OffsetDateTime) -> Result<AccountRecord, StoreError> {
        let sql = format!(
            "INSERT INTO accounts (role, phone, created_at) VALUES ('applicant', $1, $2) \
             ON CONFLICT (phone) DO UPDATE SET phone = excluded.phone RETURNING {}",
            crate::rows::ACCOUNT_COLUMNS.replace("accounts.", "")
        );
        let row = sqlx::query(&sql).bind(phone).bind(now.unix_timestamp()).fetch_one(&self.writer).await.map_err(db)?;
        crate::rows::account(&row)
    }

    async fn set_password(&self, account_id: i64, password_hash: &str, must_change: bool) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE accounts SET password_hash = $1, must_change_password = $2 WHERE id = $3")
            .bind(password_hash)
            .bind(must_change)
            .bind(account_id)
            .execute(&self.writer)
            .await
            .map_err(db)?;
        if D::rows_affected(&done) == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    async fn count_accounts(&self, role: Role) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts WHERE role = $1 AND NOT disabled")
            .bind(role.as_str())
            .fetch_one(&self.reader)
            .await
            .map_err(db)?;
        Ok(n.max(0) as u64)
    }

    async fn probe_write(&self, now: OffsetDateTime) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO health_probe (id, at) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET at = excluded.at")
            .bind(now.unix_timestamp())
            .execute(&self.writer)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn count_events(&self, bucket: &str, since: OffsetDateTime) -> Result<u64, StoreError> {
        // A read: on SQLite the one writer connection stays free for the writes a sign-in makes.
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rate_events WHERE bucket = $1 AND at > $2")
            .bind(bucket)
            .bind(since.unix_timestamp())
            .fetch_one(&self.reader)
            .await
            .map_err(db)?;
        Ok(n.max(0) as u64)
    }

    async fn rate_limit(
        &self,
        bucket: &str,
        now: OffsetDateTime,
        window_seconds: i64,
        limit: u32,
    ) -> Result<bool, StoreError> {
        let now = now.unix_timestamp();
        let window_start = now - window_seconds;
        // Count-then-insert must not interleave with another request's for the same bucket.
        let mut tx = self.writer.begin().await.map_err(db)?;
        D::serialise(&mut tx, Serial::RateBucket(bucket)).await?;
        sqlx::query("DELETE FROM rate_events WHERE bucket = $1 AND at <= $2")
            .bind(bucket)
            .bind(window_start)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let used: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rate_events WHERE bucket = $1")
            .bind(bucket)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        let allowed = used < i64::from(limit);
        if allowed {
            sqlx::query("INSERT INTO rate_events (bucket, at) VALUES ($1, $2)")
                .bind(bucket)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
        Ok(allowed)
    }

    async fn create_login_code(&self, code: &NewLoginCode) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await.map_err(db)?;
        sqlx::query("UPDATE login_codes SET used = TRUE WHERE phone = $1 AND NOT used")
            .bind(&code.phone)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query("INSERT INTO login_codes (phone, code_hash, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(&code.phone)
            .bind(&code.code_hash[..])
            .bind(code.created_at.unix_timestamp())
            .bind(code.expires_at.unix_timestamp())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        crate::outbox::insert::<D>(&mut tx, &code.sms, code.created_at).await?;
        tx.commit().await.map_err(db)
    }

    async fn use_login_code(
        &self,
        phone: &str,
        code_hash: [u8; 32],
        now: OffsetDateTime,
        max_attempts: u32,
    ) -> Result<CodeCheck, StoreError> {
        let mut tx = self.writer.begin().await.map_err(db)?;
        let live = sqlx::query(&format!(
            "SELECT id, code_hash, attempts FROM login_codes WHERE phone = $1 AND NOT used AND expires_at > $2 \
             ORDER BY id DESC LIMIT 1{}",
            D::FOR_UPDATE
        ))
        .bind(phone)
        .bind(now.unix_timestamp())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let Some(live) = live else { return Ok(CodeCheck::Spent) };
        let id: i64 = live.try_get("id").map_err(db)?;
        let stored: Vec<u8> = live.try_get("code_hash").map_err(db)?;
        let attempts: i64 = live.try_get("attempts").map_err(db)?;
        let matched = crate::rows::same_hash(&stored, &code_hash);
        let burned = matched || attempts + 1 >= i64::from(max_attempts);
        sqlx::query("UPDATE login_codes SET attempts = attempts + $1, used = $2 WHERE id = $3")
            .bind(i64::from(!matched))
            .bind(burned)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(if matched {
            CodeCheck::Matched
        } else {
            let left = i64::from(max_attempts) - (attempts + 1);
            CodeCheck::Wrong { attempts_left: u32::try_from(left.max(0)).unwrap_or(0) }
        })
    }

    async fn insert_session(
        &self,
        token_hash: [u8; 32],
        account_id: i64,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await.map_err(db)?;
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now.unix_timestamp())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query("INSERT INTO sessions (token_hash, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(&token_hash[..])
            .bind(account_id)
            .bind(now.unix_timestamp())
            .bind(expires_at.unix_timestamp())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)
    }

    async fn session_account(&self, token_hash: [u8; 32], now: OffsetDateTime) -> Result<AccountRecord, StoreError> {
        let sql = format!(
            "SELECT {} FROM sessions JOIN accounts ON accounts.id = sessions.account_id \
             WHERE token_hash = $1 AND expires_at > $2 AND NOT disabled",
            crate::rows::ACCOUNT_COLUMNS
        );
        let row = sqlx::query(&sql)
            .bind(&token_hash[..])
            .bind(now.unix_timestamp())
            .fetch_optional(&self.reader)
            .await
            .map_err(db)?
            .ok_or(StoreError::NotFound)?;
        crate::rows::account(&row)
    }

    async fn delete_session(&self, token_hash: [u8; 32]) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(&token_hash[..])
            .execute(&self.writer)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn remember_language(&self, phone: &str, lang: &str, now: OffsetDateTime) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO phone_languages (phone, lang, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (phone) DO UPDATE SET lang = excluded.lang, updated_at = excluded.updated_at",
        )
        .bind(phone)
        .bind(lang)
        .bind(now.unix_timestamp())
        .execute(&self.writer)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn languages_of(&self, phones: &[String]) -> Result<std::collections::HashMap<String, String>, StoreError> {
        let mut found = std::collections::HashMap::new();
        for chunk in phones.chunks(D::MAX_BINDS) {
            let mut q = sqlx::QueryBuilder::<Db<D>>::new("SELECT phone, lang FROM phone_languages WHERE phone IN (");
            let mut list = q.separated(", ");
            for phone in chunk {
                list.push_bind(phone.clone());
            }
            list.push_unseparated(")");
            for row in D::build(&mut q).fetch_all(&self.reader).await.map_err(db)? {
                found.insert(row.try_get("phone").map_err(db)?, row.try_get("lang").map_err(db)?);
            }
        }
        Ok(found)
    }
}
