//! The storage port on PostgreSQL, the scale-out store: several `surge serve` processes share one database, and
//! background work is claimed with `FOR UPDATE SKIP LOCKED`, never assumed. Bulk writes go through `UNNEST` so
//! one statement carries a whole transaction's rows.

mod applications;
mod lab;

use std::time::Duration;

use sqlx::postgres::PgPoolOptions;
use sqlx::{PgPool, Postgres, QueryBuilder, Row};
use surge_app::ports::{Access, Applications, AuditLog, Batches, Checkpoints, EventLog, Facts, Organisations, Passes};
use surge_app::store::columns;
use surge_app::{
    AccountRecord, BatchCreated, BatchRecord, ClaimedMessage, IssueOutcome, IssuedPass, MessageFilter, MessageRecord,
    NewAccount, NewLoginCode, NewOrganisation, OrgFilter, OrganisationRecord, Outbox, OutboxMessage, PassRecord,
    PendingRow, Role, SendResult, StoreError,
};
use surge_domain::audit::{AuditEntry, AuditRecord};
use surge_domain::notify::{MessageState, Receipt, after_receipt};
use surge_domain::{EmployeeRow, ExistingOrganisation, OrgStatus};
use time::OffsetDateTime;

fn db(e: sqlx::Error) -> StoreError {
    StoreError::Database(e.to_string())
}

#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects and brings the schema up to date. Several processes may start at once: migrations take an
    /// advisory lock.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await
            .map_err(db)?;
        sqlx::migrate!("./migrations").run(&pool).await.map_err(|e| StoreError::Database(e.to_string()))?;
        Ok(Self { pool })
    }

    /// The baseline for `surge bench issue`: bare inserts per second of rows as large as a pass row, in
    /// transactions of `per_transaction` rows, into a scratch table that is dropped afterwards.
    pub async fn raw_insert_rate(
        &self,
        rows: usize,
        row_len: usize,
        per_transaction: usize,
    ) -> Result<f64, StoreError> {
        sqlx::query("CREATE TABLE IF NOT EXISTS bench_rows (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, data BYTEA NOT NULL)")
            .execute(&self.pool)
            .await
            .map_err(db)?;
        let payload = vec![0x5au8; row_len];
        let start = std::time::Instant::now();
        let mut done = 0;
        while done < rows {
            let n = per_transaction.min(rows - done);
            let mut tx = self.pool.begin().await.map_err(db)?;
            sqlx::query("INSERT INTO bench_rows (data) SELECT * FROM UNNEST($1::bytea[])")
                .bind(vec![payload.clone(); n])
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            tx.commit().await.map_err(db)?;
            done += n;
        }
        let rate = rows as f64 / start.elapsed().as_secs_f64();
        sqlx::query("DROP TABLE bench_rows").execute(&self.pool).await.map_err(db)?;
        Ok(rate)
    }

    /// For `surge bench notify`: writes many outbox messages in one transaction and returns their ids.
    pub async fn insert_outbox_bulk(
        &self,
        messages: &[surge_app::OutboxMessage],
        now: OffsetDateTime,
    ) -> Result<Vec<i64>, StoreError> {
        let column = |f: fn(&surge_app::OutboxMessage) -> &String| messages.iter().map(f).cloned().collect::<Vec<_>>();
        let mut ids: Vec<i64> = sqlx::query_scalar(
            "INSERT INTO outbox (idempotency_key, kind, recipient, body, created_at) \
             SELECT k, t, r, b, $5 FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[]) AS u(k, t, r, b) \
             RETURNING id",
        )
        .bind(column(|m| &m.idempotency_key))
        .bind(column(|m| &m.kind))
        .bind(column(|m| &m.recipient))
        .bind(column(|m| &m.body))
        .bind(now.unix_timestamp())
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        ids.sort_unstable();
        Ok(ids)
    }

    /// Creates an empty database with a random name on the server at `admin_url` (whose database part is
    /// replaced) and returns its URL and name; for tests and benchmarks that need a fresh database.
    pub async fn create_scratch_database(
        admin_url: &str,
        prefix: &str,
        nonce: u64,
    ) -> Result<(String, String), StoreError> {
        use sqlx::Connection;
        let name = format!("{prefix}_{nonce:016x}");
        let mut admin = sqlx::PgConnection::connect(admin_url).await.map_err(db)?;
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.map_err(db)?;
        let server = admin_url.rsplit_once('/').map(|(server, _)| server).unwrap_or(admin_url);
        Ok((format!("{server}/{name}"), name))
    }

    /// Drops a database made by `create_scratch_database`, closing its connections.
    pub async fn drop_scratch_database(admin_url: &str, name: &str) -> Result<(), StoreError> {
        use sqlx::Connection;
        let mut admin = sqlx::PgConnection::connect(admin_url).await.map_err(db)?;
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin).await.map_err(db)?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

const ORG_COLUMNS: &str = "id, legal_name, registry_number, category, address, zone, contact_phone, contact_email, \
    requested_quota, status, quota, status_note, findings, passed_all_rules, passes_used, created_at, updated_at";

