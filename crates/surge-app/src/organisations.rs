//! Use cases for organisations: registration with automatic screening, officials' decisions (one by one and in
//! bulk), and employee list uploads that become issuance batches.

use sha2::Digest;
use surge_domain::audit::AuditEntry;
use surge_domain::{
    ListRules, OrgStatus, RegistrationInput, RegistryScheme, Screening, Transition, parse_employee_csv, screen,
    validate_registration,
};
use time::OffsetDateTime;

use crate::{
    AppError, BatchCreated, BatchRecord, Batches, KeyScope, NewOrganisation, Official, OrgFilter, OrganisationRecord,
    Organisations,
};

/// The deployment's rules for organisations and passes.
#[derive(Debug, Clone)]
pub struct Config {
    pub registry_scheme: RegistryScheme,
    /// The zones organisations choose from (empty: any zone code).
    pub zones: surge_domain::ZoneList,
    pub categories: Vec<String>,
    /// Region for phone numbers typed without a country code (ISO 3166 alpha-2).
    pub phone_region: String,
    /// The longest validity a bulk-issued pass may have.
    pub max_pass_days: i64,
    /// The most passes a registration may ask for; an official may approve more later.
    pub max_requested_quota: u32,
    /// Citizens' applications: purposes, limits, documents.
    pub applications: crate::applications::ApplicationConfig,
    /// The authority's time zone: validity days are its days, and pages show its time.
    pub zone: surge_domain::LocalZone,
}

/// Validates the form, screens it against known organisations and stores it for review.
#[tracing::instrument(skip_all)]
pub async fn register_organisation<S: Organisations>(
    store: &S,
    config: &Config,
    input: &RegistrationInput,
    admin_key_hash: Option<[u8; 32]>,
    now: OffsetDateTime,
) -> Result<(i64, Screening), AppError> {
    let registration = validated(config, input)?;
    store_registration(store, config, registration, admin_key_hash, true, now).await
}

/// Screens a validated registration against known organisations and stores it: for review, or, from the public,
/// until its contact phone is confirmed.
async fn store_registration<S: Organisations>(
    store: &S,
    config: &Config,
    registration: surge_domain::Registration,
    admin_key_hash: Option<[u8; 32]>,
    contact_confirmed: bool,
    now: OffsetDateTime,
) -> Result<(i64, Screening), AppError> {
    let candidates = store.screening_candidates(&registration.registry_number, &registration.zone).await?;
    let screening = screen(&registration, &config.categories, &candidates);
    let id = store
        .insert_organisation(&NewOrganisation {
            registration,
            screening: screening.clone(),
            created_at: now,
            admin_key_hash,
            contact_confirmed,
        })
        .await?;
    tracing::info!(organisation_id = id, passed_all = screening.passed_all(), "organisation registered");
    Ok((id, screening))
}

/// The form checked, and the quota asked for within the deployment's cap.
fn validated(config: &Config, input: &RegistrationInput) -> Result<surge_domain::Registration, AppError> {
    let registration =
        validate_registration(input, config.registry_scheme, &config.categories, &config.zones, &config.phone_region)
            .map_err(AppError::InvalidForm)?;
    if registration.requested_quota > config.max_requested_quota {
        return Err(AppError::InvalidForm(vec![surge_domain::FieldError::new(
            "requested_quota",
            "quota_invalid",
            format!(
                "Enter a number of passes from 1 to {}; an official can approve more later",
                config.max_requested_quota
            ),
        )]));
    }
    Ok(registration)
}

/// Registrations one client address may make in an hour, and one contact phone in a day.
pub const REGISTRATIONS_PER_ADDRESS_HOUR: u32 = 10;
pub const REGISTRATIONS_PER_PHONE_DAY: u32 = 3;

/// Who is registering an organisation, which decides what it must prove.
#[derive(Debug, Clone, Copy)]
pub enum Registrant<'a> {
    /// An admin or official registering an organisation they know: no limits, and it goes to review at once.
    Staff,
    /// Anyone, from `client_address`; `proven_phone` is the caller's phone when they signed in with a code texted
    /// to it, which confirms the contact phone if it is the same.
    Public { client_address: &'a str, proven_phone: Option<&'a str> },
}

