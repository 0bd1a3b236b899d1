//! Multinomial and Complement Naive Bayes over tf-idf rows, as scikit-learn's
//! `MultinomialNB` / `ComplementNB`, with probabilities via log-sum-exp.

use crate::config::ClassifierKind;
use crate::math::{exp, ln};
use crate::parallel;
use crate::weighting::Row;

/// Sufficient statistics while training: per class, the summed feature
/// values and the document count. Sums run in document order for every
/// feature (the work is split by feature range, not by document), so the
/// result is bit-identical whatever the thread count or chunking.
#[derive(Debug, Clone)]
pub struct Accumulator {
    n_features: usize,
    /// One vector per class (in order of first appearance), length n_features.
    pub feature_count: Vec<Vec<f64>>,
    pub class_count: Vec<u64>,
}

impl Accumulator {
    pub fn new(n_features: usize) -> Self {
        Accumulator {
            n_features,
            feature_count: Vec::new(),
            class_count: Vec::new(),
        }
    }

    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// Add weighted rows with their class ids (ids may be new classes).
    pub fn add(&mut self, rows: &[Row], classes: &[u32]) {
        for &c in classes {
            while self.class_count.len() <= c as usize {
                self.class_count.push(0);
                self.feature_count.push(vec![0.0; self.n_features]);
            }
            self.class_count[c as usize] += 1;
        }
        let ranges = parallel::ranges(self.n_features, parallel::workers() * 2);
        // Carve every class vector into the same feature ranges; shard s owns
        // range s of every class.
        let mut shards: Vec<(usize, Vec<&mut [f64]>)> = ranges.iter().map(|r| (r.start, Vec::new())).collect();
        for fc in self.feature_count.iter_mut() {
            let mut rest: &mut [f64] = fc.as_mut_slice();
            for (s, r) in ranges.iter().enumerate() {
                let (head, tail) = rest.split_at_mut(r.len());
                shards[s].1.push(head);
                rest = tail;
            }
        }
        parallel::for_each_mut(&mut shards, |_, (lo, per_class)| {
            let lo = *lo as u32;
            let hi = lo + per_class.first().map_or(0, |s| s.len()) as u32;
            for (row, &c) in rows.iter().zip(classes) {
                let target = &mut per_class[c as usize];
                let start = row.partition_point(|(f, _)| *f < lo);
                for &(f, v) in &row[start..] {
                    if f >= hi {
                        break;
                    }
                    target[(f - lo) as usize] += v;
                }
            }
        });
    }
}

/// A fitted classifier. `feature_log_prob` is feature-major
/// (`[feature * n_classes + class]`) so scoring a sparse row reads memory
/// contiguously.
#[derive(Debug, Clone, PartialEq)]
pub struct Classifier {
    pub kind: ClassifierKind,
    pub n_classes: usize,
    pub class_log_prior: Vec<f64>,
    pub feature_log_prob: Vec<f64>,
}

/// Fit from per-class feature sums (class-major, classes already in final order).
pub fn fit(
    kind: ClassifierKind,
    feature_count: &[Vec<f64>],
    class_log_prior: Vec<f64>,
    alpha: f64,
    complement_norm: bool,
) -> Classifier {
    let n_classes = feature_count.len();
    let n_features = feature_count.first().map_or(0, Vec::len);
    let mut flp = vec![0.0; n_features * n_classes];
    match kind {
        ClassifierKind::Multinomial => {
            for (c, fc) in feature_count.iter().enumerate() {
                let total: f64 = fc.iter().map(|v| v + alpha).sum();
                let log_total = ln(total);
                for (f, v) in fc.iter().enumerate() {
                    flp[f * n_classes + c] = ln(v + alpha) - log_total;
                }
            }
        }
        ClassifierKind::Complement => {
            let all: Vec<f64> = (0..n_features)
                .map(|f| feature_count.iter().map(|fc| fc[f]).sum())
                .collect();
            for (c, fc) in feature_count.iter().enumerate() {
                let comp: Vec<f64> = (0..n_features).map(|f| all[f] + alpha - fc[f]).collect();
                let total: f64 = comp.iter().sum();
                let logged: Vec<f64> = comp.iter().map(|v| ln(v / total)).collect();
                let scale = if complement_norm {
                    logged.iter().sum::<f64>()
                } else {
                    -1.0
                };
                for (f, l) in logged.iter().enumerate() {
                    flp[f * n_classes + c] = l / scale;
                }
            }
        }
    }
    Classifier {
        kind,
        n_classes,
        class_log_prior,
        feature_log_prob: flp,
    }
}

