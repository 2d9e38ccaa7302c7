//! Revoking every pass of an organisation, or of one employee list, in one confirmed action: the page says how many
//! passes stop, asks for the reason the holders are texted and for a tick that the official means it, and refuses
//! when the number changed since the page was shown.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use surge_app::{AppError, OrganisationRecord, PassStatus, Role, Store};

use crate::AppState;
use crate::kit::ctx::{Field, PageCtx, error_for, error_summary, field, field_errors, not_found, sorry};
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
    if ctx.principal.require(&ROLES).is_err() {
        return Err(ctx.refuse(&here));
    }
    let batch = match surge_app::organisations::batch(&state.store, id).await {
        Ok(batch) => batch,
        Err(AppError::NotFound) => return Err(not_found(ctx)),
        Err(e) => {
            tracing::error!(error = %e, "reading a batch failed");
            return Err(sorry(ctx.lang));
        }
    };
    let (ctx, org) = crate::organisations::pages::visible_org(state, ctx, batch.organisation_id, &ROLES, &here).await?;
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
        body.push_str(&field(
            ctx.lang,
            &Field {
                name: "reason",
                label: ctx.t("passes.action.reason"),
                hint: ctx.t("passes.action.reason.hint"),
                kind: "textarea",
                value: form.get("reason").map(String::as_str).unwrap_or(""),
                ..Field::default()
            },
            error_for(errors, "reason"),
        ));
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
    let n = match count(state, &ctx, &target).await {
        Ok(n) => n,
        Err(response) => return response,
    };
    let mut errors = Vec::new();
    // The number the official saw and confirmed: if more were issued, or some revoked, since, they confirm again.
    if form.get("count").and_then(|c| c.parse::<usize>().ok()) != Some(n) {
        errors.push(("confirm".to_owned(), ctx.t("bulk.changed").replace("{n}", &n.to_string())));
    } else if form.get("confirm").map(String::as_str) != Some("yes") {
        errors.push(("confirm".to_owned(), ctx.t("bulk.confirm.missing").to_owned()));
    }
    let reason = form.get("reason").map(String::as_str).unwrap_or("");
    if !errors.is_empty() || n == 0 {
        // The reason is checked too, so every problem is listed at once.
        if let Err(AppError::InvalidForm(problems)) = surge_app::passes::checked_reason(reason) {
            errors.splice(0..0, field_errors(ctx.lang, &problems));
        }
        return render(ctx, &target, n, form, &errors);
    }
    // The holders' texts are in the authority's text language, not the official's page language.
    let sms_language = state.signer.as_ref().map_or("ko", |s| s.sms_language.as_str());
    let now = (state.clock)();
    let actor = ctx.principal.actor();
    match surge_app::passes::revoke_all(&state.store, target.org.id, target.batch, reason, &actor, sms_language, now)
        .await
    {
        Ok(revoked) => {
            for index in &revoked {
                state.caches.set_status(*index, PassStatus::Revoked, Some(reason.trim().to_owned()));
            }
            ctx.redirect(&format!("/organisations/{}/passes?revoked={}", target.org.id, revoked.len()))
        }
        Err(AppError::InvalidForm(problems)) => {
            let errors = field_errors(ctx.lang, &problems);
            render(ctx, &target, n, form, &errors)
        }
        Err(e) => {
            tracing::error!(error = %e, "revoking passes together failed");
            sorry(ctx.lang)
        }
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
