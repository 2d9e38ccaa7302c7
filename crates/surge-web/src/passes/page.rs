//! The holder's pass page: QR code, validity, zones, control code; reads on a phone and prints, with no script. A
//! suspended or withdrawn pass shows no code to present: it says what happened, why, and what to do next.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use surge_app::{AppError, LinkToken, PassStatus, Store};

use crate::AppState;
use crate::i18n::Lang;
use crate::kit::{escape, layout, page, with_lang_cookie};

/// In the holder's language, with the language switch and a way on: the link may have been cut in the text.
fn not_found(lang: Lang, path: &str) -> (StatusCode, Html<String>) {
    let body = format!(
        "<h1>{}</h1><p>{}</p><p><a href=\"/\">{}</a></p>",
        lang.t("pass.notfound.title"),
        lang.t("pass.notfound.body"),
        lang.t("notfound.start"),
    );
    (StatusCode::NOT_FOUND, Html(layout(lang, lang.t("pass.notfound.title"), &body, Some(path))))
}

pub async fn pass_page<S: Store>(
    State(state): State<AppState<S>>,
    Path((index, token)): Path<(u64, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::negotiate(query.get("lang").map(String::as_str), &headers);
    let path = format!("/p/{index}/{}", escape(&token));
    let Some(token) = LinkToken::parse(&token) else { return not_found(lang, &path).into_response() };
    let pass = match surge_app::passes::by_link(&state.store, index, &token).await {
        Ok(pass) => pass,
        Err(AppError::NotFound) => return not_found(lang, &path).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "pass page failed");
            let sorry = page("Sorry", "<h1>Sorry, there is a problem</h1><p>Try again later.</p>");
            return (StatusCode::INTERNAL_SERVER_ERROR, Html(sorry)).into_response();
        }
    };
    let (title, body) = pass_body(&state, lang, &pass);
    let html = layout(lang, title, &body, Some(&path));
    with_lang_cookie(query.get("lang"), lang, Html(html).into_response())
}

/// The pass as its holder sees it, by its link or signed in: the title and the page's body. A pass that is not
/// valid shows no code to present.
pub(crate) fn pass_body<S>(state: &AppState<S>, lang: Lang, pass: &surge_app::PassRecord) -> (&'static str, String) {
    let zone = state.config.zone;
    let code = pass.grouped_code();
    // Not valid: no code to show at a checkpoint, but what happened, why, and what to do next.
    let stopped = match pass.status {
        PassStatus::Suspended => Some(("pass.suspended.title", "pass.suspended.next")),
        PassStatus::Revoked => Some(("pass.revoked.title", "pass.revoked.next")),
        PassStatus::Valid if !pass.active => Some(("pass.inactive", "pass.revoked.next")),
        PassStatus::Valid => None,
    };
    if let Some((title, next)) = stopped {
        let reason = match pass.status_reason.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
            Some(reason) => format!("<p>{} {}</p>", lang.t("pass.reason"), escape(reason)),
            None => String::new(),
        };
        let body = format!(
            "<div class=\"error-summary\" role=\"alert\"><h1>{}</h1>{reason}<p>{}</p></div>\
             <dl><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd class=\"code\">{}</dd></dl>",
            lang.t(title),
            lang.t(next),
            lang.t("pass.holder"),
            escape(&pass.holder),
            lang.t("pass.code"),
            escape(&code),
        );
        return (lang.t(title), body);
    }
    let qr = crate::kit::qr_named(&state.qr_cache.get_or_render(pass.status_index, &pass.token), lang.t("qr.pass"));
    let body = format!(
        "<h1>{title}</h1><div class=\"qr\">{qr}</div>\
         <dl><dt>{holder}</dt><dd>{}</dd><dt>{from}</dt><dd>{}</dd><dt>{until}</dt><dd>{}</dd>\
         <dt>{zones}</dt><dd>{}</dd><dt>{code_label}</dt><dd class=\"code\">{}</dd></dl>\
         <p class=\"noprint\">{show}</p><details class=\"noprint\"><summary>{as_text}</summary>\
         <p class=\"key\" id=\"pass-text\">{}</p></details>",
        escape(&pass.holder),
        zone.from_text(pass.not_before),
        zone.until_text(pass.expires, lang.t("pass.end_of_day")),
        escape(&pass.zones.join(", ")),
        escape(&code),
        escape(&pass.token),
        as_text = lang.t("pass.text"),
        title = lang.t("pass.title"),
        holder = lang.t("pass.holder"),
        from = lang.t("pass.from"),
        until = lang.t("pass.until"),
        zones = lang.t("pass.zones"),
        code_label = lang.t("pass.code"),
        show = lang.t("pass.show"),
    );
    (lang.t("pass.title"), body)
}
