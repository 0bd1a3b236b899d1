//! `evaluate`: scikit-learn's classification metrics.

use napi::bindgen_prelude::Unknown;
use napi_derive::napi;

use crate::args;
use crate::errors::{core_err, guard, BindingError, Result};

/// Classification report for true vs predicted labels, as a JSON string
/// (snake_case keys: `n`, `accuracy`, `labels`, `per_class`, `macro_avg`,
/// `weighted_avg`, `confusion_matrix`, `log_loss`). Pass the model's
/// `classes` and the row-major `probabilities` of a `predictBatch` to get
/// `log_loss`, or `null` for both. Throws `INVALID_METRICS_INPUT` when the
/// arrays do not fit together.
#[napi(
    catch_unwind,
    ts_args_type = "yTrue: string[], yPred: string[], classes: string[] | null, probabilities: Float64Array | null"
)]
pub fn evaluate(
    y_true: Unknown<'_>,
    y_pred: Unknown<'_>,
    classes: Unknown<'_>,
    probabilities: Unknown<'_>,
) -> Result<String> {
    guard(|| {
        let y_true = args::strings(y_true, "yTrue")?;
        let y_pred = args::strings(y_pred, "yPred")?;
        let classes = args::optional_strings(classes, "classes")?;
        let probabilities = args::optional_f64s(&probabilities, "probabilities")?;
        let proba = match (&classes, probabilities) {
            (Some(classes), Some(values)) => Some(sentio_core::Probabilities { classes, values }),
            (None, None) => None,
            _ => {
                return Err(BindingError::invalid_argument(
                    "classes and probabilities: pass both (for log_loss) or neither",
                )
                .into())
            }
        };
        let report =
            sentio_core::evaluate(&args::as_strs(&y_true), &args::as_strs(&y_pred), proba).map_err(core_err)?;
        serde_json::to_string(&report)
            .map_err(|e| BindingError::new(sentio_core::ErrorCode::Internal.as_str(), e.to_string()).into())
    })
}
