//! Scoring a batch whose texts are produced chunk by chunk on the calling
//! thread. A JavaScript runtime's strings can only be read on its own thread,
//! so copying a large batch out of it is serial work; here each copied chunk
//! is scored on the worker pool while the caller copies the next, instead of
//! all copying first and all scoring after.

use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{mpsc, Arc};

use crate::error::{err, ErrorCode, Result};
use crate::model::{BatchPrediction, Model};
use crate::parallel;

/// Texts per chunk: enough that a spawn costs nothing beside scoring them
/// (about 4 ms for 256 reviews), few enough that the pool starts early.
pub const CHUNK: usize = 256;

/// A batch being scored: [`PendingBatch::wait`] collects it.
pub struct PendingBatch {
    n: usize,
    n_classes: usize,
    chunks: usize,
    done: mpsc::Receiver<(usize, Option<BatchPrediction>)>,
}

/// Start scoring `n` texts that `produce(range)` returns a chunk at a time
/// (on this thread, in order). A `produce` error stops producing and is
/// returned; chunks already started finish on their own and are dropped.
pub fn predict_batch_pipelined<E>(
    model: &Arc<Model>,
    n: usize,
    mut produce: impl FnMut(Range<usize>) -> std::result::Result<Vec<String>, E>,
) -> std::result::Result<PendingBatch, E> {
    let (tx, done) = mpsc::channel();
    let ranges = parallel::ranges(n, n.div_ceil(CHUNK));
    for range in &ranges {
        let texts = produce(range.clone())?;
        let (model, tx, start) = (Arc::clone(model), tx.clone(), range.start);
        parallel::spawn(move || {
            let strs: Vec<&str> = texts.iter().map(String::as_str).collect();
            // A panic must not unwind out of a pool job (it would abort).
            let scored = catch_unwind(AssertUnwindSafe(|| model.predict_block(&strs))).ok();
            // The receiver is gone only if the caller gave up: nothing to do.
            let _ = tx.send((start, scored));
        });
    }
    Ok(PendingBatch {
        n,
        n_classes: model.classes().len(),
        chunks: ranges.len(),
        done,
    })
}

impl PendingBatch {
    /// Wait for every chunk and return the predictions in input order.
    pub fn wait(self) -> Result<BatchPrediction> {
        let mut out = BatchPrediction::empty(self.n_classes, self.n);
        for _ in 0..self.chunks {
            match self.done.recv() {
                Ok((start, Some(part))) => out.put(start, &part),
                _ => return err(ErrorCode::Internal, "scoring a chunk of the batch failed"),
            }
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
