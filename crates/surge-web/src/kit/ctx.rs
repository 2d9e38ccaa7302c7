//! What every signed-in page shares: the request's language, caller and CSRF token, the frame with the account
//! links, form fields with their labels, hints and errors, the error summary, and redirects.

use std::collections::HashMap;

use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use surge_app::Store;

use super::escape;
use crate::AppState;
use crate::access::auth::{Principal, session_principal};
use crate::access::session::{CSRF_COOKIE, Csrf, csrf_for, csrf_valid, set_cookie};
use crate::i18n::Lang;

/// One request's page context.
#[derive(Debug)]
pub struct PageCtx {
    pub lang: Lang,
    pub principal: Principal,
    pub csrf: Csrf,
    /// The authority's time zone, in which every time on a page is shown.
    pub zone: surge_domain::LocalZone,
    query_lang: bool,
    cookies: Vec<HeaderValue>,
    secure: bool,
}

impl PageCtx {
    pub async fn new<S: Store>(
        state: &AppState<S>,
        headers: &HeaderMap,
        query: &HashMap<String, String>,
    ) -> Result<Self, Response> {
        let lang = Lang::negotiate(query.get("lang").map(String::as_str), headers);
        let principal = session_principal(state, headers).await.map_err(|e| {
            tracing::error!(code = e.code, "reading the session failed");
            sorry(lang)
        })?;
        Ok(Self {
            lang,
            principal,
            csrf: csrf_for(headers, &state.web.csrf_secret),
            zone: state.config.zone,
            query_lang: query.contains_key("lang"),
            cookies: Vec::new(),
            secure: state.web.secure_cookies,
        })
    }

    /// Whether a submitted form carries this visitor's CSRF token: the one this page would embed, of the session
    /// if there is one. A visitor who came without any cookie has no token yet.
    pub fn form_is_genuine(&self, headers: &HeaderMap, secret: &[u8], form: &HashMap<String, String>) -> bool {
        self.csrf.new_cookie.is_none() && csrf_valid(headers, secret, form.get("csrf").map(String::as_str))
    }

    pub fn add_cookie(&mut self, value: Option<HeaderValue>) {
        self.cookies.extend(value);
    }

    /// A time as every page shows one: local, with the zone's name (`2026-12-06 07:04 KST`).
    pub fn when(&self, t: time::OffsetDateTime) -> String {
        self.zone.display(t)
    }

