//! `Model`: a trained classifier, loaded from bytes or a file, immutable and
//! shared (`Arc`) with the async tasks that score on the libuv pool.

use std::path::PathBuf;
use std::sync::Arc;

use napi::bindgen_prelude::{AsyncTask, Buffer, Float64Array, Uint32Array, Unknown};
use napi_derive::napi;

use crate::args;
use crate::errors::{core_err, guard, BindingError, Result};
use crate::tasks::{BatchWork, LoadModelTask, PredictBatchTask};

/// A trained text classifier. Immutable: every method is safe to call while
/// async predictions run, and a model can be used from any `worker_threads`
/// Worker that loads it. Create one with `Model.fromBytes`, `Model.fromPath`,
/// `Model.loadAsync`, `train`, or `Trainer.finish`.
#[napi]
pub struct Model {
    pub(crate) inner: Arc<sentio_core::Model>,
}

/// One prediction.
#[napi(object, object_from_js = false, js_name = "Prediction")]
pub struct JsPrediction {
    /// The winning class (an element of `model.classes`).
    pub label: String,
    /// Index of the winning class in `model.classes`.
    pub label_index: u32,
    /// Probability of every class, in `model.classes` order.
    pub probabilities: Float64Array,
}

/// Predictions for many texts, as flat typed arrays.
#[napi(object, object_from_js = false, js_name = "BatchPrediction")]
pub struct JsBatchPrediction {
    /// `labels[i]` is the index in `model.classes` of text `i`'s winning class.
    pub labels: Uint32Array,
    /// Row-major, `texts.length × nClasses`: text `i`'s probability of class
    /// `c` is `probabilities[i * nClasses + c]`.
    pub probabilities: Float64Array,
    /// Number of classes (the row length of `probabilities`).
    pub n_classes: u32,
}

/// How much one feature of the text pushed the winning class.
#[napi(object, object_from_js = false, js_name = "Contribution")]
pub struct JsContribution {
    /// The n-gram as it appears after preprocessing (e.g. `"not good"`).
    pub feature: String,
    /// Its tf-idf weight in this text.
    pub weight: f64,
    /// weight × (log P(feature | winner) − mean over the other classes of
    /// log P(feature | class)): the feature's share of the winner's margin.
    pub contribution: f64,
}

/// A prediction plus the features that pushed the winner most.
#[napi(object, object_from_js = false, js_name = "Explanation")]
pub struct JsExplanation {
    /// The winning class (an element of `model.classes`).
    pub label: String,
    /// Index of the winning class in `model.classes`.
    pub label_index: u32,
    /// Probability of every class, in `model.classes` order.
    pub probabilities: Float64Array,
    /// The top contributions, largest first.
    pub contributions: Vec<JsContribution>,
}

/// A sparse tf-idf row: feature `indices[j]` has weight `values[j]`.
#[napi(object, object_from_js = false, js_name = "SparseRow")]
pub struct JsSparseRow {
    /// Feature (column) indices.
    pub indices: Uint32Array,
    /// tf-idf weights, parallel to `indices`.
    pub values: Float64Array,
}

/// A text's drift accounting: tokens, out-of-vocabulary tokens and the features it contains.
#[napi(object, object_from_js = false)]
pub struct DriftCounts {
    /// Tokens in the text (after preprocessing and stop-word removal).
    pub tokens: f64,
    /// Tokens the model never saw as a unigram feature (always 0 in hashing mode).
    pub oov: f64,
    /// Feature (column) indices present, as `transform`'s `indices`.
    pub features: Uint32Array,
}

/// Token counts of a text against the model's vocabulary.
#[napi(object, object_from_js = false)]
pub struct OovCounts {
    /// Tokens in the text (after preprocessing and stop-word removal).
    pub tokens: f64,
    /// Tokens the model never saw as a unigram feature (always 0 in hashing mode).
    pub oov: f64,
}

impl Model {
    pub(crate) fn from_core(model: sentio_core::Model) -> Self {
        Model { inner: Arc::new(model) }
    }

    fn label(&self, index: usize) -> String {
        self.inner.classes().get(index).cloned().unwrap_or_default()
    }

    fn prediction(&self, p: sentio_core::Prediction) -> JsPrediction {
        JsPrediction {
            label: self.label(p.label),
            label_index: p.label as u32,
            probabilities: p.probabilities.into(),
        }
    }
}

impl From<sentio_core::BatchPrediction> for JsBatchPrediction {
    fn from(b: sentio_core::BatchPrediction) -> Self {
        JsBatchPrediction {
            labels: b.labels.into(),
            probabilities: b.probabilities.into(),
            n_classes: b.n_classes as u32,
        }
    }
}

