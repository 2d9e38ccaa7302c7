//! Citizens' pass applications on the web: the application form (with an optional supporting document), the
//! applicant's status page (with the QR code once approved), and the officials' review queue, oldest first and
//! within their scope, with the rule that fired and a decision form.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use rand_core::RngCore;
use surge_app::applications::{in_scope, review_queue};
use surge_app::{AppError, ApplicationRecord, Role, Store, StoredDocument};
use surge_domain::{ApplicationInput, ApplicationStatus, DocumentKind};
use time::OffsetDateTime;

use crate::AppState;
use crate::access::auth::Principal;
use crate::i18n::Lang;
use crate::kit::ctx::{Field, PageCtx, error_for, error_summary, field, field_errors, not_found, sorry};
use crate::kit::escape;

type Q = Query<HashMap<String, String>>;

const STAFF: [Role; 2] = [Role::Admin, Role::Official];
const TEXT_FIELDS: [&str; 8] =
    ["purpose", "from_zone", "to_zone", "valid_from", "valid_to", "holder", "id_last4", "vehicle_plate"];

fn reference(id: i64) -> String {
    format!("A-{id}")
}

fn purpose_name<S>(state: &AppState<S>, lang: Lang, id: &str) -> String {
    state
        .config
        .applications
        .purposes
        .iter()
        .find(|p| p.id == id)
        .map(|p| if lang == Lang::Ko { p.ko.clone() } else { p.en.clone() })
        .unwrap_or_else(|| id.to_owned())
}

fn status_tag(lang: Lang, status: ApplicationStatus) -> String {
    let class = match status {
        ApplicationStatus::Review => "in_review",
        ApplicationStatus::Approved => "approved",
        ApplicationStatus::Rejected => "rejected",
    };
    format!("<span class=\"tag {class}\">{}</span>", lang.t(&format!("application.status.{}", status.as_str())))
}

/// "3 h 20 min" since `since`.
fn waited(lang: Lang, since: OffsetDateTime, now: OffsetDateTime) -> String {
    let minutes = (now - since).whole_minutes().max(0);
    let (h, m) = (minutes / 60, minutes % 60);
    match (lang, h) {
        (Lang::Ko, 0) => format!("{m}분"),
        (Lang::Ko, _) => format!("{h}시간 {m}분"),
        (_, 0) => format!("{m} min"),
        _ => format!("{h} h {m} min"),
    }
}

