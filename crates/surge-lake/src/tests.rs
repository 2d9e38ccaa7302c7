//! Each importer on its sample from `../shared/data/covid` (copied into `tests/data`) and on the quirks the real
//! files have had; the checks and the mapping on small files made here.

use time::Date;
use time::macros::date;

use super::*;

const TODAY: Date = date!(2026 - 11 - 27);

fn sample(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn row<'a>(import: &'a Import, region: &str, sub_region: &str, day: Date) -> &'a DailyCase {
    import
        .rows
        .iter()
        .find(|r| &*r.region == region && &*r.sub_region == sub_region && r.date == day)
        .unwrap_or_else(|| panic!("no row for {region}/{sub_region} on {day}"))
}

fn kinds(got: &Import) -> Vec<FindingKind> {
    got.findings.iter().map(|f| f.kind).collect()
}

#[test]
fn owid_long_format_is_read_by_column_name() {
    let bytes = sample("owid_owid-covid-data__2020-05_stored-version_head.csv");
    let got = import(&Source::Owid, "owid-covid-data.csv", &bytes, TODAY).unwrap();
    assert_eq!((got.lineage.rows_read, got.rows.len()), (127, 127));
    assert!(got.rejected.is_empty(), "{:?}", got.rejected);
    let afg = row(&got, "AFG", "", date!(2020 - 03 - 24));
    assert_eq!((afg.cumulative_confirmed, afg.new_confirmed, &*afg.region_name), (Some(40), Some(6), "Afghanistan"));
    assert_eq!(got.lineage.sha256.len(), 64);
    assert_eq!(got.lineage.source, "owid");
    let m = &got.measures;
    let population: Vec<(&str, f64)> =
        (0..m.len()).filter_map(|i| m.value(i, "population").map(|v| (&*m.keys[i].0, v))).collect();
    assert_eq!(population.len(), 127, "OWID's own measures are kept beside the counts");
    assert!(population.contains(&("ABW", 106766.0)));

    // Columns move and disappear between vintages: a later layout with total_deaths missing and floats for counts.
    let later = b"iso_code,continent,location,date,new_cases,total_cases,new_deaths,extra,positive_rate\n\
        KOR,Asia,South Korea,2021-01-01,1029.0,61769.0,25.0,x,0.012\n\
        KOR,Asia,South Korea,2021-01-02,820.0,62589.0,,x,n/a\n";
    let got = import(&Source::Owid, "owid-covid-data.csv", later, TODAY).unwrap();
    let day = row(&got, "KOR", "", date!(2021 - 01 - 02));
    assert_eq!(
        (day.new_confirmed, day.cumulative_confirmed, day.new_deaths, day.cumulative_deaths),
        (Some(820), Some(62589), None, None)
    );

    let latest = sample("owid_owid-covid-latest__2021-01_stored-version_selected-rows.csv");
    let refused = import(&Source::Owid, "owid-covid-latest.csv", &latest, TODAY).unwrap_err();
    assert_eq!(refused.code(), "column_missing");
    assert!(refused.to_string().contains("import owid-covid-data.csv"), "{refused}");
}

#[test]
fn who_keeps_namibia_reads_both_date_styles_and_both_region_codes() {
    let bytes = sample("who_WHO-COVID-19-global-data__2020-07_head300.csv");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "the sample has its byte-order mark");
    let got = import(&Source::Who, "WHO-COVID-19-global-data.csv", &bytes, TODAY).unwrap();
    assert_eq!((got.rows.len(), got.rejected.len()), (300, 0));
    let dz = row(&got, "DZ", "", date!(2020 - 05 - 02));
    assert_eq!((dz.new_confirmed, dz.cumulative_confirmed, dz.cumulative_deaths), (Some(148), Some(4154), Some(453)));
    assert_eq!(&*dz.region_name, "Algeria (AFR)", "AFRO in the newer form");

    let newer = "\u{feff}Date_reported,Country_code,Country,WHO_region,New_cases,Cumulative_cases,New_deaths,Cumulative_deaths\n\
        2021-03-01,NA,Namibia,AFR,10,39000,1,420\n\
        2021-03-02,NA,Namibia,AFR,5,39005,0,420\n";
    let got = import(&Source::Who, "WHO-COVID-19-global-data.csv", newer.as_bytes(), TODAY).unwrap();
    assert_eq!(got.rows.len(), 2);
    assert!(got.rows.iter().all(|r| &*r.region == "NA" && &*r.region_name == "Namibia (AFR)"), "{:?}", got.rows);
}

