//! Reading stored rows into the storage port's records, once for both SQL backends: the functions are generic
//! over sqlx's `Row`, so SQLite and PostgreSQL rows with the same columns map the same way.

use sqlx::{ColumnIndex, Database, Decode, Row, Type};
use surge_app::store::columns;
use surge_app::{
    AccountRecord, ApiKeyRecord, BatchRecord, BatchStatus, KeyScope, OrganisationRecord, OutboxMessage, PassRecord,
    PendingRow, Role, StoreError,
};
use surge_domain::{EmployeeRow, ExistingOrganisation, Phone};

/// A Rust type the database can decode, whatever the row's lifetime.
pub trait Column<DB: Database>: for<'r> Decode<'r, DB> + Type<DB> {}
impl<DB: Database, T> Column<DB> for T where T: for<'r> Decode<'r, DB> + Type<DB> {}

/// The column types the records use; both backends provide them all.
pub trait SurgeRow: Row
where
    for<'a> &'a str: ColumnIndex<Self>,
{
    fn read<T: Column<Self::Database>>(&self, name: &str) -> Result<T, StoreError> {
        self.try_get::<T, _>(name).map_err(|e| StoreError::Database(e.to_string()))
    }
}
impl<R: Row> SurgeRow for R where for<'a> &'a str: ColumnIndex<R> {}

fn count<R: SurgeRow>(row: &R, name: &str) -> Result<u64, StoreError>
where
    for<'a> &'a str: ColumnIndex<R>,
    i64: Column<R::Database>,
{
    Ok(row.read::<i64>(name)?.max(0) as u64)
}

pub fn organisation<R: SurgeRow>(row: &R) -> Result<OrganisationRecord, StoreError>
where
    for<'a> &'a str: ColumnIndex<R>,
    i64: Column<R::Database>,
    String: Column<R::Database>,
    bool: Column<R::Database>,
    Option<i64>: Column<R::Database>,
    Option<String>: Column<R::Database>,
{
    Ok(OrganisationRecord {
        id: row.read("id")?,
        legal_name: row.read("legal_name")?,
        registry_number: row.read("registry_number")?,
        category: row.read("category")?,
        address: row.read("address")?,
        zone: row.read("zone")?,
        contact_phone: row.read("contact_phone")?,
        contact_email: row.read("contact_email")?,
        requested_quota: u32::try_from(row.read::<i64>("requested_quota")?)
            .map_err(|_| StoreError::Corrupt("quota".into()))?,
        status: columns::to_status(&row.read::<String>("status")?, row.read("quota")?, row.read("status_note")?)?,
        findings: columns::to_findings(&row.read::<String>("findings")?),
        passed_all_rules: row.read("passed_all_rules")?,
        passes_used: count(row, "passes_used")?,
        created_at: columns::to_time(row.read("created_at")?)?,
        updated_at: columns::to_time(row.read("updated_at")?)?,
    })
}

pub fn existing_organisation<R: SurgeRow>(row: &R) -> Result<ExistingOrganisation, StoreError>
where
    for<'a> &'a str: ColumnIndex<R>,
    i64: Column<R::Database>,
    String: Column<R::Database>,
{
    Ok(ExistingOrganisation {
        id: row.read("id")?,
        legal_name: row.read("legal_name")?,
        registry_number: row.read("registry_number")?,
        zone: row.read("zone")?,
    })
}

pub fn batch<R: SurgeRow>(row: &R) -> Result<BatchRecord, StoreError>
where
    for<'a> &'a str: ColumnIndex<R>,
    i64: Column<R::Database>,
{
    let rows = count(row, "row_count")?;
    let issued = count(row, "issued")?;
    let failed = count(row, "failed")?;
    Ok(BatchRecord {
        id: row.read("id")?,
        organisation_id: row.read("organisation_id")?,
        rows,
        issued,
        failed,
        renewals: count(row, "renewals")?,
        replaced: count(row, "replaced")?,
        status: if issued + failed >= rows { BatchStatus::Completed } else { BatchStatus::Issuing },
        created_at: columns::to_time(row.read("created_at")?)?,
    })
}

