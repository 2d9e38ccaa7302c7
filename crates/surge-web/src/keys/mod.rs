//! The admin's page for the authority's pass keys: what signs now and when it hands over, rotate now, withdraw a
//! compromised key, and the trust list for checkpoints that work offline.

mod pages;

use axum::Router;
use axum::routing::{get, post};
use surge_app::Store;

use crate::AppState;

pub(crate) fn routes<S: Store + Clone + 'static>() -> Router<AppState<S>> {
    Router::new()
        .route("/admin/keys", get(pages::page::<S>))
        .route("/admin/keys/rotate", post(pages::rotate::<S>))
        .route("/admin/keys/{kid}/withdraw", get(pages::withdraw_page::<S>).post(pages::withdraw::<S>))
}
