//! The situation data lake's storage: Delta Lake tables of Parquet files, queried with DataFusion.

pub use deltalake;