#[test]
fn jhu_time_series_are_unpivoted_and_daily_values_derived() {
    let bytes = sample("jhu_time_series_covid19_confirmed_global__2021-01-08.csv");
    let name = "time_series_covid19_confirmed_global.csv";
    let got = import(&Source::JhuTimeSeries, name, &bytes, TODAY).unwrap();
    assert_eq!(got.lineage.rows_read, 272);
    assert_eq!(got.rows.len(), 272 * 353, "one row per region and day");
    let korea = row(&got, "Korea, South", "", date!(2021 - 01 - 08));
    assert_eq!((korea.cumulative_confirmed, korea.new_confirmed), (Some(67999), Some(67999 - 67358)));
    assert_eq!((korea.cumulative_deaths, korea.new_deaths), (None, None), "the confirmed file has no deaths");
    let first = row(&got, "Afghanistan", "", date!(2020 - 01 - 22));
    assert_eq!(first.new_confirmed, None, "no day before the first to derive from");
    // JHU revised counts downwards 106 times in this file: each a negative daily value, listed, not fixed.
    let corrections = kinds(&got).iter().filter(|k| **k == FindingKind::NegativeDaily).count();
    assert_eq!(corrections, 106);

    let refused = import(&Source::JhuTimeSeries, "time_series_covid19_recovered_global.csv", &bytes, TODAY);
    assert_eq!(refused.unwrap_err().code(), "measure_unknown");
}

#[test]
fn a_jhu_daily_report_takes_its_day_from_its_name_and_both_header_styles() {
    let bytes = sample("jhu_daily_report_12-31-2020__head300.csv");
    let got = import(&Source::JhuDaily, "csse_covid_19_daily_reports/12-31-2020.csv", &bytes, TODAY).unwrap();
    assert_eq!(got.rows.len(), 300);
    let albania = row(&got, "Albania", "", date!(2020 - 12 - 31));
    assert_eq!((albania.cumulative_confirmed, albania.cumulative_deaths), (Some(58316), Some(1181)));
    assert_eq!(import(&Source::JhuDaily, "report.csv", &bytes, TODAY).unwrap_err().code(), "report_date_missing");

    let early = b"Province/State,Country/Region,Last Update,Confirmed,Deaths,Recovered\nHubei,Mainland China,2020-02-01T11:53:00,7153,249,168\n";
    let got = import(&Source::JhuDaily, "02-01-2020.csv", early, TODAY).unwrap();
    assert_eq!(row(&got, "Mainland China", "Hubei", date!(2020 - 02 - 01)).cumulative_confirmed, Some(7153));
    let counties = b"FIPS,Admin2,Province_State,Country_Region,Last_Update,Lat,Long_,Confirmed,Deaths\n\
        45001,Abbeville,South Carolina,US,2021-01-01 05:22:33,34.2,-82.4,1742,33\n";
    let got = import(&Source::JhuDaily, "12-31-2020.csv", counties, TODAY).unwrap();
    assert_eq!(&*got.rows[0].sub_region, "South Carolina / Abbeville");
}

fn busan(body: &str) -> Import {
    let mapping = CsvMapping::parse(
        "source = \"busan-health\"\ndate_column = \"day\"\ndate_format = \"[day]/[month]/[year]\"\n\
         region = \"KR-26\"\nsub_region_column = \"gu\"\n[measures]\nnew_confirmed = \"cases\"\ncumulative_deaths = \"deaths\"\n",
    )
    .unwrap();
    import_csv(&mapping, "busan.csv", format!("day,gu,cases,deaths\n{body}").as_bytes(), TODAY).unwrap()
}

