//! `surge lake`: situation data. `check` reads a source file as an import would (rows, rows rejected with their
//! lines and reasons, data-check findings, lineage) and stores nothing: a region tries a feed and its mapping
//! before the lake takes it. `import` stores a file in the lake (Delta tables under `DATA_DIR/lake`), `sql` queries
//! it read-only, `tables` and `history` show its tables and their versions. `facts` prints the platform's own facts,
//! de-identified and aggregated, as CSV or JSON; `import platform` stores them in the lake.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Subcommand;
use serde_json::json;
use surge_app::FactCount;
use surge_app::facts::platform_facts;
use surge_lake::{CsvMapping, Import, Source};
use surge_lake_delta::{Lake, QueryLimits};

use crate::Outcome;

/// Where the lake is.
#[derive(Debug, clap::Args)]
pub struct LakeAt {
    #[arg(long, default_value = "./surge-data")]
    data_dir: PathBuf,
    /// The lake's directory (or `file://` URL); default `DATA_DIR/lake`.
    #[arg(long, env = "SURGE_LAKE")]
    lake: Option<String>,
}

impl LakeAt {
    fn open(&self) -> anyhow::Result<Lake> {
        let location = self.lake.clone().unwrap_or_else(|| self.data_dir.join("lake").to_string_lossy().into_owned());
        Ok(Lake::open(&location)?)
    }
}

