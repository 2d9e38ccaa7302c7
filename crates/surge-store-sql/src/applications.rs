//! Citizens' applications: stored with their SMS and audit entry, the review queue, and approval that issues the
//! pass in the same transaction.

use sqlx::{ColumnIndex, Encode, Type};
use surge_app::store::columns;
use surge_app::{
    ApplicationDecision, ApplicationFilter, ApplicationRecord, Applications, IssuedPass, NewApplication, OutboxMessage,
    StoreError,
};
use surge_domain::ApplicationStatus;
use surge_domain::audit::AuditEntry;
use time::OffsetDateTime;

use crate::rows::APPLICATION_COLUMNS;
use crate::{Args, Conn, Db, DbRow, Dialect, SqlStore, Value, db};

/// Reads an application; `lock` holds its row until the transaction ends, so two officials cannot both decide.
async fn read<D: Dialect>(conn: &mut Conn<D>, id: i64, lock: bool) -> Result<ApplicationRecord, StoreError>
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
    let lock = if lock { D::FOR_UPDATE } else { "" };
    let row = sqlx::query(&format!("SELECT {APPLICATION_COLUMNS} FROM applications WHERE id = $1{lock}"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound)?;
    crate::rows::application(&row)
}

/// Moves an application out of review; `Conflict` if it is no longer in review.
async fn leave_review<D: Dialect>(
    conn: &mut Conn<D>,
    id: i64,
    decision: &ApplicationDecision,
    status_index: Option<u64>,
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
    let done = sqlx::query(
        "UPDATE applications SET status = $1, reason_en = $2, reason_ko = $3, decided_by = $4, decided_at = $5, \
         status_index = $6 WHERE id = $7 AND status = 'review'",
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
    if D::rows_affected(&done) == 1 { Ok(()) } else { Err(StoreError::Conflict) }
}

impl<D: Dialect> Applications for SqlStore<D>
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
    async fn insert_application(
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
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) RETURNING id",
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
            crate::outbox::insert::<D>(&mut tx, &message, new.created_at).await?;
        }
        let audit = AuditEntry { subject: format!("application:{id}"), ..audit.clone() };
        crate::audit::append::<D>(&mut tx, &audit, new.created_at).await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn application(&self, id: i64) -> Result<ApplicationRecord, StoreError> {
        let mut conn = self.reader.acquire().await.map_err(db)?;
        read::<D>(&mut conn, id, false).await
    }

    async fn list_applications(&self, filter: &ApplicationFilter) -> Result<Vec<ApplicationRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {APPLICATION_COLUMNS} FROM applications WHERE id > $1 AND (CAST($2 AS TEXT) IS NULL OR status = $3) \
             AND (CAST($4 AS TEXT) IS NULL OR phone = $5) ORDER BY id LIMIT $6"
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
        rows.iter().map(crate::rows::application).collect()
    }

    async fn count_applications_since(&self, phone: &str, since: OffsetDateTime) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM applications WHERE phone = $1 AND created_at >= $2")
            .bind(phone)
            .bind(since.unix_timestamp())
            .fetch_one(&self.reader)
            .await
            .map_err(db)?;
        Ok(n.max(0) as u64)
    }

    async fn reject_application(
        &self,
        id: i64,
        decision: &ApplicationDecision,
        audit: &AuditEntry,
        sms: Option<&OutboxMessage>,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await.map_err(db)?;
        read::<D>(&mut tx, id, true).await?;
        leave_review::<D>(&mut tx, id, decision, None, now).await?;
        if let Some(sms) = sms {
            crate::outbox::insert::<D>(&mut tx, sms, now).await?;
        }
        crate::audit::append::<D>(&mut tx, audit, now).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn approve_application(
        &self,
        id: i64,
        decision: &ApplicationDecision,
        audit: &AuditEntry,
        pass: &IssuedPass,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let mut tx = self.writer.begin().await.map_err(db)?;
        let record = read::<D>(&mut tx, id, true).await?;
        if record.status != ApplicationStatus::Review {
            return Err(StoreError::Conflict);
        }
        let app = &record.application;
        let status_index = pass.status_index as i64;
        // Within the transaction, for this holder only: an approval costs one write transaction, and the one-active-
        // pass index then sees only passes still in force.
        sqlx::query(&format!(
            "UPDATE passes SET active = FALSE WHERE active = {} AND expires <= $1 \
                 AND ((phone = $2 AND masked_id = $3) OR vehicle_plate = $4)",
            D::TRUE
        ))
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
        // A control code finds one pass: one already handed out is refused, and the approval may be tried again
        // (it signs with a new code).
        let reserved = sqlx::query("INSERT INTO control_codes (code) VALUES ($1) ON CONFLICT (code) DO NOTHING")
            .bind(&pass.control_code)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        if D::rows_affected(&reserved) != 1 {
            return Err(StoreError::Conflict);
        }
        let inserted = sqlx::query(
            "INSERT INTO passes (id, status_index, holder, phone, masked_id, vehicle_plate, zones, not_before, \
             expires, control_code, token, link_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(pass.pass_id.to_vec())
        .bind(status_index)
        .bind(&app.holder)
        .bind(&record.phone)
        .bind(&app.masked_id)
        .bind(&app.vehicle_plate)
        .bind(columns::from_zones(&zones))
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
            Err(e) if crate::rows::is_unique_violation(&e) => return Err(StoreError::ActivePassExists),
            Err(e) => return Err(db(e)),
        }
        crate::outbox::insert::<D>(&mut tx, &pass.sms, now).await?;
        leave_review::<D>(&mut tx, id, decision, Some(status_index as u64), now).await?;
        crate::audit::append::<D>(&mut tx, audit, now).await?;
        tx.commit().await.map_err(db)?;
        Ok(status_index as u64)
    }
}
