//! Organisation pages: the status page (the admin's view, and the official's with the screening findings and the
//! decision form), the staff list upload with every bad row listed, the issuing progress page (the only script:
//! it refreshes the bar; without it the page says to reload), and the officials' screening queue with filters and
//! bulk approval. After a decision an official goes straight to the next organisation in the queue.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use surge_app::{AppError, BatchRecord, BatchStatus, OrgFilter, OrganisationRecord, Role, Store};
use surge_domain::{OrgStatus, RowError, Transition};

use crate::AppState;
use crate::access::auth::Principal;
use crate::i18n::Lang;
use crate::kit::ctx::{Field, PageCtx, error_for, error_summary, field, not_found, sorry};
use crate::kit::escape;

type Q = Query<HashMap<String, String>>;

/// Who may see a batch: admins, officials within their scope, and its organisation's own admin.
const BATCH_ROLES: [Role; 3] = [Role::Admin, Role::Official, Role::OrganisationAdmin];

/// A batch and its organisation, if the caller may see them; otherwise the response to send (sign in, not found,
/// refused). `here` is where sign-in comes back to.
pub(crate) async fn visible_batch<S: Store>(
    state: &AppState<S>,
    ctx: PageCtx,
    id: i64,
    here: &str,
) -> Result<(PageCtx, BatchRecord, OrganisationRecord), Response> {
    if ctx.principal.require(&BATCH_ROLES).is_err() {
        return Err(ctx.refuse(here));
    }
    let batch = match surge_app::organisations::batch(&state.store, id).await {
        Ok(batch) => batch,
        Err(AppError::NotFound) => return Err(not_found(ctx)),
        Err(e) => {
            tracing::error!(error = %e, "reading a batch failed");
            return Err(sorry(ctx.lang));
        }
    };
    let (ctx, org) = visible_org(state, ctx, batch.organisation_id, &BATCH_ROLES, here).await?;
    Ok((ctx, batch, org))
}

/// The organisation, if the caller may see it; otherwise the response to send.
pub(crate) async fn visible_org<S: Store>(
    state: &AppState<S>,
    ctx: PageCtx,
    id: i64,
    roles: &[Role],
    here: &str,
) -> Result<(PageCtx, OrganisationRecord), Response> {
    if ctx.principal.require(roles).is_err() {
        return Err(ctx.refuse(here));
    }
    let org = match surge_app::organisations::organisation(&state.store, id).await {
        Ok(org) => org,
        Err(AppError::NotFound) => return Err(not_found(ctx)),
        Err(e) => {
            tracing::error!(error = %e, "reading an organisation failed");
            return Err(sorry(ctx.lang));
        }
    };
    if ctx.principal.require_for(&org).is_err() {
        return Err(ctx.refuse(here));
    }
    Ok((ctx, org))
}

fn status_tag(lang: Lang, status: &OrgStatus) -> String {
    format!("<span class=\"tag {}\">{}</span>", status.code(), lang.status(status.code()))
}

fn batches_table(ctx: &PageCtx, batches: &[BatchRecord]) -> String {
    let lang = ctx.lang;
    if batches.is_empty() {
        return format!("<p>{}</p>", lang.t("org.no_batches"));
    }
    let mut html = format!(
        "<div class=\"scroll\" tabindex=\"0\"><table><caption class=\"visually-hidden\">{}</caption><thead><tr><th scope=\"col\">{}</th>\
         <th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        lang.t("org.batches"),
        lang.t("batch.uploaded"),
        lang.t("batch.rows"),
        lang.t("batch.issued"),
        lang.t("batch.failed"),
        lang.t("batch.status"),
    );
    for b in batches {
        html.push_str(&format!(
            "<tr><td><a href=\"/batches/{id}\">{when}</a></td><td>{rows}</td><td>{issued}</td><td>{failed}</td><td>{status}</td></tr>",
            id = b.id,
            when = ctx.when(b.created_at),
            rows = b.rows,
            issued = b.issued,
            failed = b.failed,
            status = lang.t(if b.status == BatchStatus::Completed { "batch.completed" } else { "batch.issuing" }),
        ));
    }
    html.push_str("</tbody></table></div>");
    html
}

fn findings_table(lang: Lang, org: &OrganisationRecord) -> String {
    let mut html = format!(
        "<h2>{}</h2><div class=\"scroll\" tabindex=\"0\"><table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        lang.t("org.checks"),
        lang.t("org.check"),
        lang.t("org.result"),
        lang.t("org.detail"),
    );
    for (rule, passed, detail) in &org.findings {
        html.push_str(&format!(
            "<tr><td>{}</td><td><span class=\"tag {}\">{}</span></td><td>{}</td></tr>",
            lang.rule(rule),
            if *passed { "approved" } else { "rejected" },
            lang.t(if *passed { "org.passed" } else { "org.failed" }),
            escape(&lang.finding_detail(detail)),
        ));
    }
    html.push_str("</tbody></table></div>");
    html
}

