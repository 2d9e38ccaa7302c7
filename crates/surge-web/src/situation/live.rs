//! The live board for officials: counts of the platform's events by place and outcome (this minute, the last 15
//! minutes, the last hour) and the latest alerts, pushed to the browser as server-sent events so the page updates
//! without a reload. The page is whole without JavaScript (it shows the counts as they were when it loaded, with a
//! refresh link); `assets/live.js` swaps in each new view. The analytics consumer publishes views here.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::Stream;
use surge_app::{KeyScope, Role, Store};
use surge_domain::LocalZone;
use tokio::sync::watch;

use crate::AppState;
use crate::access::auth::Principal;
use crate::i18n::Lang;
use crate::kit::escape;

/// One counter as the board shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveRow {
    /// `zone:KR-26` or `checkpoint:3`.
    pub scope: String,
    /// `scan.invalid`, `sms.failed`, …
    pub measure: String,
    pub minute: u64,
    pub fifteen: u64,
    pub hour: u64,
    /// The zone the counter belongs to (a checkpoint's own zone), for officials who see only theirs.
    pub zone: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveAlert {
    pub rule: String,
    pub subject: String,
    /// Event time, Unix milliseconds.
    pub at_ms: i64,
    pub detail: String,
    /// The zone of the alert's checkpoint or zone; empty for a pass, which may be copied anywhere and is shown to
    /// every official.
    pub zone: String,
}

/// What the board shows at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveView {
    pub rows: Vec<LiveRow>,
    pub alerts: Vec<LiveAlert>,
    /// The analytics' watermark: every event up to it is counted. Unix milliseconds.
    pub watermark_ms: Option<i64>,
    /// Events of the last hour that came after their minute was closed, by zone.
    pub late_hour: Vec<(String, u64)>,
}

impl LiveView {
    /// What an official limited to some zones sees: their zones' counters and alerts, and alerts about passes.
    pub fn scoped(&self, scope: &KeyScope) -> LiveView {
        if scope.zones.is_empty() {
            return self.clone();
        }
        let mine = |zone: &str| scope.zones.iter().any(|z| surge_domain::zone_covers(z, zone));
        LiveView {
            rows: self.rows.iter().filter(|r| mine(&r.zone)).cloned().collect(),
            alerts: self.alerts.iter().filter(|a| a.zone.is_empty() || mine(&a.zone)).cloned().collect(),
            watermark_ms: self.watermark_ms,
            late_hour: self.late_hour.iter().filter(|(zone, _)| mine(zone)).cloned().collect(),
        }
    }
}

impl LiveView {
    pub fn late_total(&self) -> u64 {
        self.late_hour.iter().map(|(_, n)| n).sum()
    }
}

/// The zones a signed-in caller is limited to; none for an admin or an unlimited official.
fn scope_of(principal: &Principal) -> KeyScope {
    match principal {
        Principal::Staff { role: Role::Official, scope, .. } | Principal::Key { role: Role::Official, scope, .. } => {
            KeyScope { zones: scope.zones.clone(), categories: Vec::new() }
        }
        _ => KeyScope::default(),
    }
}

/// The latest view, shared by the consumer that publishes it and every open page.
#[derive(Debug)]
pub struct LiveBoard {
    tx: watch::Sender<Arc<LiveView>>,
}

impl Default for LiveBoard {
    fn default() -> Self {
        Self { tx: watch::Sender::new(Arc::new(LiveView::default())) }
    }
}

impl LiveBoard {
    /// Shows a new view to every open page, unless it is the one shown.
    pub fn publish(&self, view: LiveView) {
        self.tx.send_if_modified(|shown| {
            if **shown == view {
                return false;
            }
            *shown = Arc::new(view);
            true
        });
    }

    pub fn current(&self) -> Arc<LiveView> {
        self.tx.borrow().clone()
    }
}

fn time_text(ms: i64, zone: LocalZone) -> String {
    match time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000)) {
        Ok(t) => zone.display(t),
        Err(_) => "—".into(),
    }
}

/// Checkpoint names by id, read when a page or its live feed opens, for rows that name a checkpoint.
type Names = HashMap<i64, String>;

async fn checkpoint_names<S: Store>(state: &AppState<S>) -> Names {
    match surge_app::scans::checkpoints(&state.store).await {
        Ok(checkpoints) => checkpoints.into_iter().map(|c| (c.id, format!("{} ({})", c.name, c.zone))).collect(),
        Err(e) => {
            tracing::warn!(error = %e, "reading checkpoint names failed; rows show their numbers");
            Names::new()
        }
    }
}

