//! Situation data: importers that read the standard epidemiological sources (OWID, JHU CSSE time series and daily
//! reports, WHO, and any tidy CSV with a mapping file) into one normalised shape, `daily_cases`, with the file's
//! lineage (hash, rows read, rows rejected with their reasons) and the findings of data checks (duplicated keys,
//! negative cumulative counts, dates in the future, sudden 100× jumps), which are listed, never silently fixed.
//!
//! Importers take bytes and return rows: no IO here, so each quirk of each format is tested on its samples.

mod checks;
pub mod country;
mod error;
mod jhu;
mod mapping;
mod owid;
mod read;
pub mod situation;
mod table;
mod who;

#[cfg(test)]
mod tests;

pub use checks::{Finding, FindingKind, check};
pub use error::LakeError;
pub use mapping::{CsvMapping, import_csv};
pub use read::{Shared, csv_field};
pub use table::{DailyCase, Import, Lineage, Rejected, SourceMeasures, merge_rows, on_cores};

use time::Date;

/// The sources Surge knows, by the name `surge lake import` takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// OWID `owid-covid-data.csv`: long format, one row per location and day.
    Owid,
    /// JHU CSSE `time_series_covid19_{confirmed,deaths}_global.csv`: wide, one cumulative column per day.
    JhuTimeSeries,
    /// A JHU CSSE daily report `MM-DD-YYYY.csv`: cumulative counts per province on the report's day.
    JhuDaily,
    /// WHO `WHO-COVID-19-global-data.csv`.
    Who,
}

impl Source {
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "owid" => Some(Self::Owid),
            "jhu-timeseries" => Some(Self::JhuTimeSeries),
            "jhu-daily" => Some(Self::JhuDaily),
            "who" => Some(Self::Who),
            _ => None,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Self::Owid => "owid",
            Self::JhuTimeSeries => "jhu-timeseries",
            Self::JhuDaily => "jhu-daily",
            Self::Who => "who",
        }
    }

    /// Who must be credited wherever the data is shown.
    pub fn attribution(&self) -> &'static str {
        match self {
            Self::Owid => "Our World in Data (CC BY 4.0)",
            Self::JhuTimeSeries | Self::JhuDaily => "JHU CSSE COVID-19 Data (CC BY 4.0)",
            Self::Who => "WHO COVID-19 global data (attribution required)",
        }
    }
}

/// Who to credit for rows stored under a source name in `daily_cases` (`jhu` holds both JHU formats; a mapped
/// feed's own name points to its own terms).
pub fn attribution_of(stored_source: &str) -> String {
    known_attribution(stored_source)
        .map_or_else(|| format!("{stored_source} (see the source's own terms)"), str::to_owned)
}

/// The credit a source Surge knows asks for, by the name its rows are stored under; `None` for a mapped feed, whose
/// terms are its own.
pub fn known_attribution(stored_source: &str) -> Option<&'static str> {
    match stored_source {
        "jhu" => Some(Source::JhuTimeSeries.attribution()),
        other => Source::parse(other).map(|s| s.attribution()),
    }
}

/// Reads a source file. `file_name` matters for JHU daily reports, whose day is in the name (`12-31-2020.csv`);
/// `today` is the importer's date, after which no row may be dated.
pub fn import(source: &Source, file_name: &str, bytes: &[u8], today: Date) -> Result<Import, LakeError> {
    // The file's hash is worked out beside the reading, whose joining and checks run on one core.
    std::thread::scope(|scope| {
        let hash = scope.spawn(|| table::sha256_hex(bytes));
        let mut import = match source {
            Source::Owid => owid::read(bytes, file_name)?,
            Source::JhuTimeSeries => jhu::read_time_series(bytes, file_name)?,
            Source::JhuDaily => jhu::read_daily(bytes, file_name)?,
            Source::Who => who::read(bytes, file_name)?,
        };
        table::finish(&mut import, today);
        let sha256 = hash.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
        import.lineage = Lineage::hashed(source.name(), file_name, sha256, import.lineage.rows_read);
        Ok(import)
    })
}
