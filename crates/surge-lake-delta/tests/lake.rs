//! The lake on real sample files in a temporary directory: imports fold into `daily_cases` as new versions with
//! older versions still readable, lineage and findings are stored, and queries are read-only and bounded.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests fail by panicking")]

use std::sync::Arc;
use std::time::Duration;

use surge_lake::{Import, Source};
use surge_lake_delta::{Lake, LakeStoreError, PlatformFact, QueryLimits, store_platform_facts};
use time::macros::{date, datetime};
use time::{Date, OffsetDateTime};

const TODAY: Date = date!(2026 - 11 - 27);
const AT: OffsetDateTime = datetime!(2026-11-27 09:00 UTC);

fn sample(name: &str) -> Vec<u8> {
    let path = format!("{}/../surge-lake/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Shared, as the lake's writers take it.
fn read(source: Source, file_name: &str, bytes: &[u8]) -> Arc<Import> {
    Arc::new(surge_lake::import(&source, file_name, bytes, TODAY).unwrap())
}

async fn query(lake: &Lake, sql: &str) -> serde_json::Value {
    let result = lake.sql(sql, QueryLimits::default(), &[]).await.unwrap();
    serde_json::from_slice(&result.to_json().unwrap()).unwrap()
}

fn owid_sample() -> Arc<Import> {
    read(Source::Owid, "owid-covid-data.csv", &sample("owid_owid-covid-data__2020-05_stored-version_head.csv"))
}

fn who_sample() -> Arc<Import> {
    read(Source::Who, "WHO-COVID-19-global-data.csv", &sample("who_WHO-COVID-19-global-data__2020-07_head300.csv"))
}

const JHU_CONFIRMED: &str = "jhu_time_series_covid19_confirmed_global__2021-01-08.csv";

/// The JHU confirmed file with its header renamed to the deaths file and every count divided by 50.
fn jhu_deaths() -> Vec<u8> {
    let text = String::from_utf8(sample(JHU_CONFIRMED)).unwrap();
    let mut out = String::new();
    let days = text.lines().next().unwrap().split(',').count() - 4;
    for (i, line) in text.lines().enumerate() {
        if i == 0 {
            out.push_str(line);
        } else {
            // Province and country may be quoted with commas; the counts are the last fields, never quoted.
            let fields: Vec<&str> = line.rsplitn(days + 1, ',').collect();
            let (head, counts) = fields.split_last().unwrap();
            out.push_str(head);
            for c in counts.iter().rev() {
                out.push(',');
                out.push_str(&(c.parse::<i64>().unwrap() / 50).to_string());
            }
        }
        out.push('\n');
    }
    out.into_bytes()
}

#[tokio::test]
async fn jhu_confirmed_then_deaths_fill_one_row_each_and_each_import_is_a_version() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path().to_str().unwrap()).unwrap();
    let confirmed = read(Source::JhuTimeSeries, "time_series_covid19_confirmed_global.csv", &sample(JHU_CONFIRMED));
    let first = lake.import(&confirmed, AT).await.unwrap();
    assert_eq!((first.daily_cases_version, first.source_rows), (0, confirmed.rows.len()));

    let deaths = read(Source::JhuTimeSeries, "time_series_covid19_deaths_global.csv", &jhu_deaths());
    let second = lake.import(&deaths, AT + Duration::from_secs(60)).await.unwrap();
    assert_eq!((second.daily_cases_version, second.source_rows), (1, confirmed.rows.len()));

    // Germany on 2021-01-08: the confirmed file's counts kept, the deaths file's added beside them.
    let row = &query(
        &lake,
        "SELECT cumulative_confirmed, cumulative_deaths, new_confirmed, new_deaths FROM daily_cases \
         WHERE region = 'Germany' AND sub_region = '' AND date = DATE '2021-01-08'",
    )
    .await[0];
    let c = row["cumulative_confirmed"].as_i64().unwrap();
    assert_eq!(row["cumulative_deaths"].as_i64(), Some(c / 50));
    assert!(row["new_confirmed"].as_i64().unwrap() > 0 && row["new_deaths"].as_i64().is_some());

    // The first version has no deaths at all.
    let old = lake
        .sql(
            "SELECT count(cumulative_deaths) AS deaths, count(*) AS rows FROM daily_cases",
            QueryLimits::default(),
            &[("daily_cases".to_owned(), 0)],
        )
        .await
        .unwrap();
    let old: serde_json::Value = serde_json::from_slice(&old.to_json().unwrap()).unwrap();
    assert_eq!(old[0]["deaths"], 0);
    assert_eq!(old[0]["rows"].as_u64(), Some(confirmed.rows.len() as u64));

    let history = lake.history("daily_cases").await.unwrap();
    assert_eq!(history.iter().map(|c| c.version).collect::<Vec<_>>(), [1, 0]);
    let meta = |i: usize, key: &str| history[i].metadata.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    assert_eq!(meta(0, "file_name").as_deref(), Some("time_series_covid19_deaths_global.csv"));
    assert_eq!(meta(1, "sha256"), Some(confirmed.lineage.sha256.clone()));
    assert_eq!(meta(0, "ingest_id"), Some(second.ingest_id.clone()));

    let ingests =
        query(&lake, "SELECT ingest_id, file_name, daily_rows, findings FROM ingests ORDER BY imported_at").await;
    assert_eq!(ingests.as_array().unwrap().len(), 2);
    assert_eq!(ingests[0]["ingest_id"], first.ingest_id.as_str());
    assert_eq!(ingests[0]["daily_rows"].as_u64(), Some(confirmed.rows.len() as u64));
    let findings = query(&lake, "SELECT count(*) AS n FROM findings").await;
    assert_eq!(findings[0]["n"].as_u64(), Some((confirmed.findings.len() + deaths.findings.len()) as u64));
}

