//! The page kit every context's pages share: the request's page context (`page_ctx!`, `form_ctx!` with its CSRF
//! check), the frame and style after the GOV.UK Design System, escaping, scripts, and the QR cache. Plain HTML
//! that works without JavaScript.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Response};

use crate::i18n::Lang;

/// The request's page context, or the error page to return at once.
macro_rules! page_ctx {
    ($state:expr, $headers:expr, $query:expr) => {
        match $crate::kit::ctx::PageCtx::new(&$state, &$headers, &$query).await {
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
        if !ctx.form_is_genuine(&$headers, &$state.web.csrf_secret, &$form) {
            return ctx.stale_form();
        }
        ctx
    }};
}

/// A script a page loads: revalidated on each load, so a new version reaches its users at once.
pub(crate) mod ctx;

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

/// A short confirmation at the top of a page ("Saved", "Sent"), read out by screen readers; `html` is already
/// escaped.
pub(crate) fn notice(html: &str) -> String {
    format!("<div class=\"inset\" role=\"status\"><p>{html}</p></div>")
}

pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

pub(crate) const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;color:#0b0c0c;line-height:1.4}\
main{max-width:40rem;margin:0 auto;padding:1rem}main:has(.wide){max-width:64rem}h1{font-size:1.8rem}\
dl{display:grid;grid-template-columns:fit-content(50%) minmax(0,1fr);overflow-wrap:anywhere;gap:.5rem 1rem;border-top:1px solid #b1b4b6;padding-top:.5rem}\
dt{font-weight:700}.qr svg{width:100%;max-width:20rem;height:auto}.code{font-size:1.5rem;letter-spacing:.1em}\
.warning{border-left:5px solid #d4351c;padding-left:1rem}@media print{.noprint{display:none}}\
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fd0;padding:.5rem}\
header{background:#0b0c0c;color:#fff;padding:.75rem 1rem;display:flex;justify-content:space-between;flex-wrap:wrap}\
header a{color:#fff;margin-left:1rem}header form{display:inline;margin-left:1rem}\
header button{background:none;box-shadow:none;padding:0;text-decoration:underline}\
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.5rem .25rem;border-bottom:1px solid #b1b4b6;vertical-align:top;word-break:keep-all;overflow-wrap:break-word}\
.tag{display:inline-block;word-break:keep-all;padding:.1rem .4rem;font-weight:700;background:#d2e2f1;color:#0c2d4a}\
.tag.approved{background:#cce2d8;color:#005a30}.tag.rejected,.tag.suspended{background:#f6d7d2;color:#942514}\
.tag.info_requested{background:#fff7bf;color:#594d00}.wide{max-width:60rem}progress{width:100%;height:2rem}\
textarea{font:inherit;width:100%;max-width:30rem;box-sizing:border-box;border:2px solid #0b0c0c;min-height:5rem}\
fieldset{border:0;padding:0;margin:1.5rem 0}legend{font-weight:700;font-size:1.2rem}\
.radio{display:flex;gap:.5rem;align-items:center;margin:.5rem 0}.conditional{margin:0 0 1rem 1.1rem;padding-left:1rem;border-left:4px solid #b1b4b6}\
@supports selector(:has(*)){.option .conditional{display:none}.option:has(input:checked) .conditional{display:block}}.radio input{width:1.5rem;height:1.5rem}\
.radio label{font-weight:400}.secondary{background:#f3f2f1;color:#0b0c0c;box-shadow:0 2px 0 #929191}\
.inset{border-left:5px solid #b1b4b6;padding-left:1rem}\
.verdict{padding:1.25rem;margin:1rem 0;color:#fff;text-align:center}.verdict.valid{background:#00703c}\
.verdict.invalid{background:#d4351c}.verdict.unknown{background:#ffdd00;color:#0b0c0c}.verdict .big{font-size:3rem;font-weight:700;margin:0}.field{margin:1.5rem 0}label{display:block;font-weight:700}.hint{color:#505a5f;margin:.25rem 0}\
input,select{font:inherit;width:100%;max-width:30rem;box-sizing:border-box;padding:.4rem;border:2px solid #0b0c0c}\
input:focus,select:focus,a:focus,button:focus{outline:3px solid #fd0;outline-offset:0}\
.field-error{border-left:5px solid #d4351c;padding-left:.75rem}.error-message{color:#d4351c;font-weight:700;margin:.25rem 0}\
input[aria-invalid=true]{border-color:#d4351c}.error-summary{border:5px solid #d4351c;padding:1rem;margin:1rem 0}\
.error-summary a{color:#d4351c;font-weight:700}.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}\
button,a.button{font:inherit;background:#00703c;color:#fff;border:0;padding:.6rem 1rem;box-shadow:0 2px 0 #002d18;cursor:pointer}\
button.danger{background:#d4351c;box-shadow:0 2px 0 #55150b}a.button{display:inline-block;text-decoration:none}\
.panel{background:#00703c;color:#fff;padding:1.5rem;text-align:center}.key{font-family:monospace;word-break:break-all;background:#f3f2f1;padding:.5rem}\
.chart{width:100%;height:auto;max-width:40rem}.chart .bar{fill:#1d70b8}.chart .line{stroke:#d4351c;stroke-width:2}\
.chart .grid{stroke:#b1b4b6;stroke-width:.5}.chart .tick{font-size:11px;fill:#505a5f}\
.scroll{overflow-x:auto;position:relative}caption{text-align:left;font-weight:700;padding:.5rem 0}.compare td{text-align:right}\
.map{width:100%;height:auto;max-height:70vh}.map path{stroke:#fff;stroke-width:1;vector-effect:non-scaling-stroke}\
.map path:hover{stroke:#0b0c0c;stroke-width:2}.map-figure{margin:0 0 1rem}.legend{list-style:none;padding:0;margin:.5rem 0}\
.legend li{display:flex;align-items:center;gap:.5rem;margin:.25rem 0}.swatch{width:1.25rem;height:1.25rem;flex:none}\
@media (min-width:50rem){.map-and-table{display:grid;grid-template-columns:minmax(14rem,22rem) minmax(0,1fr);gap:2rem;align-items:start}}";

pub(crate) fn page(title: &str, body: &str) -> String {
    layout(Lang::En, title, body, None)
}

/// The page frame: skip link, header with the service name and the language switch, main content.
pub(crate) fn layout(lang: Lang, title: &str, body: &str, switch_path: Option<&str>) -> String {
    layout_nav(lang, title, body, switch_path, "")
}

/// The frame with extra header content (the signed-in visitor's links).
pub(crate) fn layout_nav(lang: Lang, title: &str, body: &str, switch_path: Option<&str>, nav: &str) -> String {
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

/// A QR code's SVG with its accessible name in the page's language (the pass library names it in English).
pub fn qr_named(svg: &str, name: &str) -> String {
    svg.replacen("aria-label=\"Pass QR code\"", &format!("aria-label=\"{}\"", escape(name)), 1)
}

/// A `303 See Other` to `location`, for routes that only forward.
pub fn kit_redirect(location: &str) -> Response {
    ctx::see_other(location)
}

/// Remembers a language chosen by `?lang=` in a cookie, so the next pages keep it.
pub(crate) fn with_lang_cookie(query_lang: Option<&String>, lang: Lang, response: Response) -> Response {
    let mut response = response;
    if query_lang.is_some() {
        if let Ok(value) = format!("lang={}; Path=/; Max-Age=31536000; SameSite=Lax", lang.code()).parse() {
            response.headers_mut().insert(SET_COOKIE, value);
        }
    }
    response
}
