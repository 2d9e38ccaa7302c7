//! WHO `WHO-COVID-19-global-data.csv`: a UTF-8 byte-order mark before the first header, ISO 3166-1 alpha-2 country
//! codes (Namibia is `NA`, which a careless reader turns into a missing value: here it stays `NA`), dates written
//! `2020-02-24T00:00:00Z` in 2020 files and `2020-02-24` later, and WHO regions written `EMRO` in older files and
//! `EMR` in newer ones (the region name is kept in the newer form).

use crate::country::{self, Known};
use std::sync::Arc;

use crate::read::{CountColumns, Shared, counts, field, iso_date, sheet};
use crate::{DailyCase, Import, LakeError};

/// Older files' WHO region codes in the newer form.
fn who_region(code: &str) -> &str {
    match code {
        "AFRO" => "AFR",
        "AMRO" | "PAHO" => "AMR",
        "EMRO" => "EMR",
        "EURO" => "EUR",
        "SEARO" => "SEAR",
        "WPRO" => "WPR",
        other => other,
    }
}

pub(crate) fn read(bytes: &[u8], file: &str) -> Result<Import, LakeError> {
    let mut sheet = sheet(bytes, file)?;
    let date = sheet.need(file, "Date_reported", "")?;
    let code = sheet.need(file, "Country_code", "")?;
    let country = sheet.need(file, "Country", "")?;
    let region = sheet.may("WHO_region");
    let mut columns: CountColumns<'_> = [None; 4];
    for (slot, name) in columns.iter_mut().zip(["New_cases", "Cumulative_cases", "New_deaths", "Cumulative_deaths"]) {
        *slot = Some((sheet.need(file, name, "")?, name));
    }
    let mut import = Import::default();
    let mut known = Known::default();
    let source: Arc<str> = Arc::from("who");
    let (mut codes, mut names, empty) = (Shared::default(), Shared::default(), Arc::<str>::from(""));
    let mut record = csv::StringRecord::new();
    while let Some(line) = sheet.next_row(&mut import, &mut record) {
        let Some(day) = iso_date(field(&record, date)) else {
            import.reject(line, format!("Date_reported {:?} is not a date", field(&record, date)));
            continue;
        };
        // " " is WHO's code for "Other" (cases on ships); an empty code with a country name keeps the name.
        let code = match field(&record, code) {
            "" => field(&record, country),
            code => code,
        };
        if code.is_empty() {
            import.reject(line, "neither Country_code nor Country is given");
            continue;
        }
        let values = match counts(&record, &columns) {
            Ok(values) => values,
            Err(reason) => {
                import.reject(line, reason);
                continue;
            }
        };
        let region_group = region.map(|c| who_region(field(&record, c))).unwrap_or("");
        let name = field(&record, country);
        let name =
            if region_group.is_empty() { names.get(name) } else { names.get(&format!("{name} ({region_group})")) };
        let country = known.of(code, country::from_alpha2);
        let row = DailyCase::new(&source, (codes.get(code), empty.clone(), name), day, values);
        import.push(line, row.in_country(country));
    }
    Ok(import)
}
