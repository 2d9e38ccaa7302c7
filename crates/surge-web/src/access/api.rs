//! The access API: API keys issued and revoked, staff accounts created, each with its audit entry.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use surge_app::{KeyScope, Role, Store};
use utoipa::ToSchema;

use crate::AppState;
use crate::access::auth::Principal;
use crate::error::ApiError;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewKeyRequest {
    /// `admin`, `official`, `organisation_admin`, `checkpoint`, `clinician` or `lab`.
    #[schema(pattern = "^(admin|official|organisation_admin|checkpoint|clinician|lab)$")]
    role: String,
    /// For an organisation admin: their organisation.
    #[serde(default, deserialize_with = "crate::wire::whole")]
    organisation_id: Option<i64>,
    #[serde(default)]
    label: String,
    /// For officials: the zones and categories they may screen; none means all.
    #[serde(default)]
    zones: Vec<String>,
    #[serde(default)]
    categories: Vec<String>,
    /// For a lab: the lab it sends for, as its messages name it (MSH-4, the CSV's `lab`, the FHIR organisation);
    /// the key may send only that lab's results.
    lab: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NewKey {
    id: i64,
    role: &'static str,
    /// The key, shown only here.
    api_key: String,
}

/// Create an API key (admin)
///
/// Admins make keys for officials, checkpoints, clinicians, labs, other admins and organisation admins; the key
/// and its audit entry are written together.
#[utoipa::path(post, path = "/api/api-keys", tag = "access", request_body = NewKeyRequest, security(("apiKey" = [])),
    responses((status = 201, description = "The key, shown once", body = NewKey),
        (status = 400), (status = 401), (status = 403), (status = 404),
        (status = 422, description = "The key asked for cannot be (`key_request_invalid`, naming the field)")))]
pub async fn create_api_key<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    body: Result<Json<NewKeyRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<NewKey>), ApiError> {
    principal.require(&[Role::Admin])?;
    let Json(body) = body.map_err(|e| ApiError::rejected(e.status(), e.body_text()))?;
    let role = Role::parse(&body.role).ok_or_else(|| ApiError::bad_request(format!("unknown role {:?}", body.role)))?;
    let request = surge_app::access::KeyRequest {
        role,
        organisation_id: body.organisation_id,
        label: body.label,
        zones: body.zones,
        categories: body.categories,
        lab: body.lab,
    };
    let (id, key) = surge_app::access::create_api_key(
        &state.store,
        &mut rand_core::OsRng,
        &principal.actor(),
        request,
        (state.clock)(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(NewKey { id, role: role.as_str(), api_key: key.reveal().to_owned() })))
}

/// Revoke an API key at once (admin)
///
/// Admins revoke any key; it stops working at once. Organisation admins revoke their own organisation's key by
/// asking an admin, since a key cannot be trusted to revoke itself after a leak.
#[utoipa::path(post, path = "/api/api-keys/{id}/revoke", tag = "access", params(("id" = i64, Path)),
    security(("apiKey" = [])),
    responses((status = 204, description = "Revoked"), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "The last admin key may not revoke itself (`last_admin_key`)")))]
pub async fn revoke_api_key<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    principal.require(&[Role::Admin])?;
    let caller_key = match principal {
        Principal::Key { key_id, .. } => Some(key_id),
        _ => None,
    };
    surge_app::access::revoke_api_key(&state.store, &principal.actor(), id, caller_key, (state.clock)()).await?;
    state.caches.forget_key(id);
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccountRequest {
    username: String,
    /// `admin`, `official`, `checkpoint` or `clinician`.
    #[schema(pattern = "^(admin|official|checkpoint|clinician)$")]
    role: String,
    /// For officials: the zones and categories they may screen; none means all.
    #[serde(default)]
    zones: Vec<String>,
    #[serde(default)]
    categories: Vec<String>,
    /// The staff member's own mobile: they may not decide on applications or organisations with it.
    #[serde(default)]
    personal_phone: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NewAccount {
    id: i64,
    /// As stored: trimmed and in lower case.
    username: String,
    role: &'static str,
    /// A one-time password, to be changed at first sign-in.
    password: String,
}

/// Create a staff account (admin); returns a one-time password to change at first sign-in
#[utoipa::path(post, path = "/api/accounts", tag = "access", request_body = NewAccountRequest,
    security(("apiKey" = [])),
    responses((status = 201, description = "The account id and its one-time password", body = NewAccount),
        (status = 400), (status = 401), (status = 403), (status = 409), (status = 422)))]
pub async fn create_account<S: Store>(
    State(state): State<AppState<S>>,
    principal: Principal,
    body: Result<Json<NewAccountRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<NewAccount>), ApiError> {
    principal.require(&[Role::Admin])?;
    let Json(body) = body.map_err(|e| ApiError::rejected(e.status(), e.body_text()))?;
    let role = Role::parse(&body.role).filter(|r| Role::STAFF.contains(r)).ok_or_else(|| {
        ApiError::bad_request(format!("role {:?} is not admin, official, checkpoint or clinician", body.role))
    })?;
    let scope = KeyScope {
        zones: body.zones.iter().map(|z| z.trim().to_ascii_uppercase()).filter(|z| !z.is_empty()).collect(),
        categories: body.categories.iter().map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()).collect(),
    };
    if role != Role::Official && !scope.is_unlimited() {
        return Err(ApiError::field("scope_not_allowed", "zones", "only officials have zones and categories"));
    }
    let personal_phone = match body.personal_phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(text) => Some(
            surge_domain::Phone::parse(text, &state.config.phone_region)
                .map_err(|e| ApiError::field("phone_invalid", "personal_phone", format!("personal_phone: {e}")))?,
        ),
        None => None,
    };
    let (id, password) = surge_app::access::create_staff_account(
        &state.store,
        &principal.actor(),
        role,
        &body.username,
        scope,
        personal_phone.as_ref(),
        (state.clock)(),
        &mut rand_core::OsRng,
    )
    .await?;
    tracing::info!(account_id = id, role = role.as_str(), "staff account created");
    Ok((
        StatusCode::CREATED,
        Json(NewAccount { id, username: body.username.trim().to_lowercase(), role: role.as_str(), password }),
    ))
}