pub fn pending<R: SurgeRow>(row: &R) -> Result<PendingRow, StoreError>
where
    for<'a> &'a str: ColumnIndex<R>,
    i64: Column<R::Database>,
    bool: Column<R::Database>,
    String: Column<R::Database>,
    Option<String>: Column<R::Database>,
{
    Ok(PendingRow {
        batch_id: row.read("batch_id")?,
        organisation_id: row.read("organisation_id")?,
        category: row.read("category")?,
        // The claim gives it one.
        status_index: 0,
        row: EmployeeRow {
            line: u32::try_from(row.read::<i64>("line")?).map_err(|_| StoreError::Corrupt("line".into()))?,
            name: row.read("name")?,
            phone: Phone::from_stored(&row.read::<String>("phone")?).map_err(StoreError::Corrupt)?,
            masked_id: row.read("masked_id")?,
            zones: columns::to_zones(&row.read::<String>("zones")?),
            valid_from: columns::to_time(row.read("valid_from")?)?,
            valid_to: columns::to_time(row.read("valid_to")?)?,
            vehicle_plate: row.read("vehicle_plate")?,
        },
        renews: row.read("renews")?,
        lang: row.read("lang")?,
    })
}

pub fn pass<R: SurgeRow>(row: &R) -> Result<PassRecord, StoreError>
where
    for<'a> &'a str: ColumnIndex<R>,
    i64: Column<R::Database>,
    String: Column<R::Database>,
    bool: Column<R::Database>,
    Vec<u8>: Column<R::Database>,
    Option<i64>: Column<R::Database>,
    Option<String>: Column<R::Database>,
{
    Ok(PassRecord {
        pass_id: row.read::<Vec<u8>>("id")?.try_into().map_err(|_| StoreError::Corrupt("pass id".into()))?,
        status_index: count(row, "status_index")?,
        organisation_id: row.read("organisation_id")?,
        holder: row.read("holder")?,
        phone: row.read("phone")?,
        zones: columns::to_zones(&row.read::<String>("zones")?),
        not_before: columns::to_time(row.read("not_before")?)?,
        expires: columns::to_time(row.read("expires")?)?,
        control_code: row.read("control_code")?,
        token: row.read("token")?,
        active: row.read("active")?,
        status: {
            let status: String = row.read("status")?;
            surge_app::PassStatus::parse(&status)
                .ok_or_else(|| StoreError::Corrupt(format!("pass status {status:?}")))?
        },
        status_reason: row.read("status_reason")?,
    })
}

/// The columns `pass` reads.
pub const PASS_COLUMNS: &str = "id, status_index, organisation_id, holder, phone, zones, not_before, expires, \
    control_code, token, active, status, status_reason";

pub fn status_change<R: SurgeRow>(row: &R) -> Result<surge_app::StatusChange, StoreError>
where
    for<'a> &'a str: ColumnIndex<R>,
    i64: Column<R::Database>,
    String: Column<R::Database>,
{
    let status: String = row.read("status")?;
    Ok(surge_app::StatusChange {
        seq: row.read("seq")?,
        status_index: count(row, "status_index")?,
        status: surge_app::PassStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("status {status:?}")))?,
        at: columns::to_time(row.read("at")?)?,
    })
}

pub fn outbox_message<R: SurgeRow>(row: &R) -> Result<(i64, OutboxMessage), StoreError>
where
    for<'a> &'a str: ColumnIndex<R>,
    i64: Column<R::Database>,
    String: Column<R::Database>,
    Option<String>: Column<R::Database>,
{
    Ok((
        row.read("id")?,
        OutboxMessage {
            idempotency_key: row.read("idempotency_key")?,
            kind: row.read("kind")?,
            recipient: row.read("recipient")?,
            body: row.read::<Option<String>>("body")?.unwrap_or_default(),
        },
    ))
}

/// A row's `role` column.
pub fn role<R: SurgeRow>(row: &R) -> Result<Role, StoreError>
where
    for<'a> &'a str: ColumnIndex<R>,
    String: Column<R::Database>,
{
    let role: String = row.read("role")?;
    Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role:?}")))
}

/// A row's `zones` and `categories` columns: an official's or a key's scope.
pub fn scope<R: SurgeRow>(row: &R) -> Result<KeyScope, StoreError>
where
    for<'a> &'a str: ColumnIndex<R>,
    String: Column<R::Database>,
{
    Ok(KeyScope {
        zones: columns::to_zones(&row.read::<String>("zones")?),
        categories: columns::to_zones(&row.read::<String>("categories")?),
    })
}

pub fn api_key<R: SurgeRow>(row: &R) -> Result<ApiKeyRecord, StoreError>
where
    for<'a> &'a str: ColumnIndex<R>,
    i64: Column<R::Database>,
    String: Column<R::Database>,
    Option<i64>: Column<R::Database>,
    Option<String>: Column<R::Database>,
{
    Ok(ApiKeyRecord {
        id: row.read("id")?,
        role: role(row)?,
        organisation_id: row.read("organisation_id")?,
        scope: scope(row)?,
        label: row.read("label")?,
        lab: row.read("lab")?,
    })
}

