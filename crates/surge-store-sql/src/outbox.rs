//! The outbox: messages written with the change that causes them, claimed by senders, and moved through their
//! states by gateway answers and delivery receipts.

use sqlx::{ColumnIndex, Encode, QueryBuilder, Row, Type};
use surge_app::{ClaimedMessage, MessageFilter, MessageRecord, Outbox, OutboxMessage, SendResult, StoreError};
use surge_domain::notify::{MessageState, Receipt, SECRET_UNTIL_DELIVERED, SECRET_UNTIL_SENT, after_receipt, kind_in};
use time::OffsetDateTime;

use crate::{Args, Conn, Db, DbRow, Dialect, SqlStore, Value, db};

impl<D: Dialect> Outbox for SqlStore<D>
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
    async fn enqueue(
        &self,
        message: &OutboxMessage,
        now: OffsetDateTime,
    ) -> Result<(i64, MessageState, bool), StoreError> {
        let mut tx = self.writer.begin().await.map_err(db)?;
        let inserted = insert::<D>(&mut tx, message, now).await?;
        let row = sqlx::query("SELECT id, state FROM outbox WHERE idempotency_key = $1")
            .bind(&message.idempotency_key)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        let state: String = row.try_get("state").map_err(db)?;
        let state = MessageState::parse(&state).ok_or_else(|| StoreError::Corrupt(format!("state {state:?}")))?;
        Ok((row.try_get("id").map_err(db)?, state, inserted))
    }

    async fn claim_messages(&self, limit: u32, now: OffsetDateTime) -> Result<Vec<ClaimedMessage>, StoreError> {
        // Rows another server holds are skipped, so each message goes to one sender.
        let rows = sqlx::query(&format!(
            "UPDATE outbox SET state = 'sending', claimed_at = $1, attempts = attempts + 1 WHERE id IN \
             (SELECT id FROM outbox WHERE state = 'created' AND next_attempt_at <= $1 ORDER BY id LIMIT $2{}) \
             RETURNING id, idempotency_key, kind, recipient, body, attempts",
            D::SKIP_LOCKED
        ))
        .bind(now.unix_timestamp())
        .bind(i64::from(limit.clamp(1, 10_000)))
        .fetch_all(&self.writer)
        .await
        .map_err(db)?;
        let mut claimed = rows.iter().map(crate::rows::claimed_message).collect::<Result<Vec<_>, _>>()?;
        claimed.sort_by_key(|c| c.id);
        Ok(claimed)
    }

    async fn record_results(&self, results: &[(i64, SendResult)], now: OffsetDateTime) -> Result<(), StoreError> {
        let now = now.unix_timestamp();
        let accepted_sql = format!(
            "UPDATE outbox SET state = CASE WHEN state = 'sending' THEN 'sent' ELSE state END, \
             body = CASE WHEN {} THEN NULL ELSE body END, \
             gateway = $1, gateway_message_id = $2, sent_at = $3 WHERE id = $4",
            kind_in(SECRET_UNTIL_SENT)
        );
        let mut tx = self.writer.begin().await.map_err(db)?;
        for (id, result) in results {
            let query = match result {
                // A sign-in code is not kept once a gateway has it.
                SendResult::Accepted { gateway, gateway_message_id } => {
                    sqlx::query(&accepted_sql).bind(gateway).bind(gateway_message_id).bind(now)
                }
                SendResult::Retry { at, reason } => sqlx::query(
                    "UPDATE outbox SET state = 'created', next_attempt_at = $1, failure = $2 \
                     WHERE id = $3 AND state = 'sending'",
                )
                .bind(at.unix_timestamp())
                .bind(reason),
                SendResult::Failed { state, reason } => sqlx::query(
                    "UPDATE outbox SET state = $1, failure = $2, done_at = $3 WHERE id = $4 AND state = 'sending'",
                )
                .bind(state.as_str())
                .bind(reason)
                .bind(now),
            };
            query.bind(id).execute(&mut *tx).await.map_err(db)?;
        }
        tx.commit().await.map_err(db)
    }

    async fn record_receipt(
        &self,
        id: i64,
        receipt: Receipt,
        now: OffsetDateTime,
    ) -> Result<Option<MessageState>, StoreError> {
        let mut tx = self.writer.begin().await.map_err(db)?;
        let state: String = sqlx::query_scalar(&format!("SELECT state FROM outbox WHERE id = $1{}", D::FOR_UPDATE))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
            .ok_or(StoreError::NotFound)?;
        let current = MessageState::parse(&state).ok_or_else(|| StoreError::Corrupt(format!("state {state:?}")))?;
        let next = after_receipt(current, receipt);
        if let Some(next) = next {
            // A pass link is kept only until the phone has it.
            let delivered = next == MessageState::Delivered;
            sqlx::query(&format!(
                "UPDATE outbox SET state = $1, done_at = $2, body = CASE WHEN $4 AND {} THEN NULL ELSE body END \
                 WHERE id = $3",
                kind_in(SECRET_UNTIL_DELIVERED)
            ))
            .bind(next.as_str())
            .bind(now.unix_timestamp())
            .bind(id)
            .bind(delivered)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
        Ok(next)
    }

    async fn record_receipt_by_gateway_id(
        &self,
        gateway: &str,
        gateway_message_id: &str,
        receipt: Receipt,
        now: OffsetDateTime,
    ) -> Result<Option<MessageState>, StoreError> {
        let id: i64 = sqlx::query_scalar("SELECT id FROM outbox WHERE gateway = $1 AND gateway_message_id = $2")
            .bind(gateway)
            .bind(gateway_message_id)
            .fetch_optional(&self.reader)
            .await
            .map_err(db)?
            .ok_or(StoreError::NotFound)?;
        self.record_receipt(id, receipt, now).await
    }

    async fn requeue_stuck(&self, claimed_before: OffsetDateTime, _now: OffsetDateTime) -> Result<u64, StoreError> {
        let done = sqlx::query("UPDATE outbox SET state = 'created' WHERE state = 'sending' AND claimed_at < $1")
            .bind(claimed_before.unix_timestamp())
            .execute(&self.writer)
            .await
            .map_err(db)?;
        Ok(D::rows_affected(&done))
    }

    async fn set_opt_out(&self, phone: &str, opted_out: bool, now: OffsetDateTime) -> Result<(), StoreError> {
        let query = if opted_out {
            sqlx::query("INSERT INTO opt_outs (phone, created_at) VALUES ($1, $2) ON CONFLICT (phone) DO NOTHING")
                .bind(phone)
                .bind(now.unix_timestamp())
        } else {
            sqlx::query("DELETE FROM opt_outs WHERE phone = $1").bind(phone)
        };
        query.execute(&self.writer).await.map_err(db)?;
        Ok(())
    }

    async fn opted_out(&self, phones: &[String]) -> Result<Vec<String>, StoreError> {
        if phones.is_empty() {
            return Ok(Vec::new());
        }
        let mut found = Vec::new();
        for chunk in phones.chunks(D::MAX_BINDS) {
            let mut q = QueryBuilder::<Db<D>>::new("SELECT phone FROM opt_outs WHERE phone IN (");
            let mut list = q.separated(", ");
            for phone in chunk {
                list.push_bind(phone.clone());
            }
            q.push(")");
            for row in D::build(&mut q).fetch_all(&self.reader).await.map_err(db)? {
                found.push(row.try_get::<String, _>(0).map_err(db)?);
            }
        }
        Ok(found)
    }

    async fn message(&self, id: i64) -> Result<MessageRecord, StoreError> {
        let sql = format!("SELECT {} FROM outbox WHERE id = $1", crate::rows::MESSAGE_COLUMNS);
        let row =
            sqlx::query(&sql).bind(id).fetch_optional(&self.reader).await.map_err(db)?.ok_or(StoreError::NotFound)?;
        crate::rows::message_record(&row)
    }

    async fn messages(&self, filter: &MessageFilter) -> Result<Vec<MessageRecord>, StoreError> {
        let mut q =
            QueryBuilder::<Db<D>>::new(format!("SELECT {} FROM outbox WHERE id < ", crate::rows::MESSAGE_COLUMNS));
        q.push_bind(filter.before_id.unwrap_or(i64::MAX));
        if let Some(state) = filter.state {
            q.push(" AND state = ").push_bind(state.as_str());
        }
        if let Some(kind) = &filter.kind {
            q.push(" AND kind = ").push_bind(kind.clone());
        }
        q.push(" ORDER BY id DESC LIMIT ").push_bind(i64::from(filter.limit.clamp(1, 1000)));
        let rows = D::build(&mut q).fetch_all(&self.reader).await.map_err(db)?;
        rows.iter().map(crate::rows::message_record).collect()
    }

    async fn message_counts(&self) -> Result<Vec<(MessageState, u64)>, StoreError> {
        let rows = sqlx::query("SELECT state, COUNT(*) AS n FROM outbox GROUP BY state")
            .fetch_all(&self.reader)
            .await
            .map_err(db)?;
        crate::rows::message_counts(&rows)
    }

    async fn purge_bodies(&self, before: OffsetDateTime) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE outbox SET body = NULL WHERE created_at < $1 AND body IS NOT NULL \
             AND state IN ('delivered', 'temporary-failure', 'permanent-failure', 'technical-failure')",
        )
        .bind(before.unix_timestamp())
        .execute(&self.writer)
        .await
        .map_err(db)?;
        Ok(D::rows_affected(&done))
    }

    async fn outbox_messages(&self, after_id: i64, limit: u32) -> Result<Vec<(i64, OutboxMessage)>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, idempotency_key, kind, recipient, body FROM outbox WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after_id)
        .bind(i64::from(limit.clamp(1, 10_000)))
        .fetch_all(&self.reader)
        .await
        .map_err(db)?;
        rows.iter().map(crate::rows::outbox_message).collect()
    }
}

/// Queues a message in the caller's transaction; a message with the same idempotency key is queued once. Answers
/// whether this call queued it.
pub(crate) async fn insert<D: Dialect>(
    conn: &mut Conn<D>,
    sms: &OutboxMessage,
    now: OffsetDateTime,
) -> Result<bool, StoreError>
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
        "INSERT INTO outbox (idempotency_key, kind, recipient, body, created_at) VALUES ($1, $2, $3, $4, $5) \
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
    Ok(D::rows_affected(&done) == 1)
}
