//! The organisation registration form, in Korean and English: error summary first, a label and a hint on every
//! field.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use surge_app::{ApiKey, AppError, Store};
use surge_domain::{FieldError, OrgStatus, RegistrationInput};

use crate::AppState;
use crate::access::session::ClientAddress;
use crate::i18n::Lang;
use crate::kit::escape;

const FIELDS: &[(&str, &str, &str)] = &[
    // (name, input type, autocomplete)
    ("legal_name", "text", "organization"),
    ("registry_number", "text", "off"),
    ("category", "select", ""),
    ("address", "text", "street-address"),
    ("zone", "select", ""),
    ("contact_phone", "tel", "tel"),
    ("contact_email", "email", "email"),
    ("requested_quota", "number", "off"),
];

fn registration_form(
    lang: Lang,
    csrf_input: &str,
    categories: &[String],
    zones: &surge_domain::ZoneList,
    values: &HashMap<String, String>,
    errors: &[FieldError],
) -> String {
    let mut html = crate::kit::ctx::error_summary(lang, &crate::kit::ctx::field_errors(lang, errors));
    html.push_str(&format!("<h1>{}</h1><p>{}</p>", lang.t("register.title"), lang.t("register.lead")));
    html.push_str(&format!("<form method=\"post\" action=\"/register?lang={}\" novalidate>{csrf_input}", lang.code()));
    for (name, kind, autocomplete) in FIELDS {
        let error = errors.iter().find(|e| e.field == *name);
        let value = escape(values.get(*name).map(String::as_str).unwrap_or(""));
        let hint_key = format!("{name}.hint");
        let hint = lang.t(&hint_key);
        let mut described = Vec::new();
        let mut field = format!("<div class=\"field{}\">", if error.is_some() { " field-error" } else { "" });
        field.push_str(&format!("<label for=\"{name}\">{}</label>", lang.t(name)));
        if !hint.is_empty() {
            described.push(format!("{name}-hint"));
            field.push_str(&format!("<p class=\"hint\" id=\"{name}-hint\">{hint}</p>"));
        }
        if let Some(e) = error {
            described.push(format!("{name}-error"));
            let message = lang.field_error(e.field, e.code, &e.message);
            field.push_str(&crate::kit::ctx::error_message(lang, &format!("{name}-error"), &message));
        }
        let aria = format!(
            "{}{}",
            if described.is_empty() { String::new() } else { format!(" aria-describedby=\"{}\"", described.join(" ")) },
            if error.is_some() { " aria-invalid=\"true\"" } else { "" }
        );
        // The choices of a select: categories, or the authority's zones by name (any code typed when it lists
        // none), a province's districts grouped under it.
        let options: Vec<(Option<String>, String, String)> = match *name {
            "category" => categories.iter().map(|c| (None, c.clone(), lang.category(c))).collect(),
            _ => zone_options(lang, zones),
        };
        if *kind == "select" && !options.is_empty() {
            field.push_str(&format!("<select id=\"{name}\" name=\"{name}\"{aria}><option value=\"\"></option>"));
            let mut group: Option<&str> = None;
            for (label, value, words) in &options {
                if label.as_deref() != group {
                    if group.is_some() {
                        field.push_str("</optgroup>");
                    }
                    if let Some(label) = label {
                        field.push_str(&format!("<optgroup label=\"{}\">", escape(label)));
                    }
                    group = label.as_deref();
                }
                let selected = if values.get(*name) == Some(value) { " selected" } else { "" };
                field.push_str(&format!("<option value=\"{}\"{selected}>{}</option>", escape(value), escape(words)));
            }
            if group.is_some() {
                field.push_str("</optgroup>");
            }
            field.push_str("</select>");
        } else {
            let extra = if *kind == "number" { " inputmode=\"numeric\" min=\"1\"" } else { "" };
            let kind = if *kind == "select" { "text" } else { kind };
            field.push_str(&format!(
                "<input id=\"{name}\" name=\"{name}\" type=\"{kind}\" autocomplete=\"{autocomplete}\" value=\"{value}\"{extra}{aria}>"
            ));
        }
        field.push_str("</div>");
        html.push_str(&field);
    }
    html.push_str(&format!("<button type=\"submit\">{}</button></form>", lang.t("submit")));
    html
}

