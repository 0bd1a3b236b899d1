//! Classification metrics with scikit-learn's definitions: accuracy,
//! per-class precision / recall / F1 / support, macro and weighted averages,
//! confusion matrix and log loss. Labels are strings; the label set is the
//! sorted union of true and predicted labels (as `classification_report`).

use serde::Serialize;

use crate::error::{err, ErrorCode, Result};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassMetrics {
    pub label: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Averages {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub n: u64,
    pub accuracy: f64,
    pub labels: Vec<String>,
    pub per_class: Vec<ClassMetrics>,
    pub macro_avg: Averages,
    pub weighted_avg: Averages,
    /// Row = true label, column = predicted label, in `labels` order.
    pub confusion_matrix: Vec<Vec<u64>>,
    /// Mean negative log probability of the true class (probabilities
    /// clipped to [1e-15, 1]); absent without probabilities or when a true
    /// label is not one of the model's classes.
    pub log_loss: Option<f64>,
}

/// Probabilities of a batch: `values[i * classes.len() + c]`.
pub struct Probabilities<'a> {
    pub classes: &'a [String],
    pub values: &'a [f64],
}

fn ratio(num: u64, den: u64) -> f64 {
    // scikit-learn's zero_division default yields 0.0 (with a warning).
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

pub fn evaluate(y_true: &[&str], y_pred: &[&str], proba: Option<Probabilities<'_>>) -> Result<Report> {
    if y_true.len() != y_pred.len() {
        return err(
            ErrorCode::InvalidMetricsInput,
            format!("{} true labels but {} predictions", y_true.len(), y_pred.len()),
        );
    }
    if y_true.is_empty() {
        return err(ErrorCode::InvalidMetricsInput, "no labels to evaluate");
    }
    let mut labels: Vec<String> = y_true.iter().chain(y_pred).map(|s| s.to_string()).collect();
    labels.sort();
    labels.dedup();
    let index = |l: &str| labels.binary_search_by(|x| x.as_str().cmp(l)).unwrap_or(0);
    let k = labels.len();
    let mut cm = vec![vec![0u64; k]; k];
    for (t, p) in y_true.iter().zip(y_pred) {
        cm[index(t)][index(p)] += 1;
    }
    let n = y_true.len() as u64;
    let correct: u64 = (0..k).map(|i| cm[i][i]).sum();
    let mut per_class = Vec::with_capacity(k);
    for (i, label) in labels.iter().enumerate() {
        let tp = cm[i][i];
        let support: u64 = cm[i].iter().sum();
        let predicted: u64 = (0..k).map(|r| cm[r][i]).sum();
        let precision = ratio(tp, predicted);
        let recall = ratio(tp, support);
        let f1 = if precision + recall == 0.0 {
            0.0
        } else {
            2.0 * precision * recall / (precision + recall)
        };
        per_class.push(ClassMetrics {
            label: label.clone(),
            precision,
            recall,
            f1,
            support,
        });
    }
    let mean = |f: fn(&ClassMetrics) -> f64| per_class.iter().map(f).sum::<f64>() / k as f64;
    let wmean = |f: fn(&ClassMetrics) -> f64| per_class.iter().map(|c| f(c) * c.support as f64).sum::<f64>() / n as f64;
    let macro_avg = Averages {
        precision: mean(|c| c.precision),
        recall: mean(|c| c.recall),
        f1: mean(|c| c.f1),
    };
    let weighted_avg = Averages {
        precision: wmean(|c| c.precision),
        recall: wmean(|c| c.recall),
        f1: wmean(|c| c.f1),
    };
    let log_loss = match proba {
        None => None,
        Some(p) => log_loss(y_true, &p)?,
    };
    Ok(Report {
        n,
        accuracy: ratio(correct, n),
        labels,
        per_class,
        macro_avg,
        weighted_avg,
        confusion_matrix: cm,
        log_loss,
    })
}

fn log_loss(y_true: &[&str], p: &Probabilities<'_>) -> Result<Option<f64>> {
    let k = p.classes.len();
    if k == 0 || p.values.len() != y_true.len() * k {
        return err(
            ErrorCode::InvalidMetricsInput,
            format!(
                "probabilities: expected {} values ({} rows x {k} classes), got {}",
                y_true.len() * k,
                y_true.len(),
                p.values.len()
            ),
        );
    }
    let mut total = 0.0;
    for (i, t) in y_true.iter().enumerate() {
        let Some(c) = p.classes.iter().position(|c| c == t) else {
            return Ok(None);
        };
        let v = p.values[i * k + c].clamp(1e-15, 1.0);
        total -= crate::math::ln(v);
    }
    Ok(Some(total / y_true.len() as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_sklearn_classification_report() {
        let t = ["a", "a", "b", "b", "c"];
        let p = ["a", "b", "b", "b", "a"];
        let r = evaluate(&t, &p, None).unwrap();
        assert_eq!(r.accuracy, 0.6);
        assert_eq!(r.confusion_matrix, vec![vec![1, 1, 0], vec![0, 2, 0], vec![1, 0, 0]]);
        let a = &r.per_class[0];
        assert_eq!((a.precision, a.recall, a.support), (0.5, 0.5, 2));
        let b = &r.per_class[1];
        assert!((b.precision - 2.0 / 3.0).abs() < 1e-15 && b.recall == 1.0);
        assert_eq!(r.per_class[2].f1, 0.0);
        assert!((r.macro_avg.f1 - (0.5 + 0.8 + 0.0) / 3.0).abs() < 1e-12);
        assert!((r.weighted_avg.recall - 0.6).abs() < 1e-12);
    }

    #[test]
    fn log_loss_and_unknown_labels() {
        let classes = vec!["neg".to_string(), "pos".to_string()];
        let values = [0.9, 0.1, 0.2, 0.8];
        let r = evaluate(
            &["neg", "pos"],
            &["neg", "pos"],
            Some(Probabilities {
                classes: &classes,
                values: &values,
            }),
        )
        .unwrap();
        let expect = -(0.9f64.ln() + 0.8f64.ln()) / 2.0;
        assert!((r.log_loss.unwrap() - expect).abs() < 1e-12);
        let r = evaluate(
            &["neg", "meh"],
            &["neg", "pos"],
            Some(Probabilities {
                classes: &classes,
                values: &values,
            }),
        )
        .unwrap();
        assert_eq!(r.log_loss, None);
        assert_eq!(r.labels, ["meh", "neg", "pos"]);
        assert_eq!(
            evaluate(&["a"], &[], None).unwrap_err().code,
            ErrorCode::InvalidMetricsInput
        );
    }
}
