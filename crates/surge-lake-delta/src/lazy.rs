//! Record batches handed to the Delta writer as they are built: a thread gathers batch after batch a few ahead of
//! the writer, so an import never holds a whole table's Arrow columns at once (millions of rows made them gigabytes
//! beside the rows they came from) and gathering and encoding run at the same time on two cores.

use std::fmt;
use std::sync::Arc;

use deltalake::arrow::array::RecordBatch;
use deltalake::arrow::datatypes::SchemaRef;
use deltalake::datafusion::catalog::streaming::StreamingTable;
use deltalake::datafusion::datasource::provider_as_source;
use deltalake::datafusion::error::DataFusionError;
use deltalake::datafusion::execution::{SendableRecordBatchStream, TaskContext};
use deltalake::datafusion::logical_expr::{LogicalPlan, LogicalPlanBuilder};
use deltalake::datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use deltalake::datafusion::physical_plan::streaming::PartitionStream;

use crate::LakeStoreError;

/// Batches built but not yet taken by the writer.
const AHEAD: usize = 2;

/// Builds the batch of the rows at some indices, in that order.
type Build = Arc<dyn Fn(&[usize]) -> Result<RecordBatch, LakeStoreError> + Send + Sync>;

/// A plan whose rows are those at `order`'s indices, `per_batch` at a time, each batch made by `build` when the
/// writer is nearly ready for it; `None` for no rows. Every run of the plan builds them afresh (nothing is
/// consumed), and a writer that stops stops the thread at its next batch.
pub(crate) fn plan<F>(
    schema: SchemaRef,
    order: Vec<usize>,
    per_batch: usize,
    build: F,
) -> Result<Option<LogicalPlan>, LakeStoreError>
where
    F: Fn(&[usize]) -> Result<RecordBatch, LakeStoreError> + Send + Sync + 'static,
{
    if order.is_empty() {
        return Ok(None);
    }
    let lazy =
        Lazy { schema: schema.clone(), order: order.into(), per_batch: per_batch.max(1), build: Arc::new(build) };
    let table = StreamingTable::try_new(schema, vec![Arc::new(lazy) as Arc<dyn PartitionStream>])?;
    Ok(Some(LogicalPlanBuilder::scan("import", provider_as_source(Arc::new(table)), None)?.build()?))
}

struct Lazy {
    schema: SchemaRef,
    order: Arc<[usize]>,
    per_batch: usize,
    build: Build,
}

impl fmt::Debug for Lazy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lazy").field("rows", &self.order.len()).field("per_batch", &self.per_batch).finish()
    }
}

impl PartitionStream for Lazy {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, _: Arc<TaskContext>) -> SendableRecordBatchStream {
        let (sender, receiver) = tokio::sync::mpsc::channel(AHEAD);
        let (build, order, per_batch) = (self.build.clone(), self.order.clone(), self.per_batch);
        // A thread of its own, not a task: building a batch takes tens of milliseconds of one core.
        std::thread::spawn(move || {
            for chunk in order.chunks(per_batch) {
                let batch = build(chunk).map_err(|e| DataFusionError::External(Box::new(e)));
                let failed = batch.is_err();
                // A closed channel is a writer that stopped: nothing more is wanted.
                if sender.blocking_send(batch).is_err() || failed {
                    break;
                }
            }
        });
        let batches = futures_util::stream::unfold(receiver, |mut receiver| async move {
            receiver.recv().await.map(|batch| (batch, receiver))
        });
        Box::pin(RecordBatchStreamAdapter::new(self.schema.clone(), batches))
    }
}
