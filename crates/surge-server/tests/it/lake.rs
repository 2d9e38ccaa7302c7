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
