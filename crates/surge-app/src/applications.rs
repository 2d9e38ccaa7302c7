//! Citizens' pass applications: the policy decides each one (approve, review or reject), officials decide those
//! sent to review within their scope, and an approval issues the pass and its SMS in the same transaction.

use rand_core::{CryptoRng, RngCore};
use serde_json::json;
use surge_domain::audit::AuditEntry;
use surge_domain::notify::Templates;
use surge_domain::{
    Application, ApplicationInput, ApplicationRules, ApplicationStatus, FieldError, Purpose, default_purposes,
    validate_application,
};
use time::{Duration, OffsetDateTime};

use crate::policy::{Policy, PolicyOutcome};
use crate::{
    Access, AppError, ApplicationDecision, ApplicationFilter, ApplicationRecord, Applications, AuditLog, KeyScope,
    NewApplication, Official, OutboxMessage, PassRequest, PassSigner, Passes, StoreError, StoredDocument,
};

/// A deployment's rules for applications.
#[derive(Debug, Clone)]
pub struct ApplicationConfig {
    pub purposes: Vec<Purpose>,
    /// The longest validity one application's pass may have.
    pub max_days: i64,
    /// How far ahead a pass may start.
    pub max_days_ahead: i64,
    /// Applications one phone may submit in an hour, whatever the policy says.
    pub per_hour: u32,
    /// The largest supporting document accepted.
    pub document_max_bytes: usize,
}

impl ApplicationConfig {
    /// The rules a form is checked against at `now`, with validity days in `zone`.
    pub fn rules(&self, zone: surge_domain::LocalZone, now: OffsetDateTime) -> ApplicationRules<'_> {
        ApplicationRules {
            purposes: &self.purposes,
            zone,
            today: zone.date_of(now),
            max_days: self.max_days,
            max_days_ahead: self.max_days_ahead,
        }
    }
}

impl Default for ApplicationConfig {
    fn default() -> Self {
        Self {
            purposes: default_purposes(),
            max_days: 14,
            max_days_ahead: 7,
            per_hour: 5,
            document_max_bytes: 5 * 1024 * 1024,
        }
    }
}

/// What happened to a submitted application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    pub id: i64,
    pub status: ApplicationStatus,
    pub rule: Option<String>,
    /// The pass, when approved.
    pub status_index: Option<u64>,
}

/// Whether an official with `scope` may see this application: its category, and either end of the journey.
pub fn in_scope(scope: &KeyScope, record: &ApplicationRecord) -> bool {
    let app = &record.application;
    scope.covers(&app.from_zone, &app.category) || scope.covers(&app.to_zone, &app.category)
}

/// The facts a policy rule reads, as CertLogic data.
pub fn policy_facts(application: &Application, applications_this_week: u64, has_document: bool) -> serde_json::Value {
    json!({
        "application": {
            "purpose": application.purpose,
            "category": application.category,
            "from_zone": application.from_zone,
            "to_zone": application.to_zone,
            "days": application.days(),
            "kind": if application.vehicle_plate.is_some() { "vehicle" } else { "person" },
            "has_document": has_document,
        },
        "applicant": {"applications_this_week": applications_this_week},
    })
}

fn reference(id: i64) -> String {
    format!("A-{id}")
}

fn status_link(signer: &PassSigner, id: i64) -> String {
    format!("{}/applications/{id}", signer.public_base_url.trim_end_matches('/'))
}

fn sms(
    kind: &str,
    lang: &str,
    id: i64,
    phone: &str,
    reason: &str,
    signer: &PassSigner,
    now: OffsetDateTime,
) -> Result<OutboxMessage, AppError> {
    let body = Templates::builtin()
        .render(kind, lang, &[("reference", &reference(id)), ("reason", reason), ("link", &status_link(signer, id))])
        .map_err(|e| AppError::Signing(e.to_string()))?;
    Ok(OutboxMessage {
        idempotency_key: format!("{kind}:{id}:{}", now.unix_timestamp()),
        kind: kind.into(),
        recipient: phone.to_owned(),
        body,
    })
}