fn apply_form<S>(
    state: &AppState<S>,
    ctx: &PageCtx,
    values: &HashMap<String, String>,
    errors: &[(String, String)],
) -> String {
    let lang = ctx.lang;
    let get = |name: &str| values.get(name).map(String::as_str).unwrap_or("");
    let chosen = get("purpose");
    let purpose_error = error_for(errors, "purpose");
    let mut purposes = format!(
        "<div class=\"field{}\" id=\"purpose\"><fieldset aria-describedby=\"purpose-hint{}\"><legend>{}</legend>\
         <p class=\"hint\" id=\"purpose-hint\">{}</p>",
        if purpose_error.is_some() { " field-error" } else { "" },
        if purpose_error.is_some() { " purpose-error" } else { "" },
        lang.t("purpose"),
        lang.t("purpose.hint"),
    );
    if let Some(message) = purpose_error {
        purposes.push_str(&format!(
            "<p class=\"error-message\" id=\"purpose-error\"><span class=\"visually-hidden\">{}</span> {}</p>",
            lang.t("error.prefix"),
            escape(message)
        ));
    }
    for (i, p) in state.config.applications.purposes.iter().enumerate() {
        let checked = if p.id == chosen { " checked" } else { "" };
        purposes.push_str(&format!(
            "<div class=\"radio\"><input type=\"radio\" id=\"purpose-{i}\" name=\"purpose\" value=\"{id}\"{checked}>\
             <label for=\"purpose-{i}\">{name}</label></div>",
            id = escape(&p.id),
            name = escape(if lang == Lang::Ko { &p.ko } else { &p.en }),
        ));
    }
    purposes.push_str("</fieldset></div>");
    let text = |name: &'static str, autocomplete: &'static str, attributes: &'static str| {
        field(
            lang,
            &Field {
                name,
                label: lang.t(name),
                hint: lang.t(&format!("{name}.hint")),
                kind: "text",
                autocomplete,
                value: get(name),
                attributes,
            },
            error_for(errors, name),
        )
    };
    let max_mb = state.config.applications.document_max_bytes / (1024 * 1024);
    let document_hint = lang.t("document.hint").replace("{mb}", &max_mb.to_string());
    format!(
        "{summary}<h1>{title}</h1><p>{lead}</p>\
         <form method=\"post\" action=\"/apply\" enctype=\"multipart/form-data\" novalidate>{csrf}{purposes}\
         <fieldset><legend>{journey}</legend>{from}{to}{start}{end}</fieldset>\
         <fieldset><legend>{who}</legend>{holder}{id}{plate}</fieldset>{document}\
         <button type=\"submit\">{submit}</button></form>",
        summary = error_summary(lang, errors),
        title = lang.t("apply.title"),
        lead = lang.t("apply.lead"),
        csrf = ctx.csrf_input(),
        journey = lang.t("apply.journey"),
        from = text("from_zone", "off", " autocapitalize=\"characters\" spellcheck=\"false\""),
        to = text("to_zone", "off", " autocapitalize=\"characters\" spellcheck=\"false\""),
        start = text("valid_from", "off", " inputmode=\"numeric\""),
        end = text("valid_to", "off", " inputmode=\"numeric\""),
        who = lang.t("apply.who"),
        holder = text("holder", "name", ""),
        id = text("id_last4", "off", " spellcheck=\"false\""),
        plate = text("vehicle_plate", "off", " spellcheck=\"false\""),
        document = field(
            lang,
            &Field {
                name: "document",
                label: lang.t("document"),
                hint: &document_hint,
                kind: "file",
                attributes: " accept=\"application/pdf,image/jpeg,image/png\"",
                ..Field::default()
            },
            error_for(errors, "document"),
        ),
        submit = lang.t("apply.submit"),
    )
}

pub async fn apply_page<S: Store>(State(state): State<AppState<S>>, Query(query): Q, headers: HeaderMap) -> Response {
    let ctx = page_ctx!(state, headers, query);
    if ctx.principal.citizen_phone().is_none() {
        return ctx.refuse("/apply");
    }
    let body = apply_form(&state, &ctx, &HashMap::new(), &[]);
    let title = ctx.t("apply.title");
    ctx.render(StatusCode::OK, title, &body, Some("/apply"))
}

/// The form's text fields and the document (its bytes, or why it was refused) from the multipart body.
async fn read_form(
    mut multipart: Multipart,
    max_bytes: usize,
) -> Result<(HashMap<String, String>, Option<Vec<u8>>, bool), String> {
    let mut values = HashMap::new();
    let mut document = None;
    let mut too_large = false;
    while let Some(mut part) = multipart.next_field().await.map_err(|e| e.body_text())? {
        let name = part.name().unwrap_or("").to_owned();
        if name == "document" {
            // Read in chunks so that an oversized file is refused without holding it all.
            let mut bytes = Vec::new();
            while let Some(chunk) = part.chunk().await.map_err(|e| e.body_text())? {
                if bytes.len() + chunk.len() > max_bytes {
                    too_large = true;
                    break;
                }
                bytes.extend_from_slice(&chunk);
            }
            if !bytes.is_empty() && !too_large {
                document = Some(bytes);
            }
        } else if name == "csrf" || TEXT_FIELDS.contains(&name.as_str()) {
            values.insert(name, part.text().await.map_err(|e| e.body_text())?);
        }
    }
    Ok((values, document, too_large))
}