/// The columns `account` reads, in the order both backends select them.
pub const ACCOUNT_COLUMNS: &str =
    "accounts.id, role, username, phone, password_hash, must_change_password, zones, categories, personal_phone";

pub fn account<R: SurgeRow>(row: &R) -> Result<AccountRecord, StoreError>
where
    for<'a> &'a str: ColumnIndex<R>,
    i64: Column<R::Database>,
    bool: Column<R::Database>,
    String: Column<R::Database>,
    Option<String>: Column<R::Database>,
{
    Ok(AccountRecord {
        id: row.read("id")?,
        role: role(row)?,
        username: row.read("username")?,
        phone: row.read("phone")?,
        personal_phone: row.read("personal_phone")?,
        password_hash: row.read("password_hash")?,
        must_change_password: row.read("must_change_password")?,
        scope: scope(row)?,
    })
}

/// Whether an error is a unique-constraint violation, which the port reports as `Conflict`.
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error().is_some_and(|d| d.is_unique_violation())
}

/// Compares a stored hash with a computed one in time that does not depend on where they differ.
pub fn same_hash(stored: &[u8], computed: &[u8; 32]) -> bool {
    stored.len() == computed.len() && stored.iter().zip(computed).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// The columns `message_record` reads.
pub const MESSAGE_COLUMNS: &str = "id, idempotency_key, kind, recipient, body, state, attempts, gateway, failure, \
    created_at, sent_at, done_at";

pub fn message_record<R: SurgeRow>(row: &R) -> Result<surge_app::MessageRecord, StoreError>
where
    for<'a> &'a str: ColumnIndex<R>,
    i64: Column<R::Database>,
    String: Column<R::Database>,
    Option<i64>: Column<R::Database>,
    Option<String>: Column<R::Database>,
{
    let state: String = row.read("state")?;
    let optional_time = |name: &str| -> Result<Option<time::OffsetDateTime>, StoreError> {
        row.read::<Option<i64>>(name)?.map(columns::to_time).transpose()
    };
    Ok(surge_app::MessageRecord {
        id: row.read("id")?,
        idempotency_key: row.read("idempotency_key")?,
        kind: row.read("kind")?,
        recipient: row.read("recipient")?,
        body: row.read("body")?,
        state: surge_domain::notify::MessageState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("message state {state:?}")))?,
        attempts: u32::try_from(row.read::<i64>("attempts")?).unwrap_or(u32::MAX),
        gateway: row.read("gateway")?,
        failure: row.read("failure")?,
        created_at: columns::to_time(row.read("created_at")?)?,
        sent_at: optional_time("sent_at")?,
        done_at: optional_time("done_at")?,
    })
}

pub fn claimed_message<R: SurgeRow>(row: &R) -> Result<surge_app::ClaimedMessage, StoreError>
where
    for<'a> &'a str: ColumnIndex<R>,
    i64: Column<R::Database>,
    String: Column<R::Database>,
    Option<String>: Column<R::Database>,
{
    let (id, message) = outbox_message(row)?;
    Ok(surge_app::ClaimedMessage {
        id,
        message,
        attempts: u32::try_from(row.read::<i64>("attempts")?).unwrap_or(u32::MAX),
    })
}

pub fn message_counts<R: SurgeRow>(rows: &[R]) -> Result<Vec<(surge_domain::notify::MessageState, u64)>, StoreError>
where
    for<'a> &'a str: ColumnIndex<R>,
    i64: Column<R::Database>,
    String: Column<R::Database>,
{
    rows.iter()
        .map(|row| {
            let state: String = row.read("state")?;
            let state = surge_domain::notify::MessageState::parse(&state)
                .ok_or_else(|| StoreError::Corrupt(format!("message state {state:?}")))?;
            Ok((state, count(row, "n")?))
        })
        .collect()
}

