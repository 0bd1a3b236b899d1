//! Multinomial and Complement Naive Bayes over tf-idf rows, as scikit-learn's
//! `MultinomialNB` / `ComplementNB`, with probabilities via log-sum-exp.

use crate::config::ClassifierKind;
use crate::math::{exp, ln};
use crate::parallel;
use crate::weighting::Row;

/// Documents are summed in blocks of this many; block `b` goes to half
/// `b % 2` (see [`Accumulator`]).
const BLOCK: u64 = 1024;

/// Sufficient statistics while training: per class, the summed feature
/// values and the document count. The sums are kept in two halves (even and
/// odd blocks of [`BLOCK`] documents, by document number), each summed in
/// document order for every feature, and added together at the end. The
/// halves are fixed by document numbers alone, so the result is
/// bit-identical whatever the thread count or chunking, and the two halves
/// can be summed side by side without sharing memory (see
/// [`Accumulator::add_built`]).
#[derive(Debug, Clone)]
pub struct Accumulator {
    n_features: usize,
    /// `halves[h][c]`: half h's sums for class c (in order of first
    /// appearance), length n_features. Allocated zeroed: a half no document
    /// reached costs no memory.
    halves: [Vec<Vec<f64>>; 2],
    pub class_count: Vec<u64>,
    /// Documents added so far: the number of the next one.
    n_docs: u64,
}

#[inline]
fn half_of(doc: u64) -> usize {
    ((doc / BLOCK) % 2) as usize
}

impl Accumulator {
    pub fn new(n_features: usize) -> Self {
        Accumulator {
            n_features,
            halves: [Vec::new(), Vec::new()],
            class_count: Vec::new(),
            n_docs: 0,
        }
    }

    pub fn n_features(&self) -> usize {
        self.n_features
    }

    fn count_classes(&mut self, classes: &[u32]) {
        for &c in classes {
            while self.class_count.len() <= c as usize {
                self.class_count.push(0);
                for half in self.halves.iter_mut() {
                    half.push(crate::prefault::prefaulted(self.n_features, 0.0));
                }
            }
            self.class_count[c as usize] += 1;
        }
    }

    /// Add weighted rows with their class ids (ids may be new classes),
    /// numbered on from the documents added before.
    pub fn add(&mut self, rows: &[Row], classes: &[u32]) {
        self.count_classes(classes);
        let first = self.n_docs;
        self.n_docs += rows.len() as u64;
        let ranges = parallel::ranges(self.n_features, parallel::workers() * 2);
        // Carve every class vector of both halves into the same feature
        // ranges; shard s owns range s of all of them.
        type Shard<'a> = (usize, [Vec<&'a mut [f64]>; 2]);
        let mut shards: Vec<Shard> = ranges.iter().map(|r| (r.start, [Vec::new(), Vec::new()])).collect();
        for (h, half) in self.halves.iter_mut().enumerate() {
            for fc in half.iter_mut() {
                let mut rest: &mut [f64] = fc.as_mut_slice();
                for (s, r) in ranges.iter().enumerate() {
                    let (head, tail) = rest.split_at_mut(r.len());
                    shards[s].1[h].push(head);
                    rest = tail;
                }
            }
        }
        parallel::for_each_mut(&mut shards, |_, (lo, per_half)| {
            let lo = *lo as u32;
            let hi = lo + per_half[0].first().map_or(0, |s| s.len()) as u32;
            for (i, (row, &c)) in rows.iter().zip(classes).enumerate() {
                let target = &mut per_half[half_of(first + i as u64)][c as usize];
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

    /// Add `classes.len()` documents whose weighted rows `build(i, scratch,
    /// row)` writes into `row` (i counts from 0 in this call), without
    /// keeping the rows: each half sums its own documents on its own thread
    /// as they are built. Same sums as [`Accumulator::add`] of those rows.
    pub fn add_built<S: Default>(&mut self, classes: &[u32], build: impl Fn(usize, &mut S, &mut Row) + Sync) {
        self.count_classes(classes);
        let first = self.n_docs;
        self.n_docs += classes.len() as u64;
        let mut halves: Vec<(usize, &mut Vec<Vec<f64>>)> = self.halves.iter_mut().enumerate().collect();
        parallel::for_each_mut(&mut halves, |_, (h, sums)| {
            let (mut scratch, mut row) = (S::default(), Row::new());
            let mut i = 0;
            while i < classes.len() {
                let doc = first + i as u64;
                let block_end = ((doc / BLOCK + 1) * BLOCK - first).min(classes.len() as u64) as usize;
                if half_of(doc) == *h {
                    for (j, &c) in classes.iter().enumerate().take(block_end).skip(i) {
                        row.clear();
                        build(j, &mut scratch, &mut row);
                        if let Some(target) = sums.get_mut(c as usize) {
                            for &(f, v) in &row {
                                if let Some(t) = target.get_mut(f as usize) {
                                    *t += v;
                                }
                            }
                        }
                    }
                }
                i = block_end;
            }
        });
    }

    /// The per-class sums (half 0 + half 1), in class id order.
    pub fn into_feature_counts(self) -> Vec<Vec<f64>> {
        let [mut even, odd] = self.halves;
        if self.n_docs > BLOCK {
            for (e, o) in even.iter_mut().zip(&odd) {
                for (a, b) in e.iter_mut().zip(o) {
                    *a += b;
                }
            }
        }
        even
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
        assert_eq!(a.class_count, vec![17, 17, 16]);
        assert_eq!(a.class_count, b.class_count);
        assert_eq!(a.into_feature_counts(), b.into_feature_counts());
    }

    /// Rows built on the fly sum exactly as added rows, across both halves
    /// (more than one block of documents) and in any chunking.
    #[test]
    fn built_rows_sum_as_added_rows() {
        let n = 3 * BLOCK as usize + 17;
        let row = |i: usize| -> Row { vec![(i as u32 % 5, 1.0 / (i + 1) as f64), (5 + i as u32 % 4, 0.3 * i as f64)] };
        let rows: Vec<Row> = (0..n).map(row).collect();
        let classes: Vec<u32> = (0..n as u32).map(|i| (i * 7) % 3).collect();
        let mut added = Accumulator::new(9);
        for (r, c) in rows.chunks(500).zip(classes.chunks(500)) {
            added.add(r, c);
        }
        let mut built = Accumulator::new(9);
        let mut start = 0;
        for c in classes.chunks(777) {
            built.add_built(c, |j, _: &mut (), out| out.extend(row(start + j)));
            start += c.len();
        }
        assert_eq!(added.class_count, built.class_count);
        let (a, b) = (added.into_feature_counts(), built.into_feature_counts());
        assert_eq!(a, b);
        // And a plain document-order sum, up to rounding.
        let mut sequential = vec![vec![0.0; 9]; 3];
        for (r, &c) in rows.iter().zip(&classes) {
            for &(f, v) in r {
                sequential[c as usize][f as usize] += v;
            }
        }
        for (x, y) in a.iter().flatten().zip(sequential.iter().flatten()) {
            assert!((x - y).abs() <= 1e-9 * y.abs().max(1.0));
        }
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