#[test]
fn a_mapped_csv_is_read_and_checked_and_its_findings_listed() {
    let mut body = String::new();
    for d in 1..=8 {
        body.push_str(&format!("0{d}/03/2021,Haeundae,{},1\n", 10 + d % 2));
    }
    // A 100× jump, and a negative cumulative count (so a negative daily one too).
    body.push_str("09/03/2021,Haeundae,1500,-2\n");
    body.push_str("09/03/2021,Haeundae,7,1\n"); // the same key again
    body.push_str("01/01/2027,Haeundae,3,1\n"); // after today
    body.push_str("31/02/2021,Haeundae,3,1\n"); // no such day
    body.push_str("10/03/2021,Haeundae,many,1\n");
    let got = busan(&body);
    assert_eq!(got.rows.len(), 9);
    assert_eq!(&*got.rows[0].source, "busan-health");
    assert_eq!((&*got.rows[0].region, &*got.rows[0].sub_region), ("KR-26", "Haeundae"));
    let mut found = kinds(&got);
    found.sort_by_key(|k| k.code());
    assert_eq!(
        found,
        [
            FindingKind::DuplicateKey,
            FindingKind::FutureDate,
            FindingKind::Jump,
            FindingKind::NegativeCumulative,
            FindingKind::NegativeDaily
        ]
    );
    let reasons: Vec<(usize, &str)> = got.rejected.iter().map(|r| (r.line, r.reason.as_str())).collect();
    assert_eq!(reasons.len(), 4, "{reasons:?}");
    assert!(reasons[0].1.contains("earlier in the file") && reasons[0].0 == 11, "{reasons:?}");
    assert!(reasons[1].1.contains("in the future"), "{reasons:?}");
    assert!(reasons[2].1.contains("not a date"), "{reasons:?}");
    assert!(reasons[3].1.starts_with("cases: \"many\""), "{reasons:?}");
}

#[test]
fn a_mapping_carries_each_districts_population_tests_and_positivity() {
    let mapping = CsvMapping::parse(
        "source = \"busan-health\"\ndate_column = \"day\"\nregion = \"KR-26\"\nsub_region_column = \"gu\"\n\
         [measures]\nnew_confirmed = \"cases\"\npopulation = \"people\"\nnew_tests = \"tests\"\npositive_percent = \"pct\"\n",
    )
    .unwrap();
    let body = "day,gu,cases,people,tests,pct\n\
        2021-03-01,해운대구,12,397000,800,1.5\n\
        2021-03-01,중구,3,42000,,\n\
        2021-03-02,해운대구,9,397000,-5,140\n\
        2021-03-02,중구,2,4.2e4,90,n/a\n\
        2021-03-02,사\u{1b}[31m하구,2,1,1,1\n";
    let got = import_csv(&mapping, "busan.csv", body.as_bytes(), TODAY).unwrap();
    assert_eq!(got.rows.len(), 4, "bad measures never cost a row its counts");
    let rejected: Vec<(usize, &str)> = got.rejected.iter().map(|r| (r.line, r.reason.as_str())).collect();
    assert_eq!(rejected, [(6, "the region or district has control characters")], "and its measures go with it");
    assert_eq!(got.measures.len(), 4);
    let m = &got.measures;
    assert_eq!(m.names, ["population", "new_tests", "positive_rate"]);
    let at = |gu: &str, day: Date| {
        m.keys.iter().position(|(r, s, d)| (&**r, &**s, *d) == ("KR-26", gu, day)).map(|i| m.row(i).to_vec())
    };
    assert_eq!(at("해운대구", date!(2021 - 03 - 01)), Some(vec![Some(397_000.0), Some(800.0), Some(0.015)]));
    assert_eq!(at("중구", date!(2021 - 03 - 01)), Some(vec![Some(42_000.0), None, None]));
    assert_eq!(at("해운대구", date!(2021 - 03 - 02)), Some(vec![Some(397_000.0), None, None]), "out of range");
    assert_eq!(at("중구", date!(2021 - 03 - 02)), Some(vec![Some(42_000.0), Some(90.0), None]));
    let details: Vec<&str> = got.findings.iter().map(|f| f.detail.as_str()).collect();
    assert_eq!(
        details,
        [
            "line 4: tests \"-5\" is not a number 0 or more; the counts are kept",
            "line 4: pct \"140\" is not a number from 0 to 100; the counts are kept",
            "line 5: pct \"n/a\" is not a number from 0 to 100; the counts are kept",
        ]
    );
    assert!(got.findings.iter().all(|f| f.kind == FindingKind::UnreadableValue && f.region == "KR-26"));
}

