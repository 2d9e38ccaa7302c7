//! The keys page and its two actions. Rotating is safe at any time (what the old key signed keeps verifying), so it
//! is one button; withdrawing stops every pass the key signed, so it has a page of its own that asks why.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use surge_app::keys::{KeyAdmin, KeyInfo, KeyUse, keys_view};
use surge_app::{AppError, Role, Store};

use crate::AppState;
use crate::kit::ctx::{Field, PageCtx, error_for, error_summary, field, field_errors, not_found, sorry};
use crate::kit::escape;

/// The key store, for admins only: anyone else on staff is sent to sign in as one, and a service given no key
/// store shows none.
fn admin_keys<S>(state: &AppState<S>, ctx: PageCtx) -> Result<(PageCtx, Arc<dyn KeyAdmin>), Box<Response>> {
    if ctx.principal.require(&[Role::Admin]).is_err() {
        return Err(Box::new(ctx.refuse_staff("/admin/keys")));
    }
    match state.keys.clone() {
        Some(admin) => Ok((ctx, admin)),
        None => Err(Box::new(not_found(ctx))),
    }
}

/// As `admin_keys`, and the key `kid` names; an id that is not one, or names no key, is not found.
fn admin_key<S>(
    state: &AppState<S>,
    ctx: PageCtx,
    kid: &str,
) -> Result<(PageCtx, Arc<dyn KeyAdmin>, KeyInfo), Box<Response>> {
    let (ctx, admin) = admin_keys(state, ctx)?;
    let Some(kid) = key_id(kid) else { return Err(Box::new(not_found(ctx))) };
    match admin.keys() {
        Ok(keys) => match keys.into_iter().find(|k| k.kid == kid) {
            Some(key) => Ok((ctx, admin, key)),
            None => Err(Box::new(not_found(ctx))),
        },
        Err(e) => {
            tracing::error!(code = e.code(), error = %e, "reading the pass keys failed");
            Err(Box::new(sorry(ctx.lang)))
        }
    }
}

fn use_words(ctx: &PageCtx, key_use: KeyUse) -> String {
    let (class, key) = match key_use {
        KeyUse::Signing => ("approved", "keys.use.signing"),
        KeyUse::Next => ("info_requested", "keys.use.next"),
        KeyUse::Retired => ("", "keys.use.retired"),
        KeyUse::Withdrawn => ("rejected", "keys.use.withdrawn"),
    };
    format!("<span class=\"tag {class}\">{}</span>", ctx.t(key))
}

pub async fn page<S: Store>(
    State(state): State<AppState<S>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let ctx = page_ctx!(state, headers, query);
    let (ctx, admin) = match admin_keys(&state, ctx) {
        Ok(found) => found,
        Err(response) => return *response,
    };
    let view = match keys_view(admin.as_ref()) {
        Ok(view) => view,
        Err(e) => {
            tracing::error!(code = e.code(), error = %e, "reading the pass keys failed");
            return sorry(ctx.lang);
        }
    };
    let mut body = String::new();
    if let Some(done) = query.get("done").and_then(|d| match d.as_str() {
        "rotated" => Some("keys.done.rotated"),
        "withdrawn" => Some("keys.done.withdrawn"),
        _ => None,
    }) {
        body.push_str(&crate::kit::notice(ctx.t(done)));
    }
    body.push_str(&format!("<div class=\"wide\"><h1>{}</h1>", ctx.t("keys.title")));
    if let (Some(signing), Some(at)) = (view.keys.iter().find(|k| k.key_use == KeyUse::Signing), view.next_rotation) {
        body.push_str(&format!(
            "<p>{}</p>",
            ctx.t("keys.lead")
                .replace("{kid}", &format!("<code>{}</code>", escape(&signing.kid)))
                .replace("{at}", &format!("<strong>{}</strong>", ctx.when(at)))
        ));
    }
    // One summary per key rather than a table: a 16-digit key id and two times do not fit a phone's width side by
    // side.
    for key in &view.keys {
        body.push_str(&key_summary(&ctx, key));
    }
    body.push_str(&format!(
        "<h2>{rotate_h}</h2><p>{rotate_p}</p><form method=\"post\" action=\"/admin/keys/rotate\">{csrf}\
         <button type=\"submit\">{rotate_b}</button></form>\
         <h2>{trust_h}</h2><p>{trust_p}</p><p><a href=\"/api/v1/trust-list\" download=\"trust.json\">{trust_a}</a></p></div>",
        rotate_h = ctx.t("keys.rotate.title"),
        rotate_p = ctx.t("keys.rotate.lead"),
        csrf = ctx.csrf_input(),
        rotate_b = ctx.t("keys.rotate.button"),
        trust_h = ctx.t("keys.trust.title"),
        trust_p = ctx.t("keys.trust.lead"),
        trust_a = ctx.t("keys.trust.download"),
    ));
    let title = ctx.t("keys.title");
    ctx.render(StatusCode::OK, title, &body, Some("/admin/keys"))
}

