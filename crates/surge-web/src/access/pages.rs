//! Signing in and out. Citizens and organisation admins type their mobile number, get a code by SMS and type it
//! (two pages, one question each); staff use username and password and must replace a password someone else set.
//! The account page lists a citizen's organisations, or a staff member's work.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use surge_app::{AppError, Role, Store, access};

use crate::AppState;
use crate::access::auth::Principal;
use crate::access::session::{ClientAddress, LOGIN_PHONE_COOKIE, SESSION_COOKIE, cookie, set_cookie};
use crate::kit::ctx::{
    Field, PageCtx, error_for, error_summary, field, field_errors, local_path, percent_encode, sorry,
};
use crate::kit::escape;

type Q = Query<HashMap<String, String>>;

fn next_query(query: &HashMap<String, String>) -> String {
    query.get("next").map(|n| format!("?next={}", percent_encode(&local_path(Some(n))))).unwrap_or_default()
}

fn phone_form(ctx: &PageCtx, query: &HashMap<String, String>, value: &str, errors: &[(String, String)]) -> String {
    format!(
        "{summary}<h1>{title}</h1><p>{lead}</p><form method=\"post\" action=\"/login{next}\" novalidate>{csrf}{field}\
         <button type=\"submit\">{button}</button></form><p><a href=\"/login/staff{next}\">{staff}</a></p>",
        summary = error_summary(ctx.lang, errors),
        title = ctx.t("login.title"),
        lead = ctx.t("login.lead"),
        next = next_query(query),
        csrf = ctx.csrf_input(),
        field = field(
            ctx.lang,
            &Field {
                name: "phone",
                label: ctx.t("login.phone"),
                hint: ctx.t("login.phone.hint"),
                kind: "tel",
                autocomplete: "tel",
                value,
                ..Field::default()
            },
            error_for(errors, "phone"),
        ),
        button = ctx.t("login.send"),
        staff = ctx.t("login.staff_link"),
    )
}

pub async fn login_form<S: Store>(State(state): State<AppState<S>>, Query(query): Q, headers: HeaderMap) -> Response {
    let ctx = page_ctx!(state, headers, query);
    let body = phone_form(&ctx, &query, "", &[]);
    let title = ctx.t("login.title");
    ctx.render(StatusCode::OK, title, &body, Some("/login"))
}

/// The page for a refusal by a rate limit, saying how long to wait.
pub(crate) fn rate_limited(ctx: PageCtx, back: &str, retry_after_seconds: i64) -> Response {
    // Up to two hours in minutes, longer in hours: "1440 minutes" reads as a number, not as a wait.
    let minutes = (retry_after_seconds.max(60) + 59) / 60;
    let wait = if minutes <= 120 {
        ctx.t("limited.body").replace("{minutes}", &minutes.to_string())
    } else {
        ctx.t("limited.body.hours").replace("{hours}", &((minutes + 59) / 60).to_string())
    };
    let body =
        format!("<h1>{}</h1><p>{}</p><p><a href=\"{back}\">{}</a></p>", ctx.t("limited.title"), wait, ctx.t("back"));
    let title = ctx.t("limited.title");
    ctx.render(StatusCode::TOO_MANY_REQUESTS, title, &body, None)
}

pub async fn login_submit<S: Store>(
    State(state): State<AppState<S>>,
    Query(query): Q,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let mut ctx = form_ctx!(state, headers, query, form);
    let typed = form.get("phone").cloned().unwrap_or_default();
    let result = access::request_login_code(
        &state.store,
        &state.web.access,
        ctx.lang.code(),
        &state.config.phone_region,
        &typed,
        &address,
        (state.clock)(),
        &mut rand_core::OsRng,
    )
    .await;
    match result {
        Ok(phone) => {
            let lifetime = state.web.access.code_lifetime.whole_seconds();
            ctx.add_cookie(set_cookie(&state.web, LOGIN_PHONE_COOKIE, &percent_encode(&phone), lifetime));
            let next = next_query(&query);
            ctx.redirect(&format!("/login/code{next}"))
        }
        Err(AppError::InvalidForm(errors)) => {
            let errors =
                vec![("phone".to_owned(), ctx.lang.field_error("login.phone", errors[0].code, &errors[0].message))];
            let body = phone_form(&ctx, &query, &typed, &errors);
            let title = format!("{} {}", ctx.t("error.prefix"), ctx.t("login.title"));
            ctx.render(StatusCode::UNPROCESSABLE_ENTITY, &title, &body, Some("/login"))
        }
        Err(AppError::RateLimited { retry_after_seconds }) => rate_limited(ctx, "/login", retry_after_seconds),
        Err(e) => {
            tracing::error!(error = ?e, "sending a sign-in code failed");
            sorry(ctx.lang)
        }
    }
}