fn input_from(values: &HashMap<String, String>) -> ApplicationInput {
    let get = |name: &str| values.get(name).cloned().unwrap_or_default();
    ApplicationInput {
        purpose: get("purpose"),
        from_zone: get("from_zone"),
        to_zone: get("to_zone"),
        valid_from: get("valid_from"),
        valid_to: get("valid_to"),
        holder: get("holder"),
        id_last4: get("id_last4"),
        vehicle_plate: get("vehicle_plate"),
    }
}

/// Writes a document under a random name (written to a temporary name first, so a half-written file is never
/// taken for a whole one).
async fn keep_document(dir: &std::path::Path, bytes: &[u8], kind: DocumentKind) -> std::io::Result<StoredDocument> {
    let mut raw = [0u8; 16];
    rand_core::OsRng.fill_bytes(&mut raw);
    let key = hex::encode(raw);
    tokio::fs::create_dir_all(dir).await?;
    let partial = dir.join(format!("{key}.partial"));
    tokio::fs::write(&partial, bytes).await?;
    tokio::fs::rename(&partial, dir.join(&key)).await?;
    Ok(StoredDocument { key, kind, bytes: bytes.len() as u64 })
}

pub async fn apply_submit<S: Store>(
    State(state): State<AppState<S>>,
    Query(query): Q,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let ctx = page_ctx!(state, headers, query);
    let Some(phone) = ctx.principal.citizen_phone().map(str::to_owned) else { return ctx.refuse("/apply") };
    let (Some(signer), Some(documents_dir)) = (state.signer.clone(), state.documents_dir.clone()) else {
        tracing::error!("applications are not configured: no signer or document directory");
        return sorry(ctx.lang);
    };
    let config = &state.config.applications;
    let (values, document, too_large) = match read_form(multipart, config.document_max_bytes).await {
        Ok(parts) => parts,
        Err(message) => {
            tracing::warn!(error = %message, "unreadable application form");
            let errors = vec![("document".to_owned(), ctx.t("document.unreadable").to_owned())];
            let body = apply_form(&state, &ctx, &HashMap::new(), &errors);
            let title = ctx.lang.t("apply.title.error");
            return ctx.render(StatusCode::BAD_REQUEST, title, &body, None);
        }
    };
    if !ctx.form_is_genuine(&headers, &state.web.csrf_secret, &values) {
        return ctx.stale_form();
    }
    let lang = ctx.lang;
    let now = (state.clock)();
    let input = input_from(&values);
    // The form is checked before the document is kept, so a refused form leaves no file behind.
    let mut errors = match surge_domain::validate_application(&input, &config.rules(signer.zone, now)) {
        Ok(_) => Vec::new(),
        Err(problems) => field_errors(lang, &problems),
    };
    let kind = document.as_deref().map(DocumentKind::sniff);
    if too_large {
        let max_mb = config.document_max_bytes / (1024 * 1024);
        errors.push(("document".into(), lang.t("document.too_large").replace("{mb}", &max_mb.to_string())));
    } else if kind == Some(None) {
        errors.push(("document".into(), lang.t("document.type").to_owned()));
    }
    if !errors.is_empty() {
        let body = apply_form(&state, &ctx, &values, &errors);
        return ctx.render(StatusCode::UNPROCESSABLE_ENTITY, lang.t("apply.title.error"), &body, None);
    }
    let stored = match (document, kind.flatten()) {
        (Some(bytes), Some(kind)) => match keep_document(&documents_dir, &bytes, kind).await {
            Ok(stored) => Some(stored),
            Err(e) => {
                tracing::error!(error = %e, "keeping a supporting document failed");
                return sorry(lang);
            }
        },
        _ => None,
    };
    let kept = stored.as_ref().map(|d| documents_dir.join(&d.key));
    let result = surge_app::applications::submit_application(
        &state.store,
        config,
        &signer,
        &mut rand_core::OsRng,
        &phone,
        &ctx.principal.actor(),
        &input,
        stored,
        lang.code(),
        now,
    )
    .await;
    if result.is_err() {
        // Nothing refers to the file: remove it rather than keep a document no application owns.
        if let Some(path) = kept {
            let _ = tokio::fs::remove_file(path).await;
        }
    }
    match result {
        Ok(submitted) => ctx.redirect(&format!("/applications/{}", submitted.id)),
        Err(AppError::InvalidForm(problems)) => {
            let errors = field_errors(lang, &problems);
            let body = apply_form(&state, &ctx, &values, &errors);
            ctx.render(StatusCode::UNPROCESSABLE_ENTITY, lang.t("apply.title.error"), &body, None)
        }
        Err(AppError::RateLimited { retry_after_seconds }) => {
            crate::access::pages::rate_limited(ctx, "/account", retry_after_seconds)
        }
        Err(e) => {
            tracing::error!(error = ?e, "submitting an application failed");
            sorry(lang)
        }
    }
}

