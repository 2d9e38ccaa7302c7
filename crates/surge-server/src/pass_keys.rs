//! The authority's keys on disk under `DATA_DIR/keys`, and their rotation while the service runs.
//!
//! `trust-root/` signs the trust list; `pass/` signs passes, status lists and audit heads now; `next/` is announced
//! in the trust list before it signs; `retired/<kid>/public.json` is a key that signs no more (its private key is
//! deleted) and verifies what it signed until withdrawn. A rotation is a sequence of renames (`pass/` to `retiring/`,
//! `next/` to `pass/`, the old public entry to `retired/`), so a kill at any point leaves a state the next start
//! finishes.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, bail};
use surge_app::keys::{KeyAdmin, KeyError, KeyInfo, KeyStep, KeyUse, RotationPolicy, SigningSlot, TrustSlot};
use surge_pass::{Algorithm, Issuer, KeyStatus, TrustList};
use time::{Duration, OffsetDateTime};

use crate::files::{self, PublicKeyFile, Role};

/// Retired keys stay in the published trust list this long after they retire: longer than any pass they signed
/// can still be valid.
const RETIRED_PUBLISHED_DAYS: i64 = 400;

/// The keys directory and the slots the running service signs and verifies from.
#[derive(Debug)]
pub struct PassKeys {
    dir: PathBuf,
    trust_file: PathBuf,
    issuer: String,
    policy: RotationPolicy,
    pub signing: SigningSlot,
    pub trust: TrustSlot,
    /// One change at a time: the background check and an admin's action may meet.
    changing: Mutex<()>,
    /// The key that signs since a rotation a kill interrupted was finished at this start, for the audit log.
    pub finished_at_start: Option<String>,
}

impl PassKeys {
    /// Opens `DATA_DIR/keys`: finishes a rotation a kill interrupted, makes the first keys on a first start, and
    /// publishes the trust list (also to `DATA_DIR/trust.json`). What the schedule asks for is `due`'s to do.
    ///
    /// Keys are made only when the store has never been started (`started_before` false). A pass key missing later
    /// is refused: a new pass key would silently make every pass already issued fail `unknown_kid`.
    pub fn open(
        data_dir: &Path,
        issuer: &str,
        started_before: bool,
        policy: RotationPolicy,
        now: OffsetDateTime,
    ) -> anyhow::Result<Self> {
        let dir = data_dir.join("keys");
        let finished = finish_interrupted(&dir, now)?;
        for (name, role, days) in [("trust-root", Role::TrustRoot, 3650), ("pass", Role::Pass, policy.key_days)] {
            let path = dir.join(name);
            let private = path.join(files::PRIVATE_FILE);
            if private.exists() {
                continue;
            }
            if started_before {
                bail!(
                    "{} is missing, but this service has been started before (its database has admin accounts or \
                     keys), so passes were signed with the key that file held. Restore the whole directory {} from \
                     your backup and start again. Surge does not make a new key here: every pass already issued would \
                     stop verifying. To start over with new keys on purpose, make them with `surge keys generate \
                     --role {} --out {}` and tell every holder and checkpoint.",
                    private.display(),
                    path.display(),
                    name,
                    path.display(),
                );
            }
            let public = generate_into(&path, role, issuer, days, now)?;
            tracing::info!(kid = %public.kid, role = ?role, "generated authority key");
        }
        let pass = files::read_key_dir(&dir.join("pass"))?;
        let signed = trust_list(&dir, now)?;
        let keys = Self {
            trust_file: data_dir.join("trust.json"),
            dir,
            issuer: pass.public.issuer.clone(),
            policy,
            signing: Issuer::new(pass.key).into(),
            trust: TrustSlot::new(signed.clone())?,
            changing: Mutex::new(()),
            finished_at_start: finished.then(|| pass.public.kid.clone()),
        };
        files::write_trust(&keys.trust_file, &signed)?;
        Ok(keys)
    }

    /// Announces or rotates when due; returns what it did and to which key (the announced one, or the one that
    /// signs from now).
    pub fn due(&self, now: OffsetDateTime) -> anyhow::Result<Option<(KeyStep, String)>> {
        let _one = self.changing.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let pass = files::read_public(&self.dir.join("pass"))?;
        let announced = self.dir.join("next").join(files::PRIVATE_FILE).is_file();
        let step = self.policy.step(pass.valid_until, announced, now);
        let key = match step {
            KeyStep::Nothing => return Ok(None),
            KeyStep::Announce => self.announce(now)?,
            KeyStep::Rotate => self.rotate_files(now)?,
        };
        self.publish(now)?;
        Ok(Some((step, key.kid)))
    }

    fn announce(&self, now: OffsetDateTime) -> anyhow::Result<PublicKeyFile> {
        // The next key may sign for its full term from the rotation, plus the days it waits to begin.
        let days = self.policy.key_days + self.policy.announce_days;
        let public = generate_into(&self.dir.join("next"), Role::Pass, &self.issuer, days, now)?;
        tracing::info!(kid = %public.kid, "announced the next pass key");
        Ok(public)
    }

