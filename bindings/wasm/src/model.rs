//! `Model`: a trained model, loaded from bytes or returned by training.

use js_sys::{Array, Float64Array, Object, Uint32Array};
use sentio_core::Prediction;
use wasm_bindgen::prelude::*;

use crate::errors::{
    as_strs, bytes_arg, count_arg, invalid_argument, set, string_arg, string_array, JsResult, OrThrow,
};

#[wasm_bindgen(typescript_custom_section)]
const TS_RESULT_TYPES: &str = r#"
/** One prediction: the winning class and every class's probability (in `classes` order). */
export interface Prediction {
  label: string;
  labelIndex: number;
  probabilities: Float64Array;
}
/** Predictions of many texts: `labels[i]` is a class index; probabilities are row-major (texts x nClasses). */
export interface BatchPrediction {
  labels: Uint32Array;
  probabilities: Float64Array;
  nClasses: number;
}
export interface Contribution {
  feature: string;
  weight: number;
  contribution: number;
}
export interface Explanation extends Prediction {
  contributions: Contribution[];
}
/** A sparse tf-idf row. */
export interface SparseRow {
  indices: Uint32Array;
  values: Float64Array;
}
export interface OovCounts {
  tokens: number;
  oov: number;
}
/** Drift accounting of a text: OovCounts plus the feature indices present. */
export interface DriftCounts extends OovCounts {
  features: Uint32Array;
}
"#;

#[wasm_bindgen]
pub struct Model {
    inner: sentio_core::Model,
}

impl Model {
    pub(crate) fn new(inner: sentio_core::Model) -> Model {
        Model { inner }
    }

    fn label(&self, index: usize) -> JsValue {
        self.inner
            .classes()
            .get(index)
            .map_or(JsValue::UNDEFINED, |s| JsValue::from_str(s))
    }

    fn prediction_object(&self, p: &Prediction) -> Object {
        let o = Object::new();
        set(&o, "label", &self.label(p.label));
        set(&o, "labelIndex", &JsValue::from(p.label as u32));
        set(&o, "probabilities", &Float64Array::from(p.probabilities.as_slice()));
        o
    }
}

#[wasm_bindgen]
impl Model {
    /// Parse and verify a model file.
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(#[wasm_bindgen(unchecked_param_type = "Uint8Array")] bytes: JsValue) -> JsResult<Model> {
        let bytes = bytes_arg(&bytes, "bytes")?;
        sentio_core::Model::from_bytes(&bytes).or_throw().map(Model::new)
    }

    /// The model file (deterministic: same data and config, same bytes).
    #[wasm_bindgen(js_name = toBytes)]
    pub fn to_bytes(&self) -> Vec<u8> {
        self.inner.to_bytes()
    }

    /// Class labels, sorted; probabilities follow this order.
    #[wasm_bindgen(getter)]
    pub fn classes(&self) -> Vec<String> {
        self.inner.classes().to_vec()
    }

    #[wasm_bindgen(getter = nFeatures)]
    pub fn n_features(&self) -> f64 {
        self.inner.n_features() as f64
    }

    /// The training config as JSON (snake_case keys).
    #[wasm_bindgen(js_name = configJson)]
    pub fn config_json(&self) -> String {
        self.inner.config().to_json()
    }

    /// The training facts as JSON (snake_case keys).
    #[wasm_bindgen(js_name = factsJson)]
    pub fn facts_json(&self) -> String {
        serde_json::to_string(self.inner.facts()).unwrap_or_default()
    }

    #[wasm_bindgen(unchecked_return_type = "Prediction")]
    pub fn predict(&self, #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue) -> JsResult<JsValue> {
        let text = string_arg(&text, "text")?;
        Ok(self.prediction_object(&self.inner.predict(&text)).into())
    }

    /// Classify one text into `probabilities` (a `Float64Array` of
    /// `classes.length` elements, overwritten); returns the winning class's
    /// index. `predict` without building an object per call.
    #[wasm_bindgen(js_name = predictInto)]
    pub fn predict_into(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Float64Array")] probabilities: JsValue,
    ) -> JsResult<u32> {
        let text = string_arg(&text, "text")?;
        let k = self.inner.classes().len();
        let out = probabilities
            .dyn_ref::<Float64Array>()
            .filter(|a| a.length() as usize == k)
            .ok_or_else(|| invalid_argument(&format!("probabilities: expected a Float64Array of {k} elements")))?;
        let mut scratch = [0.0f64; 8];
        let mut heap;
        let buf: &mut [f64] = if k <= scratch.len() {
            &mut scratch[..k]
        } else {
            heap = vec![0.0; k];
            &mut heap
        };
        let label = self.inner.predict_into(&text, buf);
        out.copy_from(buf);
        Ok(label as u32)
    }

