//! Background issuance: the worker claims pending rows, signs a pass for each with `surge-pass`, and the store
//! writes each pass with its SMS in the outbox in one transaction. `run_once` does one claim; the server loops it.

use rand_core::{CryptoRng, RngCore, SeedableRng};
use sha2::{Digest, Sha256};
use surge_domain::notify::{TemplateError, Templates};
use surge_pass::{ControlCode, Pass, PassClaims, PassId, PassKind};

use time::{Duration, OffsetDateTime};

use crate::{AppError, Batches, IssueOutcome, IssuedPass, OutboxMessage, Passes, PendingRow};

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
        Self(format!("surge_{}", hex::encode(bytes)))
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
    zone: surge_domain::LocalZone,
) -> Result<String, TemplateError> {
    let until = zone.last_day(expires).to_string();
    let code = control_code.grouped();
    Templates::builtin().render(
        "pass_issued",
        lang,
        &[("holder", holder), ("link", link), ("control_code", &code), ("valid_until", &until)],
    )
}

/// What one pass is for, whichever path issues it (an employee row, a citizen's application).
#[derive(Debug, Clone)]
pub struct PassRequest<'a> {
    pub holder: &'a str,
    /// E.164: where the SMS goes.
    pub phone: &'a str,
    pub masked_id: &'a str,
    pub vehicle_plate: Option<&'a str>,
    pub zones: &'a [String],
    pub category: &'a str,
    pub purpose: &'a str,
    pub organisation: Option<String>,
    pub valid_from: OffsetDateTime,
    pub valid_to: OffsetDateTime,
    /// The language the holder last used the service in, for the text; `None`: the authority's.
    pub lang: Option<&'a str>,
}

/// Signs passes with the authority's key and writes the holder's SMS.
#[derive(Debug, Clone)]
pub struct PassSigner {
    /// The key that signs now; swapped when keys rotate.
    pub issuer: crate::keys::SigningSlot,
    /// The authority id written as each pass's issuer.
    pub issuer_id: String,
    /// Where holders open their pass: `{base}/p/{status_index}/{token}`.
    pub public_base_url: String,
    /// The language of the pass SMS (`en`, `ko`).
    pub sms_language: String,
    /// The authority's time zone, whose days the SMS names.
    pub zone: surge_domain::LocalZone,
}

impl PassSigner {
    /// Signs one pass at `status_index`, with a fresh id, control code and link token, and its SMS.
    pub fn sign<R: RngCore + CryptoRng>(
        &self,
        rng: &mut R,
        request: &PassRequest<'_>,
        status_index: u64,
        now: OffsetDateTime,
    ) -> Result<IssuedPass, AppError> {
        let pass_id = PassId::generate(rng);
        let control_code = ControlCode::generate(rng);
        let link = LinkToken::generate(rng);
        let claims = PassClaims {
            issuer: self.issuer_id.clone(),
            issued_at: now,
            not_before: request.valid_from,
            expires: request.valid_to,
            pass: Pass {
                id: pass_id,
                control_code,
                kind: if request.vehicle_plate.is_some() { PassKind::Vehicle } else { PassKind::Person },
                category: request.category.to_owned(),
                purpose: request.purpose.to_owned(),
                zones: request.zones.to_vec(),
                holder: request.holder.to_owned(),
                masked_id: Some(request.masked_id.to_owned()),
                vehicle_plate: request.vehicle_plate.map(str::to_owned),
                organisation: request.organisation.clone(),
                status_index,
                result: None,
            },
        };
        let token = self.issuer.issue(&claims).map_err(|e| AppError::Signing(e.to_string()))?;
        // The status index leads the store to the pass; the token, 128 random bits, proves the holder has the link.
        let url = format!("{}/p/{status_index}/{link}", self.public_base_url.trim_end_matches('/'));
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
                recipient: request.phone.to_owned(),
                body: pass_sms_text(
                    request.lang.unwrap_or(&self.sms_language),
                    request.holder,
                    &url,
                    &control_code,
                    request.valid_to,
                    self.zone,
                )
                .map_err(|e| AppError::Signing(e.to_string()))?,
            },
        })
    }
}

/// Issues passes for pending batch rows.
#[derive(Debug)]
pub struct IssuanceWorker<R> {
    pub signer: PassSigner,
    pub rng: R,
    /// Rows per transaction: large enough to amortise the commit, small enough to keep locks short.
    pub batch_size: u32,
    /// Threads that sign a claim's passes side by side (the machine's cores); 1 signs on the caller's thread.
    pub signing_threads: usize,
}

/// Fewer rows than this per thread are not worth a thread's start.
const MIN_ROWS_PER_THREAD: usize = 64;

