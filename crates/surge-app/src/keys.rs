//! The authority's pass keys while the service runs: the slot new passes (and status lists, and audit heads) are
//! signed from, the trust list published beside it, when keys are due to rotate, and the admin's actions on them.
//! Keys rotate before they expire: a new key is announced in the trust list first, so that checkpoints offline learn
//! it before it signs; then it signs new passes, and the old one keeps verifying what it signed until withdrawn.

use std::sync::{Arc, RwLock};

use surge_pass::{Issuer, PassClaims, PassError, SigningKey, TrustList};
use time::{Duration, OffsetDateTime};

use crate::{AppError, AuditLog};

/// The key new passes are signed with, swapped whole when keys rotate. Cheap to clone: clones share the slot.
#[derive(Debug, Clone)]
pub struct SigningSlot(Arc<RwLock<Issuer>>);

impl From<Issuer> for SigningSlot {
    fn from(issuer: Issuer) -> Self {
        Self(Arc::new(RwLock::new(issuer)))
    }
}

impl SigningSlot {
    /// The key in the slot now.
    pub fn key(&self) -> SigningKey {
        self.0.read().unwrap_or_else(std::sync::PoisonError::into_inner).key().clone()
    }

    pub fn issue(&self, claims: &PassClaims) -> Result<String, PassError> {
        self.0.read().unwrap_or_else(std::sync::PoisonError::into_inner).issue(claims)
    }

    pub fn replace(&self, issuer: Issuer) {
        *self.0.write().unwrap_or_else(std::sync::PoisonError::into_inner) = issuer;
    }
}

/// The trust list as published: signed bytes for checkpoints to download, and read, for verifying online.
#[derive(Debug)]
pub struct Published {
    pub list: TrustList,
    pub signed: Vec<u8>,
}

/// The published trust list, swapped whole when keys change. Clones share the slot.
#[derive(Debug, Clone)]
pub struct TrustSlot(Arc<RwLock<Arc<Published>>>);

impl TrustSlot {
    /// Reads a signed list (its root is the one it names: the list was signed here).
    pub fn new(signed: Vec<u8>) -> Result<Self, PassError> {
        let list = TrustList::from_signed(&signed, None)?;
        Ok(Self(Arc::new(RwLock::new(Arc::new(Published { list, signed })))))
    }

    pub fn current(&self) -> Arc<Published> {
        self.0.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Publishes a new list signed by the same root; any other is refused.
    pub fn replace(&self, signed: Vec<u8>) -> Result<(), PassError> {
        let root = self.current().list.root.clone();
        let list = TrustList::from_signed(&signed, Some(&root))?;
        *self.0.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(Published { list, signed });
        Ok(())
    }
}

/// How long pass keys live and when they rotate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RotationPolicy {
    /// How long a new key may sign.
    pub key_days: i64,
    /// A key hands over to the next this many days before it would stop signing.
    pub rotate_before_days: i64,
    /// The next key is in the trust list this many days before it signs, for checkpoints that download it seldom.
    pub announce_days: i64,
}

impl Default for RotationPolicy {
    fn default() -> Self {
        Self { key_days: 365, rotate_before_days: 30, announce_days: 14 }
    }
}

impl RotationPolicy {
    /// When a key that may sign until `signs_until` hands over to the next.
    pub fn rotation_at(self, signs_until: OffsetDateTime) -> OffsetDateTime {
        signs_until - Duration::days(self.rotate_before_days)
    }

    /// What is due now for the signing key, valid until `signs_until`, given whether a next key is announced.
    pub fn step(self, signs_until: OffsetDateTime, next_announced: bool, now: OffsetDateTime) -> KeyStep {
        let rotation = self.rotation_at(signs_until);
        if now >= rotation {
            KeyStep::Rotate
        } else if !next_announced && now >= rotation - Duration::days(self.announce_days) {
            KeyStep::Announce
        } else {
            KeyStep::Nothing
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStep {
    Nothing,
    /// Make the next key and publish it, not signing yet.
    Announce,
    /// The next key signs from now; the current one retires.
    Rotate,
}

/// What a key is for now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyUse {
    /// Signs new passes.
    Signing,
    /// Published, signs from the next rotation.
    Next,
    /// Signs no more; verifies what it signed.
    Retired,
    /// Compromised or withdrawn: nothing it signed verifies.
    Withdrawn,
}

impl KeyUse {
    pub fn code(self) -> &'static str {
        match self {
            Self::Signing => "signing",
            Self::Next => "next",
            Self::Retired => "retired",
            Self::Withdrawn => "withdrawn",
        }
    }
}

/// One pass key, as the keys page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    pub kid: String,
    pub algorithm: String,
    pub key_use: KeyUse,
    pub valid_from: OffsetDateTime,
    /// The last moment it may sign (a retired key: when it retired).
    pub valid_until: OffsetDateTime,
}

/// Why a key action failed; stable codes for pages and logs.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("no pass key {0}")]
    UnknownKey(String),
    #[error("key {0} is already withdrawn")]
    AlreadyWithdrawn(String),
    #[error("the key files could not be changed: {0}")]
    Files(String),
}

