//! The public situation dashboard, served from memory. Every page and its data in both languages are rendered when
//! the lake changes (`Dashboard::publish`), each with an ETag, so serving one costs a map lookup and no query: the
//! dashboard stays up however many people read it, as Busan's own site did not in February 2020.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH, VARY};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use surge_app::Store;
use surge_app::facts::PlatformFigures;
use surge_lake::situation::{Place, Situation};
use time::OffsetDateTime;

use crate::AppState;
use crate::i18n::Lang;
use crate::situation::map::Gazetteer;
use crate::situation::pages as render;

/// Areas get pages of their own up to this many; beyond it (every county of a country, say) they are listed on their
/// region's page with their figures but without a page each, to keep the dashboard's memory bounded.
pub const MAX_AREA_PAGES: usize = 2_000;

/// Browsers and caches may reuse a page for a minute; the ETag makes a recheck after that cheap.
const CACHE: &str = "public, max-age=60";

#[derive(Debug, Clone)]
struct Rendered {
    body: Bytes,
    etag: HeaderValue,
    content_type: &'static str,
}

impl Rendered {
    fn new(body: String, content_type: &'static str) -> Self {
        let digest = Sha256::digest(body.as_bytes());
        let hex = hex::encode(&digest[..12]);
        let etag = HeaderValue::from_str(&format!("\"{hex}\"")).unwrap_or_else(|_| HeaderValue::from_static("\"0\""));
        Self { body: Bytes::from(body), etag, content_type }
    }
}

/// Pages by key: `en:/situation/KOR` for a page in a language, `/situation/KOR.csv` for data.
type Pages = HashMap<String, Rendered>;

/// The rendered dashboard, swapped whole when the lake changes.
#[derive(Debug)]
pub struct Dashboard {
    pages: RwLock<Arc<Pages>>,
    /// The authority's time zone, in which pages say when they were updated.
    zone: surge_domain::LocalZone,
    /// The authority's zones and their outlines, to name places and draw a region's districts.
    geo: Gazetteer,
}

impl Default for Dashboard {
    fn default() -> Self {
        Self::new(surge_domain::LocalZone::default(), surge_domain::ZoneList::korea())
    }
}

const LANGS: [Lang; 2] = [Lang::En, Lang::Ko];

impl Dashboard {
    pub fn new(zone: surge_domain::LocalZone, zones: surge_domain::ZoneList) -> Self {
        let dashboard = Self { pages: RwLock::new(Arc::new(Pages::new())), zone, geo: Gazetteer::new(zones) };
        dashboard.publish(None, &PlatformFigures::default(), OffsetDateTime::UNIX_EPOCH);
        dashboard
    }

    /// Renders every page and its data, then serves them in place of the old ones. Returns how many were rendered.
    pub fn publish(&self, situation: Option<&Situation>, figures: &PlatformFigures, now: OffsetDateTime) -> usize {
        let mut pages = Pages::new();
        let html = "text/html; charset=utf-8";
        let updated = self.zone.display(now);
        let now = updated.as_str();
        for lang in LANGS {
            pages.insert(
                format!("{}:/situation", lang.code()),
                Rendered::new(render::index_page(lang, &self.geo, situation, figures, now), html),
            );
        }
        if let Some(s) = situation {
            pages.insert("/situation.csv".into(), Rendered::new(render::comparison_csv(s), "text/csv; charset=utf-8"));
            pages.insert("/situation.json".into(), Rendered::new(render::comparison_json(s), "application/json"));
            let mut areas_of: HashMap<&str, Vec<&Place>> = HashMap::new();
            for area in &s.sub_regions {
                areas_of.entry(area.region.as_str()).or_default().push(area);
            }
            let area_pages = s.sub_regions.len() <= MAX_AREA_PAGES;
            let link = |p: &Place| area_pages.then(|| format!("/situation/{}", p.path()));
            for region in &s.regions {
                let areas: Vec<(&Place, Option<String>)> = areas_of
                    .get(region.region.as_str())
                    .map(|a| a.iter().map(|p| (*p, link(p))).collect())
                    .unwrap_or_default();
                insert_place(&mut pages, &self.geo, s, region, &areas, now);
            }
            if area_pages {
                for area in &s.sub_regions {
                    insert_place(&mut pages, &self.geo, s, area, &[], now);
                }
            }
        }
        let count = pages.len();
        *self.pages.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(pages);
        count
    }

    fn get(&self, key: &str) -> Option<Rendered> {
        self.pages.read().unwrap_or_else(std::sync::PoisonError::into_inner).get(key).cloned()
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

fn serve(page: Rendered, headers: &HeaderMap, by_language: bool) -> Response {
    let mut response = if headers.get(IF_NONE_MATCH).is_some_and(|v| v.as_bytes() == page.etag.as_bytes()) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(CONTENT_TYPE, HeaderValue::from_static(page.content_type))], page.body).into_response()
    };
    let h = response.headers_mut();
    h.insert(ETAG, page.etag);
    h.insert(CACHE_CONTROL, HeaderValue::from_static(CACHE));
    if by_language {
        h.insert(VARY, HeaderValue::from_static("Accept-Language, Cookie"));
    }
    response
}

fn lookup<S>(state: &AppState<S>, path: &str, query: &LangQuery, headers: &HeaderMap) -> Response {
    if path.ends_with(".csv") || path.ends_with(".json") {
        if let Some(page) = state.dashboard.get(path) {
            return serve(page, headers, false);
        }
    } else {
        let lang = Lang::negotiate(query.lang.as_deref(), headers);
        if let Some(page) = state.dashboard.get(&format!("{}:{path}", lang.code())) {
            return serve(page, headers, true);
        }
    }
    let lang = Lang::negotiate(query.lang.as_deref(), headers);
    let body = format!(
        "<h1>{}</h1><p><a href=\"/situation\">{}</a></p>",
        lang.t("situation.not_found"),
        lang.t("situation.all")
    );
    let html = crate::kit::frame(lang, lang.t("situation.service"), lang.t("situation.not_found"), &body, None, "");
    (StatusCode::NOT_FOUND, [(CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

/// `GET /situation`, `/situation.csv`, `/situation.json`.
pub async fn index<S: Store>(
    State(state): State<AppState<S>>,
    uri: axum::http::Uri,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    lookup(&state, uri.path(), &query, &headers)
}

/// `GET /situation/{region}[/{area}][.csv|.json]`.
pub async fn place<S: Store>(
    State(state): State<AppState<S>>,
    Path(rest): Path<String>,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    lookup(&state, &format!("/situation/{rest}"), &query, &headers)
}

/// A place's page in each language, and its figures as CSV and JSON.
fn insert_place(
    pages: &mut Pages,
    geo: &Gazetteer,
    s: &Situation,
    place: &Place,
    areas: &[(&Place, Option<String>)],
    now: &str,
) {
    let path = format!("/situation/{}", place.path());
    for lang in LANGS {
        let html = render::place_page(lang, geo, s, place, areas, now);
        pages.insert(format!("{}:{path}", lang.code()), Rendered::new(html, "text/html; charset=utf-8"));
    }
    pages.insert(format!("{path}.csv"), Rendered::new(render::place_csv(s, place), "text/csv; charset=utf-8"));
    pages.insert(format!("{path}.json"), Rendered::new(render::place_json(s, place), "application/json"));
}