impl Organisations for PostgresStore {
    async fn insert_organisation(&self, org: &NewOrganisation) -> Result<i64, StoreError> {
        let r = &org.registration;
        let (status, quota, note) = columns::from_status(&OrgStatus::InReview);
        let now = org.created_at.unix_timestamp();
        let mut tx = self.pool.begin().await.map_err(db)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO organisations (legal_name, registry_number, category, address, zone, contact_phone, \
             contact_email, requested_quota, status, quota, status_note, findings, passed_all_rules, created_at, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING id",
        )
        .bind(&r.legal_name)
        .bind(&r.registry_number)
        .bind(&r.category)
        .bind(&r.address)
        .bind(&r.zone)
        .bind(r.contact_phone.as_str())
        .bind(&r.contact_email)
        .bind(i64::from(r.requested_quota))
        .bind(status)
        .bind(quota)
        .bind(note)
        .bind(columns::from_findings(&org.screening))
        .bind(org.screening.passed_all())
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        if let Some(hash) = org.admin_key_hash {
            sqlx::query(
                "INSERT INTO api_keys (key_hash, role, organisation_id, label, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&hash[..])
            .bind(surge_app::Role::OrganisationAdmin.as_str())
            .bind(id)
            .bind("organisation admin (registration)")
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn organisation(&self, id: i64) -> Result<OrganisationRecord, StoreError> {
        let row = sqlx::query(&format!("SELECT {ORG_COLUMNS} FROM organisations WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .ok_or(StoreError::NotFound)?;
        surge_store_sql::organisation(&row)
    }

    async fn screening_candidates(
        &self,
        registry_number: &str,
        zone: &str,
    ) -> Result<Vec<ExistingOrganisation>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, legal_name, registry_number, zone FROM organisations \
             WHERE (registry_number = $1 OR zone = $2) AND status <> 'rejected'",
        )
        .bind(registry_number)
        .bind(zone)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(surge_store_sql::existing_organisation).collect()
    }

    async fn list_organisations(&self, filter: &OrgFilter) -> Result<Vec<OrganisationRecord>, StoreError> {
        let mut q = QueryBuilder::<Postgres>::new(format!("SELECT {ORG_COLUMNS} FROM organisations WHERE id > "));
        q.push_bind(filter.after_id.unwrap_or(0));
        if let Some(status) = &filter.status {
            q.push(" AND status = ").push_bind(status.clone());
        }
        if let Some(category) = &filter.category {
            q.push(" AND category = ").push_bind(category.clone());
        }
        if let Some(zone) = &filter.zone {
            // The zone and its sub-zones (`KR-26-110` is in `KR-26`), as `surge_domain::zone_covers` says.
            q.push(" AND (zone = ").push_bind(zone.clone());
            q.push(" OR zone LIKE ").push_bind(format!("{}-%", zone.replace(['%', '_', '\\'], "")));
            q.push(")");
        }
        if let Some(passed) = filter.passed_all_rules {
            q.push(" AND passed_all_rules = ").push_bind(passed);
        }
        if let Some(phone) = &filter.contact_phone {
            q.push(" AND contact_phone = ").push_bind(phone.clone());
        }
        q.push(" ORDER BY id LIMIT ").push_bind(i64::from(filter.limit.clamp(1, 1000)));
        let rows = q.build().fetch_all(&self.pool).await.map_err(db)?;
        rows.iter().map(surge_store_sql::organisation).collect()
    }

    async fn set_organisation_status(
        &self,
        id: i64,
        from: &OrgStatus,
        to: &OrgStatus,
        now: OffsetDateTime,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let (from_code, from_quota, from_note) = columns::from_status(from);
        let (code, quota, note) = columns::from_status(to);
        let done = sqlx::query(
            "UPDATE organisations SET status = $1, quota = $2, status_note = $3, updated_at = $4 \
             WHERE id = $5 AND status = $6 AND quota IS NOT DISTINCT FROM $7 AND status_note IS NOT DISTINCT FROM $8",
        )
        .bind(code)
        .bind(quota)
        .bind(note)
        .bind(now.unix_timestamp())
        .bind(id)
        .bind(from_code)
        .bind(from_quota)
        .bind(from_note)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if done.rows_affected() == 1 {
            append_audit(&mut tx, audit, now).await?;
            return tx.commit().await.map_err(db);
        }
        drop(tx);
        self.organisation(id).await?;
        Err(StoreError::Conflict)
    }
}

impl AuditLog for PostgresStore {
    async fn append_audit(&self, entry: &AuditEntry, now: OffsetDateTime) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        append_audit(&mut tx, entry, now).await?;
        tx.commit().await.map_err(db)
    }

    async fn audit_entries(&self, after_seq: i64, limit: u32) -> Result<Vec<AuditRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM audit_log WHERE seq > $1 \
             ORDER BY seq LIMIT $2",
        )
        .bind(after_seq)
        .bind(i64::from(limit.clamp(1, 10_000)))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(surge_store_sql::audit_record).collect()
    }

    async fn insert_policy(&self, document: &str, audit: &AuditEntry, now: OffsetDateTime) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let version: i64 = sqlx::query_scalar(
            "INSERT INTO policy_versions (document, created_by, created_at) VALUES ($1, $2, $3) RETURNING version",
        )
        .bind(document)
        .bind(&audit.actor)
        .bind(now.unix_timestamp())
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        append_audit(&mut tx, audit, now).await?;
        tx.commit().await.map_err(db)?;
        Ok(version)
    }

    async fn current_policy(&self) -> Result<Option<(i64, String)>, StoreError> {
        let row = sqlx::query("SELECT version, document FROM policy_versions ORDER BY version DESC LIMIT 1")
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.map(|r| Ok((r.try_get("version").map_err(db)?, r.try_get("document").map_err(db)?))).transpose()
    }
}