/// Passes signed for claimed rows, and rows that could not be signed, with why.
type Signed = (Vec<(PendingRow, IssuedPass)>, Vec<(PendingRow, String)>);

/// Signs each row's pass in order on this thread.
fn sign_chunk<R: RngCore + CryptoRng>(
    signer: &PassSigner,
    rng: &mut R,
    rows: Vec<PendingRow>,
    now: OffsetDateTime,
) -> Signed {
    let (mut issued, mut refused) = (Vec::with_capacity(rows.len()), Vec::new());
    for pending in rows {
        let row = &pending.row;
        let request = PassRequest {
            holder: &row.name,
            phone: row.phone.as_str(),
            masked_id: &row.masked_id,
            vehicle_plate: row.vehicle_plate.as_deref(),
            zones: &row.zones,
            category: &pending.category,
            purpose: "work",
            organisation: Some(pending.organisation_id.to_string()),
            valid_from: row.valid_from,
            valid_to: row.valid_to,
            lang: pending.lang.as_deref(),
        };
        match signer.sign(rng, &request, pending.status_index, now) {
            Ok(pass) => issued.push((pending, pass)),
            // One row that cannot be signed (a name the SMS template refuses) fails alone.
            Err(e) => {
                tracing::error!(batch_id = pending.batch_id, line = row.line, error = %e, "signing a pass failed");
                refused.push((pending, "the pass could not be signed".to_owned()));
            }
        }
    }
    (issued, refused)
}

/// Signs the rows' passes on up to `threads` threads, each taking a contiguous share of the rows with its own
/// generator seeded from `rng`; the results keep the rows' order.
fn sign_rows<R: RngCore + CryptoRng + SeedableRng + Send>(
    signer: &PassSigner,
    rng: &mut R,
    rows: Vec<PendingRow>,
    threads: usize,
    now: OffsetDateTime,
) -> Result<Signed, AppError> {
    let threads = threads.clamp(1, rows.len().div_ceil(MIN_ROWS_PER_THREAD).max(1));
    if threads == 1 {
        return Ok(sign_chunk(signer, rng, rows, now));
    }
    let share = rows.len().div_ceil(threads);
    let mut rows = rows.into_iter();
    let mut shares = Vec::with_capacity(threads);
    loop {
        let part: Vec<PendingRow> = rows.by_ref().take(share).collect();
        if part.is_empty() {
            break;
        }
        let own = R::from_rng(&mut *rng).map_err(|e| AppError::Signing(e.to_string()))?;
        shares.push((part, own));
    }
    let signed: Vec<Signed> = std::thread::scope(|scope| {
        let running: Vec<_> = shares
            .into_iter()
            .map(|(part, mut own)| scope.spawn(move || sign_chunk(signer, &mut own, part, now)))
            .collect();
        running.into_iter().map(|t| t.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    });
    let (mut issued, mut refused) = (Vec::new(), Vec::new());
    for (i, r) in signed {
        issued.extend(i);
        refused.extend(r);
    }
    Ok((issued, refused))
}

/// How long a worker holds the rows it claimed. Signing a claim takes milliseconds; a worker that stopped (a crash,
/// a kill) leaves its rows to be claimed again after this and signed with fresh status indexes. A worker that
/// outlives its lease only wastes its signatures: rows claimed again are written by their new claim alone.
pub const CLAIM_LEASE: Duration = Duration::seconds(20);

impl<R: RngCore + CryptoRng + SeedableRng + Send> IssuanceWorker<R> {
    /// Claims one transaction's worth of rows, signs their passes outside any transaction (on `signing_threads`
    /// threads, which this call waits for), and writes them. Idle when nothing is pending.
    #[tracing::instrument(skip_all)]
    pub async fn run_once<S: Batches + Passes>(
        &mut self,
        store: &S,
        now: OffsetDateTime,
    ) -> Result<IssueOutcome, AppError> {
        let Self { signer, rng, batch_size, signing_threads } = self;
        let mut claim = [0u8; 16];
        rng.fill_bytes(&mut claim);
        let rows = store.claim_rows(claim, *batch_size, now, now + CLAIM_LEASE).await?;
        if rows.is_empty() {
            return Ok(IssueOutcome::default());
        }
        // Expired passes no longer count as a person's or vehicle's one active pass, so the sweep comes before the
        // new passes are written; it runs only when there is something to issue.
        store.expire_passes(now).await?;
        let (issued, refused) = sign_rows(signer, rng, rows, *signing_threads, now)?;
        let outcome = store.complete_claim(claim, &issued, &refused, now).await?;
        if !outcome.is_idle() {
            tracing::info!(issued = outcome.issued, failed = outcome.failed, "issued passes");
        }
        Ok(outcome)
    }
}
