//! Key directories and file formats the CLI reads and writes: `private.pem` (PKCS#8, mode 0600) and `public.json`
//! (the key's trust-list entry) in each key directory, `trust.json` around the signed trust list.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use surge_pass::{Algorithm, KeyStatus, SigningKey, TrustList, TrustedKey, VerifyingKey};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub const PRIVATE_FILE: &str = "private.pem";
pub const PUBLIC_FILE: &str = "public.json";
pub const TRUST_LIST_FORMAT: &str = "surge-trust-list/1";

/// What a key is for: signing passes and status lists, or signing the trust list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Pass,
    TrustRoot,
}

/// `public.json`: everything about a key but the secret.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicKeyFile {
    pub kid: String,
    pub alg: String,
    pub role: Role,
    pub issuer: String,
    /// The raw public key, base64url without padding.
    pub public_key: String,
    #[serde(with = "time::serde::rfc3339")]
    pub valid_from: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub valid_until: OffsetDateTime,
    pub status: String,
}

impl PublicKeyFile {
    pub fn verifying_key(&self) -> anyhow::Result<VerifyingKey> {
        let bytes = URL_SAFE_NO_PAD.decode(&self.public_key).context("public_key is not base64url")?;
        let key = VerifyingKey::from_bytes(Algorithm::parse(&self.alg)?, &bytes)?;
        if key.kid().to_hex() != self.kid {
            bail!("kid {} does not match the public key (expected {})", self.kid, key.kid());
        }
        Ok(key)
    }

    pub fn trusted_key(&self) -> anyhow::Result<TrustedKey> {
        Ok(TrustedKey {
            key: self.verifying_key()?,
            valid_from: self.valid_from,
            valid_until: self.valid_until,
            status: KeyStatus::parse(&self.status)?,
        })
    }
}

/// A key directory: the private key and its public entry.
#[derive(Debug)]
pub struct KeyDir {
    pub key: SigningKey,
    pub public: PublicKeyFile,
}

pub fn read_public(dir: &Path) -> anyhow::Result<PublicKeyFile> {
    let path = dir.join(PUBLIC_FILE);
    let text = fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not a public key file", path.display()))
}

pub fn write_public(dir: &Path, public: &PublicKeyFile) -> anyhow::Result<()> {
    let path = dir.join(PUBLIC_FILE);
    fs::write(&path, serde_json::to_string_pretty(public)? + "\n")
        .with_context(|| format!("writing {}", path.display()))
}

pub fn read_key_dir(dir: &Path) -> anyhow::Result<KeyDir> {
    let path = dir.join(PRIVATE_FILE);
    let pem = fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let key = SigningKey::from_pkcs8_pem(&pem).with_context(|| format!("{}", path.display()))?;
    let public = read_public(dir)?;
    if public.verifying_key()? != key.verifying_key() {
        bail!("{} and {} are not one key pair", path.display(), dir.join(PUBLIC_FILE).display());
    }
    Ok(KeyDir { key, public })
}

/// Writes a private key readable by its owner only; the file must not exist, so a key is never overwritten.
pub fn write_private(dir: &Path, key: &SigningKey) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let path = dir.join(PRIVATE_FILE);
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("creating {} (a key is never overwritten)", path.display()))?;
    file.write_all(key.to_pkcs8_pem()?.as_bytes())?;
    file.sync_all()?;
    Ok(())
}

/// The key directories under `dir`: `dir` itself if it is one, else its immediate subdirectories that are.
pub fn key_dirs(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    if dir.join(PUBLIC_FILE).is_file() {
        return Ok(vec![dir.to_path_buf()]);
    }
    let mut dirs = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.join(PUBLIC_FILE).is_file() {
            dirs.push(path);
        }
    }
    dirs.sort();
    Ok(dirs)
}

/// `trust.json`: the signed trust list (a COSE_Sign1, base64) and, for people, what it says. Verifiers read only
/// the signed part.
#[derive(Debug, Serialize, Deserialize)]
pub struct TrustFile {
    pub format: String,
    pub signed: String,
}

pub fn write_trust(path: &Path, signed: &[u8]) -> anyhow::Result<()> {
    let file = TrustFile { format: TRUST_LIST_FORMAT.into(), signed: STANDARD.encode(signed) };
    fs::write(path, serde_json::to_string_pretty(&file)? + "\n").with_context(|| format!("writing {}", path.display()))
}

pub fn read_trust(path: &Path, anchor: Option<&VerifyingKey>) -> anyhow::Result<TrustList> {
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let file: TrustFile =
        serde_json::from_str(&text).with_context(|| format!("{} is not a trust list file", path.display()))?;
    if file.format != TRUST_LIST_FORMAT {
        bail!("{}: format {:?} is not {TRUST_LIST_FORMAT}", path.display(), file.format);
    }
    let signed = STANDARD.decode(file.signed.trim()).context("signed is not base64")?;
    TrustList::from_signed(&signed, anchor).with_context(|| path.display().to_string())
}

pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.unix_timestamp().to_string())
}

pub fn parse_time(text: &str) -> anyhow::Result<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).with_context(|| format!("{text:?} is not an RFC 3339 time"))
}
