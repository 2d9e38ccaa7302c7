//! JHU CSSE files. The time series are wide (one cumulative column per day, `M/D/YY`) and are unpivoted into one
//! row per region and day, their daily values derived from the cumulative ones; a file holds one measure, named in
//! its file name (`…_confirmed_global.csv`, `…_deaths_global.csv`). A daily report (`MM-DD-YYYY.csv`) holds the
//! cumulative counts of one day per province or county; its columns were renamed in March 2020
//! (`Country/Region` → `Country_Region`), and both forms are read.

use time::Date;
use time::macros::format_description;

use crate::country::{self, Known};
use std::sync::Arc;

use crate::read::{Shared, Sheet, count, field, sheet};
use crate::{DailyCase, Import, LakeError};

#[derive(Clone, Copy)]
enum Measure {
    Confirmed,
    Deaths,
}

/// Where a JHU row is: both formats are stored as source `jhu`, and the region's name is its code.
struct Place {
    source: Arc<str>,
    region: Arc<str>,
    sub_region: Arc<str>,
    country: Option<Arc<str>>,
}

impl Place {
    fn new(texts: &mut Texts, region: &str, sub_region: &str) -> Self {
        Self {
            source: texts.source.clone(),
            region: texts.regions.get(region),
            sub_region: texts.sub_regions.get(sub_region),
            country: texts.countries.of(region, country::from_name),
        }
    }

    fn case(&self, date: Date, measure: Measure, value: Option<i64>) -> DailyCase {
        let counts = match measure {
            Measure::Confirmed => [None, value, None, None],
            Measure::Deaths => [None, None, None, value],
        };
        let names = (self.region.clone(), self.sub_region.clone(), self.region.clone());
        DailyCase::new(&self.source, names, date, counts).in_country(self.country.clone())
    }
}

/// The text a file's rows share.
struct Texts {
    source: Arc<str>,
    regions: Shared,
    sub_regions: Shared,
    countries: Known,
}

impl Default for Texts {
    fn default() -> Self {
        Self {
            source: Arc::from("jhu"),
            regions: Shared::default(),
            sub_regions: Shared::default(),
            countries: Known::default(),
        }
    }
}

/// `1/22/20`: month, day and a two-digit year of this century.
fn short_date(text: &str) -> Option<Date> {
    let mut parts = text.split('/').map(|p| p.parse::<u8>().ok());
    let (Some(Some(month)), Some(Some(day)), Some(Some(year)), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    Date::from_calendar_date(2000 + i32::from(year), time::Month::try_from(month).ok()?, day).ok()
}

/// The first of several names a column has had.
fn either(sheet: &Sheet<'_>, file: &str, names: &[&str]) -> Result<usize, LakeError> {
    names
        .iter()
        .find_map(|n| sheet.may(n))
        .map_or_else(|| sheet.need(file, names[0], &format!(" (nor {})", names[1..].join(", "))), Ok)
}

pub(crate) fn read_time_series(bytes: &[u8], file_name: &str) -> Result<Import, LakeError> {
    let lower = file_name.to_ascii_lowercase();
    let measure = if lower.contains("confirmed") {
        Measure::Confirmed
    } else if lower.contains("deaths") {
        Measure::Deaths
    } else {
        return Err(LakeError::UnknownMeasure(file_name.to_owned()));
    };
    let mut sheet = sheet(bytes, file_name)?;
    let province = either(&sheet, file_name, &["Province/State", "Province_State"])?;
    let country = either(&sheet, file_name, &["Country/Region", "Country_Region"])?;
    let days: Vec<(usize, Date)> =
        sheet.headers.iter().enumerate().filter_map(|(i, h)| short_date(h).map(|d| (i, d))).collect();
    if days.is_empty() {
        return Err(LakeError::MissingColumn {
            file: file_name.to_owned(),
            column: "M/D/YY".into(),
            hint: ": a time series has one column per day".into(),
        });
    }
    let mut import = Import::default();
    let mut texts = Texts::default();
    let mut record = csv::StringRecord::new();
    while let Some(line) = sheet.next_row(&mut import, &mut record) {
        let region = field(&record, country);
        if region.is_empty() {
            import.reject(line, "Country/Region is empty");
            continue;
        }
        let place = Place::new(&mut texts, region, field(&record, province));
        let mut cells = Vec::with_capacity(days.len());
        let mut bad = None;
        for (column, day) in &days {
            match count(field(&record, *column)) {
                Ok(v) => cells.push(place.case(*day, measure, v)),
                Err(e) => bad = Some(format!("{}: {e}", sheet.headers[*column])),
            }
        }
        match bad {
            Some(reason) => import.reject(line, reason),
            None => cells.into_iter().for_each(|c| import.push(line, c)),
        }
    }
    Ok(import)
}

/// The report's day from its file name, `MM-DD-YYYY.csv` (with or without a path or suffix).
fn report_date(file_name: &str) -> Option<Date> {
    let name = file_name.rsplit('/').next().unwrap_or(file_name);
    (0..name.len().saturating_sub(9)).find_map(|i| {
        name.get(i..i + 10).and_then(|s| Date::parse(s, format_description!("[month]-[day]-[year]")).ok())
    })
}

pub(crate) fn read_daily(bytes: &[u8], file_name: &str) -> Result<Import, LakeError> {
    let day = report_date(file_name).ok_or_else(|| LakeError::NoReportDate(file_name.to_owned()))?;
    let mut sheet = sheet(bytes, file_name)?;
    let province = either(&sheet, file_name, &["Province_State", "Province/State"])?;
    let country = either(&sheet, file_name, &["Country_Region", "Country/Region"])?;
    let admin2 = sheet.may("Admin2");
    let confirmed = sheet.need(file_name, "Confirmed", "")?;
    let deaths = sheet.need(file_name, "Deaths", "")?;
    let mut import = Import::default();
    let mut texts = Texts::default();
    let mut record = csv::StringRecord::new();
    while let Some(line) = sheet.next_row(&mut import, &mut record) {
        let region = field(&record, country);
        if region.is_empty() {
            import.reject(line, "Country_Region is empty");
            continue;
        }
        let sub_region = match (field(&record, province), admin2.map(|c| field(&record, c)).unwrap_or("")) {
            (p, "") => p.to_owned(),
            (p, county) => format!("{p} / {county}"),
        };
        let (c, d) = match (count(field(&record, confirmed)), count(field(&record, deaths))) {
            (Ok(c), Ok(d)) => (c, d),
            (Err(e), _) => {
                import.reject(line, format!("Confirmed: {e}"));
                continue;
            }
            (_, Err(e)) => {
                import.reject(line, format!("Deaths: {e}"));
                continue;
            }
        };
        let mut row = Place::new(&mut texts, region, &sub_region).case(day, Measure::Confirmed, c);
        row.cumulative_deaths = d;
        import.push(line, row);
    }
    Ok(import)
}