/// How the caller relates to an application: its applicant, an official who may decide it, or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Viewer {
    Applicant,
    Official,
}

/// The application, if the caller may see it; otherwise the response to send.
async fn visible<S: Store>(
    state: &AppState<S>,
    ctx: PageCtx,
    id: i64,
    here: &str,
) -> Result<(PageCtx, ApplicationRecord, Viewer), Response> {
    if ctx.principal.require(&[Role::Applicant, Role::Admin, Role::Official]).is_err() {
        return Err(ctx.refuse(here));
    }
    let record = match surge_app::applications::application(&state.store, id).await {
        Ok(record) => record,
        Err(AppError::NotFound) => return Err(not_found(ctx)),
        Err(e) => {
            tracing::error!(error = %e, "reading an application failed");
            return Err(sorry(ctx.lang));
        }
    };
    let viewer = match &ctx.principal {
        Principal::Citizen { phone, .. } if *phone == record.phone => Viewer::Applicant,
        Principal::Staff { .. } | Principal::Key { .. }
            if ctx.principal.require(&STAFF).is_ok() && in_scope(&ctx.principal.scope(), &record) =>
        {
            Viewer::Official
        }
        // Someone else's application does not exist, as far as the caller can tell.
        _ => return Err(not_found(ctx)),
    };
    Ok((ctx, record, viewer))
}

fn details<S>(state: &AppState<S>, lang: Lang, record: &ApplicationRecord, now: OffsetDateTime) -> String {
    let app = &record.application;
    let zone = state.config.zone;
    let last_day = zone.last_day(app.valid_to);
    let kind = match &app.vehicle_plate {
        Some(plate) => format!("{} ({})", lang.t("kind.vehicle"), escape(plate)),
        None => lang.t("kind.person").to_owned(),
    };
    let submitted = zone.display(record.created_at);
    let mut html = format!(
        "<dl><dt>{purpose_l}</dt><dd>{purpose}</dd><dt>{journey_l}</dt><dd>{from} → {to}</dd>\
         <dt>{dates_l}</dt><dd>{start} – {last_day}</dd><dt>{holder_l}</dt><dd>{holder}</dd>\
         <dt>{id_l}</dt><dd>{masked}</dd><dt>{kind_l}</dt><dd>{kind}</dd><dt>{submitted_l}</dt><dd>{submitted}</dd>",
        purpose_l = lang.t("application.purpose"),
        purpose = escape(&purpose_name(state, lang, &app.purpose)),
        journey_l = lang.t("apply.journey"),
        from = escape(&app.from_zone),
        to = escape(&app.to_zone),
        dates_l = lang.t("application.dates"),
        start = zone.date_of(app.valid_from),
        holder_l = lang.t("pass.holder"),
        holder = escape(&app.holder),
        id_l = lang.t("check.masked_id"),
        masked = escape(&app.masked_id),
        kind_l = lang.t("application.kind"),
        submitted_l = lang.t("application.submitted"),
    );
    if record.status == ApplicationStatus::Review {
        html.push_str(&format!(
            "<dt>{}</dt><dd>{}</dd>",
            lang.t("application.waiting"),
            waited(lang, record.created_at, now)
        ));
    }
    if let Some(doc) = &record.document {
        html.push_str(&format!(
            "<dt>{}</dt><dd><a href=\"/applications/{}/document\">{}</a> ({}, {} KB)</dd>",
            lang.t("document"),
            record.id,
            lang.t("application.document.open"),
            doc.kind.content_type(),
            doc.bytes.div_ceil(1024)
        ));
    }
    html.push_str("</dl>");
    html
}

