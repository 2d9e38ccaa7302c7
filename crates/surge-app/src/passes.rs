//! Live pass status: officials suspend, reinstate or revoke a pass with a reason; the change is fed to verifiers
//! and the holder is told by SMS, in one transaction. Passes are found by control code, link or status index.

use surge_domain::audit::AuditEntry;
use surge_domain::notify::Templates;
use time::OffsetDateTime;

use surge_domain::zone_covers;

use crate::{AppError, KeyScope, LinkToken, OutboxMessage, PassRecord, PassStatus, Passes, StatusChange};

/// Why a renewal revoked the pass it replaced: the reason the pass, its history and the feed carry.
pub const REPLACED: &str = "replaced by a renewed pass";

/// A reason an official gives for a status change, trimmed: it goes into the holder's text message and the audit
/// log, so no control characters in either.
pub fn checked_reason(reason: &str) -> Result<&str, AppError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 || reason.chars().any(char::is_control) {
        return Err(AppError::InvalidForm(vec![surge_domain::FieldError {
            field: "reason",
            code: "reason_invalid",
            message: "Give a reason of 1 to 200 characters, without control characters; the holder sees it".into(),
        }]));
    }
    Ok(reason)
}

/// The text telling a holder their pass's new status and why.
fn status_text(
    pass: &PassRecord,
    status: PassStatus,
    reason: &str,
    lang: &str,
    now: OffsetDateTime,
) -> Result<OutboxMessage, AppError> {
    let kind = match status {
        PassStatus::Valid => "pass_reinstated",
        PassStatus::Suspended => "pass_suspended",
        PassStatus::Revoked => "pass_revoked",
    };
    let code = pass.control_code.get(..5).map(|a| format!("{a}-{}", &pass.control_code[5..])).unwrap_or_default();
    let body = Templates::builtin()
        .render(kind, lang, &[("control_code", &code), ("reason", reason)])
        .map_err(|e| AppError::Signing(e.to_string()))?;
    Ok(OutboxMessage {
        idempotency_key: format!("pass-status:{}:{}:{}", pass.status_index, status.as_str(), now.unix_timestamp()),
        kind: kind.into(),
        recipient: pass.phone.clone(),
        body,
    })
}

/// Changes a pass's status and queues the holder's SMS, in the language the holder last used (else `lang`, the
/// authority's); returns the change's sequence number in the feed.
pub async fn change_pass_status<S: Passes + crate::Access>(
    store: &S,
    status_index: u64,
    status: PassStatus,
    reason: &str,
    actor: &str,
    lang: &str,
    now: OffsetDateTime,
) -> Result<i64, AppError> {
    let reason = checked_reason(reason)?;
    let pass = store.pass_by_status_index(status_index).await?;
    let lang = crate::access::text_language(store, &pass.phone, lang).await;
    let sms = status_text(&pass, status, reason, &lang, now)?;
    let audit = AuditEntry {
        actor: actor.to_owned(),
        action: format!("pass.{}", status.as_str()),
        subject: format!("pass:{status_index}"),
        detail: reason.to_owned(),
    };
    let seq = store.set_pass_status(status_index, status, reason, &audit, now, Some(&sms)).await?;
    tracing::info!(status_index, status = status.as_str(), actor, seq, "pass status changed");
    Ok(seq)
}

/// An organisation's passes, or one of its batches', that `keep` keeps, read a page at a time, newest first.
async fn passes_of<S: Passes>(
    store: &S,
    organisation_id: i64,
    batch_id: Option<i64>,
    keep: impl Fn(&PassRecord) -> bool,
) -> Result<Vec<PassRecord>, AppError> {
    const PAGE: u32 = 1000;
    let mut search = crate::PassSearch {
        organisation_id: Some(organisation_id),
        batch_id,
        limit: PAGE,
        ..crate::PassSearch::default()
    };
    let mut found = Vec::new();
    loop {
        let page = store.search_passes(&search).await?;
        let full = page.len() == PAGE as usize;
        search.before_index = page.last().map(|p| p.status_index);
        found.extend(page.into_iter().filter(|p| keep(p)));
        if !full {
            return Ok(found);
        }
    }
}

