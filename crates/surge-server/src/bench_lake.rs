//! `surge bench lake`: synthetic rows in OWID's schema (`owid-covid-data.csv` with tests, positivity and
//! population) imported into a fresh lake as `surge lake import owid` does: the file read and checked, its rows
//! folded into `daily_cases` and its measures into `owid_measures`, lineage recorded. It reports rows/s from bytes
//! to committed tables, beside the raw rate of writing the same rows to one Parquet file measured in the same run,
//! then times each of the dashboard's queries on the result.

use std::fmt::Write as _;
use std::time::Instant;

use anyhow::Context;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use surge_lake::Source;
use surge_lake_delta::{Lake, QueryTimes};
use time::macros::date;

use crate::Outcome;

/// Days per region; regions are as many as the rows need.
const DAYS: usize = 1_000;

/// An OWID-shaped CSV of `rows` rows: regions `X0000`…, 1,000 days each from 2020-01-22, cumulative counts that
/// grow by random daily counts, tests and positivity on most days, and each region's population.
pub fn synthetic_owid(rows: usize, seed: u64) -> Vec<u8> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut out = String::with_capacity(rows * 96);
    out.push_str(
        "iso_code,continent,location,date,total_cases,new_cases,total_deaths,new_deaths,new_tests,positive_rate,population\n",
    );
    let start = date!(2020 - 01 - 22);
    let regions = rows.div_ceil(DAYS);
    let mut written = 0;
    for r in 0..regions {
        let population: u64 = rng.gen_range(100_000..100_000_000);
        let (mut cases, mut deaths) = (0u64, 0u64);
        for d in 0..DAYS.min(rows - written) {
            let new_cases: u64 = rng.gen_range(0..2_000);
            let new_deaths: u64 = new_cases / rng.gen_range(40..200);
            cases += new_cases;
            deaths += new_deaths;
            let day = start + time::Duration::days(d as i64);
            let _ = write!(out, "X{r:04},Synthetic,Region {r},{day},{cases},{new_cases},{deaths},{new_deaths},");
            if d % 7 != 6 {
                let tests = new_cases * rng.gen_range(8..40) + 1;
                let _ = write!(out, "{tests},{:.4}", new_cases as f64 / tests as f64);
            } else {
                out.push(',');
            }
            let _ = writeln!(out, ",{population}");
            written += 1;
        }
    }
    out.into_bytes()
}

pub async fn run(rows: usize) -> anyhow::Result<Outcome> {
    anyhow::ensure!(rows > 0, "--rows must be at least 1");
    let dir = tempfile::tempdir().context("making a scratch directory")?;
    let started = Instant::now();
    let bytes = synthetic_owid(rows, 7);
    println!(
        "generated {rows} OWID rows ({:.0} MB) in {:.1} s",
        bytes.len() as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    let lake = Lake::open(&dir.path().join("lake").to_string_lossy())?;
    let today = crate::now().date();

    let started = Instant::now();
    let import = surge_lake::import(&Source::Owid, "owid-covid-data.csv", &bytes, today)?;
    let read_s = started.elapsed().as_secs_f64();
    drop(bytes);
    let stored = lake.import(&import, crate::now()).await?;
    let ingest_s = started.elapsed().as_secs_f64();
    let rows_per_s = rows as f64 / ingest_s;
    anyhow::ensure!(
        stored.source_rows == rows && import.rejected.is_empty(),
        "the bench's own rows were not all taken: {} stored, {} rejected",
        stored.source_rows,
        import.rejected.len()
    );
    println!(
        "ingest: {rows} rows ({} measure values in {} rows) in {ingest_s:.2} s = {rows_per_s:.0} rows/s (reading and \
         checks {read_s:.2} s, Delta writes {:.2} s)",
        import.measures.value_count(),
        import.measures.len(),
        ingest_s - read_s
    );

    // The baseline: the same daily rows, already in memory, written to one Parquet file with no Delta log.
    let parquet = dir.path().join("raw.parquet");
    let started = Instant::now();
    surge_lake_delta::write_parquet(&parquet, &import.rows)?;
    let raw_s = started.elapsed().as_secs_f64();
    let raw_parquet_rows_per_s = rows as f64 / raw_s;
    println!("raw Parquet write of the same rows: {raw_s:.2} s = {raw_parquet_rows_per_s:.0} rows/s");
    drop(import);

    // The dashboard's queries, twice: the first run reads the files cold from the page cache's point of view.
    let (mut worst, mut situation_ms) = (0.0f64, 0.0f64);
    for round in ["first", "second"] {
        let mut times = QueryTimes::default();
        let situation = lake.situation(None, 180, &mut times).await?.context("the lake shows no situation")?;
        let listed: Vec<String> =
            times.queries.iter().map(|(name, took)| format!("{name} {:.1} ms", took.as_secs_f64() * 1e3)).collect();
        println!("dashboard queries ({round} run, {} regions): {}", situation.regions.len(), listed.join(", "));
        let steps: Vec<String> =
            times.steps.iter().map(|(name, took)| format!("{name} {:.1} ms", took.as_secs_f64() * 1e3)).collect();
        println!("  and the steps between them: {}", steps.join(", "));
        let total = times.total().as_secs_f64() * 1e3;
        println!("  the whole situation ({round} run): {total:.1} ms");
        worst = worst.max(times.max().as_secs_f64() * 1e3);
        situation_ms = situation_ms.max(total);
        if round == "second" {
            let dashboard = surge_web::Dashboard::default();
            let started = Instant::now();
            let pages = dashboard.publish(Some(&situation), &Default::default(), crate::now());
            println!(
                "rendered {pages} dashboard pages and data files in {:.0} ms",
                started.elapsed().as_secs_f64() * 1e3
            );
        }
    }
    println!(
        "{}",
        json!({
            "bench": "lake",
            "rows_per_s": rows_per_s.round(),
            "raw_parquet_rows_per_s": raw_parquet_rows_per_s.round(),
            "max_query_ms": (worst * 10.0).round() / 10.0,
            "situation_ms": (situation_ms * 10.0).round() / 10.0,
            "rows": rows,
            "ingest_s": (ingest_s * 100.0).round() / 100.0,
        })
    );
    Ok(Outcome::Success)
}
