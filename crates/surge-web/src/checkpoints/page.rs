//! The checkpoint officer's page, sized for a phone: choose the checkpoint once, type the control code (or paste
//! the pass text) and get VALID or NOT VALID in large colour and words, with the holder's name, masked id, zones
//! and validity. Works without JavaScript; each check is logged with the checkpoint for the cloned-pass check.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use surge_app::{Role, Store};

use crate::AppState;
use crate::i18n::Lang;
use crate::kit::ctx::{Field, PageCtx, error_summary, field, sorry};
use crate::kit::escape;

const ROLES: [Role; 3] = [Role::Admin, Role::Official, Role::Checkpoint];

fn reason_words(lang: Lang, code: &str) -> String {
    let key = format!("reason.{code}");
    match lang.t(&key) {
        "" => code.to_owned(),
        words => words.to_owned(),
    }
}

async fn form<S: Store>(
    state: &AppState<S>,
    ctx: &PageCtx,
    chosen: Option<i64>,
    error: Option<&str>,
) -> Result<String, Response> {
    let lang = ctx.lang;
    let checkpoints = surge_app::scans::checkpoints(&state.store).await.map_err(|e| {
        tracing::error!(error = %e, "listing checkpoints failed");
        sorry(lang)
    })?;
    let mut options = format!("<option value=\"\">{}</option>", lang.t("check.no_checkpoint"));
    for c in &checkpoints {
        let selected = if Some(c.id) == chosen { " selected" } else { "" };
        // The zone also goes to the offline script, which checks it as the server does.
        options.push_str(&format!(
            "<option value=\"{}\" data-zone=\"{zone}\"{selected}>{} ({zone})</option>",
            c.id,
            escape(&c.name),
            zone = escape(&c.zone)
        ));
    }
    let errors: Vec<(String, String)> = error.map(|e| vec![("code".to_owned(), e.to_owned())]).unwrap_or_default();
    Ok(format!(
        "{summary}<form id=\"check-form\" method=\"post\" action=\"/checkpoint\" novalidate>{csrf}\
         <div class=\"field\"><label for=\"checkpoint\">{cp_label}</label><select id=\"checkpoint\" name=\"checkpoint\">{options}</select></div>\
         {code}<button type=\"submit\">{button}</button></form>",
        summary = error_summary(lang, &errors),
        csrf = ctx.csrf_input(),
        cp_label = lang.t("check.checkpoint"),
        code = field(
            lang,
            &Field {
                name: "code",
                label: lang.t("check.code"),
                hint: lang.t("check.code.hint"),
                kind: "text",
                autocomplete: "off",
                attributes: " autocapitalize=\"characters\" spellcheck=\"false\" autofocus",
                ..Field::default()
            },
            error,
        ),
        button = lang.t("check.submit"),
    ))
}

/// The words the offline script shows, in the page's language.
fn offline_strings(lang: Lang, zone: surge_domain::LocalZone, now: time::OffsetDateTime) -> String {
    let reasons: serde_json::Map<String, Value> = [
        "revoked",
        "expired",
        "not_yet_valid",
        "bad_signature",
        "unknown_kid",
        "bad_prefix",
        "bad_base45",
        "bad_compression",
        "bad_cose",
        "too_large",
        "bad_claims",
        "unsupported_version",
        "key_not_valid",
        "wrong_kind",
        "status_unknown",
        "needs_network",
        "wrong_zone",
    ]
    .into_iter()
    .map(|code| (code.to_owned(), Value::from(reason_words(lang, code))))
    .collect();
    let strings = serde_json::json!({
        "valid": lang.t("check.valid"),
        "invalid": lang.t("check.invalid"),
        "cannot_check": lang.t("check.cannot"),
        "holder": lang.t("pass.holder"),
        "masked_id": lang.t("check.masked_id"),
        "zones": lang.t("pass.zones"),
        "from": lang.t("pass.from"),
        "until": lang.t("pass.until"),
        "end_of_day": lang.t("pass.end_of_day"),
        // Dates and times are the authority's local ones, as on every other page.
        "time_zone": zone.name(),
        "zone_names": zone.names_by_offset(now).into_iter().map(|(k, v)| (k, Value::from(v))).collect::<serde_json::Map<_, _>>(),
        "ready": lang.t("check.offline.ready"),
        "queued": lang.t("check.offline.queued"),
        "no_data": lang.t("check.offline.none"),
        "checked_offline": lang.t("check.offline.checked"),
        "scan": lang.t("check.scan"),
        "scan_stop": lang.t("check.scan.stop"),
        "no_camera": lang.t("check.scan.no_camera"),
        "reasons": reasons,
    });
    // Inside a <script> element only "</" could end it early; JSON never needs it unescaped.
    format!(
        "<p id=\"offline-status\" class=\"inset\" role=\"status\" hidden></p>\
         <div id=\"offline-result\" tabindex=\"-1\"></div>\
         <script type=\"application/json\" id=\"offline-strings\">{}</script>\
         <script src=\"/assets/checkpoint.js\" defer></script>",
        strings.to_string().replace("</", "<\\/")
    )
}