/// The official's decision form: one choice, with the quota, reason or question it needs.
fn decision_form(
    ctx: &PageCtx,
    org: &OrganisationRecord,
    form: &HashMap<String, String>,
    errors: &[(String, String)],
) -> String {
    let chosen = form.get("action").map(String::as_str).unwrap_or("");
    // One choice at a time: each choice's own field sits under it and shows only once it is chosen (CSS alone, so
    // without scripts too; a browser without :has shows them all).
    let radio = |value: &str, label: &str, conditional: String| {
        let checked = if chosen == value { " checked" } else { "" };
        format!(
            "<div class=\"option\"><div class=\"radio\"><input type=\"radio\" id=\"action-{value}\" name=\"action\" \
             value=\"{value}\"{checked}><label for=\"action-{value}\">{label}</label></div>\
             <div class=\"conditional\">{conditional}</div></div>"
        )
    };
    let quota = form.get("quota").cloned().unwrap_or_else(|| org.requested_quota.to_string());
    let quota_field = field(
        ctx.lang,
        &Field {
            name: "quota",
            label: ctx.t("decision.quota"),
            hint: ctx.t("decision.quota.hint"),
            kind: "text",
            value: &quota,
            attributes: " inputmode=\"numeric\"",
            ..Field::default()
        },
        error_for(errors, "quota"),
    );
    let reason_field = field(
        ctx.lang,
        &Field {
            name: "reason",
            label: ctx.t("decision.reason"),
            hint: ctx.t("decision.reason.hint"),
            kind: "textarea",
            value: form.get("reason").map(String::as_str).unwrap_or(""),
            ..Field::default()
        },
        error_for(errors, "reason"),
    );
    let question_field = field(
        ctx.lang,
        &Field {
            name: "question",
            label: ctx.t("decision.question"),
            kind: "textarea",
            value: form.get("question").map(String::as_str).unwrap_or(""),
            ..Field::default()
        },
        error_for(errors, "question"),
    );
    let action_error = error_for(errors, "action")
        .map(|m| format!("<p class=\"error-message\" id=\"action-error\">{}</p>", escape(m)))
        .unwrap_or_default();
    format!(
        "<h2>{title}</h2><form method=\"post\" action=\"/organisations/{id}/decision\" novalidate>{csrf}\
         <fieldset id=\"action\" class=\"{fs_class}\"><legend>{legend}</legend>{action_error}{a}{r}{q}</fieldset>\
         <button type=\"submit\">{save}</button></form>",
        title = ctx.t("decision.title"),
        id = org.id,
        csrf = ctx.csrf_input(),
        fs_class = if action_error.is_empty() { "" } else { "field-error" },
        legend = ctx.t("decision.legend"),
        a = radio("approve", ctx.t("decision.approve"), quota_field),
        r = radio("reject", ctx.t("decision.reject"), reason_field),
        q = radio("ask", ctx.t("decision.ask"), question_field),
        save = ctx.t("decision.save"),
    )
}

