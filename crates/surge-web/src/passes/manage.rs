//! Pass management in the pages. Officials find passes within their scope by name, phone, control code,
//! organisation or batch, see a pass's history, and suspend, reinstate or revoke it with a reason (one action, one
//! page). An organisation sees the passes it was issued and revokes a departed employee's.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use surge_app::{AppError, KeyScope, PassEvent, PassRecord, PassSearch, PassStatus, Role, Store};

use crate::AppState;
use crate::kit::ctx::{Field, PageCtx, error_for, error_summary, field, field_errors, not_found, sorry};
use crate::kit::escape;

const PAGE: u32 = 50;

/// The search form's fields, as they are named in the address.
const SEARCH_FIELDS: [&str; 5] = ["name", "phone", "code", "organisation", "batch"];

fn masked_phone(phone: &str) -> String {
    surge_domain::Phone::from_stored(phone).map(|p| p.masked()).unwrap_or_else(|_| "—".into())
}

/// The search as typed: a field left empty is not searched on; a phone or control code that cannot be one is an
/// error naming the field.
fn search_from(query: &HashMap<String, String>, region: &str) -> Result<PassSearch, Vec<(String, &'static str)>> {
    let text = |name: &str| query.get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let mut errors = Vec::new();
    let phone = text("phone").and_then(|p| match surge_domain::Phone::parse(&p, region) {
        Ok(phone) => Some(phone.as_str().to_owned()),
        Err(_) => {
            errors.push(("phone".to_owned(), "passes.search.phone_invalid"));
            None
        }
    });
    let control_code = text("code").and_then(|c| match surge_pass::ControlCode::parse(&c) {
        Ok(code) => Some(code.to_string()),
        Err(_) => {
            errors.push(("code".to_owned(), "passes.search.code_invalid"));
            None
        }
    });
    let number = |name: &str, errors: &mut Vec<(String, &'static str)>| {
        text(name).and_then(|v| match v.parse::<i64>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                errors.push((name.to_owned(), "passes.search.number_invalid"));
                None
            }
        })
    };
    let organisation_id = number("organisation", &mut errors);
    let batch_id = number("batch", &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(PassSearch {
        name: text("name").map(|n| n.chars().take(100).collect()),
        phone,
        control_code,
        organisation_id,
        batch_id,
        before_index: query.get("before").and_then(|b| b.parse().ok()),
        limit: PAGE,
    })
}

fn results_table(
    ctx: &PageCtx,
    passes: &[PassRecord],
    link: &dyn Fn(&PassRecord) -> String,
    now: time::OffsetDateTime,
) -> String {
    if passes.is_empty() {
        return format!("<p>{}</p>", ctx.t("passes.none"));
    }
    let mut html = format!(
        "<div class=\"scroll\" tabindex=\"0\"><table><caption class=\"visually-hidden\">{caption}</caption><thead><tr><th scope=\"col\">{holder}</th>\
         <th scope=\"col\">{phone}</th><th scope=\"col\">{days}</th><th scope=\"col\">{status}</th></tr></thead><tbody>",
        caption = ctx.t("passes.title"),
        holder = ctx.t("pass.holder"),
        phone = ctx.t("passes.phone"),
        days = ctx.t("application.dates"),
        status = ctx.t("org.status"),
    );
    for pass in passes {
        html.push_str(&format!(
            "<tr><td><a href=\"{href}\">{holder}</a></td><td>{phone}</td><td>{from} – {until}</td><td>{tag}</td></tr>",
            href = link(pass),
            holder = escape(&pass.holder),
            phone = escape(&masked_phone(&pass.phone)),
            from = ctx.zone.date_of(pass.not_before),
            until = ctx.zone.last_day(pass.expires),
            tag = super::holder::status_tag(ctx, pass, now),
        ));
    }
    html.push_str("</tbody></table></div>");
    html
}

fn search_form(ctx: &PageCtx, query: &HashMap<String, String>, errors: &[(String, String)]) -> String {
    let mut html = String::from("<form method=\"get\" action=\"/passes\" novalidate>");
    for (name, label, kind) in [
        ("name", "passes.search.name", "text"),
        ("phone", "passes.search.phone", "tel"),
        ("code", "passes.search.code", "text"),
        ("organisation", "passes.search.organisation", "text"),
        ("batch", "passes.search.batch", "text"),
    ] {
        let value = query.get(name).cloned().unwrap_or_default();
        html.push_str(&field(
            ctx.lang,
            &Field { name, label: ctx.t(label), kind, value: &value, ..Field::default() },
            error_for(errors, name),
        ));
    }
    html.push_str(&format!("<button type=\"submit\">{}</button></form>", ctx.t("passes.search.button")));
    html
}