    /// The next key signs from now; the current one retires. Returns the new signing key.
    fn rotate_files(&self, now: OffsetDateTime) -> anyhow::Result<PublicKeyFile> {
        if !self.dir.join("next").join(files::PRIVATE_FILE).is_file() {
            self.announce(now)?;
        }
        rename(&self.dir.join("pass"), &self.dir.join("retiring"))?;
        rename(&self.dir.join("next"), &self.dir.join("pass"))?;
        finish_interrupted(&self.dir, now)?;
        let public = files::read_public(&self.dir.join("pass"))?;
        tracing::info!(kid = %public.kid, "rotated the pass key");
        Ok(public)
    }

    /// Signs and publishes the trust list as the files now say, and puts the pass key in the signing slot.
    fn publish(&self, now: OffsetDateTime) -> anyhow::Result<()> {
        let signed = trust_list(&self.dir, now)?;
        files::write_trust(&self.trust_file, &signed)?;
        self.trust.replace(signed)?;
        let pass = files::read_key_dir(&self.dir.join("pass"))?;
        if pass.key.kid() != self.signing.key().kid() {
            self.signing.replace(Issuer::new(pass.key));
        }
        Ok(())
    }

    fn withdraw_files(&self, kid: &str, now: OffsetDateTime) -> Result<(), KeyError> {
        let entry = self.keys()?.into_iter().find(|k| k.kid == kid);
        let Some(entry) = entry else { return Err(KeyError::UnknownKey(kid.to_owned())) };
        match entry.key_use {
            KeyUse::Withdrawn => return Err(KeyError::AlreadyWithdrawn(kid.to_owned())),
            // The signing key hands over first, so that new passes can still be issued.
            KeyUse::Signing => {
                self.rotate_files(now).map_err(files_err)?;
            }
            KeyUse::Next => {
                rename(&self.dir.join("next"), &self.dir.join("retiring")).map_err(files_err)?;
                finish_interrupted(&self.dir, now).map_err(files_err)?;
            }
            KeyUse::Retired => {}
        }
        let dir = self.dir.join("retired").join(kid);
        let mut public = files::read_public(&dir).map_err(files_err)?;
        public.status = KeyStatus::Withdrawn.as_str().into();
        write_public_atomically(&dir, &public).map_err(files_err)?;
        tracing::warn!(kid, "withdrew a pass key: nothing it signed verifies any more");
        Ok(())
    }
}

impl KeyAdmin for PassKeys {
    fn keys(&self) -> Result<Vec<KeyInfo>, KeyError> {
        list(&self.dir).map_err(files_err)
    }

    fn rotate_when_due(&self, now: OffsetDateTime) -> Result<Option<(KeyStep, String)>, KeyError> {
        self.due(now).map_err(files_err)
    }

    fn rotate(&self, now: OffsetDateTime) -> Result<KeyInfo, KeyError> {
        let _one = self.changing.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let public = self.rotate_files(now).map_err(files_err)?;
        self.publish(now).map_err(files_err)?;
        info(&public, KeyUse::Signing).map_err(files_err)
    }

    fn withdraw(&self, kid: &str, now: OffsetDateTime) -> Result<(), KeyError> {
        let _one = self.changing.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        self.withdraw_files(kid, now)?;
        self.publish(now).map_err(files_err)
    }

    fn policy(&self) -> RotationPolicy {
        self.policy
    }
}

/// A failure on disk, with its whole chain of causes, for the admin's page and the log.
fn files_err(e: anyhow::Error) -> KeyError {
    KeyError::Files(format!("{e:#}"))
}

fn info(public: &PublicKeyFile, key_use: KeyUse) -> anyhow::Result<KeyInfo> {
    Ok(KeyInfo {
        kid: public.kid.clone(),
        algorithm: public.alg.clone(),
        key_use,
        valid_from: public.valid_from,
        valid_until: public.valid_until,
    })
}

/// Every pass key: signing, next, then retired ones, newest first.
fn list(dir: &Path) -> anyhow::Result<Vec<KeyInfo>> {
    let mut keys = vec![info(&files::read_public(&dir.join("pass"))?, KeyUse::Signing)?];
    if dir.join("next").join(files::PUBLIC_FILE).is_file() {
        keys.push(info(&files::read_public(&dir.join("next"))?, KeyUse::Next)?);
    }
    let mut retired = Vec::new();
    for public in retired_keys(dir)? {
        let key_use = if public.status == KeyStatus::Withdrawn.as_str() { KeyUse::Withdrawn } else { KeyUse::Retired };
        retired.push(info(&public, key_use)?);
    }
    retired.sort_by_key(|k| std::cmp::Reverse(k.valid_until));
    keys.extend(retired);
    Ok(keys)
}

fn retired_keys(dir: &Path) -> anyhow::Result<Vec<PublicKeyFile>> {
    let retired = dir.join("retired");
    if !retired.is_dir() {
        return Ok(Vec::new());
    }
    files::key_dirs(&retired)?.iter().map(|d| files::read_public(d)).collect()
}

