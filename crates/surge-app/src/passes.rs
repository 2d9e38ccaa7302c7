//! Live pass status: officials suspend, reinstate or revoke a pass with a reason; the change is fed to verifiers
//! and the holder is told by SMS, in one transaction.

use surge_domain::audit::AuditEntry;
use surge_domain::notify::Templates;
use time::OffsetDateTime;

use crate::{AppError, OutboxMessage, PassStatus, Passes};

/// Changes a pass's status and queues the holder's SMS; returns the change's sequence number in the feed.
pub async fn change_pass_status<S: Passes>(
    store: &S,
    status_index: u64,
    status: PassStatus,
    reason: &str,
    actor: &str,
    lang: &str,
    now: OffsetDateTime,
) -> Result<i64, AppError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(AppError::InvalidForm(vec![surge_domain::FieldError {
            field: "reason",
            code: "reason_invalid",
            message: "Give a reason of 1 to 200 characters; the holder sees it".into(),
        }]));
    }
    let pass = store.pass_by_status_index(status_index).await?;
    let kind = match status {
        PassStatus::Valid => "pass_reinstated",
        PassStatus::Suspended => "pass_suspended",
        PassStatus::Revoked => "pass_revoked",
    };
    let code = pass.control_code.get(..5).map(|a| format!("{a}-{}", &pass.control_code[5..])).unwrap_or_default();
    let body = Templates::builtin()
        .render(kind, lang, &[("control_code", &code), ("reason", reason)])
        .map_err(|e| AppError::Signing(e.to_string()))?;
    let sms = OutboxMessage {
        idempotency_key: format!("pass-status:{status_index}:{}:{}", status.as_str(), now.unix_timestamp()),
        kind: kind.into(),
        recipient: pass.phone.clone(),
        body,
    };
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
