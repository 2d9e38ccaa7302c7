//! `surge audit`: `verify` reads the audit log from the start and checks its hash chain, naming the first entry that
//! was changed, removed or reordered, then checks the chain against a signed head (given, or the last one recorded)
//! to catch entries cut from the end; `head` signs and records the chain's head now. Exit code 0 intact, 1 broken.
//!
//! Heads are kept one per line in `DATA_DIR/audit-heads.jsonl`, signed with the pass key; the running server adds
//! one every few minutes when the log has grown. Copy them somewhere the database's administrators cannot write.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::json;
use surge_app::Store;
use surge_domain::audit::{ChainHead, GENESIS, HeadCheck, check_head, verify_chain};
use surge_pass::SigningKey;

use crate::Outcome;
use crate::files;

/// Where heads are recorded, under the data directory.
pub const HEADS_FILE: &str = "audit-heads.jsonl";
const HEAD_FORMAT: &str = "surge-audit-head/1";

#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Check the audit log's hash chain, and that nothing was cut from its end since a signed head.
    Verify {
        #[arg(long, default_value = "./surge-data")]
        data_dir: PathBuf,
        /// `postgres://…`; default SQLite in the data directory.
        #[arg(long)]
        database_url: Option<String>,
        /// `text` or `json`.
        #[arg(long, default_value = "text")]
        format: String,
        /// A signed head (a JSON line as `surge audit head` prints it, or a file of them: the last is used);
        /// default: the last one recorded in DATA_DIR/audit-heads.jsonl, if any.
        #[arg(long)]
        head: Option<PathBuf>,
    },
    /// Sign the audit log's head now, record it in DATA_DIR/audit-heads.jsonl and print it.
    Head {
        #[arg(long, default_value = "./surge-data")]
        data_dir: PathBuf,
        #[arg(long)]
        database_url: Option<String>,
    },
}

/// A signed head as published.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedHead {
    pub format: String,
    pub seq: i64,
    /// Hex SHA-256 of entry `seq`.
    pub hash: String,
    /// Unix seconds when it was signed.
    pub at: i64,
    /// The pass key's id.
    pub kid: String,
    /// Over `ChainHead::signing_text`, base64url.
    pub signature: String,
}

impl SignedHead {
    pub fn sign(head: &ChainHead, key: &SigningKey) -> Self {
        Self {
            format: HEAD_FORMAT.into(),
            seq: head.seq,
            hash: hex::encode(head.hash),
            at: head.at,
            kid: key.kid().to_hex(),
            signature: URL_SAFE_NO_PAD.encode(key.sign(&head.signing_text())),
        }
    }

    /// The head, once its signature checks with the pass key it names, among this service's pass keys (signing,
    /// next or retired: heads signed before a rotation still check).
    fn open(&self, data_dir: &Path) -> anyhow::Result<ChainHead> {
        anyhow::ensure!(self.format == HEAD_FORMAT, "the head's format is {:?}, not {HEAD_FORMAT}", self.format);
        let public = crate::pass_keys::public_by_kid(data_dir, &self.kid)
            .with_context(|| format!("the head was signed with key {}, not one of this service's", self.kid))?;
        let hash: [u8; 32] = hex::decode(&self.hash)
            .ok()
            .and_then(|h| h.try_into().ok())
            .context("the head's hash is not 64 hex characters")?;
        let head = ChainHead { seq: self.seq, hash, at: self.at };
        let signature = URL_SAFE_NO_PAD.decode(&self.signature).context("the head's signature is not base64url")?;
        anyhow::ensure!(
            public.verifying_key()?.verify(&head.signing_text(), &signature),
            "the head's signature does not check: it was not signed by this service's pass key"
        );
        Ok(head)
    }
}

pub fn run(command: AuditCommand) -> anyhow::Result<Outcome> {
    let (data_dir, database_url) = match &command {
        AuditCommand::Verify { data_dir, database_url, format, .. } => {
            anyhow::ensure!(matches!(format.as_str(), "text" | "json"), "--format is text or json");
            (data_dir.clone(), database_url.clone())
        }
        AuditCommand::Head { data_dir, database_url } => (data_dir.clone(), database_url.clone()),
    };
    crate::runtime()?.block_on(async move {
        match database_url {
            Some(url) => {
                let store = surge_store_postgres::connect(&url, 2).await?;
                let outcome = dispatch(&store, &command, &data_dir).await;
                store.close().await;
                outcome
            }
            None => {
                let path = data_dir.join("surge.db");
                anyhow::ensure!(path.is_file(), "no database at {}", path.display());
                let store = surge_store_sqlite::open(&path).await?;
                let outcome = dispatch(&store, &command, &data_dir).await;
                store.close().await;
                outcome
            }
        }
    })
}

