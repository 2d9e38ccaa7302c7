//! Employee lists (batches) and their background issuance: rows claimed under a lease, then (once signed outside
//! the database) their passes and texts written, the rows' state and the batch counters kept, in one transaction.

use std::collections::{BTreeMap, HashSet};

use sqlx::{ColumnIndex, Database, Encode, QueryBuilder, Row, Type};
use surge_app::store::columns;
use surge_app::{
    ActiveHolder, BatchCreated, BatchRecord, Batches, FailedRow, IssueOutcome, IssuedPass, PendingRow, StoreError,
};
use surge_domain::EmployeeRow;
use time::OffsetDateTime;

use crate::{Args, Conn, Db, DbRow, Dialect, SqlStore, Value, db};

/// A claimed row's key.
fn key(row: &PendingRow) -> (i64, i64) {
    (row.batch_id, i64::from(row.row.line))
}

/// Row keys grouped by batch, for statements that name rows as `batch_id = ? AND line IN (…)`: one statement per
/// batch, not one per row (each statement is a round trip to SQLite's thread), and it searches the primary key
/// where a row-value IN would scan the table.
fn by_batch(keys: impl IntoIterator<Item = (i64, i64)>) -> BTreeMap<i64, Vec<i64>> {
    let mut grouped: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (batch, line) in keys {
        grouped.entry(batch).or_default().push(line);
    }
    grouped
}

/// Ends a statement's condition with `batch_id = <batch> AND line IN (<lines>)`.
fn push_rows<DB: Database>(q: &mut QueryBuilder<'_, DB>, batch: i64, lines: &[i64])
where
    i64: Value<DB>,
{
    q.push("batch_id = ").push_bind(batch).push(" AND line IN (");
    let mut list = q.separated(", ");
    for line in lines {
        list.push_bind(*line);
    }
    list.push_unseparated(")");
}

/// The passes' columns, in the order `push_pass` binds them.
const PASS_INSERT: &str = "INSERT INTO passes (id, status_index, organisation_id, batch_id, line, holder, phone, \
     masked_id, vehicle_plate, zones, not_before, expires, control_code, token, link_hash, created_at) ";
const PASS_COLUMNS: usize = 16;

/// `INSERT INTO passes … VALUES …` for signed rows; a row whose person or vehicle already has an active pass is
/// skipped (`ON CONFLICT DO NOTHING`), and the rows written come back as `batch_id, line`.
fn insert_passes<'a, DB: Database>(chunk: &[&'a (PendingRow, IssuedPass)], now: OffsetDateTime) -> QueryBuilder<'a, DB>
where
    i64: Value<DB>,
    String: Value<DB>,
    Vec<u8>: Value<DB>,
    Option<String>: Value<DB>,
{
    let mut q = QueryBuilder::<DB>::new(PASS_INSERT);
    q.push_values(chunk, |mut b, (row, pass)| {
        b.push_bind(pass.pass_id.to_vec())
            .push_bind(pass.status_index as i64)
            .push_bind(row.organisation_id)
            .push_bind(row.batch_id)
            .push_bind(i64::from(row.row.line))
            .push_bind(row.row.name.clone())
            .push_bind(row.row.phone.as_str().to_owned())
            .push_bind(row.row.masked_id.clone())
            .push_bind(row.row.vehicle_plate.clone())
            .push_bind(columns::from_zones(&row.row.zones))
            .push_bind(row.row.valid_from.unix_timestamp())
            .push_bind(row.row.valid_to.unix_timestamp())
            .push_bind(pass.control_code.clone())
            .push_bind(pass.token.clone())
            .push_bind(pass.link_hash.to_vec())
            .push_bind(now.unix_timestamp());
    });
    q.push(" ON CONFLICT DO NOTHING RETURNING batch_id, line");
    q
}

