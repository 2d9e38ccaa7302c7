//! Surge over HTTP: the JSON API for registration, screening, uploads and progress; the holder's pass page;
//! `/healthz`, `/metrics` and `/api/openapi.json`. Only this crate knows HTTP, JSON and HTML: it converts wire
//! types to domain types and maps error codes to statuses, never sending internal text to a client.

// The OpenAPI document is one `json!` literal, deeper than the default macro recursion limit.
#![recursion_limit = "512"]

mod api;
mod api_lake;
mod api_notify;
mod api_results;
mod api_rules;
mod api_v1;
mod auth;
mod caches;
mod dashboard;
mod error;
mod i18n;
mod metrics;
mod openapi;
mod pages;
mod session;
mod verify_json;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use surge_app::{Config, Store};
use time::OffsetDateTime;

pub use api_lake::{LakeAnswer, LakeFormat, LakeFuture, LakeQuery, LakeQueryError};
pub use api_notify::inbound_key;
pub use caches::{Caches, StatusSigner};
pub use dashboard::{Dashboard, MAX_AREA_PAGES};
pub use metrics::Metrics;
pub use openapi::ROUTES;
pub use pages::QrCache;
pub use pages::live::{LiveAlert, LiveBoard, LiveRow, LiveView};
pub use session::{WebConfig, csrf_token};
pub use verify_json::{cbor_to_json, checks_json, dcc_verification_json, verification_json};

