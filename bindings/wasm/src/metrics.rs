//! `evaluate`: classification metrics as a JSON report.

use sentio_core::Probabilities;
use wasm_bindgen::prelude::*;

use crate::errors::{
    as_strs, core_error, float64_array_arg, invalid_argument, is_nullish, string_array, JsResult, OrThrow,
};

/// Metrics of predictions against true labels; with `classes` and row-major
/// `probabilities` (rows x classes) it adds log loss. Returns the report as
/// JSON with snake_case keys.
#[wasm_bindgen]
pub fn evaluate(
    #[wasm_bindgen(js_name = yTrue, unchecked_param_type = "string[]")] y_true: JsValue,
    #[wasm_bindgen(js_name = yPred, unchecked_param_type = "string[]")] y_pred: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string[] | null")] classes: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Float64Array | null")] probabilities: JsValue,
) -> JsResult<String> {
    let y_true = string_array(&y_true, "yTrue")?;
    let y_pred = string_array(&y_pred, "yPred")?;
    let (y_true, y_pred) = (as_strs(&y_true), as_strs(&y_pred));
    let report = match (is_nullish(&classes), is_nullish(&probabilities)) {
        (true, true) => sentio_core::evaluate(&y_true, &y_pred, None),
        (false, false) => {
            let classes = string_array(&classes, "classes")?;
            let values = float64_array_arg(&probabilities, "probabilities")?;
            sentio_core::evaluate(
                &y_true,
                &y_pred,
                Some(Probabilities {
                    classes: &classes,
                    values: &values,
                }),
            )
        }
        _ => return Err(invalid_argument("classes and probabilities: give both or neither")),
    }
    .or_throw()?;
    serde_json::to_string(&report)
        .map_err(|e| core_error(sentio_core::Error::new(sentio_core::ErrorCode::Internal, e.to_string())))
}
