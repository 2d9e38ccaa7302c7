//! Texts people send to the service, and the one-line answers: STOP and START (opt out and back in), VERIFY with a
//! control code (a pass's verdict for an officer without data; only from the mobile of a checkpoint, official or
//! admin account, as the answer names the holder), RESULT with a specimen number and birth date
//! (registering for a test result). The answer is in the script the text came in: Hangul in, Korean out.

use surge_domain::notify::{InboundCommand, Templates, parse_command};
use surge_domain::{LocalZone, Phone};
use surge_pass::{ControlCode, TrustList, Verifier};
use time::OffsetDateTime;

use crate::lab::LabStore;
use crate::outbox::Outbox;
use crate::{Access, AppError, PassStatus, Passes, Role, StoreError};

/// Acts on a text from `phone` and returns the reply to send back; dates in it are days of `zone`.
pub async fn answer_text<S: Outbox + Passes + LabStore + Access>(
    store: &S,
    trust: &TrustList,
    phone: &Phone,
    text: &str,
    zone: LocalZone,
    now: OffsetDateTime,
) -> Result<String, AppError> {
    let templates = Templates::builtin();
    let lang = if text.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c)) { "ko" } else { "en" };
    let reply_kind = match parse_command(text) {
        InboundCommand::Verify(code) => {
            // The answer names the holder: only an officer's registered mobile may have it.
            let officer = matches!(
                store.staff_role_of_phone(phone.as_str()).await?,
                Some(Role::Checkpoint | Role::Official | Role::Admin)
            );
            if !officer {
                tracing::info!("VERIFY by SMS from an unregistered phone; neutral reply");
                return Ok(templates.render("verify_unregistered", lang, &[]).unwrap_or_default());
            }
            return verify(store, trust, &code, lang, zone, now).await;
        }
        InboundCommand::Stop => {
            store.set_opt_out(phone.as_str(), true, now).await?;
            tracing::info!("opt-out by SMS");
            "opted_out"
        }
        InboundCommand::Start => {
            store.set_opt_out(phone.as_str(), false, now).await?;
            tracing::info!("opt-in by SMS");
            "opted_in"
        }
        InboundCommand::Result { specimen, birth_date } => {
            let reply = match crate::results::register_by_sms(store, phone, &specimen, &birth_date, now).await {
                Ok(_) => templates.render("result_registered", lang, &[("reference", &specimen)]),
                Err(AppError::InvalidForm(_)) => templates.render("result_register_help", lang, &[]),
                Err(e) => return Err(e),
            };
            return Ok(reply.unwrap_or_default());
        }
        InboundCommand::Unknown => "inbound_help",
    };
    Ok(templates.render(reply_kind, lang, &[]).unwrap_or_default())
}

/// The answer to `VERIFY <control code>`: the stored pass's signed text verified as a checkpoint would, then its
/// live status.
async fn verify<S: Passes>(
    store: &S,
    trust: &TrustList,
    code: &str,
    lang: &str,
    zone: LocalZone,
    now: OffsetDateTime,
) -> Result<String, AppError> {
    let templates = Templates::builtin();
    let invalid = |reason: &str| templates.render("verify_invalid", lang, &[("reason", reason)]).unwrap_or_default();
    let Ok(code) = ControlCode::parse(code) else { return Ok(invalid("control_code_invalid")) };
    let pass = match store.pass_by_control_code(&code.to_string()).await {
        Ok(pass) => pass,
        Err(StoreError::NotFound) => return Ok(invalid("pass_not_found")),
        Err(StoreError::Conflict) => return Ok(invalid("control_code_ambiguous")),
        Err(e) => return Err(e.into()),
    };
    let verification = Verifier::new(trust).verify(&pass.token, now, None);
    if let Some(reason) = verification.first_failure() {
        return Ok(invalid(reason.code()));
    }
    if pass.status != PassStatus::Valid {
        return Ok(invalid(pass.status.as_str()));
    }
    let until = zone.last_day(pass.expires).to_string();
    let zones = pass.zones.join(", ");
    Ok(templates
        .render("verify_valid", lang, &[("holder", &pass.holder), ("zones", &zones), ("valid_until", &until)])
        .unwrap_or_default())
}
