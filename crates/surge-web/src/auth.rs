//! Bearer API keys: the key's hash is looked up, and the caller becomes a `Principal` with a role. Handlers ask
//! `require` for the roles they allow; organisation admins are further limited to their own organisation.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use surge_app::{ApiKey, KeyScope, OrganisationRecord, Role, Store, StoreError};

use crate::AppState;
use crate::error::ApiError;

/// Who is calling: no key, or a key's role and organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Anonymous,
    Key { role: Role, organisation_id: Option<i64>, scope: KeyScope },
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

    /// Allowed for admins, for officials whose scope covers the organisation, and for that organisation's admin.
    pub fn require_for(&self, org: &OrganisationRecord) -> Result<(), ApiError> {
        match self {
            Self::Key { role: Role::OrganisationAdmin, organisation_id: Some(own), .. } if *own == org.id => Ok(()),
            Self::Key { role: Role::OrganisationAdmin, .. } => Err(ApiError::forbidden()),
            Self::Key { role: Role::Official, scope, .. } if !scope.covers(&org.zone, &org.category) => {
                Err(ApiError::forbidden())
            }
            other => other.require(&[Role::Admin, Role::Official]),
        }
    }

    /// An official's scope; unlimited for everyone else.
    pub fn scope(&self) -> KeyScope {
        match self {
            Self::Key { role: Role::Official, scope, .. } => scope.clone(),
            _ => KeyScope::default(),
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
            Ok(record) => {
                Ok(Self::Key { role: record.role, organisation_id: record.organisation_id, scope: record.scope })
            }
            Err(StoreError::NotFound) => Err(ApiError::unauthenticated()),
            Err(e) => Err(e.into()),
        }
    }
}