/// A scope in words: `zone:KR-26` is "Zone KR-26", `checkpoint:3` the checkpoint's name and zone; a scan with no
/// checkpoint or zone says so rather than "Checkpoint 0" or "Zone —".
fn place_text(scope: &str, lang: Lang, names: &Names) -> String {
    let (kind, name) = scope.split_once(':').unwrap_or(("", scope));
    match kind {
        "checkpoint" => match name.parse::<i64>().ok().and_then(|id| names.get(&id)) {
            Some(named) => escape(named),
            None if name.is_empty() || name.parse::<i64>().is_ok_and(|id| id <= 0) => {
                lang.t("live.no_checkpoint").to_owned()
            }
            None => format!("{} {}", lang.t("live.checkpoint"), escape(name)),
        },
        "zone" if name.is_empty() => lang.t("live.no_zone").to_owned(),
        "zone" => format!("{} {}", lang.t("live.zone"), escape(name)),
        _ => escape(scope),
    }
}

/// A measure in words.
fn measure_text(measure: &str, lang: Lang) -> &'static str {
    match lang.t(&format!("live.measure.{measure}")) {
        "" => lang.t("live.measure.other"),
        text => text,
    }
}

/// An alert's rule in words.
fn rule_text(rule: &str, lang: Lang) -> &'static str {
    match lang.t(&format!("live.rule.{rule}")) {
        "" => lang.t("live.rule.other"),
        text => text,
    }
}

fn counts_html(view: &LiveView, lang: Lang, names: &Names) -> String {
    let late = format!("<p>{} <strong id=\"live-late\">{}</strong></p>", lang.t("live.late"), view.late_total());
    if view.rows.is_empty() {
        return format!("<p>{}</p>{late}", lang.t("live.none"));
    }
    let mut html = format!(
        "<table><caption>{}</caption><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
         <th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">{}</th>\
         <th scope=\"col\" class=\"num\">{}</th></tr></thead><tbody>",
        lang.t("live.counts"),
        lang.t("live.place"),
        lang.t("live.what"),
        lang.t("live.minute"),
        lang.t("live.fifteen"),
        lang.t("live.hour"),
    );
    for row in &view.rows {
        html.push_str(&format!(
            "<tr data-scope=\"{scope}\" data-measure=\"{measure}\"><th scope=\"row\">{place}</th><td>{what}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            row.minute,
            row.fifteen,
            row.hour,
            scope = escape(&row.scope),
            measure = escape(&row.measure),
            place = place_text(&row.scope, lang, names),
            what = measure_text(&row.measure, lang),
        ));
    }
    html.push_str("</tbody></table>");
    html.push_str(&late);
    html
}

fn alerts_html(view: &LiveView, lang: Lang, zone: LocalZone) -> String {
    if view.alerts.is_empty() {
        return format!("<p>{}</p>", lang.t("live.no_alerts"));
    }
    let mut html = String::from("<ul class=\"alerts\">");
    for alert in &view.alerts {
        html.push_str(&format!(
            "<li><strong>{}</strong> ({}, {}): {}</li>",
            rule_text(&alert.rule, lang),
            escape(&alert.subject),
            time_text(alert.at_ms, zone),
            escape(&alert.detail),
        ));
    }
    html.push_str("</ul>");
    html
}

fn updated_text(view: &LiveView, zone: LocalZone) -> String {
    view.watermark_ms.map_or_else(|| "—".to_owned(), |ms| time_text(ms, zone))
}

pub async fn page<S: Store>(
    State(state): State<AppState<S>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let ctx = page_ctx!(state, headers, query);
    if ctx.principal.require(&[Role::Admin, Role::Official]).is_err() {
        return ctx.refuse_staff("/live");
    }
    let lang = ctx.lang;
    let view = state.live.current().scoped(&scope_of(&ctx.principal));
    let names = checkpoint_names(&state).await;
    let body = format!(
        "<div class=\"wide\"><h1>{title}</h1><p>{lead}</p>\
         <p>{updated_label}: <span id=\"live-updated\">{updated}</span>. <a href=\"/live\">{refresh}</a></p>\
         <div id=\"live-counts\" aria-live=\"polite\">{counts}</div>\
         <h2>{alerts_title}</h2><div id=\"live-alerts\" aria-live=\"polite\">{alerts}</div></div>\
         <script src=\"/assets/live.js\" defer></script>",
        title = lang.t("live.title"),
        lead = lang.t("live.lead"),
        updated_label = lang.t("live.updated"),
        updated = updated_text(&view, ctx.zone),
        refresh = lang.t("live.refresh"),
        counts = counts_html(&view, lang, &names),
        alerts_title = lang.t("live.alerts"),
        alerts = alerts_html(&view, lang, ctx.zone),
    );
    ctx.render(StatusCode::OK, lang.t("live.title"), &body, Some("/live"))
}

