//! Text messages: officials send from a template and follow the history; gateways report delivery; people text
//! commands in.

pub(crate) mod api;
mod pages;

use axum::Router;
use axum::routing::{get, post};
use surge_app::Store;

use crate::AppState;

pub(crate) fn routes<S: Store + Clone + 'static>() -> Router<AppState<S>> {
    Router::new()
        .route("/api/messages", post(api::send::<S>).get(api::history::<S>))
        .route("/api/messages/{id}", get(api::message::<S>))
        .route("/api/notify/kannel/receipt", get(api::kannel_receipt_callback::<S>))
        .route("/api/notify/kannel/inbound", get(api::kannel_inbound::<S>))
        .route("/api/notify/webhook/receipt", post(api::webhook_receipt::<S>))
        .route("/messages", get(pages::messages_page::<S>))
}
