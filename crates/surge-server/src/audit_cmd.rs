//! `surge audit verify`: reads the audit log from the start and checks its hash chain, naming the first entry that
//! was changed, removed or reordered. Exit code 0 intact, 1 broken.

use std::path::PathBuf;

use serde_json::json;
use surge_app::Store;
use surge_domain::audit::{GENESIS, verify_chain};

use crate::Outcome;

#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Check the audit log's hash chain.
    Verify {
        #[arg(long, default_value = "./surge-data")]
        data_dir: PathBuf,
        /// `postgres://…`; default SQLite in the data directory.
        #[arg(long)]
        database_url: Option<String>,
        /// `text` or `json`.
        #[arg(long, default_value = "text")]
        format: String,
    },
}

pub fn run(command: AuditCommand) -> anyhow::Result<Outcome> {
    let AuditCommand::Verify { data_dir, database_url, format } = command;
    anyhow::ensure!(matches!(format.as_str(), "text" | "json"), "--format is text or json");
    crate::runtime()?.block_on(async move {
        match database_url {
            Some(url) => {
                let store = surge_store_postgres::connect(&url, 2).await?;
                let outcome = verify(&store, &format).await;
                store.close().await;
                outcome
            }
            None => {
                let path = data_dir.join("surge.db");
                anyhow::ensure!(path.is_file(), "no database at {}", path.display());
                let store = surge_store_sqlite::open(&path).await?;
                let outcome = verify(&store, &format).await;
                store.close().await;
                outcome
            }
        }
    })
}

async fn verify<S: Store>(store: &S, format: &str) -> anyhow::Result<Outcome> {
    const PAGE: u32 = 10_000;
    let (mut prev, mut next_seq, mut count) = (GENESIS, 1i64, 0u64);
    let result = loop {
        let page = store.audit_entries(next_seq - 1, PAGE).await?;
        if page.is_empty() {
            break Ok(());
        }
        match verify_chain(&page, prev, next_seq) {
            Ok(head) => {
                prev = head;
                next_seq += page.len() as i64;
                count += page.len() as u64;
            }
            Err(broken) => break Err(broken),
        }
    };
    let head = hex::encode(prev);
    Ok(match result {
        Ok(()) => {
            if format == "json" {
                println!("{}", json!({"intact": true, "entries": count, "head": head}));
            } else {
                println!("audit log intact: {count} entries; last hash {head}");
            }
            Outcome::Success
        }
        Err(broken) => {
            if format == "json" {
                println!("{}", json!({"intact": false, "broken_at": broken.seq, "reason": broken.reason}));
            } else {
                println!("audit log broken at entry {}: {}", broken.seq, broken.reason);
            }
            Outcome::Negative
        }
    })
}