/// Validates and stores a citizen's application, lets the policy decide it, and issues the pass when the policy
/// approves. `phone` is the applicant's, from their sign-in; `actor` names them in the audit log.
#[expect(clippy::too_many_arguments, reason = "each is a separate input of the one use case")]
#[tracing::instrument(skip_all)]
pub async fn submit_application<S: Access + Applications + AuditLog + Passes, R: RngCore + CryptoRng + Send>(
    store: &S,
    config: &ApplicationConfig,
    signer: &PassSigner,
    rng: &mut R,
    phone: &str,
    actor: &str,
    input: &ApplicationInput,
    document: Option<StoredDocument>,
    lang: &str,
    now: OffsetDateTime,
) -> Result<Submitted, AppError> {
    crate::access::remember_language(store, phone, lang, now).await;
    let application = validate_application(input, &config.rules(signer.zone, now)).map_err(AppError::InvalidForm)?;
    if !store.rate_limit(&format!("apply:{phone}"), now, 3600, config.per_hour).await? {
        return Err(AppError::RateLimited { retry_after_seconds: 3600 });
    }
    let this_week = store.count_applications_since(phone, now - Duration::days(7)).await?;
    let (_, document_json) = crate::policy::in_force(store).await?;
    let policy = Policy::parse(&document_json).map_err(|problems| {
        AppError::Signing(format!("the policy in force is invalid: {} problems", problems.len()))
    })?;
    let decision = policy.decide(&policy_facts(&application, this_week, document.is_some()));
    let status = match decision.outcome {
        PolicyOutcome::Reject => ApplicationStatus::Rejected,
        PolicyOutcome::Review | PolicyOutcome::Approve => ApplicationStatus::Review,
    };
    let new = NewApplication {
        phone: phone.to_owned(),
        application,
        document,
        status,
        rule: decision.rule.clone(),
        reason_en: decision.reason_en.clone(),
        reason_ko: decision.reason_ko.clone(),
        created_at: now,
    };
    let audit = AuditEntry {
        actor: actor.to_owned(),
        action: "application.submitted".into(),
        subject: String::new(),
        detail: format!("policy: {} by rule {}", decision.outcome.as_str(), decision.rule.as_deref().unwrap_or("-")),
    };
    let reason = if lang == "ko" { new.reason_ko.clone() } else { new.reason_en.clone() };
    if decision.outcome != PolicyOutcome::Approve {
        // The same rendering as below, done first so that a broken template fails the request, not the SMS.
        sms("application_rejected", lang, 0, phone, &reason, signer, now)?;
    }
    // Rendered once the id is known, inside the insert's transaction; an approval's SMS is the pass's own.
    let make_sms = |id: i64| -> Option<OutboxMessage> {
        let kind = match decision.outcome {
            PolicyOutcome::Approve => return None,
            PolicyOutcome::Review => "application_received",
            PolicyOutcome::Reject => "application_rejected",
        };
        sms(kind, lang, id, phone, &reason, signer, now).ok()
    };
    let id = store.insert_application(&new, &audit, &make_sms).await?;
    let mut submitted = Submitted { id, status, rule: decision.rule.clone(), status_index: None };
    if decision.outcome == PolicyOutcome::Approve {
        let decided_by = format!("policy:{}", decision.rule.as_deref().unwrap_or("-"));
        let decision = ApplicationDecision {
            status: ApplicationStatus::Approved,
            reason_en: decision.reason_en,
            reason_ko: decision.reason_ko,
            decided_by,
        };
        match approve(store, signer, rng, id, &new.application, &new.phone, &decision, lang, now).await {
            Ok(index) => {
                submitted.status = ApplicationStatus::Approved;
                submitted.status_index = Some(index);
            }
            Err(AppError::ActivePassExists) => {
                let rejection = ApplicationDecision {
                    status: ApplicationStatus::Rejected,
                    reason_en: "You already have an active pass".into(),
                    reason_ko: "이미 유효한 이동 허가증이 있습니다".into(),
                    decided_by: decision.decided_by,
                };
                reject(store, signer, id, phone, &rejection, lang, now).await?;
                submitted.status = ApplicationStatus::Rejected;
            }
            Err(e) => return Err(e),
        }
    }
    tracing::info!(application_id = id, status = submitted.status.as_str(), rule = ?submitted.rule, "application submitted");
    Ok(submitted)
}

#[expect(clippy::too_many_arguments, reason = "the application, its decision and the signer's inputs")]
async fn approve<S: Applications + Passes, R: RngCore + CryptoRng + Send>(
    store: &S,
    signer: &PassSigner,
    rng: &mut R,
    id: i64,
    app: &Application,
    phone: &str,
    decision: &ApplicationDecision,
    lang: &str,
    now: OffsetDateTime,
) -> Result<u64, AppError> {
    let audit = AuditEntry {
        actor: decision.decided_by.clone(),
        action: "application.approved".into(),
        subject: format!("application:{id}"),
        detail: decision.reason_en.clone(),
    };
    // Signed before the write transaction opens, so the database waits on no signature; an application never
    // changes after it is submitted, and the transaction checks it is still in review.
    let mut zones = vec![app.from_zone.clone()];
    if app.to_zone != app.from_zone {
        zones.push(app.to_zone.clone());
    }
    let request = PassRequest {
        holder: &app.holder,
        phone,
        masked_id: &app.masked_id,
        vehicle_plate: app.vehicle_plate.as_deref(),
        zones: &zones,
        category: &app.category,
        purpose: &app.purpose,
        organisation: None,
        valid_from: app.valid_from,
        valid_to: app.valid_to,
        lang: Some(lang),
    };
    let status_index = store.reserve_status_index().await?;
    let pass = signer.sign(rng, &request, status_index, now)?;
    store.approve_application(id, decision, &audit, &pass, now).await?;
    Ok(status_index)
}