pub async fn application_page<S: Store>(
    State(state): State<AppState<S>>,
    Path(id): Path<i64>,
    Query(query): Q,
    headers: HeaderMap,
) -> Response {
    let ctx = page_ctx!(state, headers, query);
    let here = format!("/applications/{id}");
    let (ctx, record, viewer) = match visible(&state, ctx, id, &here).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let errors: Vec<(String, String)> = Vec::new();
    let body = match render_application(&state, &ctx, &record, viewer, &query, &errors).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let title = format!("{} {}", ctx.t("application.title"), reference(id));
    ctx.render(StatusCode::OK, &title, &body, Some(&here))
}

async fn render_application<S: Store>(
    state: &AppState<S>,
    ctx: &PageCtx,
    record: &ApplicationRecord,
    viewer: Viewer,
    query: &HashMap<String, String>,
    errors: &[(String, String)],
) -> Result<String, Response> {
    let lang = ctx.lang;
    let now = (state.clock)();
    let mut body = error_summary(lang, errors);
    if let Some(decided) = query.get("decided").and_then(|d| d.parse::<i64>().ok()) {
        body.push_str(&crate::kit::notice(&lang.t("application.decided").replace("{ref}", &reference(decided))));
    }
    body.push_str(&format!(
        "<h1>{} {}</h1><p>{}</p>",
        lang.t("application.title"),
        reference(record.id),
        status_tag(lang, record.status)
    ));
    let reason = if lang == Lang::Ko { &record.reason_ko } else { &record.reason_en };
    match (viewer, record.status) {
        (Viewer::Applicant, ApplicationStatus::Approved) => {
            if let Some(index) = record.status_index {
                let pass = surge_app::passes::by_status_index(&state.store, index).await.map_err(|e| {
                    tracing::error!(error = %e, "reading an application's pass failed");
                    sorry(lang)
                })?;
                let qr = crate::kit::qr_named(
                    &state.qr_cache.get_or_render(pass.status_index, &pass.token),
                    lang.t("qr.pass"),
                );
                body.push_str(&format!(
                    "<div class=\"panel\"><p>{}</p></div><div class=\"qr\">{qr}</div>\
                     <dl><dt>{}</dt><dd class=\"code\">{}</dd><dt>{}</dt><dd>{}</dd></dl><p>{}</p>",
                    lang.t("application.approved_body"),
                    lang.t("pass.code"),
                    escape(&pass.grouped_code()),
                    lang.t("pass.zones"),
                    escape(&pass.zones.join(", ")),
                    lang.t("pass.show"),
                ));
            }
        }
        (Viewer::Applicant, ApplicationStatus::Review) => {
            body.push_str(&format!("<p>{}</p>", lang.t("application.review_body")));
        }
        (_, ApplicationStatus::Rejected) => {
            body.push_str(&format!(
                "<div class=\"inset\"><h2>{}</h2><p>{}</p></div>",
                lang.t("application.reason"),
                escape(reason)
            ));
        }
        _ => {}
    }
    body.push_str(&details(state, lang, record, now));
    if viewer == Viewer::Official {
        body.push_str(&format!("<h2>{}</h2>", lang.t("application.rule")));
        match record.rule.as_deref() {
            Some(rule) => body.push_str(&format!("<p><strong>{}</strong>: {}</p>", escape(rule), escape(reason))),
            // No rule decided: the policy's default sent it to an official.
            None => body.push_str(&format!("<p>{}</p>", lang.t("application.no_rule"))),
        }
        body.push_str(&other_passes(state, ctx, record, now).await?);
        if let Some(by) = &record.decided_by {
            body.push_str(&format!("<p>{} {}</p>", lang.t("application.decided_by"), escape(by)));
        }
        if record.status == ApplicationStatus::Review {
            body.push_str(&decision_form(ctx, record.id, errors));
        }
        body.push_str(&format!("<p><a href=\"/applications\">{}</a></p>", lang.t("applications.title")));
    } else {
        body.push_str(&format!("<p><a href=\"/account\">{}</a></p>", lang.t("nav.account")));
    }
    Ok(body)
}