/// The passes a bulk revocation takes: every pass of an organisation, or of one of its batches, that is neither
/// revoked nor over, newest first.
pub async fn revocable_passes<S: Passes>(
    store: &S,
    organisation_id: i64,
    batch_id: Option<i64>,
    now: OffsetDateTime,
) -> Result<Vec<PassRecord>, AppError> {
    passes_of(store, organisation_id, batch_id, |p| p.status != PassStatus::Revoked && p.expires > now).await
}

/// Passes on one printed sheet at most: a sheet of 125 pages still opens and prints quickly.
pub const PRINT_PART: usize = 1000;

/// One part of a batch's passes to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintPart {
    /// The passes a checkpoint would accept now or later (valid, not suspended, revoked or over), in the order
    /// they were issued.
    pub passes: Vec<PassRecord>,
    /// This part, from 1, of `parts`.
    pub part: usize,
    pub parts: usize,
}

/// Which part of which batch to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrintRequest {
    pub organisation_id: i64,
    pub batch_id: i64,
    /// From 1.
    pub part: usize,
    /// Passes to a part, whatever their status: [`PRINT_PART`].
    pub per_part: usize,
}

/// Part `part` (from 1) of a batch's passes to print for their holders. Parts cut the batch's passes in the order
/// they were issued, `per_part` to a part whatever their status, so a pass revoked between two downloads does
/// not move others into another part. A sheet carries every holder's pass, so who printed one is recorded in the
/// audit log, with the part and how many passes it held. A part past the last is `not_found`.
pub async fn print_batch<S: Passes + crate::AuditLog>(
    store: &S,
    which: PrintRequest,
    actor: &str,
    now: OffsetDateTime,
) -> Result<PrintPart, AppError> {
    let PrintRequest { organisation_id, batch_id, part, per_part } = which;
    let per_part = per_part.max(1);
    let mut all = passes_of(store, organisation_id, Some(batch_id), |_| true).await?;
    all.reverse();
    let parts = all.len().div_ceil(per_part).max(1);
    if part == 0 || part > parts {
        return Err(AppError::NotFound);
    }
    let passes: Vec<PassRecord> = all
        .into_iter()
        .skip((part - 1) * per_part)
        .take(per_part)
        .filter(|p| p.status == PassStatus::Valid && p.active && p.expires > now)
        .collect();
    let audit = AuditEntry {
        actor: actor.to_owned(),
        action: "pass.printed".into(),
        subject: format!("batch:{batch_id}"),
        detail: format!("part {part} of {parts}: {} passes", passes.len()),
    };
    store.append_audit(&audit, now).await?;
    tracing::info!(organisation_id, batch_id, part, passes = passes.len(), actor, "a batch's passes printed");
    Ok(PrintPart { passes, part, parts })
}

/// Which passes a bulk revocation takes, and how many the official was shown and confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RevokeAll {
    pub organisation_id: i64,
    /// One of its lists, or all its passes.
    pub batch_id: Option<i64>,
    pub confirmed: usize,
}