impl KeyError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownKey(_) => "key_unknown",
            Self::AlreadyWithdrawn(_) => "key_already_withdrawn",
            Self::Files(_) => "key_files_failed",
        }
    }
}

/// The authority's key store as the use cases see it: where keys are kept is the server's business. Each action
/// also publishes the new trust list and puts the new signing key in its slot.
pub trait KeyAdmin: Send + Sync + std::fmt::Debug {
    fn keys(&self) -> Result<Vec<KeyInfo>, KeyError>;
    /// Announces or rotates if the schedule says so; what it did, and the id of the key announced or now signing.
    fn rotate_when_due(&self, now: OffsetDateTime) -> Result<Option<(KeyStep, String)>, KeyError>;
    /// The next key signs from now (one is made if none is announced); the current one retires.
    fn rotate(&self, now: OffsetDateTime) -> Result<KeyInfo, KeyError>;
    /// Nothing the key signed verifies any more; the signing key is first rotated out.
    fn withdraw(&self, kid: &str, now: OffsetDateTime) -> Result<(), KeyError>;
    /// The rotation policy in force.
    fn policy(&self) -> RotationPolicy;
}

/// The keys and when the signing one hands over.
#[derive(Debug, Clone)]
pub struct KeysView {
    pub keys: Vec<KeyInfo>,
    pub next_rotation: Option<OffsetDateTime>,
}

pub fn keys_view(admin: &dyn KeyAdmin) -> Result<KeysView, KeyError> {
    let keys = admin.keys()?;
    let next_rotation =
        keys.iter().find(|k| k.key_use == KeyUse::Signing).map(|k| admin.policy().rotation_at(k.valid_until));
    Ok(KeysView { keys, next_rotation })
}

/// Keeps the keys on schedule (at start and hourly); the audit log records each step the system took.
pub async fn keep_on_schedule<S: AuditLog>(
    store: &S,
    admin: &dyn KeyAdmin,
    now: OffsetDateTime,
) -> Result<Option<KeyStep>, AppError> {
    let Some((step, kid)) = admin.rotate_when_due(now).map_err(|e| AppError::Signing(e.to_string()))? else {
        return Ok(None);
    };
    let action = if step == KeyStep::Announce { "pass_key.announced" } else { "pass_key.rotated" };
    let entry = surge_domain::audit::AuditEntry {
        actor: "system".into(),
        action: action.into(),
        subject: format!("key:{kid}"),
        detail: "on schedule".into(),
    };
    store.append_audit(&entry, now).await?;
    Ok(Some(step))
}

/// A rotation a stop interrupted was finished as the service started: the audit log records that `kid` signs from
/// then, as it records a rotation on schedule.
pub async fn record_finished_rotation<S: AuditLog>(store: &S, kid: &str, now: OffsetDateTime) -> Result<(), AppError> {
    let entry = surge_domain::audit::AuditEntry {
        actor: "system".into(),
        action: "pass_key.rotated".into(),
        subject: format!("key:{kid}"),
        detail: "a rotation interrupted by a stop, finished at start".into(),
    };
    store.append_audit(&entry, now).await?;
    tracing::warn!(kid, "finished a pass key rotation a stop had interrupted");
    Ok(())
}

/// An admin rotates now; the audit log says who.
pub async fn rotate_now<S: AuditLog>(
    store: &S,
    admin: &dyn KeyAdmin,
    actor: &str,
    now: OffsetDateTime,
) -> Result<KeyInfo, AppError> {
    let signing = admin.rotate(now).map_err(|e| AppError::Signing(e.to_string()))?;
    store
        .append_audit(
            &surge_domain::audit::AuditEntry {
                actor: actor.to_owned(),
                action: "pass_key.rotated".into(),
                subject: format!("key:{}", signing.kid),
                detail: "rotated by an admin".into(),
            },
            now,
        )
        .await?;
    Ok(signing)
}

/// An admin withdraws a key, with the reason; the audit log says who and why.
pub async fn withdraw_key<S: AuditLog>(
    store: &S,
    admin: &dyn KeyAdmin,
    actor: &str,
    kid: &str,
    reason: &str,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 || reason.chars().any(surge_domain::is_unsafe_char) {
        return Err(AppError::InvalidForm(vec![surge_domain::FieldError::new(
            "reason",
            "required",
            "Say why the key is withdrawn, in 500 characters or fewer",
        )]));
    }
    admin.withdraw(kid, now).map_err(|e| match e {
        KeyError::UnknownKey(_) => AppError::NotFound,
        KeyError::AlreadyWithdrawn(_) => AppError::Conflict,
        KeyError::Files(e) => AppError::Signing(e),
    })?;
    store
        .append_audit(
            &surge_domain::audit::AuditEntry {
                actor: actor.to_owned(),
                action: "pass_key.withdrawn".into(),
                subject: format!("key:{kid}"),
                detail: reason.to_owned(),
            },
            now,
        )
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests;
