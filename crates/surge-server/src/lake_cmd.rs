//! `surge lake`: situation data. `check` reads a source file as an import would (rows, rows rejected with their
//! lines and reasons, data-check findings, lineage) and stores nothing: a region tries a feed and its mapping
//! before the lake takes it.

use std::fs;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Subcommand;
use serde_json::json;
use surge_lake::{CsvMapping, Import, Source};

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
}

pub fn run(command: LakeCommand) -> anyhow::Result<Outcome> {
    match command {
        LakeCommand::Check { source, file, mapping, limit, format } => {
            if source != "csv" && Source::parse(&source).is_none() {
                bail!("unknown source {source:?}: use owid, jhu-timeseries, jhu-daily, who or csv");
            }
            let bytes = fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let name = file.to_string_lossy();
            let today = crate::now().date();
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
                println!("{}", serde_json::to_string_pretty(&report(&import, limit))?);
            } else {
                print_text(&import, limit);
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
