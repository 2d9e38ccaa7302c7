//! The admin's pages for who may act on the service: staff accounts (made with a one-time password, shown once)
//! and API keys (shown once, listed after only by their label; revoked on a page of its own that asks first).

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use surge_app::{AppError, KeyScope, Role, Store};

use crate::AppState;
use crate::kit::ctx::{Field, PageCtx, error_for, error_summary, field, field_errors, not_found, radio_group, sorry};
use crate::kit::escape;

pub(crate) fn routes<S: Store + Clone + 'static>() -> Router<AppState<S>> {
    Router::new()
        .route("/admin/staff", get(staff_page::<S>))
        .route("/admin/staff/new", get(new_staff_page::<S>).post(new_staff::<S>))
        .route("/admin/api-keys", get(keys_page::<S>))
        .route("/admin/api-keys/new", get(new_key_page::<S>).post(new_key::<S>))
        .route("/admin/api-keys/{id}/revoke", get(revoke_page::<S>).post(revoke::<S>))
}

type Q = Query<HashMap<String, String>>;

/// Admins only; anyone else is sent to sign in as one.
fn admin(ctx: PageCtx, here: &str) -> Result<PageCtx, Box<Response>> {
    if ctx.principal.require(&[Role::Admin]).is_err() {
        return Err(Box::new(ctx.refuse_staff(here)));
    }
    Ok(ctx)
}

fn role_words(ctx: &PageCtx, role: Role) -> &'static str {
    ctx.t(match role {
        Role::Admin => "staff.role.admin",
        Role::Official => "staff.role.official",
        Role::Checkpoint => "staff.role.checkpoint",
        Role::Clinician => "staff.role.clinician",
        Role::Lab => "staff.role.lab",
        Role::OrganisationAdmin => "staff.role.organisation_admin",
        Role::Applicant => "staff.role.applicant",
    })
}

/// A key's name: those the service gives its own keys in the page's language, any other as the admin typed it.
fn label_words(ctx: &PageCtx, label: &str) -> String {
    match label {
        "first admin" => ctx.t("keys.api.label.first_admin").to_owned(),
        "organisation admin (registration)" => ctx.t("keys.api.label.registration").to_owned(),
        other => escape(other),
    }
}

/// A scope in words: its zones by name (`Busan (KR-26)`), then its categories.
fn scope_words(ctx: &PageCtx, zones: &surge_domain::ZoneList, scope: &KeyScope) -> String {
    if scope.is_unlimited() {
        return ctx.t("staff.scope.all").to_owned();
    }
    let zones = scope.zones.iter().map(|z| ctx.lang.listed_zone(zones, z));
    let categories = scope.categories.iter().map(|c| ctx.lang.category(c));
    escape(&zones.chain(categories).collect::<Vec<_>>().join(", "))
}

/// An official's scope as ticked: the authority's zones and categories whose boxes are ticked (`zone.KR-26`,
/// `category.healthcare`); anything else in the form is ignored, so no unknown code can be stored.
fn scope_of<S>(state: &AppState<S>, form: &HashMap<String, String>) -> KeyScope {
    let ticked = |key: String| form.get(&key).is_some_and(|v| v == "yes");
    KeyScope {
        zones: state.config.zones.top_level().map(|z| z.code.clone()).filter(|c| ticked(format!("zone.{c}"))).collect(),
        categories: state.config.categories.iter().filter(|c| ticked(format!("category.{c}"))).cloned().collect(),
    }
}

