//! Background issuance: the worker claims pending rows, signs a pass for each with `surge-pass`, and the store
//! writes each pass with its SMS in the outbox in one transaction. `run_once` does one claim; the server loops it.

use rand_core::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};
use surge_domain::notify::{TemplateError, Templates};
use surge_pass::{ControlCode, Issuer, Pass, PassClaims, PassId, PassKind};
use time::OffsetDateTime;

use crate::{AppError, IssueOutcome, IssuedPass, OutboxMessage, PendingRow, Store};

/// The unguessable token in a holder's pass link: 128 random bits, printed like a pass id. Only its hash is
/// stored, so a database leak does not leak the links.
#[derive(Clone, PartialEq, Eq)]
pub struct LinkToken([u8; 16]);

impl LinkToken {
    pub fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        let mut bytes = [0u8; 16];
        rng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    pub fn parse(text: &str) -> Option<Self> {
        PassId::parse(text).ok().map(|id| Self(*id.as_bytes()))
    }

    pub fn hash(&self) -> [u8; 32] {
        Sha256::digest(self.0).into()
    }
}

impl std::fmt::Display for LinkToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        PassId::from_bytes(self.0).fmt(f)
    }
}

impl std::fmt::Debug for LinkToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkToken(…)")
    }
}

/// A bearer API key: 160 random bits, shown once when made; only its SHA-256 is stored.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        let mut bytes = [0u8; 20];
        rng.fill_bytes(&mut bytes);
        Self(format!("surge_{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()))
    }

    /// The hash of whatever a client presented, to look the key up.
    pub fn hash_of(presented: &str) -> [u8; 32] {
        Sha256::digest(presented.as_bytes()).into()
    }

    pub fn hash(&self) -> [u8; 32] {
        Self::hash_of(&self.0)
    }

    /// The key itself, to show once to its owner.
    pub fn reveal(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(…)")
    }
}

/// The SMS that carries a new pass: its link and control code, in plain words, from the `pass_issued` template.
pub fn pass_sms_text(
    lang: &str,
    holder: &str,
    link: &str,
    control_code: &ControlCode,
    expires: OffsetDateTime,
) -> Result<String, TemplateError> {
    let until = (expires - time::Duration::seconds(1)).date().to_string();
    let code = control_code.grouped();
    Templates::builtin().render(
        "pass_issued",
        lang,
        &[("holder", holder), ("link", link), ("control_code", &code), ("valid_until", &until)],
    )
}

/// Issues passes for pending batch rows.
#[derive(Debug)]
pub struct IssuanceWorker<R> {
    pub issuer: Issuer,
    /// The authority id written as each pass's issuer.
    pub issuer_id: String,
    /// Where holders open their pass: `{base}/p/{status_index}/{token}`.
    pub public_base_url: String,
    pub rng: R,
    /// Rows per transaction: large enough to amortise the commit, small enough to keep locks short.
    pub batch_size: u32,
    /// The language of the pass SMS (`en`, `ko`).
    pub sms_language: String,
}

impl<R: RngCore + CryptoRng + Send> IssuanceWorker<R> {
    /// Claims and issues one transaction's worth of rows. Idle when nothing is pending.
    #[tracing::instrument(skip_all)]
    pub async fn run_once<S: Store>(&mut self, store: &S, now: OffsetDateTime) -> Result<IssueOutcome, AppError> {
        let Self { issuer, issuer_id, public_base_url, rng, batch_size, sms_language } = self;
        let mut sign = |pending: &PendingRow, status_index: u64| -> Result<IssuedPass, String> {
            let row = &pending.row;
            let pass_id = PassId::generate(rng);
            let control_code = ControlCode::generate(rng);
            let link = LinkToken::generate(rng);
            let claims = PassClaims {
                issuer: issuer_id.clone(),
                issued_at: now,
                not_before: row.valid_from,
                expires: row.valid_to,
                pass: Pass {
                    id: pass_id,
                    control_code,
                    kind: if row.vehicle_plate.is_some() { PassKind::Vehicle } else { PassKind::Person },
                    category: pending.category.clone(),
                    purpose: "work".into(),
                    zones: row.zones.clone(),
                    holder: row.name.clone(),
                    masked_id: Some(row.masked_id.clone()),
                    vehicle_plate: row.vehicle_plate.clone(),
                    organisation: Some(pending.organisation_id.to_string()),
                    status_index,
                },
            };
            let token = issuer.issue(&claims).map_err(|e| e.to_string())?;
            // The status index leads the store to the pass; the token, 128 random bits, proves the holder has the link.
            let url = format!("{}/p/{status_index}/{link}", public_base_url.trim_end_matches('/'));
            Ok(IssuedPass {
                pass_id: *pass_id.as_bytes(),
                status_index,
                control_code: control_code.to_string(),
                token,
                link_hash: link.hash(),
                sms: OutboxMessage {
                    // Status indexes grow, so the outbox's unique key index grows at its end.
                    idempotency_key: format!("pass-issued:{status_index}"),
                    kind: "pass_issued".into(),
                    recipient: row.phone.as_str().to_owned(),
                    body: pass_sms_text(sms_language, &row.name, &url, &control_code, row.valid_to)
                        .map_err(|e| e.to_string())?,
                },
            })
        };
        let outcome = store.issue_pending(*batch_size, now, &mut sign).await?;
        if !outcome.is_idle() {
            tracing::info!(issued = outcome.issued, failed = outcome.failed, "issued passes");
        }
        Ok(outcome)
    }
}