async fn render_org<S: Store>(
    state: &AppState<S>,
    ctx: PageCtx,
    org: &OrganisationRecord,
    form: &HashMap<String, String>,
    errors: &[(String, String)],
    notice: Option<String>,
) -> Response {
    let lang = ctx.lang;
    let staff = ctx.principal.is_staff();
    let is_admin_of_org = matches!(ctx.principal, Principal::Citizen { .. } | Principal::Key { .. })
        || ctx.principal.role() == Some(Role::Admin);
    let official = matches!(ctx.principal.role(), Some(Role::Admin | Role::Official));
    let mut body = error_summary(lang, errors);
    if let Some(notice) = notice {
        body.push_str(&crate::kit::notice(&escape(&notice)));
    }
    body.push_str(&format!(
        "<p class=\"hint\">{ref_label} {id}</p><h1>{name}</h1><dl>\
         <dt>{status_l}</dt><dd>{status}</dd><dt>{cat_l}</dt><dd>{cat}</dd><dt>{zone_l}</dt><dd>{zone}</dd>\
         <dt>{number_l}</dt><dd>{number}</dd><dt>{address_l}</dt><dd>{address}</dd>\
         <dt>{phone_l}</dt><dd>{phone}</dd><dt>{email_l}</dt><dd>{email}</dd>\
         <dt>{req_l}</dt><dd>{req}</dd>{quota}<dt>{used_l}</dt><dd>{used}</dd><dt>{reg_l}</dt><dd>{reg}</dd></dl>",
        ref_label = lang.t("done.reference"),
        id = org.id,
        name = escape(&org.legal_name),
        status_l = lang.t("org.status"),
        status = status_tag(lang, &org.status),
        cat_l = lang.t("category"),
        cat = escape(&lang.category(&org.category)),
        zone_l = lang.t("org.zone"),
        zone = escape(&lang.listed_zone(&state.config.zones, &org.zone)),
        // Every fact the organisation gave, so that an official decides on more than "format valid".
        number_l = lang.t("registry_number"),
        number = escape(&state.config.registry_scheme.display(&org.registry_number)),
        address_l = lang.t("address"),
        address = escape(&org.address),
        phone_l = lang.t("contact_phone"),
        phone = surge_domain::Phone::from_stored(&org.contact_phone).map_or_else(
            |_| escape(&org.contact_phone),
            |p| format!("<a href=\"tel:{}\">{}</a>", escape(p.as_str()), escape(&p.national())),
        ),
        email_l = lang.t("contact_email"),
        email = escape(&org.contact_email),
        req_l = lang.t("requested_quota"),
        req = org.requested_quota,
        quota = org.quota().map(|q| format!("<dt>{}</dt><dd>{q}</dd>", lang.t("org.quota"))).unwrap_or_default(),
        used_l = lang.t("org.used"),
        used = org.passes_used,
        reg_l = lang.t("org.registered"),
        reg = ctx.when(org.created_at),
    ));
    match &org.status {
        OrgStatus::Rejected { reason } => body.push_str(&format!(
            "<div class=\"inset\"><h2>{}</h2><p>{}</p></div>",
            lang.t("org.reason"),
            escape(reason)
        )),
        OrgStatus::InfoRequested { question } => {
            body.push_str(&format!(
                "<div class=\"inset\"><h2>{}</h2><p>{}</p></div>",
                lang.t("org.question"),
                escape(question)
            ));
            if !staff || is_admin_of_org {
                body.push_str(&format!(
                    "<form method=\"post\" action=\"/organisations/{}/decision\">{}<input type=\"hidden\" name=\"action\" \
                     value=\"resubmit\"><p>{}</p><button type=\"submit\">{}</button></form>",
                    org.id,
                    ctx.csrf_input(),
                    lang.t("org.resubmit.lead"),
                    lang.t("org.resubmit"),
                ));
            }
        }
        OrgStatus::Suspended { reason, .. } => {
            body.push_str(&format!(
                "<div class=\"inset\"><h2>{}</h2><p>{}</p></div>",
                lang.t("org.suspended"),
                escape(reason)
            ));
            if official {
                body.push_str(&format!(
                    "<form method=\"post\" action=\"/organisations/{}/decision\">{}<input type=\"hidden\" name=\"action\" \
                     value=\"reinstate\"><p>{}</p><button type=\"submit\">{}</button></form>",
                    org.id,
                    ctx.csrf_input(),
                    lang.t("org.reinstate.lead"),
                    lang.t("org.reinstate"),
                ));
            }
        }
        OrgStatus::Approved { .. } if official => body.push_str(&format!(
            "<p><a href=\"/organisations/{}/suspend\">{}</a></p>",
            org.id,
            lang.t("org.suspend")
        )),
        OrgStatus::InReview | OrgStatus::Approved { .. } | OrgStatus::AwaitingContact => {}
    }
    if staff {
        body.push_str(&findings_table(lang, org));
        if matches!(org.status, OrgStatus::InReview | OrgStatus::InfoRequested { .. }) {
            body.push_str(&decision_form(&ctx, org, form, errors));
        }
    }
    if org.was_approved() {
        let batches = match surge_app::organisations::batches_of(&state.store, org.id).await {
            Ok(batches) => batches,
            Err(e) => {
                tracing::error!(error = %e, "listing batches failed");
                return sorry(lang);
            }
        };
        body.push_str(&format!("<h2>{}</h2>", lang.t("org.batches")));
        if org.quota().is_some() && (!staff || ctx.principal.role() == Some(Role::Admin)) {
            body.push_str(&format!(
                "<p><a href=\"/organisations/{}/upload\">{}</a></p>",
                org.id,
                lang.t("org.upload_link")
            ));
        }
        body.push_str(&batches_table(&ctx, &batches));
        body.push_str(&format!(
            "<p><a href=\"/organisations/{}/passes\">{}</a></p>",
            org.id,
            lang.t("passes.org.title")
        ));
    }
    let title = if errors.is_empty() {
        org.legal_name.clone()
    } else {
        format!("{} {}", lang.t("error.prefix"), org.legal_name)
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let path = format!("/organisations/{}", org.id);
    ctx.render(status, &title, &body, Some(&path))
}

pub async fn organisation_page<S: Store>(
    State(state): State<AppState<S>>,
    Path(id): Path<i64>,
    Query(query): Q,
    headers: HeaderMap,
) -> Response {
    let ctx = page_ctx!(state, headers, query);
    let here = format!("/organisations/{id}");
    let roles = [Role::Admin, Role::Official, Role::OrganisationAdmin];
    let (ctx, org) = match visible_org(&state, ctx, id, &roles, &here).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let notice = if query.contains_key("changed") {
        Some(ctx.t("org.status.changed").to_owned())
    } else {
        query.get("decided").map(|_| ctx.t("decision.saved").to_owned())
    };
    render_org(&state, ctx, &org, &HashMap::new(), &[], notice).await
}

/// The one question suspending asks: why. The organisation reads the reason.
fn suspend_form(
    ctx: PageCtx,
    org: &OrganisationRecord,
    form: &HashMap<String, String>,
    errors: &[(String, String)],
) -> Response {
    let mut body = error_summary(ctx.lang, errors);
    body.push_str(&format!(
        "<p class=\"hint\">{name}</p><h1>{title}</h1><p>{lead}</p>\
         <form method=\"post\" action=\"/organisations/{id}/decision\" novalidate>{csrf}\
         <input type=\"hidden\" name=\"action\" value=\"suspend\">{reason}\
         <button type=\"submit\" class=\"danger\">{button}</button> <a href=\"/organisations/{id}\">{cancel}</a></form>",
        name = escape(&org.legal_name),
        title = ctx.t("org.suspend"),
        lead = ctx.t("org.suspend.lead"),
        id = org.id,
        csrf = ctx.csrf_input(),
        reason = field(
            ctx.lang,
            &Field {
                name: "reason",
                label: ctx.t("org.suspend.reason"),
                hint: ctx.t("org.suspend.reason.hint"),
                kind: "textarea",
                value: form.get("reason").map(String::as_str).unwrap_or(""),
                ..Field::default()
            },
            error_for(errors, "reason"),
        ),
        button = ctx.t("org.suspend"),
        cancel = ctx.t("cancel"),
    ));
    let title = ctx.t("org.suspend");
    ctx.render_form(title, errors, &body, &format!("/organisations/{}/suspend", org.id))
}

pub async fn suspend_page<S: Store>(
    State(state): State<AppState<S>>,
    Path(id): Path<i64>,
    Query(query): Q,
    headers: HeaderMap,
) -> Response {
    let ctx = page_ctx!(state, headers, query);
    let here = format!("/organisations/{id}/suspend");
    let (ctx, org) = match visible_org(&state, ctx, id, &[Role::Admin, Role::Official], &here).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    if !matches!(org.status, OrgStatus::Approved { .. }) {
        return ctx.redirect(&format!("/organisations/{id}"));
    }
    suspend_form(ctx, &org, &HashMap::new(), &[])
}

/// The transition a decision form asks for, or the form's errors.
fn transition_from(lang: Lang, form: &HashMap<String, String>) -> Result<Transition, Vec<(String, String)>> {
    let text = |name: &str| form.get(name).map(|v| v.trim().to_owned()).unwrap_or_default();
    let error = |field: &str, key: &str| Err(vec![(field.to_owned(), lang.t(key).to_owned())]);
    match text("action").as_str() {
        "approve" => match text("quota").parse::<u32>() {
            Ok(quota) if (1..=1_000_000).contains(&quota) => Ok(Transition::Approve { quota }),
            _ => error("quota", "decision.quota.invalid"),
        },
        "reject" if text("reason").is_empty() => error("reason", "decision.reason.missing"),
        "reject" => Ok(Transition::Reject { reason: text("reason") }),
        "ask" if text("question").is_empty() => error("question", "decision.question.missing"),
        "ask" => Ok(Transition::AskForInformation { question: text("question") }),
        "resubmit" => Ok(Transition::Resubmit),
        "suspend" if text("reason").is_empty() => error("reason", "org.suspend.reason.missing"),
        "suspend" => Ok(Transition::Suspend { reason: text("reason") }),
        "reinstate" => Ok(Transition::Reinstate),
        _ => error("action", "decision.action.missing"),
    }
}

/// The next organisation in review after `after` that the caller may decide on.
async fn next_in_queue<S: Store>(state: &AppState<S>, principal: &Principal, after: i64) -> Option<i64> {
    surge_app::organisations::next_in_review(&state.store, &principal.scope(), after).await.ok().flatten()
}

pub async fn decision_submit<S: Store>(
    State(state): State<AppState<S>>,
    Path(id): Path<i64>,
    Query(query): Q,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let ctx = form_ctx!(state, headers, query, form);
    let resubmit = form.get("action").map(String::as_str) == Some("resubmit");
    let roles: &[Role] =
        if resubmit { &[Role::Admin, Role::Official, Role::OrganisationAdmin] } else { &[Role::Admin, Role::Official] };
    let here = format!("/organisations/{id}");
    let (ctx, org) = match visible_org(&state, ctx, id, roles, &here).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let suspending = form.get("action").map(String::as_str) == Some("suspend");
    let transition = match transition_from(ctx.lang, &form) {
        Ok(t) => t,
        Err(errors) if suspending => return suspend_form(ctx, &org, &form, &errors),
        Err(errors) => return render_org(&state, ctx, &org, &form, &errors, None).await,
    };
    // Suspending and reinstating are not screening: the official stays on the organisation.
    let screening = !matches!(transition, Transition::Suspend { .. } | Transition::Reinstate);
    let (actor, scope) = (ctx.principal.actor(), ctx.principal.scope());
    let official = surge_app::Official { actor: &actor, phone: ctx.principal.own_phone(), scope: &scope };
    match surge_app::decide(&state.store, id, &transition, &official, (state.clock)()).await {
        Ok(_) if resubmit || !ctx.principal.is_staff() => ctx.redirect(&here),
        Ok(_) if !screening => ctx.redirect(&format!("{here}?changed=1")),
        Ok(_) => match next_in_queue(&state, &ctx.principal, id).await {
            Some(next) => ctx.redirect(&format!("/organisations/{next}?decided={id}")),
            None => ctx.redirect(&format!("/screening?decided={id}")),
        },
        Err(AppError::Transition(_) | AppError::Conflict) => {
            let errors = vec![("action".to_owned(), ctx.t("decision.conflict").to_owned())];
            let fresh = surge_app::organisations::organisation(&state.store, id).await.unwrap_or(org);
            render_org(&state, ctx, &fresh, &form, &errors, None).await
        }
        Err(AppError::OwnCase) => {
            let errors = vec![("action".to_owned(), ctx.t("decision.own_case").to_owned())];
            render_org(&state, ctx, &org, &form, &errors, None).await
        }
        Err(e) => {
            tracing::error!(error = ?e, "deciding failed");
            sorry(ctx.lang)
        }
    }
}

fn upload_form(ctx: &PageCtx, org: &OrganisationRecord, errors: &[(String, String)], rows: &[RowError]) -> String {
    let lang = ctx.lang;
    let mut html = error_summary(lang, errors);
    html.push_str(&format!(
        "<p class=\"hint\">{}</p><h1>{}</h1><p>{}</p><ul><li><code>name</code>, <code>phone</code>, <code>id_last4</code>, \
         <code>zones</code>, <code>valid_from</code>, <code>valid_to</code>, <code>vehicle_plate</code> ({})</li></ul><p>{}</p>",
        escape(&org.legal_name),
        lang.t("upload.title"),
        lang.t("upload.lead"),
        lang.t("upload.optional"),
        lang.t("upload.rules"),
    ));
    if !rows.is_empty() {
        html.push_str(&format!(
            "<h2>{}</h2><div class=\"scroll\" tabindex=\"0\"><table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
            lang.t("upload.problems"),
            lang.t("upload.line"),
            lang.t("upload.column"),
            lang.t("upload.problem"),
        ));
        for row in rows.iter().take(SHOWN_ROWS) {
            html.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                row.line,
                escape(row.column.unwrap_or("")),
                escape(&row.reason)
            ));
        }
        html.push_str("</tbody></table></div>");
        if rows.len() > SHOWN_ROWS {
            html.push_str(&format!(
                "<p>{}</p>",
                lang.t("upload.more").replace("{n}", &(rows.len() - SHOWN_ROWS).to_string())
            ));
        }
    }
    html.push_str(&format!(
        "<form method=\"post\" action=\"/organisations/{id}/upload\" enctype=\"multipart/form-data\" novalidate>{csrf}{file}\
         <div class=\"field\"><div class=\"radio\"><input type=\"checkbox\" id=\"renew\" name=\"renew\" value=\"yes\" \
         aria-describedby=\"renew-hint\"><label for=\"renew\">{renew}</label></div>\
         <p class=\"hint\" id=\"renew-hint\">{renew_hint}</p></div>\
         <button type=\"submit\">{button}</button></form>",
        id = org.id,
        csrf = ctx.csrf_input(),
        file = field(
            lang,
            &Field {
                name: "file",
                label: lang.t("upload.file"),
                hint: lang.t("upload.file.hint"),
                kind: "file",
                attributes: " accept=\".csv,text/csv\"",
                ..Field::default()
            },
            error_for(errors, "file"),
        ),
        renew = lang.t("upload.renew"),
        renew_hint = lang.t("upload.renew.hint"),
        button = lang.t("upload.submit"),
    ));
    html
}

