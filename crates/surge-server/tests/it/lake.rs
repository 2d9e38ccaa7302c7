//! `surge lake check`: a source file read as an import would, its figures as JSON, and clear refusals (exit 2)
//! for an unknown source, a missing mapping and a file of the wrong kind.

use serde_json::Value;

use crate::surge;

fn data(name: &str) -> String {
    format!("{}/../surge-lake/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn lake_check_reports_rows_rejections_and_findings() {
    let dir = tempfile::tempdir().unwrap();
    let file = data("jhu_time_series_covid19_confirmed_global__2021-01-08.csv");
    let out = surge(dir.path(), &["lake", "check", "jhu-timeseries", &file, "--format", "json", "--limit", "2"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((report["rows_read"].as_u64(), report["rows"].as_u64()), (Some(272), Some(272 * 353)));
    assert_eq!((report["first_date"].as_str(), report["last_date"].as_str()), (Some("2020-01-22"), Some("2021-01-08")));
    assert_eq!(report["findings_total"], 106);
    assert_eq!(report["findings"].as_array().unwrap().len(), 2, "--limit");
    assert_eq!(report["findings"][0]["kind"], "negative_daily");
    assert_eq!(report["attribution"], "JHU CSSE COVID-19 Data (CC BY 4.0)");

    let mapping = dir.path().join("busan.toml");
    std::fs::write(
        &mapping,
        "source = \"busan\"\ndate_column = \"d\"\nregion = \"KR-26\"\n[measures]\nnew_confirmed = \"n\"\n",
    )
    .unwrap();
    let feed = dir.path().join("busan.csv");
    std::fs::write(&feed, "d,n\n2021-03-01,4\n2021-03-02,x\n").unwrap();
    let out = surge(
        dir.path(),
        &["lake", "check", "csv", feed.to_str().unwrap(), "--mapping", mapping.to_str().unwrap(), "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((report["rows"].as_u64(), report["rejected"].as_u64()), (Some(1), Some(1)));
    assert_eq!(report["rejections"][0]["line"], 3);

    for (args, says) in [
        (vec!["lake", "check", "jhu", file.as_str()], "unknown source"),
        (vec!["lake", "check", "csv", file.as_str()], "--mapping"),
        (
            vec!["lake", "check", "owid", &data("owid_owid-covid-latest__2021-01_stored-version_selected-rows.csv")],
            "no \"date\" column",
        ),
    ] {
        let out = surge(dir.path(), &args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}

#[test]
fn lake_facts_counts_the_platforms_own_events_and_names_no_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = surge(dir.path(), &["lake", "facts", "--data-dir", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "no database yet");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no database"));

    let server = crate::serve::start_env(dir.path(), "127.0.0.1:0", &[], &[]);
    let admin = server.admin_key.clone().unwrap();
    let registration = serde_json::json!({"specimen_id": "S-5", "family": "Kim", "given": "Minji", "birth_date": "1990-01-02", "phone": "+821032000005"});
    let (status, _) = crate::serve::http(
        &server.addr,
        "POST",
        "/api/v1/results/registrations",
        None,
        "application/json",
        &registration.to_string(),
    );
    assert_eq!(status, 201);
    let csv = "lab,filler_order,specimen_id,test_code,result,status,family,given,birth_date,collected_at\n\
        Busan Lab,F-5,S-5,94500-6,260415000,F,Kim,Minji,1990-01-02,2026-03-01\n\
        Busan Lab,F-6,S-6,94500-6,260373001,F,Lee,Ara,1991-01-02,2026-03-01\n";
    let (status, body) = crate::serve::http(&server.addr, "POST", "/api/v1/results/csv", Some(&admin), "text/csv", csv);
    assert_eq!(status, 200, "{body}");

    let out = surge(dir.path(), &["lake", "facts", "--data-dir", dir.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let facts: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results: Vec<(&str, u64)> = facts
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["fact"] == "results")
        .map(|f| (f["outcome"].as_str().unwrap(), f["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(results, [("queued", 1), ("texted", 1)]);
    assert!(facts.as_array().unwrap().iter().any(|f| f["fact"] == "sms" && f["place"] == "result_negative"));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("+8210") && !text.contains("Minji") && !text.contains("S-5"), "no person: {text}");
    let out = surge(dir.path(), &["lake", "facts", "--data-dir", dir.path().to_str().unwrap()]);
    let csv = String::from_utf8_lossy(&out.stdout);
    assert!(csv.starts_with("fact,from,seconds,place,outcome,count\n"), "{csv}");
    assert!(csv.lines().any(|l| l.starts_with("results,") && l.ends_with(",texted,1")), "{csv}");
}

fn json_out(out: &std::process::Output) -> Value {
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn lake_import_makes_versions_that_sql_tables_and_history_show() {
    let dir = tempfile::tempdir().unwrap();
    let who = data("who_WHO-COVID-19-global-data__2020-07_head300.csv");
    let report = json_out(&surge(dir.path(), &["lake", "import", "who", &who, "--format", "json"]));
    assert_eq!((report["daily_cases_version"].as_u64(), report["rows"].as_u64()), (Some(0), Some(300)));
    assert_eq!(report["attribution"], "WHO COVID-19 global data (attribution required)");

    // WHO revises Afghanistan's first day; the import is a new version and the first stays readable.
    let revised = dir.path().join("WHO-COVID-19-global-data.csv");
    let text = std::fs::read_to_string(&who).unwrap().replacen(
        "2020-02-24T00:00:00Z,AF,Afghanistan,EMRO,1,1,0,0",
        "2020-02-24T00:00:00Z,AF,Afghanistan,EMRO,3,3,0,0",
        1,
    );
    std::fs::write(&revised, text).unwrap();
    let report =
        json_out(&surge(dir.path(), &["lake", "import", "who", revised.to_str().unwrap(), "--format", "json"]));
    assert_eq!(report["daily_cases_version"], 1);

    let sql = "SELECT new_confirmed FROM daily_cases WHERE region = 'AF' AND date = DATE '2020-02-24'";
    let now = json_out(&surge(dir.path(), &["lake", "sql", sql, "--format", "json"]));
    let then = json_out(&surge(dir.path(), &["lake", "sql", sql, "--format", "json", "--version", "daily_cases=0"]));
    assert_eq!((now[0]["new_confirmed"].as_i64(), then[0]["new_confirmed"].as_i64()), (Some(3), Some(1)));
    let csv = surge(
        dir.path(),
        &["lake", "sql", "SELECT source, count(*) AS n FROM daily_cases GROUP BY source", "--format", "csv"],
    );
    assert_eq!(String::from_utf8_lossy(&csv.stdout), "source,n\nwho,300\n");
    let table = surge(dir.path(), &["lake", "sql", "SELECT count(*) AS n FROM ingests"]);
    assert!(String::from_utf8_lossy(&table.stdout).contains("| 2 "), "{}", String::from_utf8_lossy(&table.stdout));

    let refused = surge(dir.path(), &["lake", "sql", "DELETE FROM daily_cases"]);
    assert_eq!(refused.status.code(), Some(2));
    let refused = surge(dir.path(), &["lake", "sql", "INSERT INTO ingests SELECT * FROM ingests"]);
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("only SELECT"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    let tables = json_out(&surge(dir.path(), &["lake", "tables", "--format", "json"]));
    let version =
        |name: &str| tables.as_array().unwrap().iter().find(|t| t["table"] == name).map(|t| t["version"].clone());
    assert_eq!((version("daily_cases"), version("ingests")), (Some(1.into()), Some(1.into())));
    let history = json_out(&surge(dir.path(), &["lake", "history", "daily_cases", "--format", "json"]));
    assert_eq!(history.as_array().unwrap().len(), 2);
    assert_eq!(history[0]["version"], 1);
    assert_eq!(history[0]["surge"]["file_name"], "WHO-COVID-19-global-data.csv");
    assert_eq!(history[1]["surge"]["file_name"], "who_WHO-COVID-19-global-data__2020-07_head300.csv");
    let unknown = surge(dir.path(), &["lake", "history", "nothing"]);
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn duckdb_reads_a_table_surge_wrote_and_gets_the_same_totals() {
    let dir = tempfile::tempdir().unwrap();
    for (source, file) in [
        ("who", "who_WHO-COVID-19-global-data__2020-07_head300.csv"),
        ("jhu-timeseries", "jhu_time_series_covid19_confirmed_global__2021-01-08.csv"),
        ("owid", "owid_owid-covid-data__2020-05_stored-version_head.csv"),
        // Imported twice: the second replaces the first's files, which stay on disk for older versions.
        ("who", "who_WHO-COVID-19-global-data__2020-07_head300.csv"),
    ] {
        json_out(&surge(dir.path(), &["lake", "import", source, &data(file), "--format", "json"]));
    }
    let ours = json_out(&surge(
        dir.path(),
        &[
            "lake",
            "sql",
            "SELECT source, count(*) AS rows, sum(new_confirmed) AS new_confirmed, max(cumulative_deaths) AS \
             cumulative_deaths_max FROM daily_cases GROUP BY source ORDER BY source",
            "--format",
            "json",
        ],
    ));
    let python = std::env::var("SURGE_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/lake_duckdb.py");
    let out = std::process::Command::new(python)
        .args([script, dir.path().join("surge-data/lake/daily_cases").to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "duckdb (run .ci/run, or pip install duckdb): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(theirs.as_array().unwrap().len(), 3, "{theirs}");
    for (a, b) in ours.as_array().unwrap().iter().zip(theirs.as_array().unwrap()) {
        assert_eq!(a["source"], b["source"]);
        assert_eq!(a["rows"], b["rows"], "{a} / {b}");
        assert_eq!(a["new_confirmed"], b["new_confirmed"], "{a} / {b}");
        // JSON leaves out nulls (JHU's confirmed file has no deaths).
        assert_eq!(
            a.get("cumulative_deaths_max").cloned().unwrap_or(Value::Null),
            b["cumulative_deaths_max"],
            "{a} / {b}"
        );
    }
}

#[test]
fn the_lake_benchmark_puts_duckdb_beside_each_import_and_each_dashboard_query() {
    let dir = tempfile::tempdir().unwrap();
    let python = std::env::var("SURGE_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let out = surge(dir.path(), &["bench", "lake", "--rows", "2500", "--runs", "2", "--python", &python]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let last: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!((last["bench"].as_str(), last["rows"].as_u64()), (Some("lake"), Some(2500)), "{last}");
    for figure in ["rows_per_s", "duckdb_rows_per_s", "ratio_to_duckdb", "raw_parquet_rows_per_s", "max_query_ms"] {
        assert!(last[figure].as_f64().is_some_and(|v| v > 0.0), "{figure} in {last}");
    }
    // Peak memory is read from /proc, which this machine has: a whole process holds at least a megabyte.
    assert!(last["peak_rss_mb"].as_f64().is_some_and(|mb| mb >= 1.0), "{last}");
    assert!(last["duckdb_peak_rss_mb"].as_f64().is_some_and(|mb| mb >= 1.0), "{last}");
    assert_eq!(last["runs"]["ratio_to_duckdb"].as_array().map(Vec::len), Some(3), "min, median, max: {last}");
    assert_eq!(stdout.matches("; DuckDB CSV to Parquet").count(), 2, "{stdout}");
    // Both windows are asked of both engines over the same files.
    for query in ["window of daily cases", "window of measures"] {
        let asked = &last["queries"][query];
        assert!(asked["ms"].as_f64().is_some() && asked["duckdb_ms"].as_f64().is_some_and(|ms| ms > 0.0), "{last}");
    }

    let out = surge(dir.path(), &["bench", "lake", "--rows", "500", "--runs", "1", "--python", "/nowhere/python"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("no DuckDB peer: /nowhere/python"), "{stdout}");
    let last: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert!(last["duckdb_rows_per_s"].is_null() && last["ratio_to_duckdb"].is_null(), "{last}");
    assert!(last["rows_per_s"].as_f64().is_some_and(|v| v > 0.0), "{last}");
}