#[tokio::test]
async fn a_revised_file_makes_a_new_version_and_the_old_counts_stay_queryable() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path().to_str().unwrap()).unwrap();
    let name = "who_WHO-COVID-19-global-data__2020-07_head300.csv";
    let original = sample(name);
    lake.import(&read(Source::Who, "WHO-COVID-19-global-data.csv", &original), AT).await.unwrap();
    // WHO revises a past day: Afghanistan's first case becomes three.
    let revised = String::from_utf8(original).unwrap().replacen(
        "2020-02-24T00:00:00Z,AF,Afghanistan,EMRO,1,1,0,0",
        "2020-02-24T00:00:00Z,AF,Afghanistan,EMRO,3,3,0,0",
        1,
    );
    let import = read(Source::Who, "WHO-COVID-19-global-data.csv", revised.as_bytes());
    let report = lake.import(&import, AT + Duration::from_secs(3600)).await.unwrap();
    assert_eq!(report.daily_cases_version, 1);

    let sql =
        "SELECT new_confirmed FROM daily_cases WHERE source = 'who' AND region = 'AF' AND date = DATE '2020-02-24'";
    assert_eq!(query(&lake, sql).await[0]["new_confirmed"], 3);
    let old = lake.sql(sql, QueryLimits::default(), &[("daily_cases".to_owned(), 0)]).await.unwrap();
    let old: serde_json::Value = serde_json::from_slice(&old.to_json().unwrap()).unwrap();
    assert_eq!(old[0]["new_confirmed"], 1);
    // A version that never was is named as such.
    let err = lake.sql(sql, QueryLimits::default(), &[("daily_cases".to_owned(), 7)]).await.unwrap_err();
    assert_eq!(err.code(), "version_unknown", "{err}");
}

#[tokio::test]
async fn sources_keep_their_own_rows_and_owid_extras_their_own_table() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path().to_str().unwrap()).unwrap();
    let owid = owid_sample();
    let report = lake.import(&owid, AT).await.unwrap();
    let (table, _) = report.measures.clone().unwrap();
    assert_eq!(table, "owid_measures");
    let who = who_sample();
    lake.import(&who, AT + Duration::from_secs(1)).await.unwrap();
    // Importing OWID again replaces only OWID's rows, and its measures are not doubled.
    lake.import(&owid, AT + Duration::from_secs(2)).await.unwrap();

    let counts = query(&lake, "SELECT source, count(*) AS n FROM daily_cases GROUP BY source ORDER BY source").await;
    assert_eq!(counts[0]["source"], "owid");
    assert_eq!(counts[0]["n"].as_u64(), Some(owid.rows.len() as u64));
    assert_eq!(counts[1]["n"].as_u64(), Some(who.rows.len() as u64));
    let measures = query(&lake, "SELECT count(*) AS n, count(population) AS p FROM owid_measures").await;
    assert_eq!(measures[0]["n"].as_u64(), Some(owid.measures.len() as u64), "one row per place and day");
    assert_eq!(measures[0]["p"].as_u64(), Some(127));
    let tables = lake.tables().await.unwrap();
    let version = |name: &str| tables.iter().find(|t| t.name == name).map(|t| t.version);
    assert_eq!((version("daily_cases"), version("owid_measures"), version("ingests")), (Some(2), Some(1), Some(2)));
}

