//! Organisations: registration with automatic screening, the officials' queue and decisions, employee list
//! uploads and their issuance batches, as the JSON API and as pages.

pub(crate) mod api;
pub(crate) mod pages;
mod register;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use surge_app::Store;

use crate::AppState;

/// Employee files may hold 100,000 rows; this leaves room for long names.
const MAX_UPLOAD_BYTES: usize = 32 * 1024 * 1024;

pub(crate) fn routes<S: Store + Clone + 'static>() -> Router<AppState<S>> {
    Router::new()
        .route("/api/organisations", post(api::register::<S>).get(api::list_organisations::<S>))
        .route("/api/organisations/bulk-approve", post(api::bulk_approve::<S>))
        .route("/api/organisations/{id}", get(api::organisation::<S>))
        .route("/api/organisations/{id}/decision", post(api::decide::<S>))
        .route(
            "/api/organisations/{id}/employees",
            post(api::upload::<S>).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route("/api/batches/{id}", get(api::batch::<S>))
        .route("/register", get(register::register_form::<S>).post(register::register_submit::<S>))
        .route("/screening", get(pages::screening_page::<S>))
        .route("/screening/approve", post(pages::screening_approve::<S>))
        .route("/organisations/{id}", get(pages::organisation_page::<S>))
        .route("/organisations/{id}/decision", post(pages::decision_submit::<S>))
        .route("/organisations/{id}/suspend", get(pages::suspend_page::<S>))
        .route(
            "/organisations/{id}/upload",
            get(pages::upload_page::<S>).post(pages::upload_submit::<S>).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route("/batches/{id}", get(pages::batch_page::<S>))
}
