//! Situation data: the public dashboard rendered ahead from the lake, officials' SQL on the lake, and the live
//! board over the event stream.

pub(crate) mod chart;
pub(crate) mod dashboard;
pub(crate) mod lake;
pub(crate) mod live;
pub(crate) mod map;
pub(crate) mod pages;

use axum::Router;
use axum::routing::get;
use surge_app::Store;

use crate::AppState;

pub(crate) fn routes<S: Store + Clone + 'static>() -> Router<AppState<S>> {
    Router::new()
        .route("/situation", get(dashboard::index::<S>))
        .route("/situation.csv", get(dashboard::index::<S>))
        .route("/situation.json", get(dashboard::index::<S>))
        .route("/situation/{*rest}", get(dashboard::place::<S>))
        .route("/api/v1/lake/sql", get(lake::sql::<S>))
        .route("/live", get(live::page::<S>))
        .route("/live/events", get(live::events::<S>))
        .route("/assets/live.js", get(live::script))
}
