//! Who is calling. The JSON API takes a bearer API key (its hash is looked up) or, for the pages' own scripts, the
//! session cookie, which on unsafe methods must come with the `X-CSRF-Token` header. Pages read the session cookie
//! and check the form's CSRF field themselves. Handlers ask `require` for the roles they allow, and `require_for`
//! whether the caller may act on one organisation.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode};
use surge_app::{AccountRecord, AppError, KeyScope, OrganisationRecord, Role, Store};

use crate::AppState;
use crate::access::session::{SESSION_COOKIE, cookie, csrf_valid};
use crate::error::ApiError;

/// The caller: nobody, an API key, a staff member signed in with a password, or a citizen signed in by phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Anonymous,
    Key {
        key_id: i64,
        role: Role,
        organisation_id: Option<i64>,
        scope: KeyScope,
        /// A lab's key: the one lab it sends results for.
        lab: Option<String>,
    },
    Staff {
        account_id: i64,
        role: Role,
        scope: KeyScope,
        must_change_password: bool,
        /// Their own mobile, for refusing decisions on their own cases.
        personal_phone: Option<String>,
    },
    /// A citizen: an applicant, and the admin of every organisation whose contact phone is theirs.
    Citizen {
        account_id: i64,
        phone: String,
    },
}

impl Principal {
    /// The phone a citizen signed in with; `None` for anyone else.
    pub fn citizen_phone(&self) -> Option<&str> {
        match self {
            Self::Citizen { phone, .. } => Some(phone),
            _ => None,
        }
    }

    pub fn from_account(account: &AccountRecord) -> Self {
        match (account.role, &account.phone) {
            (Role::Applicant, Some(phone)) => Self::Citizen { account_id: account.id, phone: phone.clone() },
            (role, _) => Self::Staff {
                account_id: account.id,
                role,
                scope: account.scope.clone(),
                must_change_password: account.must_change_password,
                personal_phone: account.personal_phone.clone(),
            },
        }
    }

    pub fn role(&self) -> Option<Role> {
        match self {
            Self::Anonymous => None,
            Self::Key { role, .. } | Self::Staff { role, .. } => Some(*role),
            Self::Citizen { .. } => Some(Role::Applicant),
        }
    }

