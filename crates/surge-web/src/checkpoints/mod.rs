//! Checkpoints: officers verify passes online or offline (the page keeps working without a network), every scan
//! is logged, and scans of one pass too far apart raise an alert.

pub(crate) mod api;
mod page;

use axum::Router;
use axum::routing::{get, post};
use surge_app::Store;

use crate::AppState;

pub(crate) fn routes<S: Store + Clone + 'static>() -> Router<AppState<S>> {
    Router::new()
        .route("/api/v1/verify", post(api::verify::<S>))
        .route("/api/v1/checkpoints", post(api::create_checkpoint::<S>).get(api::list_checkpoints::<S>))
        .route("/api/v1/alerts", get(api::alerts::<S>))
        .route("/api/v1/scans", post(api::upload_scans::<S>))
        .route("/checkpoint", get(page::page::<S>).post(page::submit::<S>))
        .route("/checkpoint/offline.json", get(page::offline_data::<S>))
        .route("/assets/checkpoint.js", get(page::script))
        .route("/checkpoint-sw.js", get(page::service_worker))
        .route("/assets/jsQR.js", get(page::qr_decoder))
}
