//! The lake: a directory of Delta tables. An import folds a file's rows into `daily_cases` (one new table version
//! per import, partitioned by source, older versions still readable), keeps the source's extra measures in its own
//! table, and records the ingest's lineage, findings and rejected rows; queries are read-only SQL over all tables.

use std::collections::HashMap;
use std::future::IntoFuture;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use deltalake::arrow::array::RecordBatch;
use deltalake::arrow::datatypes::SchemaRef;
use deltalake::datafusion::execution::context::SQLOptions;
use deltalake::datafusion::execution::runtime_env::RuntimeEnvBuilder;
use deltalake::datafusion::prelude::{SessionConfig, SessionContext, col, lit};
use deltalake::kernel::transaction::CommitProperties;
use deltalake::logstore::ObjectStoreRef;
use deltalake::operations::write::{SchemaMode, WriteBuilder};
use deltalake::protocol::SaveMode;
use deltalake::{DeltaTable, DeltaTableBuilder, DeltaTableError, ObjectStoreError, Path as ObjectPath};
use futures_util::{StreamExt, TryStreamExt};
use surge_lake::{DailyCase, Import};
use time::OffsetDateTime;
use tokio::task::JoinHandle;
use url::Url;

use crate::LakeStoreError;
use crate::{lazy, rows, store};

/// Rows per record batch handed to the writer.
pub(crate) const BATCH_ROWS: usize = 1 << 16;

/// The tables every import writes besides `daily_cases`.
pub const INGESTS: &str = "ingests";
pub const DAILY_CASES: &str = "daily_cases";
pub const FINDINGS: &str = "findings";
pub const REJECTED: &str = "rejected_rows";

/// A lake at one location: a local directory, or a prefix in an S3-compatible bucket.
#[derive(Debug, Clone)]
pub struct Lake {
    root: Url,
    /// Object store options (`aws_endpoint`, `aws_region`, …) for every table's store; empty for a directory.
    options: HashMap<String, String>,
    /// The store at the lake's root, for listing its tables.
    store: ObjectStoreRef,
}

/// What one import stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestReport {
    pub ingest_id: String,
    /// The `daily_cases` version this import made.
    pub daily_cases_version: u64,
    /// Rows the source now has in `daily_cases`, after the merge.
    pub source_rows: usize,
    /// The source's own measures table and its new version, when the file had extra measures.
    pub measures: Option<(String, u64)>,
}

/// A table and its state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableInfo {
    pub name: String,
    pub version: u64,
    pub files: usize,
}

/// One commit of a table, newest first in a history.
#[derive(Debug, Clone, PartialEq)]
pub struct Commit {
    pub version: u64,
    pub timestamp: Option<OffsetDateTime>,
    pub operation: String,
    /// What Surge recorded with the commit: the ingest, the source, the file and its hash.
    pub metadata: Vec<(String, String)>,
}

/// Bounds on a query, so that one official's question cannot take the server down.
#[derive(Debug, Clone, Copy)]
pub struct QueryLimits {
    pub max_rows: usize,
    pub timeout: Duration,
    /// Memory the query's operators may hold; beyond it, the query fails.
    pub memory_bytes: usize,
}

impl Default for QueryLimits {
    fn default() -> Self {
        Self { max_rows: 10_000, timeout: Duration::from_secs(10), memory_bytes: 512 << 20 }
    }
}

/// A query's answer, cut at the row limit.
#[derive(Debug, Clone)]
pub struct QueryResult {
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
    /// Whether rows beyond the limit were left off.
    pub truncated: bool,
}

impl QueryResult {
    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

/// A table's name for a source's own measures: `owid_measures`.
pub fn measures_table(source: &str) -> String {
    let name: String =
        source.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
    format!("{name}_measures")
}

impl Lake {
    /// Opens (creating the directory if need be) the lake at a path, a `file://` URL or an `s3://bucket/prefix` URL;
    /// an S3 store takes its endpoint, region and keys from the `AWS_*` environment variables.
    pub fn open(location: &str) -> Result<Self, LakeStoreError> {
        Self::open_with(location, HashMap::new())
    }