/// Each new view as an SSE `live` event: the counts' and alerts' HTML in the page's language, and the time they
/// are counted up to.
pub async fn events<S: Store>(
    State(state): State<AppState<S>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let ctx = page_ctx!(state, headers, query);
    if ctx.principal.require(&[Role::Admin, Role::Official]).is_err() {
        return StatusCode::FORBIDDEN.into_response();
    }
    let lang = ctx.lang;
    let zone = ctx.zone;
    let names = Arc::new(checkpoint_names(&state).await);
    let scope = Arc::new(scope_of(&ctx.principal));
    let mut rx = state.live.tx.subscribe();
    // The view the page was rendered with may be old by the time this connects: it is sent first.
    rx.mark_changed();
    let stream = futures_util::stream::unfold(rx, move |mut rx| {
        let (scope, names) = (scope.clone(), names.clone());
        async move {
            rx.changed().await.ok()?;
            let view = rx.borrow_and_update().scoped(&scope);
            let update = LiveUpdate {
                counts: counts_html(&view, lang, &names),
                alerts: alerts_html(&view, lang, zone),
                updated: updated_text(&view, zone),
            };
            let event = Event::default()
                .event("live")
                .json_data(&update)
                .unwrap_or_else(|_| Event::default().comment("skipped"));
            Some((Ok::<Event, Infallible>(event), rx))
        }
    });
    sse(stream).into_response()
}

/// One push to an official's live page: the fragments to swap in.
#[derive(Debug, serde::Serialize)]
struct LiveUpdate {
    counts: String,
    alerts: String,
    updated: String,
}

fn sse(stream: impl Stream<Item = Result<Event, Infallible>> + Send + 'static) -> impl IntoResponse {
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

pub async fn script() -> Response {
    crate::kit::javascript(include_str!("../../assets/live.js"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(scope: &str, zone: &str) -> LiveRow {
        LiveRow { scope: scope.into(), measure: "scan.valid".into(), minute: 1, fifteen: 2, hour: 3, zone: zone.into() }
    }

    fn alert(subject: &str, zone: &str) -> LiveAlert {
        LiveAlert { rule: "r".into(), subject: subject.into(), at_ms: 0, detail: String::new(), zone: zone.into() }
    }

    #[test]
    fn measures_and_rules_are_named_in_the_pages_language_and_unknown_ones_plainly() {
        assert_eq!(measure_text("scan.valid", Lang::En), "Valid passes checked");
        assert_eq!(measure_text("drone.sighted", Lang::Ko), "기타");
        assert_eq!(rule_text("possible_cloned_pass", Lang::En), "Possible copied pass");
        assert_eq!(rule_text("new_rule", Lang::En), "Alert");
    }

    #[test]
    fn places_are_named_with_the_checkpoint_s_name_and_missing_ones_in_words() {
        let names: Names = [(3, "Haeundae gate (KR-26)".to_owned())].into_iter().collect();
        assert_eq!(place_text("checkpoint:3", Lang::En, &names), "Haeundae gate (KR-26)");
        assert_eq!(place_text("checkpoint:0", Lang::Ko, &names), "검문소를 고르지 않고 확인");
        assert_eq!(place_text("checkpoint:9", Lang::En, &names), "Checkpoint 9");
        assert_eq!(place_text("zone:", Lang::En, &names), "Zone not known");
        assert_eq!(place_text("zone:KR-26", Lang::Ko, &names), "구역 KR-26");
        assert_eq!(place_text("checkpoint:<b>", Lang::En, &names), "Checkpoint &lt;b&gt;");
    }

    #[test]
    fn an_official_limited_to_zones_sees_theirs_and_every_pass_alert() {
        let view = LiveView {
            rows: vec![row("zone:KR-26", "KR-26"), row("checkpoint:3", "KR-26-110"), row("zone:KR-11", "KR-11")],
            alerts: vec![alert("checkpoint:3", "KR-26-110"), alert("zone:KR-11", "KR-11"), alert("pass:7", "")],
            watermark_ms: Some(5),
            late_hour: vec![("KR-26".into(), 2), ("KR-11".into(), 5)],
        };
        let busan = KeyScope { zones: vec!["KR-26".into()], categories: Vec::new() };
        let seen = view.scoped(&busan);
        let scopes: Vec<&str> = seen.rows.iter().map(|r| r.scope.as_str()).collect();
        assert_eq!(scopes, ["zone:KR-26", "checkpoint:3"], "the zone and its sub-zone's checkpoint");
        let subjects: Vec<&str> = seen.alerts.iter().map(|a| a.subject.as_str()).collect();
        assert_eq!(subjects, ["checkpoint:3", "pass:7"]);
        assert_eq!((seen.late_total(), seen.watermark_ms), (2, Some(5)));
        assert_eq!(view.scoped(&KeyScope::default()), view, "no limit: everything");
        assert_eq!(view.late_total(), 7);
    }
}