fn code_form(ctx: &PageCtx, query: &HashMap<String, String>, phone: &str, errors: &[(String, String)]) -> String {
    let masked = surge_domain::Phone::from_stored(phone).map(|p| p.masked()).unwrap_or_default();
    format!(
        "{summary}<h1>{title}</h1><p>{lead} <strong>{masked}</strong></p>\
         <form method=\"post\" action=\"/login/code{next}\" novalidate>{csrf}{field}\
         <button type=\"submit\">{button}</button></form><p><a href=\"/login{next}\">{again}</a></p>",
        summary = error_summary(ctx.lang, errors),
        title = ctx.t("code.title"),
        lead = ctx.t("code.lead"),
        masked = escape(&masked),
        next = next_query(query),
        csrf = ctx.csrf_input(),
        field = field(
            ctx.lang,
            &Field {
                name: "code",
                label: ctx.t("code.label"),
                hint: ctx.t("code.hint"),
                kind: "text",
                autocomplete: "one-time-code",
                attributes: " inputmode=\"numeric\" maxlength=\"7\" spellcheck=\"false\"",
                ..Field::default()
            },
            error_for(errors, "code"),
        ),
        button = ctx.t("code.submit"),
        again = ctx.t("code.again"),
    )
}

fn login_phone(headers: &HeaderMap) -> Option<String> {
    let raw = cookie(headers, LOGIN_PHONE_COOKIE)?;
    let phone = raw.replace("%2B", "+");
    surge_domain::Phone::from_stored(&phone).ok().map(|p| p.as_str().to_owned())
}

pub async fn code_form_page<S: Store>(
    State(state): State<AppState<S>>,
    Query(query): Q,
    headers: HeaderMap,
) -> Response {
    let ctx = page_ctx!(state, headers, query);
    let Some(phone) = login_phone(&headers) else {
        let next = next_query(&query);
        return ctx.redirect(&format!("/login{next}"));
    };
    let body = code_form(&ctx, &query, &phone, &[]);
    let title = ctx.t("code.title");
    ctx.render(StatusCode::OK, title, &body, Some("/login/code"))
}

pub async fn code_submit<S: Store>(
    State(state): State<AppState<S>>,
    Query(query): Q,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let mut ctx = form_ctx!(state, headers, query, form);
    let Some(phone) = login_phone(&headers) else {
        let next = next_query(&query);
        return ctx.redirect(&format!("/login{next}"));
    };
    let code = form.get("code").cloned().unwrap_or_default();
    let now = (state.clock)();
    match access::sign_in_with_code(&state.store, &state.web.access, &phone, &code, now, &mut rand_core::OsRng).await {
        Ok((token, _)) => {
            let lifetime = state.web.access.session_lifetime.whole_seconds();
            ctx.add_cookie(set_cookie(&state.web, SESSION_COOKIE, token.reveal(), lifetime));
            ctx.add_cookie(set_cookie(&state.web, LOGIN_PHONE_COOKIE, "", 0));
            let next = local_path(query.get("next"));
            ctx.redirect(&next)
        }
        Err(AppError::InvalidForm(errors)) => {
            let errors = field_errors(ctx.lang, &errors);
            let body = code_form(&ctx, &query, &phone, &errors);
            let title = format!("{} {}", ctx.t("error.prefix"), ctx.t("code.title"));
            ctx.render(StatusCode::UNPROCESSABLE_ENTITY, &title, &body, None)
        }
        Err(e @ (AppError::CodeWrong { .. } | AppError::CodeSpent)) => {
            // Say how many tries are left, and when a code has stopped working, that a new one is needed: the
            // person was otherwise locked out without being told.
            let message = match e {
                AppError::CodeWrong { attempts_left: 0 } => ctx.t("code.last_try").to_owned(),
                AppError::CodeWrong { attempts_left } => {
                    ctx.t("code.wrong_left").replace("{n}", &attempts_left.to_string())
                }
                _ => ctx.t("code.spent").to_owned(),
            };
            let errors = vec![("code".to_owned(), message)];
            let body = code_form(&ctx, &query, &phone, &errors);
            let title = format!("{} {}", ctx.t("error.prefix"), ctx.t("code.title"));
            ctx.render(StatusCode::UNAUTHORIZED, &title, &body, None)
        }
        Err(e) => {
            tracing::error!(error = ?e, "signing in with a code failed");
            sorry(ctx.lang)
        }
    }
}