    /// Opens the lake with object store options (`aws_endpoint`, `aws_region`, `aws_allow_http`, …), which take
    /// precedence over the environment's.
    pub fn open_with(location: &str, options: HashMap<String, String>) -> Result<Self, LakeStoreError> {
        let root = match Url::parse(location) {
            Ok(url) if url.scheme() == "file" => {
                let path = url.to_file_path().map_err(|()| LakeStoreError::Location(location.to_owned()))?;
                Self::directory(&path, location)?
            }
            Ok(url) if url.scheme() == "s3" => {
                if url.host_str().is_none_or(str::is_empty) {
                    return Err(LakeStoreError::Location(location.to_owned()));
                }
                store::register_s3();
                // Table locations are joined onto the root, which must end in a slash to keep its last segment.
                let mut url = url;
                if !url.path().ends_with('/') {
                    url.set_path(&format!("{}/", url.path()));
                }
                url
            }
            // A Windows drive letter parses as a scheme; anything else with a scheme is a store this build lacks.
            Ok(url) if url.scheme().len() > 1 => return Err(LakeStoreError::Location(location.to_owned())),
            _ => Self::directory(Path::new(location), location)?,
        };
        let store = deltalake::logstore::store_for(&root, &options)?;
        Ok(Self { root, options, store })
    }

    fn directory(path: &Path, location: &str) -> Result<Url, LakeStoreError> {
        std::fs::create_dir_all(path)?;
        let path = path.canonicalize()?;
        Url::from_directory_path(&path).map_err(|()| LakeStoreError::Location(location.to_owned()))
    }

    pub fn root(&self) -> &Url {
        &self.root
    }

    fn table_url(&self, name: &str) -> Result<Url, LakeStoreError> {
        self.root.join(&format!("{name}/")).map_err(|_| LakeStoreError::UnknownTable(name.to_owned()))
    }

    fn builder(&self, name: &str) -> Result<DeltaTableBuilder, LakeStoreError> {
        Ok(DeltaTableBuilder::from_url(self.table_url(name)?)?.with_storage_options(self.options.clone()))
    }

    /// Whether a table has a log, asked of the store so that a table not yet written is not an error (the Delta
    /// kernel logs one when it opens a location with no commit).
    async fn exists(&self, name: &str) -> Result<bool, LakeStoreError> {
        let log = ObjectPath::from(name).join("_delta_log");
        match self.store.list(Some(&log)).next().await {
            None | Some(Err(ObjectStoreError::NotFound { .. })) => Ok(false),
            Some(Ok(_)) => Ok(true),
            Some(Err(e)) => Err(DeltaTableError::from(e).into()),
        }
    }

    /// The table, or `None` before its first write.
    pub(crate) async fn load(&self, name: &str) -> Result<Option<DeltaTable>, LakeStoreError> {
        if !self.exists(name).await? {
            return Ok(None);
        }
        self.load_listed(name).await
    }

    /// A table `table_names` listed, so known to have a log: opened without asking the store again.
    async fn load_listed(&self, name: &str) -> Result<Option<DeltaTable>, LakeStoreError> {
        let table = self.builder(name)?.load().await?;
        Ok(table.version().is_some().then_some(table))
    }

    /// The table to write to: loaded if it has been written, otherwise a new one that its first write creates (in a
    /// directory made first: the Delta kernel will not start a table in none).
    async fn writable(&self, name: &str) -> Result<DeltaTable, LakeStoreError> {
        if let Some(table) = self.load(name).await? {
            return Ok(table);
        }
        if let Ok(path) = self.table_url(name)?.to_file_path() {
            std::fs::create_dir_all(path)?;
        }
        Ok(self.builder(name)?.build()?)
    }