/// A signing key the offline page trusts.
#[derive(Debug, serde::Serialize)]
struct OfflineKey {
    kid: String,
    /// COSE algorithm: -8 Ed25519, -7 ES256.
    alg: i8,
    /// The public key, base64.
    public: String,
    valid_from: i64,
    valid_until: i64,
}

/// What the checkpoint page needs to check passes with no network.
#[derive(Debug, serde::Serialize)]
struct OfflineData {
    issuer: String,
    generated_at: i64,
    keys: Vec<OfflineKey>,
    /// The passes that are not plainly valid, by status index.
    statuses: std::collections::BTreeMap<u64, &'static str>,
    status_len: u64,
}

/// The trust keys and the passes that are not plainly valid, for the page to check passes with no network. Only
/// for checkpoint staff; the service worker keeps the last copy.
pub async fn offline_data<S: Store>(
    State(state): State<AppState<S>>,
    principal: crate::access::auth::Principal,
) -> Result<Response, crate::error::ApiError> {
    principal.require(&ROLES)?;
    state.caches.refresh_statuses(&state.store).await?;
    let now = (state.clock)();
    let trust = state.trust.current();
    let keys = trust
        .list
        .active_keys()
        .map(|k| OfflineKey {
            kid: k.kid().to_hex(),
            alg: match k.key.algorithm() {
                surge_pass::Algorithm::Ed25519 => -8,
                surge_pass::Algorithm::Es256 => -7,
            },
            public: base64::Engine::encode(&base64::engine::general_purpose::STANDARD, k.key.to_bytes()),
            valid_from: k.valid_from.unix_timestamp(),
            valid_until: k.valid_until.unix_timestamp(),
        })
        .collect();
    let statuses = state.caches.not_valid().into_iter().map(|(index, status)| (index, status.as_str())).collect();
    let body = OfflineData {
        issuer: trust.list.issuer.clone(),
        generated_at: now.unix_timestamp(),
        keys,
        statuses,
        status_len: surge_app::passes::status_list_len(&state.store).await?,
    };
    Ok(([(axum::http::header::CACHE_CONTROL, "private, no-store")], axum::Json(body)).into_response())
}

pub async fn script() -> Response {
    crate::kit::javascript(include_str!("../../assets/checkpoint.js"))
}

/// jsQR (Apache-2.0, vendored unchanged; see `assets/vendor/README.md`), for browsers without BarcodeDetector.
pub async fn qr_decoder() -> Response {
    crate::kit::javascript(include_str!("../../assets/vendor/jsQR.js"))
}

pub async fn service_worker() -> Response {
    crate::kit::javascript(include_str!("../../assets/checkpoint-sw.js"))
}

