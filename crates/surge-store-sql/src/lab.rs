//! Lab results: messages with their results and SMS written together (group-committed across connections),
//! registrations, and the clinicians' queue.

use sqlx::{ColumnIndex, Encode, Pool, QueryBuilder, Row, Type};
use surge_app::lab::{
    LabResultRecord, LabStore, NewLabMessage, NewLabResult, NewRegistration, Recorded, result_alert_key,
    result_text_key,
};
use surge_app::{OutboxMessage, StoreError};
use surge_domain::audit::AuditEntry;
use surge_results::{QueueReason, Registration};
use time::OffsetDateTime;

use crate::group::GroupWrite;
use crate::{Args, Conn, Db, DbRow, Dialect, SqlStore, Value, db};

const RESULT_COLUMNS: &str = "id, message_id, lab, filler_order, test_code, status, specimen_id, test_name, \
    interpretation, value, family, given, birth_date, collected_at, performing_lab, registration_id, texted, reason, \
    urgency, queue_state, handled_by, received_at, status_index, certificate";

/// Gives a texted result its slot in the status list.
async fn certify<D: Dialect>(tx: &mut Conn<D>, id: i64) -> Result<(), StoreError>
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
    let index = D::allocate_status_indexes(tx, 1)
        .await?
        .pop()
        .ok_or_else(|| StoreError::Corrupt("no status index was handed out".into()))?;
    sqlx::query("UPDATE lab_results SET status_index = $1 WHERE id = $2")
        .bind(index)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    Ok(())
}

/// One message and its results, each with the SMS to write if it is texted, for the next group commit.
#[derive(Clone)]
pub(crate) struct LabItem {
    message: NewLabMessage,
    results: Vec<(NewLabResult, Option<OutboxMessage>)>,
}

/// Lab messages are group-committed (`group`): one fsync serves many labs' connections, and each sender still hears
/// back (and sends its ACK) only after its own message is on disk.
pub(crate) struct LabWriter<D: Dialect>(pub(crate) Pool<Db<D>>);

impl<D: Dialect> GroupWrite for LabWriter<D>
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
    type Item = LabItem;
    type Done = Recorded;
    const WHAT: &'static str = "lab message";

    async fn write(&self, items: &[&LabItem]) -> Result<Vec<Recorded>, StoreError> {
        let mut tx = self.0.begin().await.map_err(db)?;
        let mut recorded = Vec::with_capacity(items.len());
        for item in items {
            recorded.push(record_in_tx::<D>(&mut tx, &item.message, &item.results).await?);
        }
        tx.commit().await.map_err(db)?;
        Ok(recorded)
    }
}