/// The scope's two questions, each a list of boxes: zones by name, categories in words; none ticked means all.
fn scope_fields<S>(
    state: &AppState<S>,
    ctx: &PageCtx,
    form: &HashMap<String, String>,
    errors: &[(String, String)],
) -> String {
    let zones: Vec<(String, String)> =
        state.config.zones.top_level().map(|z| (format!("zone.{}", z.code), ctx.lang.zone(z))).collect();
    let categories: Vec<(String, String)> =
        state.config.categories.iter().map(|c| (format!("category.{c}"), ctx.lang.category(c))).collect();
    let mut html = String::new();
    for (name, choices) in [("zones", zones), ("categories", categories)] {
        let error = error_for(errors, name);
        html.push_str(&format!(
            "<div class=\"field{}\" id=\"{name}\"><fieldset><legend>{}</legend><p class=\"hint\">{}</p>",
            if error.is_some() { " field-error" } else { "" },
            ctx.t(&format!("staff.field.{name}")),
            ctx.t(&format!("staff.field.{name}.hint")),
        ));
        if let Some(message) = error {
            html.push_str(&format!("<p class=\"error-message\">{}</p>", escape(message)));
        }
        for (key, words) in choices {
            let id = key.replace('.', "-");
            let checked = if form.get(&key).is_some_and(|v| v == "yes") { " checked" } else { "" };
            html.push_str(&format!(
                "<div class=\"radio\"><input type=\"checkbox\" id=\"{id}\" name=\"{key}\" value=\"yes\"{checked}>\
                 <label for=\"{id}\">{}</label></div>",
                escape(&words)
            ));
        }
        html.push_str("</fieldset></div>");
    }
    html
}

fn radios(ctx: &PageCtx, name: &str, roles: &[Role], chosen: &str, error: Option<&str>) -> String {
    let options: Vec<(&str, &str)> = roles.iter().map(|r| (r.as_str(), role_words(ctx, *r))).collect();
    radio_group(ctx.lang, name, ctx.t("staff.role"), &options, chosen, error)
}

fn text_field(
    ctx: &PageCtx,
    form: &HashMap<String, String>,
    errors: &[(String, String)],
    name: &'static str,
) -> String {
    let label = format!("staff.field.{name}");
    let hint = format!("staff.field.{name}.hint");
    let hint = ctx.t(&hint);
    field(
        ctx.lang,
        &Field {
            name,
            label: ctx.t(&label),
            // A field without its own hint words has none (`t` gives "").
            hint,
            kind: if name == "personal_phone" { "tel" } else { "text" },
            value: form.get(name).map(String::as_str).unwrap_or(""),
            ..Field::default()
        },
        error_for(errors, name),
    )
}

pub async fn staff_page<S: Store>(State(state): State<AppState<S>>, Query(query): Q, headers: HeaderMap) -> Response {
    let ctx = page_ctx!(state, headers, query);
    let ctx = match admin(ctx, "/admin/staff") {
        Ok(ctx) => ctx,
        Err(response) => return *response,
    };
    let accounts = match surge_app::access::staff_accounts(&state.store).await {
        Ok(accounts) => accounts,
        Err(e) => {
            tracing::error!(error = %e, "listing staff accounts failed");
            return sorry(ctx.lang);
        }
    };
    let mut body = format!(
        "<div class=\"wide\"><h1>{}</h1><p>{}</p><p><a href=\"/admin/staff/new\">{}</a></p>\
         <div class=\"scroll\" tabindex=\"0\"><table><caption class=\"visually-hidden\">{}</caption><thead><tr>\
         <th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        ctx.t("staff.accounts"),
        ctx.t("staff.lead"),
        ctx.t("staff.new"),
        ctx.t("staff.accounts"),
        ctx.t("staff.field.username"),
        ctx.t("staff.role"),
        ctx.t("staff.scope"),
        ctx.t("org.status"),
    );
    for account in &accounts {
        let status = if account.disabled {
            ctx.t("staff.disabled")
        } else if account.must_change_password {
            ctx.t("staff.first_sign_in")
        } else {
            ctx.t("staff.active")
        };
        body.push_str(&format!(
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{status}</td></tr>",
            escape(&account.username),
            role_words(&ctx, account.role),
            scope_words(&ctx, &state.config.zones, &account.scope),
        ));
    }
    body.push_str("</tbody></table></div></div>");
    let title = ctx.t("staff.accounts");
    ctx.render(StatusCode::OK, title, &body, Some("/admin/staff"))
}