impl Batches for PostgresStore {
    async fn create_batch(
        &self,
        organisation_id: i64,
        sha256: [u8; 32],
        rows: &[EmployeeRow],
        now: OffsetDateTime,
    ) -> Result<BatchCreated, StoreError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let requested = rows.len() as i64;
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
        if reserved.rows_affected() != 1 {
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
            "INSERT INTO batches (organisation_id, sha256, row_count, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(organisation_id)
        .bind(&sha256[..])
        .bind(requested)
        .bind(now.unix_timestamp())
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query(
            "INSERT INTO batch_rows (batch_id, line, name, phone, masked_id, zones, valid_from, valid_to, vehicle_plate) \
             SELECT $1, * FROM UNNEST($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], \
             $8::bigint[], $9::text[])",
        )
        .bind(id)
        .bind(rows.iter().map(|r| i64::from(r.line)).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.name.clone()).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.phone.as_str().to_owned()).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.masked_id.clone()).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| columns::from_zones(&r.zones)).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.valid_from.unix_timestamp()).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.valid_to.unix_timestamp()).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.vehicle_plate.clone()).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(BatchCreated { id, duplicate: false })
    }

    async fn batch(&self, id: i64) -> Result<BatchRecord, StoreError> {
        let row =
            sqlx::query("SELECT id, organisation_id, row_count, issued, failed, created_at FROM batches WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?
                .ok_or(StoreError::NotFound)?;
        surge_store_sql::batch(&row)
    }

    async fn issue_pending(
        &self,
        limit: u32,
        now: OffsetDateTime,
        sign: &mut (dyn FnMut(&PendingRow, u64) -> Result<IssuedPass, String> + Send),
    ) -> Result<IssueOutcome, StoreError> {
        // Expired passes no longer count as a person's one active pass. Rows another worker is sweeping are
        // skipped rather than waited for, so sweeps never deadlock.
        sqlx::query(
            "UPDATE passes SET active = FALSE WHERE id IN \
             (SELECT id FROM passes WHERE active AND expires <= $1 FOR UPDATE SKIP LOCKED)",
        )
        .bind(now.unix_timestamp())
        .execute(&self.pool)
        .await
        .map_err(db)?;
        let mut tx = self.pool.begin().await.map_err(db)?;
        let rows = sqlx::query(
            "SELECT r.batch_id, r.line, r.name, r.phone, r.masked_id, r.zones, r.valid_from, r.valid_to, \
             r.vehicle_plate, b.organisation_id, o.category \
             FROM batch_rows r JOIN batches b ON b.id = r.batch_id JOIN organisations o ON o.id = b.organisation_id \
             WHERE r.state = 'pending' ORDER BY r.batch_id, r.line LIMIT $1 FOR UPDATE OF r SKIP LOCKED",
        )
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        if rows.is_empty() {
            return Ok(IssueOutcome::default());
        }
        let pending = rows.iter().map(surge_store_sql::pending).collect::<Result<Vec<_>, _>>()?;
        let indexes: Vec<i64> = sqlx::query_scalar("SELECT nextval('status_index_seq') FROM generate_series(1, $1)")
            .bind(pending.len() as i64)
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
        let mut issued = Vec::with_capacity(pending.len());
        for (row, index) in pending.iter().zip(&indexes) {
            match sign(row, *index as u64) {
                Ok(pass) => issued.push((row, pass)),
                Err(e) => {
                    // Roll back now, not when the connection is next used, so the claimed rows are free at once.
                    tx.rollback().await.map_err(db)?;
                    return Err(StoreError::Database(e));
                }
            }
        }
        let inserted: Vec<(i64, i64)> = sqlx::query_as(
            "INSERT INTO passes (id, status_index, organisation_id, batch_id, line, holder, phone, masked_id, \
             vehicle_plate, zones, not_before, expires, control_code, token, link_hash, created_at) \
             SELECT *, $15 FROM UNNEST($1::bytea[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::text[], \
             $7::text[], $8::text[], $9::text[], $10::text[], $11::bigint[], $12::bigint[], $13::text[], $14::text[], \
             $16::bytea[]) ON CONFLICT DO NOTHING RETURNING batch_id, line",
        )
        .bind(issued.iter().map(|(_, p)| p.pass_id.to_vec()).collect::<Vec<_>>())
        .bind(issued.iter().map(|(_, p)| p.status_index as i64).collect::<Vec<_>>())
        .bind(issued.iter().map(|(r, _)| r.organisation_id).collect::<Vec<_>>())
        .bind(issued.iter().map(|(r, _)| r.batch_id).collect::<Vec<_>>())
        .bind(issued.iter().map(|(r, _)| i64::from(r.row.line)).collect::<Vec<_>>())
        .bind(issued.iter().map(|(r, _)| r.row.name.clone()).collect::<Vec<_>>())
        .bind(issued.iter().map(|(r, _)| r.row.phone.as_str().to_owned()).collect::<Vec<_>>())
        .bind(issued.iter().map(|(r, _)| r.row.masked_id.clone()).collect::<Vec<_>>())
        .bind(issued.iter().map(|(r, _)| r.row.vehicle_plate.clone()).collect::<Vec<_>>())
        .bind(issued.iter().map(|(r, _)| columns::from_zones(&r.row.zones)).collect::<Vec<_>>())
        .bind(issued.iter().map(|(r, _)| r.row.valid_from.unix_timestamp()).collect::<Vec<_>>())
        .bind(issued.iter().map(|(r, _)| r.row.valid_to.unix_timestamp()).collect::<Vec<_>>())
        .bind(issued.iter().map(|(_, p)| p.control_code.clone()).collect::<Vec<_>>())
        .bind(issued.iter().map(|(_, p)| p.token.clone()).collect::<Vec<_>>())
        .bind(now.unix_timestamp())
        .bind(issued.iter().map(|(_, p)| p.link_hash.to_vec()).collect::<Vec<_>>())
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let inserted: std::collections::HashSet<(i64, i64)> = inserted.into_iter().collect();
        let ok = |row: &PendingRow| inserted.contains(&(row.batch_id, i64::from(row.row.line)));
        let sent: Vec<&IssuedPass> = issued.iter().filter(|(r, _)| ok(r)).map(|(_, p)| p).collect();
        sqlx::query(
            "INSERT INTO outbox (idempotency_key, kind, recipient, body, created_at) \
             SELECT *, $5 FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[]) \
             ON CONFLICT (idempotency_key) DO NOTHING",
        )
        .bind(sent.iter().map(|p| p.sms.idempotency_key.clone()).collect::<Vec<_>>())
        .bind(sent.iter().map(|p| p.sms.kind.clone()).collect::<Vec<_>>())
        .bind(sent.iter().map(|p| p.sms.recipient.clone()).collect::<Vec<_>>())
        .bind(sent.iter().map(|p| p.sms.body.clone()).collect::<Vec<_>>())
        .bind(now.unix_timestamp())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let states: Vec<&str> = issued.iter().map(|(r, _)| if ok(r) { "issued" } else { "failed" }).collect();
        let failures: Vec<Option<&str>> = issued
            .iter()
            .map(|(r, _)| (!ok(r)).then_some("this person or vehicle already has an active pass"))
            .collect();
        sqlx::query(
            "UPDATE batch_rows SET state = v.state, failure = v.failure \
             FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::text[]) AS v(batch_id, line, state, failure) \
             WHERE batch_rows.batch_id = v.batch_id AND batch_rows.line = v.line",
        )
        .bind(issued.iter().map(|(r, _)| r.batch_id).collect::<Vec<_>>())
        .bind(issued.iter().map(|(r, _)| i64::from(r.row.line)).collect::<Vec<_>>())
        .bind(states)
        .bind(failures)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let mut per_batch: std::collections::BTreeMap<i64, (i64, i64, i64)> = std::collections::BTreeMap::new();
        let mut outcome = IssueOutcome::default();
        for (row, _) in &issued {
            let entry = per_batch.entry(row.batch_id).or_insert((row.organisation_id, 0, 0));
            if ok(row) {
                entry.1 += 1;
                outcome.issued += 1;
            } else {
                entry.2 += 1;
                outcome.failed += 1;
            }
        }
        for (batch_id, (organisation_id, issued_count, failed)) in per_batch {
            sqlx::query("UPDATE batches SET issued = issued + $1, failed = failed + $2 WHERE id = $3")
                .bind(issued_count)
                .bind(failed)
                .bind(batch_id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            if failed > 0 {
                sqlx::query("UPDATE organisations SET passes_used = passes_used - $1 WHERE id = $2")
                    .bind(failed)
                    .bind(organisation_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
            }
        }
        tx.commit().await.map_err(db)?;
        Ok(outcome)
    }

    async fn batches_of(&self, organisation_id: i64) -> Result<Vec<BatchRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, organisation_id, row_count, issued, failed, created_at FROM batches \
             WHERE organisation_id = $1 ORDER BY id DESC LIMIT 100",
        )
        .bind(organisation_id)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(surge_store_sql::batch).collect()
    }
}