/// Problems listed in the table; the rest are counted. A 100,000-row file can have as many.
const SHOWN_ROWS: usize = 500;

const UPLOAD_ROLES: [Role; 2] = [Role::Admin, Role::OrganisationAdmin];

pub async fn upload_page<S: Store>(
    State(state): State<AppState<S>>,
    Path(id): Path<i64>,
    Query(query): Q,
    headers: HeaderMap,
) -> Response {
    let ctx = page_ctx!(state, headers, query);
    let here = format!("/organisations/{id}/upload");
    let (ctx, org) = match visible_org(&state, ctx, id, &UPLOAD_ROLES, &here).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let body = upload_form(&ctx, &org, &[], &[]);
    let title = ctx.t("upload.title");
    ctx.render(StatusCode::OK, title, &body, Some(&here))
}

pub async fn upload_submit<S: Store>(
    State(state): State<AppState<S>>,
    Path(id): Path<i64>,
    Query(query): Q,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let ctx = page_ctx!(state, headers, query);
    let here = format!("/organisations/{id}/upload");
    let (ctx, org) = match visible_org(&state, ctx, id, &UPLOAD_ROLES, &here).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let (csrf, file, renew) = match read_upload(multipart).await {
        Ok(parts) => parts,
        Err(message) => {
            tracing::warn!(error = %message, "unreadable upload");
            let errors = vec![("file".to_owned(), ctx.t("upload.unreadable").to_owned())];
            let body = upload_form(&ctx, &org, &errors, &[]);
            let title = ctx_title(ctx.lang);
            return ctx.render(StatusCode::BAD_REQUEST, title, &body, None);
        }
    };
    let form = HashMap::from([("csrf".to_owned(), csrf)]);
    if !ctx.form_is_genuine(&headers, &state.web.csrf_secret, &form) {
        return ctx.stale_form();
    }
    if file.is_empty() {
        let errors = vec![("file".to_owned(), ctx.t("upload.missing").to_owned())];
        let body = upload_form(&ctx, &org, &errors, &[]);
        let title = ctx_title(ctx.lang);
        return ctx.render(StatusCode::UNPROCESSABLE_ENTITY, title, &body, None);
    }
    match surge_app::upload_employees(&state.store, &state.config, id, &file, renew, (state.clock)()).await {
        Ok(created) => {
            state.metrics.batches_accepted.inc();
            let duplicate = if created.duplicate { "?duplicate=1" } else { "" };
            ctx.redirect(&format!("/batches/{}{duplicate}", created.id))
        }
        Err(e) => {
            state.metrics.files_rejected.inc();
            let lang = ctx.lang;
            let (message, rows) = match e {
                AppError::InvalidFile(rows) => (lang.t("upload.invalid").replace("{n}", &rows.len().to_string()), rows),
                AppError::QuotaExceeded { quota, used, requested } => (
                    lang.t("upload.quota")
                        .replace("{quota}", &quota.to_string())
                        .replace("{used}", &used.to_string())
                        .replace("{requested}", &requested.to_string()),
                    Vec::new(),
                ),
                AppError::NotApproved => (lang.t("upload.not_approved").to_owned(), Vec::new()),
                other => {
                    tracing::error!(error = ?other, "upload failed");
                    return sorry(lang);
                }
            };
            let errors = vec![("file".to_owned(), message)];
            let body = upload_form(&ctx, &org, &errors, &rows);
            ctx.render(StatusCode::UNPROCESSABLE_ENTITY, ctx_title(lang), &body, None)
        }
    }
}

