//! The lake on an S3-compatible store: moto's S3 server on 127.0.0.1 (from the test venv that `cargo xtask test`
//! makes) holds the tables; imports, versions, history and SQL work as on a directory, the objects are in the
//! bucket, and a writer that lost a race for a version commits the next one instead of overwriting it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests fail by panicking")]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use deltalake::DeltaTableBuilder;
use deltalake::arrow::array::{ArrayRef, RecordBatch, StringArray};
use deltalake::arrow::datatypes::{DataType, Field, Schema};
use deltalake::protocol::SaveMode;
use std::sync::Arc;
use surge_lake::Source;
use surge_lake_delta::{Lake, QueryLimits};
use time::macros::{date, datetime};

const BUCKET: &str = "surge-lake";

/// moto's server, stopped when dropped.
struct Moto {
    child: Child,
    port: u16,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One plain HTTP request to the server; moto does not check signatures, so bucket set-up needs no client.
fn http(port: u16, request: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

fn start_moto() -> Moto {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let python = std::env::var("SURGE_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let child = Command::new(&python)
        .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{python}: {e}"));
    let moto = Moto { child, port };
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "moto's S3 server did not start (run .ci/run, or pip install 'moto[server]')"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let created = http(
        port,
        &format!("PUT /{BUCKET} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
    );
    assert!(created.starts_with("HTTP/1.1 200"), "{created}");
    moto
}

fn options(port: u16) -> HashMap<String, String> {
    [
        ("aws_endpoint", format!("http://127.0.0.1:{port}")),
        ("aws_allow_http", "true".to_owned()),
        ("aws_region", "us-east-1".to_owned()),
        ("aws_access_key_id", "test".to_owned()),
        ("aws_secret_access_key", "test".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

fn sample(name: &str) -> Vec<u8> {
    let path = format!("{}/../surge-lake/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lake_works_the_same_in_an_s3_bucket() {
    let moto = start_moto();
    let lake = Lake::open_with(&format!("s3://{BUCKET}/lake"), options(moto.port)).unwrap();
    assert!(lake.table_names().await.unwrap().is_empty());

    let today = date!(2026 - 11 - 27);
    let who = sample("who_WHO-COVID-19-global-data__2020-07_head300.csv");
    let first = Arc::new(surge_lake::import(&Source::Who, "WHO-COVID-19-global-data.csv", &who, today).unwrap());
    let report = lake.import(&first, datetime!(2026-11-27 09:00 UTC)).await.unwrap();
    assert_eq!((report.daily_cases_version, report.source_rows), (0, first.rows.len()));
    // WHO revises Afghanistan's first day: a new version, the old one still readable.
    let text = String::from_utf8(who).unwrap().replacen(
        "2020-02-24T00:00:00Z,AF,Afghanistan,EMRO,1,1,",
        "2020-02-24T00:00:00Z,AF,Afghanistan,EMRO,3,3,",
        1,
    );
    let revised =
        Arc::new(surge_lake::import(&Source::Who, "WHO-COVID-19-global-data.csv", text.as_bytes(), today).unwrap());
    assert_eq!(lake.import(&revised, datetime!(2026-11-28 09:00 UTC)).await.unwrap().daily_cases_version, 1);

    let sql = "SELECT new_confirmed FROM daily_cases WHERE region = 'AF' AND date = DATE '2020-02-24'";
    let now = lake.sql(sql, QueryLimits::default(), &[]).await.unwrap();
    let then = lake.sql(sql, QueryLimits::default(), &[("daily_cases".to_owned(), 0)]).await.unwrap();
    let value = |r: &surge_lake_delta::QueryResult| String::from_utf8(r.to_csv().unwrap()).unwrap();
    assert_eq!((value(&now), value(&then)), ("new_confirmed\n3\n".to_owned(), "new_confirmed\n1\n".to_owned()));
    assert_eq!(lake.table_names().await.unwrap(), ["daily_cases", "ingests"]);
    let history = lake.history("daily_cases").await.unwrap();
    assert_eq!(history.len(), 2);
    assert!(history[0].metadata.iter().any(|(k, v)| k == "file_name" && v == "WHO-COVID-19-global-data.csv"));

    // The commits are objects in the bucket, not files on this machine.
    let listing = http(
        moto.port,
        &format!(
            "GET /{BUCKET}?list-type=2&prefix=lake/daily_cases/_delta_log/ HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\
             Connection: close\r\n\r\n",
            moto.port
        ),
    );
    for version in ["00000000000000000000.json", "00000000000000000001.json"] {
        assert!(listing.contains(&format!("lake/daily_cases/_delta_log/{version}")), "{listing}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_that_lost_the_race_for_a_version_commits_the_next() {
    let moto = start_moto();
    // Opening the lake makes s3:// known to deltalake.
    let _lake = Lake::open_with(&format!("s3://{BUCKET}/race"), options(moto.port)).unwrap();
    let url = url::Url::parse(&format!("s3://{BUCKET}/race/notes/")).unwrap();
    let schema = Arc::new(Schema::new(vec![Field::new("note", DataType::Utf8, false)]));
    let batch = |text: &str| {
        RecordBatch::try_new(schema.clone(), vec![Arc::new(StringArray::from(vec![text])) as ArrayRef]).unwrap()
    };
    let open = || async {
        DeltaTableBuilder::from_url(url.clone()).unwrap().with_storage_options(options(moto.port)).load().await.unwrap()
    };
    let table =
        DeltaTableBuilder::from_url(url.clone()).unwrap().with_storage_options(options(moto.port)).build().unwrap();
    table.write(vec![batch("first")]).await.unwrap();

    // Two writers read version 0; one commits version 1, then the other, still at 0, tries version 1 too.
    let (a, b) = (open().await, open().await);
    let a = a.write(vec![batch("a")]).with_save_mode(SaveMode::Append).await.unwrap();
    let b = b.write(vec![batch("b")]).with_save_mode(SaveMode::Append).await.unwrap();
    assert_eq!((a.version(), b.version()), (Some(1), Some(2)), "put-if-absent made the second writer take version 2");

    let ctx = deltalake::datafusion::prelude::SessionContext::new();
    let latest = open().await;
    latest.update_datafusion_session(&ctx.state()).unwrap();
    ctx.register_table("notes", latest.table_provider().await.unwrap()).unwrap();
    let rows = ctx.sql("SELECT note FROM notes ORDER BY note").await.unwrap().collect().await.unwrap();
    let notes: Vec<String> = rows
        .iter()
        .flat_map(|b| {
            let column = deltalake::arrow::compute::cast(b.column(0), &DataType::Utf8).unwrap();
            let strings = column.as_any().downcast_ref::<StringArray>().unwrap();
            strings.iter().flatten().map(str::to_owned).collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(notes, ["a", "b", "first"], "neither writer's rows were lost");
}