#[tokio::test]
async fn one_country_code_compares_the_same_country_across_sources() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path().to_str().unwrap()).unwrap();
    let owid = owid_sample();
    let who = who_sample();
    let jhu = read(Source::JhuTimeSeries, "time_series_covid19_confirmed_global.csv", &sample(JHU_CONFIRMED));
    for (i, import) in [&owid, &who, &jhu].into_iter().enumerate() {
        lake.import(import, AT + Duration::from_secs(i as u64)).await.unwrap();
    }
    // Afghanistan is AFG in OWID, AF in WHO and "Afghanistan" in JHU: one code finds it in all three.
    let rows = query(
        &lake,
        "SELECT source, min(region) AS region, count(*) AS days FROM daily_cases WHERE country = 'AFG' \
         GROUP BY source ORDER BY source",
    )
    .await;
    let found: Vec<(&str, &str)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["source"].as_str().unwrap(), r["region"].as_str().unwrap()))
        .collect();
    assert_eq!(found, [("jhu", "Afghanistan"), ("owid", "AFG"), ("who", "AF")]);
    let ships = query(&lake, "SELECT DISTINCT region FROM daily_cases WHERE country IS NULL ORDER BY region").await;
    assert_eq!(ships, serde_json::json!([{"region": "Diamond Princess"}, {"region": "MS Zaandam"}]));
}

#[tokio::test]
async fn a_lake_written_before_rows_had_a_country_gains_the_column() {
    use deltalake::arrow::array::{ArrayRef, Date32Array, Int64Array, RecordBatch, StringArray};
    use deltalake::arrow::datatypes::{DataType, Field, Schema};
    use std::sync::Arc;

    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path().to_str().unwrap()).unwrap();
    // daily_cases as the first release of the lake wrote it: no country column.
    let old = surge_lake_delta::daily_cases_schema();
    let fields: Vec<Field> =
        old.fields().iter().filter(|f| f.name() != "country").map(|f| f.as_ref().clone()).collect();
    let text = |v: &str| Arc::new(StringArray::from(vec![v])) as ArrayRef;
    let count = || Arc::new(Int64Array::from(vec![Some(1)])) as ArrayRef;
    let columns = vec![
        text("busan-health"),
        text("KR-26"),
        text(""),
        Arc::new(Date32Array::from(vec![18_700])) as ArrayRef,
        count(),
        count(),
        count(),
        count(),
        text("Busan"),
        text("old-ingest"),
    ];
    assert_eq!(fields.iter().map(Field::data_type).nth(3), Some(&DataType::Date32));
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap();
    std::fs::create_dir_all(dir.path().join("daily_cases")).unwrap();
    let url = url::Url::from_directory_path(dir.path().join("daily_cases").canonicalize().unwrap()).unwrap();
    let table = deltalake::DeltaTable::try_from_url(url).await.unwrap();
    table.write(vec![batch]).with_partition_columns(["source"]).await.unwrap();

    let who = who_sample();
    lake.import(&who, AT).await.unwrap();
    let rows = query(
        &lake,
        "SELECT source, count(*) AS n, count(country) AS with_country FROM daily_cases GROUP BY source ORDER BY source",
    )
    .await;
    assert_eq!(
        rows,
        serde_json::json!([
            {"source": "busan-health", "n": 1, "with_country": 0},
            {"source": "who", "n": who.rows.len(), "with_country": who.rows.len()},
        ])
    );
}

