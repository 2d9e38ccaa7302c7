//! Test results: labs send HL7 v2, FHIR or CSV; patients register for their result; clinicians work the queue of
//! results that must be told by a person; patients see their own negatives.

pub(crate) mod api;
mod pages;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use surge_app::Store;

use crate::AppState;

/// Lab messages and FHIR bundles of a day's results.
const MAX_MESSAGE_BYTES: usize = 8 * 1024 * 1024;

pub(crate) fn routes<S: Store + Clone + 'static>() -> Router<AppState<S>> {
    Router::new()
        .route("/api/v1/results/registrations", post(api::register::<S>))
        .route("/api/v1/results/hl7", post(api::upload_hl7::<S>).layer(DefaultBodyLimit::max(MAX_MESSAGE_BYTES)))
        .route("/api/v1/results/queue", get(api::queue::<S>))
        .route("/api/v1/results/csv", post(api::upload_csv::<S>).layer(DefaultBodyLimit::max(2 * MAX_MESSAGE_BYTES)))
        .route("/api/v1/fhir/Bundle", post(api::fhir_bundle::<S>).layer(DefaultBodyLimit::max(MAX_MESSAGE_BYTES)))
        .route("/api/v1/results/{id}/action", post(api::act::<S>))
        .route("/results/register", get(pages::register_page::<S>).post(pages::register_submit::<S>))
        .route("/results/queue", get(pages::queue_page::<S>))
        .route("/results/label", get(pages::label_page::<S>))
        .route("/results/mine", get(pages::mine_page::<S>))
        .route("/r", get(|| async { crate::kit::kit_redirect("/results/mine") }))
        .route("/results/{id}/action", post(pages::action_submit::<S>))
}