#[test]
fn a_bad_mapping_is_refused_with_the_reason() {
    let base = "source = \"x\"\ndate_column = \"d\"\n";
    for (text, says) in [
        (format!("{base}region = \"A\"\nregion_column = \"r\"\n[measures]\nnew_confirmed = \"c\"\n"), "exactly one"),
        (format!("{base}region = \"A\"\n[measures]\n"), "none of the four counts"),
        (format!("{base}region = \"A\"\n[measures]\npopulation = \"p\"\n"), "none of the four counts"),
        (
            format!(
                "{base}region = \"A\"\n[measures]\nnew_confirmed = \"c\"\npositive_rate = \"r\"\npositive_percent = \"p\"\n"
            ),
            "at most one of positive_rate",
        ),
        (
            format!("{base}region = \"A\"\ndate_format = \"[nonsense]\"\n[measures]\nnew_confirmed = \"c\"\n"),
            "date_format",
        ),
        (format!("{base}region = \"A\"\ncolour = \"red\"\n[measures]\nnew_confirmed = \"c\"\n"), "colour"),
        ("source = \"a b\"\ndate_column = \"d\"\nregion = \"A\"\n[measures]\nnew_confirmed = \"c\"\n".into(), "source"),
        (format!("{base}region = \"A\"\ncountry = \"Korea\"\n[measures]\nnew_confirmed = \"c\"\n"), "alpha-3"),
        (
            format!(
                "{base}region = \"A\"\ncountry = \"KOR\"\nregion_codes = \"name\"\n[measures]\nnew_confirmed = \"c\"\n"
            ),
            "at most one",
        ),
    ] {
        let err = CsvMapping::parse(&text).unwrap_err();
        assert_eq!(err.code(), "mapping_invalid");
        assert!(err.to_string().contains(says), "{err} does not say {says}");
    }
    let mapping =
        CsvMapping::parse(&format!("{base}region_column = \"r\"\n[measures]\nnew_confirmed = \"c\"\n")).unwrap();
    let missing = import_csv(&mapping, "f.csv", b"d,c\n2021-01-01,3\n", TODAY).unwrap_err();
    assert_eq!(missing.to_string(), "f.csv: no \"r\" column (region_column)");
}

fn countries(got: &Import) -> std::collections::BTreeMap<&str, Option<&str>> {
    got.rows.iter().map(|r| (&*r.region, r.country.as_deref())).collect()
}

