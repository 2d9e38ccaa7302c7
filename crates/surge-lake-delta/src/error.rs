//! Why the lake could not store or answer, with stable codes.

use deltalake::DeltaTableError;
use deltalake::arrow::error::ArrowError;
use deltalake::datafusion::error::DataFusionError;

#[derive(Debug, thiserror::Error)]
pub enum LakeStoreError {
    #[error("the lake's location {0:?} is neither a directory nor a file:// URL")]
    Location(String),
    #[error("no table {0:?} in the lake")]
    UnknownTable(String),
    #[error("table {table:?} has no version {version}")]
    UnknownVersion { table: String, version: i64 },
    /// A statement that would change the lake, or anything but a query.
    #[error("only SELECT queries may be run here: {0}")]
    NotAQuery(String),
    #[error("the query took longer than {0} ms and was stopped")]
    Timeout(u64),
    #[error("query: {0}")]
    Query(String),
    #[error("delta: {0}")]
    Delta(#[from] DeltaTableError),
    #[error("arrow: {0}")]
    Arrow(#[from] ArrowError),
    #[error("stored data: {0}")]
    Data(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl From<DataFusionError> for LakeStoreError {
    fn from(e: DataFusionError) -> Self {
        Self::Query(e.strip_backtrace())
    }
}

impl LakeStoreError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Location(_) => "lake_location_invalid",
            Self::UnknownTable(_) => "table_unknown",
            Self::UnknownVersion { .. } => "version_unknown",
            Self::NotAQuery(_) => "query_not_read_only",
            Self::Timeout(_) => "query_timeout",
            Self::Query(_) => "query_invalid",
            Self::Delta(_) => "delta_failed",
            Self::Arrow(_) => "arrow_failed",
            Self::Data(_) => "lake_data_invalid",
            Self::Io(_) => "io_failed",
        }
    }

    /// Whether the caller's input was at fault (exit code 2) rather than the lake.
    pub fn is_input(&self) -> bool {
        matches!(
            self,
            Self::UnknownTable(_)
                | Self::UnknownVersion { .. }
                | Self::NotAQuery(_)
                | Self::Query(_)
                | Self::Timeout(_)
        )
    }
}
