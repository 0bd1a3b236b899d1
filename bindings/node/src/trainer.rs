//! `Trainer` (streaming training) and the one-shot `train` / `trainAsync`.
//!
//! The core trainer lives in a shared slot, `Arc<Mutex<Shared>>`. A sync call
//! works on it in place (under `try_lock`); an async call *checks it out*:
//! the slot is marked busy and the trainer itself moves into the task, so the
//! libuv thread owns it outright and no lock is held while it works. Until the
//! task puts it back, every other call throws `TRAINER_BUSY`; after `finish`
//! they throw `TRAINER_FINISHED`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};

use napi::bindgen_prelude::{AsyncTask, Unknown};
use napi_derive::napi;
use sentio_core::pipelined_tokens::{tokenize_pipelined, PendingTokens};
use sentio_core::{PackedTexts, TrainConfig};

use crate::args;
use crate::errors::{core_err, guard, BindingError, Result, PANIC, TRAINER_BUSY, TRAINER_FINISHED};
use crate::model::Model;
use crate::tasks::{FinishTask, TrainTask, TrainerStep, TrainerStepTask};

enum State {
    Idle(Box<sentio_core::Trainer>),
    /// Checked out by an async task.
    Busy,
    Finished,
    /// A panic was caught while the trainer worked: its state is unknown.
    Broken,
}

struct Shared {
    state: State,
    /// `learnedDocuments` as of the last completed call.
    learned: u64,
}

fn state_error(state: &State) -> BindingError {
    match state {
        State::Busy => BindingError::new(
            TRAINER_BUSY,
            "the trainer is busy with an async call (observeAsync, learnAsync or finishAsync): await it first",
        ),
        State::Finished => BindingError::new(TRAINER_FINISHED, "the trainer was already finished"),
        State::Broken => BindingError::new(
            PANIC,
            "the trainer is unusable after an internal error in an earlier call",
        ),
        State::Idle(_) => BindingError::new(sentio_core::ErrorCode::Internal.as_str(), "trainer state error"),
    }
}

/// The shared slot holding a core trainer.
#[derive(Clone)]
pub(crate) struct Slot(Arc<Mutex<Shared>>);

impl Slot {
    fn new(trainer: sentio_core::Trainer) -> Self {
        Slot(Arc::new(Mutex::new(Shared {
            state: State::Idle(Box::new(trainer)),
            learned: 0,
        })))
    }

    /// For calls from JS: contention means an async task is touching the slot.
    fn try_lock(&self) -> std::result::Result<MutexGuard<'_, Shared>, BindingError> {
        match self.0.try_lock() {
            Ok(g) => Ok(g),
            Err(TryLockError::WouldBlock) => Err(state_error(&State::Busy)),
            // Nothing panics while holding the lock (work runs under catch_unwind).
            Err(TryLockError::Poisoned(p)) => Ok(p.into_inner()),
        }
    }

    /// For the pool threads: critical sections are a few moves, so block.
    fn lock(&self) -> MutexGuard<'_, Shared> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn put_back(&self, trainer: Box<sentio_core::Trainer>) {
        let mut shared = self.lock();
        shared.learned = trainer.learned_documents();
        shared.state = State::Idle(trainer);
    }

    fn set(&self, state: State) {
        self.lock().state = state;
    }

    /// Run a sync call on the trainer in place.
    fn with<T>(
        &self,
        f: impl FnOnce(&mut sentio_core::Trainer) -> sentio_core::Result<T>,
    ) -> std::result::Result<T, BindingError> {
        let mut guard = self.try_lock()?;
        let shared = &mut *guard;
        let State::Idle(trainer) = &mut shared.state else {
            return Err(state_error(&shared.state));
        };
        match catch_unwind(AssertUnwindSafe(|| f(trainer))) {
            Ok(result) => {
                shared.learned = trainer.learned_documents();
                Ok(result?)
            }
            Err(payload) => {
                shared.state = State::Broken;
                Err(BindingError::panic(payload))
            }
        }
    }

    /// Take the trainer out for `finish` (sync or async) or an async step.
    fn take(&self, then: State) -> std::result::Result<Box<sentio_core::Trainer>, BindingError> {
        let mut shared = self.try_lock()?;
        match std::mem::replace(&mut shared.state, then) {
            State::Idle(trainer) => Ok(trainer),
            other => {
                let e = state_error(&other);
                shared.state = other;
                Err(e)
            }
        }
    }

    /// Check the trainer out for an async task (marks the slot busy).
    pub(crate) fn check_out(&self) -> std::result::Result<Checkout, BindingError> {
        Ok(Checkout {
            slot: self.clone(),
            trainer: Some(self.take(State::Busy)?),
        })
    }
}

/// A trainer moved out of its slot into an async task. Dropped without being
/// used (e.g. the task never ran), it returns the trainer to the slot.
pub(crate) struct Checkout {
    slot: Slot,
    trainer: Option<Box<sentio_core::Trainer>>,
}