#[test]
fn every_source_names_its_countries_by_one_iso_code() {
    let owid = sample("owid_owid-covid-data__2020-05_stored-version_head.csv");
    let got = import(&Source::Owid, "owid-covid-data.csv", &owid, TODAY).unwrap();
    assert_eq!(countries(&got).get("AFG"), Some(&Some("AFG")));
    let aggregates = b"iso_code,location,date,new_cases\nOWID_WRL,World,2021-01-01,5\nOWID_KOS,Kosovo,2021-01-01,1\n\
        ZZZ,Nowhere,2021-01-01,1\n";
    let got = import(&Source::Owid, "owid-covid-data.csv", aggregates, TODAY).unwrap();
    let found = countries(&got);
    assert_eq!((found["OWID_WRL"], found["OWID_KOS"], found["ZZZ"]), (None, Some("XKX"), None));

    let who = "Date_reported,Country_code,Country,WHO_region,New_cases,Cumulative_cases,New_deaths,Cumulative_deaths\n\
        2021-03-01,NA,Namibia,AFR,1,1,0,0\n2021-03-01,XK,Kosovo[1],EUR,1,1,0,0\n2021-03-01,KR,Republic of Korea,WPR,1,1,0,0\n\
        2021-03-01, ,Other,Other,1,1,0,0\n2021-03-01,XA,Bonaire,AMR,1,1,0,0\n";
    let got = import(&Source::Who, "WHO-COVID-19-global-data.csv", who.as_bytes(), TODAY).unwrap();
    let found = countries(&got);
    assert_eq!(
        (found["NA"], found["XK"], found["KR"], found["Other"], found["XA"]),
        (Some("NAM"), Some("XKX"), Some("KOR"), None, None),
        "Namibia's NA is a country, not a missing value"
    );
    let who = sample("who_WHO-COVID-19-global-data__2020-07_head300.csv");
    let got = import(&Source::Who, "WHO-COVID-19-global-data.csv", &who, TODAY).unwrap();
    assert!(got.rows.iter().all(|r| r.country.is_some()), "every country in the sample is known");

    // JHU's names: every region of the time series is a country but the two cruise ships.
    let jhu = sample("jhu_time_series_covid19_confirmed_global__2021-01-08.csv");
    let got = import(&Source::JhuTimeSeries, "time_series_covid19_confirmed_global.csv", &jhu, TODAY).unwrap();
    let found = countries(&got);
    let unknown: Vec<&str> = found.iter().filter(|(_, c)| c.is_none()).map(|(r, _)| *r).collect();
    assert_eq!(unknown, ["Diamond Princess", "MS Zaandam"]);
    for (name, code) in [
        ("Korea, South", "KOR"),
        ("US", "USA"),
        ("Congo (Kinshasa)", "COD"),
        ("Congo (Brazzaville)", "COG"),
        ("Samoa", "WSM"),
        ("Iran", "IRN"),
        ("Czechia", "CZE"),
        ("Turkey", "TUR"),
        ("United Kingdom", "GBR"),
        ("Namibia", "NAM"),
    ] {
        assert_eq!(found[name], Some(code), "{name}");
    }
    let provinces = got.rows.iter().filter(|r| &*r.region == "Canada" && !r.sub_region.is_empty());
    assert!(provinces.clone().count() > 0 && provinces.into_iter().all(|r| r.country.as_deref() == Some("CAN")));
    let early = b"Province/State,Country/Region,Last Update,Confirmed,Deaths,Recovered\nHubei,Mainland China,2020-02-01T11:53:00,7153,249,168\n";
    let got = import(&Source::JhuDaily, "02-01-2020.csv", early, TODAY).unwrap();
    assert_eq!(got.rows[0].country.as_deref(), Some("CHN"));
}

#[test]
fn a_mapping_names_the_country_of_its_rows() {
    let mapping = |extra: &str| {
        CsvMapping::parse(&format!(
            "source = \"feed\"\ndate_column = \"d\"\nregion_column = \"r\"\n{extra}\n[measures]\nnew_confirmed = \"c\"\n"
        ))
        .unwrap()
    };
    let body = b"d,r,c\n2021-01-01,KR,3\n2021-01-01,jp,4\n2021-01-01,Atlantis,1\n";
    let got = import_csv(&mapping("region_codes = \"alpha-2\""), "f.csv", body, TODAY).unwrap();
    let found = countries(&got);
    assert_eq!((found["KR"], found["jp"], found["Atlantis"]), (Some("KOR"), Some("JPN"), None));
    let got = import_csv(&mapping("country = \"KOR\""), "f.csv", body, TODAY).unwrap();
    assert!(got.rows.iter().all(|r| r.country.as_deref() == Some("KOR")));
    let got = import_csv(&mapping(""), "f.csv", body, TODAY).unwrap();
    assert!(got.rows.iter().all(|r| r.country.is_none()), "no country unless the mapping says how");
}

