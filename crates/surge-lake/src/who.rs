//! WHO `WHO-COVID-19-global-data.csv`: a UTF-8 byte-order mark before the first header, ISO 3166-1 alpha-2 country
//! codes (Namibia is `NA`, which a careless reader turns into a missing value: here it stays `NA`), dates written
//! `2020-02-24T00:00:00Z` in 2020 files and `2020-02-24` later, and WHO regions written `EMRO` in older files and
//! `EMR` in newer ones (the region name is kept in the newer form).

use crate::read::{count, field, iso_date, sheet};
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
    let columns = [
        sheet.need(file, "New_cases", "")?,
        sheet.need(file, "Cumulative_cases", "")?,
        sheet.need(file, "New_deaths", "")?,
        sheet.need(file, "Cumulative_deaths", "")?,
    ];
    let mut import = Import::default();
    while let Some((line, record)) = sheet.next_row(&mut import) {
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
        let mut values = [None; 4];
        let mut bad = None;
        for (slot, (column, name)) in values.iter_mut().zip(columns.into_iter().zip([
            "New_cases",
            "Cumulative_cases",
            "New_deaths",
            "Cumulative_deaths",
        ])) {
            match count(field(&record, column)) {
                Ok(v) => *slot = v,
                Err(e) => bad = Some(format!("{name}: {e}")),
            }
        }
        if let Some(reason) = bad {
            import.reject(line, reason);
            continue;
        }
        let region_group = region.map(|c| who_region(field(&record, c))).unwrap_or("");
        let name = field(&record, country);
        import.push(
            line,
            DailyCase {
                source: "who".into(),
                region: code.to_owned(),
                sub_region: String::new(),
                date: day,
                new_confirmed: values[0],
                cumulative_confirmed: values[1],
                new_deaths: values[2],
                cumulative_deaths: values[3],
                region_name: if region_group.is_empty() { name.to_owned() } else { format!("{name} ({region_group})") },
            },
        );
    }
    Ok(import)
}