const OFFICIALS: [Role; 2] = [Role::Admin, Role::Official];

pub async fn search_page<S: Store>(
    State(state): State<AppState<S>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let ctx = page_ctx!(state, headers, query);
    if ctx.principal.require(&OFFICIALS).is_err() {
        return ctx.refuse_staff("/passes");
    }
    let lang = ctx.lang;
    let searched = SEARCH_FIELDS.iter().any(|k| query.get(*k).is_some_and(|v| !v.trim().is_empty()));
    let (errors, results) = match search_from(&query, &state.config.phone_region) {
        Err(problems) => (problems.into_iter().map(|(f, key)| (f, ctx.t(key).to_owned())).collect(), String::new()),
        Ok(_) if !searched => (Vec::new(), String::new()),
        Ok(search) => match surge_app::passes::search(&state.store, &ctx.principal.scope(), &search).await {
            Ok(passes) => {
                let now = (state.clock)();
                let mut html = format!("<h2>{}</h2>", ctx.t("passes.results"));
                html.push_str(&results_table(&ctx, &passes, &|p| format!("/passes/{}", p.status_index), now));
                if passes.len() == PAGE as usize {
                    if let Some(last) = passes.last() {
                        let mut next: Vec<String> = SEARCH_FIELDS
                            .iter()
                            .filter_map(|k| {
                                query.get(*k).map(|v| format!("{k}={}", crate::kit::ctx::percent_encode(v)))
                            })
                            .collect();
                        next.push(format!("before={}", last.status_index));
                        html.push_str(&format!(
                            "<p><a href=\"/passes?{}\">{}</a></p>",
                            next.join("&amp;"),
                            ctx.t("passes.more")
                        ));
                    }
                }
                (Vec::new(), html)
            }
            Err(e) => {
                tracing::error!(error = %e, "searching passes failed");
                return sorry(lang);
            }
        },
    };
    let mut body = error_summary(lang, &errors);
    body.push_str(&format!("<div class=\"wide\"><h1>{}</h1><p>{}</p>", ctx.t("passes.title"), ctx.t("passes.lead")));
    body.push_str(&search_form(&ctx, &query, &errors));
    body.push_str(&results);
    body.push_str("</div>");
    let title = if errors.is_empty() {
        ctx.t("passes.title").to_owned()
    } else {
        format!("{} {}", ctx.t("error.prefix"), ctx.t("passes.title"))
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    ctx.render(status, &title, &body, Some("/passes"))
}

fn event_text(ctx: &PageCtx, event: &PassEvent) -> String {
    match event {
        PassEvent::Issued { batch_id: Some(batch), .. } => ctx
            .t("passes.history.issued_batch")
            .replace("{batch}", &format!("<a href=\"/batches/{batch}\">{batch}</a>")),
        PassEvent::Issued { batch_id: None, .. } => ctx.t("passes.history.issued").to_owned(),
        PassEvent::Status { status, reason, actor, .. } => format!(
            "{}: {} ({})",
            ctx.t(match status {
                PassStatus::Valid => "passes.history.reinstated",
                PassStatus::Suspended => "passes.history.suspended",
                PassStatus::Revoked => "passes.history.revoked",
            }),
            escape(reason),
            escape(actor)
        ),
        PassEvent::Scan { checkpoint, valid, reason, .. } => {
            let place = checkpoint.as_deref().map_or_else(|| ctx.t("live.no_checkpoint").to_owned(), escape);
            let verdict = if *valid {
                ctx.t("check.valid").to_owned()
            } else {
                format!("{} ({})", ctx.t("check.invalid"), escape(reason.as_deref().unwrap_or("—")))
            };
            format!("{}: {place}, {verdict}", ctx.t("passes.history.scan"))
        }
    }
}

pub async fn pass_page<S: Store>(
    State(state): State<AppState<S>>,
    Path(index): Path<u64>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let ctx = page_ctx!(state, headers, query);
    let here = format!("/passes/{index}");
    if ctx.principal.require(&OFFICIALS).is_err() {
        return ctx.refuse_staff(&here);
    }
    let (pass, history) = match surge_app::passes::with_history(&state.store, &ctx.principal.scope(), index).await {
        Ok(found) => found,
        // Outside the scope is not found: it says nothing of passes the official may not see.
        Err(AppError::NotFound | AppError::Forbidden) => return not_found(ctx),
        Err(e) => {
            tracing::error!(error = %e, "reading a pass failed");
            return sorry(ctx.lang);
        }
    };
    let now = (state.clock)();
    let mut body = String::new();
    if query.contains_key("done") {
        body.push_str(&crate::kit::notice(ctx.t("passes.status.done")));
    }
    body.push_str(&pass_facts(&ctx, &pass, now));
    body.push_str(&format!("<h2>{}</h2><ol>", ctx.t("passes.history")));
    for event in &history {
        body.push_str(&format!("<li>{}: {}</li>", ctx.when(event.at()), event_text(&ctx, event)));
    }
    body.push_str("</ol>");
    let actions: &[(&str, &str)] = match pass.status {
        PassStatus::Valid => &[("suspend", "passes.action.suspend"), ("revoke", "passes.action.revoke")],
        PassStatus::Suspended => &[("reinstate", "passes.action.reinstate"), ("revoke", "passes.action.revoke")],
        PassStatus::Revoked => &[],
    };
    if !actions.is_empty() {
        body.push_str(&format!("<h2>{}</h2><ul>", ctx.t("passes.actions")));
        for (action, label) in actions {
            body.push_str(&format!("<li><a href=\"/passes/{index}/{action}\">{}</a></li>", ctx.t(label)));
        }
        body.push_str("</ul>");
    }
    body.push_str(&format!("<p><a href=\"/passes\">{}</a></p>", ctx.t("passes.back")));
    let title = ctx.t("passes.pass_title");
    ctx.render(StatusCode::OK, title, &body, Some(&here))
}

fn pass_facts(ctx: &PageCtx, pass: &PassRecord, now: time::OffsetDateTime) -> String {
    format!(
        "<h1>{title}</h1><dl><dt>{holder_l}</dt><dd>{holder}</dd><dt>{phone_l}</dt><dd>{phone}</dd>\
         <dt>{code_l}</dt><dd>{code}</dd><dt>{zones_l}</dt><dd>{zones}</dd><dt>{from_l}</dt><dd>{from}</dd>\
         <dt>{until_l}</dt><dd>{until}</dd><dt>{status_l}</dt><dd>{status}{reason}</dd>{org}</dl>",
        title = ctx.t("passes.pass_title"),
        holder_l = ctx.t("pass.holder"),
        holder = escape(&pass.holder),
        phone_l = ctx.t("passes.phone"),
        phone = escape(&masked_phone(&pass.phone)),
        code_l = ctx.t("pass.code"),
        code = escape(&pass.grouped_code()),
        zones_l = ctx.t("pass.zones"),
        zones = escape(&pass.zones.join(", ")),
        from_l = ctx.t("pass.from"),
        from = ctx.zone.from_text(pass.not_before),
        until_l = ctx.t("pass.until"),
        until = ctx.zone.until_text(pass.expires, ctx.t("pass.end_of_day")),
        status_l = ctx.t("org.status"),
        status = super::holder::status_tag(ctx, pass, now),
        reason = pass.status_reason.as_deref().map(|r| format!(" {}", escape(r))).unwrap_or_default(),
        org = pass
            .organisation_id
            .map(|id| format!(
                "<dt>{}</dt><dd><a href=\"/organisations/{id}\">{id}</a></dd>",
                ctx.t("passes.organisation")
            ))
            .unwrap_or_default(),
    )
}

/// Which change an action page makes, and its words.
fn action_of(action: &str) -> Option<(PassStatus, &'static str)> {
    match action {
        "suspend" => Some((PassStatus::Suspended, "passes.action.suspend")),
        "reinstate" => Some((PassStatus::Valid, "passes.action.reinstate")),
        "revoke" => Some((PassStatus::Revoked, "passes.action.revoke")),
        _ => None,
    }
}

/// The reason a status change gives its holders, as they will read it.
pub(super) fn reason_field(ctx: &PageCtx, value: &str, errors: &[(String, String)]) -> String {
    field(
        ctx.lang,
        &Field {
            name: "reason",
            label: ctx.t("passes.action.reason"),
            hint: ctx.t("passes.action.reason.hint"),
            kind: "textarea",
            value,
            ..Field::default()
        },
        error_for(errors, "reason"),
    )
}

fn action_form(
    ctx: &PageCtx,
    pass: &PassRecord,
    post_to: &str,
    status: PassStatus,
    label: &str,
    reason: &str,
    errors: &[(String, String)],
) -> String {
    let mut body = error_summary(ctx.lang, errors);
    body.push_str(&format!(
        "<h1>{label}: {holder}</h1><p>{lead}</p><form method=\"post\" action=\"{post_to}\" novalidate>{csrf}",
        holder = escape(&pass.holder),
        lead = ctx.t("passes.action.lead"),
        csrf = ctx.csrf_input(),
    ));
    body.push_str(&reason_field(ctx, reason, errors));
    // Suspending and revoking stop a pass: the warning colour. Reinstating does not.
    let class = if status == PassStatus::Valid { "" } else { " class=\"danger\"" };
    body.push_str(&format!(
        "<button type=\"submit\"{class}>{label}</button> <a href=\"{back}\">{cancel}</a></form>",
        back = post_to.rsplit_once('/').map_or("/passes", |(b, _)| b),
        cancel = ctx.t("cancel"),
    ));
    body
}

/// Makes the change; the pass page or the form again with what was wrong.
#[expect(clippy::too_many_arguments, reason = "the request's parts and where to go after")]
async fn change<S: Store>(
    state: &AppState<S>,
    ctx: PageCtx,
    pass: &PassRecord,
    status: PassStatus,
    label: &str,
    reason: &str,
    post_to: &str,
    done: &str,
) -> Response {
    // The holder's text is in the authority's text language, not the official's page language.
    let sms_language = state.signer.as_ref().map_or("ko", |s| s.sms_language.as_str());
    let now = (state.clock)();
    let actor = ctx.principal.actor();
    match surge_app::change_pass_status(&state.store, pass.status_index, status, reason, &actor, sms_language, now)
        .await
    {
        Ok(_) => {
            state.caches.set_status(pass.status_index, status, Some(reason.trim().to_owned()));
            ctx.redirect(done)
        }
        Err(AppError::InvalidForm(problems)) => {
            let errors = field_errors(ctx.lang, &problems);
            let body = action_form(&ctx, pass, post_to, status, label, reason, &errors);
            let title = format!("{} {label}", ctx.t("error.prefix"));
            ctx.render(StatusCode::UNPROCESSABLE_ENTITY, &title, &body, None)
        }
        // Revoked meanwhile by someone else: the pass page says so.
        Err(AppError::Conflict) => ctx.redirect(done.split('?').next().unwrap_or("/passes")),
        Err(e) => {
            tracing::error!(error = %e, "changing a pass's status failed");
            sorry(ctx.lang)
        }
    }
}

async fn official_pass<S: Store>(
    state: &AppState<S>,
    ctx: PageCtx,
    index: u64,
    action: &str,
) -> Result<(PageCtx, PassRecord, PassStatus, &'static str), Response> {
    if ctx.principal.require(&OFFICIALS).is_err() {
        return Err(ctx.refuse_staff(&format!("/passes/{index}/{action}")));
    }
    let Some((status, label)) = action_of(action) else { return Err(not_found(ctx)) };
    match surge_app::passes::in_scope(&state.store, &ctx.principal.scope(), index).await {
        Ok(pass) => Ok((ctx, pass, status, label)),
        Err(AppError::NotFound | AppError::Forbidden) => Err(not_found(ctx)),
        Err(e) => {
            tracing::error!(error = %e, "reading a pass failed");
            Err(sorry(ctx.lang))
        }
    }
}

pub async fn action_page<S: Store>(
    State(state): State<AppState<S>>,
    Path((index, action)): Path<(u64, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let ctx = page_ctx!(state, headers, query);
    let (ctx, pass, status, label) = match official_pass(&state, ctx, index, &action).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let post_to = format!("/passes/{index}/{action}");
    let label = ctx.t(label);
    let body = action_form(&ctx, &pass, &post_to, status, label, "", &[]);
    ctx.render(StatusCode::OK, label, &body, Some(&post_to))
}

pub async fn action_submit<S: Store>(
    State(state): State<AppState<S>>,
    Path((index, action)): Path<(u64, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let ctx = form_ctx!(state, headers, query, form);
    let (ctx, pass, status, label) = match official_pass(&state, ctx, index, &action).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let post_to = format!("/passes/{index}/{action}");
    let reason = form.get("reason").map(String::as_str).unwrap_or("");
    let label = ctx.t(label);
    change(&state, ctx, &pass, status, label, reason, &post_to, &format!("/passes/{index}?done=1")).await
}

/// The organisation's own passes, newest first.
pub async fn organisation_passes<S: Store>(
    State(state): State<AppState<S>>,
    Path(id): Path<i64>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let ctx = page_ctx!(state, headers, query);
    let here = format!("/organisations/{id}/passes");
    let roles = [Role::Admin, Role::Official, Role::OrganisationAdmin];
    let (ctx, org) = match crate::organisations::pages::visible_org(&state, ctx, id, &roles, &here).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    // One of its lists, from the list's page.
    let batch = query.get("batch").and_then(|b| b.parse::<i64>().ok());
    let search = PassSearch {
        organisation_id: Some(org.id),
        batch_id: batch,
        before_index: query.get("before").and_then(|b| b.parse().ok()),
        limit: PAGE,
        ..PassSearch::default()
    };
    // The organisation's own list is not narrowed by an official's scope: visible_org has decided who may see it.
    let passes = match surge_app::passes::search(&state.store, &KeyScope::default(), &search).await {
        Ok(passes) => passes,
        Err(e) => {
            tracing::error!(error = %e, "listing an organisation's passes failed");
            return sorry(ctx.lang);
        }
    };
    let now = (state.clock)();
    let mut body = String::new();
    if query.contains_key("done") {
        body.push_str(&crate::kit::notice(ctx.t("passes.status.done")));
    }
    if let Some(n) = query.get("revoked").and_then(|n| n.parse::<u64>().ok()) {
        body.push_str(&crate::kit::notice(&ctx.t("bulk.done").replace("{n}", &n.to_string())));
    }
    body.push_str(&format!(
        "<div class=\"wide\"><p class=\"hint\">{org}</p><h1>{title}</h1><p>{lead}</p>",
        org = escape(&org.legal_name),
        title = ctx.t("passes.org.title"),
        lead = ctx.t("passes.org.lead"),
    ));
    let pass_link = |p: &PassRecord| format!("/organisations/{id}/passes/{}", p.status_index);
    body.push_str(&results_table(&ctx, &passes, &pass_link, now));
    if passes.len() == PAGE as usize {
        if let Some(last) = passes.last() {
            body.push_str(&format!(
                "<p><a href=\"/organisations/{id}/passes?before={}{}\">{}</a></p>",
                last.status_index,
                batch.map(|b| format!("&amp;batch={b}")).unwrap_or_default(),
                ctx.t("passes.more")
            ));
        }
    }
    if !passes.is_empty() {
        body.push_str(&format!("<p><a href=\"/organisations/{id}/revoke-all\">{}</a></p>", ctx.t("bulk.link.org")));
    }
    body.push_str(&format!("<p><a href=\"/organisations/{id}\">{}</a></p></div>", ctx.t("batch.back")));
    let title = ctx.t("passes.org.title");
    ctx.render(StatusCode::OK, title, &body, Some(&here))
}

/// One of the organisation's own passes; another organisation's is not found.
async fn organisation_pass<S: Store>(
    state: &AppState<S>,
    ctx: PageCtx,
    id: i64,
    index: u64,
    here: &str,
) -> Result<(PageCtx, PassRecord), Response> {
    let roles = [Role::Admin, Role::Official, Role::OrganisationAdmin];
    let (ctx, org) = crate::organisations::pages::visible_org(state, ctx, id, &roles, here).await?;
    match surge_app::passes::by_status_index(&state.store, index).await {
        Ok(pass) if pass.organisation_id == Some(org.id) => Ok((ctx, pass)),
        Ok(_) | Err(AppError::NotFound) => Err(not_found(ctx)),
        Err(e) => {
            tracing::error!(error = %e, "reading a pass failed");
            Err(sorry(ctx.lang))
        }
    }
}

/// One of the organisation's passes as it sees it: the facts, and the text sent again or the pass revoked.
fn render_organisation_pass(
    ctx: PageCtx,
    id: i64,
    pass: &PassRecord,
    notice: Option<&str>,
    now: time::OffsetDateTime,
) -> Response {
    let index = pass.status_index;
    let mut body = notice.map(crate::kit::notice).unwrap_or_default();
    body.push_str(&pass_facts(&ctx, pass, now));
    if pass.status == PassStatus::Valid && pass.active && pass.expires > now {
        body.push_str(&format!(
            "<h2>{h}</h2><p>{p}</p><form method=\"post\" action=\"/organisations/{id}/passes/{index}/resend\">{csrf}\
             <button type=\"submit\">{b}</button></form>",
            h = ctx.t("passes.org.resend.title"),
            p = ctx.t("passes.org.resend.lead"),
            csrf = ctx.csrf_input(),
            b = ctx.t("passes.org.resend.button"),
        ));
    }
    if pass.status != PassStatus::Revoked {
        body.push_str(&format!(
            "<p><a href=\"/organisations/{id}/passes/{index}/revoke\">{}</a></p>",
            ctx.t("passes.action.revoke")
        ));
    }
    body.push_str(&format!("<p><a href=\"/organisations/{id}/passes\">{}</a></p>", ctx.t("passes.org.back")));
    let here = format!("/organisations/{id}/passes/{index}");
    let title = ctx.t("passes.pass_title");
    ctx.render(StatusCode::OK, title, &body, Some(&here))
}

pub async fn organisation_pass_page<S: Store>(
    State(state): State<AppState<S>>,
    Path((id, index)): Path<(i64, u64)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let ctx = page_ctx!(state, headers, query);
    let here = format!("/organisations/{id}/passes/{index}");
    let (ctx, pass) = match organisation_pass(&state, ctx, id, index, &here).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let notice = if query.contains_key("sent") {
        Some(ctx.t("passes.org.resend.done"))
    } else {
        query.contains_key("done").then(|| ctx.t("passes.status.done"))
    };
    render_organisation_pass(ctx, id, &pass, notice, (state.clock)())
}

pub async fn organisation_resend<S: Store>(
    State(state): State<AppState<S>>,
    Path((id, index)): Path<(i64, u64)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let ctx = form_ctx!(state, headers, query, form);
    let here = format!("/organisations/{id}/passes/{index}");
    let (ctx, pass) = match organisation_pass(&state, ctx, id, index, &here).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Some(signer) = state.signer.clone() else { return sorry(ctx.lang) };
    let now = (state.clock)();
    // The employee's text is in the authority's text language, not the organisation's page language.
    let result = surge_app::passes::resend_for_organisation(
        &state.store,
        &signer,
        &mut rand_core::OsRng,
        &ctx.principal.actor(),
        id,
        index,
        signer.sms_language.as_str(),
        now,
    )
    .await;
    match result {
        Ok(()) => ctx.redirect(&format!("{here}?sent=1")),
        Err(e @ (AppError::RateLimited { .. } | AppError::Conflict)) => {
            let key = if matches!(e, AppError::Conflict) { "pass.resend.not_valid" } else { "passes.org.resend.limit" };
            let notice = ctx.t(key);
            render_organisation_pass(ctx, id, &pass, Some(notice), now)
        }
        Err(AppError::NotFound) => not_found(ctx),
        Err(e) => {
            tracing::error!(error = %e, "sending a pass again failed");
            sorry(ctx.lang)
        }
    }
}

/// The organisation's pass while it can still be revoked.
async fn revocable_organisation_pass<S: Store>(
    state: &AppState<S>,
    ctx: PageCtx,
    id: i64,
    index: u64,
) -> Result<(PageCtx, PassRecord), Response> {
    let here = format!("/organisations/{id}/passes/{index}/revoke");
    match organisation_pass(state, ctx, id, index, &here).await? {
        (ctx, pass) if pass.status == PassStatus::Revoked => Err(not_found(ctx)),
        found => Ok(found),
    }
}

pub async fn organisation_revoke_page<S: Store>(
    State(state): State<AppState<S>>,
    Path((id, index)): Path<(i64, u64)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let ctx = page_ctx!(state, headers, query);
    let (ctx, pass) = match revocable_organisation_pass(&state, ctx, id, index).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let post_to = format!("/organisations/{id}/passes/{index}/revoke");
    let label = ctx.t("passes.action.revoke");
    let body = action_form(&ctx, &pass, &post_to, PassStatus::Revoked, label, "", &[]);
    ctx.render(StatusCode::OK, label, &body, Some(&post_to))
}

pub async fn organisation_revoke<S: Store>(
    State(state): State<AppState<S>>,
    Path((id, index)): Path<(i64, u64)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let ctx = form_ctx!(state, headers, query, form);
    let (ctx, pass) = match revocable_organisation_pass(&state, ctx, id, index).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let post_to = format!("/organisations/{id}/passes/{index}/revoke");
    let reason = form.get("reason").map(String::as_str).unwrap_or("");
    let label = ctx.t("passes.action.revoke");
    let done = format!("/organisations/{id}/passes/{index}?done=1");
    change(&state, ctx, &pass, PassStatus::Revoked, label, reason, &post_to, &done).await
}