fn staff_form<S>(
    state: &AppState<S>,
    ctx: PageCtx,
    form: &HashMap<String, String>,
    errors: &[(String, String)],
) -> Response {
    let mut body = error_summary(ctx.lang, errors);
    body.push_str(&format!(
        "<h1>{}</h1><p>{}</p><form method=\"post\" action=\"/admin/staff/new\" novalidate>{}",
        ctx.t("staff.new"),
        ctx.t("staff.new.lead"),
        ctx.csrf_input()
    ));
    body.push_str(&text_field(&ctx, form, errors, "username"));
    let chosen = form.get("role").map(String::as_str).unwrap_or("");
    body.push_str(&radios(&ctx, "role", &Role::STAFF, chosen, error_for(errors, "role")));
    body.push_str(&scope_fields(state, &ctx, form, errors));
    body.push_str(&text_field(&ctx, form, errors, "personal_phone"));
    body.push_str(&format!(
        "<button type=\"submit\">{}</button> <a href=\"/admin/staff\">{}</a></form>",
        ctx.t("staff.new.button"),
        ctx.t("cancel")
    ));
    let title = ctx.t("staff.new");
    ctx.render_form(title, errors, &body, "/admin/staff/new")
}

pub async fn new_staff_page<S: Store>(
    State(state): State<AppState<S>>,
    Query(query): Q,
    headers: HeaderMap,
) -> Response {
    let ctx = page_ctx!(state, headers, query);
    match admin(ctx, "/admin/staff/new") {
        Ok(ctx) => staff_form(&state, ctx, &HashMap::new(), &[]),
        Err(response) => *response,
    }
}

pub async fn new_staff<S: Store>(
    State(state): State<AppState<S>>,
    Query(query): Q,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let ctx = form_ctx!(state, headers, query, form);
    let ctx = match admin(ctx, "/admin/staff/new") {
        Ok(ctx) => ctx,
        Err(response) => return *response,
    };
    let get = |name: &str| form.get(name).map(String::as_str).unwrap_or("").trim();
    let mut errors = Vec::new();
    let role = Role::parse(get("role")).filter(|r| Role::STAFF.contains(r));
    if role.is_none() {
        errors.push(("role".to_owned(), ctx.t("staff.role.missing").to_owned()));
    }
    let scope = scope_of(&state, &form);
    if role.is_some_and(|r| r != Role::Official) && !scope.is_unlimited() {
        errors.push(("zones".to_owned(), ctx.t("staff.scope.officials_only").to_owned()));
    }
    let phone = match get("personal_phone") {
        "" => None,
        text => match surge_domain::Phone::parse(text, &state.config.phone_region) {
            Ok(phone) => Some(phone),
            Err(_) => {
                errors.push(("personal_phone".to_owned(), ctx.t("staff.phone.invalid").to_owned()));
                None
            }
        },
    };
    let Some(role) = role.filter(|_| errors.is_empty()) else { return staff_form(&state, ctx, &form, &errors) };
    let result = surge_app::access::create_staff_account(
        &state.store,
        &ctx.principal.actor(),
        role,
        get("username"),
        scope,
        phone.as_ref(),
        (state.clock)(),
        &mut rand_core::OsRng,
    )
    .await;
    match result {
        Ok((_, password)) => {
            let body = format!(
                "<div class=\"panel\"><h1>{title}</h1><p>{lead}</p><p class=\"key\"><code>{password}</code></p></div>\
                 <p>{note}</p><p><a href=\"/admin/staff\">{back}</a></p>",
                title = ctx.t("staff.made"),
                lead = ctx.t("staff.made.lead").replace("{username}", &escape(&get("username").to_lowercase())),
                password = escape(&password),
                note = ctx.t("staff.made.note"),
                back = ctx.t("staff.accounts"),
            );
            let title = ctx.t("staff.made");
            ctx.render(StatusCode::CREATED, title, &body, Some("/admin/staff/new"))
        }
        Err(AppError::InvalidForm(problems)) => {
            let errors = field_errors(ctx.lang, &problems);
            staff_form(&state, ctx, &form, &errors)
        }
        Err(AppError::Conflict) => {
            let errors = vec![("username".to_owned(), ctx.t("staff.username.taken").to_owned())];
            staff_form(&state, ctx, &form, &errors)
        }
        Err(e) => {
            tracing::error!(error = %e, "making a staff account failed");
            sorry(ctx.lang)
        }
    }
}

