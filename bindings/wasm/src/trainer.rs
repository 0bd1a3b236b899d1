//! `Trainer` (streaming training) and `train` (one shot).

use wasm_bindgen::prelude::*;

use crate::errors::{as_strs, js_error, string_arg, string_array, JsResult, OrThrow};
use crate::model::Model;

fn config(json: &JsValue) -> JsResult<sentio_core::TrainConfig> {
    sentio_core::TrainConfig::from_json(&string_arg(json, "configJson")?).or_throw()
}

/// Streaming training: `observe` chunks (optional first pass), `learn`
/// chunks, then `finish`. After `finish` every call throws `TRAINER_FINISHED`
/// (unless `finish` threw before building: see there).
#[wasm_bindgen]
pub struct Trainer {
    inner: Option<sentio_core::Trainer>,
    /// `learnedDocuments` once `finish` has consumed the core trainer.
    finished_documents: u64,
}

impl Trainer {
    fn active(&mut self) -> JsResult<&mut sentio_core::Trainer> {
        self.inner
            .as_mut()
            .ok_or_else(|| js_error("TRAINER_FINISHED", "the trainer has finished: create a new one"))
    }
}

#[wasm_bindgen]
impl Trainer {
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(js_name = configJson, unchecked_param_type = "string")] config_json: JsValue,
    ) -> JsResult<Trainer> {
        let trainer = sentio_core::Trainer::new(config(&config_json)?).or_throw()?;
        Ok(Trainer {
            inner: Some(trainer),
            finished_documents: 0,
        })
    }

    /// First pass of two-pass training: gather document frequencies.
    pub fn observe(&mut self, #[wasm_bindgen(unchecked_param_type = "string[]")] texts: JsValue) -> JsResult<()> {
        let texts = string_array(&texts, "texts")?;
        self.active()?.observe(&as_strs(&texts)).or_throw()
    }

    /// Learn from labelled documents.
    pub fn learn(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string[]")] texts: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string[]")] labels: JsValue,
    ) -> JsResult<()> {
        let texts = string_array(&texts, "texts")?;
        let labels = string_array(&labels, "labels")?;
        self.active()?.learn(&as_strs(&texts), &as_strs(&labels)).or_throw()
    }

    /// Build the model. Throws `EMPTY_TRAINING_SET`, `SINGLE_CLASS` or
    /// `TRAINER_STATE` before building, leaving the trainer usable (learn
    /// more, then finish again); once building starts the trainer is spent,
    /// even when it throws (`EMPTY_VOCABULARY`, `INVALID_CONFIG`).
    pub fn finish(&mut self) -> JsResult<Model> {
        let trainer = self.active()?;
        trainer.ready().or_throw()?;
        let learned = trainer.learned_documents();
        let trainer = self
            .inner
            .take()
            .ok_or_else(|| js_error("INTERNAL", "trainer vanished"))?;
        self.finished_documents = learned;
        trainer.finish().or_throw().map(Model::new)
    }

    /// Documents seen by `learn` so far.
    #[wasm_bindgen(getter = learnedDocuments)]
    pub fn learned_documents(&self) -> f64 {
        self.inner
            .as_ref()
            .map_or(self.finished_documents, |t| t.learned_documents()) as f64
    }
}

/// One-shot training on in-memory data.
#[wasm_bindgen]
pub fn train(
    #[wasm_bindgen(js_name = configJson, unchecked_param_type = "string")] config_json: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string[]")] texts: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string[]")] labels: JsValue,
) -> JsResult<Model> {
    let cfg = config(&config_json)?;
    let texts = string_array(&texts, "texts")?;
    let labels = string_array(&labels, "labels")?;
    // Dropped once learned, so building the vocabulary reuses their space.
    sentio_core::Trainer::fit_owned(cfg, texts, labels)
        .or_throw()
        .map(Model::new)
}
