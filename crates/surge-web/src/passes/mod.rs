//! Passes after issue: the holder's page, officials changing a pass's status, and what verifiers download (the
//! feed of changes, the signed status list, the trust list), with the statuses and keys kept in memory.

pub(crate) mod api;
mod bulk;
pub(crate) mod caches;
pub(crate) mod holder;
mod manage;
mod page;
mod print;
pub(crate) mod verify_json;

use axum::Router;
use axum::routing::{get, post};
use surge_app::Store;

use crate::AppState;

pub(crate) fn routes<S: Store + Clone + 'static>() -> Router<AppState<S>> {
    Router::new()
        .route("/api/trust-list", get(api::trust_list_first::<S>))
        .route("/api/v1/trust-list", get(api::trust_list::<S>))
        .route("/api/v1/passes/{index}/status", post(api::set_status::<S>))
        .route("/api/v1/revocations", get(api::revocations::<S>))
        .route("/api/v1/status-list", get(api::status_list::<S>))
        .route("/p/{index}/{token}", get(page::pass_page::<S>))
        .route("/passes", get(manage::search_page::<S>))
        .route("/passes/{index}", get(manage::pass_page::<S>))
        .route("/passes/{index}/{action}", get(manage::action_page::<S>).post(manage::action_submit::<S>))
        .route("/organisations/{id}/passes", get(manage::organisation_passes::<S>))
        .route("/organisations/{id}/passes/{index}", get(manage::organisation_pass_page::<S>))
        .route("/organisations/{id}/passes/{index}/resend", post(manage::organisation_resend::<S>))
        .route("/organisations/{id}/revoke-all", get(bulk::organisation_page::<S>).post(bulk::organisation_submit::<S>))
        .route("/batches/{id}/revoke-all", get(bulk::batch_page::<S>).post(bulk::batch_submit::<S>))
        .route("/batches/{id}/passes.pdf", get(print::batch_pdf::<S>))
        .route(
            "/organisations/{id}/passes/{index}/revoke",
            get(manage::organisation_revoke_page::<S>).post(manage::organisation_revoke::<S>),
        )
        .route("/account/passes/{index}", get(holder::page::<S>))
        .route("/account/passes/{index}/resend", post(holder::resend::<S>))
}
