//! A holder's own passes, signed in with the phone they were issued to: the list on the account page, each pass
//! shown as its link shows it, and the text sent again (with a new link) when it was deleted or the phone lost.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use surge_app::{AppError, PassRecord, PassStatus, Store};

use crate::AppState;
use crate::kit::ctx::{PageCtx, not_found, sorry};
use crate::kit::escape;

pub(crate) fn status_tag(ctx: &PageCtx, pass: &PassRecord, now: time::OffsetDateTime) -> String {
    let (class, key) = match pass.status {
        PassStatus::Suspended => ("info_requested", "pass.list.suspended"),
        PassStatus::Revoked => ("rejected", "pass.list.revoked"),
        PassStatus::Valid if !pass.active || pass.expires <= now => ("", "pass.list.ended"),
        PassStatus::Valid if pass.not_before > now => ("", "pass.list.not_yet"),
        PassStatus::Valid => ("approved", "pass.list.valid"),
    };
    format!("<span class=\"tag {class}\">{}</span>", ctx.t(key))
}

/// The holder's passes for the account page: each with its days, status and a way to open it.
pub(crate) async fn holder_list<S: Store>(state: &AppState<S>, ctx: &PageCtx, phone: &str) -> Result<String, AppError> {
    let passes = surge_app::passes::holder_passes(&state.store, phone).await?;
    let mut html = format!("<h2>{}</h2>", ctx.t("pass.list.title"));
    if passes.is_empty() {
        html.push_str(&format!("<p>{}</p>", ctx.t("pass.list.none")));
        return Ok(html);
    }
    let now = (state.clock)();
    html.push_str("<ul>");
    for pass in &passes {
        html.push_str(&format!(
            "<li><a href=\"/account/passes/{index}\">{holder}, {from} – {until}</a> {tag}</li>",
            index = pass.status_index,
            holder = escape(&pass.holder),
            from = ctx.zone.date_of(pass.not_before),
            until = ctx.zone.last_day(pass.expires),
            tag = status_tag(ctx, pass, now),
        ));
    }
    html.push_str("</ul>");
    Ok(html)
}

/// The holder's pass, behind their sign-in; another phone's pass is simply not found.
async fn own_pass<S: Store>(state: &AppState<S>, ctx: PageCtx, index: u64) -> Result<(PageCtx, PassRecord), Response> {
    let Some(phone) = ctx.principal.citizen_phone() else {
        let here = format!("/account/passes/{index}");
        return Err(ctx.refuse(&here));
    };
    match surge_app::passes::holder_pass(&state.store, phone, index).await {
        Ok(pass) => Ok((ctx, pass)),
        Err(AppError::NotFound) => Err(not_found(ctx)),
        Err(e) => {
            tracing::error!(error = %e, "reading a holder's pass failed");
            Err(sorry(ctx.lang))
        }
    }
}

/// The pass as its link shows it, with any notice above and, for a valid pass, the way to have it texted again.
fn render<S>(state: &AppState<S>, ctx: PageCtx, pass: &PassRecord, notice: Option<&str>) -> Response {
    let (title, pass_body) = super::page::pass_body(state, ctx.lang, pass);
    let mut body = String::new();
    if let Some(notice) = notice {
        body.push_str(&crate::kit::notice(notice));
    }
    body.push_str(&pass_body);
    if pass.status == PassStatus::Valid && pass.active {
        body.push_str(&format!(
            "<h2 class=\"noprint\">{h}</h2><p class=\"noprint\">{p}</p>\
             <form class=\"noprint\" method=\"post\" action=\"/account/passes/{index}/resend\">{csrf}\
             <button type=\"submit\">{b}</button></form>",
            h = ctx.t("pass.resend.title"),
            p = ctx.t("pass.resend.lead"),
            index = pass.status_index,
            csrf = ctx.csrf_input(),
            b = ctx.t("pass.resend.button"),
        ));
    }
    body.push_str(&format!("<p class=\"noprint\"><a href=\"/account\">{}</a></p>", ctx.t("pass.list.back")));
    let path = format!("/account/passes/{}", pass.status_index);
    ctx.render(StatusCode::OK, title, &body, Some(&path))
}

pub async fn page<S: Store>(
    State(state): State<AppState<S>>,
    Path(index): Path<u64>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let ctx = page_ctx!(state, headers, query);
    let (ctx, pass) = match own_pass(&state, ctx, index).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let notice = query.contains_key("sent").then(|| ctx.t("pass.resend.done"));
    render(&state, ctx, &pass, notice)
}

pub async fn resend<S: Store>(
    State(state): State<AppState<S>>,
    Path(index): Path<u64>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let ctx = form_ctx!(state, headers, query, form);
    let (ctx, pass) = match own_pass(&state, ctx, index).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Some(signer) = state.signer.clone() else { return sorry(ctx.lang) };
    let now = (state.clock)();
    let result = surge_app::passes::resend_pass_text(
        &state.store,
        &signer,
        &mut rand_core::OsRng,
        &ctx.principal.actor(),
        &pass.phone,
        index,
        ctx.lang.code(),
        now,
    )
    .await;
    match result {
        Ok(()) => ctx.redirect(&format!("/account/passes/{index}?sent=1")),
        Err(e @ (AppError::RateLimited { .. } | AppError::Conflict)) => {
            let key = if matches!(e, AppError::Conflict) { "pass.resend.not_valid" } else { "pass.resend.limit" };
            let notice = ctx.t(key);
            render(&state, ctx, &pass, Some(notice))
        }
        Err(e) => {
            tracing::error!(error = %e, "sending a pass again failed");
            sorry(ctx.lang)
        }
    }
}