/// Revokes every pass of an organisation, or of one of its batches, that is neither revoked nor over, with one
/// reason, and texts each holder (in the language they last used, else `lang`), in one transaction. Returns the
/// status indexes revoked. When the number is no longer the one confirmed (more issued, some revoked, since the
/// official looked), nothing is revoked: `count_changed`, for them to look again.
pub async fn revoke_all<S: Passes + crate::Access>(
    store: &S,
    what: RevokeAll,
    reason: &str,
    actor: &str,
    lang: &str,
    now: OffsetDateTime,
) -> Result<Vec<u64>, AppError> {
    let RevokeAll { organisation_id, batch_id, confirmed } = what;
    let reason = checked_reason(reason)?;
    let passes = revocable_passes(store, organisation_id, batch_id, now).await?;
    if passes.len() != confirmed {
        return Err(AppError::Unprocessable {
            code: "count_changed",
            field: Some("confirm"),
            message: format!("{} passes would be revoked now, not the {confirmed} confirmed", passes.len()),
        });
    }
    let phones: Vec<String> = passes.iter().map(|p| p.phone.clone()).collect();
    let languages = store.languages_of(&phones).await?;
    let texts = passes
        .iter()
        .map(|p| {
            let lang = languages.get(&p.phone).map_or(lang, String::as_str);
            Ok((p.status_index, status_text(p, PassStatus::Revoked, reason, lang, now)?))
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    let audit = AuditEntry {
        actor: actor.to_owned(),
        action: "pass.revoked_all".into(),
        subject: match batch_id {
            Some(batch) => format!("batch:{batch}"),
            None => format!("organisation:{organisation_id}"),
        },
        detail: reason.to_owned(),
    };
    let revoked = store.revoke_passes(&texts, reason, &audit, now).await?;
    tracing::info!(organisation_id, batch_id, revoked = revoked.len(), actor, "passes revoked together");
    Ok(revoked)
}

/// A pass by the control code printed on it (already checked for typing mistakes). Two passes that share the
/// code (made before codes were unique) are refused as `control_code_ambiguous`: either could be the wrong holder.
pub async fn by_control_code<S: Passes>(store: &S, code: &str) -> Result<PassRecord, AppError> {
    match store.pass_by_control_code(code).await {
        Err(crate::StoreError::Conflict) => Err(AppError::Unprocessable {
            code: "control_code_ambiguous",
            field: Some("control_code"),
            message: "two passes share this control code: scan the QR code instead".into(),
        }),
        other => Ok(other?),
    }
}

/// A pass by its status index, for officials.
pub async fn by_status_index<S: Passes>(store: &S, status_index: u64) -> Result<PassRecord, AppError> {
    Ok(store.pass_by_status_index(status_index).await?)
}

/// A pass by the link its holder was texted: only with the right token, so links cannot be guessed.
pub async fn by_link<S: Passes>(store: &S, status_index: u64, token: &LinkToken) -> Result<PassRecord, AppError> {
    Ok(store.pass_by_link(status_index, token.hash()).await?)
}

/// A pass an official may act on: one with a zone their scope covers, issued under a category it covers (an
/// unlimited scope covers every pass; a pass whose category is unknown is covered only without categories).
pub async fn in_scope<S: Passes>(store: &S, scope: &KeyScope, status_index: u64) -> Result<PassRecord, AppError> {
    let pass = store.pass_by_status_index(status_index).await?;
    if !covers(store, scope, &pass).await? {
        return Err(AppError::Forbidden);
    }
    Ok(pass)
}

/// Whether `scope` covers a pass already read: its zones first, then (only if the scope names categories) the
/// category it was issued under, which costs a read.
async fn covers<S: Passes>(store: &S, scope: &KeyScope, pass: &PassRecord) -> Result<bool, AppError> {
    if !scope.zones.is_empty() && !pass.zones.iter().any(|z| scope.zones.iter().any(|s| zone_covers(s, z))) {
        return Ok(false);
    }
    if scope.categories.is_empty() {
        return Ok(true);
    }
    let category = store.pass_category(pass.status_index).await?;
    Ok(category.is_some_and(|c| scope.categories.contains(&c)))
}

/// Why a pass is suspended or revoked, when its change was made on another server and memory does not know.
pub async fn status_reason<S: Passes>(store: &S, status_index: u64) -> Option<String> {
    store.pass_by_status_index(status_index).await.ok().and_then(|p| p.status_reason)
}

/// The most changes one read of the feed returns.
pub const MAX_FEED_PAGE: u32 = 10_000;

/// The feed of status changes after `since` (at most `limit`, 1,000 by default), and where the next read starts.
pub async fn status_feed<S: Passes>(
    store: &S,
    since: Option<i64>,
    limit: Option<u32>,
) -> Result<(Vec<StatusChange>, i64), AppError> {
    let since = since.unwrap_or(0).max(0);
    let changes = store.status_changes(since, limit.unwrap_or(1000).clamp(1, MAX_FEED_PAGE)).await?;
    let next = changes.last().map_or(since, |c| c.seq);
    Ok((changes, next))
}

/// How many status indexes have been given out: the length of the status list verifiers download.
pub async fn status_list_len<S: Passes>(store: &S) -> Result<u64, AppError> {
    Ok(store.status_list_len().await?)
}

/// The passes issued to a holder's phone, newest first: what a worker whose text was deleted signs in to find.
pub async fn holder_passes<S: Passes>(store: &S, phone: &str) -> Result<Vec<PassRecord>, AppError> {
    Ok(store.passes_of_phone(phone, 50).await?)
}

/// One of the holder's own passes (another phone's is `NotFound`, not `Forbidden`: it says nothing of others).
pub async fn holder_pass<S: Passes>(store: &S, phone: &str, status_index: u64) -> Result<PassRecord, AppError> {
    let pass = store.pass_by_status_index(status_index).await?;
    if pass.phone != phone {
        return Err(AppError::NotFound);
    }
    Ok(pass)
}

/// Texts a holder their pass again, with a new link: the old link, which may sit in a lost phone, opens it no more.
/// Only a valid pass is sent, at most three times an hour.
#[expect(clippy::too_many_arguments, reason = "who asks, for which pass, in which language, and the service's parts")]
pub async fn resend_pass_text<S: Passes + crate::Access, R: rand_core::RngCore + rand_core::CryptoRng>(
    store: &S,
    signer: &crate::PassSigner,
    rng: &mut R,
    actor: &str,
    phone: &str,
    status_index: u64,
    lang: &str,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    let pass = holder_pass(store, phone, status_index).await?;
    resend(store, signer, rng, actor, &pass, lang, now).await
}

/// An organisation texts one of its employees their pass again (a deleted text, a new phone in the same number),
/// with the same rules as the holder's own resend. Another organisation's pass is not found.
#[expect(clippy::too_many_arguments, reason = "who asks, for which pass, in which language, and the service's parts")]
pub async fn resend_for_organisation<S: Passes + crate::Access, R: rand_core::RngCore + rand_core::CryptoRng>(
    store: &S,
    signer: &crate::PassSigner,
    rng: &mut R,
    actor: &str,
    organisation_id: i64,
    status_index: u64,
    lang: &str,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    let pass = store.pass_by_status_index(status_index).await?;
    if pass.organisation_id != Some(organisation_id) {
        return Err(AppError::NotFound);
    }
    let lang = crate::access::text_language(store, &pass.phone, lang).await;
    resend(store, signer, rng, actor, &pass, &lang, now).await
}

async fn resend<S: Passes + crate::Access, R: rand_core::RngCore + rand_core::CryptoRng>(
    store: &S,
    signer: &crate::PassSigner,
    rng: &mut R,
    actor: &str,
    pass: &PassRecord,
    lang: &str,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    let status_index = pass.status_index;
    if pass.status != PassStatus::Valid || !pass.active || pass.expires <= now {
        return Err(AppError::Conflict);
    }
    if !store.rate_limit(&format!("resend:{status_index}"), now, 3600, 3).await? {
        return Err(AppError::RateLimited { retry_after_seconds: 3600 });
    }
    let link = LinkToken::generate(rng);
    let url = format!("{}/p/{status_index}/{link}", signer.public_base_url.trim_end_matches('/'));
    let code = surge_pass::ControlCode::parse(&pass.control_code).map_err(|e| AppError::Signing(e.to_string()))?;
    let body = crate::pass_sms_text(lang, &pass.holder, &url, &code, pass.expires, signer.zone)
        .map_err(|e| AppError::Signing(e.to_string()))?;
    let sms = OutboxMessage {
        // A new link each time: each text is its own message.
        idempotency_key: format!("pass-resent:{status_index}:{}", hex::encode(&link.hash()[..8])),
        kind: "pass_issued".into(),
        recipient: pass.phone.clone(),
        body,
    };
    let audit = AuditEntry {
        actor: actor.to_owned(),
        action: "pass.resent".into(),
        subject: format!("pass:{status_index}"),
        detail: "a new link; the old one no longer opens the pass".into(),
    };
    store.relink_pass(status_index, link.hash(), &sms, &audit, now).await?;
    Ok(())
}

/// Passes an official looks up, only those their scope covers (zones, and categories when it names any).
pub async fn search<S: Passes>(
    store: &S,
    scope: &KeyScope,
    search: &crate::PassSearch,
) -> Result<Vec<PassRecord>, AppError> {
    let mut covered = Vec::new();
    for pass in store.search_passes(search).await? {
        // At most one read per pass (its category), on at most a page of results.
        if covers(store, scope, &pass).await? {
            covered.push(pass);
        }
    }
    Ok(covered)
}

/// A pass in the official's scope and what happened to it.
pub async fn with_history<S: Passes>(
    store: &S,
    scope: &KeyScope,
    status_index: u64,
) -> Result<(PassRecord, Vec<crate::PassEvent>), AppError> {
    let pass = in_scope(store, scope, status_index).await?;
    let history = store.pass_history(status_index).await?;
    Ok((pass, history))
}
