//! The holder's pass page: QR code, validity, zones, control code; reads on a phone and prints, with no script.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use surge_app::{AppError, LinkToken, Store};

use crate::AppState;
use crate::i18n::Lang;
use crate::kit::{escape, layout, page, with_lang_cookie};

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