/// A registration from the form or the API. From the public: after limits on the client address and the contact
/// phone, and kept from officials until the contact phone signs in with a code texted to it (`confirm_contact`),
/// so that no one fills the screening queue with registrations in others' names.
pub async fn register_from_public<S: Organisations + crate::Access>(
    store: &S,
    config: &Config,
    input: &RegistrationInput,
    admin_key_hash: Option<[u8; 32]>,
    registrant: Registrant<'_>,
    now: OffsetDateTime,
) -> Result<(i64, Screening, OrgStatus), AppError> {
    // The form is checked first, so a mistyped form costs no attempt; the phone limit needs a valid phone.
    let registration = validated(config, input)?;
    let Registrant::Public { client_address, proven_phone } = registrant else {
        let (id, screening) = store_registration(store, config, registration, admin_key_hash, true, now).await?;
        return Ok((id, screening, OrgStatus::InReview));
    };
    let hour = time::Duration::hours(1);
    let limit = |bucket: String, window: time::Duration, most: u32| async move {
        if store.rate_limit(&bucket, now, window.whole_seconds(), most).await? {
            Ok(())
        } else {
            tracing::warn!(bucket = bucket.split(':').next().unwrap_or(""), "registration limit reached");
            Err(AppError::RateLimited { retry_after_seconds: window.whole_seconds() })
        }
    };
    limit(format!("org-register-address:{client_address}"), hour, REGISTRATIONS_PER_ADDRESS_HOUR).await?;
    let phone = registration.contact_phone.as_str().to_owned();
    limit(format!("org-register-phone:{phone}"), time::Duration::days(1), REGISTRATIONS_PER_PHONE_DAY).await?;
    let confirmed = proven_phone == Some(phone.as_str());
    let (id, screening) = store_registration(store, config, registration, admin_key_hash, confirmed, now).await?;
    Ok((id, screening, if confirmed { OrgStatus::InReview } else { OrgStatus::AwaitingContact }))
}

/// The contact phone signed in with a code texted to it: its registrations waiting for that go to officials.
pub async fn confirm_contact<S: Organisations>(store: &S, phone: &str, now: OffsetDateTime) -> Result<usize, AppError> {
    let confirmed = store.confirm_contact(phone, now).await?;
    if !confirmed.is_empty() {
        tracing::info!(organisations = ?confirmed, "contact phone confirmed; registrations sent to officials");
    }
    Ok(confirmed.len())
}

/// The audit entry for an organisation's new status.
fn status_audit(actor: &str, id: i64, status: &OrgStatus) -> AuditEntry {
    let detail = match status {
        OrgStatus::Approved { quota } => format!("quota {quota}"),
        OrgStatus::Rejected { reason } => reason.clone(),
        OrgStatus::InfoRequested { question } => question.clone(),
        OrgStatus::Suspended { reason, .. } => reason.clone(),
        OrgStatus::InReview | OrgStatus::AwaitingContact => String::new(),
    };
    AuditEntry {
        actor: actor.to_owned(),
        action: format!("organisation.{}", status.code()),
        subject: format!("organisation:{id}"),
        detail,
    }
}

/// Applies an official's (or the organisation's) transition to an organisation's status.
#[tracing::instrument(skip_all, fields(organisation_id = id))]
pub async fn decide<S: Organisations>(
    store: &S,
    id: i64,
    transition: &Transition,
    official: &Official<'_>,
    now: OffsetDateTime,
) -> Result<OrgStatus, AppError> {
    let org = store.organisation(id).await?;
    // Resubmitting is the organisation's own step; every other transition is a decision on it.
    if *transition != Transition::Resubmit && official.phone == Some(org.contact_phone.as_str()) {
        return Err(AppError::OwnCase);
    }
    let next = org.status.apply(transition)?;
    store.set_organisation_status(id, &org.status, &next, now, &status_audit(official.actor, id, &next)).await?;
    tracing::info!(status = next.code(), "organisation status changed");
    Ok(next)
}

