//! The pass policy: rules as CertLogic data that decide citizens' applications, read, tried and replaced by
//! officials through the API and pages: the rules in words with a form for the common kinds, and the JSON.

pub(crate) mod api;
mod pages;
mod rules;

use axum::Router;
use axum::routing::{get, post};
use surge_app::Store;

use crate::AppState;

pub(crate) fn routes<S: Store + Clone + 'static>() -> Router<AppState<S>> {
    Router::new()
        .route("/api/v1/policy", get(api::current::<S>).post(api::replace::<S>))
        .route("/api/v1/policy/try", post(api::try_policy::<S>))
        .route("/policy", get(pages::page::<S>).post(pages::submit::<S>))
        .route("/policy/rules/new", get(rules::new_rule::<S>).post(rules::add_rule::<S>))
        .route("/policy/rules/remove", post(rules::remove_rule::<S>))
}