    async fn load_at(&self, name: &str, version: u64) -> Result<DeltaTable, LakeStoreError> {
        if !self.exists(name).await? {
            return Err(LakeStoreError::UnknownTable(name.to_owned()));
        }
        match self.builder(name)?.with_version(version).load().await {
            Ok(table) => Ok(table),
            Err(DeltaTableError::NotATable(_)) => Err(LakeStoreError::UnknownTable(name.to_owned())),
            Err(_) => Err(LakeStoreError::UnknownVersion { table: name.to_owned(), version: version as i64 }),
        }
    }

    /// The names of the tables in the lake, sorted.
    pub async fn table_names(&self) -> Result<Vec<String>, LakeStoreError> {
        let listing = self.store.list_with_delimiter(None).await.map_err(DeltaTableError::from)?;
        let mut names = Vec::new();
        for prefix in listing.common_prefixes {
            if let Some(name) = prefix.filename() {
                if self.exists(name).await? {
                    names.push(name.to_owned());
                }
            }
        }
        names.sort();
        Ok(names)
    }

    /// Each table with its current version and number of data files.
    pub async fn tables(&self) -> Result<Vec<TableInfo>, LakeStoreError> {
        let mut tables = Vec::new();
        for name in self.table_names().await? {
            if let Some(table) = self.load_listed(&name).await? {
                let files = table.get_file_uris()?.count();
                tables.push(TableInfo { name, version: table.version().unwrap_or_default(), files });
            }
        }
        Ok(tables)
    }

    /// The current version of each table, to tell when anything changed.
    pub async fn versions(&self) -> Result<Vec<(String, u64)>, LakeStoreError> {
        Ok(self.tables().await?.into_iter().map(|t| (t.name, t.version)).collect())
    }

    /// A table's commits, newest first.
    pub async fn history(&self, name: &str) -> Result<Vec<Commit>, LakeStoreError> {
        let table = self.load(name).await?.ok_or_else(|| LakeStoreError::UnknownTable(name.to_owned()))?;
        let latest = table.version().unwrap_or_default();
        let infos: Vec<_> = table.history(None).try_collect().await?;
        Ok(infos
            .into_iter()
            .enumerate()
            .map(|(i, info)| {
                let mut metadata: Vec<(String, String)> = info
                    .info
                    .iter()
                    .filter(|(k, _)| k.starts_with("surge."))
                    .map(|(k, v)| {
                        (k.trim_start_matches("surge.").to_owned(), v.as_str().unwrap_or_default().to_owned())
                    })
                    .collect();
                metadata.sort();
                Commit {
                    // History lists the commits newest first, one per version.
                    version: latest.saturating_sub(i as u64),
                    timestamp: info
                        .timestamp
                        .and_then(|ms| OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()),
                    operation: info.operation.unwrap_or_default(),
                    metadata,
                }
            })
            .collect())
    }

