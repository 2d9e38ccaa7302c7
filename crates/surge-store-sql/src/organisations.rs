//! Organisations and their screening.

use sqlx::{ColumnIndex, Encode, Pool, QueryBuilder, Type};
use surge_app::store::columns;
use surge_app::{NewOrganisation, OrgFilter, OrganisationRecord, Organisations, Role, StoreError};
use surge_domain::audit::AuditEntry;
use surge_domain::{ExistingOrganisation, OrgStatus};
use time::OffsetDateTime;

use crate::group::GroupWrite;
use crate::{Args, Conn, Db, DbRow, Dialect, SqlStore, Value, db};

const ORG_COLUMNS: &str = "id, legal_name, registry_number, category, address, zone, contact_phone, contact_email, \
    requested_quota, status, quota, status_note, findings, passed_all_rules, passes_used, created_at, updated_at";

impl<D: Dialect> Organisations for SqlStore<D>
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
    async fn insert_organisation(&self, org: &NewOrganisation) -> Result<i64, StoreError> {
        self.org_commits.commit(org).await
    }

    async fn organisation(&self, id: i64) -> Result<OrganisationRecord, StoreError> {
        let row = sqlx::query(&format!("SELECT {ORG_COLUMNS} FROM organisations WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.reader)
            .await
            .map_err(db)?
            .ok_or(StoreError::NotFound)?;
        crate::rows::organisation(&row)
    }

    async fn screening_candidates(
        &self,
        registry_number: &str,
        zone: &str,
    ) -> Result<Vec<ExistingOrganisation>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, legal_name, registry_number, zone FROM organisations \
             WHERE (registry_number = $1 OR zone = $2) AND status NOT IN ('rejected', 'contact_unconfirmed')",
        )
        .bind(registry_number)
        .bind(zone)
        .fetch_all(&self.reader)
        .await
        .map_err(db)?;
        rows.iter().map(crate::rows::existing_organisation).collect()
    }

    async fn list_organisations(&self, filter: &OrgFilter) -> Result<Vec<OrganisationRecord>, StoreError> {
        let mut q = QueryBuilder::<Db<D>>::new(format!("SELECT {ORG_COLUMNS} FROM organisations WHERE id > "));
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
        let rows = D::build(&mut q).fetch_all(&self.reader).await.map_err(db)?;
        rows.iter().map(crate::rows::organisation).collect()
    }

    async fn set_organisation_status(
        &self,
        id: i64,
        from: &OrgStatus,
        to: &OrgStatus,
        now: OffsetDateTime,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await.map_err(db)?;
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
        if D::rows_affected(&done) == 1 {
            crate::audit::append::<D>(&mut tx, audit, now).await?;
            return tx.commit().await.map_err(db);
        }
        drop(tx);
        // Either it does not exist or it changed meanwhile.
        self.organisation(id).await?;
        Err(StoreError::Conflict)
    }

    async fn confirm_contact(&self, phone: &str, now: OffsetDateTime) -> Result<Vec<i64>, StoreError> {
        let mut tx = self.writer.begin().await.map_err(db)?;
        let mut ids: Vec<i64> = sqlx::query_scalar(
            "UPDATE organisations SET status = 'in_review', updated_at = $1 \
             WHERE status = 'contact_unconfirmed' AND contact_phone = $2 RETURNING id",
        )
        .bind(now.unix_timestamp())
        .bind(phone)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        ids.sort_unstable();
        for id in &ids {
            let audit = AuditEntry {
                actor: "contact phone".into(),
                action: "organisation.contact_confirmed".into(),
                subject: format!("organisation:{id}"),
                detail: String::new(),
            };
            crate::audit::append::<D>(&mut tx, &audit, now).await?;
        }
        tx.commit().await.map_err(db)?;
        Ok(ids)
    }
}

/// New organisations are group-committed (`group`): a rush of registrations from many clients shares fsyncs, and
/// each client hears its organisation's id only once it is on disk.
pub(crate) struct OrgWriter<D: Dialect>(pub(crate) Pool<Db<D>>);

impl<D: Dialect> GroupWrite for OrgWriter<D>
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
    type Item = NewOrganisation;
    type Done = i64;
    const WHAT: &'static str = "registration";

    async fn write(&self, items: &[&NewOrganisation]) -> Result<Vec<i64>, StoreError> {
        let mut tx = self.0.begin().await.map_err(db)?;
        let mut ids = Vec::with_capacity(items.len());
        for org in items {
            ids.push(insert_in_tx::<D>(&mut tx, org).await?);
        }
        tx.commit().await.map_err(db)?;
        Ok(ids)
    }
}

/// Stores one organisation (and its admin's key) inside the caller's transaction.
async fn insert_in_tx<D: Dialect>(tx: &mut Conn<D>, org: &NewOrganisation) -> Result<i64, StoreError>
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
    let r = &org.registration;
    let initial = if org.contact_confirmed { OrgStatus::InReview } else { OrgStatus::AwaitingContact };
    let (status, quota, note) = columns::from_status(&initial);
    let now = org.created_at.unix_timestamp();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO organisations (legal_name, registry_number, category, address, zone, contact_phone, \
             contact_email, requested_quota, status, quota, status_note, findings, passed_all_rules, created_at, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
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
    .bind(now)
    .fetch_one(&mut *tx)
    .await
    .map_err(db)?;
    if let Some(hash) = org.admin_key_hash {
        sqlx::query(
            "INSERT INTO api_keys (key_hash, role, organisation_id, label, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&hash[..])
        .bind(Role::OrganisationAdmin.as_str())
        .bind(id)
        .bind("organisation admin (registration)")
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    }
    Ok(id)
}