impl<D: Dialect> Batches for SqlStore<D>
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
    async fn create_batch(
        &self,
        organisation_id: i64,
        sha256: [u8; 32],
        rows: &[EmployeeRow],
        renews: &[bool],
        now: OffsetDateTime,
    ) -> Result<BatchCreated, StoreError> {
        let mut tx = self.writer.begin().await.map_err(db)?;
        let renews_at = |i: usize| renews.get(i).copied().unwrap_or(false);
        let renewals = (0..rows.len()).filter(|i| renews_at(*i)).count() as i64;
        // A renewing row takes no new place: its old pass gives its place up when replaced.
        let requested = rows.len() as i64 - renewals;
        // Reserving the quota first locks the organisation's row, so two uploads of the same file queue here and
        // the second finds the first's batch below.
        let reserved = sqlx::query(
            "UPDATE organisations SET passes_used = passes_used + $1 \
             WHERE id = $2 AND status = 'approved' AND passes_used + $1 <= quota",
        )
        .bind(requested)
        .bind(organisation_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let existing: Option<i64> =
            sqlx::query_scalar("SELECT id FROM batches WHERE organisation_id = $1 AND sha256 = $2")
                .bind(organisation_id)
                .bind(&sha256[..])
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
        if let Some(id) = existing {
            tx.rollback().await.map_err(db)?;
            return Ok(BatchCreated { id, duplicate: true });
        }
        if D::rows_affected(&reserved) != 1 {
            let row = sqlx::query("SELECT quota, passes_used FROM organisations WHERE id = $1")
                .bind(organisation_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?
                .ok_or(StoreError::NotFound)?;
            let quota: Option<i64> = row.try_get("quota").map_err(db)?;
            let used: i64 = row.try_get("passes_used").map_err(db)?;
            return Err(StoreError::QuotaExceeded {
                quota: quota.unwrap_or(0).max(0) as u32,
                used: used.max(0) as u64,
                requested: requested as u64,
            });
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO batches (organisation_id, sha256, row_count, renewals, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(organisation_id)
        .bind(&sha256[..])
        .bind(rows.len() as i64)
        .bind(renewals)
        .bind(now.unix_timestamp())
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        const COLUMNS_PER_ROW: usize = 10;
        let marked: Vec<(&EmployeeRow, bool)> = rows.iter().enumerate().map(|(i, row)| (row, renews_at(i))).collect();
        for chunk in marked.chunks(D::MAX_BINDS / COLUMNS_PER_ROW) {
            let mut q = QueryBuilder::<Db<D>>::new(
                "INSERT INTO batch_rows (batch_id, line, name, phone, masked_id, zones, valid_from, valid_to, \
                 vehicle_plate, renews) ",
            );
            q.push_values(chunk, |mut b, (row, renews)| {
                b.push_bind(id)
                    .push_bind(i64::from(row.line))
                    .push_bind(row.name.clone())
                    .push_bind(row.phone.as_str().to_owned())
                    .push_bind(row.masked_id.clone())
                    .push_bind(columns::from_zones(&row.zones))
                    .push_bind(row.valid_from.unix_timestamp())
                    .push_bind(row.valid_to.unix_timestamp())
                    .push_bind(row.vehicle_plate.clone())
                    .push_bind(*renews);
            });
            D::build(&mut q).execute(&mut *tx).await.map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
        Ok(BatchCreated { id, duplicate: false })
    }

    async fn batch(&self, id: i64) -> Result<BatchRecord, StoreError> {
        let row = sqlx::query(
            "SELECT id, organisation_id, row_count, issued, failed, renewals, replaced, created_at FROM batches \
                 WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.reader)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound)?;
        crate::rows::batch(&row)
    }

    async fn failed_rows(&self, batch_id: i64, limit: u32) -> Result<Vec<FailedRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT line, name, failure FROM batch_rows WHERE batch_id = $1 AND state = 'failed' ORDER BY line LIMIT $2",
        )
        .bind(batch_id)
        .bind(i64::from(limit.clamp(1, 10_000)))
        .fetch_all(&self.reader)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                let line: i64 = r.try_get("line").map_err(db)?;
                let reason: Option<String> = r.try_get("failure").map_err(db)?;
                Ok(FailedRow {
                    line: u32::try_from(line).unwrap_or(0),
                    name: r.try_get("name").map_err(db)?,
                    reason: reason.unwrap_or_default(),
                })
            })
            .collect()
    }

    async fn claim_rows(
        &self,
        claim: [u8; 16],
        limit: u32,
        now: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<Vec<PendingRow>, StoreError> {
        // An idle worker polls often: with nothing to claim it reads one index entry and writes nothing. Rows of
        // an organisation that is not approved (suspended since its upload) wait, unclaimed, until it is again.
        let due: Option<i64> = sqlx::query_scalar(
            "SELECT r.batch_id FROM batch_rows r JOIN batches b ON b.id = r.batch_id \
             JOIN organisations o ON o.id = b.organisation_id WHERE r.state = 'pending' AND o.status = 'approved' \
             UNION ALL SELECT r.batch_id FROM batch_rows r JOIN batches b ON b.id = r.batch_id \
             JOIN organisations o ON o.id = b.organisation_id \
             WHERE r.state = 'claimed' AND r.claimed_until <= $1 AND o.status = 'approved' LIMIT 1",
        )
        .bind(now.unix_timestamp())
        .fetch_optional(&self.reader)
        .await
        .map_err(db)?;
        if due.is_none() {
            return Ok(Vec::new());
        }
        const ROWS: &str = "SELECT r.batch_id, r.line, r.name, r.phone, r.masked_id, r.zones, r.valid_from, \
             r.valid_to, r.vehicle_plate, r.renews, b.organisation_id, o.category, l.lang \
             FROM batch_rows r JOIN batches b ON b.id = r.batch_id JOIN organisations o ON o.id = b.organisation_id \
             LEFT JOIN phone_languages l ON l.phone = r.phone";
        let mut tx = self.writer.begin().await.map_err(db)?;
        // Rows whose worker stopped come first: their batch waits on them.
        let lapsed = sqlx::query(&format!(
            "{ROWS} WHERE r.state = 'claimed' AND r.claimed_until <= $1 AND o.status = 'approved' \
             ORDER BY r.batch_id, r.line LIMIT $2{}",
            D::SKIP_LOCKED_ROWS
        ))
        .bind(now.unix_timestamp())
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let room = i64::from(limit) - lapsed.len() as i64;
        let pending = if room > 0 {
            sqlx::query(&format!(
                "{ROWS} WHERE r.state = 'pending' AND o.status = 'approved' ORDER BY r.batch_id, r.line LIMIT $1{}",
                D::SKIP_LOCKED_ROWS
            ))
            .bind(room)
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?
        } else {
            Vec::new()
        };
        // Every claim signs with fresh status indexes: an index a stopped worker signed with is never used.
        let mut rows = lapsed.iter().chain(&pending).map(crate::rows::pending).collect::<Result<Vec<_>, _>>()?;
        let indexes = D::allocate_status_indexes(&mut tx, rows.len()).await?;
        for (row, index) in rows.iter_mut().zip(indexes) {
            row.status_index = index as u64;
        }
        for (batch, lines) in by_batch(rows.iter().map(key)) {
            for chunk in lines.chunks(D::MAX_BINDS - 3) {
                let mut q = QueryBuilder::<Db<D>>::new("UPDATE batch_rows SET state = 'claimed', claim = ");
                q.push_bind(claim.to_vec()).push(", claimed_until = ").push_bind(until.unix_timestamp());
                q.push(" WHERE ");
                push_rows(&mut q, batch, chunk);
                D::build(&mut q).execute(&mut *tx).await.map_err(db)?;
            }
        }
        tx.commit().await.map_err(db)?;
        Ok(rows)
    }

    async fn complete_claim(
        &self,
        claim: [u8; 16],
        issued: &[(PendingRow, IssuedPass)],
        refused: &[(PendingRow, String)],
        now: OffsetDateTime,
    ) -> Result<IssueOutcome, StoreError> {
        let mut tx = self.writer.begin().await.map_err(db)?;
        // The rows still under this claim are marked issued at once, which also locks them: a claim that lapsed and
        // was taken again belongs to its new worker. The few that end otherwise are marked failed below.
        let claimed = issued.iter().map(|(row, _)| key(row)).chain(refused.iter().map(|(row, _)| key(row)));
        let mut ours = HashSet::new();
        for (batch, lines) in by_batch(claimed) {
            for chunk in lines.chunks(D::MAX_BINDS - 2) {
                let mut q = QueryBuilder::<Db<D>>::new(
                    "UPDATE batch_rows SET state = 'issued', failure = NULL, claim = NULL, claimed_until = NULL \
                     WHERE claim = ",
                );
                q.push_bind(claim.to_vec()).push(" AND state = 'claimed' AND ");
                push_rows(&mut q, batch, chunk);
                q.push(" RETURNING batch_id, line");
                for r in D::build(&mut q).fetch_all(&mut *tx).await.map_err(db)? {
                    let key: (i64, i64) = (r.try_get(0).map_err(db)?, r.try_get(1).map_err(db)?);
                    ours.insert(key);
                }
            }
        }
        let issued: Vec<&(PendingRow, IssuedPass)> =
            issued.iter().filter(|(row, _)| ours.contains(&key(row))).collect();
        let refused: Vec<&(PendingRow, String)> = refused.iter().filter(|(row, _)| ours.contains(&key(row))).collect();
        // A control code finds one pass. A row whose code another pass has (or another row of this claim) goes
        // back to pending, to be signed again with a new code; it is neither issued nor failed.
        let mut reserved = HashSet::new();
        for chunk in issued.chunks(D::MAX_BINDS) {
            let mut q = QueryBuilder::<Db<D>>::new("INSERT INTO control_codes (code) ");
            q.push_values(chunk, |mut b, (_, pass)| {
                b.push_bind(pass.control_code.clone());
            });
            q.push(" ON CONFLICT (code) DO NOTHING RETURNING code");
            for r in D::build(&mut q).fetch_all(&mut *tx).await.map_err(db)? {
                reserved.insert(r.try_get::<String, _>(0).map_err(db)?);
            }
        }
        let (issued, collided): (Vec<_>, Vec<_>) =
            issued.into_iter().partition(|(_, pass)| reserved.remove(&pass.control_code));
        if !collided.is_empty() {
            tracing::warn!(rows = collided.len(), "control codes already taken; the rows will be signed again");
        }
        for (batch, lines) in by_batch(collided.iter().map(|(row, _)| key(row))) {
            for chunk in lines.chunks(D::MAX_BINDS - 2) {
                let mut q = QueryBuilder::<Db<D>>::new(
                    "UPDATE batch_rows SET state = 'pending', claim = NULL, claimed_until = NULL WHERE ",
                );
                push_rows(&mut q, batch, chunk);
                D::build(&mut q).execute(&mut *tx).await.map_err(db)?;
            }
        }
        let mut inserted = HashSet::new();
        let (renewing, plain): (Vec<_>, Vec<_>) = issued.iter().copied().partition(|(row, _)| row.renews);
        for chunk in plain.chunks(D::MAX_BINDS / PASS_COLUMNS) {
            let mut q = insert_passes::<Db<D>>(chunk, now);
            for r in D::build(&mut q).fetch_all(&mut *tx).await.map_err(db)? {
                inserted.insert((r.try_get::<i64, _>(0).map_err(db)?, r.try_get::<i64, _>(1).map_err(db)?));
            }
        }
        // A renewing row, one at a time: the pass it replaces is revoked, then its own written; if that cannot be
        // (another organisation's pass holds the person or vehicle), the savepoint takes the revocation back.
        // Revoked passes and suspended ones are not replaced: an official's suspension stands.
        let mut replaced: BTreeMap<i64, i64> = BTreeMap::new();
        let mut unreplaced: BTreeMap<i64, i64> = BTreeMap::new();
        for signed in renewing {
            let (row, _) = signed;
            sqlx::query("SAVEPOINT renewal").execute(&mut *tx).await.map_err(db)?;
            let old: Vec<i64> = sqlx::query_scalar(
                "UPDATE passes SET status = 'revoked', status_reason = $1, active = FALSE \
                 WHERE organisation_id = $2 AND active = TRUE AND status = 'valid' \
                 AND ((phone = $3 AND masked_id = $4) OR (vehicle_plate IS NOT NULL AND vehicle_plate = $5)) \
                 RETURNING status_index",
            )
            .bind(surge_app::passes::REPLACED)
            .bind(row.organisation_id)
            .bind(row.row.phone.as_str())
            .bind(&row.row.masked_id)
            .bind(row.row.vehicle_plate.as_deref())
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
            let mut q = insert_passes::<Db<D>>(&[signed], now);
            let written = !D::build(&mut q).fetch_all(&mut *tx).await.map_err(db)?.is_empty();
            if !written {
                sqlx::query("ROLLBACK TO SAVEPOINT renewal").execute(&mut *tx).await.map_err(db)?;
                sqlx::query("RELEASE SAVEPOINT renewal").execute(&mut *tx).await.map_err(db)?;
                continue;
            }
            for index in &old {
                sqlx::query(
                    "INSERT INTO revocations (status_index, status, reason, actor, at) VALUES ($1, 'revoked', $2, $3, $4)",
                )
                .bind(*index)
                .bind(surge_app::passes::REPLACED)
                .bind(format!("batch:{}", row.batch_id))
                .bind(now.unix_timestamp())
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            }
            sqlx::query("RELEASE SAVEPOINT renewal").execute(&mut *tx).await.map_err(db)?;
            inserted.insert(key(row));
            if old.is_empty() {
                // Its old pass ended meanwhile: the new one takes a place after all.
                *unreplaced.entry(row.organisation_id).or_default() += 1;
            } else {
                *replaced.entry(row.batch_id).or_default() += old.len() as i64;
            }
        }
        let sent: Vec<_> = issued.iter().filter(|(row, _)| inserted.contains(&key(row))).collect();
        const OUTBOX_COLUMNS: usize = 5;
        for chunk in sent.chunks(D::MAX_BINDS / OUTBOX_COLUMNS) {
            let mut q =
                QueryBuilder::<Db<D>>::new("INSERT INTO outbox (idempotency_key, kind, recipient, body, created_at) ");
            q.push_values(chunk, |mut b, (_, pass)| {
                b.push_bind(pass.sms.idempotency_key.clone())
                    .push_bind(pass.sms.kind.clone())
                    .push_bind(pass.sms.recipient.clone())
                    .push_bind(pass.sms.body.clone())
                    .push_bind(now.unix_timestamp());
            });
            q.push(" ON CONFLICT (idempotency_key) DO NOTHING");
            D::build(&mut q).execute(&mut *tx).await.map_err(db)?;
        }
        let mut outcome = IssueOutcome { requeued: collided.len(), ..IssueOutcome::default() };
        // Per batch: its organisation, rows issued, rows failed, and failed rows that had taken a quota place.
        let mut per_batch: BTreeMap<i64, (i64, i64, i64, i64)> = BTreeMap::new();
        // Rows that got no pass, by reason: refused as a second active pass, or not signed.
        let mut failures: BTreeMap<&str, Vec<(i64, i64)>> = BTreeMap::new();
        const SECOND_PASS: &str = "this person or vehicle already has an active pass";
        let outcomes = issued
            .iter()
            .map(|(row, _)| (row, inserted.contains(&key(row)).then_some(()).ok_or(SECOND_PASS)))
            .chain(refused.iter().map(|(row, reason)| (row, Err(reason.as_str()))));
        for (row, result) in outcomes {
            let entry = per_batch.entry(row.batch_id).or_insert((row.organisation_id, 0, 0, 0));
            match result {
                Ok(()) => {
                    entry.1 += 1;
                    outcome.issued += 1;
                }
                Err(reason) => {
                    entry.2 += 1;
                    entry.3 += i64::from(!row.renews);
                    outcome.failed += 1;
                    failures.entry(reason).or_default().push(key(row));
                }
            }
        }
        for (reason, keys) in failures {
            for (batch, lines) in by_batch(keys) {
                for chunk in lines.chunks(D::MAX_BINDS - 2) {
                    let mut q = QueryBuilder::<Db<D>>::new("UPDATE batch_rows SET state = 'failed', failure = ");
                    q.push_bind(reason).push(" WHERE ");
                    push_rows(&mut q, batch, chunk);
                    D::build(&mut q).execute(&mut *tx).await.map_err(db)?;
                }
            }
        }
        for (batch_id, (organisation_id, ok, failed, gave_back)) in per_batch {
            sqlx::query(
                "UPDATE batches SET issued = issued + $1, failed = failed + $2, replaced = replaced + $3 WHERE id = $4",
            )
            .bind(ok)
            .bind(failed)
            .bind(replaced.get(&batch_id).copied().unwrap_or(0))
            .bind(batch_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            // A row that got no pass gives its place in the quota back; a renewal whose old pass had ended takes one.
            let change = unreplaced.remove(&organisation_id).unwrap_or(0) - gave_back;
            if change != 0 {
                sqlx::query("UPDATE organisations SET passes_used = passes_used + $1 WHERE id = $2")
                    .bind(change)
                    .bind(organisation_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
            }
        }
        tx.commit().await.map_err(db)?;
        Ok(outcome)
    }

    async fn active_holders(&self, organisation_id: i64) -> Result<Vec<ActiveHolder>, StoreError> {
        let rows = sqlx::query(
            "SELECT phone, masked_id, vehicle_plate FROM passes \
             WHERE organisation_id = $1 AND active = TRUE AND status = 'valid'",
        )
        .bind(organisation_id)
        .fetch_all(&self.reader)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(ActiveHolder {
                    phone: r.try_get("phone").map_err(db)?,
                    masked_id: r.try_get("masked_id").map_err(db)?,
                    vehicle_plate: r.try_get("vehicle_plate").map_err(db)?,
                })
            })
            .collect()
    }

    async fn batches_of(&self, organisation_id: i64) -> Result<Vec<BatchRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, organisation_id, row_count, issued, failed, renewals, replaced, created_at FROM batches \
             WHERE organisation_id = $1 ORDER BY id DESC LIMIT 100",
        )
        .bind(organisation_id)
        .fetch_all(&self.reader)
        .await
        .map_err(db)?;
        rows.iter().map(crate::rows::batch).collect()
    }
}