impl Passes for PostgresStore {
    async fn pass_by_link(&self, status_index: u64, link_hash: [u8; 32]) -> Result<PassRecord, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {} FROM passes WHERE status_index = $1 AND link_hash = $2",
            surge_store_sql::PASS_COLUMNS
        ))
        .bind(status_index as i64)
        .bind(&link_hash[..])
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound)?;
        surge_store_sql::pass(&row)
    }

    async fn status_list_len(&self) -> Result<u64, StoreError> {
        // Every slot handed out, to passes and to texted results alike.
        let len: i64 =
            sqlx::query_scalar("SELECT CASE WHEN is_called THEN last_value + 1 ELSE 0 END FROM status_index_seq")
                .fetch_one(&self.pool)
                .await
                .map_err(db)?;
        Ok(len.max(0) as u64)
    }

    async fn pass_by_status_index(&self, status_index: u64) -> Result<PassRecord, StoreError> {
        let sql = format!("SELECT {} FROM passes WHERE status_index = $1", surge_store_sql::PASS_COLUMNS);
        let row = sqlx::query(&sql)
            .bind(status_index as i64)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .ok_or(StoreError::NotFound)?;
        surge_store_sql::pass(&row)
    }

    async fn pass_by_control_code(&self, control_code: &str) -> Result<PassRecord, StoreError> {
        let sql = format!(
            "SELECT {} FROM passes WHERE control_code = $1 ORDER BY status_index DESC LIMIT 1",
            surge_store_sql::PASS_COLUMNS
        );
        let row = sqlx::query(&sql)
            .bind(control_code)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .ok_or(StoreError::NotFound)?;
        surge_store_sql::pass(&row)
    }

    async fn set_pass_status(
        &self,
        status_index: u64,
        status: surge_app::PassStatus,
        reason: &str,
        audit: &AuditEntry,
        now: OffsetDateTime,
        sms: Option<&OutboxMessage>,
    ) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let current: Option<String> =
            sqlx::query_scalar("SELECT status FROM passes WHERE status_index = $1 FOR UPDATE")
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
        let still_active = status != surge_app::PassStatus::Revoked;
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
            sqlx::query(
                "INSERT INTO outbox (idempotency_key, kind, recipient, body, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&sms.idempotency_key)
            .bind(&sms.kind)
            .bind(&sms.recipient)
            .bind(&sms.body)
            .bind(now.unix_timestamp())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        append_audit(&mut tx, audit, now).await?;
        tx.commit().await.map_err(db)?;
        Ok(seq)
    }

    async fn status_changes(&self, since: i64, limit: u32) -> Result<Vec<surge_app::StatusChange>, StoreError> {
        let rows =
            sqlx::query("SELECT seq, status_index, status, at FROM revocations WHERE seq > $1 ORDER BY seq LIMIT $2")
                .bind(since)
                .bind(i64::from(limit.clamp(1, 10_000)))
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
        rows.iter().map(surge_store_sql::status_change).collect()
    }
}