#[tokio::test]
async fn queries_are_read_only_and_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path().to_str().unwrap()).unwrap();
    let who = who_sample();
    lake.import(&who, AT).await.unwrap();
    for sql in [
        "INSERT INTO daily_cases SELECT * FROM daily_cases",
        "CREATE TABLE x AS SELECT 1",
        "COPY daily_cases TO '/tmp/out.csv'",
        "SET datafusion.execution.batch_size = 1",
        "DROP TABLE daily_cases",
    ] {
        let err = lake.sql(sql, QueryLimits::default(), &[]).await.unwrap_err();
        assert!(matches!(err, LakeStoreError::NotAQuery(_)), "{sql}: {err:?}");
    }
    let limits = QueryLimits { max_rows: 7, ..QueryLimits::default() };
    let cut = lake.sql("SELECT * FROM daily_cases", limits, &[]).await.unwrap();
    assert_eq!((cut.num_rows(), cut.truncated), (7, true));
    let csv = String::from_utf8(cut.to_csv().unwrap()).unwrap();
    let header = csv.lines().next().unwrap();
    assert!(header.contains("region,sub_region,date,new_confirmed") && header.contains("source"), "{header}");
    assert_eq!(csv.lines().count(), 8);

    let err = lake.sql("SELECT * FROM nowhere", QueryLimits::default(), &[]).await.unwrap_err();
    assert_eq!(err.code(), "query_invalid", "{err}");
    let slow = QueryLimits { timeout: Duration::from_millis(1), ..QueryLimits::default() };
    // 27 million row triples, each looked at: no statistic answers this.
    let big = "SELECT count(*) FROM daily_cases a, daily_cases b, daily_cases c \
               WHERE a.new_confirmed + b.new_confirmed + c.new_confirmed = -1";
    let err = lake.sql(big, slow, &[]).await.unwrap_err();
    assert_eq!(err.code(), "query_timeout", "{err}");
}

#[tokio::test]
async fn platform_facts_are_replaced_whole() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path().to_str().unwrap()).unwrap();
    let fact = |count| PlatformFact {
        fact: "passes_issued".into(),
        bucket: 1_790_000_000 / 86_400 * 86_400,
        seconds: 86_400,
        place: "KR-26".into(),
        outcome: String::new(),
        count,
    };
    assert_eq!(store_platform_facts(&lake, &[fact(3)]).await.unwrap(), 0);
    assert_eq!(store_platform_facts(&lake, &[fact(5)]).await.unwrap(), 1);
    let rows = query(&lake, "SELECT fact, place, count FROM platform_facts").await;
    assert_eq!(rows.as_array().unwrap().len(), 1);
    assert_eq!(rows[0]["count"], 5);
}

#[tokio::test]
async fn measures_kept_long_by_an_older_lake_are_read_and_made_wide_at_the_next_import() {
    use deltalake::arrow::array::{ArrayRef, Date32Array, Float64Array, RecordBatch, StringArray};
    use deltalake::arrow::datatypes::{DataType, Field, Schema};
    use deltalake::operations::write::SchemaMode;
    use deltalake::protocol::SaveMode;
    use std::sync::Arc;
    use surge_lake_delta::QueryTimes;

    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path().to_str().unwrap()).unwrap();
    let owid = owid_sample();
    lake.import(&owid, AT).await.unwrap();
    let last = owid.rows.iter().filter(|r| &*r.region == "ABW").map(|r| r.date).max().unwrap();
    let days = (last - date!(1970 - 01 - 01)).whole_days() as i32;

    // owid_measures as the lake kept it before measures were wide: one row per region, day and measure.
    let text = |v: [&str; 2]| Arc::new(StringArray::from(v.to_vec())) as ArrayRef;
    let schema = Schema::new(vec![
        Field::new("region", DataType::Utf8, false),
        Field::new("date", DataType::Date32, false),
        Field::new("measure", DataType::Utf8, false),
        Field::new("value", DataType::Float64, false),
        Field::new("ingest_id", DataType::Utf8, false),
    ]);
    let columns = vec![
        text(["ABW", "ZZZ"]),
        Arc::new(Date32Array::from(vec![days, 18_300])) as ArrayRef,
        text(["population", "hosp_patients"]),
        Arc::new(Float64Array::from(vec![5.0, 3.0])) as ArrayRef,
        text(["old-ingest", "old-ingest"]),
    ];
    let batch = RecordBatch::try_new(Arc::new(schema), columns).unwrap();
    let url = url::Url::from_directory_path(dir.path().join("owid_measures").canonicalize().unwrap()).unwrap();
    let table = deltalake::DeltaTable::try_from_url(url).await.unwrap();
    table.write(vec![batch]).with_save_mode(SaveMode::Overwrite).with_schema_mode(SchemaMode::Overwrite).await.unwrap();
    let population = |situation: surge_lake::situation::Situation| {
        situation.regions.iter().find(|p| p.region == "ABW").and_then(|p| p.population)
    };
    let shown = lake.situation(Some("owid"), 1000, &mut QueryTimes::default()).await.unwrap().unwrap();
    assert_eq!(population(shown), Some(5.0), "the dashboard reads the long form");

    lake.import(&owid, AT + Duration::from_secs(1)).await.unwrap();
    let kept = query(&lake, "SELECT region, hosp_patients, ingest_id FROM owid_measures WHERE region = 'ZZZ'").await;
    assert_eq!(kept, serde_json::json!([{"region": "ZZZ", "hosp_patients": 3.0, "ingest_id": "old-ingest"}]));
    let abw = query(&lake, "SELECT count(*) AS n, max(population) AS p FROM owid_measures WHERE region = 'ABW'").await;
    assert_eq!(
        (abw[0]["n"].as_u64(), abw[0]["p"].as_f64()),
        (Some(owid.rows.iter().filter(|r| &*r.region == "ABW").count() as u64), Some(106766.0))
    );
    let err = lake.sql("SELECT measure FROM owid_measures", QueryLimits::default(), &[]).await.unwrap_err();
    assert!(err.to_string().contains("measure"), "the long form's columns are gone: {err}");
    let shown = lake.situation(Some("owid"), 1000, &mut QueryTimes::default()).await.unwrap().unwrap();
    assert_eq!(population(shown), Some(106766.0), "the newer import's population replaced the stored one");
    let whole = query(&lake, "SELECT DISTINCT sub_region FROM owid_measures").await;
    assert_eq!(whole, serde_json::json!([{"sub_region": ""}]), "whole regions, now with the sub-region column");
}