/// Approves, with the quota each asked for, every organisation in review that passed every screening rule and
/// matches `filter` (its paging fields are ignored: all matches are approved, a page at a time), except the
/// official's own. Returns the ids.
pub async fn bulk_approve<S: Organisations>(
    store: &S,
    filter: &OrgFilter,
    official: &Official<'_>,
    now: OffsetDateTime,
) -> Result<Vec<i64>, AppError> {
    let mut page_filter = OrgFilter {
        status: Some("in_review".into()),
        passed_all_rules: Some(true),
        after_id: None,
        limit: 500,
        ..filter.clone()
    };
    let mut approved = Vec::new();
    loop {
        let page = store.list_organisations(&page_filter).await?;
        let Some(last) = page.last() else { return Ok(approved) };
        page_filter.after_id = Some(last.id);
        for org in page.iter().filter(|org| official.phone != Some(org.contact_phone.as_str())) {
            // Registrations screened at the same moment (a rush, written in one group commit) did not see each
            // other. Approved without a person looking, an organisation must still clash with none registered
            // before it; one that does waits in review for an official, as it would have had it come second.
            let known = store.screening_candidates(&org.registry_number, &org.zone).await?;
            let earlier: Vec<_> = known.into_iter().filter(|other| other.id < org.id).collect();
            if surge_domain::clashes_with(&org.legal_name, &org.registry_number, &org.zone, &earlier) {
                tracing::info!(organisation_id = org.id, "left for review: it clashes with one registered before it");
                continue;
            }
            let next = OrgStatus::Approved { quota: org.requested_quota };
            let audit = status_audit(official.actor, org.id, &next);
            match store.set_organisation_status(org.id, &org.status, &next, now, &audit).await {
                Ok(()) => approved.push(org.id),
                // Someone decided on it meanwhile: their decision stands.
                Err(crate::StoreError::Conflict) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
}

/// Bulk approval within the official's scope: each of their zones and categories, narrowed by the request (a zone
/// inside one of theirs is fine, since a zone takes in its sub-zones). A zone or category outside it is
/// `Forbidden`.
pub async fn bulk_approve_in_scope<S: Organisations>(
    store: &S,
    zone: Option<String>,
    category: Option<String>,
    official: &Official<'_>,
    now: OffsetDateTime,
) -> Result<Vec<i64>, AppError> {
    let pick = |requested: Option<String>, allowed: &[String]| -> Result<Vec<Option<String>>, AppError> {
        match (requested, allowed.is_empty()) {
            (requested, true) => Ok(vec![requested]),
            (Some(r), false) if allowed.iter().any(|a| surge_domain::zone_covers(a, &r) || *a == r) => {
                Ok(vec![Some(r)])
            }
            (Some(_), false) => Err(AppError::Forbidden),
            (None, false) => Ok(allowed.iter().cloned().map(Some).collect()),
        }
    };
    let mut approved = Vec::new();
    for zone in pick(zone, &official.scope.zones)? {
        for category in pick(category.clone(), &official.scope.categories)? {
            let filter = OrgFilter { category, zone: zone.clone(), ..OrgFilter::default() };
            approved.extend(bulk_approve(store, &filter, official, now).await?);
        }
    }
    Ok(approved)
}

/// Checks an approved organisation's employee file and stores it as a batch for background issuance. A file
/// with any bad row is refused whole; the same file twice gives the first batch back.
///
/// With `renew`, a row for someone who holds a valid pass the organisation gave (the same phone and identity
/// digits, or the same vehicle) renews it: it takes no new place in the quota, its pass runs from today at the
/// latest, and issuing it replaces the old pass. Uploaded as a renewal, a file is a different batch from the same
/// file uploaded plainly.
#[tracing::instrument(skip_all, fields(organisation_id, renew))]
pub async fn upload_employees<S: Batches + Organisations>(
    store: &S,
    config: &Config,
    organisation_id: i64,
    bytes: &[u8],
    renew: bool,
    now: OffsetDateTime,
) -> Result<BatchCreated, AppError> {
    let org = store.organisation(organisation_id).await?;
    if org.quota().is_none() {
        return Err(AppError::NotApproved);
    }
    let zones = vec![org.zone.clone()];
    let rules = ListRules {
        phone_region: &config.phone_region,
        allowed_zones: &zones,
        zone: config.zone,
        today: config.zone.date_of(now),
        max_days: config.max_pass_days,
    };
    let mut list = parse_employee_csv(bytes, &rules).map_err(AppError::InvalidFile)?;
    let (sha256, renews) = if renew {
        let holders = store.active_holders(organisation_id).await?;
        let people: std::collections::HashSet<(&str, &str)> =
            holders.iter().map(|h| (h.phone.as_str(), h.masked_id.as_str())).collect();
        let plates: std::collections::HashSet<&str> =
            holders.iter().filter_map(|h| h.vehicle_plate.as_deref()).collect();
        let renews: Vec<bool> = list
            .rows
            .iter()
            .map(|row| {
                people.contains(&(row.phone.as_str(), row.masked_id.as_str()))
                    || row.vehicle_plate.as_deref().is_some_and(|p| plates.contains(p))
            })
            .collect();
        surge_domain::renew_from_today(&mut list.rows, &renews, &rules).map_err(AppError::InvalidFile)?;
        let sha256: [u8; 32] = sha2::Sha256::new().chain_update(list.sha256).chain_update(b"renew").finalize().into();
        (sha256, renews)
    } else {
        (list.sha256, Vec::new())
    };
    let created = store.create_batch(organisation_id, sha256, &list.rows, &renews, now).await?;
    tracing::info!(
        batch_id = created.id,
        rows = list.rows.len(),
        renewals = renews.iter().filter(|r| **r).count(),
        duplicate = created.duplicate,
        "employee list stored"
    );
    Ok(created)
}

/// One organisation.
pub async fn organisation<S: Organisations>(store: &S, id: i64) -> Result<OrganisationRecord, AppError> {
    Ok(store.organisation(id).await?)
}

/// A page of organisations as one caller sees it.
#[derive(Debug, Clone)]
pub struct OrgPage {
    /// Those of the page the caller's scope covers: a page may come back short.
    pub visible: Vec<OrganisationRecord>,
    /// Read on with `after_id` = this; `None` on the last page.
    pub next_after: Option<i64>,
}

/// Organisations under a filter (its limit kept between 1 and 1,000), leaving out those outside the caller's scope.
pub async fn list_in_scope<S: Organisations>(
    store: &S,
    filter: &OrgFilter,
    scope: &KeyScope,
) -> Result<OrgPage, AppError> {
    let filter = OrgFilter { limit: filter.limit.clamp(1, 1000), ..filter.clone() };
    let orgs = store.list_organisations(&filter).await?;
    let next_after = (orgs.len() as u32 == filter.limit).then(|| orgs.last().map(|o| o.id)).flatten();
    let visible = orgs.into_iter().filter(|o| scope.covers(&o.zone, &o.category)).collect();
    Ok(OrgPage { visible, next_after })
}

/// The next organisation in review after `after` that the caller's scope covers, to decide on next.
pub async fn next_in_review<S: Organisations>(
    store: &S,
    scope: &KeyScope,
    after: i64,
) -> Result<Option<i64>, AppError> {
    let filter =
        OrgFilter { status: Some("in_review".into()), after_id: Some(after), limit: 200, ..OrgFilter::default() };
    let page = list_in_scope(store, &filter, scope).await?;
    Ok(page.visible.first().map(|o| o.id))
}

/// The organisations a citizen registered, by their contact phone.
pub async fn registered_by<S: Organisations>(store: &S, phone: &str) -> Result<Vec<OrganisationRecord>, AppError> {
    let filter = OrgFilter { contact_phone: Some(phone.to_owned()), limit: 100, ..OrgFilter::default() };
    Ok(store.list_organisations(&filter).await?)
}

/// One batch: its rows, how many are issued and failed, and whether it is done.
pub async fn batch<S: Batches>(store: &S, id: i64) -> Result<BatchRecord, AppError> {
    Ok(store.batch(id).await?)
}

/// The rows of a batch that got no pass, with why (the first 1,000).
pub async fn failed_rows<S: Batches>(store: &S, batch_id: i64) -> Result<Vec<crate::FailedRow>, AppError> {
    Ok(store.failed_rows(batch_id, 1000).await?)
}

/// An organisation's batches, newest first.
pub async fn batches_of<S: Batches>(store: &S, organisation_id: i64) -> Result<Vec<BatchRecord>, AppError> {
    Ok(store.batches_of(organisation_id).await?)
}
