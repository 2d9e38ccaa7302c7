//! `surge bench lake`: synthetic rows in OWID's schema (`owid-covid-data.csv` with tests, positivity and
//! population) written to a file and imported into a fresh lake by `surge lake import owid` in a child process (the
//! file read and checked, its rows folded into `daily_cases` and its measures into `owid_measures`, lineage
//! recorded), beside DuckDB converting the same file to Parquet in a child process of its own, run after run: rows/s
//! and peak memory of each whole process. Then the raw rate of writing the rows to one Parquet file, and the
//! dashboard's queries on the lake beside the same queries asked of DuckDB over the same Parquet files.

use std::fmt::Write as _;
use std::io::Read as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value as Json, json};
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

/// The DuckDB side of the bench, run by the Python that `cargo xtask test` sets up (PyPI's `duckdb`).
const PEER: &str = include_str!("bench_lake_duckdb.py");

/// The measures the dashboard reads from a source's measures table (surge-lake-delta's `Measure`).
const DASHBOARD_MEASURES: &str = "population,new_tests,positive_rate";

/// The dashboard's window (`lake.dashboard_days`' default).
const WINDOW_DAYS: u32 = 180;

/// A child process's run: its wall time, its peak resident memory and what it printed.
struct Measured {
    seconds: f64,
    /// The kernel's high-water mark (`VmHWM`), read every few milliseconds while the process runs: growth in its
    /// last milliseconds may be missed. `None` where `/proc` has no such figure.
    peak_mb: Option<f64>,
    stdout: Vec<u8>,
}