async fn reject<S: Applications>(
    store: &S,
    signer: &PassSigner,
    id: i64,
    phone: &str,
    decision: &ApplicationDecision,
    lang: &str,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    let reason = if lang == "ko" { &decision.reason_ko } else { &decision.reason_en };
    let message = sms("application_rejected", lang, id, phone, reason, signer, now)?;
    let audit = AuditEntry {
        actor: decision.decided_by.clone(),
        action: "application.rejected".into(),
        subject: format!("application:{id}"),
        detail: decision.reason_en.clone(),
    };
    Ok(store.reject_application(id, decision, &audit, Some(&message), now).await?)
}

/// An official approves (issuing the pass) or rejects (with a reason the applicant sees) an application in
/// review. Applications outside the official's scope are `NotFound`; their own are `OwnCase`.
#[expect(clippy::too_many_arguments, reason = "each is a separate input of the one use case")]
#[tracing::instrument(skip_all, fields(application_id = id))]
pub async fn decide_application<S: Access + Applications + Passes, R: RngCore + CryptoRng + Send>(
    store: &S,
    signer: &PassSigner,
    rng: &mut R,
    id: i64,
    approve_it: bool,
    reason: &str,
    official: &Official<'_>,
    lang: &str,
    now: OffsetDateTime,
) -> Result<ApplicationStatus, AppError> {
    let record = store.application(id).await?;
    if !in_scope(official.scope, &record) {
        return Err(AppError::NotFound);
    }
    if official.phone == Some(record.phone.as_str()) {
        return Err(AppError::OwnCase);
    }
    if record.status != ApplicationStatus::Review {
        return Err(AppError::Conflict);
    }
    let reason = reason.trim();
    if !approve_it && (reason.is_empty() || reason.chars().count() > 200) {
        return Err(AppError::InvalidForm(vec![FieldError::new(
            "reason",
            "reason_invalid",
            "Give a reason of 1 to 200 characters; the applicant sees it",
        )]));
    }
    let decision = ApplicationDecision {
        status: if approve_it { ApplicationStatus::Approved } else { ApplicationStatus::Rejected },
        reason_en: reason.to_owned(),
        reason_ko: reason.to_owned(),
        decided_by: official.actor.to_owned(),
    };
    // The applicant's texts are in the language they last used, not the official's.
    let lang = crate::access::text_language(store, &record.phone, lang).await;
    if approve_it {
        approve(store, signer, rng, id, &record.application, &record.phone, &decision, &lang, now).await?;
    } else {
        reject(store, signer, id, &record.phone, &decision, &lang, now).await?;
    }
    tracing::info!(status = decision.status.as_str(), actor = official.actor, "application decided");
    Ok(decision.status)
}

/// The review queue an official sees: applications in review within their scope, oldest first, after
/// `after_id`, at most `limit`.
pub async fn review_queue<S: Applications>(
    store: &S,
    scope: &KeyScope,
    after_id: Option<i64>,
    limit: u32,
) -> Result<Vec<ApplicationRecord>, StoreError> {
    let mut filter = ApplicationFilter { status: Some(ApplicationStatus::Review), after_id, limit: 500, phone: None };
    let mut found = Vec::new();
    loop {
        let page = store.list_applications(&filter).await?;
        let Some(last) = page.last() else { return Ok(found) };
        filter.after_id = Some(last.id);
        for record in page {
            if in_scope(scope, &record) {
                found.push(record);
                if found.len() >= limit as usize {
                    return Ok(found);
                }
            }
        }
    }
}

/// One application (the caller decides who may see it: its applicant, or an official whose scope covers it).
pub async fn application<S: Applications>(store: &S, id: i64) -> Result<ApplicationRecord, AppError> {
    Ok(store.application(id).await?)
}

/// A citizen's own applications, by the phone they signed in with, oldest first (at most 100).
pub async fn of_citizen<S: Applications>(store: &S, phone: &str) -> Result<Vec<ApplicationRecord>, AppError> {
    let filter = ApplicationFilter { phone: Some(phone.to_owned()), limit: 100, ..ApplicationFilter::default() };
    Ok(store.list_applications(&filter).await?)
}