/// The zones to choose from, each province in a group of its own: the whole province first, then its districts.
fn zone_options(lang: Lang, zones: &surge_domain::ZoneList) -> Vec<(Option<String>, String, String)> {
    let mut options = Vec::new();
    for province in zones.top_level() {
        let districts: Vec<&surge_domain::Zone> = zones.children(&province.code).collect();
        if districts.is_empty() {
            options.push((None, province.code.clone(), lang.zone(province)));
            continue;
        }
        let label = Some(lang.zone(province));
        options.push((label.clone(), province.code.clone(), lang.whole_zone(province)));
        options.extend(districts.into_iter().map(|d| (label.clone(), d.code.clone(), lang.zone(d))));
    }
    options
}

pub async fn register_form<S: Store>(
    State(state): State<AppState<S>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let ctx = page_ctx!(state, headers, query);
    let body = registration_form(
        ctx.lang,
        &ctx.csrf_input(),
        &state.config.categories,
        &state.config.zones,
        &HashMap::new(),
        &[],
    );
    let title = ctx.t("register.title");
    ctx.render(StatusCode::OK, title, &body, Some("/register"))
}

pub async fn register_submit<S: Store>(
    State(state): State<AppState<S>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    Form(values): Form<HashMap<String, String>>,
) -> Response {
    let ctx = form_ctx!(state, headers, query, values);
    let lang = ctx.lang;
    let get = |name: &str| values.get(name).cloned().unwrap_or_default();
    let input = RegistrationInput {
        legal_name: get("legal_name"),
        registry_number: get("registry_number"),
        category: get("category"),
        address: get("address"),
        zone: get("zone"),
        contact_phone: get("contact_phone"),
        contact_email: get("contact_email"),
        requested_quota: get("requested_quota"),
    };
    let key = ApiKey::generate(&mut rand_core::OsRng);
    let registered = surge_app::register_from_public(
        &state.store,
        &state.config,
        &input,
        Some(key.hash()),
        ctx.principal.registrant(&address),
        (state.clock)(),
    )
    .await;
    match registered {
        Ok((id, screening, status)) => {
            state.metrics.organisations_registered.inc();
            let flagged =
                if screening.passed_all() { String::new() } else { format!("<p>{}</p>", lang.t("done.flagged")) };
            // From the public, officials see it only once the contact phone has signed in with a texted code.
            let next = if status == OrgStatus::AwaitingContact {
                format!(
                    "<p>{}</p><p><a class=\"button\" href=\"/login?next=/organisations/{id}\">{}</a></p>",
                    lang.t("done.confirm"),
                    lang.t("done.signin")
                )
            } else {
                format!(
                    "<p>{}</p><p><a href=\"/organisations/{id}\">{}</a></p>",
                    lang.t("done.next"),
                    lang.t("done.view")
                )
            };
            let body = format!(
                "<div class=\"panel\"><h1>{}</h1><p>{}<br><strong>{id}</strong></p></div>{next}{flagged}\
                 <p>{}</p><p class=\"key\">{}</p>",
                lang.t("done.title"),
                lang.t("done.reference"),
                lang.t("done.key"),
                escape(key.reveal()),
            );
            let title = lang.t("done.title");
            ctx.render(StatusCode::OK, title, &body, None)
        }
        Err(AppError::InvalidForm(errors)) => {
            let body = registration_form(
                lang,
                &ctx.csrf_input(),
                &state.config.categories,
                &state.config.zones,
                &values,
                &errors,
            );
            let title = format!("{} {}", lang.t("error.prefix"), lang.t("register.title"));
            ctx.render(StatusCode::UNPROCESSABLE_ENTITY, &title, &body, Some("/register"))
        }
        Err(AppError::RateLimited { retry_after_seconds }) => {
            crate::access::pages::rate_limited(ctx, "/register", retry_after_seconds)
        }
        Err(e) => {
            tracing::error!(error = ?e, "registration page failed");
            crate::kit::ctx::sorry(lang)
        }
    }
}
