//! Issued passes: found by link, status index or control code; suspended, revoked or reinstated with the feed
//! verifiers follow.

use sqlx::{ColumnIndex, Encode, QueryBuilder, Row, Type};
use surge_app::store::columns;
use surge_app::{OutboxMessage, PassEvent, PassRecord, PassSearch, PassStatus, Passes, StatusChange, StoreError};
use surge_domain::audit::AuditEntry;
use time::OffsetDateTime;

use crate::{Args, Conn, Db, DbRow, Dialect, SqlStore, Value, db};

impl<D: Dialect> Passes for SqlStore<D>
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
    async fn pass_by_link(&self, status_index: u64, link_hash: [u8; 32]) -> Result<PassRecord, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {} FROM passes WHERE status_index = $1 AND link_hash = $2",
            crate::rows::PASS_COLUMNS
        ))
        .bind(status_index as i64)
        .bind(&link_hash[..])
        .fetch_optional(&self.reader)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound)?;
        crate::rows::pass(&row)
    }

    async fn status_list_len(&self) -> Result<u64, StoreError> {
        // Every slot handed out, to passes and to texted results alike.
        let len: i64 = sqlx::query_scalar(D::STATUS_LIST_LEN).fetch_one(&self.reader).await.map_err(db)?;
        Ok(len.max(0) as u64)
    }

    async fn reserve_status_index(&self) -> Result<u64, StoreError> {
        let mut tx = self.writer.begin().await.map_err(db)?;
        let index = D::allocate_status_indexes(&mut tx, 1)
            .await?
            .pop()
            .ok_or_else(|| StoreError::Corrupt("no status index was handed out".into()))?;
        tx.commit().await.map_err(db)?;
        Ok(index as u64)
    }

    async fn expire_passes(&self, now: OffsetDateTime) -> Result<u64, StoreError> {
        // Commits on its own; rows another sweep holds are skipped rather than waited for, so sweeps never
        // deadlock with each other or with a claim.
        let swept = sqlx::query(&format!(
            "UPDATE passes SET active = FALSE WHERE id IN \
             (SELECT id FROM passes WHERE active = {} AND expires <= $1{})",
            D::TRUE,
            D::SKIP_LOCKED
        ))
        .bind(now.unix_timestamp())
        .execute(&self.writer)
        .await
        .map_err(db)?;
        Ok(D::rows_affected(&swept))
    }

    async fn pass_by_status_index(&self, status_index: u64) -> Result<PassRecord, StoreError> {
        let sql = format!("SELECT {} FROM passes WHERE status_index = $1", crate::rows::PASS_COLUMNS);
        let row = sqlx::query(&sql)
            .bind(status_index as i64)
            .fetch_optional(&self.reader)
            .await
            .map_err(db)?
            .ok_or(StoreError::NotFound)?;
        crate::rows::pass(&row)
    }

    async fn pass_category(&self, status_index: u64) -> Result<Option<String>, StoreError> {
        let category: Option<Option<String>> = sqlx::query_scalar(
            "SELECT COALESCE(o.category, a.category) FROM passes p \
             LEFT JOIN organisations o ON o.id = p.organisation_id \
             LEFT JOIN applications a ON a.status_index = p.status_index WHERE p.status_index = $1",
        )
        .bind(status_index as i64)
        .fetch_optional(&self.reader)
        .await
        .map_err(db)?;
        match category {
            None => Err(StoreError::NotFound),
            Some(category) => Ok(category),
        }
    }

    async fn places_of_phone(&self, phone: &str) -> Result<Vec<(Vec<String>, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT p.zones AS zones, COALESCE(o.category, a.category, '') AS category FROM passes p \
             LEFT JOIN organisations o ON o.id = p.organisation_id \
             LEFT JOIN applications a ON a.status_index = p.status_index WHERE p.phone = $1 \
             UNION ALL SELECT from_zone || ';' || to_zone, category FROM applications WHERE phone = $1 \
             UNION ALL SELECT zone, category FROM organisations WHERE contact_phone = $1 \
             LIMIT 100",
        )
        .bind(phone)
        .fetch_all(&self.reader)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                let zones: String = r.try_get("zones").map_err(db)?;
                let category: String = r.try_get("category").map_err(db)?;
                Ok((columns::to_zones(&zones), category))
            })
            .collect()
    }

    async fn pass_by_control_code(&self, control_code: &str) -> Result<PassRecord, StoreError> {
        let sql = format!(
            "SELECT {} FROM passes WHERE control_code = $1 ORDER BY status_index DESC LIMIT 2",
            crate::rows::PASS_COLUMNS
        );
        let rows = sqlx::query(&sql).bind(control_code).fetch_all(&self.reader).await.map_err(db)?;
        match rows.as_slice() {
            [] => Err(StoreError::NotFound),
            [row] => crate::rows::pass(row),
            // Two passes made before codes were unique: showing either could show the wrong holder.
            _ => Err(StoreError::Conflict),
        }
    }

    async fn set_pass_status(
        &self,
        status_index: u64,
        status: PassStatus,
        reason: &str,
        audit: &AuditEntry,
        now: OffsetDateTime,
        sms: Option<&OutboxMessage>,
    ) -> Result<i64, StoreError> {
        let mut tx = self.writer.begin().await.map_err(db)?;
        let current: Option<String> =
            sqlx::query_scalar(&format!("SELECT status FROM passes WHERE status_index = $1{}", D::FOR_UPDATE))
                .bind(status_index as i64)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
        match current.as_deref() {
            None => return Err(StoreError::NotFound),
            Some("revoked") => return Err(StoreError::Conflict),
            _ => {}
        }
        // A revoked pass no longer counts as the holder's one active pass.
        let still_active = status != PassStatus::Revoked;
        sqlx::query("UPDATE passes SET status = $1, status_reason = $2, active = CASE WHEN $3 THEN active ELSE FALSE END WHERE status_index = $4")
            .bind(status.as_str())
            .bind(reason)
            .bind(still_active)
            .bind(status_index as i64)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO revocations (status_index, status, reason, actor, at) VALUES ($1, $2, $3, $4, $5) RETURNING seq",
        )
        .bind(status_index as i64)
        .bind(status.as_str())
        .bind(reason)
        .bind(&audit.actor)
        .bind(now.unix_timestamp())
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        if let Some(sms) = sms {
            crate::outbox::insert::<D>(&mut tx, sms, now).await?;
        }
        crate::audit::append::<D>(&mut tx, audit, now).await?;
        tx.commit().await.map_err(db)?;
        Ok(seq)
    }

    async fn revoke_passes(
        &self,
        passes: &[(u64, OutboxMessage)],
        reason: &str,
        audit: &AuditEntry,
        now: OffsetDateTime,
    ) -> Result<Vec<u64>, StoreError> {
        let mut tx = self.writer.begin().await.map_err(db)?;
        let mut revoked = Vec::new();
        for (status_index, sms) in passes {
            let index = *status_index as i64;
            let changed = sqlx::query(
                "UPDATE passes SET status = 'revoked', status_reason = $1, active = FALSE \
                 WHERE status_index = $2 AND status <> 'revoked'",
            )
            .bind(reason)
            .bind(index)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            if D::rows_affected(&changed) == 0 {
                continue;
            }
            sqlx::query(
                "INSERT INTO revocations (status_index, status, reason, actor, at) VALUES ($1, 'revoked', $2, $3, $4)",
            )
            .bind(index)
            .bind(reason)
            .bind(&audit.actor)
            .bind(now.unix_timestamp())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            crate::outbox::insert::<D>(&mut tx, sms, now).await?;
            revoked.push(*status_index);
        }
        if !revoked.is_empty() {
            let audit = AuditEntry { detail: format!("{} ({} passes)", audit.detail, revoked.len()), ..audit.clone() };
            crate::audit::append::<D>(&mut tx, &audit, now).await?;
        }
        tx.commit().await.map_err(db)?;
        Ok(revoked)
    }

    async fn search_passes(&self, search: &PassSearch) -> Result<Vec<PassRecord>, StoreError> {
        let mut q = QueryBuilder::<Db<D>>::new(format!(
            "SELECT {} FROM passes WHERE status_index < ",
            crate::rows::PASS_COLUMNS
        ));
        q.push_bind(search.before_index.map_or(i64::MAX, |i| i as i64));
        if let Some(name) = search.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            // A part of the name, whatever its case; the wildcards a person might type are taken literally.
            let escaped = name.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
            q.push(" AND LOWER(holder) LIKE ").push_bind(format!("%{escaped}%")).push(" ESCAPE '\\'");
        }
        if let Some(phone) = &search.phone {
            q.push(" AND phone = ").push_bind(phone.clone());
        }
        if let Some(code) = &search.control_code {
            q.push(" AND control_code = ").push_bind(code.clone());
        }
        if let Some(org) = search.organisation_id {
            q.push(" AND organisation_id = ").push_bind(org);
        }
        if let Some(batch) = search.batch_id {
            q.push(" AND batch_id = ").push_bind(batch);
        }
        q.push(" ORDER BY status_index DESC LIMIT ").push_bind(i64::from(search.limit.clamp(1, 1000)));
        let rows = D::build(&mut q).fetch_all(&self.reader).await.map_err(db)?;
        rows.iter().map(crate::rows::pass).collect()
    }

    async fn pass_history(&self, status_index: u64) -> Result<Vec<PassEvent>, StoreError> {
        let index = status_index as i64;
        let issued = sqlx::query("SELECT created_at, batch_id FROM passes WHERE status_index = $1")
            .bind(index)
            .fetch_optional(&self.reader)
            .await
            .map_err(db)?
            .ok_or(StoreError::NotFound)?;
        let time =
            |seconds: i64| OffsetDateTime::from_unix_timestamp(seconds).map_err(|e| StoreError::Corrupt(e.to_string()));
        let mut events = vec![PassEvent::Issued {
            at: time(issued.try_get("created_at").map_err(db)?)?,
            batch_id: issued.try_get("batch_id").map_err(db)?,
        }];
        let changes =
            sqlx::query("SELECT status, reason, actor, at FROM revocations WHERE status_index = $1 ORDER BY seq")
                .bind(index)
                .fetch_all(&self.reader)
                .await
                .map_err(db)?;
        for row in &changes {
            let status: String = row.try_get("status").map_err(db)?;
            events.push(PassEvent::Status {
                at: time(row.try_get("at").map_err(db)?)?,
                status: PassStatus::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("status {status:?}")))?,
                reason: row.try_get("reason").map_err(db)?,
                actor: row.try_get("actor").map_err(db)?,
            });
        }
        let scans = sqlx::query(
            "SELECT s.at AS at, s.valid AS valid, s.reason AS reason, c.name AS checkpoint FROM scans s \
             LEFT JOIN checkpoints c ON c.id = s.checkpoint_id WHERE s.status_index = $1 ORDER BY s.id DESC LIMIT 50",
        )
        .bind(index)
        .fetch_all(&self.reader)
        .await
        .map_err(db)?;
        for row in &scans {
            events.push(PassEvent::Scan {
                at: time(row.try_get("at").map_err(db)?)?,
                checkpoint: row.try_get("checkpoint").map_err(db)?,
                valid: row.try_get("valid").map_err(db)?,
                reason: row.try_get("reason").map_err(db)?,
            });
        }
        events.sort_by_key(PassEvent::at);
        Ok(events)
    }

    async fn passes_of_phone(&self, phone: &str, limit: u32) -> Result<Vec<PassRecord>, StoreError> {
        let sql = format!(
            "SELECT {} FROM passes WHERE phone = $1 ORDER BY status_index DESC LIMIT $2",
            crate::rows::PASS_COLUMNS
        );
        let rows = sqlx::query(&sql)
            .bind(phone)
            .bind(i64::from(limit.clamp(1, 1000)))
            .fetch_all(&self.reader)
            .await
            .map_err(db)?;
        rows.iter().map(crate::rows::pass).collect()
    }

    async fn relink_pass(
        &self,
        status_index: u64,
        link_hash: [u8; 32],
        sms: &OutboxMessage,
        audit: &AuditEntry,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await.map_err(db)?;
        let changed = sqlx::query("UPDATE passes SET link_hash = $1 WHERE status_index = $2")
            .bind(&link_hash[..])
            .bind(status_index as i64)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        if D::rows_affected(&changed) == 0 {
            return Err(StoreError::NotFound);
        }
        crate::outbox::insert::<D>(&mut tx, sms, now).await?;
        crate::audit::append::<D>(&mut tx, audit, now).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn status_changes(&self, since: i64, limit: u32) -> Result<Vec<StatusChange>, StoreError> {
        let rows =
            sqlx::query("SELECT seq, status_index, status, at FROM revocations WHERE seq > $1 ORDER BY seq LIMIT $2")
                .bind(since)
                .bind(i64::from(limit.clamp(1, 10_000)))
                .fetch_all(&self.reader)
                .await
                .map_err(db)?;
        rows.iter().map(crate::rows::status_change).collect()
    }
}
