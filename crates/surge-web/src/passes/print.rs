//! All passes of one employee list on one PDF, for an organisation to print and hand out to workers without a
//! phone, or whose texts did not arrive: eight to an A4 page, each with its QR code, the holder's initials (not the
//! name: a sheet can be lost), control code, validity and zones, in the page's language.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use surge_app::passes::{PRINT_PART, PrintRequest};
use surge_app::{PassRecord, Store};

use crate::AppState;
use crate::i18n::Lang;
use crate::kit::ctx::sorry;

/// One pass as it is printed.
fn card<S>(state: &AppState<S>, lang: Lang, pass: &PassRecord) -> Result<surge_pdf::Card, surge_pass::PassError> {
    let (width, dark) = surge_pass::qr_modules(&pass.token)?;
    let zone = state.config.zone;
    let code = pass.grouped_code();
    let zones: Vec<String> = pass.zones.iter().map(|z| lang.listed_zone(&state.config.zones, z)).collect();
    let fact = |label: &str, value: String| (lang.t(label).to_owned(), value);
    Ok(surge_pdf::Card {
        qr: surge_pdf::Qr { width, dark },
        heading: surge_domain::names::initials(&pass.holder),
        facts: vec![
            fact("pass.code", code),
            fact("pass.from", zone.from_text(pass.not_before)),
            fact("pass.until", zone.until_text(pass.expires, lang.t("pass.end_of_day"))),
            fact("pass.zones", zones.join(", ")),
        ],
    })
}

/// `GET /batches/{id}/passes.pdf`: officials within their scope and the organisation itself.
pub async fn batch_pdf<S: Store>(
    State(state): State<AppState<S>>,
    Path(id): Path<i64>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let ctx = page_ctx!(state, headers, query);
    let here = format!("/batches/{id}/passes.pdf");
    let (ctx, _, org) = match crate::organisations::pages::visible_batch(&state, ctx, id, &here).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let lang = ctx.lang;
    let now = (state.clock)();
    // The first part unless another is asked for; anything but a part that exists is not found.
    let part = query.get("part").map_or(Some(1), |p| p.parse::<usize>().ok()).unwrap_or(0);
    let actor = ctx.principal.actor();
    let which = PrintRequest { organisation_id: org.id, batch_id: id, part, per_part: PRINT_PART };
    let printed = match surge_app::passes::print_batch(&state.store, which, &actor, now).await {
        Ok(printed) => printed,
        Err(surge_app::AppError::NotFound) => return crate::kit::ctx::not_found(ctx),
        Err(e) => {
            tracing::error!(error = %e, batch_id = id, "reading a batch's passes to print failed");
            return sorry(lang);
        }
    };
    let cards = match printed.passes.iter().map(|p| card(&state, lang, p)).collect::<Result<Vec<_>, _>>() {
        Ok(cards) => cards,
        Err(e) => {
            tracing::error!(error = %e, batch_id = id, "a pass's QR code could not be drawn");
            return sorry(lang);
        }
    };
    let count = cards.len().to_string();
    let sheet = surge_pdf::Sheet {
        lang: lang.code().to_owned(),
        title: {
            let title = lang.t("print.title").replace("{org}", &org.legal_name).replace("{batch}", &id.to_string());
            let title = title.replace("{n}", &count);
            if printed.parts > 1 {
                let part = lang.t("print.part").replace("{part}", &printed.part.to_string());
                format!("{title} · {}", part.replace("{parts}", &printed.parts.to_string()))
            } else {
                title
            }
        },
        footer: lang.t("print.footer").replace("{at}", &ctx.zone.display(now)),
        cards,
        empty: lang.t("print.empty").to_owned(),
    };
    // Drawing a few hundred QR codes takes a while: off the threads that answer requests.
    let rendered = tokio::task::spawn_blocking(move || surge_pdf::render(&sheet)).await;
    let bytes = match rendered {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(e)) => {
            tracing::error!(error = %e, code = e.code(), batch_id = id, "a batch's PDF could not be written");
            return sorry(lang);
        }
        Err(e) => {
            tracing::error!(error = %e, batch_id = id, "writing a batch's PDF stopped");
            return sorry(lang);
        }
    };
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    // Shown in the browser's viewer, to print or save; the name says which list it is.
    let name = if printed.parts > 1 {
        format!("passes-list-{id}-part-{}.pdf", printed.part)
    } else {
        format!("passes-list-{id}.pdf")
    };
    if let Ok(value) = HeaderValue::from_str(&format!("inline; filename=\"{name}\"")) {
        headers.insert(CONTENT_DISPOSITION, value);
    }
    // Every holder's pass: no copy kept by a shared computer's cache or a proxy.
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
