//! The holder's pass page: the QR code, validity, zones and control code, laid out to read on a phone and to print.
//! Plain HTML with no script, following the GOV.UK Design System's summary-list pattern.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Html;
use surge_app::{LinkToken, Store, StoreError};

use crate::AppState;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;color:#0b0c0c;line-height:1.4}\
main{max-width:40rem;margin:0 auto;padding:1rem}h1{font-size:1.8rem}\
dl{display:grid;grid-template-columns:max-content 1fr;gap:.5rem 1rem;border-top:1px solid #b1b4b6;padding-top:.5rem}\
dt{font-weight:700}.qr svg{width:100%;max-width:20rem;height:auto}.code{font-size:1.5rem;letter-spacing:.1em}\
.warning{border-left:5px solid #d4351c;padding-left:1rem}@media print{.noprint{display:none}}";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width, initial-scale=1\"><title>{} – Surge</title><style>{STYLE}</style></head>\
         <body><main id=\"main-content\">{body}</main></body></html>",
        escape(title)
    )
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
) -> (StatusCode, Html<String>) {
    let Some(token) = LinkToken::parse(&token) else { return not_found() };
    let pass = match state.store.pass_by_link(index, token.hash()).await {
        Ok(pass) => pass,
        Err(StoreError::NotFound) => return not_found(),
        Err(e) => {
            tracing::error!(error = %e, "pass page failed");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html(page("Sorry", "<h1>Sorry, there is a problem</h1><p>Try again later.</p>")),
            );
        }
    };
    let qr = surge_pass::qr_svg(&pass.token).unwrap_or_default();
    let date = |t: time::OffsetDateTime| t.date().to_string();
    let last_day = pass.expires - time::Duration::seconds(1);
    let code = format!(
        "{}-{}",
        &pass.control_code[..5.min(pass.control_code.len())],
        &pass.control_code[5.min(pass.control_code.len())..]
    );
    let warning = if pass.active {
        String::new()
    } else {
        "<p class=\"warning\"><strong>This pass is no longer active.</strong></p>".to_owned()
    };
    let body = format!(
        "<h1>Movement pass</h1>{warning}<div class=\"qr\">{qr}</div>\
         <dl><dt>Holder</dt><dd>{}</dd><dt>Valid from</dt><dd>{}</dd><dt>Valid until</dt><dd>{} (end of day)</dd>\
         <dt>Zones</dt><dd>{}</dd><dt>Control code</dt><dd class=\"code\">{}</dd></dl>\
         <p class=\"noprint\">Show this code at a checkpoint, or print this page. The officer may also type the control code.</p>",
        escape(&pass.holder),
        date(pass.not_before),
        date(last_day),
        escape(&pass.zones.join(", ")),
        escape(&code),
    );
    (StatusCode::OK, Html(page("Movement pass", &body)))
}