pub fn audit_record<R: SurgeRow>(row: &R) -> Result<surge_domain::audit::AuditRecord, StoreError>
where
    for<'a> &'a str: ColumnIndex<R>,
    i64: Column<R::Database>,
    String: Column<R::Database>,
    Vec<u8>: Column<R::Database>,
{
    let hash = |name: &str| -> Result<[u8; 32], StoreError> {
        row.read::<Vec<u8>>(name)?.try_into().map_err(|_| StoreError::Corrupt(format!("audit {name}")))
    };
    Ok(surge_domain::audit::AuditRecord {
        seq: row.read("seq")?,
        at: row.read("at")?,
        entry: surge_domain::audit::AuditEntry {
            actor: row.read("actor")?,
            action: row.read("action")?,
            subject: row.read("subject")?,
            detail: row.read("detail")?,
        },
        prev_hash: hash("prev_hash")?,
        hash: hash("hash")?,
    })
}

/// The columns `application` reads.
pub const APPLICATION_COLUMNS: &str = "id, phone, purpose, category, from_zone, to_zone, valid_from, valid_to, holder, \
    masked_id, vehicle_plate, document_key, document_type, document_bytes, status, rule, reason_en, reason_ko, \
    decided_by, decided_at, status_index, created_at";

pub fn application<R: SurgeRow>(row: &R) -> Result<surge_app::ApplicationRecord, StoreError>
where
    for<'a> &'a str: ColumnIndex<R>,
    i64: Column<R::Database>,
    String: Column<R::Database>,
    Option<i64>: Column<R::Database>,
    Option<String>: Column<R::Database>,
{
    let document = match (row.read::<Option<String>>("document_key")?, row.read::<Option<String>>("document_type")?) {
        (Some(key), Some(kind)) => Some(surge_app::StoredDocument {
            key,
            kind: columns::document_kind(&kind)?,
            bytes: row.read::<Option<i64>>("document_bytes")?.unwrap_or(0).max(0) as u64,
        }),
        _ => None,
    };
    Ok(surge_app::ApplicationRecord {
        id: row.read("id")?,
        phone: row.read("phone")?,
        application: surge_domain::Application {
            purpose: row.read("purpose")?,
            category: row.read("category")?,
            from_zone: row.read("from_zone")?,
            to_zone: row.read("to_zone")?,
            valid_from: columns::to_time(row.read("valid_from")?)?,
            valid_to: columns::to_time(row.read("valid_to")?)?,
            holder: row.read("holder")?,
            masked_id: row.read("masked_id")?,
            vehicle_plate: row.read("vehicle_plate")?,
        },
        document,
        status: columns::application_status(&row.read::<String>("status")?)?,
        rule: row.read("rule")?,
        reason_en: row.read("reason_en")?,
        reason_ko: row.read("reason_ko")?,
        decided_by: row.read("decided_by")?,
        decided_at: row.read::<Option<i64>>("decided_at")?.map(columns::to_time).transpose()?,
        status_index: row.read::<Option<i64>>("status_index")?.map(|i| i.max(0) as u64),
        created_at: columns::to_time(row.read("created_at")?)?,
    })
}

pub(crate) fn date_column(text: &str) -> Result<time::Date, StoreError> {
    time::Date::parse(text, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| StoreError::Corrupt(format!("date {text:?}")))
}

pub fn registration<R: SurgeRow>(row: &R) -> Result<surge_results::Registration, StoreError>
where
    for<'a> &'a str: ColumnIndex<R>,
    i64: Column<R::Database>,
    String: Column<R::Database>,
    Option<String>: Column<R::Database>,
{
    Ok(surge_results::Registration {
        id: row.read("id")?,
        specimen_id: row.read("specimen_id")?,
        phone: row.read("phone")?,
        family: row.read("family")?,
        given: row.read("given")?,
        birth_date: date_column(&row.read::<String>("birth_date")?)?,
    })
}

pub fn lab_result<R: SurgeRow>(row: &R) -> Result<surge_app::lab::LabResultRecord, StoreError>
where
    for<'a> &'a str: ColumnIndex<R>,
    i64: Column<R::Database>,
    bool: Column<R::Database>,
    String: Column<R::Database>,
    Option<i64>: Column<R::Database>,
    Option<String>: Column<R::Database>,
{
    Ok(surge_app::lab::LabResultRecord {
        id: row.read("id")?,
        message_id: row.read("message_id")?,
        result: surge_app::lab::NewLabResult {
            lab: row.read("lab")?,
            filler_order: row.read("filler_order")?,
            test_code: row.read("test_code")?,
            status: row.read("status")?,
            specimen_id: row.read("specimen_id")?,
            test_name: row.read("test_name")?,
            interpretation: row.read("interpretation")?,
            value: row.read("value")?,
            family: row.read("family")?,
            given: row.read("given")?,
            birth_date: row.read::<Option<String>>("birth_date")?.map(|d| date_column(&d)).transpose()?,
            collected_at: row.read("collected_at")?,
            performing_lab: row.read("performing_lab")?,
            registration_id: row.read("registration_id")?,
            texted: row.read("texted")?,
            reason: row.read("reason")?,
            urgency: u8::try_from(row.read::<i64>("urgency")?).unwrap_or(u8::MAX),
        },
        queue_state: row.read("queue_state")?,
        handled_by: row.read("handled_by")?,
        received_at: columns::to_time(row.read("received_at")?)?,
        status_index: row.read::<Option<i64>>("status_index")?.map(|i| i.max(0) as u64),
        certificate: row.read("certificate")?,
    })
}