fn ctx_title(lang: Lang) -> &'static str {
    lang.t("upload.title.error")
}

/// The CSRF field, the file and whether the list renews passes, from a multipart form.
async fn read_upload(mut multipart: Multipart) -> Result<(String, Vec<u8>, bool), String> {
    let mut csrf = String::new();
    let mut file = Vec::new();
    let mut renew = false;
    while let Some(part) = multipart.next_field().await.map_err(|e| e.body_text())? {
        match part.name() {
            Some("csrf") => csrf = part.text().await.map_err(|e| e.body_text())?,
            Some("file") => file = part.bytes().await.map_err(|e| e.body_text())?.to_vec(),
            Some("renew") => renew = part.text().await.map_err(|e| e.body_text())? == "yes",
            _ => {}
        }
    }
    Ok((csrf, file, renew))
}

pub async fn batch_page<S: Store>(
    State(state): State<AppState<S>>,
    Path(id): Path<i64>,
    Query(query): Q,
    headers: HeaderMap,
) -> Response {
    let ctx = page_ctx!(state, headers, query);
    let here = format!("/batches/{id}");
    let (ctx, batch, org) = match visible_batch(&state, ctx, id, &here).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let lang = ctx.lang;
    let done = batch.issued + batch.failed;
    let completed = batch.status == BatchStatus::Completed;
    let progress_text = |issued: u64, failed: u64, rows: u64| {
        lang.t("batch.progress")
            .replace("{issued}", &issued.to_string())
            .replace("{rows}", &rows.to_string())
            .replace("{failed}", &failed.to_string())
    };
    let duplicate =
        if query.contains_key("duplicate") { crate::kit::notice(lang.t("batch.duplicate")) } else { String::new() };
    let script = if completed {
        String::new()
    } else {
        // The one script on the pages: it asks the API for progress each second and stops when the batch is done.
        format!(
            "<noscript><p><a href=\"/batches/{id}\">{refresh}</a></p></noscript><script>\
             (function(){{var bar=document.getElementById('progress'),text=document.getElementById('progress-text'),\
             state=document.getElementById('batch-state'),template=text.dataset.template,done={done_text};\
             function tick(){{fetch('/api/batches/{id}',{{credentials:'same-origin'}}).then(function(r){{return r.json()}})\
             .then(function(b){{bar.max=Math.max(b.rows,1);bar.value=b.issued+b.failed;\
             text.textContent=template.replace('{{issued}}',b.issued).replace('{{rows}}',b.rows).replace('{{failed}}',b.failed);\
             if(b.status==='completed'){{state.textContent=done}}else{{setTimeout(tick,1000)}}}})\
             .catch(function(){{setTimeout(tick,3000)}})}}setTimeout(tick,500)}})();</script>",
            refresh = lang.t("batch.refresh"),
            done_text = serde_json::Value::from(lang.t("batch.completed")),
        )
    };
    let failed = if batch.failed > 0 {
        match surge_app::organisations::failed_rows(&state.store, batch.id).await {
            Ok(rows) => failed_rows_table(lang, &rows),
            Err(e) => {
                tracing::error!(error = %e, "reading a batch's failed rows failed");
                return sorry(lang);
            }
        }
    } else {
        String::new()
    };
    let body = format!(
        "{duplicate}<p class=\"hint\">{org}</p><h1>{title}</h1>\
         <label for=\"progress\">{label}</label><progress id=\"progress\" max=\"{max}\" value=\"{done}\"></progress>\
         <p id=\"progress-text\" aria-live=\"polite\" data-template=\"{template}\">{text}</p>\
         <p><strong id=\"batch-state\" aria-live=\"polite\">{state}</strong></p>{renewals}{failed}\
         <p><a href=\"/organisations/{org_id}/passes?batch={id}\">{passes}</a></p>\
         {print}\
         <p><a href=\"/batches/{id}/revoke-all\">{revoke_all}</a></p>\
         <p><a href=\"/organisations/{org_id}\">{back}</a></p>{script}",
        org = escape(&org.legal_name),
        title = lang.t("batch.title"),
        label = lang.t("batch.bar"),
        max = batch.rows.max(1),
        template = escape(lang.t("batch.progress")),
        text = progress_text(batch.issued, batch.failed, batch.rows),
        state = lang.t(if completed { "batch.completed" } else { "batch.issuing" }),
        org_id = org.id,
        renewals = if batch.renewals > 0 {
            format!(
                "<p>{}</p>",
                lang.t("batch.renewals")
                    .replace("{renewals}", &batch.renewals.to_string())
                    .replace("{replaced}", &batch.replaced.to_string())
            )
        } else {
            String::new()
        },
        passes = lang.t("bulk.batch.passes"),
        print = print_links(lang, id, batch.issued),
        revoke_all = lang.t("bulk.link.batch"),
        back = lang.t("batch.back"),
    );
    let title = lang.t("batch.title");
    ctx.render(StatusCode::OK, title, &body, Some(&here))
}