impl Checkpoints for PostgresStore {
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
        .fetch_one(&self.pool)
        .await
        .map_err(db)
    }

    async fn checkpoints(&self) -> Result<Vec<surge_app::Checkpoint>, StoreError> {
        let rows = sqlx::query("SELECT id, name, zone, lat, lon FROM checkpoints ORDER BY id")
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(surge_app::Checkpoint {
                    id: r.try_get("id").map_err(db)?,
                    name: r.try_get("name").map_err(db)?,
                    zone: r.try_get("zone").map_err(db)?,
                    lat: r.try_get("lat").map_err(db)?,
                    lon: r.try_get("lon").map_err(db)?,
                })
            })
            .collect()
    }

    async fn last_scan(&self, status_index: u64) -> Result<Option<surge_app::LastScan>, StoreError> {
        let row = sqlx::query(
            "SELECT checkpoint_id, at FROM scans WHERE status_index = $1 AND checkpoint_id IS NOT NULL ORDER BY id DESC LIMIT 1",
        )
        .bind(status_index as i64)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.map(|r| {
            Ok(surge_app::LastScan {
                checkpoint_id: r.try_get("checkpoint_id").map_err(db)?,
                at: columns::to_time(r.try_get("at").map_err(db)?)?,
            })
        })
        .transpose()
    }

    async fn record_scan(
        &self,
        scan: &surge_app::NewScan,
        alert: Option<(&str, &str)>,
    ) -> Result<Option<i64>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
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

    async fn alerts(&self, limit: u32) -> Result<Vec<surge_app::Alert>, StoreError> {
        let rows = sqlx::query("SELECT id, kind, status_index, detail, at FROM alerts ORDER BY id DESC LIMIT $1")
            .bind(i64::from(limit.clamp(1, 1000)))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(surge_app::Alert {
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

impl Facts for PostgresStore {
    async fn fact_counts(&self, since: i64) -> Result<Vec<surge_app::FactCount>, StoreError> {
        let mut counts = Vec::new();
        for (kind, sql) in surge_store_sql::fact_queries("$1") {
            for row in sqlx::query(&sql).bind(since).fetch_all(&self.pool).await.map_err(db)? {
                counts.push(surge_store_sql::fact_count(&row, kind)?);
            }
        }
        counts.sort();
        Ok(counts)
    }

    async fn passes_in_force(&self, now: i64) -> Result<u64, StoreError> {
        let sql = surge_store_sql::passes_in_force_query("$1", "active");
        let n: i64 = sqlx::query_scalar(&sql).bind(now).fetch_one(&self.pool).await.map_err(db)?;
        Ok(n.max(0) as u64)
    }

    async fn counts(&self) -> Result<(u64, u64), StoreError> {
        let (passes, outbox): (i64, i64) =
            sqlx::query_as("SELECT (SELECT COUNT(*) FROM passes), (SELECT COUNT(*) FROM outbox)")
                .fetch_one(&self.pool)
                .await
                .map_err(db)?;
        Ok((passes.max(0) as u64, outbox.max(0) as u64))
    }
}

impl EventLog for PostgresStore {
    async fn events_after(
        &self,
        after: surge_app::EventPosition,
        limit: u32,
    ) -> Result<Vec<surge_app::LoggedEvent>, StoreError> {
        // Only transactions older than every one still running: a slower one cannot commit behind the reader.
        let sql = format!(
            "SELECT {} FROM events WHERE (tx, id) > ($1, $2) \
             AND tx < txid_snapshot_xmin(txid_current_snapshot()) ORDER BY tx, id LIMIT $3",
            surge_store_sql::EVENT_COLUMNS
        );
        let rows = sqlx::query(&sql)
            .bind(after.tx)
            .bind(after.id)
            .bind(i64::from(limit.max(1)))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(surge_store_sql::logged_event).collect()
    }

    async fn event_place_at(&self, at_ms: i64) -> Result<Option<surge_app::EventPosition>, StoreError> {
        let first: Option<(i64, i64)> = sqlx::query_as(&surge_store_sql::event_place_at_query("$1"))
            .bind(at_ms)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        Ok(first.map(|(tx, id)| surge_app::EventPosition { tx, id: id - 1 }))
    }

    async fn save_stream(&self, save: &surge_app::StreamSave) -> Result<(), StoreError> {
        use surge_store_sql::INSERT_CHUNK;
        let mut tx = self.pool.begin().await.map_err(db)?;
        for chunk in save.windows.chunks(INSERT_CHUNK) {
            let mut q = QueryBuilder::<Postgres>::new("INSERT INTO stream_windows (minute, scope, measure, count) ");
            q.push_values(chunk, |mut b, w| {
                b.push_bind(w.minute).push_bind(&w.scope).push_bind(&w.measure).push_bind(w.count as i64);
            });
            q.push(" ON CONFLICT (minute, scope, measure) DO UPDATE SET count = excluded.count");
            q.build().execute(&mut *tx).await.map_err(db)?;
        }
        for chunk in save.late.chunks(INSERT_CHUNK) {
            let mut q = QueryBuilder::<Postgres>::new("INSERT INTO stream_late (event_id, scope, measure, minute) ");
            q.push_values(chunk, |mut b, l| {
                b.push_bind(l.event_id).push_bind(&l.scope).push_bind(&l.measure).push_bind(l.minute);
            });
            q.push(" ON CONFLICT DO NOTHING");
            q.build().execute(&mut *tx).await.map_err(db)?;
        }
        for chunk in save.alerts.chunks(INSERT_CHUNK) {
            let mut q = QueryBuilder::<Postgres>::new("INSERT INTO stream_alerts (rule, subject, at, detail) ");
            q.push_values(chunk, |mut b, a| {
                b.push_bind(&a.rule).push_bind(&a.subject).push_bind(a.at_ms).push_bind(&a.detail);
            });
            q.push(" ON CONFLICT DO NOTHING");
            q.build().execute(&mut *tx).await.map_err(db)?;
        }
        let state = save.state.as_ref();
        sqlx::query(&surge_store_sql::stream_place_upsert(|i| format!("${i}")))
            .bind(&save.consumer)
            .bind(save.position.tx)
            .bind(save.position.id)
            .bind(state.map(|(at, _)| at.tx))
            .bind(state.map(|(at, _)| at.id))
            .bind(state.map(|(_, bytes)| bytes.as_slice()))
            .bind(save.at.unix_timestamp())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)
    }

    async fn stream_place(&self, consumer: &str) -> Result<Option<surge_app::StreamPlace>, StoreError> {
        let row = sqlx::query(&surge_store_sql::stream_place_query("$1"))
            .bind(consumer)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(surge_store_sql::stream_place).transpose()
    }

    async fn stream_windows(&self, from_minute: i64) -> Result<Vec<surge_app::WindowRow>, StoreError> {
        let rows = sqlx::query(&surge_store_sql::stream_windows_query("$1"))
            .bind(from_minute)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(surge_store_sql::window_row).collect()
    }

    async fn stream_late(&self, from_minute: i64) -> Result<Vec<surge_app::WindowRow>, StoreError> {
        let rows = sqlx::query(&surge_store_sql::stream_late_query("$1"))
            .bind(from_minute)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(surge_store_sql::window_row).collect()
    }

    async fn stream_alerts(&self, limit: u32) -> Result<Vec<surge_app::StreamAlert>, StoreError> {
        let rows = sqlx::query(&surge_store_sql::stream_alerts_query("$1"))
            .bind(i64::from(limit.clamp(1, 1000)))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(surge_store_sql::stream_alert).collect()
    }
}

impl Applications for PostgresStore {
    async fn insert_application(
        &self,
        application: &surge_app::NewApplication,
        audit: &AuditEntry,
        sms: &(dyn Fn(i64) -> Option<OutboxMessage> + Send + Sync),
    ) -> Result<i64, StoreError> {
        self.insert_application_tx(application, audit, sms).await
    }

    async fn application(&self, id: i64) -> Result<surge_app::ApplicationRecord, StoreError> {
        self.application_by_id(id).await
    }

    async fn list_applications(
        &self,
        filter: &surge_app::ApplicationFilter,
    ) -> Result<Vec<surge_app::ApplicationRecord>, StoreError> {
        self.list_applications_page(filter).await
    }

    async fn count_applications_since(&self, phone: &str, since: OffsetDateTime) -> Result<u64, StoreError> {
        self.count_applications(phone, since).await
    }

    async fn reject_application(
        &self,
        id: i64,
        decision: &surge_app::ApplicationDecision,
        audit: &AuditEntry,
        sms: Option<&OutboxMessage>,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.reject_application_tx(id, decision, audit, sms, now).await
    }

    async fn approve_application(
        &self,
        id: i64,
        decision: &surge_app::ApplicationDecision,
        audit: &AuditEntry,
        now: OffsetDateTime,
        sign: &mut (dyn FnMut(&surge_app::ApplicationRecord, u64) -> Result<IssuedPass, String> + Send),
    ) -> Result<u64, StoreError> {
        self.approve_application_tx(id, decision, audit, now, sign).await
    }
}

impl Access for PostgresStore {
    async fn insert_api_key(&self, key: &surge_app::NewApiKey) -> Result<i64, StoreError> {
        sqlx::query_scalar(
            "INSERT INTO api_keys (key_hash, role, organisation_id, label, zones, categories, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(&key.key_hash[..])
        .bind(key.role.as_str())
        .bind(key.organisation_id)
        .bind(&key.label)
        .bind(columns::from_zones(&key.scope.zones))
        .bind(columns::from_zones(&key.scope.categories))
        .bind(key.created_at.unix_timestamp())
        .fetch_one(&self.pool)
        .await
        .map_err(db)
    }

    async fn api_key(&self, key_hash: [u8; 32]) -> Result<surge_app::ApiKeyRecord, StoreError> {
        let row = sqlx::query(
            "SELECT id, role, organisation_id, label, zones, categories FROM api_keys WHERE key_hash = $1 AND revoked = FALSE",
        )
        .bind(&key_hash[..])
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound)?;
        surge_store_sql::api_key(&row)
    }

    async fn revoke_api_key(&self, id: i64) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE api_keys SET revoked = TRUE WHERE id = $1 AND NOT revoked")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    async fn count_api_keys(&self, role: surge_app::Role) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_keys WHERE role = $1 AND revoked = FALSE")
            .bind(role.as_str())
            .fetch_one(&self.pool)
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
        .fetch_one(&self.pool)
        .await
        .map_err(|e| if surge_store_sql::is_unique_violation(&e) { StoreError::Conflict } else { db(e) })
    }

    async fn account_by_username(&self, username: &str) -> Result<AccountRecord, StoreError> {
        let sql =
            format!("SELECT {} FROM accounts WHERE username = $1 AND NOT disabled", surge_store_sql::ACCOUNT_COLUMNS);
        let row = sqlx::query(&sql)
            .bind(username)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .ok_or(StoreError::NotFound)?;
        surge_store_sql::account(&row)
    }

    async fn phone_account(&self, phone: &str, now: OffsetDateTime) -> Result<AccountRecord, StoreError> {
        let sql = format!(
            "INSERT INTO accounts (role, phone, created_at) VALUES ('applicant', $1, $2) \
             ON CONFLICT (phone) DO UPDATE SET phone = excluded.phone RETURNING {}",
            surge_store_sql::ACCOUNT_COLUMNS.replace("accounts.", "")
        );
        let row = sqlx::query(&sql).bind(phone).bind(now.unix_timestamp()).fetch_one(&self.pool).await.map_err(db)?;
        surge_store_sql::account(&row)
    }

    async fn set_password(&self, account_id: i64, password_hash: &str, must_change: bool) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE accounts SET password_hash = $1, must_change_password = $2 WHERE id = $3")
            .bind(password_hash)
            .bind(must_change)
            .bind(account_id)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    async fn count_accounts(&self, role: Role) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts WHERE role = $1 AND NOT disabled")
            .bind(role.as_str())
            .fetch_one(&self.pool)
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
        // A lock per bucket for the transaction makes count-then-insert atomic across servers.
        let mut tx = self.pool.begin().await.map_err(db)?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(bucket)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
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
        let mut tx = self.pool.begin().await.map_err(db)?;
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
        sqlx::query(
            "INSERT INTO outbox (idempotency_key, kind, recipient, body, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&code.sms.idempotency_key)
        .bind(&code.sms.kind)
        .bind(&code.sms.recipient)
        .bind(&code.sms.body)
        .bind(code.created_at.unix_timestamp())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)
    }

    async fn use_login_code(
        &self,
        phone: &str,
        code_hash: [u8; 32],
        now: OffsetDateTime,
        max_attempts: u32,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let live = sqlx::query(
            "SELECT id, code_hash, attempts FROM login_codes WHERE phone = $1 AND NOT used AND expires_at > $2 \
             ORDER BY id DESC LIMIT 1 FOR UPDATE",
        )
        .bind(phone)
        .bind(now.unix_timestamp())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let Some(live) = live else { return Ok(false) };
        let id: i64 = live.try_get("id").map_err(db)?;
        let stored: Vec<u8> = live.try_get("code_hash").map_err(db)?;
        let attempts: i64 = live.try_get("attempts").map_err(db)?;
        let matched = surge_store_sql::same_hash(&stored, &code_hash);
        let burned = matched || attempts + 1 >= i64::from(max_attempts);
        sqlx::query("UPDATE login_codes SET attempts = attempts + $1, used = $2 WHERE id = $3")
            .bind(i64::from(!matched))
            .bind(burned)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(matched)
    }

    async fn insert_session(
        &self,
        token_hash: [u8; 32],
        account_id: i64,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
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
            surge_store_sql::ACCOUNT_COLUMNS
        );
        let row = sqlx::query(&sql)
            .bind(&token_hash[..])
            .bind(now.unix_timestamp())
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .ok_or(StoreError::NotFound)?;
        surge_store_sql::account(&row)
    }

    async fn delete_session(&self, token_hash: [u8; 32]) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(&token_hash[..])
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }
}