impl Checkout {
    /// Run `f` on the trainer, then put it back (or mark the slot broken on a panic).
    pub(crate) fn run(
        &mut self,
        f: impl FnOnce(&mut sentio_core::Trainer) -> sentio_core::Result<()>,
    ) -> std::result::Result<(), BindingError> {
        let Some(mut trainer) = self.trainer.take() else {
            return Err(state_error(&State::Finished));
        };
        match catch_unwind(AssertUnwindSafe(|| f(&mut trainer))) {
            Ok(result) => {
                self.slot.put_back(trainer);
                Ok(result?)
            }
            Err(payload) => {
                self.slot.set(State::Broken);
                drop(trainer);
                Err(BindingError::panic(payload))
            }
        }
    }

    /// Finish training. A trainer that is not ready (no documents, one
    /// class, passes that disagree) goes back to the slot, usable; otherwise
    /// the slot ends `Finished` whatever the outcome (the core's `finish`
    /// consumes the trainer, even when it fails).
    pub(crate) fn finish(&mut self) -> std::result::Result<sentio_core::Model, BindingError> {
        let Some(trainer) = self.trainer.take() else {
            return Err(state_error(&State::Finished));
        };
        if let Err(e) = trainer.ready() {
            self.slot.put_back(trainer);
            return Err(e.into());
        }
        let result = finish(trainer);
        self.slot.set(if matches!(&result, Err(e) if e.code == PANIC) {
            State::Broken
        } else {
            State::Finished
        });
        result
    }
}

impl Drop for Checkout {
    fn drop(&mut self) {
        if let Some(trainer) = self.trainer.take() {
            self.slot.put_back(trainer);
        }
    }
}

fn finish(trainer: Box<sentio_core::Trainer>) -> std::result::Result<sentio_core::Model, BindingError> {
    match catch_unwind(AssertUnwindSafe(move || trainer.finish())) {
        Ok(result) => Ok(result?),
        Err(payload) => Err(BindingError::panic(payload)),
    }
}

/// Streaming training. Feed documents in chunks with `learn` (one pass), or
/// `observe` every chunk and then `learn` every chunk again (two passes:
/// memory bounded by the vocabulary). Then `finish` to get the `Model`.
///
/// The `*Async` methods run on the libuv thread pool. While one runs, every
/// other call on this trainer throws `TRAINER_BUSY`; await it first. After
/// `finish` / `finishAsync` calls throw `TRAINER_FINISHED`, unless finishing
/// failed before building (`EMPTY_TRAINING_SET`, `SINGLE_CLASS`,
/// `TRAINER_STATE`): then the trainer stays usable.
#[napi]
pub struct Trainer {
    slot: Slot,
}

#[napi]
impl Trainer {
    /// Create a trainer from a JSON training config (snake_case keys, named as
    /// scikit-learn's `TfidfVectorizer` / `MultinomialNB`). Throws
    /// `INVALID_CONFIG` for malformed JSON or out-of-range values.
    #[napi(constructor, catch_unwind, ts_args_type = "configJson: string")]
    pub fn new(config_json: Unknown<'_>) -> Result<Self> {
        guard(|| {
            let config = TrainConfig::from_json(&args::string(config_json, "configJson")?).map_err(core_err)?;
            let trainer = sentio_core::Trainer::new(config).map_err(core_err)?;
            Ok(Trainer {
                slot: Slot::new(trainer),
            })
        })
    }

    /// Pass one of two-pass training: gather corpus statistics from a chunk.
    /// Every `observe` must come before the first `learn` (else `TRAINER_STATE`).
    #[napi(catch_unwind, ts_args_type = "texts: string[]")]
    pub fn observe(&self, texts: Unknown<'_>) -> Result<()> {
        guard(|| {
            let texts = args::strings(texts, "texts")?;
            Ok(self.slot.with(|t| t.observe(&args::as_strs(&texts)))?)
        })
    }

    /// Learn from a chunk of labelled documents (`texts[i]` has label
    /// `labels[i]`). Throws `INVALID_LABELS` if the lengths differ or a label
    /// is empty.
    #[napi(catch_unwind, ts_args_type = "texts: string[], labels: string[]")]
    pub fn learn(&self, texts: Unknown<'_>, labels: Unknown<'_>) -> Result<()> {
        guard(|| {
            let texts = args::strings(texts, "texts")?;
            let labels = args::strings(labels, "labels")?;
            Ok(self
                .slot
                .with(|t| t.learn(&args::as_strs(&texts), &args::as_strs(&labels)))?)
        })
    }

    /// Build the model. Throws `EMPTY_TRAINING_SET`, `SINGLE_CLASS` or
    /// `TRAINER_STATE` before building, leaving the trainer usable (learn
    /// more, then finish again); `EMPTY_VOCABULARY` or `INVALID_CONFIG` while
    /// building, which uses the trainer up.
    #[napi(catch_unwind)]
    pub fn finish(&self) -> Result<Model> {
        // The same checkout as `finishAsync`, run here and now.
        guard(|| Ok(Model::from_core(self.slot.check_out()?.finish()?)))
    }

    /// Documents seen by `learn` so far (as of the last completed call: an
    /// async call in flight is not counted until it completes).
    #[napi(getter, catch_unwind)]
    pub fn learned_documents(&self) -> Result<f64> {
        guard(|| Ok(self.slot.lock().learned as f64))
    }