    /// Stores an import: its rows folded into `daily_cases` as one new version, its extra measures into the
    /// source's own table, then its findings, rejected rows and, last, its `ingests` row. Each table's write is
    /// atomic; a crash between them leaves no `ingests` row, and importing the same file again puts it right.
    /// The import is shared with the threads that gather its rows into batches as the writers take them.
    pub async fn import(
        &self,
        import: &Arc<Import>,
        imported_at: OffsetDateTime,
    ) -> Result<IngestReport, LakeStoreError> {
        let lineage = &import.lineage;
        let ingest_id = format!("{}-{}", imported_at.unix_timestamp(), lineage.sha256.get(..12).unwrap_or("none"));
        let commit = || {
            CommitProperties::default().with_metadata([
                ("surge.ingest_id".to_owned(), ingest_id.clone().into()),
                ("surge.source".to_owned(), lineage.source.clone().into()),
                ("surge.file_name".to_owned(), lineage.file_name.clone().into()),
                ("surge.sha256".to_owned(), lineage.sha256.clone().into()),
            ])
        };

        // The two large tables are written side by side: `daily_cases` is encoded in a task of its own while the
        // measures' rows are gathered and encoded here, so both cores work. Each commit is atomic on its own.
        let (daily_cases, source_rows) = self.start_daily_cases(import, &ingest_id, commit()).await?;
        let measures = if import.measures.is_empty() {
            Ok(None)
        } else {
            let name = measures_table(&lineage.source);
            self.write_measures(&name, import, &ingest_id, commit()).await.map(|version| Some((name, version)))
        };
        let measures = match measures {
            Ok(measures) => measures,
            Err(e) => {
                // Nothing records an ingest whose tables were not all written; its `daily_cases` write is stopped.
                daily_cases.abort();
                return Err(e);
            }
        };
        let daily_cases_version = daily_cases
            .await
            .map_err(|e| LakeStoreError::Data(format!("the write of {DAILY_CASES} stopped: {e}")))??
            .version()
            .unwrap_or_default();
        if !import.findings.is_empty() {
            let batch = rows::findings_batch(&import.findings, &lineage.source, &ingest_id)?;
            self.append(FINDINGS, vec![batch], commit()).await?;
        }
        if !import.rejected.is_empty() {
            self.append(REJECTED, vec![rows::rejected_batch(import, &ingest_id)?], commit()).await?;
        }
        let batch = rows::ingest_batch(import, &ingest_id, daily_cases_version as i64, imported_at)?;
        self.append(INGESTS, vec![batch], commit()).await?;
        tracing::info!(ingest_id, source = lineage.source, rows = import.rows.len(), daily_cases_version, "ingested");
        Ok(IngestReport { ingest_id, daily_cases_version, source_rows, measures })
    }

    /// A write to a table with the lake's Parquet settings (`rows::writer_properties`), which every write uses.
    fn writer(table: DeltaTable, batches: Vec<RecordBatch>) -> WriteBuilder {
        table.write(batches).with_writer_properties(rows::writer_properties())
    }

    async fn append(
        &self,
        name: &str,
        batches: Vec<RecordBatch>,
        commit: CommitProperties,
    ) -> Result<u64, LakeStoreError> {
        let table = self.writable(name).await?;
        let table =
            Self::writer(table, batches).with_save_mode(SaveMode::Append).with_commit_properties(commit).await?;
        Ok(table.version().unwrap_or_default())
    }

    /// How every query of the lake runs. A window of recent days lies at the end of a table written oldest first,
    /// and a scan is cut into a byte range per partition: with one partition per core (DataFusion's default), all of
    /// the window fell to one core. Eight ranges spread it over several.
    pub(crate) fn session_config() -> SessionConfig {
        SessionConfig::new().with_target_partitions(8)
    }

    /// Reads a table's rows matching a filter on one string column, or all of them.
    async fn read(&self, table: &DeltaTable, filter: Option<(&str, &str)>) -> Result<Vec<RecordBatch>, LakeStoreError> {
        let ctx = SessionContext::new_with_config(Self::session_config());
        table.update_datafusion_session(&ctx.state())?;
        let mut frame = ctx.read_table(table.table_provider().await?)?;
        if let Some((column, value)) = filter {
            frame = frame.filter(col(column).eq(lit(value)))?;
        }
        Ok(frame.collect().await?)
    }