fn key_summary(ctx: &PageCtx, key: &KeyInfo) -> String {
    let action = if key.key_use == KeyUse::Withdrawn {
        String::new()
    } else {
        format!(
            "<p><a href=\"/admin/keys/{kid}/withdraw\">{withdraw}<span class=\"visually-hidden\"> <code>{kid}</code></span></a></p>",
            kid = escape(&key.kid),
            withdraw = ctx.t("keys.withdraw"),
        )
    };
    format!(
        "<section class=\"inset key-summary\"><h2>{key_l} <code>{kid}</code></h2><dl><dt>{use_l}</dt>\
         <dd class=\"key-use\">{use_}</dd><dt>{from_l}</dt><dd>{from}</dd><dt>{until_l}</dt><dd>{until}</dd></dl>\
         {action}</section>",
        key_l = ctx.t("keys.key"),
        kid = escape(&key.kid),
        use_l = ctx.t("keys.use"),
        use_ = use_words(ctx, key.key_use),
        from_l = ctx.t("keys.from"),
        from = ctx.when(key.valid_from),
        until_l = ctx.t("keys.until"),
        until = ctx.when(key.valid_until),
    )
}

pub async fn rotate<S: Store>(
    State(state): State<AppState<S>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let ctx = form_ctx!(state, headers, query, form);
    let (ctx, admin) = match admin_keys(&state, ctx) {
        Ok(found) => found,
        Err(response) => return *response,
    };
    match surge_app::keys::rotate_now(&state.store, admin.as_ref(), &ctx.principal.actor(), (state.clock)()).await {
        Ok(signing) => {
            tracing::info!(kid = %signing.kid, "an admin rotated the pass key");
            ctx.redirect("/admin/keys?done=rotated")
        }
        Err(e) => {
            tracing::error!(error = %e, "rotating the pass key failed");
            sorry(ctx.lang)
        }
    }
}

/// `kid` as written in key ids: 16 lower-case hex digits; anything else names no key.
fn key_id(kid: &str) -> Option<&str> {
    (kid.len() == 16 && kid.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))).then_some(kid)
}

fn withdraw_form(ctx: &PageCtx, key: &KeyInfo, reason: &str, errors: &[(String, String)]) -> String {
    let mut body = error_summary(ctx.lang, errors);
    let signing = if key.key_use == KeyUse::Signing {
        format!("<p>{}</p>", ctx.t("keys.withdraw.signing"))
    } else {
        String::new()
    };
    body.push_str(&format!(
        "<h1>{title}</h1><div class=\"warning\"><p><strong>{warning}</strong></p></div>{signing}\
         <form method=\"post\" action=\"/admin/keys/{kid}/withdraw\" novalidate>{csrf}",
        title = ctx.t("keys.withdraw.title").replace("{kid}", &format!("<code>{}</code>", escape(&key.kid))),
        warning = ctx.t("keys.withdraw.warning"),
        kid = escape(&key.kid),
        csrf = ctx.csrf_input(),
    ));
    body.push_str(&field(
        ctx.lang,
        &Field {
            name: "reason",
            label: ctx.t("keys.withdraw.reason"),
            hint: ctx.t("keys.withdraw.reason.hint"),
            kind: "textarea",
            value: reason,
            ..Field::default()
        },
        error_for(errors, "reason"),
    ));
    body.push_str(&format!(
        "<button type=\"submit\" class=\"danger\">{}</button> <a href=\"/admin/keys\">{}</a></form>",
        ctx.t("keys.withdraw.button"),
        ctx.t("cancel"),
    ));
    body
}

pub async fn withdraw_page<S: Store>(
    State(state): State<AppState<S>>,
    Path(kid): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let ctx = page_ctx!(state, headers, query);
    let (ctx, _, key) = match admin_key(&state, ctx, &kid) {
        Ok(found) => found,
        Err(response) => return *response,
    };
    if key.key_use == KeyUse::Withdrawn {
        return ctx.redirect("/admin/keys");
    }
    let body = withdraw_form(&ctx, &key, "", &[]);
    let title = ctx.t("keys.withdraw.title").replace("{kid}", &key.kid);
    let path = format!("/admin/keys/{}/withdraw", key.kid);
    ctx.render(StatusCode::OK, &title, &body, Some(&path))
}

pub async fn withdraw<S: Store>(
    State(state): State<AppState<S>>,
    Path(kid): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let ctx = form_ctx!(state, headers, query, form);
    let (ctx, admin, key) = match admin_key(&state, ctx, &kid) {
        Ok(found) => found,
        Err(response) => return *response,
    };
    let reason = form.get("reason").map(String::as_str).unwrap_or("");
    let now = (state.clock)();
    match surge_app::keys::withdraw_key(&state.store, admin.as_ref(), &ctx.principal.actor(), &key.kid, reason, now)
        .await
    {
        Ok(()) => ctx.redirect("/admin/keys?done=withdrawn"),
        // Withdrawn meanwhile, by another admin: the list says so.
        Err(AppError::Conflict) => ctx.redirect("/admin/keys"),
        Err(AppError::NotFound) => not_found(ctx),
        Err(AppError::InvalidForm(problems)) => {
            let errors = field_errors(ctx.lang, &problems);
            let body = withdraw_form(&ctx, &key, reason, &errors);
            let title =
                format!("{} {}", ctx.t("error.prefix"), ctx.t("keys.withdraw.title").replace("{kid}", &key.kid));
            ctx.render(StatusCode::UNPROCESSABLE_ENTITY, &title, &body, None)
        }
        Err(e) => {
            tracing::error!(error = %e, "withdrawing a pass key failed");
            sorry(ctx.lang)
        }
    }
}