/// Everything a request handler needs. Time comes from `clock`, so tests control it.
#[derive(Clone)]
pub struct AppState<S> {
    pub store: S,
    pub config: Arc<Config>,
    /// The signed trust list (COSE bytes) that checkpoints download.
    pub trust_list: Arc<Vec<u8>>,
    /// The same list, read, for verifying passes online.
    pub trust: Arc<surge_pass::TrustList>,
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
    /// Lab results: known tests, phone region, SMS language; `None` takes no results.
    pub results: Option<Arc<surge_app::results::ResultsConfig>>,
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

/// Employee files may hold 100,000 rows; this leaves room for long names.
const MAX_UPLOAD_BYTES: usize = 32 * 1024 * 1024;

pub fn router<S: Store + Clone + 'static>(state: AppState<S>) -> Router {
    // The document plus the form's text fields.
    let application_limit = state.config.applications.document_max_bytes + 64 * 1024;
    Router::new()
        .route("/healthz", get(api::healthz::<S>))
        .route("/metrics", get(metrics::scrape::<S>))
        .route("/api/openapi.json", get(openapi::document))
        .route("/api/trust-list", get(api::trust_list::<S>))
        .route("/api/v1/trust-list", get(api::trust_list::<S>))
        .route("/api/v1/verify", post(api_v1::verify::<S>))
        .route("/api/v1/passes/{index}/status", post(api_v1::set_status::<S>))
        .route("/api/v1/revocations", get(api_v1::revocations::<S>))
        .route("/api/v1/status-list", get(api_v1::status_list::<S>))
        .route("/api/v1/checkpoints", post(api_v1::create_checkpoint::<S>).get(api_v1::list_checkpoints::<S>))
        .route("/api/v1/alerts", get(api_v1::alerts::<S>))
        .route("/api/v1/policy", get(api_rules::current::<S>).post(api_rules::replace::<S>))
        .route("/api/v1/policy/try", post(api_rules::try_policy::<S>))
        .route("/api/organisations", post(api::register::<S>).get(api::list_organisations::<S>))
        .route("/api/organisations/bulk-approve", post(api::bulk_approve::<S>))
        .route("/api/organisations/{id}", get(api::organisation::<S>))
        .route("/api/organisations/{id}/decision", post(api::decide::<S>))
        .route(
            "/api/organisations/{id}/employees",
            post(api::upload::<S>).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route("/api/batches/{id}", get(api::batch::<S>))
        .route("/api/api-keys", post(api::create_api_key::<S>))
        .route("/api/api-keys/{id}/revoke", post(api::revoke_api_key::<S>))
        .route("/api/accounts", post(api::create_account::<S>))
        .route("/api/messages", post(api_notify::send::<S>).get(api_notify::history::<S>))
        .route("/api/messages/{id}", get(api_notify::message::<S>))
        .route("/api/notify/kannel/receipt", get(api_notify::kannel_receipt_callback::<S>))
        .route("/api/notify/kannel/inbound", get(api_notify::kannel_inbound::<S>))
        .route("/api/notify/webhook/receipt", post(api_notify::webhook_receipt::<S>))
        .route("/register", get(pages::register_form::<S>).post(pages::register_submit::<S>))
        .route("/login", get(pages::account::login_form::<S>).post(pages::account::login_submit::<S>))
        .route("/login/code", get(pages::account::code_form_page::<S>).post(pages::account::code_submit::<S>))
        .route("/login/staff", get(pages::account::staff_form_page::<S>).post(pages::account::staff_submit::<S>))
        .route("/logout", post(pages::account::logout::<S>))
        .route("/account", get(pages::account::account_page::<S>))
        .route("/account/password", get(pages::account::password_page::<S>).post(pages::account::password_submit::<S>))
        .route("/screening", get(pages::orgs::screening_page::<S>))
        .route("/screening/approve", post(pages::orgs::screening_approve::<S>))
        .route("/organisations/{id}", get(pages::orgs::organisation_page::<S>))
        .route("/organisations/{id}/decision", post(pages::orgs::decision_submit::<S>))
        .route(
            "/organisations/{id}/upload",
            get(pages::orgs::upload_page::<S>)
                .post(pages::orgs::upload_submit::<S>)
                .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route("/batches/{id}", get(pages::orgs::batch_page::<S>))
        .route("/messages", get(pages::messages::messages_page::<S>))
        .route("/live", get(pages::live::page::<S>))
        .route("/live/events", get(pages::live::events::<S>))
        .route("/assets/live.js", get(pages::live::script))
        .route(
            "/apply",
            get(pages::applications::apply_page::<S>)
                .post(pages::applications::apply_submit::<S>)
                .layer(DefaultBodyLimit::max(application_limit)),
        )
        .route("/applications", get(pages::applications::queue_page::<S>))
        .route("/applications/{id}", get(pages::applications::application_page::<S>))
        .route("/applications/{id}/decision", post(pages::applications::decision_submit::<S>))
        .route("/applications/{id}/document", get(pages::applications::document::<S>))
        .route("/checkpoint/offline.json", get(pages::checkpoint::offline_data::<S>))
        .route("/assets/checkpoint.js", get(pages::checkpoint::script))
        .route("/checkpoint-sw.js", get(pages::checkpoint::service_worker))
        .route("/assets/jsQR.js", get(pages::checkpoint::qr_decoder))
        .route("/api/v1/scans", post(api_v1::upload_scans::<S>))
        .route("/api/v1/results/registrations", post(api_results::register::<S>))
        .route("/api/v1/results/hl7", post(api_results::upload_hl7::<S>).layer(DefaultBodyLimit::max(8 * 1024 * 1024)))
        .route("/api/v1/results/queue", get(api_results::queue::<S>))
        .route("/api/v1/results/csv", post(api_results::upload_csv::<S>).layer(DefaultBodyLimit::max(16 * 1024 * 1024)))
        .route("/api/v1/fhir/Bundle", post(api_results::fhir_bundle::<S>).layer(DefaultBodyLimit::max(8 * 1024 * 1024)))
        .route("/api/v1/results/{id}/action", post(api_results::act::<S>))
        .route("/results/register", get(pages::results::register_page::<S>).post(pages::results::register_submit::<S>))
        .route("/results/queue", get(pages::results::queue_page::<S>))
        .route("/results/label", get(pages::results::label_page::<S>))
        .route("/results/mine", get(pages::results::mine_page::<S>))
        .route("/r", get(|| async { pages::kit_redirect("/results/mine") }))
        .route("/results/{id}/action", post(pages::results::action_submit::<S>))
        .route("/checkpoint", get(pages::checkpoint::page::<S>).post(pages::checkpoint::submit::<S>))
        .route("/policy", get(pages::policy::page::<S>).post(pages::policy::submit::<S>))
        .route("/situation", get(dashboard::index::<S>))
        .route("/situation.csv", get(dashboard::index::<S>))
        .route("/situation.json", get(dashboard::index::<S>))
        .route("/situation/{*rest}", get(dashboard::place::<S>))
        .route("/api/v1/lake/sql", get(api_lake::sql::<S>))
        .route("/", get(|| async { pages::kit_redirect("/account") }))
        .route("/p/{index}/{token}", get(pages::pass_page::<S>))
        .with_state(state)
}