/// The applicant's passes in force (or about to be), which the official sees before deciding: one person holds at
/// most one, so approving would fail while one is active.
async fn other_passes<S: Store>(
    state: &AppState<S>,
    ctx: &PageCtx,
    record: &ApplicationRecord,
    now: OffsetDateTime,
) -> Result<String, Response> {
    let passes = surge_app::passes::holder_passes(&state.store, &record.phone).await.map_err(|e| {
        tracing::error!(error = %e, "reading the applicant's passes failed");
        sorry(ctx.lang)
    })?;
    let active: Vec<_> = passes
        .iter()
        .filter(|p| p.active && p.status != surge_app::PassStatus::Revoked && p.expires > now)
        .filter(|p| record.status_index != Some(p.status_index))
        .collect();
    let mut html = format!("<h2>{}</h2>", ctx.t("application.other_passes"));
    if active.is_empty() {
        html.push_str(&format!("<p>{}</p>", ctx.t("application.other_passes.none")));
        return Ok(html);
    }
    html.push_str("<ul>");
    for pass in active {
        html.push_str(&format!(
            "<li><a href=\"/passes/{index}\">{holder}</a>, {from} – {until} {tag}</li>",
            index = pass.status_index,
            holder = escape(&pass.holder),
            from = ctx.zone.date_of(pass.not_before),
            until = ctx.zone.last_day(pass.expires),
            tag = crate::passes::holder::status_tag(ctx, pass, now),
        ));
    }
    html.push_str("</ul>");
    Ok(html)
}

fn decision_form(ctx: &PageCtx, id: i64, errors: &[(String, String)]) -> String {
    let lang = ctx.lang;
    format!(
        "<h2>{title}</h2><form method=\"post\" action=\"/applications/{id}/decision\" novalidate>{csrf}\
         <div class=\"field{action_error}\" id=\"action\"><fieldset><legend class=\"visually-hidden\">{title}</legend>\
         <div class=\"radio\"><input type=\"radio\" id=\"action-approve\" name=\"action\" value=\"approve\">\
         <label for=\"action-approve\">{approve}</label></div>\
         <div class=\"radio\"><input type=\"radio\" id=\"action-reject\" name=\"action\" value=\"reject\">\
         <label for=\"action-reject\">{reject}</label></div></fieldset></div>{reason}\
         <button type=\"submit\">{submit}</button></form>",
        title = lang.t("application.decide"),
        csrf = ctx.csrf_input(),
        action_error = if error_for(errors, "action").is_some() { " field-error" } else { "" },
        approve = lang.t("application.approve"),
        reject = lang.t("application.reject"),
        reason = field(
            lang,
            &Field {
                name: "reason",
                label: lang.t("application.reject_reason"),
                hint: lang.t("application.reject_reason.hint"),
                kind: "textarea",
                ..Field::default()
            },
            error_for(errors, "reason"),
        ),
        submit = lang.t("application.decide.submit"),
    )
}