/// The public entry of the pass key `kid`, wherever it is kept now (for audit heads signed before a rotation).
pub fn public_by_kid(data_dir: &Path, kid: &str) -> anyhow::Result<PublicKeyFile> {
    let dir = data_dir.join("keys");
    for candidate in [dir.join("pass"), dir.join("next"), dir.join("retired").join(kid)] {
        if candidate.join(files::PUBLIC_FILE).is_file() {
            let public = files::read_public(&candidate)?;
            if public.kid == kid {
                return Ok(public);
            }
        }
    }
    bail!("no pass key {kid} in {} (pass, next or retired)", dir.display())
}

/// The trust list of the pass keys (signing, next, and retired within `RETIRED_PUBLISHED_DAYS`), signed by the root.
fn trust_list(dir: &Path, now: OffsetDateTime) -> anyhow::Result<Vec<u8>> {
    let root = files::read_key_dir(&dir.join("trust-root"))?;
    let pass = files::read_public(&dir.join("pass"))?;
    let mut keys = vec![pass.trusted_key()?];
    if dir.join("next").join(files::PUBLIC_FILE).is_file() {
        keys.push(files::read_public(&dir.join("next"))?.trusted_key()?);
    }
    for public in retired_keys(dir)? {
        // A withdrawn key stays listed as withdrawn, so that verifiers say so rather than "unknown key".
        if public.status == KeyStatus::Withdrawn.as_str()
            || public.valid_until + Duration::days(RETIRED_PUBLISHED_DAYS) > now
        {
            keys.push(public.trusted_key()?);
        }
    }
    let list = TrustList {
        issuer: pass.issuer.clone(),
        // Strictly increasing even when two changes fall in one second.
        sequence: u64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(0),
        issued_at: now,
        root: root.key.verifying_key(),
        keys,
    };
    Ok(list.sign(&root.key)?)
}

/// Makes a key in `path` whole or not at all: written to `path.tmp`, then renamed.
fn generate_into(
    path: &Path,
    role: Role,
    issuer: &str,
    days: i64,
    now: OffsetDateTime,
) -> anyhow::Result<PublicKeyFile> {
    let tmp = path.with_extension("tmp");
    if tmp.exists() {
        fs::remove_dir_all(&tmp).with_context(|| format!("removing {}", tmp.display()))?;
    }
    let public = crate::keys_cmd::generate_key_dir(&tmp, Algorithm::Ed25519, role, issuer, days, now)?;
    rename(&tmp, path)?;
    Ok(public)
}

fn rename(from: &Path, to: &Path) -> anyhow::Result<()> {
    fs::rename(from, to).with_context(|| format!("renaming {} to {}", from.display(), to.display()))?;
    if let Some(parent) = to.parent() {
        // The rename itself is made durable before the next step relies on it.
        fs::File::open(parent).and_then(|d| d.sync_all()).ok();
    }
    Ok(())
}

fn write_public_atomically(dir: &Path, public: &PublicKeyFile) -> anyhow::Result<()> {
    let tmp = dir.with_extension("tmp");
    fs::create_dir_all(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    files::write_public(&tmp, public)?;
    let file = tmp.join(files::PUBLIC_FILE);
    fs::rename(&file, dir.join(files::PUBLIC_FILE)).with_context(|| format!("replacing {}", dir.display()))?;
    fs::remove_dir_all(&tmp).ok();
    Ok(())
}

/// Finishes whatever a kill left half done: a key being made (`*.tmp`, removed), a rotation between its renames
/// (`retiring/` with or without `pass/`). Returns whether a rotation was finished (a new key signs from now).
fn finish_interrupted(dir: &Path, now: OffsetDateTime) -> anyhow::Result<bool> {
    for name in ["pass.tmp", "next.tmp", "trust-root.tmp"] {
        let tmp = dir.join(name);
        if tmp.exists() {
            fs::remove_dir_all(&tmp).with_context(|| format!("removing {}", tmp.display()))?;
        }
    }
    let retired = dir.join("retired");
    if retired.is_dir() {
        for entry in fs::read_dir(&retired).with_context(|| format!("reading {}", retired.display()))? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "tmp") {
                fs::remove_dir_all(&path).with_context(|| format!("removing {}", path.display()))?;
            }
        }
    }
    let retiring = dir.join("retiring");
    if !retiring.exists() {
        return Ok(false);
    }
    if !dir.join("pass").exists() {
        if !dir.join("next").exists() {
            // Back as it was: the rotation had not yet handed over.
            rename(&retiring, &dir.join("pass"))?;
            return Ok(false);
        }
        rename(&dir.join("next"), &dir.join("pass"))?;
    }
    let mut public = files::read_public(&retiring)?;
    // It signs no more from now; what it signed before keeps verifying.
    public.valid_until = public.valid_until.min(now);
    let kept = dir.join("retired").join(&public.kid);
    fs::create_dir_all(&kept).with_context(|| format!("creating {}", kept.display()))?;
    write_public_atomically(&kept, &public)?;
    // The retired private key is deleted: it must never sign again.
    fs::remove_dir_all(&retiring).with_context(|| format!("removing {}", retiring.display()))?;
    Ok(true)
}

#[cfg(test)]
mod tests;