    /// Starts the write of the import's rows into `daily_cases` in a task of its own, which is given back with the
    /// number of rows the source will have.
    async fn start_daily_cases(
        &self,
        import: &Arc<Import>,
        ingest_id: &str,
        commit: CommitProperties,
    ) -> Result<(JoinHandle<Result<DeltaTable, DeltaTableError>>, usize), LakeStoreError> {
        // Rows carry the source they are stored under (`jhu` for both JHU formats), which may differ from the
        // importer's name in the lineage.
        let source = import.rows.first().map_or(import.lineage.source.as_str(), |r| &*r.source);
        if let Some(other) = import.rows.iter().find(|r| &*r.source != source) {
            return Err(LakeStoreError::Data(format!("one import holds two sources, {source} and {}", other.source)));
        }
        let table = self.writable(DAILY_CASES).await?;
        let mut stored = Vec::new();
        if table.version().is_some() {
            for batch in self.read(&table, Some(("source", source))).await? {
                stored.extend(rows::daily_cases_rows(&batch)?);
            }
        }
        let builder = if table.version().is_none() {
            Self::writer(table, Vec::new()).with_partition_columns(["source"])
        } else {
            let only_this_source = col("source").eq(lit(source));
            // Merge: a lake written before a column was added (`country`) gains it, null in other sources' rows.
            Self::writer(table, Vec::new())
                .with_save_mode(SaveMode::Overwrite)
                .with_replace_where(only_this_source)
                .with_schema_mode(SchemaMode::Merge)
        };
        // A source's first import is written as read; later ones are merged with what the source already has.
        // Rows are written a few weeks at a time, oldest first (`rows::by_period`), so that a query for recent days
        // skips the files and row groups of older ones by their statistics. Batches are gathered as the writer
        // takes them (`lazy`).
        let ingest_id: Arc<str> = Arc::from(ingest_id);
        let schema = rows::daily_cases_schema();
        let (plan, count) = if stored.is_empty() {
            let order = rows::by_period(import.rows.iter().map(|r| rows::date32(r.date)));
            let (count, import) = (import.rows.len(), import.clone());
            let plan = lazy::plan(schema, order, BATCH_ROWS, move |chunk| {
                rows::daily_cases_batch(chunk.iter().map(|&i| (&import.rows[i], &*ingest_id)))
            })?;
            (plan, count)
        } else {
            let tagged: Vec<(DailyCase, Arc<str>)> =
                import.rows.iter().map(|row| (row.clone(), ingest_id.clone())).collect();
            let merged = Arc::new(surge_lake::merge_rows(stored, tagged));
            let order = rows::by_period(merged.iter().map(|(r, _)| rows::date32(r.date)));
            let count = merged.len();
            let plan = lazy::plan(schema, order, BATCH_ROWS, move |chunk| {
                rows::daily_cases_batch(chunk.iter().map(|&i| {
                    let (row, tag) = &merged[i];
                    (row, &**tag)
                }))
            })?;
            (plan, count)
        };
        let builder = match plan {
            Some(plan) => builder.with_input_plan(plan),
            None => builder.with_input_batches([RecordBatch::new_empty(rows::daily_cases_schema())]),
        };
        let write = builder.with_commit_properties(commit).into_future();
        Ok((tokio::spawn(write), count))
    }

    /// A source's measures, one row per place and day: new values replace stored ones of the same place, day and
    /// measure, and stored values the new file lacks are kept. A table still in the long form is made wide here.
    async fn write_measures(
        &self,
        name: &str,
        import: &Arc<Import>,
        ingest_id: &str,
        commit: CommitProperties,
    ) -> Result<u64, LakeStoreError> {
        let table = self.writable(name).await?;
        let ingest_id: Arc<str> = Arc::from(ingest_id);
        let measures = &import.measures;
        if table.version().is_none() {
            let schema = rows::measures_schema(&measures.names);
            let order = rows::by_period(measures.keys.iter().map(|(_, _, d)| rows::date32(*d)));
            let (import, batch_schema) = (import.clone(), schema.clone());
            let plan = lazy::plan(schema, order, BATCH_ROWS, move |chunk| {
                rows::measures_batch(&batch_schema, &import.measures, chunk, |_| &*ingest_id)
            })?;
            let Some(plan) = plan else { return Ok(0) };
            let table = Self::writer(table, Vec::new()).with_input_plan(plan).with_commit_properties(commit).await?;
            return Ok(table.version().unwrap_or_default());
        }
        let (stored, ingests) = rows::stored_measures(&self.read(&table, None).await?)?;
        let (merged, touched) = stored.update(measures);
        let schema = rows::measures_schema(&merged.names);
        let order = rows::by_period(merged.keys.iter().map(|(_, _, d)| rows::date32(*d)));
        let batch_schema = schema.clone();
        let plan = lazy::plan(schema.clone(), order, BATCH_ROWS, move |chunk| {
            // Rows the new file touched or added carry its ingest; the others keep the one that wrote them.
            let ingest_of = |i: usize| match (touched.get(i), ingests.get(i)) {
                (Some(false), Some(stored)) => &**stored,
                _ => &*ingest_id,
            };
            rows::measures_batch(&batch_schema, &merged, chunk, ingest_of)
        })?;
        // The whole table is rewritten under its new schema: new measures are added, and a long table becomes wide.
        let writer = Self::writer(table, Vec::new());
        let writer = match plan {
            Some(plan) => writer.with_input_plan(plan),
            None => writer.with_input_batches([RecordBatch::new_empty(schema)]),
        };
        let table = writer
            .with_save_mode(SaveMode::Overwrite)
            .with_schema_mode(SchemaMode::Overwrite)
            .with_commit_properties(commit)
            .await?;
        Ok(table.version().unwrap_or_default())
    }