/// The link to the batch's passes as a PDF; for a long list, one link per part of [`PRINT_PART`] passes.
fn print_links(lang: Lang, id: i64, issued: u64) -> String {
    use surge_app::passes::PRINT_PART;
    let issued = usize::try_from(issued).unwrap_or(usize::MAX);
    let parts = issued.div_ceil(PRINT_PART);
    if parts <= 1 {
        return format!("<p><a href=\"/batches/{id}/passes.pdf\">{}</a></p>", lang.t("print.link"));
    }
    let mut html = format!("<p>{}</p><ul>", lang.t("print.parts"));
    for part in 1..=parts {
        let (first, last) = ((part - 1) * PRINT_PART + 1, (part * PRINT_PART).min(issued));
        html.push_str(&format!(
            "<li><a href=\"/batches/{id}/passes.pdf?part={part}\">{} ({first}–{last})</a></li>",
            lang.t("print.part").replace("{part}", &part.to_string()).replace("{parts}", &parts.to_string())
        ));
    }
    html.push_str("</ul>");
    html
}

/// The rows that got no pass, by line, with why in the page's language: what to fix and send again.
fn failed_rows_table(lang: Lang, rows: &[surge_app::FailedRow]) -> String {
    let mut html = format!(
        "<h2>{h}</h2><p>{p}</p><div class=\"scroll\" tabindex=\"0\"><table><caption class=\"visually-hidden\">{h}</caption><thead><tr>\
         <th scope=\"col\">{line}</th><th scope=\"col\">{name}</th><th scope=\"col\">{why}</th></tr></thead><tbody>",
        h = lang.t("batch.failed.title"),
        p = lang.t("batch.failed.lead"),
        line = lang.t("batch.failed.line"),
        name = lang.t("batch.failed.name"),
        why = lang.t("batch.failed.why"),
    );
    for row in rows {
        // The worker records its reasons in English; the known ones are said in the page's language.
        let why = match row.reason.as_str() {
            "this person or vehicle already has an active pass" => lang.t("batch.failed.active_pass").to_owned(),
            "the pass could not be signed" => lang.t("batch.failed.not_signed").to_owned(),
            other => escape(other),
        };
        html.push_str(&format!("<tr><td>{}</td><td>{}</td><td>{why}</td></tr>", row.line, escape(&row.name)));
    }
    html.push_str("</tbody></table></div>");
    html
}