impl Outbox for PostgresStore {
    async fn enqueue(
        &self,
        message: &OutboxMessage,
        now: OffsetDateTime,
    ) -> Result<(i64, MessageState, bool), StoreError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let inserted = sqlx::query(
            "INSERT INTO outbox (idempotency_key, kind, recipient, body, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (idempotency_key) DO NOTHING",
        )
        .bind(&message.idempotency_key)
        .bind(&message.kind)
        .bind(&message.recipient)
        .bind(&message.body)
        .bind(now.unix_timestamp())
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected()
            == 1;
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
        let rows = sqlx::query(
            "UPDATE outbox SET state = 'sending', claimed_at = $1, attempts = attempts + 1 WHERE id IN \
             (SELECT id FROM outbox WHERE state = 'created' AND next_attempt_at <= $1 ORDER BY id LIMIT $2 \
             FOR UPDATE SKIP LOCKED) RETURNING id, idempotency_key, kind, recipient, body, attempts",
        )
        .bind(now.unix_timestamp())
        .bind(i64::from(limit.clamp(1, 10_000)))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        let mut claimed = rows.iter().map(surge_store_sql::claimed_message).collect::<Result<Vec<_>, _>>()?;
        claimed.sort_by_key(|c| c.id);
        Ok(claimed)
    }

    async fn record_results(&self, results: &[(i64, SendResult)], now: OffsetDateTime) -> Result<(), StoreError> {
        let now = now.unix_timestamp();
        let mut tx = self.pool.begin().await.map_err(db)?;
        for (id, result) in results {
            let query = match result {
                SendResult::Accepted { gateway, gateway_message_id } => sqlx::query(
                    "UPDATE outbox SET state = CASE WHEN state = 'sending' THEN 'sent' ELSE state END, \
                     gateway = $1, gateway_message_id = $2, sent_at = $3 WHERE id = $4",
                )
                .bind(gateway)
                .bind(gateway_message_id)
                .bind(now),
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
        let mut tx = self.pool.begin().await.map_err(db)?;
        let state: String = sqlx::query_scalar("SELECT state FROM outbox WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
            .ok_or(StoreError::NotFound)?;
        let current = MessageState::parse(&state).ok_or_else(|| StoreError::Corrupt(format!("state {state:?}")))?;
        let next = after_receipt(current, receipt);
        if let Some(next) = next {
            sqlx::query("UPDATE outbox SET state = $1, done_at = $2 WHERE id = $3")
                .bind(next.as_str())
                .bind(now.unix_timestamp())
                .bind(id)
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
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .ok_or(StoreError::NotFound)?;
        self.record_receipt(id, receipt, now).await
    }

    async fn requeue_stuck(&self, claimed_before: OffsetDateTime, _now: OffsetDateTime) -> Result<u64, StoreError> {
        let done = sqlx::query("UPDATE outbox SET state = 'created' WHERE state = 'sending' AND claimed_at < $1")
            .bind(claimed_before.unix_timestamp())
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(done.rows_affected())
    }

    async fn set_opt_out(&self, phone: &str, opted_out: bool, now: OffsetDateTime) -> Result<(), StoreError> {
        let query = if opted_out {
            sqlx::query("INSERT INTO opt_outs (phone, created_at) VALUES ($1, $2) ON CONFLICT (phone) DO NOTHING")
                .bind(phone)
                .bind(now.unix_timestamp())
        } else {
            sqlx::query("DELETE FROM opt_outs WHERE phone = $1").bind(phone)
        };
        query.execute(&self.pool).await.map_err(db)?;
        Ok(())
    }

    async fn opted_out(&self, phones: &[String]) -> Result<Vec<String>, StoreError> {
        if phones.is_empty() {
            return Ok(Vec::new());
        }
        sqlx::query_scalar("SELECT phone FROM opt_outs WHERE phone = ANY($1)")
            .bind(phones)
            .fetch_all(&self.pool)
            .await
            .map_err(db)
    }

    async fn message(&self, id: i64) -> Result<MessageRecord, StoreError> {
        let sql = format!("SELECT {} FROM outbox WHERE id = $1", surge_store_sql::MESSAGE_COLUMNS);
        let row =
            sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await.map_err(db)?.ok_or(StoreError::NotFound)?;
        surge_store_sql::message_record(&row)
    }

    async fn messages(&self, filter: &MessageFilter) -> Result<Vec<MessageRecord>, StoreError> {
        let mut q = QueryBuilder::<Postgres>::new(format!(
            "SELECT {} FROM outbox WHERE id < ",
            surge_store_sql::MESSAGE_COLUMNS
        ));
        q.push_bind(filter.before_id.unwrap_or(i64::MAX));
        if let Some(state) = filter.state {
            q.push(" AND state = ").push_bind(state.as_str());
        }
        if let Some(kind) = &filter.kind {
            q.push(" AND kind = ").push_bind(kind.clone());
        }
        q.push(" ORDER BY id DESC LIMIT ").push_bind(i64::from(filter.limit.clamp(1, 1000)));
        let rows = q.build().fetch_all(&self.pool).await.map_err(db)?;
        rows.iter().map(surge_store_sql::message_record).collect()
    }

    async fn message_counts(&self) -> Result<Vec<(MessageState, u64)>, StoreError> {
        let rows = sqlx::query("SELECT state, COUNT(*) AS n FROM outbox GROUP BY state")
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        surge_store_sql::message_counts(&rows)
    }

    async fn purge_bodies(&self, before: OffsetDateTime) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE outbox SET body = NULL WHERE created_at < $1 AND body IS NOT NULL \
             AND state IN ('delivered', 'temporary-failure', 'permanent-failure', 'technical-failure')",
        )
        .bind(before.unix_timestamp())
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(done.rows_affected())
    }

    async fn outbox_messages(
        &self,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<(i64, surge_app::OutboxMessage)>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, idempotency_key, kind, recipient, body FROM outbox WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after_id)
        .bind(i64::from(limit.clamp(1, 10_000)))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(surge_store_sql::outbox_message).collect()
    }
}

