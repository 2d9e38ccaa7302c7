//! OWID `owid-covid-data.csv`: long format, one row per location and day. Columns were added and moved over the
//! years (29 in 2020, 60+ later), so they are found by name; aggregates (`OWID_WRL`, continents) are kept under
//! their OWID codes. `owid-covid-latest.csv` has no date column and is refused with a hint.

use crate::read::{count, field, iso_date, sheet};
use crate::{DailyCase, Import, LakeError};

pub(crate) fn read(bytes: &[u8], file: &str) -> Result<Import, LakeError> {
    let mut sheet = sheet(bytes, file)?;
    let iso = sheet.need(file, "iso_code", "")?;
    let date = sheet.need(
        file,
        "date",
        ": owid-covid-latest.csv has one row per country and no dates; import owid-covid-data.csv",
    )?;
    let location = sheet.may("location");
    let measures =
        [sheet.may("new_cases"), sheet.may("total_cases"), sheet.may("new_deaths"), sheet.may("total_deaths")];
    let mut import = Import::default();
    for (n, record) in sheet.reader.records().enumerate() {
        let line = n + 2;
        import.lineage.rows_read += 1;
        let Ok(record) = record else {
            import.reject(line, "not a well-formed CSV row");
            continue;
        };
        let region = field(&record, iso);
        let Some(day) = iso_date(field(&record, date)) else {
            import.reject(line, format!("date {:?} is not YYYY-MM-DD", field(&record, date)));
            continue;
        };
        if region.is_empty() {
            import.reject(line, "iso_code is empty");
            continue;
        }
        let mut values = [None; 4];
        let mut bad = None;
        for (slot, column) in values.iter_mut().zip(measures) {
            if let Some(column) = column {
                match count(field(&record, column)) {
                    Ok(v) => *slot = v,
                    Err(e) => bad = Some(format!("{}: {e}", sheet_name(column, &sheet.headers))),
                }
            }
        }
        if let Some(reason) = bad {
            import.reject(line, reason);
            continue;
        }
        import.push(
            line,
            DailyCase {
                source: "owid".into(),
                region: region.to_owned(),
                sub_region: String::new(),
                date: day,
                new_confirmed: values[0],
                cumulative_confirmed: values[1],
                new_deaths: values[2],
                cumulative_deaths: values[3],
                region_name: location.map(|c| field(&record, c).to_owned()).unwrap_or_default(),
            },
        );
    }
    Ok(import)
}

fn sheet_name(column: usize, headers: &[String]) -> &str {
    headers.get(column).map(String::as_str).unwrap_or("?")
}
