//! Patient monitoring over HTTP: facilities, admissions, observations scored with NEWS2 and the board, for the
//! centre's clinicians (and admins). The pages come with the patient's report page.

pub(crate) mod api;

use axum::Router;
use axum::routing::{get, post};
use surge_app::Store;

use crate::AppState;

pub(crate) fn routes<S: Store + Clone + 'static>() -> Router<AppState<S>> {
    Router::new()
        .route("/api/v1/monitoring/facilities", post(api::add_facility::<S>).get(api::facilities::<S>))
        .route("/api/v1/monitoring/admissions", post(api::admit::<S>))
        .route("/api/v1/monitoring/admissions/{id}/observations", post(api::observe::<S>))
        .route("/api/v1/monitoring/admissions/{id}/state", post(api::move_admission::<S>))
        .route("/api/v1/monitoring/board", get(api::board::<S>))
}
