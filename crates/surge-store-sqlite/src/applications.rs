//! Citizens' applications in SQLite: insert with the SMS and audit entry, the queue, and approval that issues
//! the pass in the same transaction.

use sqlx::SqliteConnection;
use surge_app::{
    ApplicationDecision, ApplicationFilter, ApplicationRecord, IssuedPass, NewApplication, OutboxMessage, StoreError,
};
use surge_domain::ApplicationStatus;
use surge_domain::audit::AuditEntry;
use surge_store_sql::APPLICATION_COLUMNS;
use time::OffsetDateTime;

use crate::{SqliteStore, append_audit, db};

/// Queues a message in the caller's transaction; a message with the same idempotency key is queued once.
pub(crate) async fn insert_outbox(
    conn: &mut SqliteConnection,
    sms: &OutboxMessage,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO outbox (idempotency_key, kind, recipient, body, created_at) VALUES (?, ?, ?, ?, ?) \
         ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind(&sms.idempotency_key)
    .bind(&sms.kind)
    .bind(&sms.recipient)
    .bind(&sms.body)
    .bind(now.unix_timestamp())
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

async fn read(conn: &mut SqliteConnection, id: i64) -> Result<ApplicationRecord, StoreError> {
    let row = sqlx::query(&format!("SELECT {APPLICATION_COLUMNS} FROM applications WHERE id = ?"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound)?;
    surge_store_sql::application(&row)
}

impl SqliteStore {
    pub(crate) async fn insert_application_tx(
        &self,
        new: &NewApplication,
        audit: &AuditEntry,
        sms: &(dyn Fn(i64) -> Option<OutboxMessage> + Send + Sync),
    ) -> Result<i64, StoreError> {
        let app = &new.application;
        let mut tx = self.writer.begin().await.map_err(db)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO applications (phone, purpose, category, from_zone, to_zone, valid_from, valid_to, holder, \
             masked_id, vehicle_plate, document_key, document_type, document_bytes, status, rule, reason_en, \
             reason_ko, decided_by, decided_at, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(&new.phone)
        .bind(&app.purpose)
        .bind(&app.category)
        .bind(&app.from_zone)
        .bind(&app.to_zone)
        .bind(app.valid_from.unix_timestamp())
        .bind(app.valid_to.unix_timestamp())
        .bind(&app.holder)
        .bind(&app.masked_id)
        .bind(&app.vehicle_plate)
        .bind(new.document.as_ref().map(|d| d.key.clone()))
        .bind(new.document.as_ref().map(|d| d.kind.content_type()))
        .bind(new.document.as_ref().map(|d| d.bytes as i64))
        .bind(new.status.as_str())
        .bind(&new.rule)
        .bind(&new.reason_en)
        .bind(&new.reason_ko)
        .bind((new.status == ApplicationStatus::Rejected).then_some("policy"))
        .bind((new.status == ApplicationStatus::Rejected).then_some(new.created_at.unix_timestamp()))
        .bind(new.created_at.unix_timestamp())
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        if let Some(message) = sms(id) {
            insert_outbox(&mut tx, &message, new.created_at).await?;
        }
        let audit = AuditEntry { subject: format!("application:{id}"), ..audit.clone() };
        append_audit(&mut tx, &audit, new.created_at).await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    pub(crate) async fn application_by_id(&self, id: i64) -> Result<ApplicationRecord, StoreError> {
        let mut conn = self.reader.acquire().await.map_err(db)?;
        read(&mut conn, id).await
    }

    pub(crate) async fn list_applications_page(
        &self,
        filter: &ApplicationFilter,
    ) -> Result<Vec<ApplicationRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {APPLICATION_COLUMNS} FROM applications WHERE id > ? AND (? IS NULL OR status = ?) \
             AND (? IS NULL OR phone = ?) ORDER BY id LIMIT ?"
        ))
        .bind(filter.after_id.unwrap_or(0))
        .bind(filter.status.map(ApplicationStatus::as_str))
        .bind(filter.status.map(ApplicationStatus::as_str))
        .bind(&filter.phone)
        .bind(&filter.phone)
        .bind(i64::from(filter.limit.clamp(1, 1000)))
        .fetch_all(&self.reader)
        .await
        .map_err(db)?;
        rows.iter().map(surge_store_sql::application).collect()
    }

    pub(crate) async fn count_applications(&self, phone: &str, since: OffsetDateTime) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM applications WHERE phone = ? AND created_at >= ?")
            .bind(phone)
            .bind(since.unix_timestamp())
            .fetch_one(&self.reader)
            .await
            .map_err(db)?;
        Ok(n.max(0) as u64)
    }

    /// Moves an application out of review; `Conflict` if it is no longer in review.
    async fn leave_review(
        conn: &mut SqliteConnection,
        id: i64,
        decision: &ApplicationDecision,
        status_index: Option<u64>,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE applications SET status = ?, reason_en = ?, reason_ko = ?, decided_by = ?, decided_at = ?, \
             status_index = ? WHERE id = ? AND status = 'review'",
        )
        .bind(decision.status.as_str())
        .bind(&decision.reason_en)
        .bind(&decision.reason_ko)
        .bind(&decision.decided_by)
        .bind(now.unix_timestamp())
        .bind(status_index.map(|i| i as i64))
        .bind(id)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
        if done.rows_affected() == 1 { Ok(()) } else { Err(StoreError::Conflict) }
    }

    pub(crate) async fn reject_application_tx(
        &self,
        id: i64,
        decision: &ApplicationDecision,
        audit: &AuditEntry,
        sms: Option<&OutboxMessage>,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await.map_err(db)?;
        read(&mut tx, id).await?;
        Self::leave_review(&mut tx, id, decision, None, now).await?;
        if let Some(sms) = sms {
            insert_outbox(&mut tx, sms, now).await?;
        }
        append_audit(&mut tx, audit, now).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    pub(crate) async fn approve_application_tx(
        &self,
        id: i64,
        decision: &ApplicationDecision,
        audit: &AuditEntry,
        now: OffsetDateTime,
        sign: &mut (dyn FnMut(&ApplicationRecord, u64) -> Result<IssuedPass, String> + Send),
    ) -> Result<u64, StoreError> {
        let mut tx = self.writer.begin().await.map_err(db)?;
        let record = read(&mut tx, id).await?;
        if record.status != ApplicationStatus::Review {
            return Err(StoreError::Conflict);
        }
        let app = &record.application;
        let status_index = crate::allocate_status_index(&mut tx).await?;
        let pass = sign(&record, status_index as u64).map_err(StoreError::Database)?;
        // An expired pass no longer counts as the person's or vehicle's one active pass.
        sqlx::query(
            "UPDATE passes SET active = 0 WHERE active = 1 AND expires <= ? \
             AND ((phone = ? AND masked_id = ?) OR vehicle_plate = ?)",
        )
        .bind(now.unix_timestamp())
        .bind(&record.phone)
        .bind(&app.masked_id)
        .bind(&app.vehicle_plate)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let mut zones = vec![app.from_zone.clone()];
        if app.to_zone != app.from_zone {
            zones.push(app.to_zone.clone());
        }
        let inserted = sqlx::query(
            "INSERT INTO passes (id, status_index, holder, phone, masked_id, vehicle_plate, zones, not_before, \
             expires, control_code, token, link_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(pass.pass_id.to_vec())
        .bind(status_index)
        .bind(&app.holder)
        .bind(&record.phone)
        .bind(&app.masked_id)
        .bind(&app.vehicle_plate)
        .bind(surge_app::store::columns::from_zones(&zones))
        .bind(app.valid_from.unix_timestamp())
        .bind(app.valid_to.unix_timestamp())
        .bind(&pass.control_code)
        .bind(&pass.token)
        .bind(pass.link_hash.to_vec())
        .bind(now.unix_timestamp())
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(e) if surge_store_sql::is_unique_violation(&e) => return Err(StoreError::ActivePassExists),
            Err(e) => return Err(db(e)),
        }
        insert_outbox(&mut tx, &pass.sms, now).await?;
        Self::leave_review(&mut tx, id, decision, Some(status_index as u64), now).await?;
        append_audit(&mut tx, audit, now).await?;
        tx.commit().await.map_err(db)?;
        Ok(status_index as u64)
    }
}
