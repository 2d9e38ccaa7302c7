//! Citizens' applications for a pass: the form with its supporting document, the policy's decision, the officials'
//! review queue and decisions, and the applicant's own page.

pub(crate) mod pages;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use surge_app::Store;

use crate::AppState;

/// `document_max_bytes`: the largest supporting document the form takes.
pub(crate) fn routes<S: Store + Clone + 'static>(document_max_bytes: usize) -> Router<AppState<S>> {
    // The document plus the form's text fields.
    let limit = document_max_bytes + 64 * 1024;
    Router::new()
        .route("/apply", get(pages::apply_page::<S>).post(pages::apply_submit::<S>).layer(DefaultBodyLimit::max(limit)))
        .route("/applications", get(pages::queue_page::<S>))
        .route("/applications/{id}", get(pages::application_page::<S>))
        .route("/applications/{id}/decision", post(pages::decision_submit::<S>))
        .route("/applications/{id}/document", get(pages::document::<S>))
}
