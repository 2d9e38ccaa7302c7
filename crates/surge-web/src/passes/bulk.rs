//! Revoking every pass of an organisation, or of one employee list, in one confirmed action: the page says how many
//! passes stop, asks for the reason the holders are texted and for a tick that the official means it, and refuses
//! when the number changed since the page was shown.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use surge_app::passes::RevokeAll;
use surge_app::{AppError, OrganisationRecord, PassStatus, Role, Store};

use crate::AppState;
use crate::kit::ctx::{PageCtx, error_for, error_summary, field_errors, sorry};
use crate::kit::escape;

/// Officials within their scope, and the organisation's own admin for its own passes.
const ROLES: [Role; 3] = [Role::Admin, Role::Official, Role::OrganisationAdmin];

/// What is revoked: all of an organisation's passes, or one of its lists'.
struct Target {
    org: OrganisationRecord,
    batch: Option<i64>,
    /// The page's own address, where the form posts.
    here: String,
}

async fn organisation_target<S: Store>(
    state: &AppState<S>,
    ctx: PageCtx,
    id: i64,
) -> Result<(PageCtx, Target), Response> {
    let here = format!("/organisations/{id}/revoke-all");
    let (ctx, org) = crate::organisations::pages::visible_org(state, ctx, id, &ROLES, &here).await?;
    Ok((ctx, Target { org, batch: None, here }))
}

async fn batch_target<S: Store>(state: &AppState<S>, ctx: PageCtx, id: i64) -> Result<(PageCtx, Target), Response> {
    let here = format!("/batches/{id}/revoke-all");
    let (ctx, _, org) = crate::organisations::pages::visible_batch(state, ctx, id, &here).await?;
    Ok((ctx, Target { org, batch: Some(id), here }))
}

/// How many passes the action would revoke now.
async fn count<S: Store>(state: &AppState<S>, ctx: &PageCtx, target: &Target) -> Result<usize, Response> {
    let now = (state.clock)();
    match surge_app::passes::revocable_passes(&state.store, target.org.id, target.batch, now).await {
        Ok(passes) => Ok(passes.len()),
        Err(e) => {
            tracing::error!(error = %e, "counting passes to revoke failed");
            Err(sorry(ctx.lang))
        }
    }
}

fn render(
    ctx: PageCtx,
    target: &Target,
    n: usize,
    form: &HashMap<String, String>,
    errors: &[(String, String)],
) -> Response {
    let title = match target.batch {
        Some(batch) => ctx.t("bulk.title.batch").replace("{batch}", &batch.to_string()),
        None => ctx.t("bulk.title.org").to_owned(),
    };
    let back = match target.batch {
        Some(batch) => format!("/batches/{batch}"),
        None => format!("/organisations/{}/passes", target.org.id),
    };
    let mut body = error_summary(ctx.lang, errors);
    body.push_str(&format!(
        "<p class=\"hint\">{org}</p><h1>{title}</h1>",
        org = escape(&target.org.legal_name),
        title = escape(&title)
    ));
    if n == 0 {
        body.push_str(&format!("<p>{}</p><p><a href=\"{back}\">{}</a></p>", ctx.t("bulk.none"), ctx.t("batch.back")));
    } else {
        let count = n.to_string();
        body.push_str(&format!(
            "<p>{lead}</p><form method=\"post\" action=\"{here}\" novalidate>{csrf}\
             <input type=\"hidden\" name=\"count\" value=\"{count}\">",
            lead = ctx.t("bulk.lead").replace("{n}", &count),
            here = target.here,
            csrf = ctx.csrf_input(),
        ));
        body.push_str(&super::manage::reason_field(&ctx, form.get("reason").map(String::as_str).unwrap_or(""), errors));
        let confirm_error = error_for(errors, "confirm")
            .map(|m| {
                format!(
                    "<p class=\"error-message\" id=\"confirm-error\"><span class=\"visually-hidden\">{}</span> {}</p>",
                    ctx.t("error.prefix"),
                    escape(m)
                )
            })
            .unwrap_or_default();
        body.push_str(&format!(
            "<div class=\"field{err_class}\">{confirm_error}<div class=\"radio\"><input type=\"checkbox\" id=\"confirm\" \
             name=\"confirm\" value=\"yes\"{described}><label for=\"confirm\">{label}</label></div></div>\
             <button type=\"submit\" class=\"danger\">{button}</button> <a href=\"{back}\">{cancel}</a></form>",
            err_class = if confirm_error.is_empty() { "" } else { " field-error" },
            described = if confirm_error.is_empty() {
                ""
            } else {
                " aria-describedby=\"confirm-error\" aria-invalid=\"true\""
            },
            label = ctx.t("bulk.confirm").replace("{n}", &count),
            button = ctx.t("bulk.button").replace("{n}", &count),
            cancel = ctx.t("cancel"),
        ));
    }
    ctx.render_form(&title, errors, &body, &target.here)
}