    pub fn t(&self, key: &str) -> &'static str {
        self.lang.t(key)
    }

    pub fn csrf_input(&self) -> String {
        format!("<input type=\"hidden\" name=\"csrf\" value=\"{}\">", self.csrf.token)
    }

    /// The header links for a signed-in visitor: their account page and a sign-out button.
    fn nav(&self) -> String {
        if self.principal == Principal::Anonymous {
            return String::new();
        }
        format!(
            "<a href=\"/account\">{}</a><form method=\"post\" action=\"/logout\">{}<button type=\"submit\">{}</button></form>",
            self.t("nav.account"),
            self.csrf_input(),
            self.t("nav.sign_out"),
        )
    }

    /// The page in its frame, with any cookies to set.
    pub fn render(self, status: StatusCode, title: &str, body: &str, switch_path: Option<&str>) -> Response {
        self.render_for("service", status, title, body, switch_path)
    }

    /// A form's page: 200 when `errors` is empty, else 422 with the title led by "Error:", as the design system asks.
    pub fn render_form(self, title: &str, errors: &[(String, String)], body: &str, path: &str) -> Response {
        if errors.is_empty() {
            self.render(StatusCode::OK, title, body, Some(path))
        } else {
            let title = format!("{} {title}", self.t("error.prefix"));
            self.render(StatusCode::UNPROCESSABLE_ENTITY, &title, body, Some(path))
        }
    }

    /// The page in the frame of the service `service` (an i18n key) names in its header: movement passes, or test
    /// results.
    pub fn render_for(
        self,
        service: &str,
        status: StatusCode,
        title: &str,
        body: &str,
        switch_path: Option<&str>,
    ) -> Response {
        let html = super::frame(self.lang, self.t(service), title, body, switch_path, &self.nav());
        let mut response = (status, Html(html)).into_response();
        self.finish(&mut response);
        response
    }

    pub fn redirect(self, location: &str) -> Response {
        let mut response = see_other(location);
        self.finish(&mut response);
        response
    }

    fn finish(self, response: &mut Response) {
        let config = crate::access::session::WebConfig { secure_cookies: self.secure, ..Default::default() };
        let mut cookies = self.cookies;
        if let Some(seed) = &self.csrf.new_cookie {
            cookies.extend(set_cookie(&config, CSRF_COOKIE, seed, 60 * 60 * 24));
        }
        if self.query_lang {
            let secure = if self.secure { "; Secure" } else { "" };
            cookies.extend(
                format!("lang={}; Path=/; Max-Age=31536000; SameSite=Lax{secure}", self.lang.code()).parse().ok(),
            );
        }
        for cookie in cookies {
            response.headers_mut().append(SET_COOKIE, cookie);
        }
    }

    /// Anonymous visitors go to sign in and come back; others who may not see the page get a plain refusal.
    pub fn refuse(self, here: &str) -> Response {
        self.refuse_to(here, "/login")
    }

    /// As `refuse`, for a page only staff use: anonymous visitors go to the staff sign-in, not the citizens'.
    pub fn refuse_staff(self, here: &str) -> Response {
        self.refuse_to(here, "/login/staff")
    }

    fn refuse_to(self, here: &str, sign_in: &str) -> Response {
        if self.principal == Principal::Anonymous {
            return self.redirect(&format!("{sign_in}?next={}", percent_encode(here)));
        }
        if self.principal.must_change_password() {
            return self.redirect("/account/password");
        }
        let body = format!("<h1>{}</h1><p>{}</p>", self.t("forbidden.title"), self.t("forbidden.body"));
        let title = self.t("forbidden.title");
        self.render(StatusCode::FORBIDDEN, title, &body, None)
    }

    /// A page saying a form came without its CSRF token (an old tab, or a forged request).
    pub fn stale_form(self) -> Response {
        let body = format!("<h1>{}</h1><p>{}</p>", self.t("csrf.title"), self.t("csrf.body"));
        let title = self.t("csrf.title");
        self.render(StatusCode::FORBIDDEN, title, &body, None)
    }
}

/// The page for something that does not exist, or that the caller may not know exists.
pub fn not_found(ctx: PageCtx) -> Response {
    not_found_page(ctx, None)
}

/// The not-found page for an address nothing serves, with the language switch back to the same address.
pub fn not_found_at(ctx: PageCtx, escaped_path: &str) -> Response {
    not_found_page(ctx, Some(escaped_path))
}

fn not_found_page(ctx: PageCtx, switch_path: Option<&str>) -> Response {
    let body = format!(
        "<h1>{}</h1><p>{}</p><p><a href=\"/\">{}</a></p>",
        ctx.t("notfound.title"),
        ctx.t("notfound.body"),
        ctx.t("notfound.start")
    );
    let title = ctx.t("notfound.title");
    ctx.render(StatusCode::NOT_FOUND, title, &body, switch_path)
}

pub fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}

pub fn sorry(lang: Lang) -> Response {
    let body = format!("<h1>{}</h1><p>{}</p>", lang.t("sorry.title"), lang.t("sorry.body"));
    (StatusCode::INTERNAL_SERVER_ERROR, Html(super::layout(lang, lang.t("sorry.title"), &body, None))).into_response()
}

/// Keeps a return path local: `/…` but not `//host`, else the account page.
pub fn local_path(next: Option<&String>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => path.clone(),
        _ => "/account".into(),
    }
}

pub fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => char::from(b).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// A form field: label, optional hint, optional error, and the input.
#[derive(Debug, Default)]
pub struct Field<'a> {
    pub name: &'a str,
    pub label: &'a str,
    pub hint: &'a str,
    /// `text`, `tel`, `password`, `number`, `file` or `textarea`.
    pub kind: &'a str,
    pub autocomplete: &'a str,
    pub value: &'a str,
    /// Extra attributes, already escaped.
    pub attributes: &'a str,
}

