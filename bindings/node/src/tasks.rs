//! The async work behind the `*Async` exports, run on the libuv thread pool
//! (`napi::Task`). Every task owns its inputs: borrowed JS memory cannot leave
//! the JS thread. `compute` never fails at the napi level: it returns the
//! engine's outcome as plain data (panics caught), and `resolve` turns an
//! error into a JS `Error` with its stable `code` to reject the promise with.

use std::path::PathBuf;
use std::sync::Arc;

use napi::bindgen_prelude::*;

use sentio_core::pipelined::{self, PendingBatch};

use crate::args;
use crate::errors::{guard_task, BindingError};
use crate::model::{read_model, JsBatchPrediction, Model};
use crate::trainer::{fit, Checkout, TrainInput};

type Outcome<T> = std::result::Result<T, BindingError>;

/// Settle: the value, or a rejection carrying the error's `code`.
fn settle<T, U>(env: Env, outcome: Outcome<T>, f: impl FnOnce(T) -> U) -> napi::Result<U> {
    outcome.map(f).map_err(|e| e.into_rejection(env))
}

/// `Model.loadAsync`: read + parse a model file.
pub struct LoadModelTask {
    pub(crate) path: PathBuf,
}

impl Task for LoadModelTask {
    type Output = Outcome<sentio_core::Model>;
    type JsValue = Model;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(guard_task(|| read_model(&self.path)))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<Model> {
        settle(env, output, Model::from_core)
    }
}

/// Batches at least this large are copied and scored chunk by chunk, side by
/// side (see `sentio_core::pipelined`); smaller ones are copied, then scored.
const PIPELINE_MIN: usize = 2 * pipelined::CHUNK;

/// A batch for `predictBatch` / `predictBatchAsync`: copied texts, or a large
/// batch whose chunks were started on the pool while it was being copied.
pub enum BatchWork {
    Texts(Vec<String>),
    Pending(PendingBatch),
}

impl BatchWork {
    /// Copy the JS array `texts` (on the JS thread, as it must be).
    pub fn start(model: &Arc<sentio_core::Model>, texts: Unknown<'_>) -> crate::errors::Result<BatchWork> {
        let arr = args::array(texts, "texts")?;
        let n = arr.len() as usize;
        Ok(if n < PIPELINE_MIN {
            BatchWork::Texts(args::strings_in(&arr, "texts", 0..n)?)
        } else {
            BatchWork::Pending(pipelined::predict_batch_pipelined(model, n, |r| {
                args::strings_in(&arr, "texts", r)
            })?)
        })
    }

    /// Score (or wait for) the batch.
    pub fn finish(self, model: &sentio_core::Model) -> std::result::Result<sentio_core::BatchPrediction, BindingError> {
        match self {
            BatchWork::Texts(texts) => Ok(model.predict_batch(&args::as_strs(&texts))),
            BatchWork::Pending(pending) => Ok(pending.wait()?),
        }
    }
}

/// `Model#predictBatchAsync`.
pub struct PredictBatchTask {
    pub(crate) model: Arc<sentio_core::Model>,
    pub(crate) work: Option<BatchWork>,
}

impl Task for PredictBatchTask {
    type Output = Outcome<sentio_core::BatchPrediction>;
    type JsValue = JsBatchPrediction;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let work = self.work.take();
        Ok(guard_task(|| match work {
            Some(work) => work.finish(&self.model),
            None => Err(BindingError::new(
                sentio_core::ErrorCode::Internal.as_str(),
                "predictBatchAsync task computed twice",
            )),
        }))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<JsBatchPrediction> {
        settle(env, output, JsBatchPrediction::from)
    }
}

/// `trainAsync`.
pub struct TrainTask {
    /// Taken by `compute` (it runs once).
    pub(crate) input: Option<TrainInput>,
    pub(crate) labels: Vec<String>,
}

impl Task for TrainTask {
    type Output = Outcome<sentio_core::Model>;
    type JsValue = Model;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let (input, labels) = (self.input.take(), std::mem::take(&mut self.labels));
        Ok(guard_task(move || match input {
            Some(input) => fit(input, labels),
            None => Err(BindingError::new(
                sentio_core::ErrorCode::Internal.as_str(),
                "the training task ran twice",
            )),
        }))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<Model> {
        settle(env, output, Model::from_core)
    }
}

/// What a `TrainerStepTask` does.
pub enum TrainerStep {
    Observe { texts: Vec<String> },
    Learn { texts: Vec<String>, labels: Vec<String> },
}

/// `Trainer#observeAsync` / `Trainer#learnAsync`, on a checked-out trainer.
pub struct TrainerStepTask {
    pub(crate) checkout: Checkout,
    pub(crate) step: TrainerStep,
}

impl Task for TrainerStepTask {
    type Output = Outcome<()>;
    type JsValue = ();

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let step = &self.step;
        Ok(self.checkout.run(|t| match step {
            TrainerStep::Observe { texts } => t.observe(&args::as_strs(texts)),
            TrainerStep::Learn { texts, labels } => t.learn(&args::as_strs(texts), &args::as_strs(labels)),
        }))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<()> {
        settle(env, output, |()| ())
    }
}

/// `Trainer#finishAsync`.
pub struct FinishTask {
    pub(crate) checkout: Checkout,
}

impl Task for FinishTask {
    type Output = Outcome<sentio_core::Model>;
    type JsValue = Model;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(self.checkout.finish())
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<Model> {
        settle(env, output, Model::from_core)
    }
}