/// Runs a command to its end, watching its memory; a failure is an error with what it wrote to stderr.
fn measured(command: &mut Command) -> anyhow::Result<Measured> {
    let started = Instant::now();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {:?}", command.get_program()))?;
    // Both pipes are drained on threads of their own, so a chatty child never blocks on a full pipe.
    let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = drain(child.stdout.take().map(|p| Box::new(p) as Box<dyn std::io::Read + Send>));
    let stderr = drain(child.stderr.take().map(|p| Box::new(p) as Box<dyn std::io::Read + Send>));
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kb: Option<u64> = None;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if let Some(kb) = std::fs::read_to_string(&status_file).ok().as_deref().and_then(high_water_kb) {
            peak_kb = Some(peak_kb.unwrap_or(0).max(kb));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let seconds = started.elapsed().as_secs_f64();
    let (stdout, stderr) = (stdout.join().unwrap_or_default(), stderr.join().unwrap_or_default());
    if !status.success() {
        bail!("{:?} failed ({status}): {}", command.get_program(), String::from_utf8_lossy(&stderr).trim());
    }
    Ok(Measured { seconds, peak_mb: peak_kb.map(|kb| kb as f64 / 1024.0), stdout })
}

/// `VmHWM:   123456 kB` from a `/proc/PID/status`.
fn high_water_kb(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The Python to run DuckDB with: `--python`, else `SURGE_PYTHON`, else the environment `cargo xtask test` makes,
/// else `python3`; `None` (with why) when it cannot import duckdb.
fn duckdb_python(given: Option<PathBuf>) -> Result<PathBuf, String> {
    let python = given
        .or_else(|| std::env::var_os("SURGE_PYTHON").map(PathBuf::from))
        .or_else(|| {
            let venv = PathBuf::from(std::env::var_os("HOME")?).join(".cache/surge/venv/bin/python");
            venv.is_file().then_some(venv)
        })
        .unwrap_or_else(|| PathBuf::from("python3"));
    match Command::new(&python).args(["-c", "import duckdb"]).output() {
        Ok(out) if out.status.success() => Ok(python),
        Ok(_) => {
            Err(format!("{} cannot import duckdb (pip install duckdb, or run cargo xtask test once)", python.display()))
        }
        Err(e) => Err(format!("{}: {e}", python.display())),
    }
}

/// Minimum, median and maximum.
fn spread(values: &[f64]) -> [f64; 3] {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.as_slice() {
        [] => [f64::NAN; 3],
        s => [s[0], s[s.len() / 2], s[s.len() - 1]],
    }
}

fn rounded(values: [f64; 3], places: i32) -> Json {
    let scale = 10f64.powi(places);
    json!(values.map(|v| (v * scale).round() / scale))
}

fn megabytes(peak: Option<f64>) -> String {
    peak.map_or_else(|| "unknown".to_owned(), |mb| format!("{mb:.0} MB"))
}

pub async fn run(rows: usize, runs: usize, python: Option<PathBuf>) -> anyhow::Result<Outcome> {
    anyhow::ensure!(rows > 0, "--rows must be at least 1");
    anyhow::ensure!(runs > 0, "--runs must be at least 1");
    let dir = tempfile::tempdir().context("making a scratch directory")?;
    let started = Instant::now();
    let bytes = synthetic_owid(rows, 7);
    let csv = dir.path().join("owid-covid-data.csv");
    std::fs::write(&csv, &bytes).context("writing the bench's CSV")?;
    println!(
        "generated {rows} OWID rows ({:.0} MB) in {:.1} s: {}",
        bytes.len() as f64 / 1e6,
        started.elapsed().as_secs_f64(),
        csv.display()
    );
    let python = duckdb_python(python);
    if let Err(why) = &python {
        println!("no DuckDB peer: {why}");
    }
    let surge = std::env::current_exe().context("finding this surge binary")?;

    // Whole processes, Surge and DuckDB in turn, so that both meet the same load on a shared machine.
    let (mut surge_rates, mut surge_peaks) = (Vec::new(), Vec::new());
    let (mut duck_rates, mut duck_peaks, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    let lake_dir = dir.path().join("lake");
    for run in 1..=runs {
        // Each run imports into an empty lake: a source's first import, as the figures are meant to be.
        let _ = std::fs::remove_dir_all(&lake_dir);
        let import = measured(
            Command::new(&surge)
                .args(["lake", "import", "owid"])
                .arg(&csv)
                .arg("--lake")
                .arg(&lake_dir)
                .args(["--format", "json"]),
        )?;
        let report: Json = serde_json::from_slice(&import.stdout).context("surge lake import's report is not JSON")?;
        anyhow::ensure!(
            report["source_rows"].as_u64() == Some(rows as u64) && report["rejected"].as_u64().unwrap_or(0) == 0,
            "the bench's own rows were not all taken: {report}"
        );
        let rate = rows as f64 / import.seconds;
        surge_rates.push(rate);
        surge_peaks.extend(import.peak_mb);
        let mut line = format!(
            "run {run}: surge lake import {:.2} s = {rate:.0} rows/s, peak {}",
            import.seconds,
            megabytes(import.peak_mb)
        );
        if let Ok(python) = &python {
            let parquet = dir.path().join("duckdb.parquet");
            let peer = measured(Command::new(python).args(["-c", PEER, "convert"]).arg(&csv).arg(&parquet))?;
            let _ = std::fs::remove_file(&parquet);
            let said: Json = serde_json::from_slice(&peer.stdout).context("the DuckDB peer's output is not JSON")?;
            anyhow::ensure!(said["rows"].as_u64() == Some(rows as u64), "DuckDB read other rows: {said}");
            let peer_rate = rows as f64 / peer.seconds;
            duck_rates.push(peer_rate);
            duck_peaks.extend(peer.peak_mb);
            ratios.push(rate / peer_rate);
            let _ = write!(
                line,
                "; DuckDB CSV to Parquet {:.2} s = {peer_rate:.0} rows/s, peak {}; ratio {:.2}",
                peer.seconds,
                megabytes(peer.peak_mb),
                rate / peer_rate
            );
        }
        println!("{line}");
    }

    // The baseline: the same daily rows, read in this process, written to one Parquet file with no Delta log.
    let today = crate::now().date();
    let read_started = Instant::now();
    let import = surge_lake::import(&Source::Owid, "owid-covid-data.csv", &bytes, today)?;
    let read_s = read_started.elapsed().as_secs_f64();
    drop(bytes);
    println!(
        "reading and checks alone, in memory: {read_s:.2} s = {:.0} rows/s ({} measure values in {} rows)",
        rows as f64 / read_s,
        import.measures.value_count(),
        import.measures.len()
    );
    let parquet = dir.path().join("raw.parquet");
    let raw_started = Instant::now();
    surge_lake_delta::write_parquet(&parquet, &import.rows)?;
    let raw_s = raw_started.elapsed().as_secs_f64();
    let raw_parquet_rows_per_s = rows as f64 / raw_s;
    println!("raw Parquet write of the same rows: {raw_s:.2} s = {raw_parquet_rows_per_s:.0} rows/s");
    drop(import);

    // The dashboard's queries, twice: the first run reads the files cold from the page cache's point of view.
    let lake = Lake::open(&lake_dir.to_string_lossy())?;
    let (mut worst, mut situation_ms) = (0.0f64, 0.0f64);
    let mut second: Vec<(&'static str, f64)> = Vec::new();
    for round in ["first", "second"] {
        let mut times = QueryTimes::default();
        let situation = lake.situation(None, WINDOW_DAYS, &mut times).await?.context("the lake shows no situation")?;
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
            second = times.queries.iter().map(|(name, took)| (*name, took.as_secs_f64() * 1e3)).collect();
            let dashboard = surge_web::Dashboard::default();
            let started = Instant::now();
            let pages = dashboard.publish(Some(&situation), &Default::default(), crate::now());
            println!(
                "rendered {pages} dashboard pages and data files in {:.0} ms",
                started.elapsed().as_secs_f64() * 1e3
            );
        }
    }

    // The same queries asked of DuckDB over the same files, second runs compared with second runs.
    let mut compared = serde_json::Map::new();
    let mut query_ratio: Option<f64> = None;
    if let Ok(python) = &python {
        let last_day = date!(2020 - 01 - 22) + time::Duration::days(DAYS.min(rows) as i64 - 1);
        let since = last_day - time::Duration::days(i64::from(WINDOW_DAYS) - 1);
        let peer = measured(Command::new(python).args(["-c", PEER, "queries"]).arg(&lake_dir).args([
            "owid",
            &since.to_string(),
            DASHBOARD_MEASURES,
        ]))?;
        let said: Json = serde_json::from_slice(&peer.stdout).context("the DuckDB peer's output is not JSON")?;
        for (name, ms) in &second {
            let Some(duck) = said["queries"][*name].as_array().and_then(|t| t.last()).and_then(Json::as_f64) else {
                continue;
            };
            let ratio = ms / duck;
            println!("  {name}: Surge {ms:.1} ms, DuckDB {duck:.1} ms over the same files ({ratio:.2}× DuckDB's time)");
            query_ratio = Some(query_ratio.map_or(ratio, |r: f64| r.max(ratio)));
            compared.insert(
                (*name).to_owned(),
                json!({"ms": (ms * 10.0).round() / 10.0, "duckdb_ms": (duck * 10.0).round() / 10.0}),
            );
        }
    }

    let [_, rows_per_s, _] = spread(&surge_rates);
    let duckdb = (!duck_rates.is_empty()).then(|| spread(&duck_rates));
    let ratio = (!ratios.is_empty()).then(|| spread(&ratios));
    let peak = (!surge_peaks.is_empty()).then(|| spread(&surge_peaks));
    let duck_peak = (!duck_peaks.is_empty()).then(|| spread(&duck_peaks));
    println!(
        "over {runs} runs (min/median/max): surge {} rows/s, peak {} MB; DuckDB {} rows/s, peak {} MB; ratio {}",
        triple(Some(spread(&surge_rates)), 0),
        triple(peak, 0),
        triple(duckdb, 0),
        triple(duck_peak, 0),
        triple(ratio, 2)
    );
    println!(
        "{}",
        json!({
            "bench": "lake",
            "rows_per_s": rows_per_s.round(),
            "duckdb_rows_per_s": duckdb.map(|d| d[1].round()),
            "ratio_to_duckdb": ratio.map(|r| (r[1] * 100.0).round() / 100.0),
            "peak_rss_mb": peak.map(|p| p[1].round()),
            "duckdb_peak_rss_mb": duck_peak.map(|p| p[1].round()),
            "raw_parquet_rows_per_s": raw_parquet_rows_per_s.round(),
            "max_query_ms": (worst * 10.0).round() / 10.0,
            "situation_ms": (situation_ms * 10.0).round() / 10.0,
            "query_ratio_to_duckdb": query_ratio.map(|r| (r * 100.0).round() / 100.0),
            "queries": compared,
            "runs": {
                "rows_per_s": rounded(spread(&surge_rates), 0),
                "duckdb_rows_per_s": duckdb.map(|d| rounded(d, 0)),
                "ratio_to_duckdb": ratio.map(|r| rounded(r, 2)),
                "peak_rss_mb": peak.map(|p| rounded(p, 0)),
            },
            "rows": rows,
        })
    );
    Ok(Outcome::Success)
}

fn triple(values: Option<[f64; 3]>, places: usize) -> String {
    values.map_or_else(|| "-".to_owned(), |v| v.map(|x| format!("{x:.places$}")).join("/"))
}
