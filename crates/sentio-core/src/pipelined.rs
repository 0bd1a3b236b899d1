//! Work on a batch whose inputs are produced chunk by chunk on the calling
//! thread. A JavaScript runtime's strings can only be read on its own
//! thread, so copying a large batch out of it is serial work; here each
//! copied chunk is processed on the worker pool while the caller copies the
//! next, instead of all copying first and all processing after. [`start`]
//! is the mechanism; scoring ([`predict_batch_pipelined`]) and training's
//! tokenizing (`pipelined_tokens`) use it.

use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{mpsc, Arc};

use crate::error::{err, ErrorCode, Result};
use crate::model::{BatchPrediction, Model};
use crate::parallel;

/// Texts per chunk: enough that a spawn costs nothing beside scoring them
/// (about 4 ms for 256 reviews), few enough that the pool starts early.
pub const CHUNK: usize = 256;

/// Chunks being processed: [`Pending::wait`] collects them.
pub struct Pending<R> {
    chunks: usize,
    done: mpsc::Receiver<(usize, Option<R>)>,
}

/// For each of `ranges` in order, `produce(range)` on this thread, then
/// `work` on its output on the worker pool. A `produce` error stops
/// producing and is returned; chunks already started finish on their own
/// and are dropped.
pub fn start<T, R, E, F>(
    ranges: &[Range<usize>],
    mut produce: impl FnMut(Range<usize>) -> std::result::Result<T, E>,
    work: F,
) -> std::result::Result<Pending<R>, E>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> R + Send + Sync + 'static,
{
    let work = Arc::new(work);
    let (tx, done) = mpsc::channel();
    for (i, range) in ranges.iter().enumerate() {
        let input = produce(range.clone())?;
        let (work, tx) = (Arc::clone(&work), tx.clone());
        parallel::spawn(move || {
            // A panic must not unwind out of a pool job (it would abort).
            let out = catch_unwind(AssertUnwindSafe(|| work(input))).ok();
            // The receiver is gone only if the caller gave up: nothing to do.
            let _ = tx.send((i, out));
        });
    }
    Ok(Pending {
        chunks: ranges.len(),
        done,
    })
}

impl<R> Pending<R> {
    /// Every chunk's result, in chunk order; None if a chunk's work failed.
    pub fn wait(self) -> Option<Vec<R>> {
        let mut out: Vec<Option<R>> = (0..self.chunks).map(|_| None).collect();
        for _ in 0..self.chunks {
            match self.done.recv() {
                Ok((i, Some(r))) if i < out.len() => out[i] = Some(r),
                _ => return None,
            }
        }
        out.into_iter().collect()
    }
}

/// A batch being scored: [`PendingBatch::wait`] collects it.
pub struct PendingBatch {
    n: usize,
    n_classes: usize,
    scoring: Pending<BatchPrediction>,
}

/// Start scoring `n` texts that `produce(range)` returns a chunk at a time
/// (on this thread, in order), as [`start`] does.
pub fn predict_batch_pipelined<E>(
    model: &Arc<Model>,
    n: usize,
    produce: impl FnMut(Range<usize>) -> std::result::Result<Vec<String>, E>,
) -> std::result::Result<PendingBatch, E> {
    let ranges = parallel::ranges(n, n.div_ceil(CHUNK));
    let scorer = Arc::clone(model);
    let scoring = start(&ranges, produce, move |texts: Vec<String>| {
        let strs: Vec<&str> = texts.iter().map(String::as_str).collect();
        scorer.predict_block(&strs)
    })?;
    Ok(PendingBatch {
        n,
        n_classes: model.classes().len(),
        scoring,
    })
}

impl PendingBatch {
    /// Wait for every chunk and return the predictions in input order.
    pub fn wait(self) -> Result<BatchPrediction> {
        let Some(parts) = self.scoring.wait() else {
            return err(ErrorCode::Internal, "scoring a chunk of the batch failed");
        };
        let mut out = BatchPrediction::empty(self.n_classes, self.n);
        let mut at = 0;
        for part in &parts {
            out.put(at, part);
            at += part.labels.len();
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{TrainConfig, Trainer};

    fn model() -> Arc<Model> {
        let texts = ["good fun", "great film", "bad plot", "awful, boring", "fine"];
        let labels = ["pos", "pos", "neg", "neg", "pos"];
        Arc::new(Trainer::fit(TrainConfig::default(), &texts, &labels).unwrap())
    }

    #[test]
    fn same_predictions_as_predict_batch_in_order() {
        let m = model();
        let texts: Vec<String> = (0..3 * CHUNK + 7)
            .map(|i| ["good fun", "bad plot", "", "great but boring"][i % 4].repeat(1 + i % 3))
            .collect();
        let mut asked = Vec::new();
        let pending = predict_batch_pipelined(&m, texts.len(), |r| {
            asked.push(r.clone());
            Ok::<_, ()>(texts[r].to_vec())
        })
        .unwrap();
        let strs: Vec<&str> = texts.iter().map(String::as_str).collect();
        assert_eq!(pending.wait().unwrap(), m.predict_batch(&strs));
        // Chunks of at most CHUNK texts, asked for in order, tiling the batch.
        assert_eq!(asked.len(), 4);
        assert!(asked.iter().all(|r| r.len() <= CHUNK));
        assert!(asked.windows(2).all(|w| w[0].end == w[1].start));
        assert_eq!((asked[0].start, asked[3].end), (0, texts.len()));
        let empty = predict_batch_pipelined(&m, 0, |_| Ok::<_, ()>(Vec::new())).unwrap();
        assert_eq!(empty.wait().unwrap().labels, Vec::<u32>::new());
    }

    #[test]
    fn a_produce_error_stops_and_is_returned() {
        let m = model();
        let mut calls = 0;
        let result = predict_batch_pipelined(&m, 5 * CHUNK, |r| {
            calls += 1;
            if r.start >= 2 * CHUNK {
                Err("texts[512] is not a string")
            } else {
                Ok(vec!["good".to_string(); r.len()])
            }
        });
        assert_eq!(result.err(), Some("texts[512] is not a string"));
        assert_eq!(calls, 3);
    }
}
