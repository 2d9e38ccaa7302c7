//! Server-rendered pages: the organisation registration form (Korean and English, error summary first, labels and
//! hints on every field) and the holder's pass page (QR code, validity, zones, control code; reads on a phone and
//! prints). Plain HTML with no script, after the GOV.UK Design System's tested patterns.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use surge_app::{ApiKey, AppError, LinkToken, Store};
use surge_domain::{FieldError, RegistrationInput};

use crate::AppState;
use crate::i18n::Lang;

/// The request's page context, or the error page to return at once.
macro_rules! page_ctx {
    ($state:expr, $headers:expr, $query:expr) => {
        match $crate::pages::kit::PageCtx::new(&$state, &$headers, &$query).await {
            Ok(ctx) => ctx,
            Err(response) => return response,
        }
    };
}

/// The page context of a submitted form, or the answer to send at once: the error page, or the refusal of a form
/// without this visitor's CSRF token. Every form handler starts here, so none can forget the check.
macro_rules! form_ctx {
    ($state:expr, $headers:expr, $query:expr, $form:expr) => {{
        let ctx = page_ctx!($state, $headers, $query);
        if !$crate::pages::kit::PageCtx::form_is_genuine(&$headers, &$form) {
            return ctx.stale_form();
        }
        ctx
    }};
}

pub mod account;
pub mod applications;
pub mod chart;
pub mod checkpoint;
pub(crate) mod kit;
pub mod live;
pub mod messages;
pub mod orgs;
pub mod policy;
pub mod results;
pub mod situation;

/// A script a page loads: revalidated on each load, so a new version reaches its users at once.
pub(crate) fn javascript(source: &'static str) -> Response {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "no-cache"),
        ],
        source,
    )
        .into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;color:#0b0c0c;line-height:1.4}\