#[derive(Debug, Subcommand)]
pub enum LakeCommand {
    /// Import a source file into the lake: its rows into `daily_cases` (a new table version), its extra measures,
    /// lineage, findings and rejected rows into their tables. `platform` (no file) stores the platform's own facts.
    Import {
        /// `owid`, `jhu-timeseries`, `jhu-daily`, `who`, `csv` (with --mapping) or `platform`.
        source: String,
        file: Option<PathBuf>,
        #[arg(long)]
        mapping: Option<PathBuf>,
        #[command(flatten)]
        at: LakeAt,
        /// For `platform`: `postgres://…`; default SQLite in the data directory.
        #[arg(long)]
        database_url: Option<String>,
        /// For `platform`: days back from today (UTC) to count.
        #[arg(long, default_value_t = 90)]
        days: u32,
        #[arg(long, value_parser = ["text", "json"], default_value = "text")]
        format: String,
    },
    /// Run one read-only SQL query (DataFusion's dialect) over the lake's tables.
    Sql {
        query: String,
        #[command(flatten)]
        at: LakeAt,
        /// Read TABLE as it was at VERSION (see `history`); repeatable.
        #[arg(long = "version", value_name = "TABLE=VERSION")]
        versions: Vec<String>,
        #[arg(long, default_value_t = 10_000)]
        max_rows: usize,
        #[arg(long, value_parser = ["table", "csv", "json"], default_value = "table")]
        format: String,
    },
    /// List the lake's tables with their current versions.
    Tables {
        #[command(flatten)]
        at: LakeAt,
        #[arg(long, value_parser = ["text", "json"], default_value = "text")]
        format: String,
    },
    /// A table's versions, newest first, with the ingest, file and hash behind each.
    History {
        table: String,
        #[command(flatten)]
        at: LakeAt,
        #[arg(long, value_parser = ["text", "json"], default_value = "text")]
        format: String,
    },
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

/// The platform's facts of the last `days` days, from its database.
async fn read_facts(data_dir: &Path, database_url: Option<String>, days: u32) -> anyhow::Result<Vec<FactCount>> {
    let today = crate::now().unix_timestamp() / 86_400 * 86_400;
    let since = today - i64::from(days) * 86_400;
    match database_url {
        Some(url) => {
            let store = surge_store_postgres::connect(&url, 2).await?;
            let facts = platform_facts(&store, since).await;
            store.close().await;
            Ok(facts?)
        }
        None => {
            let path = data_dir.join("surge.db");
            anyhow::ensure!(path.is_file(), "no database at {}", path.display());
            let store = surge_store_sqlite::open(&path).await?;
            let facts = platform_facts(&store, since).await;
            store.close().await;
            Ok(facts?)
        }
    }
}

/// Reads a source file as `check` and `import` do.
fn read_source(source: &str, file: &Path, mapping: Option<PathBuf>) -> anyhow::Result<Import> {
    if source != "csv" && Source::parse(source).is_none() {
        bail!("unknown source {source:?}: use owid, jhu-timeseries, jhu-daily, who or csv");
    }
    let bytes = fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    // Lineage keeps the file's name, not the importer's directory layout.
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let today = crate::now().date();
    Ok(match (source, mapping) {
        ("csv", Some(mapping)) => {
            let text = fs::read_to_string(&mapping).with_context(|| format!("reading {}", mapping.display()))?;
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
    })
}

pub fn run(command: LakeCommand) -> anyhow::Result<Outcome> {
    match command {
        LakeCommand::Import { source, file, mapping, at, database_url, days, format } => {
            let lake = at.open()?;
            let runtime = crate::runtime()?;
            if source == "platform" {
                let facts = runtime.block_on(read_facts(&at.data_dir, database_url, days))?;
                let version = runtime.block_on(surge_lake_delta::store_platform_facts(
                    &lake,
                    &crate::lake_serve::fact_rows(facts.clone()),
                ))?;
                if format == "json" {
                    println!("{}", json!({"table": "platform_facts", "version": version, "rows": facts.len()}));
                } else {
                    println!("platform_facts version {version}: {} rows", facts.len());
                }
                return Ok(Outcome::Success);
            }
            let Some(file) = file else { bail!("{source} needs a FILE to import") };
            let import = std::sync::Arc::new(read_source(&source, &file, mapping)?);
            let stored = runtime.block_on(lake.import(&import, crate::now()))?;
            let credit = Source::parse(&source).map(|s| s.attribution());
            if format == "json" {
                let mut report = report(&import, 50);
                report["ingest_id"] = json!(stored.ingest_id);
                report["daily_cases_version"] = json!(stored.daily_cases_version);
                report["source_rows"] = json!(stored.source_rows);
                report["measures_table"] =
                    json!(stored.measures.as_ref().map(|(t, v)| json!({"table": t, "version": v})));
                report["attribution"] = json!(credit);
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print_text(&import, 10);
                println!(
                    "stored as ingest {}: daily_cases version {} ({} rows for {source}){}",
                    stored.ingest_id,
                    stored.daily_cases_version,
                    stored.source_rows,
                    stored.measures.map(|(t, v)| format!(", {t} version {v}")).unwrap_or_default()
                );
                if let Some(credit) = credit {
                    println!("credit: {credit}");
                }
            }
            Ok(Outcome::Success)
        }
        LakeCommand::Sql { query, at, versions, max_rows, format } => {
            let lake = at.open()?;
            let mut pinned = Vec::new();
            for v in &versions {
                let parsed = v.split_once('=').and_then(|(t, n)| Some((t.to_owned(), n.parse::<u64>().ok()?)));
                let Some(pin) = parsed else { bail!("--version {v:?}: write TABLE=VERSION, e.g. daily_cases=3") };
                pinned.push(pin);
            }
            let limits = QueryLimits { max_rows, timeout: Duration::from_secs(300), ..QueryLimits::default() };
            let result = crate::runtime()?.block_on(lake.sql(&query, limits, &pinned))?;
            let mut out = std::io::stdout().lock();
            match format.as_str() {
                "csv" => out.write_all(&result.to_csv()?)?,
                "json" => {
                    out.write_all(&result.to_json()?)?;
                    writeln!(out)?;
                }
                _ => {
                    writeln!(out, "{}", result.to_table()?)?;
                    writeln!(out, "({} rows)", result.num_rows())?;
                }
            }
            if result.truncated {
                tracing::warn!(max_rows, "more rows than --max-rows; the rest were left off");
            }
            Ok(Outcome::Success)
        }
        LakeCommand::Tables { at, format } => {
            let tables = crate::runtime()?.block_on(at.open()?.tables())?;
            if format == "json" {
                let rows: Vec<_> =
                    tables.iter().map(|t| json!({"table": t.name, "version": t.version, "files": t.files})).collect();
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else {
                println!("{:<24} {:>8} {:>6}", "table", "version", "files");
                for t in &tables {
                    println!("{:<24} {:>8} {:>6}", t.name, t.version, t.files);
                }
            }
            Ok(Outcome::Success)
        }
        LakeCommand::History { table, at, format } => {
            let commits = crate::runtime()?.block_on(at.open()?.history(&table))?;
            let when = |c: &surge_lake_delta::Commit| {
                c.timestamp
                    .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
                    .unwrap_or_default()
            };
            if format == "json" {
                let rows: Vec<_> = commits
                    .iter()
                    .map(|c| {
                        let meta: serde_json::Map<String, serde_json::Value> =
                            c.metadata.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
                        json!({"version": c.version, "at": when(c), "operation": c.operation, "surge": meta})
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else {
                for c in &commits {
                    let meta: Vec<String> = c.metadata.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    println!("{:>5}  {}  {:<10} {}", c.version, when(c), c.operation, meta.join(" "));
                }
            }
            Ok(Outcome::Success)
        }
        LakeCommand::Facts { data_dir, database_url, days, format } => {
            let facts = crate::runtime()?.block_on(read_facts(&data_dir, database_url, days))?;
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
                        surge_lake::csv_field(&f.place),
                        surge_lake::csv_field(&f.outcome),
                        f.count
                    );
                }
            }
            Ok(Outcome::Success)
        }
        LakeCommand::Check { source, file, mapping, limit, format } => {
            // Sources whose licence asks for credit say so wherever their data goes.
            let attribution = Source::parse(&source).map(|s| s.attribution());
            let import = std::sync::Arc::new(read_source(&source, &file, mapping)?);
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
        "source_measures": import.measures.value_count(),
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
        "{} rows read: {} daily rows for {} places (regions or their areas), {} to {}; {} source measures; {} rejected; {} findings",
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