async fn dispatch<S: Store>(store: &S, command: &AuditCommand, data_dir: &Path) -> anyhow::Result<Outcome> {
    match command {
        AuditCommand::Verify { format, head, .. } => verify(store, format, head.as_deref(), data_dir).await,
        AuditCommand::Head { .. } => {
            let key = files::read_key_dir(&data_dir.join("keys").join("pass"))?;
            let signed = publish_head(store, &key.key, data_dir, crate::now().unix_timestamp()).await?;
            println!("{}", serde_json::to_string(&signed)?);
            Ok(Outcome::Success)
        }
    }
}

/// Signs the chain's current head and appends it to DATA_DIR/audit-heads.jsonl (synced to disk).
pub async fn publish_head<S: Store>(
    store: &S,
    key: &SigningKey,
    data_dir: &Path,
    now: i64,
) -> anyhow::Result<SignedHead> {
    let head = match store.last_audit_entry().await? {
        Some(last) => ChainHead { seq: last.seq, hash: last.hash, at: now },
        None => ChainHead { seq: 0, hash: GENESIS, at: now },
    };
    let signed = SignedHead::sign(&head, key);
    let path = data_dir.join(HEADS_FILE);
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    writeln!(file, "{}", serde_json::to_string(&signed)?).with_context(|| format!("writing {}", path.display()))?;
    file.sync_all().with_context(|| format!("writing {}", path.display()))?;
    Ok(signed)
}

/// The last head in a file of JSON lines, if it has any.
fn last_head(path: &Path) -> anyhow::Result<Option<SignedHead>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let Some(line) = text.lines().rev().find(|l| !l.trim().is_empty()) else { return Ok(None) };
    let head = serde_json::from_str(line)
        .with_context(|| format!("{}: the last line is not a signed head", path.display()))?;
    Ok(Some(head))
}

async fn verify<S: Store>(store: &S, format: &str, head: Option<&Path>, data_dir: &Path) -> anyhow::Result<Outcome> {
    // The head to hold the chain to: the one given, or the last one recorded.
    let recorded = data_dir.join(HEADS_FILE);
    let signed = match head {
        Some(path) => Some(last_head(path)?.with_context(|| format!("{} holds no head", path.display()))?),
        None if recorded.is_file() => last_head(&recorded)?,
        None => None,
    };
    let head = signed.map(|s| s.open(data_dir)).transpose()?;

    const PAGE: u32 = 10_000;
    let (mut prev, mut next_seq, mut count) = (GENESIS, 1i64, 0u64);
    let mut hash_at_head = None;
    let result = loop {
        let page = store.audit_entries(next_seq - 1, PAGE).await?;
        if page.is_empty() {
            break Ok(());
        }
        match verify_chain(&page, prev, next_seq) {
            Ok(last) => {
                if let Some(head) = &head {
                    hash_at_head = hash_at_head.or_else(|| page.iter().find(|r| r.seq == head.seq).map(|r| r.hash));
                }
                prev = last;
                next_seq += page.len() as i64;
                count += page.len() as u64;
            }
            Err(broken) => break Err(broken),
        }
    };
    let last_seq = next_seq - 1;
    let held = head.map(|h| (h, check_head(&h, last_seq, hash_at_head)));
    let tip = hex::encode(prev);
    Ok(match (result, held) {
        (Err(broken), _) => {
            if format == "json" {
                println!("{}", json!({"intact": false, "broken_at": broken.seq, "reason": broken.reason}));
            } else {
                println!("audit log broken at entry {}: {}", broken.seq, broken.reason);
            }
            Outcome::Negative
        }
        (Ok(()), Some((head, HeadCheck::Missing { from, to }))) => {
            if format == "json" {
                println!(
                    "{}",
                    json!({"intact": false, "entries": count, "missing_from": from, "missing_to": to, "head_seq": head.seq})
                );
            } else {
                println!(
                    "audit log cut short: entries {from} to {to} are missing (the log ends at {last_seq}; a signed head \
                     of {} says it reached {})",
                    rfc3339(head.at),
                    head.seq
                );
            }
            Outcome::Negative
        }
        (Ok(()), Some((head, HeadCheck::Differs))) => {
            if format == "json" {
                println!("{}", json!({"intact": false, "entries": count, "rewritten_at": head.seq}));
            } else {
                println!(
                    "audit log rewritten: entry {} is not the one a signed head of {} recorded",
                    head.seq,
                    rfc3339(head.at)
                );
            }
            Outcome::Negative
        }
        (Ok(()), held) => {
            let head_seq = held.map(|(h, _)| h.seq);
            if format == "json" {
                println!(
                    "{}",
                    json!({"intact": true, "entries": count, "head": tip, "checked_against_head": head_seq})
                );
            } else {
                let against = head_seq
                    .map(|seq| format!("; holds the signed head at entry {seq}"))
                    .unwrap_or_else(|| "; no signed head to check it against yet".into());
                println!("audit log intact: {count} entries; last hash {tip}{against}");
            }
            Outcome::Success
        }
    })
}

fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| unix.to_string())
}