/// The roles an API key may have: systems, not people who sign in.
const KEY_ROLES: [Role; 5] = [Role::Lab, Role::Official, Role::Checkpoint, Role::OrganisationAdmin, Role::Admin];

pub async fn keys_page<S: Store>(State(state): State<AppState<S>>, Query(query): Q, headers: HeaderMap) -> Response {
    let ctx = page_ctx!(state, headers, query);
    let ctx = match admin(ctx, "/admin/api-keys") {
        Ok(ctx) => ctx,
        Err(response) => return *response,
    };
    let keys = match surge_app::access::api_keys(&state.store).await {
        Ok(keys) => keys,
        Err(e) => {
            tracing::error!(error = %e, "listing API keys failed");
            return sorry(ctx.lang);
        }
    };
    let mut body = String::new();
    if query.contains_key("revoked") {
        body.push_str(&crate::kit::notice(ctx.t("keys.api.revoked_done")));
    }
    body.push_str(&format!(
        "<div class=\"wide\"><h1>{}</h1><p>{}</p><p><a href=\"/admin/api-keys/new\">{}</a></p>\
         <div class=\"scroll\" tabindex=\"0\"><table><caption class=\"visually-hidden\">{}</caption><thead><tr>\
         <th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
         <th scope=\"col\">{}</th></tr></thead><tbody>",
        ctx.t("keys.api.title"),
        ctx.t("keys.api.lead"),
        ctx.t("keys.api.new"),
        ctx.t("keys.api.title"),
        ctx.t("staff.field.label"),
        ctx.t("staff.role"),
        ctx.t("staff.scope"),
        ctx.t("keys.api.made"),
        ctx.t("org.status"),
    ));
    for key in &keys {
        let scope = match (&key.lab, key.organisation_id) {
            (Some(lab), _) => escape(lab),
            (None, Some(org)) => format!("<a href=\"/organisations/{org}\">{org}</a>"),
            (None, None) => scope_words(&ctx, &state.config.zones, &key.scope),
        };
        let status = if key.revoked {
            ctx.t("keys.api.revoked").to_owned()
        } else {
            format!(
                "{} <a href=\"/admin/api-keys/{}/revoke\">{}<span class=\"visually-hidden\"> {}</span></a>",
                ctx.t("staff.active"),
                key.id,
                ctx.t("keys.api.revoke"),
                label_words(&ctx, &key.label)
            )
        };
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{scope}</td><td>{}</td><td>{status}</td></tr>",
            label_words(&ctx, &key.label),
            role_words(&ctx, key.role),
            ctx.when(key.created_at),
        ));
    }
    body.push_str("</tbody></table></div></div>");
    let title = ctx.t("keys.api.title");
    ctx.render(StatusCode::OK, title, &body, Some("/admin/api-keys"))
}