#[test]
fn a_large_file_read_in_pieces_keeps_every_row_and_the_true_line_numbers() {
    // Over 4 MB, so read on every core; a name with a comma and a line break inside quotes in each region, and a
    // bad date every 9,973 rows, each at a known line of the file.
    let mut text = String::from("iso_code,location,date,new_cases,total_cases,population\n");
    let (mut line, mut bad_lines, mut rows) = (1usize, Vec::new(), 0usize);
    for region in 0..100 {
        let mut total = 0;
        for day in 0..1_000 {
            line += 1;
            rows += 1;
            let date = date!(2020 - 01 - 01) + time::Duration::days(day);
            if rows % 9_973 == 0 {
                bad_lines.push(line);
                text.push_str(&format!("R{region:03},\"Place, {region}\nNorth\",someday,1,1,5000\n"));
            } else {
                total += day;
                text.push_str(&format!("R{region:03},\"Place, {region}\nNorth\",{date},{day},{total},5000\n"));
            }
            line += 1; // the quoted line break
        }
    }
    assert!(text.len() > 4 << 20, "{} bytes", text.len());
    let got = import(&Source::Owid, "owid-covid-data.csv", text.as_bytes(), TODAY).unwrap();
    assert_eq!(got.lineage.rows_read, 100_000);
    assert_eq!(got.rows.len(), 100_000 - bad_lines.len());
    assert_eq!(got.rejected.iter().map(|r| r.line).collect::<Vec<_>>(), bad_lines, "lines as an editor numbers them");
    assert!(got.rejected.iter().all(|r| r.reason.contains("someday")));
    let last = row(&got, "R099", "", date!(2020 - 01 - 01) + time::Duration::days(999));
    assert_eq!((last.new_confirmed, &*last.region_name), (Some(999), "Place, 99\nNorth"));
    assert_eq!(got.measures.len(), got.rows.len(), "one population per row taken");
    assert!(got.findings.is_empty(), "{:?}", &got.findings[..got.findings.len().min(3)]);
}

#[test]
fn a_large_import_is_finished_on_every_core_as_one_core_would_finish_it() {
    // Over 4 MB and 65,536 rows, so read and finished in runs of whole places on every core: 100 regions of
    // cumulative counts only, each repeating one day (with another count) and ending with a day after today.
    let mut text = String::from("iso_code,location,date,total_cases\n");
    let (mut line, mut rejected) = (1usize, Vec::new());
    let first = date!(2020 - 01 - 01);
    for region in 0..100i64 {
        // Regions of different lengths, so that the middle of the file falls inside one.
        for day in 0..990 + region {
            let date = first + time::Duration::days(day);
            line += 1;
            text.push_str(&format!("R{region:03},Region {region} of a test country,{date},{}\n", (region + 1) * day));
            if day == 500 {
                line += 1;
                rejected.push(line);
                text.push_str(&format!("R{region:03},Region {region} of a test country,{date},7\n"));
            }
        }
        line += 1;
        rejected.push(line);
        text.push_str(&format!("R{region:03},Region {region} of a test country,{},1\n", TODAY.next_day().unwrap()));
    }
    assert!(text.len() > 4 << 20, "{} bytes", text.len());
    let got = import(&Source::Owid, "owid-covid-data.csv", text.as_bytes(), TODAY).unwrap();
    let days: usize = (0..100).map(|region| 990 + region).sum();
    assert_eq!((got.lineage.rows_read, got.rows.len()), (days + 200, days));
    assert_eq!(got.rejected.iter().map(|r| r.line).collect::<Vec<_>>(), rejected);
    // Findings in row order, as one pass makes them: each region's repeated day, then its day after today.
    let expected: Vec<FindingKind> =
        (0..100).flat_map(|_| [FindingKind::DuplicateKey, FindingKind::FutureDate]).collect();
    assert_eq!(kinds(&got), expected);
    // Daily counts come from a region's own day before: none on its first day, whichever core it was finished on.
    for r in &got.rows {
        let region: i64 = r.region[1..].parse().unwrap();
        let expected = (r.date != first).then_some(region + 1);
        assert_eq!(r.new_confirmed, expected, "{} on {}", r.region, r.date);
    }
    let repeated = row(&got, "R042", "", first + time::Duration::days(500));
    assert_eq!(repeated.cumulative_confirmed, Some(43 * 500), "the first of a repeated day is kept");
}

