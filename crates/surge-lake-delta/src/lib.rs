//! The situation data lake's storage: Delta Lake tables of Parquet files, written with ACID commits so every import
//! is a new table version and older versions stay queryable, and read with DataFusion SQL. Other engines (Spark,
//! Trino, DuckDB) read the same tables. The lake is a local directory or a prefix in an S3-compatible bucket.

mod error;
mod format;
mod lake;
mod lazy;
mod platform;
mod rows;
mod situation;
mod store;

pub use deltalake::arrow;
pub use error::LakeStoreError;
pub use lake::{
    Commit, DAILY_CASES, FINDINGS, INGESTS, IngestReport, Lake, QueryLimits, QueryResult, REJECTED, TableInfo,
    measures_table,
};
pub use platform::{PLATFORM_FACTS, PlatformFact, platform_facts_schema, store_platform_facts};
pub use rows::{daily_cases_schema, findings_schema, ingests_schema, measures_schema, rejected_schema, write_parquet};
pub use situation::QueryTimes;