/// Stores one message and its results inside the caller's transaction; a message seen before stores nothing.
async fn record_in_tx<D: Dialect>(
    tx: &mut Conn<D>,
    message: &NewLabMessage,
    results: &[(NewLabResult, Option<OutboxMessage>)],
) -> Result<Recorded, StoreError>
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
    let now = message.received_at.unix_timestamp();
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO lab_messages (sending_facility, control_id, raw, ack_code, error, received_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (sending_facility, control_id) DO NOTHING RETURNING id",
    )
    .bind(&message.sending_facility)
    .bind(&message.control_id)
    .bind(&message.raw)
    .bind(&message.ack_code)
    .bind(&message.error)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db)?;
    let Some(message_id) = inserted else {
        let id: i64 = sqlx::query_scalar("SELECT id FROM lab_messages WHERE sending_facility = $1 AND control_id = $2")
            .bind(&message.sending_facility)
            .bind(&message.control_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        return Ok(Recorded { message_id: id, duplicate: true, new_results: 0, new_texted: 0 });
    };
    let (mut new_results, mut new_texted) = (0, 0);
    for (result, sms) in results {
        let r = result;
        let stored: Option<i64> = sqlx::query_scalar(
            "INSERT INTO lab_results (message_id, filler_order, test_code, status, specimen_id, test_name, \
             interpretation, value, family, given, birth_date, collected_at, performing_lab, registration_id, \
             texted, reason, urgency, queue_state, received_at, lab) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) \
             ON CONFLICT (lab, filler_order, test_code, status) DO NOTHING RETURNING id",
        )
        .bind(message_id)
        .bind(&r.filler_order)
        .bind(&r.test_code)
        .bind(&r.status)
        .bind(&r.specimen_id)
        .bind(&r.test_name)
        .bind(&r.interpretation)
        .bind(&r.value)
        .bind(&r.family)
        .bind(&r.given)
        .bind(r.birth_date.map(|d| d.to_string()))
        .bind(&r.collected_at)
        .bind(&r.performing_lab)
        .bind(r.registration_id)
        .bind(r.texted)
        .bind(&r.reason)
        .bind(i64::from(r.urgency))
        // Queued: not texted, with a reason. Neither is a panel's other test, recorded only.
        .bind((!r.texted && r.reason.is_some()).then_some("open"))
        .bind(now)
        .bind(&r.lab)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let Some(id) = stored else { continue };
        new_results += 1;
        new_texted += usize::from(r.texted);
        if let Some(sms) = sms {
            // A texted result gets its status slot; a queued one's message is the duty clinician's alert. Either
            // is keyed by the result's id, which no lab's identifiers can make collide with another's.
            let key = if r.texted { result_text_key(id) } else { result_alert_key(id) };
            if r.texted {
                certify::<D>(tx, id).await?;
            }
            let sms = OutboxMessage { idempotency_key: key, ..sms.clone() };
            crate::outbox::insert::<D>(tx, &sms, message.received_at).await?;
        }
        if r.reason.as_deref() == Some(QueueReason::CorrectedAfterText.code()) {
            // What was texted is no longer true: its signed result stops verifying.
            sqlx::query(
                "INSERT INTO revocations (status_index, status, reason, actor, at) \
                 SELECT status_index, 'revoked', 'corrected result', 'lab', $1 FROM lab_results \
                 WHERE lab = $4 AND filler_order = $2 AND test_code = $3 AND status_index IS NOT NULL \
                 AND NOT EXISTS (SELECT 1 FROM revocations v WHERE v.status_index = lab_results.status_index)",
            )
            .bind(now)
            .bind(&r.filler_order)
            .bind(&r.test_code)
            .bind(&r.lab)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
    }
    Ok(Recorded { message_id, duplicate: false, new_results, new_texted })
}

impl<D: Dialect> LabStore for SqlStore<D>
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
    async fn record_lab_message(
        &self,
        message: &NewLabMessage,
        results: &[(NewLabResult, Option<OutboxMessage>)],
    ) -> Result<Recorded, StoreError> {
        self.lab_commits.commit(&LabItem { message: message.clone(), results: results.to_vec() }).await
    }

    async fn lab_message_ack(
        &self,
        sending_facility: &str,
        control_id: &str,
    ) -> Result<Option<(String, Option<String>)>, StoreError> {
        let row =
            sqlx::query("SELECT ack_code, error FROM lab_messages WHERE sending_facility = $1 AND control_id = $2")
                .bind(sending_facility)
                .bind(control_id)
                .fetch_optional(&self.reader)
                .await
                .map_err(db)?;
        row.map(|r| Ok((r.try_get("ack_code").map_err(db)?, r.try_get("error").map_err(db)?))).transpose()
    }

    async fn insert_registration(&self, r: &NewRegistration) -> Result<i64, StoreError> {
        sqlx::query_scalar(
            "INSERT INTO result_registrations (specimen_id, phone, family, given, birth_date, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(&r.specimen_id)
        .bind(&r.phone)
        .bind(&r.family)
        .bind(&r.given)
        .bind(r.birth_date.to_string())
        .bind(r.created_at.unix_timestamp())
        .fetch_one(&self.writer)
        .await
        .map_err(db)
    }

    async fn insert_registrations(&self, registrations: &[NewRegistration]) -> Result<u64, StoreError> {
        let mut tx = self.writer.begin().await.map_err(db)?;
        let mut stored = 0;
        // Seven values a row; chunks stay far below either database's limit on bound values.
        for chunk in registrations.chunks(1000) {
            let mut q = QueryBuilder::<Db<D>>::new(
                "INSERT INTO result_registrations (specimen_id, phone, family, given, birth_date, created_at) ",
            );
            q.push_values(chunk, |mut row, r| {
                row.push_bind(&r.specimen_id)
                    .push_bind(&r.phone)
                    .push_bind(&r.family)
                    .push_bind(&r.given)
                    .push_bind(r.birth_date.to_string())
                    .push_bind(r.created_at.unix_timestamp());
            });
            let done = D::build(&mut q).execute(&mut *tx).await.map_err(db)?;
            stored += D::rows_affected(&done);
        }
        tx.commit().await.map_err(db)?;
        Ok(stored)
    }

    async fn registrations_for(
        &self,
        specimen_ids: &[String],
        phones: &[String],
    ) -> Result<Vec<Registration>, StoreError> {
        if specimen_ids.is_empty() && phones.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = QueryBuilder::<Db<D>>::new(
            "SELECT id, specimen_id, phone, family, given, birth_date FROM result_registrations WHERE specimen_id IN (",
        );
        let mut list = q.separated(", ");
        list.push_bind("");
        for s in specimen_ids {
            list.push_bind(s.clone());
        }
        q.push(") OR phone IN (");
        let mut list = q.separated(", ");
        list.push_bind("");
        for p in phones {
            list.push_bind(p.clone());
        }
        q.push(") ORDER BY id LIMIT 100");
        let rows = D::build(&mut q).fetch_all(&self.reader).await.map_err(db)?;
        rows.iter().map(crate::rows::registration).collect()
    }

    async fn texted_negative(&self, lab: &str, filler_order: &str, test_code: &str) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM lab_results WHERE lab = $3 AND filler_order = $1 AND test_code = $2 \
             AND interpretation = 'not_detected' AND (texted OR queue_state = 'released')",
        )
        .bind(filler_order)
        .bind(test_code)
        .bind(lab)
        .fetch_one(&self.reader)
        .await
        .map_err(db)?;
        Ok(n > 0)
    }

    async fn result_queue(&self, limit: u32) -> Result<Vec<LabResultRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {RESULT_COLUMNS} FROM lab_results WHERE queue_state = 'open' \
             ORDER BY urgency, received_at, id LIMIT $1"
        ))
        .bind(i64::from(limit.clamp(1, 1000)))
        .fetch_all(&self.reader)
        .await
        .map_err(db)?;
        rows.iter().map(crate::rows::lab_result).collect()
    }

    async fn lab_result(&self, id: i64) -> Result<LabResultRecord, StoreError> {
        let row = sqlx::query(&format!("SELECT {RESULT_COLUMNS} FROM lab_results WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.reader)
            .await
            .map_err(db)?
            .ok_or(StoreError::NotFound)?;
        crate::rows::lab_result(&row)
    }

    async fn registered_phones(&self, registration_ids: &[i64]) -> Result<Vec<(i64, String)>, StoreError> {
        if registration_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = QueryBuilder::<Db<D>>::new(
            "SELECT id, phone FROM result_registrations WHERE phone IS NOT NULL AND id IN (",
        );
        let mut list = q.separated(", ");
        for id in registration_ids.iter().take(1000) {
            list.push_bind(*id);
        }
        q.push(")");
        let rows = D::build(&mut q).fetch_all(&self.reader).await.map_err(db)?;
        rows.iter().map(|r| Ok((r.try_get("id").map_err(db)?, r.try_get("phone").map_err(db)?))).collect()
    }

    async fn results_of_registrations(&self, registration_ids: &[i64]) -> Result<Vec<LabResultRecord>, StoreError> {
        if registration_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q =
            QueryBuilder::<Db<D>>::new(format!("SELECT {RESULT_COLUMNS} FROM lab_results WHERE registration_id IN ("));
        let mut list = q.separated(", ");
        for id in registration_ids {
            list.push_bind(*id);
        }
        q.push(") ORDER BY id DESC LIMIT 100");
        let rows = D::build(&mut q).fetch_all(&self.reader).await.map_err(db)?;
        rows.iter().map(crate::rows::lab_result).collect()
    }

    async fn purge_lab_messages(&self, before: OffsetDateTime) -> Result<u64, StoreError> {
        let done = sqlx::query("UPDATE lab_messages SET raw = NULL WHERE raw IS NOT NULL AND received_at < $1")
            .bind(before.unix_timestamp())
            .execute(&self.writer)
            .await
            .map_err(db)?;
        Ok(D::rows_affected(&done))
    }

    async fn handle_lab_result(
        &self,
        id: i64,
        state: &str,
        audit: &AuditEntry,
        sms: Option<&OutboxMessage>,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await.map_err(db)?;
        let done = sqlx::query(
            "UPDATE lab_results SET queue_state = $1, handled_by = $2, handled_at = $3 WHERE id = $4 AND queue_state = 'open'",
        )
        .bind(state)
        .bind(&audit.actor)
        .bind(now.unix_timestamp())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if D::rows_affected(&done) != 1 {
            return Err(crate::changed_or_missing::<D>(&mut tx, "lab_results", id).await);
        }
        if let Some(sms) = sms {
            certify::<D>(&mut tx, id).await?;
            let sms = OutboxMessage { idempotency_key: result_text_key(id), ..sms.clone() };
            crate::outbox::insert::<D>(&mut tx, &sms, now).await?;
        }
        crate::audit::append::<D>(&mut tx, audit, now).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn set_result_certificate(&self, id: i64, certificate: &str) -> Result<String, StoreError> {
        sqlx::query(
            "UPDATE lab_results SET certificate = $1 WHERE id = $2 AND certificate IS NULL AND status_index IS NOT NULL",
        )
        .bind(certificate)
        .bind(id)
        .execute(&self.writer)
        .await
        .map_err(db)?;
        let stored: Option<Option<String>> = sqlx::query_scalar("SELECT certificate FROM lab_results WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.writer)
            .await
            .map_err(db)?;
        stored.flatten().ok_or(StoreError::NotFound)
    }
}
