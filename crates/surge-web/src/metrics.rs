//! Prometheus metrics at `/metrics` (counters bumped by handlers, gauges read on each scrape), `/healthz` (the
//! database answers) and `/livez` (the process answers).

use axum::Json;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use serde::Serialize;
use surge_app::Store;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::ApiError;

#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    pub organisations_registered: Counter,
    pub batches_accepted: Counter,
    pub files_rejected: Counter,
    /// Passes this process's worker issued; with several processes on one database, each counts its own.
    pub passes_issued: Counter,
    /// Messages this process's sender handed to a gateway, and those that failed for good.
    pub sms_accepted: Counter,
    pub sms_failed: Counter,
    /// Online verifications answered.
    pub verifications: Counter,
    passes: Gauge,
    outbox_messages: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("surge");
        let m = Self {
            registry: Registry::default(),
            organisations_registered: Counter::default(),
            batches_accepted: Counter::default(),
            files_rejected: Counter::default(),
            passes_issued: Counter::default(),
            sms_accepted: Counter::default(),
            sms_failed: Counter::default(),
            verifications: Counter::default(),
            passes: Gauge::default(),
            outbox_messages: Gauge::default(),
        };
        registry.register("organisations_registered", "Organisations registered", m.organisations_registered.clone());
        registry.register("batches_accepted", "Employee files accepted for issuance", m.batches_accepted.clone());
        registry.register("files_rejected", "Employee files refused for bad rows or quota", m.files_rejected.clone());
        registry.register("passes_issued", "Passes issued by this process", m.passes_issued.clone());
        registry.register("sms_accepted", "Messages this process handed to a gateway", m.sms_accepted.clone());
        registry.register("sms_failed", "Messages this process failed for good", m.sms_failed.clone());
        registry.register("verifications", "Online verifications answered", m.verifications.clone());
        registry.register("passes", "Passes stored (all processes)", m.passes.clone());
        registry.register("outbox_messages", "Messages written to the outbox", m.outbox_messages.clone());
        Self { registry, ..m }
    }
}

pub async fn scrape<S: Store>(State(state): State<AppState<S>>) -> Result<impl IntoResponse, ApiError> {
    let (passes, outbox) = surge_app::facts::totals(&state.store).await?;
    state.metrics.passes.set(passes as i64);
    state.metrics.outbox_messages.set(outbox as i64);
    let mut text = String::new();
    encode(&mut text, &state.metrics.registry).map_err(|_| {
        ApiError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "internal", "metrics encoding failed")
    })?;
    Ok(([(CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], text))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    status: &'static str,
}

/// Alive (touches nothing: no database, no lock)
///
/// The least any route of this server costs: the baseline load tests set other routes beside.
#[utoipa::path(get, path = "/livez", tag = "operations", responses((status = 200, description = "Alive", body = Health)))]
pub async fn livez() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// Ready to serve (the database answers a read and takes a write)
///
/// 503 `storage_unavailable` when the database cannot be written (read-only, full, its file deleted, the server
/// unreachable).
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "Healthy", body = Health), (status = 500), (status = 503)))]
pub async fn healthz<S: Store>(State(state): State<AppState<S>>) -> Result<Json<Health>, ApiError> {
    surge_app::access::ready(&state.store, (state.clock)()).await?;
    Ok(Json(Health { status: "ok" }))
}
