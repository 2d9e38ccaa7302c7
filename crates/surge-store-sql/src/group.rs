//! Group commit: writes that arrive while a transaction is being committed share the next one.
//!
//! Every commit waits for the disk (SQLite in WAL mode with `synchronous = FULL` fsyncs its log; PostgreSQL flushes
//! its WAL), so one write per transaction caps a server near one write per fsync, whatever the number of clients.
//! A committer task takes what is queued (up to a limit) and writes it in one transaction; each caller still hears
//! back only after its own write is on disk. If a group fails, each of its writes is tried on its own, so one bad
//! write never takes others with it. A single caller that waits for each write sees exactly what it saw before: a
//! group of one.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use surge_app::StoreError;
use tokio::sync::{mpsc, oneshot};

/// Most writes one transaction takes: enough to share each fsync widely, few enough to keep the writer's lock short.
pub(crate) const MAX_GROUP: usize = 256;

/// Writes a group of items in one transaction: one answer per item, in order, or an error for the whole group
/// (nothing written).
pub(crate) trait GroupWrite: Send + Sync + 'static {
    type Item: Clone + Send + Sync + 'static;
    type Done: Send + 'static;
    /// Short name for the logs.
    const WHAT: &'static str;

    fn write(&self, items: &[&Self::Item]) -> impl Future<Output = Result<Vec<Self::Done>, StoreError>> + Send;
}

struct Job<I, R> {
    item: I,
    done: oneshot::Sender<Result<R, StoreError>>,
}

type Answer<R> = Pin<Box<dyn Future<Output = Result<R, StoreError>> + Send>>;

/// The queue in front of one committer task, for items `I` answered with `R`. Clones share it.
pub(crate) struct GroupCommitter<I, R> {
    queue: mpsc::UnboundedSender<Job<I, R>>,
    /// Writes one item in a transaction of its own, when the committer task is gone.
    alone: Arc<dyn Fn(I) -> Answer<R> + Send + Sync>,
    what: &'static str,
}

impl<I, R> Clone for GroupCommitter<I, R> {
    fn clone(&self) -> Self {
        Self { queue: self.queue.clone(), alone: self.alone.clone(), what: self.what }
    }
}

impl<I, R> std::fmt::Debug for GroupCommitter<I, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommitter").field("what", &self.what).finish()
    }
}

impl<I: Clone + Send + Sync + 'static, R: Send + 'static> GroupCommitter<I, R> {
    /// Starts the committer task on the current runtime; it ends when every clone is dropped.
    pub(crate) fn spawn<G: GroupWrite<Item = I, Done = R>>(writer: G, max_group: usize) -> Self {
        let writer = Arc::new(writer);
        let (queue, mut jobs) = mpsc::unbounded_channel::<Job<I, R>>();
        let task_writer = writer.clone();
        tokio::spawn(async move {
            while let Some(first) = jobs.recv().await {
                let mut group = vec![first];
                while group.len() < max_group {
                    match jobs.try_recv() {
                        Ok(next) => group.push(next),
                        Err(_) => break,
                    }
                }
                let items: Vec<&I> = group.iter().map(|job| &job.item).collect();
                match task_writer.write(&items).await {
                    Ok(done) if done.len() == group.len() => {
                        for (job, done) in group.into_iter().zip(done) {
                            let _ = job.done.send(Ok(done));
                        }
                    }
                    Ok(done) => {
                        let e = format!("{} answers for {} writes", done.len(), group.len());
                        for job in group {
                            let _ = job.done.send(Err(StoreError::Corrupt(e.clone())));
                        }
                    }
                    Err(e) if group.len() == 1 => {
                        if let Some(job) = group.pop() {
                            let _ = job.done.send(Err(e));
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, writes = group.len(), what = G::WHAT, "a group failed; writing each alone");
                        for job in group {
                            let _ = job.done.send(write_alone(&*task_writer, &job.item).await);
                        }
                    }
                }
            }
        });
        let alone = move |item: I| -> Answer<R> {
            let writer = writer.clone();
            Box::pin(async move { write_alone(&*writer, &item).await })
        };
        Self { queue, alone: Arc::new(alone), what: G::WHAT }
    }

    /// Writes `item` with whatever else is queued, and answers once it is committed.
    pub(crate) async fn commit(&self, item: &I) -> Result<R, StoreError> {
        let (done, answer) = oneshot::channel();
        if let Err(mpsc::error::SendError(job)) = self.queue.send(Job { item: item.clone(), done }) {
            // The committer is gone (its runtime ended): write directly.
            return (self.alone)(job.item).await;
        }
        // No answer: the committer stopped mid-write (its runtime ended). Whether that write committed is unknown,
        // so the caller is told to try again rather than the item written a second time here.
        answer.await.unwrap_or_else(|_| {
            Err(StoreError::Unavailable(format!("the {} writer stopped; the write may not have been made", self.what)))
        })
    }
}

async fn write_alone<G: GroupWrite>(writer: &G, item: &G::Item) -> Result<G::Done, StoreError> {
    writer.write(&[item]).await?.pop().ok_or_else(|| StoreError::Corrupt(format!("no answer for a {}", G::WHAT)))
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// Doubles numbers; a group holding 13 fails whole, as a transaction with one bad row would.
    struct Doubler(Arc<Mutex<Vec<usize>>>);

    impl GroupWrite for Doubler {
        type Item = u32;
        type Done = u32;
        const WHAT: &'static str = "number";

        async fn write(&self, items: &[&u32]) -> Result<Vec<u32>, StoreError> {
            self.0.lock().unwrap().push(items.len());
            if items.iter().any(|n| **n == 13) {
                return Err(StoreError::Database("13 is refused".into()));
            }
            Ok(items.iter().map(|n| **n * 2).collect())
        }
    }

    #[tokio::test]
    async fn writes_queued_together_share_one_group_and_a_bad_one_fails_alone() {
        let groups = Arc::new(Mutex::new(Vec::new()));
        let committer = GroupCommitter::spawn(Doubler(groups.clone()), 4);
        // On this one-thread runtime every caller queues its write before the committer runs again.
        let callers: Vec<_> = (10..20)
            .map(|n| {
                let committer = committer.clone();
                tokio::spawn(async move { committer.commit(&n).await })
            })
            .collect();
        let mut answers = Vec::new();
        for caller in callers {
            answers.push(caller.await.unwrap());
        }
        for (n, answer) in (10..20).zip(&answers) {
            match answer {
                Ok(doubled) => assert_eq!(*doubled, n * 2),
                Err(e) => assert_eq!((n, e.to_string().contains("13 is refused")), (13, true)),
            }
        }
        assert_eq!(answers.iter().filter(|a| a.is_err()).count(), 1);
        // Groups of at most four: 10-13 fails whole and is retried one by one; 14-17; 18-19.
        assert_eq!(*groups.lock().unwrap(), vec![4, 1, 1, 1, 1, 4, 2]);
    }

    #[test]
    fn without_its_runtime_the_committer_is_bypassed_and_each_write_made_alone() {
        let groups = Arc::new(Mutex::new(Vec::new()));
        let runtime = || tokio::runtime::Builder::new_current_thread().build().unwrap();
        let committer = runtime().block_on(async { GroupCommitter::spawn(Doubler(groups.clone()), 4) });
        // The runtime that ran the committer is gone; the store is used from another.
        runtime().block_on(async {
            assert_eq!(committer.commit(&21).await.unwrap(), 42);
            assert!(committer.commit(&13).await.is_err());
        });
        assert_eq!(*groups.lock().unwrap(), vec![1, 1]);
    }
}
