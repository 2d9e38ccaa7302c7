//! `surge keys`: generate authority keys, withdraw them, and publish the signed trust list.

use std::fs;
use std::path::PathBuf;

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clap::Subcommand;
use surge_pass::{Algorithm, KeyStatus, SigningKey, TrustList};

use crate::Outcome;
use crate::files::{self, PublicKeyFile, Role};

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Generate a key: DIR/private.pem (mode 0600) and DIR/public.json (its trust-list entry).
    Generate {
        #[arg(long, default_value = "ed25519", value_parser = ["ed25519", "es256"])]
        alg: String,
        /// `pass` keys sign passes and status lists; the `trust-root` key signs the trust list.
        #[arg(long, value_enum, default_value = "pass")]
        role: Role,
        /// The authority's id, written as the issuer of every pass this key signs.
        #[arg(long, default_value = "SURGE")]
        issuer: String,
        /// How long the key may sign; passes it signed keep verifying after that until it is withdrawn.
        #[arg(long, default_value_t = 365)]
        valid_days: i64,
        #[arg(long)]
        out: PathBuf,
    },
    /// Mark a key withdrawn (compromised or retired early); publish a new trust list afterwards.
    Withdraw {
        #[arg(long)]
        key: PathBuf,
    },
    /// Sign a trust list of every pass key under DIR with the trust-root key.
    TrustList {
        /// A key directory, or a directory of key directories.
        #[arg(long)]
        keys: PathBuf,
        /// The trust-root key directory (default: the one trust-root key found under --keys).
        #[arg(long)]
        signer: Option<PathBuf>,
        /// Sequence number of this list; must grow with each publication (default: the current Unix time).
        #[arg(long)]
        sequence: Option<u64>,
        #[arg(long)]
        out: PathBuf,
    },
}

pub fn run(command: KeysCommand) -> anyhow::Result<Outcome> {
    match command {
        KeysCommand::Generate { alg, role, issuer, valid_days, out } => generate(&alg, role, &issuer, valid_days, out),
        KeysCommand::Withdraw { key } => {
            let mut public = files::read_public(&key)?;
            public.status = KeyStatus::Withdrawn.as_str().into();
            files::write_public(&key, &public)?;
            println!("withdrew key {}; publish a new trust list with `surge keys trust-list`", public.kid);
            Ok(Outcome::Success)
        }
        KeysCommand::TrustList { keys, signer, sequence, out } => trust_list(keys, signer, sequence, out),
    }
}

fn generate(alg: &str, role: Role, issuer: &str, valid_days: i64, out: PathBuf) -> anyhow::Result<Outcome> {
    let public = generate_key_dir(&out, Algorithm::parse(alg)?, role, issuer, valid_days, crate::now())?;
    println!("generated {} key {} in {}", public.alg, public.kid, out.display());
    Ok(Outcome::Success)
}

/// Creates a key directory: the private key (mode 0600, never overwritten) and its public entry.
pub fn generate_key_dir(
    out: &std::path::Path,
    alg: Algorithm,
    role: Role,
    issuer: &str,
    valid_days: i64,
    now: time::OffsetDateTime,
) -> anyhow::Result<PublicKeyFile> {
    if !(1..=3650).contains(&valid_days) {
        bail!("--valid-days must be between 1 and 3650");
    }
    if issuer.trim().is_empty() || issuer.len() > 64 {
        bail!("--issuer must be 1 to 64 characters");
    }
    let key = SigningKey::generate(alg, &mut rand_core::OsRng);
    fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let public = PublicKeyFile {
        kid: key.kid().to_hex(),
        alg: key.algorithm().as_str().into(),
        role,
        issuer: issuer.into(),
        public_key: URL_SAFE_NO_PAD.encode(key.verifying_key().to_bytes()),
        valid_from: now,
        valid_until: now + time::Duration::days(valid_days),
        status: KeyStatus::Active.as_str().into(),
    };
    files::write_private(out, &key)?;
    files::write_public(out, &public)?;
    Ok(public)
}

fn trust_list(keys: PathBuf, signer: Option<PathBuf>, sequence: Option<u64>, out: PathBuf) -> anyhow::Result<Outcome> {
    let dirs = files::key_dirs(&keys)?;
    let mut entries = Vec::new();
    let mut roots = Vec::new();
    let mut issuer: Option<String> = None;
    for dir in &dirs {
        let public = files::read_public(dir)?;
        match public.role {
            Role::TrustRoot => roots.push(dir.clone()),
            Role::Pass => {
                if issuer.as_ref().is_some_and(|i| i != &public.issuer) {
                    bail!("{}: issuer {:?} differs from the other keys' {:?}", dir.display(), public.issuer, issuer);
                }
                issuer = Some(public.issuer.clone());
                entries.push(public.trusted_key().with_context(|| dir.display().to_string())?);
            }
        }
    }
    let signer = match (signer, roots.as_slice()) {
        (Some(s), _) => s,
        (None, [one]) => one.clone(),
        (None, []) => bail!(
            "no trust-root key under {}: create one with `surge keys generate --role trust-root --out {}/trust-root`",
            keys.display(),
            keys.display()
        ),
        (None, _) => bail!("several trust-root keys under {}: choose one with --signer", keys.display()),
    };
    let root = files::read_key_dir(&signer)?;
    if root.public.role != Role::TrustRoot {
        bail!("{} is not a trust-root key", signer.display());
    }
    let Some(issuer) = issuer else { bail!("no pass keys under {}", keys.display()) };
    let now = crate::now();
    let list = TrustList {
        issuer,
        sequence: sequence.unwrap_or(now.unix_timestamp().max(0) as u64),
        issued_at: now,
        root: root.key.verifying_key(),
        keys: entries,
    };
    let signed = list.sign(&root.key)?;
    files::write_trust(&out, &signed)?;
    println!(
        "signed trust list {} with {} keys ({} active), root {}",
        out.display(),
        list.keys.len(),
        list.active_keys().count(),
        root.public.kid
    );
    Ok(Outcome::Success)
}