fn key_form<S>(
    state: &AppState<S>,
    ctx: PageCtx,
    form: &HashMap<String, String>,
    errors: &[(String, String)],
) -> Response {
    let mut body = error_summary(ctx.lang, errors);
    body.push_str(&format!(
        "<h1>{}</h1><p>{}</p><form method=\"post\" action=\"/admin/api-keys/new\" novalidate>{}",
        ctx.t("keys.api.new"),
        ctx.t("keys.api.new.lead"),
        ctx.csrf_input()
    ));
    body.push_str(&text_field(&ctx, form, errors, "label"));
    let chosen = form.get("role").map(String::as_str).unwrap_or("");
    body.push_str(&radios(&ctx, "role", &KEY_ROLES, chosen, error_for(errors, "role")));
    for name in ["lab", "organisation_id"] {
        body.push_str(&text_field(&ctx, form, errors, name));
    }
    body.push_str(&scope_fields(state, &ctx, form, errors));
    body.push_str(&format!(
        "<button type=\"submit\">{}</button> <a href=\"/admin/api-keys\">{}</a></form>",
        ctx.t("keys.api.new.button"),
        ctx.t("cancel")
    ));
    let title = ctx.t("keys.api.new");
    ctx.render_form(title, errors, &body, "/admin/api-keys/new")
}

pub async fn new_key_page<S: Store>(State(state): State<AppState<S>>, Query(query): Q, headers: HeaderMap) -> Response {
    let ctx = page_ctx!(state, headers, query);
    match admin(ctx, "/admin/api-keys/new") {
        Ok(ctx) => key_form(&state, ctx, &HashMap::new(), &[]),
        Err(response) => *response,
    }
}

pub async fn new_key<S: Store>(
    State(state): State<AppState<S>>,
    Query(query): Q,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let ctx = form_ctx!(state, headers, query, form);
    let ctx = match admin(ctx, "/admin/api-keys/new") {
        Ok(ctx) => ctx,
        Err(response) => return *response,
    };
    let get = |name: &str| form.get(name).map(String::as_str).unwrap_or("").trim();
    let mut errors = Vec::new();
    let label = get("label");
    if label.is_empty() || label.chars().count() > 100 || label.chars().any(char::is_control) {
        errors.push(("label".to_owned(), ctx.t("keys.api.label.missing").to_owned()));
    }
    let role = Role::parse(get("role")).filter(|r| KEY_ROLES.contains(r));
    if role.is_none() {
        errors.push(("role".to_owned(), ctx.t("staff.role.missing").to_owned()));
    }
    let organisation_id = match get("organisation_id") {
        "" => None,
        text => match text.parse::<i64>() {
            Ok(id) if id > 0 => Some(id),
            _ => {
                errors.push(("organisation_id".to_owned(), ctx.t("keys.api.organisation.invalid").to_owned()));
                None
            }
        },
    };
    let Some(role) = role.filter(|_| errors.is_empty()) else { return key_form(&state, ctx, &form, &errors) };
    let scope = scope_of(&state, &form);
    let request = surge_app::access::KeyRequest {
        role,
        organisation_id,
        label: label.to_owned(),
        zones: scope.zones,
        categories: scope.categories,
        lab: Some(get("lab").to_owned()).filter(|l| !l.is_empty()),
    };
    let now = (state.clock)();
    match surge_app::access::create_api_key(&state.store, &mut rand_core::OsRng, &ctx.principal.actor(), request, now)
        .await
    {
        Ok((_, key)) => {
            let body = format!(
                "<div class=\"panel\"><h1>{title}</h1><p>{lead}</p><p class=\"key\"><code>{key}</code></p></div>\
                 <p>{note}</p><p><a href=\"/admin/api-keys\">{back}</a></p>",
                title = ctx.t("keys.api.shown"),
                lead = ctx.t("keys.api.shown.lead").replace("{label}", &escape(label)),
                key = escape(key.reveal()),
                note = ctx.t("keys.api.shown.note"),
                back = ctx.t("keys.api.title"),
            );
            let title = ctx.t("keys.api.shown");
            ctx.render(StatusCode::CREATED, title, &body, Some("/admin/api-keys/new"))
        }
        Err(AppError::Unprocessable { field: Some(field), .. }) => {
            let message = match field {
                "organisation_id" => "keys.api.organisation.invalid",
                "lab" => "keys.api.lab.invalid",
                "zones" => "staff.scope.officials_only",
                _ => "staff.role.missing",
            };
            let errors = vec![(field.to_owned(), ctx.t(message).to_owned())];
            key_form(&state, ctx, &form, &errors)
        }
        Err(AppError::NotFound) => {
            let errors = vec![("organisation_id".to_owned(), ctx.t("keys.api.organisation.invalid").to_owned())];
            key_form(&state, ctx, &form, &errors)
        }
        Err(e) => {
            tracing::error!(error = %e, "making an API key failed");
            sorry(ctx.lang)
        }
    }
}