fn staff_form(ctx: &PageCtx, query: &HashMap<String, String>, username: &str, errors: &[(String, String)]) -> String {
    format!(
        "{summary}<h1>{title}</h1><form method=\"post\" action=\"/login/staff{next}\" novalidate>{csrf}{user}{password}\
         <button type=\"submit\">{button}</button></form>",
        summary = error_summary(ctx.lang, errors),
        title = ctx.t("staff.title"),
        next = next_query(query),
        csrf = ctx.csrf_input(),
        user = field(
            ctx.lang,
            &Field {
                name: "username",
                label: ctx.t("staff.username"),
                kind: "text",
                autocomplete: "username",
                value: username,
                attributes: " spellcheck=\"false\" autocapitalize=\"none\"",
                ..Field::default()
            },
            error_for(errors, "username"),
        ),
        password = field(
            ctx.lang,
            &Field {
                name: "password",
                label: ctx.t("staff.password"),
                kind: "password",
                autocomplete: "current-password",
                ..Field::default()
            },
            error_for(errors, "password"),
        ),
        button = ctx.t("staff.submit"),
    )
}

pub async fn staff_form_page<S: Store>(
    State(state): State<AppState<S>>,
    Query(query): Q,
    headers: HeaderMap,
) -> Response {
    let ctx = page_ctx!(state, headers, query);
    let body = staff_form(&ctx, &query, "", &[]);
    let title = ctx.t("staff.title");
    ctx.render(StatusCode::OK, title, &body, Some("/login/staff"))
}

pub async fn staff_submit<S: Store>(
    State(state): State<AppState<S>>,
    Query(query): Q,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let mut ctx = form_ctx!(state, headers, query, form);
    let username = form.get("username").cloned().unwrap_or_default();
    let password = form.get("password").cloned().unwrap_or_default();
    let mut errors = Vec::new();
    if username.trim().is_empty() {
        errors.push(("username".to_owned(), ctx.t("staff.username.missing").to_owned()));
    }
    if password.is_empty() {
        errors.push(("password".to_owned(), ctx.t("staff.password.missing").to_owned()));
    }
    if errors.is_empty() {
        let now = (state.clock)();
        let result = access::sign_in_with_password(
            &state.store,
            &state.web.access,
            &username,
            &password,
            &address,
            now,
            &mut rand_core::OsRng,
        )
        .await;
        match result {
            Ok((token, account)) => {
                let lifetime = state.web.access.session_lifetime.whole_seconds();
                ctx.add_cookie(set_cookie(&state.web, SESSION_COOKIE, token.reveal(), lifetime));
                let next = if account.must_change_password {
                    "/account/password".to_owned()
                } else {
                    local_path(query.get("next"))
                };
                return ctx.redirect(&next);
            }
            Err(AppError::SignInFailed) => {
                errors.push(("username".to_owned(), ctx.t("staff.wrong").to_owned()));
            }
            Err(AppError::RateLimited { retry_after_seconds }) => {
                return rate_limited(ctx, "/login/staff", retry_after_seconds);
            }
            Err(e) => {
                tracing::error!(error = ?e, "staff sign-in failed");
                return sorry(ctx.lang);
            }
        }
    }
    let body = staff_form(&ctx, &query, &username, &errors);
    let title = format!("{} {}", ctx.t("error.prefix"), ctx.t("staff.title"));
    ctx.render(StatusCode::UNPROCESSABLE_ENTITY, &title, &body, None)
}