impl Classifier {
    /// Joint log-likelihood of each class for a weighted row, into `out`.
    pub fn joint_log_likelihood(&self, row: &[(u32, f64)], out: &mut [f64]) {
        let k = self.n_classes;
        let use_prior = self.kind == ClassifierKind::Multinomial || k == 1;
        for (c, o) in out.iter_mut().enumerate().take(k) {
            *o = if use_prior { self.class_log_prior[c] } else { 0.0 };
        }
        for &(f, v) in row {
            let base = f as usize * k;
            for (o, w) in out.iter_mut().zip(&self.feature_log_prob[base..base + k]) {
                *o += v * w;
            }
        }
    }

    /// Probabilities from a row, written to `out`; returns the arg-max class.
    pub fn predict_proba(&self, row: &[(u32, f64)], out: &mut [f64]) -> usize {
        self.joint_log_likelihood(row, out);
        softmax_in_place(out)
    }
}

/// exp(x - logsumexp(x)) in place; returns the index of the largest input
/// (the first one on ties, as numpy's argmax).
pub fn softmax_in_place(x: &mut [f64]) -> usize {
    let mut best = 0;
    for (i, v) in x.iter().enumerate() {
        if *v > x[best] {
            best = i;
        }
    }
    let max = x[best];
    if !max.is_finite() {
        return best;
    }
    let lse = max + ln(x.iter().map(|v| exp(v - max)).sum::<f64>());
    for v in x.iter_mut() {
        *v = exp(*v - lse);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accumulator_is_independent_of_chunking() {
        let rows: Vec<Row> = (0..50u32)
            .map(|i| vec![(i % 7, 0.1 * i as f64), (7 + i % 3, 1.0 / (i + 1) as f64)])
            .collect();
        let classes: Vec<u32> = (0..50).map(|i| i % 3).collect();
        let mut a = Accumulator::new(10);
        a.add(&rows, &classes);
        let mut b = Accumulator::new(10);
        for (r, c) in rows.chunks(7).zip(classes.chunks(7)) {
            b.add(r, c);
        }
        assert_eq!(a.feature_count, b.feature_count);
        assert_eq!(a.class_count, vec![17, 17, 16]);
    }

    #[test]
    fn multinomial_matches_hand_computation() {
        let fc = vec![vec![1.0, 0.0], vec![0.0, 3.0]];
        let prior = vec![(0.5f64).ln(), (0.5f64).ln()];
        let clf = fit(ClassifierKind::Multinomial, &fc, prior, 1.0, false);
        // class 0: (2/3, 1/3); class 1: (1/5, 4/5)
        assert!((clf.feature_log_prob[0] - (2.0f64 / 3.0).ln()).abs() < 1e-15);
        assert!((clf.feature_log_prob[3] - (0.8f64).ln()).abs() < 1e-15);
        let mut p = [0.0; 2];
        let best = clf.predict_proba(&[(1, 1.0)], &mut p);
        assert_eq!(best, 1);
        assert!((p[0] + p[1] - 1.0).abs() < 1e-15);
        assert!((p[1] - 0.8 / (0.8 + 1.0 / 3.0)).abs() < 1e-12);
    }

    #[test]
    fn softmax_handles_extremes() {
        let mut x = [-1000.0, -1001.0];
        assert_eq!(softmax_in_place(&mut x), 0);
        assert!((x[0] - 1.0 / (1.0 + (-1.0f64).exp())).abs() < 1e-12);
    }
}