pub fn field(lang: Lang, f: &Field<'_>, error: Option<&str>) -> String {
    let name = f.name;
    let mut html = format!("<div class=\"field{}\">", if error.is_some() { " field-error" } else { "" });
    html.push_str(&format!("<label for=\"{name}\">{}</label>", f.label));
    let mut described = Vec::new();
    if !f.hint.is_empty() {
        described.push(format!("{name}-hint"));
        html.push_str(&format!("<p class=\"hint\" id=\"{name}-hint\">{}</p>", f.hint));
    }
    if let Some(message) = error {
        described.push(format!("{name}-error"));
        html.push_str(&error_message(lang, &format!("{name}-error"), message));
    }
    let aria = format!(
        "{}{}",
        if described.is_empty() { String::new() } else { format!(" aria-describedby=\"{}\"", described.join(" ")) },
        if error.is_some() { " aria-invalid=\"true\"" } else { "" }
    );
    let autocomplete =
        if f.autocomplete.is_empty() { String::new() } else { format!(" autocomplete=\"{}\"", f.autocomplete) };
    if f.kind == "textarea" {
        html.push_str(&format!(
            "<textarea id=\"{name}\" name=\"{name}\"{aria}{}>{}</textarea>",
            f.attributes,
            escape(f.value)
        ));
    } else {
        html.push_str(&format!(
            "<input id=\"{name}\" name=\"{name}\" type=\"{}\"{autocomplete} value=\"{}\"{aria}{}>",
            f.kind,
            escape(f.value),
            f.attributes
        ));
    }
    html.push_str("</div>");
    html
}

/// A field's error, led by the hidden "Error:" a screen reader reads.
pub fn error_message(lang: Lang, id: &str, message: &str) -> String {
    format!(
        "<p class=\"error-message\" id=\"{id}\"><span class=\"visually-hidden\">{}</span> {}</p>",
        lang.t("error.prefix"),
        escape(message)
    )
}

/// One question answered by one of `options` (value, words already in the page's language): a fieldset of radios
/// under its legend, with its error; `chosen` is checked.
pub fn radio_group(
    lang: Lang,
    name: &str,
    legend: &str,
    options: &[(&str, &str)],
    chosen: &str,
    error: Option<&str>,
) -> String {
    let mut html = format!(
        "<div class=\"field{}\" id=\"{name}\"><fieldset><legend>{legend}</legend>",
        if error.is_some() { " field-error" } else { "" }
    );
    if let Some(message) = error {
        html.push_str(&error_message(lang, &format!("{name}-error"), message));
    }
    for (value, words) in options {
        let checked = if chosen == *value { " checked" } else { "" };
        html.push_str(&format!(
            "<div class=\"radio\"><input type=\"radio\" id=\"{name}-{value}\" name=\"{name}\" value=\"{value}\"{checked}>\
             <label for=\"{name}-{value}\">{}</label></div>",
            escape(words)
        ));
    }
    html.push_str("</fieldset></div>");
    html
}

/// The error summary that opens a page with problems: each links to its field.
pub fn error_summary(lang: Lang, errors: &[(String, String)]) -> String {
    if errors.is_empty() {
        return String::new();
    }
    let mut html = format!(
        "<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\" autofocus aria-labelledby=\"error-summary-title\">\
         <h2 id=\"error-summary-title\">{}</h2><ul>",
        lang.t("error.summary")
    );
    for (field, message) in errors {
        html.push_str(&format!("<li><a href=\"#{field}\">{}</a></li>", escape(message)));
    }
    html.push_str("</ul></div>");
    html
}

pub fn error_for<'a>(errors: &'a [(String, String)], name: &str) -> Option<&'a str> {
    errors.iter().find(|(field, _)| field == name).map(|(_, message)| message.as_str())
}

/// Form errors from the domain, in the page's language.
pub fn field_errors(lang: Lang, errors: &[surge_domain::FieldError]) -> Vec<(String, String)> {
    errors.iter().map(|e| (e.field.to_owned(), lang.field_error(e.field, e.code, &e.message))).collect()
}
