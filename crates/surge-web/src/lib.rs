//! Surge over HTTP: the JSON API for registration, screening, uploads and progress; the holder's pass page;
//! `/healthz`, `/metrics` and `/api/openapi.json`. Only this crate knows HTTP, JSON and HTML: it converts wire
//! types to domain types and maps error codes to statuses, never sending internal text to a client.

// The page kit first: its macros (`page_ctx!`, `form_ctx!`) are in scope for every context declared after it.
#[macro_use]
mod kit;

mod access;
mod applications;
mod checkpoints;
mod error;
mod i18n;
mod keys;
mod messages;
mod metrics;
mod monitoring;
mod openapi;
mod organisations;
mod passes;
mod policy;
mod results;
mod situation;
mod staff;
mod wire;

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use surge_app::{Config, Store};
use time::OffsetDateTime;

pub use access::session::{WebConfig, csrf_token};
pub use kit::QrCache;
pub use messages::api::inbound_key;
pub use metrics::Metrics;
pub use openapi::routes as documented_routes;
pub use passes::caches::{Caches, StatusSigner};
pub use passes::verify_json::{checks_json, dcc_verification_json, verification_json};
pub use situation::dashboard::{Dashboard, MAX_AREA_PAGES};
pub use situation::lake::{LakeAnswer, LakeFormat, LakeFuture, LakeQuery, LakeQueryError};
pub use situation::live::{LiveAlert, LiveBoard, LiveRow, LiveView};

/// Everything a request handler needs. Time comes from `clock`, so tests control it.
#[derive(Clone)]
pub struct AppState<S> {
    pub store: S,
    pub config: Arc<Config>,
    /// The trust list: signed, for checkpoints to download, and read, for verifying passes online; swapped when
    /// keys rotate.
    pub trust: surge_app::keys::TrustSlot,
    /// The authority's pass keys, for the admin's keys page; `None` shows none.
    pub keys: Option<Arc<dyn surge_app::keys::KeyAdmin>>,
    pub metrics: Arc<Metrics>,
    pub clock: Arc<dyn Fn() -> OffsetDateTime + Send + Sync>,
    pub qr_cache: Arc<QrCache>,
    /// API keys and pass statuses kept in memory for the checkpoint endpoints.
    pub caches: Arc<Caches>,
    /// Signs the status list served to verifiers; `None` serves none.
    pub status_signer: Option<Arc<StatusSigner>>,
    /// Cookies, client addresses and sign-in limits.
    pub web: Arc<WebConfig>,
    /// Signs the passes of approved applications; `None` takes no applications.
    pub signer: Option<Arc<surge_app::PassSigner>>,
    /// EU DCC signer certificates, for `HC1:` codes sent to the verification API; `None` refuses them.
    pub dcc_trust: Option<Arc<surge_pass::dcc::DccTrustList>>,
    /// The business rules an `HC1:` certificate must also meet (a negative test, a complete series).
    pub dcc_rules: Arc<std::sync::RwLock<Arc<Vec<surge_app::dcc::Rule>>>>,
    /// Lab results: known tests, phone region, SMS language; `None` takes no results.
    pub results: Option<Arc<surge_app::results::ResultsConfig>>,
    /// Patient monitoring: hard triggers, the check-in window, the duty clinicians.
    pub monitoring: Arc<surge_app::monitoring::MonitoringSettings>,
    /// Where supporting documents are kept: a directory that nothing serves or lists.
    pub documents_dir: Option<Arc<std::path::PathBuf>>,
    /// The public situation dashboard, rendered ahead and served from memory.
    pub dashboard: Arc<Dashboard>,
    /// The situation lake, for officials' queries; `None` answers 404.
    pub lake: Option<Arc<dyn LakeQuery>>,
    /// The live analytics' latest counts and alerts, pushed to officials' pages.
    pub live: Arc<LiveBoard>,
}

impl<S> std::fmt::Debug for AppState<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}

/// An address nothing serves: the API answers its JSON 404; people get the not-found page in their language, with
/// the layout, the language switch and a way on.
async fn unknown<S: Store>(
    axum::extract::State(state): axum::extract::State<AppState<S>>,
    uri: axum::http::Uri,
    query: Result<
        axum::extract::Query<std::collections::HashMap<String, String>>,
        axum::extract::rejection::QueryRejection,
    >,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if uri.path().starts_with("/api/") {
        return axum::http::StatusCode::NOT_FOUND.into_response();
    }
    let query = query.map(|q| q.0).unwrap_or_default();
    let ctx = page_ctx!(state, headers, query);
    kit::ctx::not_found_at(ctx, &kit::escape(uri.path()))
}

/// Every context's routes, with the service's own (health, metrics, the OpenAPI document).
pub fn router<S: Store + Clone + 'static>(state: AppState<S>) -> Router {
    Router::new()
        .route("/healthz", get(metrics::healthz::<S>))
        .route("/livez", get(metrics::livez))
        .route("/metrics", get(metrics::scrape::<S>))
        .route("/api/openapi.json", get(openapi::document))
        .merge(access::routes())
        .merge(organisations::routes())
        .merge(passes::routes())
        .merge(checkpoints::routes())
        .merge(applications::routes(state.config.applications.document_max_bytes))
        .merge(results::routes())
        .merge(monitoring::routes())
        .merge(messages::routes())
        .merge(policy::routes())
        .merge(keys::routes())
        .merge(staff::routes())
        .merge(situation::routes())
        .fallback(unknown::<S>)
        .layer(axum::middleware::from_fn(error::shaped_refusals))
        .with_state(state)
}