/// Hands out the next slot in the authority's status list, inside the caller's transaction.
pub(crate) async fn allocate_status_index(tx: &mut sqlx::Transaction<'_, Postgres>) -> Result<i64, StoreError> {
    sqlx::query_scalar("SELECT nextval('status_index_seq')").fetch_one(&mut **tx).await.map_err(db)
}

/// Appends an audit entry inside the caller's transaction, chained to the last one.
async fn append_audit(
    conn: &mut sqlx::PgConnection,
    entry: &AuditEntry,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    // One chain: appends wait for each other across servers.
    sqlx::query("SELECT pg_advisory_xact_lock(7402)").execute(&mut *conn).await.map_err(db)?;
    let last = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
    let (seq, prev) = match last {
        Some(row) => {
            let seq: i64 = row.try_get("seq").map_err(db)?;
            let hash: Vec<u8> = row.try_get("hash").map_err(db)?;
            (seq + 1, <[u8; 32]>::try_from(hash).map_err(|_| StoreError::Corrupt("audit hash".into()))?)
        }
        None => (1, surge_domain::audit::GENESIS),
    };
    let at = now.unix_timestamp();
    let hash = surge_domain::audit::chain_hash(&prev, seq, at, entry);
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, action, subject, detail, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(seq)
    .bind(at)
    .bind(&entry.actor)
    .bind(&entry.action)
    .bind(&entry.subject)
    .bind(&entry.detail)
    .bind(&prev[..])
    .bind(&hash[..])
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}