    /// Allowed when the caller has one of `roles`. A citizen passes where organisation admins do, because they
    /// may run an organisation; `require_for` then checks which.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        match self {
            Self::Anonymous => Err(ApiError::unauthenticated()),
            // Until a password someone else chose is replaced, the account can do nothing else.
            Self::Staff { must_change_password: true, .. } => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "password_change_required",
                "change the password at /account/password first",
            )),
            Self::Citizen { .. } if roles.contains(&Role::Applicant) || roles.contains(&Role::OrganisationAdmin) => {
                Ok(())
            }
            Self::Key { role, .. } | Self::Staff { role, .. } if roles.contains(role) => Ok(()),
            _ => Err(ApiError::forbidden()),
        }
    }

    /// Allowed for admins, for officials whose scope covers the organisation, and for that organisation's admin
    /// (its API key, or the citizen whose phone is its contact phone). To an organisation's admin another
    /// organisation is not found, as a missing one is: the answer does not tell which ids exist.
    pub fn require_for(&self, org: &OrganisationRecord) -> Result<(), ApiError> {
        let unknown = || ApiError::from(surge_app::AppError::NotFound);
        match self {
            Self::Key { role: Role::OrganisationAdmin, organisation_id: Some(own), .. } if *own == org.id => Ok(()),
            Self::Key { role: Role::OrganisationAdmin, .. } => Err(unknown()),
            Self::Citizen { phone, .. } if *phone == org.contact_phone => Ok(()),
            Self::Citizen { .. } => Err(unknown()),
            Self::Key { role: Role::Official, scope, .. } | Self::Staff { role: Role::Official, scope, .. }
                if !scope.covers(&org.zone, &org.category) =>
            {
                Err(ApiError::forbidden())
            }
            other => other.require(&[Role::Admin, Role::Official]),
        }
    }

    /// Who registers an organisation: staff (admins, officials) vouch for it; anyone else is the public, whose
    /// contact phone is confirmed at once only when they signed in with that phone.
    pub fn registrant<'a>(&'a self, client_address: &'a str) -> surge_app::Registrant<'a> {
        match self {
            Self::Key { role: Role::Admin | Role::Official, .. }
            | Self::Staff { role: Role::Admin | Role::Official, must_change_password: false, .. } => {
                surge_app::Registrant::Staff
            }
            Self::Citizen { phone, .. } => {
                surge_app::Registrant::Public { client_address, proven_phone: Some(phone.as_str()) }
            }
            _ => surge_app::Registrant::Public { client_address, proven_phone: None },
        }
    }

    /// The lab a results sender may send as: `None` for any (an admin), the key's lab for a lab's key.
    pub fn bound_lab(&self) -> Option<&str> {
        match self {
            Self::Key { lab, .. } => lab.as_deref(),
            _ => None,
        }
    }

    /// Who did it, for the audit log: `account:7`, `api-key:3`.
    pub fn actor(&self) -> String {
        match self {
            Self::Anonymous => "anonymous".into(),
            Self::Key { key_id, .. } => format!("api-key:{key_id}"),
            Self::Staff { account_id, .. } | Self::Citizen { account_id, .. } => format!("account:{account_id}"),
        }
    }

    /// The caller's own phone: a citizen's, or a staff member's personal one. An official may not decide on an
    /// application or organisation with it.
    pub fn own_phone(&self) -> Option<&str> {
        match self {
            Self::Citizen { phone, .. } => Some(phone),
            Self::Staff { personal_phone, .. } => personal_phone.as_deref(),
            _ => None,
        }
    }

    pub fn must_change_password(&self) -> bool {
        matches!(self, Self::Staff { must_change_password: true, .. })
    }

    /// An official's scope; unlimited for everyone else.
    pub fn scope(&self) -> KeyScope {
        match self {
            Self::Key { role: Role::Official, scope, .. } | Self::Staff { role: Role::Official, scope, .. } => {
                scope.clone()
            }
            _ => KeyScope::default(),
        }
    }

    pub fn is_staff(&self) -> bool {
        matches!(self.role(), Some(Role::Admin | Role::Official | Role::Checkpoint | Role::Clinician))
    }
}

/// The caller behind the session cookie, or `Anonymous`.
pub async fn session_principal<S: Store>(state: &AppState<S>, headers: &HeaderMap) -> Result<Principal, ApiError> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else { return Ok(Principal::Anonymous) };
    match surge_app::access::session_account(&state.store, token, (state.clock)()).await {
        Ok(account) => Ok(Principal::from_account(&account)),
        Err(surge_app::AppError::NotFound) => Ok(Principal::Anonymous),
        Err(e) => Err(e.into()),
    }
}

impl<S: Store + Clone + 'static> FromRequestParts<AppState<S>> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState<S>) -> Result<Self, Self::Rejection> {
        let Some(header) = parts.headers.get(AUTHORIZATION) else {
            let principal = session_principal(state, &parts.headers).await?;
            let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
            if principal != Self::Anonymous && !safe {
                let token = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
                if !csrf_valid(&parts.headers, &state.web.csrf_secret, token) {
                    return Err(ApiError::new(
                        StatusCode::FORBIDDEN,
                        "csrf_failed",
                        "send the page's CSRF token as X-CSRF-Token, or use an API key",
                    ));
                }
            }
            return Ok(principal);
        };
        let key = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .ok_or_else(ApiError::unauthenticated)?;
        // Kept keys save the busiest endpoints a database read; a miss reads it and keeps what it found.
        let hash = surge_app::ApiKey::hash_of(key);
        let position = state.caches.key_feed_position();
        let found = match state.caches.key(&hash) {
            Some(record) => Ok(record),
            None => surge_app::access::api_key(&state.store, key).await.inspect(|record| {
                state.caches.remember_key(hash, record.clone(), position);
            }),
        };
        match found {
            Ok(record) => Ok(Self::Key {
                key_id: record.id,
                role: record.role,
                organisation_id: record.organisation_id,
                scope: record.scope,
                lab: record.lab,
            }),
            Err(AppError::NotFound) => Err(ApiError::unauthenticated()),
            Err(e) => Err(e.into()),
        }
    }
}