#[tokio::test]
async fn a_districts_feed_gives_each_district_and_its_city_their_population_tests_and_positivity() {
    use surge_lake_delta::QueryTimes;

    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path().to_str().unwrap()).unwrap();
    let mapping = surge_lake::CsvMapping::parse(
        "source = \"busan-health\"\ndate_column = \"day\"\nregion = \"KR-26\"\nsub_region_column = \"gu\"\n\
         [measures]\nnew_confirmed = \"cases\"\npopulation = \"people\"\nnew_tests = \"tests\"\npositive_rate = \"rate\"\n",
    )
    .unwrap();
    let file = |body: &str| {
        let text = format!("day,gu,cases,people,tests,rate\n{body}");
        Arc::new(surge_lake::import_csv(&mapping, "busan.csv", text.as_bytes(), TODAY).unwrap())
    };
    let first = file("2026-11-26,해운대구,12,400000,1000,0.02\n2026-11-26,중구,3,40000,100,0.05\n");
    lake.import(&first, AT).await.unwrap();
    // The next day's file revises Jung-gu's tests only.
    lake.import(&file("2026-11-26,중구,3,,300,\n"), AT + Duration::from_secs(1)).await.unwrap();
    let shown = lake.situation(Some("busan-health"), 30, &mut QueryTimes::default()).await.unwrap().unwrap();
    let district = |name: &str| shown.sub_regions.iter().find(|p| p.sub_region == name).unwrap();
    let (haeundae, jung) = (district("해운대구"), district("중구"));
    assert_eq!(haeundae.population, Some(400_000.0));
    assert_eq!((haeundae.days[0].new_tests, haeundae.days[0].positive_rate), (Some(1000.0), Some(0.02)));
    assert_eq!(jung.population, Some(40_000.0), "kept where the newer file has none");
    assert_eq!((jung.days[0].new_tests, jung.days[0].positive_rate), (Some(300.0), Some(0.05)));
    let busan = shown.regions.iter().find(|p| p.region == "KR-26").unwrap();
    assert_eq!(busan.population, Some(440_000.0));
    let day = busan.days[0];
    assert_eq!((day.new_confirmed, day.new_tests), (Some(15), Some(1300.0)));
    let rate = day.positive_rate.unwrap();
    assert!((rate - (20.0 + 15.0) / 1300.0).abs() < 1e-12, "weighted by tests: {rate}");
}