    /// Predict from UTF-8 bytes; invalid UTF-8 throws `INVALID_UTF8`.
    #[wasm_bindgen(js_name = predictBytes, unchecked_return_type = "Prediction")]
    pub fn predict_bytes(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] bytes: JsValue,
    ) -> JsResult<JsValue> {
        let bytes = bytes_arg(&bytes, "bytes")?;
        let p = self.inner.predict_bytes(&bytes).or_throw()?;
        Ok(self.prediction_object(&p).into())
    }

    #[wasm_bindgen(js_name = predictBatch, unchecked_return_type = "BatchPrediction")]
    pub fn predict_batch(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string[]")] texts: JsValue,
    ) -> JsResult<JsValue> {
        let texts = string_array(&texts, "texts")?;
        let b = self.inner.predict_batch(&as_strs(&texts));
        let o = Object::new();
        set(&o, "labels", &Uint32Array::from(b.labels.as_slice()));
        set(&o, "probabilities", &Float64Array::from(b.probabilities.as_slice()));
        set(&o, "nClasses", &JsValue::from(b.n_classes as u32));
        Ok(o.into())
    }

    /// Prediction plus the `k` features that pushed the winning class most.
    #[wasm_bindgen(unchecked_return_type = "Explanation")]
    pub fn explain(&self, #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue, k: f64) -> JsResult<JsValue> {
        let text = string_arg(&text, "text")?;
        let k = count_arg(k, "k")?;
        let e = self.inner.explain(&text, k);
        let o = self.prediction_object(&e.prediction);
        let contributions = Array::new();
        for c in &e.contributions {
            let item = Object::new();
            set(&item, "feature", &JsValue::from_str(&c.feature));
            set(&item, "weight", &JsValue::from(c.weight));
            set(&item, "contribution", &JsValue::from(c.contribution));
            contributions.push(&item);
        }
        set(&o, "contributions", &contributions);
        Ok(o.into())
    }

    /// The tf-idf row of a text, as the classifier sees it.
    #[wasm_bindgen(unchecked_return_type = "SparseRow")]
    pub fn transform(&self, #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue) -> JsResult<JsValue> {
        let text = string_arg(&text, "text")?;
        let row = self.inner.transform(&text);
        let indices: Vec<u32> = row.iter().map(|&(i, _)| i).collect();
        let values: Vec<f64> = row.iter().map(|&(_, v)| v).collect();
        let o = Object::new();
        set(&o, "indices", &Uint32Array::from(indices.as_slice()));
        set(&o, "values", &Float64Array::from(values.as_slice()));
        Ok(o.into())
    }

    /// Feature strings in column order; `null` in hashing mode.
    #[wasm_bindgen(unchecked_return_type = "string[] | null")]
    pub fn vocabulary(&self) -> JsValue {
        match self.inner.vocabulary() {
            None => JsValue::NULL,
            Some(terms) => terms.iter().map(|t| JsValue::from_str(t)).collect::<Array>().into(),
        }
    }

    /// Inverse document frequencies in column order; `null` without idf.
    #[wasm_bindgen(unchecked_return_type = "Float64Array | null")]
    pub fn idf(&self) -> JsValue {
        match self.inner.idf() {
            None => JsValue::NULL,
            Some(idf) => Float64Array::from(idf).into(),
        }
    }

    /// The n-grams the model's tokenizer produces for a text.
    pub fn analyze(&self, #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue) -> JsResult<Vec<String>> {
        let text = string_arg(&text, "text")?;
        Ok(self.inner.tokenizer().analyze(&text))
    }

    /// `oovCounts` and `transform`'s indices from one tokenization (drift accounting).
    #[wasm_bindgen(js_name = driftCounts, unchecked_return_type = "DriftCounts")]
    pub fn drift_counts(&self, #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue) -> JsResult<JsValue> {
        let text = string_arg(&text, "text")?;
        let d = self.inner.drift_counts(&text);
        let o = Object::new();
        set(&o, "tokens", &JsValue::from(d.tokens as f64));
        set(&o, "oov", &JsValue::from(d.oov as f64));
        set(&o, "features", &Uint32Array::from(d.features.as_slice()));
        Ok(o.into())
    }

    /// Tokens of a text and how many the model has never seen.
    #[wasm_bindgen(js_name = oovCounts, unchecked_return_type = "OovCounts")]
    pub fn oov_counts(&self, #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue) -> JsResult<JsValue> {
        let text = string_arg(&text, "text")?;
        let (tokens, oov) = self.inner.oov_counts(&text);
        let o = Object::new();
        set(&o, "tokens", &JsValue::from(tokens as f64));
        set(&o, "oov", &JsValue::from(oov as f64));
        Ok(o.into())
    }
}