pub async fn decision_submit<S: Store>(
    State(state): State<AppState<S>>,
    Path(id): Path<i64>,
    Query(query): Q,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let ctx = form_ctx!(state, headers, query, form);
    let here = format!("/applications/{id}");
    let (ctx, record, viewer) = match visible(&state, ctx, id, &here).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    if viewer != Viewer::Official {
        return ctx.refuse(&here);
    }
    let Some(signer) = state.signer.clone() else {
        tracing::error!("applications are not configured: no signer");
        return sorry(ctx.lang);
    };
    let lang = ctx.lang;
    let approve = match form.get("action").map(String::as_str) {
        Some("approve") => true,
        Some("reject") => false,
        _ => {
            let errors = vec![("action".to_owned(), ctx.t("application.choose").to_owned())];
            return rerender(&state, ctx, &record, &errors).await;
        }
    };
    let (actor, scope) = (ctx.principal.actor(), ctx.principal.scope());
    let official = surge_app::Official { actor: &actor, phone: ctx.principal.own_phone(), scope: &scope };
    let reason = form.get("reason").map(String::as_str).unwrap_or("");
    let result = surge_app::applications::decide_application(
        &state.store,
        &signer,
        &mut rand_core::OsRng,
        id,
        approve,
        reason,
        &official,
        lang.code(),
        (state.clock)(),
    )
    .await;
    let message = |key: &str| vec![("action".to_owned(), lang.t(key).to_owned())];
    match result {
        Ok(_) => match review_queue(&state.store, &scope, Some(id), 1).await {
            Ok(next) if !next.is_empty() => ctx.redirect(&format!("/applications/{}?decided={id}", next[0].id)),
            _ => ctx.redirect(&format!("/applications?decided={id}")),
        },
        Err(AppError::InvalidForm(problems)) => {
            let errors = field_errors(lang, &problems);
            rerender(&state, ctx, &record, &errors).await
        }
        Err(AppError::OwnCase) => rerender(&state, ctx, &record, &message("application.own_case")).await,
        Err(AppError::ActivePassExists) => rerender(&state, ctx, &record, &message("application.active_pass")).await,
        Err(AppError::Conflict) => {
            let fresh = surge_app::applications::application(&state.store, id).await.unwrap_or(record);
            rerender(&state, ctx, &fresh, &message("decision.conflict")).await
        }
        Err(e) => {
            tracing::error!(error = ?e, "deciding an application failed");
            sorry(lang)
        }
    }
}

async fn rerender<S: Store>(
    state: &AppState<S>,
    ctx: PageCtx,
    record: &ApplicationRecord,
    errors: &[(String, String)],
) -> Response {
    let body = match render_application(state, &ctx, record, Viewer::Official, &HashMap::new(), errors).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let title = format!("{} {} {}", ctx.t("error.prefix"), ctx.t("application.title"), reference(record.id));
    ctx.render(StatusCode::UNPROCESSABLE_ENTITY, &title, &body, None)
}