/// The platform's facts, one query each, from `$1` (Unix seconds) on. Buckets are Unix days or hours (UTC) by
/// integer division.
pub const FACT_QUERIES: [(surge_app::FactKind, &str); 6] = {
    use surge_app::FactKind;
    [
        (
            FactKind::PassesIssued,
            "SELECT created_at / 86400 * 86400 AS bucket, zones AS place, '' AS outcome, COUNT(*) AS n \
                 FROM passes WHERE created_at >= $1 GROUP BY 1, 2",
        ),
        (
            FactKind::PassesRevoked,
            "SELECT v.at / 86400 * 86400 AS bucket, p.zones AS place, '' AS outcome, COUNT(*) AS n \
                 FROM revocations v JOIN passes p ON p.status_index = v.status_index \
                 WHERE v.status = 'revoked' AND v.at >= $1 GROUP BY 1, 2",
        ),
        (
            FactKind::Scans,
            "SELECT at / 3600 * 3600 AS bucket, COALESCE(CAST(checkpoint_id AS TEXT), '') AS place, \
                 CASE WHEN valid THEN 'valid' ELSE 'invalid' END AS outcome, COUNT(*) AS n \
                 FROM scans WHERE at >= $1 GROUP BY 1, 2, 3",
        ),
        (
            FactKind::Results,
            "SELECT received_at / 86400 * 86400 AS bucket, '' AS place, \
                 CASE WHEN texted THEN 'texted' ELSE 'queued' END AS outcome, COUNT(*) AS n \
                 FROM lab_results WHERE received_at >= $1 GROUP BY 1, 3",
        ),
        (
            FactKind::Sms,
            "SELECT created_at / 86400 * 86400 AS bucket, kind AS place, state AS outcome, COUNT(*) AS n \
                 FROM outbox WHERE created_at >= $1 GROUP BY 1, 2, 3",
        ),
        (
            // A negative's automatic text carries the result's key (`surge_app::lab::result_text_key`); the unique
            // index on the key finds it.
            FactKind::ResultTextMinutes,
            "SELECT r.received_at / 86400 * 86400 AS bucket, '' AS place, \
                 CAST((o.sent_at - r.received_at) / 60 AS TEXT) AS outcome, COUNT(*) AS n \
                 FROM lab_results r JOIN outbox o \
                 ON o.idempotency_key = 'result:' || r.id \
                 WHERE o.sent_at IS NOT NULL AND o.sent_at >= r.received_at AND r.received_at >= $1 \
                 GROUP BY 1, 3",
        ),
    ]
};

/// The event log's columns, as `logged_event` reads them.
pub const EVENT_COLUMNS: &str = "id, tx, at, kind, zone, checkpoint_id, subject, auto_text";

pub fn logged_event<R: SurgeRow>(row: &R) -> Result<surge_app::LoggedEvent, StoreError>
where
    for<'a> &'a str: ColumnIndex<R>,
    i64: Column<R::Database>,
    String: Column<R::Database>,
    Option<i64>: Column<R::Database>,
    Option<bool>: Column<R::Database>,
{
    Ok(surge_app::LoggedEvent {
        position: surge_app::EventPosition { tx: row.read("tx")?, id: row.read("id")? },
        at_ms: row.read("at")?,
        kind: row.read("kind")?,
        zone: row.read("zone")?,
        checkpoint_id: row.read("checkpoint_id")?,
        subject: row.read("subject")?,
        auto_text: row.read("auto_text")?,
    })
}

pub fn window_row<R: SurgeRow>(row: &R) -> Result<surge_app::WindowRow, StoreError>
where
    for<'a> &'a str: ColumnIndex<R>,
    i64: Column<R::Database>,
    String: Column<R::Database>,
{
    Ok(surge_app::WindowRow {
        minute: row.read("minute")?,
        scope: row.read("scope")?,
        measure: row.read("measure")?,
        count: count(row, "count")?,
    })
}