pub async fn logout<S: Store>(
    State(state): State<AppState<S>>,
    Query(query): Q,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let mut ctx = form_ctx!(state, headers, query, form);
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        if let Err(e) = access::sign_out(&state.store, token).await {
            tracing::error!(error = ?e, "signing out failed");
            return sorry(ctx.lang);
        }
    }
    ctx.add_cookie(set_cookie(&state.web, SESSION_COOKIE, "", 0));
    ctx.redirect("/login")
}

fn password_form(ctx: &PageCtx, forced: bool, errors: &[(String, String)]) -> String {
    let lead = if forced { format!("<p>{}</p>", ctx.t("password.forced")) } else { String::new() };
    let input = |name: &'static str, label: &'static str, hint: &'static str, autocomplete: &'static str| {
        field(
            ctx.lang,
            &Field { name, label, hint, kind: "password", autocomplete, ..Field::default() },
            error_for(errors, name),
        )
    };
    format!(
        "{summary}<h1>{title}</h1>{lead}<form method=\"post\" action=\"/account/password\" novalidate>{csrf}{a}{b}{c}\
         <button type=\"submit\">{button}</button></form>",
        summary = error_summary(ctx.lang, errors),
        title = ctx.t("password.title"),
        csrf = ctx.csrf_input(),
        a = input("current_password", ctx.t("password.current"), "", "current-password"),
        b = input("new_password", ctx.t("password.new"), ctx.t("password.new.hint"), "new-password"),
        c = input("confirm_password", ctx.t("password.confirm"), "", "new-password"),
        button = ctx.t("password.submit"),
    )
}

async fn staff_account<S: Store>(state: &AppState<S>, headers: &HeaderMap) -> Option<surge_app::AccountRecord> {
    let token = cookie(headers, SESSION_COOKIE)?;
    access::session_account(&state.store, token, (state.clock)()).await.ok().filter(|a| a.username.is_some())
}

pub async fn password_page<S: Store>(
    State(state): State<AppState<S>>,
    Query(query): Q,
    headers: HeaderMap,
) -> Response {
    let ctx = page_ctx!(state, headers, query);
    let Some(account) = staff_account(&state, &headers).await else { return ctx.refuse_staff("/account/password") };
    let body = password_form(&ctx, account.must_change_password, &[]);
    let title = ctx.t("password.title");
    ctx.render(StatusCode::OK, title, &body, Some("/account/password"))
}

pub async fn password_submit<S: Store>(
    State(state): State<AppState<S>>,
    Query(query): Q,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let ctx = form_ctx!(state, headers, query, form);
    let Some(account) = staff_account(&state, &headers).await else { return ctx.refuse_staff("/account/password") };
    let get = |name: &str| form.get(name).cloned().unwrap_or_default();
    let result = access::change_password(
        &state.store,
        &state.web.access,
        &account,
        &get("current_password"),
        &get("new_password"),
        &get("confirm_password"),
        (state.clock)(),
        &mut rand_core::OsRng,
    )
    .await;
    match result {
        Ok(()) => ctx.redirect("/account"),
        Err(AppError::InvalidForm(errors)) => {
            let errors = field_errors(ctx.lang, &errors);
            let body = password_form(&ctx, account.must_change_password, &errors);
            let title = format!("{} {}", ctx.t("error.prefix"), ctx.t("password.title"));
            ctx.render(StatusCode::UNPROCESSABLE_ENTITY, &title, &body, None)
        }
        Err(e) => {
            tracing::error!(error = ?e, "changing a password failed");
            sorry(ctx.lang)
        }
    }
}

