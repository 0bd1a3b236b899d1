//! TF-IDF weighting as scikit-learn's `TfidfTransformer`: optional sublinear
//! tf (`1 + ln tf`), idf (smooth: `ln((1+n)/(1+df)) + 1`, else `ln(n/df) + 1`),
//! then per-row l2 / l1 normalisation (rows of zeros stay zero).

use crate::config::Norm;
use crate::math::ln;

/// A sparse row: (feature index, value), sorted by feature index.
pub type Row = Vec<(u32, f64)>;

/// Append the counts of `sorted` feature ids to `row`: one (id, count) per
/// distinct id, in id order.
#[inline]
pub(crate) fn push_counts(sorted: &[u32], row: &mut Row) {
    for &f in sorted {
        match row.last_mut() {
            Some((last, c)) if *last == f => *c += 1.0,
            _ => row.push((f, 1.0)),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Weighting {
    pub idf: Option<Vec<f64>>,
    /// Document frequency of each feature in the training data, when it was
    /// counted. The model file stores these (varints) rather than the idf
    /// (8 bytes each); the idf is recomputed from them on load, bit-identically.
    pub df: Option<Vec<u32>>,
    pub sublinear_tf: bool,
    pub norm: Norm,
}

/// Inverse document frequencies from document frequencies.
pub fn idf_from_df(df: &[u32], n_docs: u64, smooth: bool) -> Vec<f64> {
    let s = if smooth { 1.0 } else { 0.0 };
    let n = n_docs as f64 + s;
    // Without smoothing a feature no training document had (a hashing bucket
    // never hit) would get ln(n/0) = inf and turn a text containing it into
    // NaN probabilities (scikit-learn does exactly that). It carries no
    // evidence, so it gets weight 0 instead.
    let idf = |d: u32| {
        if d == 0 && !smooth {
            0.0
        } else {
            ln(n / (d as f64 + s)) + 1.0
        }
    };
    // Most features are rare, so a few small document frequencies cover
    // most of the vocabulary: compute those once (same expression, same
    // bits) instead of one `ln` per feature.
    let memo_len = (n_docs.saturating_add(1)).min(IDF_MEMO as u64).min(df.len() as u64) as u32;
    let memo: Vec<f64> = (0..memo_len).map(idf).collect();
    df.iter()
        .map(|&d| memo.get(d as usize).copied().unwrap_or_else(|| idf(d)))
        .collect()
}

/// `1 + ln(c)` (scikit-learn's sublinear term frequency) for the small
/// counts that make up nearly every document, from one table (same function,
/// so the same bits, as computing it). Training and scoring both use it.
pub(crate) fn sublinear_table() -> &'static [f64; TF_MEMO] {
    static TABLE: std::sync::OnceLock<[f64; TF_MEMO]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| std::array::from_fn(|i| ln(i as f64) + 1.0))
}

/// `1 + ln tf`, from [`sublinear_table`] when `tf` is a small integer.
#[inline]
fn sublinear(tf: f64) -> f64 {
    let i = tf as usize;
    if i as f64 == tf && i < TF_MEMO {
        sublinear_table()[i]
    } else {
        ln(tf) + 1.0
    }
}

/// Term counts below this get `1 + ln tf` from a table.
const TF_MEMO: usize = 64;

/// Document frequencies below this get their idf from a table.
const IDF_MEMO: usize = 1024;

impl Weighting {
    /// Turn raw counts into normalised tf-idf values, in place.
    pub fn apply(&self, row: &mut [(u32, f64)]) {
        if self.sublinear_tf {
            for (_, v) in row.iter_mut() {
                *v = sublinear(*v);
            }
        }
        if let Some(idf) = &self.idf {
            for (f, v) in row.iter_mut() {
                *v *= idf[*f as usize];
            }
        }
        let norm = match self.norm {
            Norm::None => return,
            Norm::L2 => row.iter().map(|(_, v)| v * v).sum::<f64>().sqrt(),
            Norm::L1 => row.iter().map(|(_, v)| v.abs()).sum::<f64>(),
        };
        if norm > 0.0 {
            for (_, v) in row.iter_mut() {
                *v /= norm;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_sklearn_formulas() {
        let idf = idf_from_df(&[1, 3], 3, true);
        assert!((idf[0] - ((4.0f64 / 2.0).ln() + 1.0)).abs() < 1e-15);
        assert!((idf[1] - 1.0).abs() < 1e-15);
        let w = Weighting {
            idf: Some(idf.clone()),
            df: None,
            sublinear_tf: true,
            norm: Norm::L2,
        };
        let mut row = vec![(0, 1.0), (1, std::f64::consts::E)];
        w.apply(&mut row);
        let (a, b) = (idf[0], 2.0 * idf[1]);
        let n = (a * a + b * b).sqrt();
        assert!((row[0].1 - a / n).abs() < 1e-15 && (row[1].1 - b / n).abs() < 1e-15);
    }

    #[test]
    fn empty_row_stays_empty() {
        let w = Weighting {
            idf: None,
            df: None,
            sublinear_tf: false,
            norm: Norm::L1,
        };
        let mut row: Vec<(u32, f64)> = vec![];
        w.apply(&mut row);
        assert!(row.is_empty());
    }
}
