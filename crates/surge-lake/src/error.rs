//! Why a file could not be imported at all (a bad row is rejected with its line instead), with stable codes.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LakeError {
    /// The header lacks a column the format needs.
    #[error("{file}: no {column:?} column{hint}")]
    MissingColumn { file: String, column: String, hint: String },
    #[error("{0}: not a CSV file with a header row")]
    NotCsv(String),
    #[error("the file name {0:?} holds no report date (MM-DD-YYYY)")]
    NoReportDate(String),
    #[error("mapping: {0}")]
    Mapping(String),
    /// A JHU time series whose name says neither confirmed nor deaths.
    #[error("the file name {0:?} names no measure (confirmed or deaths)")]
    UnknownMeasure(String),
}

impl LakeError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingColumn { .. } => "column_missing",
            Self::NotCsv(_) => "not_csv",
            Self::NoReportDate(_) => "report_date_missing",
            Self::Mapping(_) => "mapping_invalid",
            Self::UnknownMeasure(_) => "measure_unknown",
        }
    }
}