    /// Replaces a whole table with new rows (the platform's facts, recounted each time).
    pub async fn replace(&self, name: &str, batches: Vec<RecordBatch>, note: &str) -> Result<u64, LakeStoreError> {
        let table = self.writable(name).await?;
        let commit = CommitProperties::default().with_metadata([("surge.note".to_owned(), note.to_owned().into())]);
        let table =
            Self::writer(table, batches).with_save_mode(SaveMode::Overwrite).with_commit_properties(commit).await?;
        Ok(table.version().unwrap_or_default())
    }

    /// Runs one read-only SQL query over every table, each at its latest version or at the version given for it in
    /// `at`. DDL, DML (INSERT, COPY) and statements (SET, …) are refused before anything runs.
    pub async fn sql(
        &self,
        query: &str,
        limits: QueryLimits,
        at: &[(String, u64)],
    ) -> Result<QueryResult, LakeStoreError> {
        let pinned: HashMap<&str, u64> = at.iter().map(|(name, version)| (name.as_str(), *version)).collect();
        let names = self.table_names().await?;
        for name in pinned.keys() {
            if !names.iter().any(|n| n == name) {
                return Err(LakeStoreError::UnknownTable((*name).to_owned()));
            }
        }
        let runtime = RuntimeEnvBuilder::new().with_memory_limit(limits.memory_bytes, 1.0).build_arc()?;
        let ctx = SessionContext::new_with_config_rt(Self::session_config(), runtime);
        for name in &names {
            let table = match pinned.get(name.as_str()) {
                Some(version) => self.load_at(name, *version).await?,
                None => match self.load_listed(name).await? {
                    Some(table) => table,
                    None => continue,
                },
            };
            table.update_datafusion_session(&ctx.state())?;
            ctx.register_table(name.as_str(), table.table_provider().await?)?;
        }
        let run = async {
            let plan = ctx.state().create_logical_plan(query).await?;
            let options = SQLOptions::new().with_allow_ddl(false).with_allow_dml(false).with_allow_statements(false);
            options.verify_plan(&plan).map_err(|e| LakeStoreError::NotAQuery(e.strip_backtrace()))?;
            let frame = ctx.execute_logical_plan(plan).await?;
            let schema: SchemaRef = Arc::new(frame.schema().as_arrow().clone());
            let mut stream = frame.execute_stream().await?;
            let mut batches = Vec::new();
            let mut rows = 0;
            let mut truncated = false;
            while let Some(batch) = stream.next().await {
                let batch = batch?;
                let room = limits.max_rows - rows;
                if batch.num_rows() > room {
                    batches.push(batch.slice(0, room));
                    truncated = true;
                    break;
                }
                rows += batch.num_rows();
                batches.push(batch);
            }
            Ok::<_, LakeStoreError>(QueryResult { schema, batches, truncated })
        };
        tokio::time::timeout(limits.timeout, run)
            .await
            .map_err(|_| LakeStoreError::Timeout(limits.timeout.as_millis() as u64))?
    }
}