main{max-width:40rem;margin:0 auto;padding:1rem}main:has(.wide){max-width:64rem}h1{font-size:1.8rem}\
dl{display:grid;grid-template-columns:fit-content(50%) minmax(0,1fr);overflow-wrap:anywhere;gap:.5rem 1rem;border-top:1px solid #b1b4b6;padding-top:.5rem}\
dt{font-weight:700}.qr svg{width:100%;max-width:20rem;height:auto}.code{font-size:1.5rem;letter-spacing:.1em}\
.warning{border-left:5px solid #d4351c;padding-left:1rem}@media print{.noprint{display:none}}\
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fd0;padding:.5rem}\
header{background:#0b0c0c;color:#fff;padding:.75rem 1rem;display:flex;justify-content:space-between;flex-wrap:wrap}\
header a{color:#fff;margin-left:1rem}header form{display:inline;margin-left:1rem}\
header button{background:none;box-shadow:none;padding:0;text-decoration:underline}\
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.5rem .25rem;border-bottom:1px solid #b1b4b6;vertical-align:top}\
.tag{display:inline-block;padding:.1rem .4rem;font-weight:700;background:#d2e2f1;color:#0c2d4a}\
.tag.approved{background:#cce2d8;color:#005a30}.tag.rejected{background:#f6d7d2;color:#942514}\
.tag.info_requested{background:#fff7bf;color:#594d00}.wide{max-width:60rem}progress{width:100%;height:2rem}\
textarea{font:inherit;width:100%;max-width:30rem;box-sizing:border-box;border:2px solid #0b0c0c;min-height:5rem}\
fieldset{border:0;padding:0;margin:1.5rem 0}legend{font-weight:700;font-size:1.2rem}\
.radio{display:flex;gap:.5rem;align-items:center;margin:.5rem 0}.radio input{width:1.5rem;height:1.5rem}\
.radio label{font-weight:400}.secondary{background:#f3f2f1;color:#0b0c0c;box-shadow:0 2px 0 #929191}\
.inset{border-left:5px solid #b1b4b6;padding-left:1rem}\
.verdict{padding:1.25rem;margin:1rem 0;color:#fff;text-align:center}.verdict.valid{background:#00703c}\
.verdict.invalid{background:#d4351c}.verdict .big{font-size:3rem;font-weight:700;margin:0}.field{margin:1.5rem 0}label{display:block;font-weight:700}.hint{color:#505a5f;margin:.25rem 0}\
input,select{font:inherit;width:100%;max-width:30rem;box-sizing:border-box;padding:.4rem;border:2px solid #0b0c0c}\
input:focus,select:focus,a:focus,button:focus{outline:3px solid #fd0;outline-offset:0}\
.field-error{border-left:5px solid #d4351c;padding-left:.75rem}.error-message{color:#d4351c;font-weight:700;margin:.25rem 0}\
input[aria-invalid=true]{border-color:#d4351c}.error-summary{border:5px solid #d4351c;padding:1rem;margin:1rem 0}\
.error-summary a{color:#d4351c;font-weight:700}.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}\
button{font:inherit;background:#00703c;color:#fff;border:0;padding:.6rem 1rem;box-shadow:0 2px 0 #002d18;cursor:pointer}\
.panel{background:#00703c;color:#fff;padding:1.5rem;text-align:center}.key{font-family:monospace;word-break:break-all;background:#f3f2f1;padding:.5rem}\
.chart{width:100%;height:auto;max-width:40rem}.chart .bar{fill:#1d70b8}.chart .line{stroke:#d4351c;stroke-width:2}\
.chart .grid{stroke:#b1b4b6;stroke-width:.5}.chart .tick{font-size:11px;fill:#505a5f}\
.scroll{overflow-x:auto}caption{text-align:left;font-weight:700;padding:.5rem 0}.compare td{text-align:right}";

fn page(title: &str, body: &str) -> String {
    layout(Lang::En, title, body, None)
}

/// The page frame: skip link, header with the service name and the language switch, main content.
fn layout(lang: Lang, title: &str, body: &str, switch_path: Option<&str>) -> String {
    layout_nav(lang, title, body, switch_path, "")
}

/// The frame with extra header content (the signed-in visitor's links).
fn layout_nav(lang: Lang, title: &str, body: &str, switch_path: Option<&str>, nav: &str) -> String {
    frame(lang, lang.t("service"), title, body, switch_path, nav)
}

/// The page frame under a service name of its own (the situation dashboard is not the pass service).
pub(crate) fn frame(
    lang: Lang,
    service: &str,
    title: &str,
    body: &str,
    switch_path: Option<&str>,
    nav: &str,
) -> String {
    let switch = switch_path
        .map(|path| {
            let other = lang.other();
            format!(
                "<a href=\"{path}?lang={code}\" lang=\"{code}\" hreflang=\"{code}\">{name}</a>",
                code = other.code(),
                name = other.name()
            )
        })
        .unwrap_or_default();
    format!(
        "<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width, initial-scale=1\"><title>{title} – Surge</title><style>{STYLE}</style></head>\
         <body><a class=\"skip\" href=\"#main-content\">{skip}</a><header><span>{service}</span><nav>{nav}{switch}</nav></header>\
         <main id=\"main-content\">{body}</main></body></html>",
        lang = lang.code(),
        title = escape(title),
        skip = lang.t("skip"),
    )
}

/// Rendered QR codes by status index. Rendering takes about 2 ms, far more than serving the page, and a pass's code
/// never changes, so each is rendered once. The cache empties itself when full rather than grow without bound.
#[derive(Debug, Default)]
pub struct QrCache {
    entries: Mutex<HashMap<u64, Arc<str>>>,
}

impl QrCache {
    const CAPACITY: usize = 20_000;

    pub fn get_or_render(&self, status_index: u64, token: &str) -> Arc<str> {
        let lock = || self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(svg) = lock().get(&status_index) {
            return svg.clone();
        }
        // Rendered outside the lock, so other pages are not held up.
        let svg: Arc<str> = surge_pass::qr_svg(token).unwrap_or_default().into();
        let mut entries = lock();
        if entries.len() >= Self::CAPACITY {
            entries.clear();
        }
        entries.entry(status_index).or_insert(svg).clone()
    }
}

fn not_found() -> (StatusCode, Html<String>) {
    (
        StatusCode::NOT_FOUND,
        Html(page(
            "Pass not found",
            "<h1>Pass not found</h1><p>Check that you copied the whole link from your text message.</p>",
        )),
    )
}

pub async fn pass_page<S: Store>(
    State(state): State<AppState<S>>,
    Path((index, token)): Path<(u64, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::negotiate(query.get("lang").map(String::as_str), &headers);
    let Some(token) = LinkToken::parse(&token) else { return not_found().into_response() };
    let pass = match surge_app::passes::by_link(&state.store, index, &token).await {
        Ok(pass) => pass,
        Err(AppError::NotFound) => return not_found().into_response(),
        Err(e) => {
            tracing::error!(error = %e, "pass page failed");
            let sorry = page("Sorry", "<h1>Sorry, there is a problem</h1><p>Try again later.</p>");
            return (StatusCode::INTERNAL_SERVER_ERROR, Html(sorry)).into_response();
        }
    };
    let qr = state.qr_cache.get_or_render(pass.status_index, &pass.token);
    let date = |t: time::OffsetDateTime| t.date().to_string();
    let last_day = pass.expires - time::Duration::seconds(1);
    let split = 5.min(pass.control_code.len());
    let code = format!("{}-{}", &pass.control_code[..split], &pass.control_code[split..]);
    let warning = if pass.active {
        String::new()
    } else {
        format!("<p class=\"warning\"><strong>{}</strong></p>", lang.t("pass.inactive"))
    };
    let body = format!(
        "<h1>{title}</h1>{warning}<div class=\"qr\">{qr}</div>\
         <dl><dt>{holder}</dt><dd>{}</dd><dt>{from}</dt><dd>{}</dd><dt>{until}</dt><dd>{} {end}</dd>\
         <dt>{zones}</dt><dd>{}</dd><dt>{code_label}</dt><dd class=\"code\">{}</dd></dl>\
         <p class=\"noprint\">{show}</p><details class=\"noprint\"><summary>{as_text}</summary>\
         <p class=\"key\" id=\"pass-text\">{}</p></details>",
        escape(&pass.holder),
        date(pass.not_before),
        date(last_day),
        escape(&pass.zones.join(", ")),
        escape(&code),
        escape(&pass.token),
        as_text = lang.t("pass.text"),
        title = lang.t("pass.title"),
        holder = lang.t("pass.holder"),
        from = lang.t("pass.from"),
        until = lang.t("pass.until"),
        end = lang.t("pass.end_of_day"),
        zones = lang.t("pass.zones"),
        code_label = lang.t("pass.code"),
        show = lang.t("pass.show"),
    );
    let path = format!("/p/{index}/{token}");
    let html = layout(lang, lang.t("pass.title"), &body, Some(&path));
    with_lang_cookie(query.get("lang"), lang, Html(html).into_response())
}

const FIELDS: &[(&str, &str, &str)] = &[
    // (name, input type, autocomplete)
    ("legal_name", "text", "organization"),
    ("registry_number", "text", "off"),
    ("category", "select", ""),
    ("address", "text", "street-address"),
    ("zone", "text", "off"),
    ("contact_phone", "tel", "tel"),
    ("contact_email", "email", "email"),
    ("requested_quota", "number", "off"),
];

fn registration_form(
    lang: Lang,
    csrf_input: &str,
    categories: &[String],
    values: &HashMap<String, String>,
    errors: &[FieldError],
) -> String {
    let mut html = kit::error_summary(lang, &kit::field_errors(lang, errors));
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
            field.push_str(&format!(
                "<p class=\"error-message\" id=\"{name}-error\"><span class=\"visually-hidden\">{}</span> {}</p>",
                lang.t("error.prefix"),
                escape(&lang.field_error(e.field, e.code, &e.message))
            ));
        }
        let aria = format!(
            "{}{}",
            if described.is_empty() { String::new() } else { format!(" aria-describedby=\"{}\"", described.join(" ")) },
            if error.is_some() { " aria-invalid=\"true\"" } else { "" }
        );
        if *kind == "select" {
            field.push_str(&format!("<select id=\"{name}\" name=\"{name}\"{aria}><option value=\"\"></option>"));
            for c in categories {
                let selected = if values.get(*name) == Some(c) { " selected" } else { "" };
                field.push_str(&format!(
                    "<option value=\"{}\"{selected}>{}</option>",
                    escape(c),
                    escape(&lang.category(c))
                ));
            }
            field.push_str("</select>");
        } else {
            let extra = if *kind == "number" { " inputmode=\"numeric\" min=\"1\"" } else { "" };
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

fn with_lang_cookie(query_lang: Option<&String>, lang: Lang, response: Response) -> Response {
    let mut response = response;
    if query_lang.is_some() {
        if let Ok(value) = format!("lang={}; Path=/; Max-Age=31536000; SameSite=Lax", lang.code()).parse() {
            response.headers_mut().insert(SET_COOKIE, value);
        }
    }
    response
}

pub async fn register_form<S: Store>(
    State(state): State<AppState<S>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let ctx = page_ctx!(state, headers, query);
    let body = registration_form(ctx.lang, &ctx.csrf_input(), &state.config.categories, &HashMap::new(), &[]);
    let title = ctx.t("register.title");
    ctx.render(StatusCode::OK, title, &body, Some("/register"))
}

pub async fn register_submit<S: Store>(
    State(state): State<AppState<S>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
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
    match surge_app::register_organisation(&state.store, &state.config, &input, Some(key.hash()), (state.clock)()).await
    {
        Ok((id, screening)) => {
            state.metrics.organisations_registered.inc();
            let flagged =
                if screening.passed_all() { String::new() } else { format!("<p>{}</p>", lang.t("done.flagged")) };
            let body = format!(
                "<div class=\"panel\"><h1>{}</h1><p>{}<br><strong>{id}</strong></p></div>\
                 <p>{}</p><p><a href=\"/login?next=/organisations/{id}\">{}</a></p>{flagged}\
                 <p>{}</p><p class=\"key\">{}</p>",
                lang.t("done.title"),
                lang.t("done.reference"),
                lang.t("done.next"),
                lang.t("done.signin"),
                lang.t("done.key"),
                escape(key.reveal()),
            );
            let title = lang.t("done.title");
            ctx.render(StatusCode::OK, title, &body, None)
        }
        Err(AppError::InvalidForm(errors)) => {
            let body = registration_form(lang, &ctx.csrf_input(), &state.config.categories, &values, &errors);
            let title = format!("{} {}", lang.t("error.prefix"), lang.t("register.title"));
            ctx.render(StatusCode::UNPROCESSABLE_ENTITY, &title, &body, Some("/register"))
        }
        Err(e) => {
            tracing::error!(error = ?e, "registration page failed");
            kit::sorry(lang)
        }
    }
}

/// A `303 See Other` to `location`, for routes that only forward.
pub fn kit_redirect(location: &str) -> Response {
    kit::see_other(location)
}
