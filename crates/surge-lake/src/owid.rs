//! OWID `owid-covid-data.csv`: long format, one row per location and day. Columns were added and moved over the
//! years (29 in 2020, 60+ later), so they are found by name; aggregates (`OWID_WRL`, continents) are kept under
//! their OWID codes. Tests, test positivity, hospital figures and population are OWID's own measures, kept beside
//! the counts, one row per location and day. `owid-covid-latest.csv` has no date column and is refused with a hint.

use crate::checks::{Finding, FindingKind};
use crate::country::{self, Known};
use std::sync::Arc;

use crate::read::{CountColumns, Shared, counts, field, iso_date, sheet};
use crate::{DailyCase, Import, LakeError, SourceMeasures};

/// OWID's measures that `daily_cases` has no column for, read where the file has them.
const EXTRA: [&str; 8] = [
    "new_tests",
    "total_tests",
    "positive_rate",
    "tests_per_case",
    "hosp_patients",
    "icu_patients",
    "reproduction_rate",
    "population",
];

pub(crate) fn read(bytes: &[u8], file: &str) -> Result<Import, LakeError> {
    let sheet = sheet(bytes, file)?;
    let iso = sheet.need(file, "iso_code", "")?;
    let date = sheet.need(
        file,
        "date",
        ": owid-covid-latest.csv has one row per country and no dates; import owid-covid-data.csv",
    )?;
    let location = sheet.may("location");
    let columns: CountColumns<'_> =
        ["new_cases", "total_cases", "new_deaths", "total_deaths"].map(|name| sheet.may(name).map(|c| (c, name)));
    let extra: Vec<(usize, &str)> = EXTRA.iter().filter_map(|name| sheet.may(name).map(|c| (c, *name))).collect();
    // Each piece of a large file is read on its own core, with text shared within the piece (its own copies, so
    // that cores do not contend for one reference count).
    let import = sheet.read_in_parallel(|sheet| {
        let source: Arc<str> = Arc::from("owid");
        let empty = Arc::<str>::from("");
        let mut import = Import {
            measures: SourceMeasures::new(extra.iter().map(|(_, name)| (*name).to_owned()).collect()),
            ..Import::default()
        };
        let mut extras: Vec<Option<f64>> = vec![None; extra.len()];
        let rows = sheet.rows_left();
        import.rows.reserve(rows);
        import.lines.reserve(rows);
        import.measures.reserve(rows);
        let mut known = Known::default();
        let (mut regions, mut locations) = (Shared::default(), Shared::default());
        let mut record = csv::StringRecord::new();
        while let Some(line) = sheet.next_row(&mut import, &mut record) {
            let region = field(&record, iso);
            let Some(day) = iso_date(field(&record, date)) else {
                import.reject(line, format!("date {:?} is not YYYY-MM-DD", field(&record, date)));
                continue;
            };
            if region.is_empty() {
                import.reject(line, "iso_code is empty");
                continue;
            }
            let values = match counts(&record, &columns) {
                Ok(values) => values,
                Err(reason) => {
                    import.reject(line, reason);
                    continue;
                }
            };
            let region = regions.get(region);
            for ((column, name), slot) in extra.iter().zip(&mut extras) {
                let text = field(&record, *column);
                *slot = None;
                match text.parse::<f64>() {
                    _ if text.is_empty() => {}
                    Ok(value) if value.is_finite() => *slot = Some(value),
                    _ => import.findings.push(Finding {
                        kind: FindingKind::UnreadableValue,
                        region: region.to_string(),
                        sub_region: String::new(),
                        date: day,
                        detail: format!("line {line}: {name} {text:?} is not a number; the counts are kept"),
                    }),
                }
            }
            import.measures.push(line, &region, &empty, day, &extras);
            let name = locations.get(location.map(|c| field(&record, c)).unwrap_or(""));
            let country = known.of(&region, country::from_alpha3);
            let row = DailyCase::new(&source, (region, empty.clone(), name), day, values);
            import.push(line, row.in_country(country));
        }
        import
    });
    Ok(import)
}
