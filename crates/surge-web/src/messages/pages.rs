//! The message history for officials: counts by state, then the newest messages with their state, attempts,
//! gateway and failure reason. Phone numbers are masked and bodies never shown.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use surge_app::{MessageFilter, Role, Store};
use surge_domain::Phone;
use surge_domain::notify::MessageState;

use crate::AppState;
use crate::kit::ctx::sorry;
use crate::kit::escape;

const PAGE: u32 = 50;

pub async fn messages_page<S: Store>(
    State(state): State<AppState<S>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let ctx = page_ctx!(state, headers, query);
    if ctx.principal.require(&[Role::Admin, Role::Official]).is_err() {
        return ctx.refuse_staff("/messages");
    }
    let lang = ctx.lang;
    let chosen = query.get("state").and_then(|s| MessageState::parse(s));
    let filter = MessageFilter {
        state: chosen,
        kind: None,
        before_id: query.get("before").and_then(|b| b.parse().ok()),
        limit: PAGE,
    };
    let (messages, counts, withheld) =
        match surge_app::messages::history(&state.store, &filter, &ctx.principal.scope()).await {
            Ok(history) => (history.messages, history.counts, history.withheld),
            Err(e) => {
                tracing::error!(error = %e, "reading the message history failed");
                return sorry(lang);
            }
        };
    let count = |s: MessageState| counts.iter().find(|(state, _)| *state == s).map_or(0, |(_, n)| *n);
    let mut body = format!(
        "<div class=\"wide\"><h1>{}</h1><div class=\"scroll\" tabindex=\"0\"><table><caption>{}</caption><thead><tr><th scope=\"col\">{}</th>\
         <th scope=\"col\">{}</th></tr></thead><tbody>",
        lang.t("messages.title"),
        lang.t("messages.counts"),
        lang.t("org.status"),
        lang.t("messages.number"),
    );
    for s in MessageState::ALL {
        body.push_str(&format!(
            "<tr><td><a href=\"/messages?state={code}\">{name}</a></td><td>{n}</td></tr>",
            code = s.as_str(),
            name = lang.message_state(s.as_str()),
            n = count(s),
        ));
    }
    body.push_str("</tbody></table></div>");
    if let Some(s) = chosen {
        body.push_str(&format!(
            "<p>{} <strong>{}</strong>. <a href=\"/messages\">{}</a></p>",
            lang.t("messages.showing"),
            lang.message_state(s.as_str()),
            lang.t("messages.all")
        ));
    }
    if withheld {
        body.push_str(&format!("<p class=\"inset\">{}</p>", lang.t("messages.withheld")));
    } else if messages.is_empty() {
        body.push_str(&format!("<p>{}</p>", lang.t("messages.none")));
    } else {
        body.push_str(&format!(
            "<div class=\"scroll\" tabindex=\"0\"><table><caption class=\"visually-hidden\">{}</caption><thead><tr><th scope=\"col\">#</th>\
             <th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
             <th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
            lang.t("messages.title"),
            lang.t("messages.kind"),
            lang.t("messages.to"),
            lang.t("org.status"),
            lang.t("messages.attempts"),
            lang.t("messages.created"),
            lang.t("messages.failure"),
        ));
        for m in &messages {
            let to = Phone::from_stored(&m.recipient).map(|p| p.masked()).unwrap_or_else(|_| "—".into());
            body.push_str(&format!(
                "<tr><td>{id}</td><td>{kind}</td><td>{to}</td><td><span class=\"tag\">{state}</span></td>\
                 <td>{attempts}</td><td>{created}</td><td>{failure}</td></tr>",
                id = m.id,
                // A kind the page has no words for is shown as its code.
                kind = match lang.t(&format!("messages.kind.{}", m.kind)) {
                    "" => escape(&m.kind),
                    words => words.to_owned(),
                },
                to = escape(&to),
                state = lang.message_state(m.state.as_str()),
                attempts = m.attempts,
                created = ctx.when(m.created_at),
                failure = escape(m.failure.as_deref().unwrap_or("")),
            ));
        }
        body.push_str("</tbody></table></div>");
        if messages.len() as u32 == PAGE {
            if let Some(last) = messages.last() {
                let state_param = chosen.map(|s| format!("state={}&amp;", s.as_str())).unwrap_or_default();
                body.push_str(&format!(
                    "<p><a href=\"/messages?{state_param}before={}\">{}</a></p>",
                    last.id,
                    lang.t("messages.older")
                ));
            }
        }
    }
    body.push_str("</div>");
    let title = lang.t("messages.title");
    ctx.render(StatusCode::OK, title, &body, Some("/messages"))
}