/// The key to revoke, while it can be.
async fn live_key<S: Store>(
    state: &AppState<S>,
    ctx: PageCtx,
    id: i64,
) -> Result<(PageCtx, surge_app::ApiKeyListed), Response> {
    let ctx = admin(ctx, &format!("/admin/api-keys/{id}/revoke")).map_err(|r| *r)?;
    match surge_app::access::api_keys(&state.store).await {
        Ok(keys) => match keys.into_iter().find(|k| k.id == id && !k.revoked) {
            Some(key) => Ok((ctx, key)),
            None => Err(not_found(ctx)),
        },
        Err(e) => {
            tracing::error!(error = %e, "listing API keys failed");
            Err(sorry(ctx.lang))
        }
    }
}

fn revoke_form(ctx: PageCtx, key: &surge_app::ApiKeyListed, errors: &[(String, String)]) -> Response {
    let mut body = error_summary(ctx.lang, errors);
    body.push_str(&format!(
        "<h1>{title}</h1><p>{lead}</p><form method=\"post\" action=\"/admin/api-keys/{id}/revoke\">{csrf}\
         <button type=\"submit\" class=\"danger\">{button}</button> <a href=\"/admin/api-keys\">{cancel}</a></form>",
        title = ctx.t("keys.api.revoke.title").replace("{label}", &label_words(&ctx, &key.label)),
        lead = ctx.t("keys.api.revoke.lead"),
        id = key.id,
        csrf = ctx.csrf_input(),
        button = ctx.t("keys.api.revoke"),
        cancel = ctx.t("cancel"),
    ));
    let title = ctx.t("keys.api.revoke");
    let path = format!("/admin/api-keys/{}/revoke", key.id);
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::CONFLICT };
    ctx.render(status, title, &body, Some(&path))
}

pub async fn revoke_page<S: Store>(
    State(state): State<AppState<S>>,
    Path(id): Path<i64>,
    Query(query): Q,
    headers: HeaderMap,
) -> Response {
    let ctx = page_ctx!(state, headers, query);
    match live_key(&state, ctx, id).await {
        Ok((ctx, key)) => revoke_form(ctx, &key, &[]),
        Err(response) => response,
    }
}

pub async fn revoke<S: Store>(
    State(state): State<AppState<S>>,
    Path(id): Path<i64>,
    Query(query): Q,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let ctx = form_ctx!(state, headers, query, form);
    let (ctx, key) = match live_key(&state, ctx, id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    // A session, not a key, is asking: it never revokes the key it came with.
    let now = (state.clock)();
    match surge_app::access::revoke_api_key(&state.store, &ctx.principal.actor(), id, None, now).await {
        Ok(()) => {
            state.caches.forget_key(id);
            ctx.redirect("/admin/api-keys?revoked=1")
        }
        Err(AppError::NotFound) => not_found(ctx),
        Err(AppError::Refused { .. }) => {
            let errors = vec![("key".to_owned(), ctx.t("keys.api.last_admin").to_owned())];
            revoke_form(ctx, &key, &errors)
        }
        Err(e) => {
            tracing::error!(error = %e, "revoking an API key failed");
            sorry(ctx.lang)
        }
    }
}
