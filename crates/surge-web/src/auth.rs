//! Bearer API keys: the key's hash is looked up, and the caller becomes a `Principal` with a role. Handlers ask
//! `require` for the roles they allow; organisation admins are further limited to their own organisation.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use surge_app::{ApiKey, Role, Store, StoreError};

use crate::AppState;
use crate::error::ApiError;

/// Who is calling: no key, or a key's role and organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Anonymous,
    Key { role: Role, organisation_id: Option<i64> },
}

impl Principal {
    /// Allowed when the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        match self {
            Self::Anonymous => Err(ApiError::unauthenticated()),
            Self::Key { role, .. } if roles.contains(role) => Ok(()),
            Self::Key { .. } => Err(ApiError::forbidden()),
        }
    }

    /// Allowed for admins and officials, and for the admin of this organisation only.
    pub fn require_staff_or_own(&self, organisation_id: i64) -> Result<(), ApiError> {
        match self {
            Self::Key { role: Role::OrganisationAdmin, organisation_id: Some(own) } if *own == organisation_id => {
                Ok(())
            }
            Self::Key { role: Role::OrganisationAdmin, .. } => Err(ApiError::forbidden()),
            other => other.require(&[Role::Admin, Role::Official]),
        }
    }
}

impl<S: Store + Clone + 'static> FromRequestParts<AppState<S>> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState<S>) -> Result<Self, Self::Rejection> {
        let Some(header) = parts.headers.get(AUTHORIZATION) else { return Ok(Self::Anonymous) };
        let key = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .ok_or_else(ApiError::unauthenticated)?;
        match state.store.api_key(ApiKey::hash_of(key)).await {
            Ok(record) => Ok(Self::Key { role: record.role, organisation_id: record.organisation_id }),
            Err(StoreError::NotFound) => Err(ApiError::unauthenticated()),
            Err(e) => Err(e.into()),
        }
    }
}