async fn page<S: Store>(state: &AppState<S>, ctx: PageCtx, target: Target) -> Response {
    match count(state, &ctx, &target).await {
        Ok(n) => render(ctx, &target, n, &HashMap::new(), &[]),
        Err(response) => response,
    }
}

async fn submit<S: Store>(
    state: &AppState<S>,
    ctx: PageCtx,
    target: Target,
    form: &HashMap<String, String>,
) -> Response {
    let reason = form.get("reason").map(String::as_str).unwrap_or("");
    let confirmed = form.get("count").and_then(|c| c.parse::<usize>().ok());
    let ticked = form.get("confirm").map(String::as_str) == Some("yes");
    let (Some(confirmed), true) = (confirmed, ticked) else {
        // The reason is checked too, so every problem is listed at once.
        let mut errors = match surge_app::passes::checked_reason(reason) {
            Err(AppError::InvalidForm(problems)) => field_errors(ctx.lang, &problems),
            _ => Vec::new(),
        };
        errors.push(("confirm".to_owned(), ctx.t("bulk.confirm.missing").to_owned()));
        return again(state, ctx, &target, form, errors).await;
    };
    // The holders' texts are in the language each last used, else the authority's, never the official's page's.
    let sms_language = state.signer.as_ref().map_or("ko", |s| s.sms_language.as_str());
    let now = (state.clock)();
    let actor = ctx.principal.actor();
    let what = RevokeAll { organisation_id: target.org.id, batch_id: target.batch, confirmed };
    match surge_app::passes::revoke_all(&state.store, what, reason, &actor, sms_language, now).await {
        Ok(revoked) => {
            for index in &revoked {
                state.caches.set_status(*index, PassStatus::Revoked, Some(reason.trim().to_owned()));
            }
            ctx.redirect(&format!("/organisations/{}/passes?revoked={}", target.org.id, revoked.len()))
        }
        Err(AppError::InvalidForm(problems)) => {
            let errors = field_errors(ctx.lang, &problems);
            again(state, ctx, &target, form, errors).await
        }
        // More were issued, or some revoked, since the page was shown: the official confirms the new number.
        Err(AppError::Unprocessable { code: "count_changed", .. }) => {
            let n = match count(state, &ctx, &target).await {
                Ok(n) => n,
                Err(response) => return response,
            };
            let errors = vec![("confirm".to_owned(), ctx.t("bulk.changed").replace("{n}", &n.to_string()))];
            render(ctx, &target, n, form, &errors)
        }
        Err(e) => {
            tracing::error!(error = %e, "revoking passes together failed");
            sorry(ctx.lang)
        }
    }
}

/// The form again with what was wrong, and the number as it is now.
async fn again<S: Store>(
    state: &AppState<S>,
    ctx: PageCtx,
    target: &Target,
    form: &HashMap<String, String>,
    errors: Vec<(String, String)>,
) -> Response {
    match count(state, &ctx, target).await {
        Ok(n) => render(ctx, target, n, form, &errors),
        Err(response) => response,
    }
}

pub async fn organisation_page<S: Store>(
    State(state): State<AppState<S>>,
    Path(id): Path<i64>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let ctx = page_ctx!(state, headers, query);
    match organisation_target(&state, ctx, id).await {
        Ok((ctx, target)) => page(&state, ctx, target).await,
        Err(response) => response,
    }
}

pub async fn organisation_submit<S: Store>(
    State(state): State<AppState<S>>,
    Path(id): Path<i64>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let ctx = form_ctx!(state, headers, query, form);
    match organisation_target(&state, ctx, id).await {
        Ok((ctx, target)) => submit(&state, ctx, target, &form).await,
        Err(response) => response,
    }
}

pub async fn batch_page<S: Store>(
    State(state): State<AppState<S>>,
    Path(id): Path<i64>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let ctx = page_ctx!(state, headers, query);
    match batch_target(&state, ctx, id).await {
        Ok((ctx, target)) => page(&state, ctx, target).await,
        Err(response) => response,
    }
}

pub async fn batch_submit<S: Store>(
    State(state): State<AppState<S>>,
    Path(id): Path<i64>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let ctx = form_ctx!(state, headers, query, form);
    match batch_target(&state, ctx, id).await {
        Ok((ctx, target)) => submit(&state, ctx, target, &form).await,
        Err(response) => response,
    }
}