/// Read and parse a model file (shared by `fromPath` and `loadAsync`).
pub(crate) fn read_model(path: &std::path::Path) -> std::result::Result<sentio_core::Model, BindingError> {
    let bytes = std::fs::read(path).map_err(|e| {
        BindingError::invalid_argument(format!("path: cannot read model file '{}': {e}", path.display()))
    })?;
    Ok(sentio_core::Model::from_bytes(&bytes)?)
}

#[napi]
impl Model {
    /// Load a model from the bytes of a model file (a `Uint8Array` or
    /// `Buffer`, read in place without a copy). Throws `MODEL_TRUNCATED`,
    /// `MODEL_BAD_MAGIC`, `MODEL_VERSION`, `MODEL_CHECKSUM` or `MODEL_CORRUPT`.
    #[napi(factory, catch_unwind, ts_args_type = "bytes: Uint8Array")]
    pub fn from_bytes(bytes: Unknown<'_>) -> Result<Model> {
        guard(|| {
            let bytes = args::bytes(&bytes, "bytes")?;
            sentio_core::Model::from_bytes(bytes)
                .map(Model::from_core)
                .map_err(core_err)
        })
    }

    /// Load a model file synchronously (blocks the event loop while reading
    /// and parsing: prefer `Model.loadAsync` for large models). A file that
    /// cannot be read throws `INVALID_ARGUMENT`.
    #[napi(factory, catch_unwind, ts_args_type = "path: string")]
    pub fn from_path(path: Unknown<'_>) -> Result<Model> {
        guard(|| {
            let path = PathBuf::from(args::string(path, "path")?);
            read_model(&path).map(Model::from_core).map_err(Into::into)
        })
    }

    /// Read and parse a model file on the libuv thread pool. Rejects with the
    /// same codes as `fromBytes`, or `INVALID_ARGUMENT` if the file cannot be read.
    #[napi(catch_unwind, ts_args_type = "path: string", ts_return_type = "Promise<Model>")]
    pub fn load_async(path: Unknown<'_>) -> Result<AsyncTask<LoadModelTask>> {
        guard(|| {
            Ok(AsyncTask::new(LoadModelTask {
                path: PathBuf::from(args::string(path, "path")?),
            }))
        })
    }

    /// The model file's bytes (what `fromBytes` reads back).
    #[napi(catch_unwind)]
    pub fn to_bytes(&self) -> Result<Buffer> {
        guard(|| Ok(self.inner.to_bytes().into()))
    }

    /// The class labels, sorted; class indices refer to this order.
    #[napi(getter, catch_unwind)]
    pub fn classes(&self) -> Result<Vec<String>> {
        guard(|| Ok(self.inner.classes().to_vec()))
    }

    /// Number of features (vocabulary size, or 2^bits in hashing mode).
    #[napi(getter, catch_unwind)]
    pub fn n_features(&self) -> Result<u32> {
        guard(|| Ok(self.inner.n_features() as u32))
    }

    /// The training configuration as JSON (snake_case keys, as `Trainer` takes it).
    #[napi(catch_unwind)]
    pub fn config_json(&self) -> Result<String> {
        guard(|| Ok(self.inner.config().to_json()))
    }

    /// Facts about the training data as JSON: `n_documents`, `class_counts`,
    /// `n_features`, `n_candidate_features`, `n_tokens`.
    #[napi(catch_unwind)]
    pub fn facts_json(&self) -> Result<String> {
        guard(|| {
            serde_json::to_string(self.inner.facts())
                .map_err(|e| BindingError::new(sentio_core::ErrorCode::Internal.as_str(), e.to_string()).into())
        })
    }

    /// Classify one text. Synchronous: meant for short texts; use
    /// `predictBatchAsync` for large inputs.
    #[napi(catch_unwind, ts_args_type = "text: string")]
    pub fn predict(&self, text: Unknown<'_>) -> Result<JsPrediction> {
        guard(|| {
            let text = args::string(text, "text")?;
            Ok(self.prediction(self.inner.predict(&text)))
        })
    }

    /// Classify one text into `probabilities` (a `Float64Array` of
    /// `classes.length` elements, overwritten) and return the winning class's
    /// index: `predict` without building an object or a label string per
    /// call, for callers that score many single texts.
    #[napi(catch_unwind, ts_args_type = "text: string, probabilities: Float64Array")]
    pub fn predict_into(&self, text: Unknown<'_>, probabilities: Unknown<'_>) -> Result<u32> {
        guard(|| {
            let text = args::string(text, "text")?;
            let out = args::f64s_out(&probabilities, "probabilities", self.inner.classes().len())?;
            Ok(self.inner.predict_into(&text, out) as u32)
        })
    }