    /// `observe` on the libuv thread pool. The texts are copied when called.
    #[napi(catch_unwind, ts_args_type = "texts: string[]", ts_return_type = "Promise<void>")]
    pub fn observe_async(&self, texts: Unknown<'_>) -> Result<AsyncTask<TrainerStepTask>> {
        guard(|| {
            let step = TrainerStep::Observe {
                texts: args::strings(texts, "texts")?,
            };
            Ok(AsyncTask::new(TrainerStepTask {
                checkout: self.slot.check_out()?,
                step,
            }))
        })
    }

    /// `learn` on the libuv thread pool. The arrays are copied when called.
    #[napi(
        catch_unwind,
        ts_args_type = "texts: string[], labels: string[]",
        ts_return_type = "Promise<void>"
    )]
    pub fn learn_async(&self, texts: Unknown<'_>, labels: Unknown<'_>) -> Result<AsyncTask<TrainerStepTask>> {
        guard(|| {
            let texts = args::strings(texts, "texts")?;
            let labels = args::strings(labels, "labels")?;
            let step = TrainerStep::Learn { texts, labels };
            Ok(AsyncTask::new(TrainerStepTask {
                checkout: self.slot.check_out()?,
                step,
            }))
        })
    }

    /// `finish` on the libuv thread pool.
    #[napi(catch_unwind, ts_return_type = "Promise<Model>")]
    pub fn finish_async(&self) -> Result<AsyncTask<FinishTask>> {
        guard(|| {
            Ok(AsyncTask::new(FinishTask {
                checkout: self.slot.check_out()?,
            }))
        })
    }
}

/// Train a model in one call: `texts[i]` has label `labels[i]`. Throws the
/// `Trainer` constructor's and `finish`'s codes.
#[napi(catch_unwind, ts_args_type = "configJson: string, texts: string[], labels: string[]")]
pub fn train(config_json: Unknown<'_>, texts: Unknown<'_>, labels: Unknown<'_>) -> Result<Model> {
    guard(|| {
        let config = args::string(config_json, "configJson")?;
        let input = start_training(config, texts)?;
        let labels = args::strings(labels, "labels")?;
        Ok(Model::from_core(fit(input, labels)?))
    })
}

/// `train` on the libuv thread pool. The arrays are copied when called.
#[napi(
    catch_unwind,
    ts_args_type = "configJson: string, texts: string[], labels: string[]",
    ts_return_type = "Promise<Model>"
)]
pub fn train_async(config_json: Unknown<'_>, texts: Unknown<'_>, labels: Unknown<'_>) -> Result<AsyncTask<TrainTask>> {
    guard(|| {
        let config = args::string(config_json, "configJson")?;
        let input = start_training(config, texts)?;
        let labels = args::strings(labels, "labels")?;
        Ok(AsyncTask::new(TrainTask {
            input: Some(input),
            labels,
        }))
    })
}

/// The texts of `train` / `trainAsync`, copied out of JavaScript.
pub(crate) enum TrainInput {
    /// Vocabulary mode: a new trainer, and its texts being tokenized on the
    /// worker pool, a chunk as soon as it was copied (see
    /// `sentio_core::pipelined_tokens`): the copying, which only this thread
    /// can do, overlaps the tokenizing instead of coming before all of it.
    Tokenizing {
        trainer: Box<sentio_core::Trainer>,
        pending: PendingTokens,
    },
    /// Hashing mode, or a config that does not parse (its error is then
    /// raised where training runs, as before): the texts copied whole.
    Texts { config_json: String, texts: PackedTexts },
}

/// Copy the texts, starting to tokenize them where the config allows.
fn start_training(config_json: String, texts: Unknown<'_>) -> Result<TrainInput> {
    let arr = args::array(texts, "texts")?;
    let n = arr.len() as usize;
    let trainer = TrainConfig::from_json(&config_json)
        .ok()
        .and_then(|c| sentio_core::Trainer::new(c).ok())
        .filter(|t| t.fresh_single_pass());
    Ok(match trainer {
        Some(trainer) => {
            let pending = tokenize_pipelined(trainer.tokenizer(), n, |r| args::packed_in(&arr, "texts", r))?;
            TrainInput::Tokenizing {
                trainer: Box::new(trainer),
                pending,
            }
        }
        None => TrainInput::Texts {
            config_json,
            texts: args::packed_in(&arr, "texts", 0..n)?,
        },
    })
}

/// Fit (shared by `train` and `trainAsync`); the texts are dropped once
/// tokenized.
pub(crate) fn fit(input: TrainInput, labels: Vec<String>) -> std::result::Result<sentio_core::Model, BindingError> {
    match input {
        TrainInput::Tokenizing { trainer, pending } => Ok(trainer.fit_tokenized(pending, labels)?),
        TrainInput::Texts { config_json, texts } => {
            let config = TrainConfig::from_json(&config_json)?;
            Ok(sentio_core::Trainer::fit_owned(config, texts, labels)?)
        }
    }
}
