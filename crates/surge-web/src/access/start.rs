//! The service's start page: what each service is, who it is for and where to begin, so that a first visitor is not
//! dropped on a sign-in form meant for someone else. Signed-in visitors keep going to their account.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use surge_app::Store;

use crate::AppState;
use crate::access::auth::Principal;
use crate::kit::ctx::PageCtx;

/// The services in the order people most often need them: (heading, who and what, link, link text).
const SERVICES: &[(&str, &str, &str, &str)] = &[
    ("start.apply", "start.apply.who", "/apply", "start.apply.go"),
    ("start.register", "start.register.who", "/register", "start.register.go"),
    ("start.results", "start.results.who", "/results/register", "start.results.go"),
    ("start.account", "start.account.who", "/login", "start.account.go"),
    ("start.situation", "start.situation.who", "/situation", "start.situation.go"),
    ("start.staff", "start.staff.who", "/login/staff", "start.staff.go"),
];

fn start_body(ctx: &PageCtx) -> String {
    let mut body = format!("<h1>{}</h1><p class=\"lead\">{}</p>", ctx.t("start.title"), ctx.t("start.lead"));
    for (heading, who, link, go) in SERVICES {
        body.push_str(&format!(
            "<section><h2>{}</h2><p>{}</p><p><a href=\"{link}\">{}</a></p></section>",
            ctx.t(heading),
            ctx.t(who),
            ctx.t(go)
        ));
    }
    body
}

pub async fn start_page<S: Store>(
    State(state): State<AppState<S>>,
    Query(query): Query<std::collections::HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let ctx = page_ctx!(state, headers, query);
    if !matches!(ctx.principal, Principal::Anonymous) {
        return ctx.redirect("/account");
    }
    let body = start_body(&ctx);
    let title = ctx.t("start.title");
    ctx.render(StatusCode::OK, title, &body, Some("/"))
}
