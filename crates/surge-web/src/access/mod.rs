//! Who may come in: sign-in by a code sent to a phone or by username and password, sessions and their CSRF
//! tokens, the `Principal` every handler checks, API keys and staff accounts.

pub(crate) mod api;
pub(crate) mod auth;
pub(crate) mod pages;
pub(crate) mod session;
pub(crate) mod start;

use axum::Router;
use axum::routing::{get, post};
use surge_app::Store;

use crate::AppState;

pub(crate) fn routes<S: Store + Clone + 'static>() -> Router<AppState<S>> {
    Router::new()
        .route("/api/api-keys", post(api::create_api_key::<S>))
        .route("/api/api-keys/{id}/revoke", post(api::revoke_api_key::<S>))
        .route("/api/accounts", post(api::create_account::<S>))
        .route("/login", get(pages::login_form::<S>).post(pages::login_submit::<S>))
        .route("/login/code", get(pages::code_form_page::<S>).post(pages::code_submit::<S>))
        .route("/login/staff", get(pages::staff_form_page::<S>).post(pages::staff_submit::<S>))
        .route("/logout", post(pages::logout::<S>))
        .route("/account", get(pages::account_page::<S>))
        .route("/account/password", get(pages::password_page::<S>).post(pages::password_submit::<S>))
        .route("/", get(start::start_page::<S>))
}