const QUEUE_PAGE: u32 = 50;

pub async fn screening_page<S: Store>(
    State(state): State<AppState<S>>,
    Query(query): Q,
    headers: HeaderMap,
) -> Response {
    let ctx = page_ctx!(state, headers, query);
    if ctx.principal.require(&[Role::Admin, Role::Official]).is_err() {
        return ctx.refuse_staff("/screening");
    }
    let lang = ctx.lang;
    let get = |name: &str| query.get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let status = get("status").unwrap_or_else(|| "in_review".into());
    let status = if status == "any" { None } else { Some(status) };
    let passed = match get("passed").as_deref() {
        Some("yes") => Some(true),
        Some("no") => Some(false),
        _ => None,
    };
    let filter = OrgFilter {
        status: status.clone(),
        category: get("category"),
        zone: get("zone").map(|z| z.to_ascii_uppercase()),
        passed_all_rules: passed,
        contact_phone: None,
        after_id: get("after").and_then(|a| a.parse().ok()),
        limit: QUEUE_PAGE,
    };
    let page = match surge_app::organisations::list_in_scope(&state.store, &filter, &ctx.principal.scope()).await {
        Ok(page) => page,
        Err(e) => {
            tracing::error!(error = %e, "listing the queue failed");
            return sorry(lang);
        }
    };
    let visible: Vec<&OrganisationRecord> = page.visible.iter().collect();
    let mut body = String::new();
    if let Some(n) = get("approved") {
        body.push_str(&crate::kit::notice(&lang.t("queue.approved").replace("{n}", &escape(&n))));
    }
    if get("decided").is_some() {
        body.push_str(&crate::kit::notice(lang.t("queue.empty_after")));
    }
    let option = |value: &str, label: &str, current: Option<&str>| {
        let selected = if current == Some(value) { " selected" } else { "" };
        format!("<option value=\"{}\"{selected}>{}</option>", escape(value), escape(label))
    };
    let status_current = status.as_deref().unwrap_or("any");
    let mut statuses = option("any", lang.t("queue.any"), Some(status_current));
    for code in ["in_review", "info_requested", "approved", "rejected", "contact_unconfirmed"] {
        statuses.push_str(&option(code, lang.status(code), Some(status_current)));
    }
    let category_current = filter.category.as_deref();
    let mut categories = option("", lang.t("queue.any"), Some(category_current.unwrap_or("")));
    for c in &state.config.categories {
        categories.push_str(&option(c, &lang.category(c), category_current));
    }
    let passed_current = get("passed").unwrap_or_default();
    let passed_options = format!(
        "{}{}{}",
        option("", lang.t("queue.any"), Some(&passed_current)),
        option("yes", lang.t("queue.passed.yes"), Some(&passed_current)),
        option("no", lang.t("queue.passed.no"), Some(&passed_current)),
    );
    body.push_str(&format!(
        "<div class=\"wide\"><h1>{title}</h1><form method=\"get\" action=\"/screening\">\
         <div class=\"field\"><label for=\"status\">{status_l}</label><select id=\"status\" name=\"status\">{statuses}</select></div>\
         <div class=\"field\"><label for=\"category\">{category_l}</label><select id=\"category\" name=\"category\">{categories}</select></div>\
         <div class=\"field\"><label for=\"zone\">{zone_l}</label><p class=\"hint\" id=\"zone-hint\">{zone_hint}</p>\
         <input id=\"zone\" name=\"zone\" type=\"text\" value=\"{zone}\" aria-describedby=\"zone-hint\" spellcheck=\"false\"></div>\
         <div class=\"field\"><label for=\"passed\">{passed_l}</label><select id=\"passed\" name=\"passed\">{passed_options}</select></div>\
         <button type=\"submit\" class=\"secondary\">{apply}</button></form>",
        title = lang.t("queue.title"),
        status_l = lang.t("org.status"),
        category_l = lang.t("category"),
        zone_l = lang.t("org.zone"),
        zone_hint = lang.t("queue.zone.hint"),
        zone = escape(filter.zone.as_deref().unwrap_or("")),
        passed_l = lang.t("queue.passed"),
        apply = lang.t("queue.apply"),
    ));
    if status.as_deref() == Some("in_review") && passed != Some(false) {
        body.push_str(&format!(
            "<form method=\"post\" action=\"/screening/approve\">{csrf}\
             <input type=\"hidden\" name=\"zone\" value=\"{zone}\"><input type=\"hidden\" name=\"category\" value=\"{category}\">\
             <p>{lead}</p><button type=\"submit\">{button}</button></form>",
            csrf = ctx.csrf_input(),
            zone = escape(filter.zone.as_deref().unwrap_or("")),
            category = escape(filter.category.as_deref().unwrap_or("")),
            lead = lang.t("queue.bulk.lead"),
            button = lang.t("queue.bulk"),
        ));
    }
    if visible.is_empty() {
        body.push_str(&format!("<p>{}</p>", lang.t("queue.none")));
    } else {
        body.push_str(&format!(
            "<div class=\"scroll\" tabindex=\"0\"><table><caption class=\"visually-hidden\">{caption}</caption><thead><tr><th scope=\"col\">{r}</th>\
             <th scope=\"col\">{n}</th><th scope=\"col\">{c}</th><th scope=\"col\">{z}</th><th scope=\"col\">{q}</th>\
             <th scope=\"col\">{k}</th><th scope=\"col\">{s}</th></tr></thead><tbody>",
            caption = lang.t("queue.title"),
            r = lang.t("done.reference"),
            n = lang.t("queue.organisation"),
            c = lang.t("category"),
            z = lang.t("org.zone"),
            q = lang.t("queue.requested"),
            k = lang.t("org.checks"),
            s = lang.t("org.status"),
        ));
        for org in &visible {
            let failed = org.findings.iter().filter(|(_, passed, _)| !passed).count();
            let checks = if failed == 0 {
                format!("<span class=\"tag approved\">{}</span>", lang.t("queue.all_passed"))
            } else {
                format!(
                    "<span class=\"tag rejected\">{}</span>",
                    lang.t("queue.failed_n").replace("{n}", &failed.to_string())
                )
            };
            body.push_str(&format!(
                "<tr><td>{id}</td><td><a href=\"/organisations/{id}\">{name}</a></td><td>{cat}</td><td>{zone}</td>\
                 <td>{req}</td><td>{checks}</td><td>{status}</td></tr>",
                id = org.id,
                name = escape(&org.legal_name),
                cat = escape(&lang.category(&org.category)),
                zone = escape(&org.zone),
                req = org.requested_quota,
                status = status_tag(lang, &org.status),
            ));
        }
        body.push_str("</tbody></table></div>");
    }
    if let Some(last) = page.next_after {
        let mut params: Vec<String> = query
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "after" | "approved" | "decided"))
            .map(|(k, v)| format!("{}={}", crate::kit::ctx::percent_encode(k), crate::kit::ctx::percent_encode(v)))
            .collect();
        params.push(format!("after={last}"));
        body.push_str(&format!("<p><a href=\"/screening?{}\">{}</a></p>", params.join("&amp;"), lang.t("queue.next")));
    }
    body.push_str("</div>");
    let title = lang.t("queue.title");
    ctx.render(StatusCode::OK, title, &body, Some("/screening"))
}