#[test]
fn pieces_are_cut_only_at_line_ends_outside_quotes() {
    let body = b"a,\"x\ny\"\nb,\"p\"\"\nq\"\nc,1\nd,2\n";
    for pieces in 1..=6 {
        let cuts = crate::read::cut_points(body, pieces);
        assert_eq!((cuts[0], cuts[cuts.len() - 1]), (0, body.len()));
        for cut in &cuts[1..cuts.len() - 1] {
            // Only after "y\"\n", "q\"\n", "1\n": never inside the quoted line breaks.
            assert!([8usize, 18, 22].contains(cut), "{pieces} pieces: cut at {cut} in {cuts:?}");
        }
    }
}

#[test]
fn owid_measures_are_one_row_per_place_and_day_and_go_with_a_rejected_row() {
    let text = b"iso_code,location,date,new_cases,new_tests,positive_rate,population\n\
        KOR,South Korea,2021-01-01,10,100,0.1,51000000\n\
        KOR,South Korea,2021-01-02,12,,,51000000\n\
        KOR,South Korea,2021-01-01,99,999,0.9,1\n\
        KOR,South Korea,2021-01-03,5,,,\n\
        KOR,South Korea,2099-01-01,5,7,,\n";
    let got = import(&Source::Owid, "owid-covid-data.csv", text, TODAY).unwrap();
    let m = &got.measures;
    assert_eq!(m.names, ["new_tests", "positive_rate", "population"]);
    // The repeated 2021-01-01 and the future day are rejected with their measures; a day without any has no row.
    assert_eq!(got.rejected.iter().map(|r| r.line).collect::<Vec<_>>(), [4, 6]);
    let days: Vec<Date> = m.keys.iter().map(|(_, _, d)| *d).collect();
    assert_eq!(days, [date!(2021 - 01 - 01), date!(2021 - 01 - 02)]);
    assert_eq!(m.row(0), [Some(100.0), Some(0.1), Some(51e6)]);
    assert_eq!(m.row(1), [None, None, Some(51e6)]);
    assert_eq!(m.value_count(), 4);
}

#[test]
fn newer_measures_update_stored_ones_value_by_value() {
    let (kor, all): (std::sync::Arc<str>, std::sync::Arc<str>) = ("KOR".into(), "".into());
    let (d1, d2) = (date!(2021 - 01 - 01), date!(2021 - 01 - 02));
    let mut stored = SourceMeasures::new(vec!["new_tests".into(), "population".into()]);
    stored.push(2, &kor, &all, d1, &[Some(100.0), Some(51e6)]);
    stored.push(3, &kor, &all, d2, &[Some(120.0), Some(51e6)]);
    // A later file: tests revised for day 1, no population column at all, a new measure, and a new day.
    let mut newer = SourceMeasures::new(vec!["icu_patients".into(), "new_tests".into()]);
    newer.push(2, &kor, &all, d1, &[Some(7.0), Some(101.0)]);
    newer.push(3, &kor, &all, date!(2021 - 01 - 03), &[None, Some(90.0)]);
    let (merged, touched) = stored.update(&newer);
    assert_eq!(merged.names, ["new_tests", "population", "icu_patients"]);
    assert_eq!(touched, [true, false]);
    assert_eq!(merged.len(), 3);
    assert_eq!(merged.row(0), [Some(101.0), Some(51e6), Some(7.0)], "the stored population is kept");
    assert_eq!(merged.row(1), [Some(120.0), Some(51e6), None]);
    assert_eq!(merged.row(2), [Some(90.0), None, None]);
    assert_eq!(merged.keys[2].2, date!(2021 - 01 - 03));
}