pub fn stream_alert<R: SurgeRow>(row: &R) -> Result<surge_app::StreamAlert, StoreError>
where
    for<'a> &'a str: ColumnIndex<R>,
    i64: Column<R::Database>,
    String: Column<R::Database>,
{
    Ok(surge_app::StreamAlert {
        rule: row.read("rule")?,
        subject: row.read("subject")?,
        at_ms: row.read("at")?,
        detail: row.read("detail")?,
    })
}

/// The stream's reads.
pub const STREAM_WINDOWS: &str =
    "SELECT minute, scope, measure, count FROM stream_windows WHERE minute >= $1 ORDER BY minute, scope, measure";

pub const STREAM_LATE: &str = "SELECT minute, scope, measure, COUNT(*) AS count FROM stream_late WHERE minute >= $1 \
     GROUP BY minute, scope, measure ORDER BY minute, scope, measure";

/// The first logged event, in log order, at or after a time (Unix milliseconds).
pub const EVENT_PLACE_AT: &str = "SELECT tx, id FROM events WHERE at >= $1 ORDER BY tx, id LIMIT 1";

pub const STREAM_ALERTS: &str =
    "SELECT rule, subject, at, detail FROM stream_alerts ORDER BY at DESC, id DESC LIMIT $1";

/// A consumer's stored place, by its name.
pub const STREAM_PLACE: &str = "SELECT tx, id, state_tx, state_id, state FROM stream_consumers WHERE name = $1";

pub fn stream_place<R: SurgeRow>(row: &R) -> Result<surge_app::StreamPlace, StoreError>
where
    for<'a> &'a str: ColumnIndex<R>,
    i64: Column<R::Database>,
    Option<i64>: Column<R::Database>,
    Option<Vec<u8>>: Column<R::Database>,
{
    let position = surge_app::EventPosition { tx: row.read("tx")?, id: row.read("id")? };
    let state = match (row.read("state_tx")?, row.read("state_id")?, row.read::<Option<Vec<u8>>>("state")?) {
        (Some(tx), Some(id), Some(bytes)) => Some((surge_app::EventPosition { tx, id }, bytes)),
        _ => None,
    };
    Ok(surge_app::StreamPlace { position, state })
}

/// Stores a consumer's place and, when given, its state (`$1`…`$7`: name, tx, id, state tx, state id, state, time).
/// The database keeps both moving forward only: a replay behind them leaves them as they are.
pub fn stream_place_upsert() -> String {
    let ahead = "(excluded.tx, excluded.id) > (stream_consumers.tx, stream_consumers.id)";
    let newer_state = "excluded.state IS NOT NULL AND (stream_consumers.state_tx IS NULL \
         OR (excluded.state_tx, excluded.state_id) >= (stream_consumers.state_tx, stream_consumers.state_id))";
    let pick = |column: &str, when: &str| {
        format!("{column} = CASE WHEN {when} THEN excluded.{column} ELSE stream_consumers.{column} END")
    };
    format!(
        "INSERT INTO stream_consumers (name, tx, id, state_tx, state_id, state, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (name) DO UPDATE SET {}, {}, {}, {}, {}, \
         updated_at = excluded.updated_at",
        pick("tx", ahead),
        pick("id", ahead),
        pick("state_tx", newer_state),
        pick("state_id", newer_state),
        pick("state", newer_state),
    )
}

/// Rows a multi-row insert takes at once (SQLite allows 32,766 bound values; PostgreSQL 65,535).
pub const INSERT_CHUNK: usize = 1000;

/// Passes in force at `$1`: valid, started and not yet expired. `active` is the condition on the active flag, in
/// the dialect's spelling.
pub fn passes_in_force_query(active: &str) -> String {
    format!(
        "SELECT COUNT(*) AS n FROM passes WHERE {active} AND expires > $1 AND not_before <= $1 AND status = 'valid'"
    )
}

pub fn fact_count<R: SurgeRow>(row: &R, kind: surge_app::FactKind) -> Result<surge_app::FactCount, StoreError>
where
    for<'a> &'a str: ColumnIndex<R>,
    i64: Column<R::Database>,
    String: Column<R::Database>,
{
    Ok(surge_app::FactCount {
        kind,
        bucket: row.read("bucket")?,
        place: row.read("place")?,
        outcome: row.read("outcome")?,
        count: count(row, "n")?,
    })
}