pub async fn screening_approve<S: Store>(
    State(state): State<AppState<S>>,
    Query(query): Q,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let ctx = form_ctx!(state, headers, query, form);
    if ctx.principal.require(&[Role::Admin, Role::Official]).is_err() {
        return ctx.refuse_staff("/screening");
    }
    let get = |name: &str| form.get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let zone = get("zone").map(|z| z.to_ascii_uppercase());
    match crate::organisations::api::scoped_bulk_approve(&state, &ctx.principal, zone, get("category")).await {
        Ok(ids) => ctx.redirect(&format!("/screening?approved={}", ids.len())),
        Err(e) if e.status == StatusCode::FORBIDDEN => ctx.refuse_staff("/screening"),
        Err(e) => {
            tracing::error!(code = e.code, "bulk approval failed");
            sorry(ctx.lang)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::print_links;
    use crate::i18n::Lang;

    #[test]
    fn a_long_list_prints_in_parts_of_a_thousand_with_their_ranges() {
        let one = print_links(Lang::En, 7, 3);
        assert!(one.contains("href=\"/batches/7/passes.pdf\"") && !one.contains("part="), "{one}");
        let many = print_links(Lang::En, 7, 2500);
        for (part, range) in [(1, "1–1000"), (2, "1001–2000"), (3, "2001–2500")] {
            assert!(many.contains(&format!("passes.pdf?part={part}\">part {part} of 3 ({range})")), "{many}");
        }
        assert!(!many.contains("part=4"));
        assert!(print_links(Lang::Ko, 7, 1001).contains("2부 중 2부 (1001–1001)"));
    }
}