/// A time as the API writes it (RFC 3339).
fn wire_time(text: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

pub async fn page<S: Store>(
    State(state): State<AppState<S>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let ctx = page_ctx!(state, headers, query);
    if ctx.principal.require(&ROLES).is_err() {
        return ctx.refuse_staff("/checkpoint");
    }
    let chosen = query.get("checkpoint").and_then(|c| c.parse().ok());
    let body = match form(&state, &ctx, chosen, None).await {
        Ok(form) => {
            format!("<h1>{}</h1>{form}{}", ctx.t("check.title"), offline_strings(ctx.lang, ctx.zone, (state.clock)()))
        }
        Err(response) => return response,
    };
    let title = ctx.t("check.title");
    ctx.render(StatusCode::OK, title, &body, Some("/checkpoint"))
}

pub async fn submit<S: Store>(
    State(state): State<AppState<S>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    Form(values): Form<HashMap<String, String>>,
) -> Response {
    let ctx = form_ctx!(state, headers, query, values);
    if ctx.principal.require(&ROLES).is_err() {
        return ctx.refuse_staff("/checkpoint");
    }
    let lang = ctx.lang;
    let chosen: Option<i64> = values.get("checkpoint").and_then(|c| c.parse().ok());
    let typed = values.get("code").map(|c| c.trim().to_owned()).unwrap_or_default();
    let input_error = |message: &str| message.to_owned();
    let (text, control_code) = if typed.starts_with("EP1:") || typed.starts_with("HC1:") {
        (Some(typed.clone()), None)
    } else {
        (None, Some(typed.clone()))
    };
    // A check at a checkpoint is for its zone: a pass for another zone is NOT VALID there.
    let zone = match chosen {
        Some(id) => match surge_app::scans::checkpoint(&state.store, id).await {
            Ok(checkpoint) => Ok(Some(checkpoint.zone)),
            Err(e) => Err(crate::error::ApiError::from(e)),
        },
        None => Ok(None),
    };
    let outcome = if typed.is_empty() {
        Err(input_error(lang.t("check.code.missing")))
    } else {
        let checked = match zone {
            Ok(zone) => crate::checkpoints::api::check(&state, text, control_code, zone.as_deref()).await,
            Err(e) => Err(e),
        };
        match checked {
            Ok(found) => Ok(found),
            Err(e) if e.status.is_client_error() => Err(reason_words(lang, e.code)),
            Err(e) => {
                tracing::error!(code = e.code, "checking a pass failed");
                return sorry(lang);
            }
        }
    };
    let (answer, index) = match outcome {
        Ok(found) => found,
        Err(message) => {
            let body = match form(&state, &ctx, chosen, Some(&message)).await {
                Ok(form) => format!("<h1>{}</h1>{form}", ctx.t("check.title")),
                Err(response) => return response,
            };
            let title = format!("{} {}", lang.t("error.prefix"), lang.t("check.title"));
            return ctx.render(StatusCode::UNPROCESSABLE_ENTITY, &title, &body, None);
        }
    };
    if let Some(checkpoint) = chosen {
        if let Err(e) = crate::checkpoints::api::log_scan(&state, &ctx.principal, checkpoint, &answer, index).await {
            tracing::error!(code = e.code, "logging a scan failed");
        }
    }
    let valid = answer.valid();
    let details = match answer.pass() {
        Some(pass) => format!(
            "<dl><dt>{holder_l}</dt><dd>{holder}</dd><dt>{id_l}</dt><dd>{masked}</dd><dt>{zones_l}</dt><dd>{zones}</dd>\
             <dt>{from_l}</dt><dd>{from}</dd><dt>{until_l}</dt><dd>{until}</dd></dl>",
            holder_l = lang.t("pass.holder"),
            holder = escape(&pass.holder),
            id_l = lang.t("check.masked_id"),
            masked = escape(pass.masked_id.as_deref().unwrap_or("—")),
            zones_l = lang.t("pass.zones"),
            zones = escape(&pass.zones.join(", ")),
            from_l = lang.t("pass.from"),
            from = wire_time(&pass.not_before).map(|t| ctx.zone.from_text(t)).unwrap_or_default(),
            until_l = lang.t("pass.until"),
            until =
                wire_time(&pass.expires).map(|t| ctx.zone.until_text(t, lang.t("pass.end_of_day"))).unwrap_or_default(),
        ),
        None => String::new(),
    };
    let verdict = if valid {
        format!("<div class=\"verdict valid\" role=\"status\"><p class=\"big\">{}</p></div>", lang.t("check.valid"))
    } else {
        let reason = answer.failure_code().map(|c| reason_words(lang, c)).unwrap_or_default();
        format!(
            "<div class=\"verdict invalid\" role=\"alert\"><p class=\"big\">{}</p><p>{}</p></div>",
            lang.t("check.invalid"),
            escape(&reason)
        )
    };
    let form = match form(&state, &ctx, chosen, None).await {
        Ok(form) => form,
        Err(response) => return response,
    };
    let body = format!("<h1>{}</h1>{verdict}{details}<h2>{}</h2>{form}", lang.t("check.title"), lang.t("check.next"));
    let title = if valid { lang.t("check.valid") } else { lang.t("check.invalid") };
    ctx.render(StatusCode::OK, title, &body, None)
}