/// A citizen's organisations, or a staff member's starting points.
pub async fn account_page<S: Store>(State(state): State<AppState<S>>, Query(query): Q, headers: HeaderMap) -> Response {
    let ctx = page_ctx!(state, headers, query);
    let mut body = format!("<h1>{}</h1>", ctx.t("account.title"));
    match &ctx.principal {
        Principal::Anonymous | Principal::Key { .. } => return ctx.refuse("/account"),
        Principal::Staff { must_change_password: true, .. } => return ctx.redirect("/account/password"),
        Principal::Staff { role: Role::Clinician, .. } => {
            body.push_str(&format!(
                "<ul><li><a href=\"/results/queue\">{}</a></li><li><a href=\"/results/label\">{}</a></li>\
                 <li><a href=\"/account/password\">{}</a></li></ul>",
                ctx.t("results.queue.title"),
                ctx.t("results.label.title"),
                ctx.t("password.title")
            ));
        }
        Principal::Staff { role, .. } => {
            body.push_str(&format!("<ul><li><a href=\"/checkpoint\">{}</a></li>", ctx.t("check.title")));
            if matches!(role, Role::Admin | Role::Official) {
                body.push_str(&format!("<li><a href=\"/screening\">{}</a></li>", ctx.t("account.screening")));
                body.push_str(&format!("<li><a href=\"/applications\">{}</a></li>", ctx.t("applications.title")));
                body.push_str(&format!("<li><a href=\"/passes\">{}</a></li>", ctx.t("passes.title")));
                body.push_str(&format!("<li><a href=\"/messages\">{}</a></li>", ctx.t("messages.title")));
                body.push_str(&format!("<li><a href=\"/policy\">{}</a></li>", ctx.t("policy.title")));
                body.push_str(&format!("<li><a href=\"/live\">{}</a></li>", ctx.t("account.live")));
                body.push_str(&format!("<li><a href=\"/situation\">{}</a></li>", ctx.t("account.situation")));
            }
            if *role == Role::Admin {
                body.push_str(&format!("<li><a href=\"/admin/keys\">{}</a></li>", ctx.t("account.keys")));
                body.push_str(&format!("<li><a href=\"/admin/staff\">{}</a></li>", ctx.t("staff.accounts")));
                body.push_str(&format!("<li><a href=\"/admin/api-keys\">{}</a></li>", ctx.t("keys.api.title")));
            }
            body.push_str(&format!("<li><a href=\"/account/password\">{}</a></li></ul>", ctx.t("password.title")));
        }
        Principal::Citizen { phone, .. } => {
            match crate::passes::holder::holder_list(&state, &ctx, phone).await {
                Ok(list) => body.push_str(&list),
                Err(e) => {
                    tracing::error!(error = %e, "listing a holder's passes failed");
                    return sorry(ctx.lang);
                }
            }
            match crate::applications::pages::citizen_list(&state, ctx.lang, phone).await {
                Ok(list) => body.push_str(&list),
                Err(e) => {
                    tracing::error!(error = %e, "listing a citizen's applications failed");
                    return sorry(ctx.lang);
                }
            }
            let orgs = match surge_app::organisations::registered_by(&state.store, phone).await {
                Ok(orgs) => orgs,
                Err(e) => {
                    tracing::error!(error = %e, "listing a citizen's organisations failed");
                    return sorry(ctx.lang);
                }
            };
            body.push_str(&format!("<h2>{}</h2>", ctx.t("account.organisations")));
            if orgs.is_empty() {
                body.push_str(&format!("<p>{}</p>", ctx.t("account.none")));
            } else {
                body.push_str("<ul>");
                for org in &orgs {
                    body.push_str(&format!(
                        "<li><a href=\"/organisations/{id}\">{name}</a> <span class=\"tag {code}\">{status}</span></li>",
                        id = org.id,
                        name = escape(&org.legal_name),
                        code = org.status.code(),
                        status = ctx.lang.status(org.status.code()),
                    ));
                }
                body.push_str("</ul>");
            }
            body.push_str(&format!("<p><a href=\"/register\">{}</a></p>", ctx.t("account.register")));
        }
    }
    let title = ctx.t("account.title");
    ctx.render(StatusCode::OK, title, &body, Some("/account"))
}