pub async fn queue_page<S: Store>(State(state): State<AppState<S>>, Query(query): Q, headers: HeaderMap) -> Response {
    let ctx = page_ctx!(state, headers, query);
    if matches!(ctx.principal, Principal::Citizen { .. }) {
        return ctx.redirect("/account");
    }
    if ctx.principal.require(&STAFF).is_err() {
        return ctx.refuse_staff("/applications");
    }
    let lang = ctx.lang;
    let after = query.get("after").and_then(|a| a.parse().ok());
    let queue = match review_queue(&state.store, &ctx.principal.scope(), after, 50).await {
        Ok(queue) => queue,
        Err(e) => {
            tracing::error!(error = %e, "listing the application queue failed");
            return sorry(lang);
        }
    };
    let now = (state.clock)();
    let mut body = String::new();
    if let Some(decided) = query.get("decided").and_then(|d| d.parse::<i64>().ok()) {
        body.push_str(&crate::kit::notice(&lang.t("application.decided").replace("{ref}", &reference(decided))));
    }
    body.push_str(&format!("<h1>{}</h1><p>{}</p>", lang.t("applications.title"), lang.t("applications.lead")));
    if queue.is_empty() {
        body.push_str(&format!("<p>{}</p>", lang.t("applications.none")));
    } else {
        body.push_str(&format!(
            "<div class=\"scroll\" tabindex=\"0\"><table class=\"wide\"><caption class=\"visually-hidden\">{caption}</caption><thead><tr>\
             <th scope=\"col\">{r}</th><th scope=\"col\">{p}</th><th scope=\"col\">{j}</th>\
             <th scope=\"col\">{d}</th><th scope=\"col\">{w}</th></tr></thead><tbody>",
            caption = lang.t("applications.title"),
            r = lang.t("application.reference"),
            p = lang.t("application.purpose"),
            j = lang.t("apply.journey"),
            d = lang.t("application.dates"),
            w = lang.t("application.waiting"),
        ));
        for record in &queue {
            let app = &record.application;
            body.push_str(&format!(
                "<tr><td><a href=\"/applications/{id}\">{reference}</a></td><td>{purpose}</td>\
                 <td>{from} → {to}</td><td>{start} – {end}</td><td>{waited}</td></tr>",
                id = record.id,
                reference = reference(record.id),
                purpose = escape(&purpose_name(&state, lang, &app.purpose)),
                from = escape(&app.from_zone),
                to = escape(&app.to_zone),
                start = ctx.zone.date_of(app.valid_from),
                end = ctx.zone.last_day(app.valid_to),
                waited = waited(lang, record.created_at, now),
            ));
        }
        body.push_str("</tbody></table></div>");
        if queue.len() == 50 {
            if let Some(last) = queue.last() {
                body.push_str(&format!(
                    "<p><a href=\"/applications?after={}\">{}</a></p>",
                    last.id,
                    lang.t("applications.more")
                ));
            }
        }
    }
    let title = lang.t("applications.title");
    ctx.render(StatusCode::OK, title, &body, Some("/applications"))
}

/// The supporting document, to its applicant and the officials who may decide it; never cached, never sniffed,
/// always downloaded rather than shown in the page's origin.
pub async fn document<S: Store>(
    State(state): State<AppState<S>>,
    Path(id): Path<i64>,
    Query(query): Q,
    headers: HeaderMap,
) -> Response {
    let ctx = page_ctx!(state, headers, query);
    let here = format!("/applications/{id}/document");
    let (ctx, record, _) = match visible(&state, ctx, id, &here).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let (Some(doc), Some(dir)) = (&record.document, &state.documents_dir) else { return not_found(ctx) };
    match tokio::fs::read(dir.join(&doc.key)).await {
        Ok(bytes) => {
            let extension = match doc.kind {
                DocumentKind::Pdf => "pdf",
                DocumentKind::Jpeg => "jpg",
                DocumentKind::Png => "png",
            };
            (
                [
                    (CONTENT_TYPE, doc.kind.content_type().to_owned()),
                    (CONTENT_DISPOSITION, format!("attachment; filename=\"application-{id}.{extension}\"")),
                    (X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
                    (axum::http::header::CACHE_CONTROL, "private, no-store".to_owned()),
                ],
                bytes,
            )
                .into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, application_id = id, "a supporting document is missing");
            not_found(ctx)
        }
    }
}

/// The citizen's applications for the account page, newest last.
pub async fn citizen_list<S: Store>(state: &AppState<S>, lang: Lang, phone: &str) -> Result<String, AppError> {
    let applications = surge_app::applications::of_citizen(&state.store, phone).await?;
    let mut html = format!("<h2>{}</h2>", lang.t("account.applications"));
    if applications.is_empty() {
        html.push_str(&format!("<p>{}</p>", lang.t("account.no_applications")));
    } else {
        html.push_str("<ul>");
        for record in &applications {
            html.push_str(&format!(
                "<li><a href=\"/applications/{id}\">{reference}</a> {purpose} {tag}</li>",
                id = record.id,
                reference = reference(record.id),
                purpose = escape(&purpose_name(state, lang, &record.application.purpose)),
                tag = status_tag(lang, record.status),
            ));
        }
        html.push_str("</ul>");
    }
    html.push_str(&format!("<p><a href=\"/apply\">{}</a></p>", lang.t("account.apply")));
    Ok(html)
}