    /// Classify UTF-8 bytes (a `Uint8Array` or `Buffer`, read in place without
    /// a copy). Throws `INVALID_UTF8` if the bytes are not valid UTF-8.
    #[napi(catch_unwind, ts_args_type = "bytes: Uint8Array")]
    pub fn predict_bytes(&self, bytes: Unknown<'_>) -> Result<JsPrediction> {
        guard(|| {
            let bytes = args::bytes(&bytes, "bytes")?;
            self.inner
                .predict_bytes(bytes)
                .map(|p| self.prediction(p))
                .map_err(core_err)
        })
    }

    /// Classify many texts at once (in parallel), on the calling thread.
    #[napi(catch_unwind, ts_args_type = "texts: string[]")]
    pub fn predict_batch(&self, texts: Unknown<'_>) -> Result<JsBatchPrediction> {
        guard(|| {
            let work = BatchWork::start(&self.inner, texts)?;
            Ok(work.finish(&self.inner)?.into())
        })
    }

    /// `predictBatch` on the libuv thread pool: the event loop stays free.
    /// The texts are copied when called, so the array may change afterwards.
    #[napi(
        catch_unwind,
        ts_args_type = "texts: string[]",
        ts_return_type = "Promise<BatchPrediction>"
    )]
    pub fn predict_batch_async(&self, texts: Unknown<'_>) -> Result<AsyncTask<PredictBatchTask>> {
        guard(|| {
            // Large batches start scoring on the pool while being copied; the
            // task only waits for them, off the event loop.
            Ok(AsyncTask::new(PredictBatchTask {
                model: Arc::clone(&self.inner),
                work: Some(BatchWork::start(&self.inner, texts)?),
            }))
        })
    }

    /// Prediction plus the `k` features that pushed the winning class most.
    #[napi(catch_unwind, ts_args_type = "text: string, k: number")]
    pub fn explain(&self, text: Unknown<'_>, k: Unknown<'_>) -> Result<JsExplanation> {
        guard(|| {
            let text = args::string(text, "text")?;
            let k = args::count(k, "k")?;
            let e = self.inner.explain(&text, k);
            let contributions = e
                .contributions
                .into_iter()
                .map(|c| JsContribution {
                    feature: c.feature,
                    weight: c.weight,
                    contribution: c.contribution,
                })
                .collect();
            let p = self.prediction(e.prediction);
            Ok(JsExplanation {
                label: p.label,
                label_index: p.label_index,
                probabilities: p.probabilities,
                contributions,
            })
        })
    }

    /// The text's tf-idf row, as the classifier sees it.
    #[napi(catch_unwind, ts_args_type = "text: string")]
    pub fn transform(&self, text: Unknown<'_>) -> Result<JsSparseRow> {
        guard(|| {
            let text = args::string(text, "text")?;
            let (indices, values): (Vec<u32>, Vec<f64>) = self.inner.transform(&text).into_iter().unzip();
            Ok(JsSparseRow {
                indices: indices.into(),
                values: values.into(),
            })
        })
    }

    /// Feature strings in column order, or `null` in hashing mode.
    #[napi(catch_unwind)]
    pub fn vocabulary(&self) -> Result<Option<Vec<String>>> {
        guard(|| Ok(self.inner.vocabulary().map(<[String]>::to_vec)))
    }

    /// Inverse document frequency of every feature, or `null` without `use_idf`.
    #[napi(catch_unwind)]
    pub fn idf(&self) -> Result<Option<Float64Array>> {
        guard(|| Ok(self.inner.idf().map(|idf| idf.to_vec().into())))
    }

    /// The n-gram strings the tokenizer produces for `text` (scikit-learn's
    /// `build_analyzer()(text)`).
    #[napi(catch_unwind, ts_args_type = "text: string")]
    pub fn analyze(&self, text: Unknown<'_>) -> Result<Vec<String>> {
        guard(|| {
            let text = args::string(text, "text")?;
            Ok(self.inner.tokenizer().analyze(&text))
        })
    }

    /// `oovCounts` and `transform`'s indices from one tokenization (drift accounting).
    #[napi(catch_unwind, ts_args_type = "text: string")]
    pub fn drift_counts(&self, text: Unknown<'_>) -> Result<DriftCounts> {
        guard(|| {
            let text = args::string(text, "text")?;
            let d = self.inner.drift_counts(&text);
            Ok(DriftCounts {
                tokens: d.tokens as f64,
                oov: d.oov as f64,
                features: d.features.into(),
            })
        })
    }

    /// How many tokens `text` has and how many of them the model never saw.
    #[napi(catch_unwind, ts_args_type = "text: string")]
    pub fn oov_counts(&self, text: Unknown<'_>) -> Result<OovCounts> {
        guard(|| {
            let text = args::string(text, "text")?;
            let (tokens, oov) = self.inner.oov_counts(&text);
            Ok(OovCounts {
                tokens: tokens as f64,
                oov: oov as f64,
            })
        })
    }
}
