//! `surge lake`: situation data. `check` reads a source file as an import would (rows, rows rejected with their
//! lines and reasons, data-check findings, lineage) and stores nothing: a region tries a feed and its mapping
//! before the lake takes it. `facts` prints the platform's own facts, de-identified and aggregated, as CSV or JSON.

use std::fs;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Subcommand;
use serde_json::json;
use surge_app::facts::platform_facts;
use surge_lake::{CsvMapping, Import, Source};
use surge_store_postgres::PostgresStore;
use surge_store_sqlite::SqliteStore;

use crate::Outcome;

#[derive(Debug, Subcommand)]
pub enum LakeCommand {
    /// Read a source file as an import would and report what it holds; stores nothing.
    Check {
        /// `owid`, `jhu-timeseries`, `jhu-daily`, `who` or `csv` (with --mapping).
        source: String,
        file: PathBuf,
        /// For `csv`: the TOML mapping (date column, region, measures).
        #[arg(long)]
        mapping: Option<PathBuf>,
        /// Rejections and findings listed at most.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long, value_parser = ["text", "json"], default_value = "text")]
        format: String,
    },
    /// Print the platform's own facts (passes per zone and day, scans per checkpoint and hour, results and texts per
    /// day): counts only, no person in them.
    Facts {
        #[arg(long, default_value = "./surge-data")]
        data_dir: PathBuf,
        /// `postgres://…`; default SQLite in the data directory.
        #[arg(long)]
        database_url: Option<String>,
        /// Days back from today (UTC) to count.
        #[arg(long, default_value_t = 30)]
        days: u32,
        #[arg(long, value_parser = ["csv", "json"], default_value = "csv")]
        format: String,
    },
}

pub fn run(command: LakeCommand) -> anyhow::Result<Outcome> {
    match command {
        LakeCommand::Facts { data_dir, database_url, days, format } => {
            let today = crate::now().unix_timestamp() / 86_400 * 86_400;
            let since = today - i64::from(days) * 86_400;
            let facts = crate::runtime()?.block_on(async move {
                match database_url {
                    Some(url) => {
                        let store = PostgresStore::connect(&url, 2).await?;
                        let facts = platform_facts(&store, since).await;
                        store.close().await;
                        anyhow::Ok(facts?)
                    }
                    None => {
                        let path = data_dir.join("surge.db");
                        anyhow::ensure!(path.is_file(), "no database at {}", path.display());
                        let store = SqliteStore::open(&path).await?;
                        let facts = platform_facts(&store, since).await;
                        store.close().await;
                        anyhow::Ok(facts?)
                    }
                }
            })?;
            let when = |bucket: i64| {
                time::OffsetDateTime::from_unix_timestamp(bucket)
                    .ok()
                    .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
                    .unwrap_or_default()
            };
            if format == "json" {
                let rows: Vec<_> = facts
                    .iter()
                    .map(|f| json!({"fact": f.kind.as_str(), "from": when(f.bucket), "seconds": f.kind.bucket_seconds(), "place": f.place, "outcome": f.outcome, "count": f.count}))
                    .collect();
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else {
                println!("fact,from,seconds,place,outcome,count");
                for f in &facts {
                    println!(
                        "{},{},{},{},{},{}",
                        f.kind.as_str(),
                        when(f.bucket),
                        f.kind.bucket_seconds(),
                        csv_field(&f.place),
                        csv_field(&f.outcome),
                        f.count
                    );
                }
            }
            Ok(Outcome::Success)
        }
        LakeCommand::Check { source, file, mapping, limit, format } => {
            if source != "csv" && Source::parse(&source).is_none() {
                bail!("unknown source {source:?}: use owid, jhu-timeseries, jhu-daily, who or csv");
            }
            let bytes = fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let name = file.to_string_lossy();
            let today = crate::now().date();
            // Sources whose licence asks for credit say so wherever their data goes.
            let attribution = Source::parse(&source).map(|s| s.attribution());
            let import = match (source.as_str(), mapping) {
                ("csv", Some(mapping)) => {
                    let text =
                        fs::read_to_string(&mapping).with_context(|| format!("reading {}", mapping.display()))?;
                    let mapping = CsvMapping::parse(&text).with_context(|| mapping.display().to_string())?;
                    surge_lake::import_csv(&mapping, &name, &bytes, today)?
                }
                ("csv", None) => bail!("csv needs --mapping FILE.toml"),
                (other, None) => {
                    let Some(source) = Source::parse(other) else {
                        bail!("unknown source {other:?}: use owid, jhu-timeseries, jhu-daily, who or csv")
                    };
                    surge_lake::import(&source, &name, &bytes, today)?
                }
                (_, Some(_)) => bail!("--mapping is for the csv source only"),
            };
            if format == "json" {
                let mut report = report(&import, limit);
                report["attribution"] = json!(attribution);
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print_text(&import, limit);
                if let Some(credit) = attribution {
                    println!("credit: {credit}");
                }
            }
            Ok(Outcome::Success)
        }
    }
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_owned() }
}

fn report(import: &Import, limit: usize) -> serde_json::Value {
    let l = &import.lineage;
    json!({
        "source": l.source,
        "file": l.file_name,
        "sha256": l.sha256,
        "rows_read": l.rows_read,
        "rows": import.rows.len(),
        "regions": import.rows.iter().map(|r| (&r.region, &r.sub_region)).collect::<std::collections::BTreeSet<_>>().len(),
        "first_date": import.rows.iter().map(|r| r.date).min().map(|d| d.to_string()),
        "last_date": import.rows.iter().map(|r| r.date).max().map(|d| d.to_string()),
        "source_measures": import.measures.len(),
        "rejected": import.rejected.len(),
        "rejections": import.rejected.iter().take(limit).map(|r| json!({"line": r.line, "reason": r.reason})).collect::<Vec<_>>(),
        "findings": import.findings.iter().take(limit).map(|f| json!({
            "kind": f.kind.code(), "region": f.region, "sub_region": f.sub_region, "date": f.date.to_string(), "detail": f.detail,
        })).collect::<Vec<_>>(),
        "findings_total": import.findings.len(),
    })
}

fn print_text(import: &Import, limit: usize) {
    let r = report(import, limit);
    println!(
        "{} ({}), sha256 {}",
        r["file"].as_str().unwrap_or(""),
        r["source"].as_str().unwrap_or(""),
        r["sha256"].as_str().unwrap_or("")
    );
    println!(
        "{} rows read: {} daily rows for {} regions, {} to {}; {} source measures; {} rejected; {} findings",
        r["rows_read"],
        r["rows"],
        r["regions"],
        r["first_date"].as_str().unwrap_or("-"),
        r["last_date"].as_str().unwrap_or("-"),
        r["source_measures"],
        r["rejected"],
        r["findings_total"]
    );
    for rejection in &import.rejected[..import.rejected.len().min(limit)] {
        println!("rejected line {}: {}", rejection.line, rejection.reason);
    }
    for finding in &import.findings[..import.findings.len().min(limit)] {
        let place = if finding.sub_region.is_empty() {
            finding.region.clone()
        } else {
            format!("{} / {}", finding.region, finding.sub_region)
        };
        println!("{} {} {}: {}", finding.kind.code(), place, finding.date, finding.detail);
    }
}
