//! A trained model: tokenizer + feature space + weighting + classifier, and
//! everything needed to score text. Immutable once built; share it behind an
//! `Arc` across threads (it holds no global state).

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::config::{ClassifierKind, Norm, TrainConfig};
use crate::error::{err, ErrorCode, Result};
use crate::naive_bayes::{softmax_in_place, Classifier};
use crate::parallel;
use crate::space::FeatureSpace;
use crate::tokenizer::Tokenizer;
use crate::weighting::{sublinear_table, Row, Weighting};

/// Deterministic facts about the training data (no clocks, no hosts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainingFacts {
    pub n_documents: u64,
    /// Documents per class, in class order.
    pub class_counts: Vec<u64>,
    pub n_features: u64,
    /// Distinct candidate features before pruning (vocabulary mode).
    pub n_candidate_features: u64,
    /// Tokens seen (vocabulary mode; hashing mode does not count them).
    pub n_tokens: u64,
}

#[derive(Debug, Clone)]
pub struct Model {
    pub(crate) config: TrainConfig,
    pub(crate) classes: Vec<String>,
    pub(crate) facts: TrainingFacts,
    pub(crate) tokenizer: Tokenizer,
    pub(crate) space: FeatureSpace,
    pub(crate) weighting: Weighting,
    pub(crate) classifier: Classifier,
    /// Scoring table, by row (see [`table_stride`]):
    /// `[idf (or 1), log P(f|class 0), …, log P(f|class k-1)]`, so scoring
    /// one feature touches one cache line instead of two distant arrays.
    /// With two classes a row is `[idf, log P(f|1) − log P(f|0)]`: the
    /// probabilities depend only on that difference, and 16-byte rows never
    /// straddle a cache line (24-byte rows do, three times in eight).
    pub(crate) table: Vec<f64>,
}

/// One prediction: the winning class index and every class's probability.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    pub label: usize,
    pub probabilities: Vec<f64>,
}

/// Predictions for many texts in flat arrays: `labels[i]` and
/// `probabilities[i * n_classes .. (i + 1) * n_classes]`.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchPrediction {
    pub n_classes: usize,
    pub labels: Vec<u32>,
    pub probabilities: Vec<f64>,
}

impl BatchPrediction {
    /// Room for `n` predictions (labels 0, probabilities 0 until put).
    pub(crate) fn empty(n_classes: usize, n: usize) -> BatchPrediction {
        BatchPrediction {
            n_classes,
            labels: vec![0; n],
            probabilities: vec![0.0; n * n_classes],
        }
    }

    /// Copy `part`'s predictions in, the first at position `start`.
    pub(crate) fn put(&mut self, start: usize, part: &BatchPrediction) {
        let k = self.n_classes;
        if let Some(dst) = self.labels.get_mut(start..start + part.labels.len()) {
            dst.copy_from_slice(&part.labels);
        }
        if let Some(dst) = self.probabilities.get_mut(start * k..(start + part.labels.len()) * k) {
            dst.copy_from_slice(&part.probabilities);
        }
    }
}

/// How much one feature of the text pushed the winning class.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    /// The n-gram as it appears after preprocessing ("not good").
    pub feature: String,
    /// Its tf-idf weight in this text.
    pub weight: f64,
    /// weight × (log P(feature | winner) − mean over other classes of
    /// log P(feature | class)): the feature's share of the winner's margin.
    pub contribution: f64,
}

/// A text's drift accounting ([`Model::drift_counts`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriftCounts {
    /// Tokens (after preprocessing and stop words).
    pub tokens: u64,
    /// Tokens the model never saw as a unigram feature (0 in hashing mode).
    pub oov: u64,
    /// Feature indices present in the text.
    pub features: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    pub prediction: Prediction,
    /// Top contributions, largest first.
    pub contributions: Vec<Contribution>,
}

/// Lay the scoring table out with the most frequent features first (by
/// training document frequency, or idf when df was not kept) and make the
/// vocabulary index hand out those rows; returns row → feature. Hashing mode
/// keeps rows = buckets (None).
pub(crate) fn scoring_order(space: &mut FeatureSpace, weighting: &Weighting) -> Option<Vec<u32>> {
    let FeatureSpace::Vocabulary(v) = space else {
        return None;
    };
    let n = v.len();
    let mut order: Vec<u32> = (0..n as u32).collect();
    let small_df = |df: &&Vec<u32>| df.len() == n && df.iter().all(|&d| d as usize <= n.max(1 << 20));
    if let Some(df) = weighting.df.as_ref().filter(small_df) {
        // Counting sort, df descending then feature ascending: O(n + max df),
        // a few ms at load where a comparison sort of 400k keys takes tens.
        let max = df.iter().copied().max().unwrap_or(0) as usize;
        let mut starts = vec![0usize; max + 2];
        for &d in df {
            starts[max - d as usize + 1] += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        for (f, &d) in df.iter().enumerate() {
            let slot = &mut starts[max - d as usize];
            order[*slot] = f as u32;
            *slot += 1;
        }
    } else if let Some(df) = weighting.df.as_ref().filter(|df| df.len() == n) {
        // Implausibly large counts (a crafted file): no giant bucket array.
        order.sort_unstable_by_key(|&f| (std::cmp::Reverse(df[f as usize]), f));
    } else if let Some(idf) = weighting.idf.as_ref().filter(|idf| idf.len() == n) {
        order.sort_unstable_by(|&a, &b| idf[a as usize].total_cmp(&idf[b as usize]).then(a.cmp(&b)));
    } else {
        return None;
    }
    let mut row_of_feature = vec![0u32; n];
    for (r, &f) in order.iter().enumerate() {
        row_of_feature[f as usize] = r as u32;
    }
    v.reorder(&row_of_feature).then_some(order)
}

/// Values per scoring-table row for `k` classes (see `Model::table`).
pub(crate) fn table_stride(k: usize) -> usize {
    if k == 2 {
        2
    } else {
        k + 1
    }
}

/// Rows of the scoring table built per block, in parallel.
const TABLE_BLOCK: usize = 1 << 15;

/// The scoring table (see `Model::table`): row r holds feature
/// `feature_of_row[r]`'s idf and log probabilities (their difference for
/// two classes). Reading features in row order is random access into two
/// large arrays, so blocks of rows are filled on both cores. The shapes are
/// checked by the caller.
fn scoring_table(
    feature_of_row: &Option<Vec<u32>>,
    weighting: &Weighting,
    classifier: &Classifier,
    n: usize,
) -> Vec<f64> {
    let k = classifier.n_classes;
    let stride = table_stride(k);
    let mut table = vec![0.0; n * stride];
    let mut blocks: Vec<&mut [f64]> = table.chunks_mut(TABLE_BLOCK * stride).collect();
    parallel::for_each_mut(&mut blocks, |b, block| {
        for (i, row) in block.chunks_exact_mut(stride).enumerate() {
            let r = b * TABLE_BLOCK + i;
            let f = feature_of_row.as_ref().map_or(r, |o| o[r] as usize);
            row[0] = weighting.idf.as_ref().map_or(1.0, |idf| idf[f]);
            let lp = &classifier.feature_log_prob[f * k..(f + 1) * k];
            match lp {
                [l0, l1] => row[1] = l1 - l0,
                _ => row[1..].copy_from_slice(lp),
            }
        }
    });
    table
}

impl Model {
    /// A model from its parts, with [`scoring_order`] already applied to
    /// `space` (its result is `feature_of_row`). Training applies it when it
    /// freezes the vocabulary; loading, while the classifier is still being
    /// decoded.
    pub(crate) fn assemble_ordered(
        config: TrainConfig,
        classes: Vec<String>,
        facts: TrainingFacts,
        space: FeatureSpace,
        weighting: Weighting,
        classifier: Classifier,
        feature_of_row: Option<Vec<u32>>,
    ) -> Result<Model> {
        let n = space.n_features();
        if classifier.n_classes != classes.len()
            || classifier.feature_log_prob.len() != n * classes.len()
            || classifier.class_log_prior.len() != classes.len()
        {
            return err(
                ErrorCode::ModelCorrupt,
                "classifier shape does not match classes and features",
            );
        }
        if weighting.idf.as_ref().is_some_and(|idf| idf.len() != n)
            || weighting.df.as_ref().is_some_and(|df| df.len() != n)
        {
            return err(
                ErrorCode::ModelCorrupt,
                "idf length does not match the number of features",
            );
        }
        let tokenizer = Tokenizer::new(&config);
        let table = scoring_table(&feature_of_row, &weighting, &classifier, n);
        Ok(Model {
            config,
            classes,
            facts,
            tokenizer,
            space,
            weighting,
            classifier,
            table,
        })
    }

    pub fn classes(&self) -> &[String] {
        &self.classes
    }
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }
    pub fn facts(&self) -> &TrainingFacts {
        &self.facts
    }
    pub fn n_features(&self) -> usize {
        self.space.n_features()
    }
    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }
    /// Feature strings in column order (vocabulary mode only).
    pub fn vocabulary(&self) -> Option<&[String]> {
        match &self.space {
            FeatureSpace::Vocabulary(v) => Some(v.terms()),
            FeatureSpace::Hashed { .. } => None,
        }
    }
    pub fn idf(&self) -> Option<&[f64]> {
        self.weighting.idf.as_deref()
    }
    /// Training document frequency of each feature, when counted.
    pub fn document_frequencies(&self) -> Option<&[u32]> {
        self.weighting.df.as_deref()
    }
    pub fn classifier(&self) -> &Classifier {
        &self.classifier
    }

    /// The tf-idf row of a text, as the classifier sees it.
    pub fn transform(&self, text: &str) -> Row {
        let mut row = self.space.count(&self.tokenizer, text);
        self.weighting.apply(&mut row);
        row
    }

    /// Probabilities into `out` (length = number of classes); returns the
    /// winning class. Costs O(length of text), not O(vocabulary).
    pub fn predict_into(&self, text: &str, out: &mut [f64]) -> usize {
        out.iter_mut().for_each(|o| *o = 0.0);
        let norm = self
            .space
            .with_counts(&self.tokenizer, text, |counts| self.score_counts(counts, out));
        let norm = match self.weighting.norm {
            Norm::L2 => norm.sqrt(),
            Norm::L1 => norm,
            Norm::None => 1.0,
        };
        let scale = if norm > 0.0 { norm } else { 1.0 };
        let use_prior = self.classifier.kind == ClassifierKind::Multinomial;
        for (c, o) in out.iter_mut().enumerate() {
            *o = *o / scale
                + if use_prior {
                    self.classifier.class_log_prior[c]
                } else {
                    0.0
                };
        }
        softmax_in_place(out)
    }

    /// Σ w·log P(f|c) into `out` for the (row, count) pairs of a text (with
    /// two classes: 0 and Σ w·(log P(f|1) − log P(f|0)), the same
    /// probabilities after the softmax); returns the norm of the weights.
    /// Weight, normalise and score in one pass: normalisation is a common
    /// scale, so Σ (w/‖w‖)·logp = (Σ w·logp)/‖w‖.
    #[inline]
    fn score_counts(&self, counts: &[(u32, u32)], out: &mut [f64]) -> f64 {
        let k = self.classes.len();
        let stride = table_stride(k);
        // Start every row's load before the arithmetic needs it.
        let mut sink = 0.0;
        for &(f, _) in counts {
            sink += self.table.get(f as usize * stride).copied().unwrap_or(0.0);
        }
        std::hint::black_box(sink);
        let sublinear = self.weighting.sublinear_tf.then(sublinear_table);
        let tf = |c: u32| match sublinear {
            Some(table) => match table.get(c as usize) {
                Some(&v) => v,
                None => crate::math::ln(c as f64) + 1.0,
            },
            None => c as f64,
        };
        let norm_kind = self.weighting.norm;
        let mut norm = 0.0;
        let mut add_norm = |w: f64| {
            norm += match norm_kind {
                Norm::L2 => w * w,
                Norm::L1 => w.abs(),
                Norm::None => 0.0,
            }
        };
        if let ([o0, o1], 2) = (&mut *out, k) {
            // Two classes (sentiment): class 1's score relative to class 0's.
            let mut s1 = 0.0;
            for &(f, c) in counts {
                let base = f as usize * 2;
                let Some(&[idf, delta]) = self.table.get(base..base + 2) else {
                    continue;
                };
                let w = tf(c) * idf;
                add_norm(w);
                s1 += w * delta;
            }
            *o0 = 0.0;
            *o1 = s1;
        } else {
            for &(f, c) in counts {
                let base = f as usize * stride;
                let Some(entry) = self.table.get(base..base + stride) else {
                    continue;
                };
                let w = tf(c) * entry[0];
                add_norm(w);
                for (o, lp) in out.iter_mut().zip(&entry[1..]) {
                    *o += w * lp;
                }
            }
        }
        norm
    }

    pub fn predict(&self, text: &str) -> Prediction {
        let mut probabilities = vec![0.0; self.classes.len()];
        let label = self.predict_into(text, &mut probabilities);
        Prediction { label, probabilities }
    }

    /// Score UTF-8 bytes (e.g. a Node Buffer); invalid UTF-8 is an error.
    pub fn predict_bytes(&self, bytes: &[u8]) -> Result<Prediction> {
        match std::str::from_utf8(bytes) {
            Ok(s) => Ok(self.predict(s)),
            Err(e) => err(
                ErrorCode::InvalidUtf8,
                format!("text is not valid UTF-8: invalid byte at offset {}", e.valid_up_to()),
            ),
        }
    }

    /// Score many texts (in parallel where available), flat output.
    pub fn predict_batch(&self, texts: &[&str]) -> BatchPrediction {
        // Blocks of texts, each scored into its own flat arrays: no
        // allocation per text.
        let blocks = parallel::ranges(texts.len(), parallel::workers() * 16);
        let per_block = parallel::map(&blocks, |r| self.predict_block(&texts[r.clone()]));
        let mut out = BatchPrediction::empty(self.classes.len(), texts.len());
        for (start, block) in blocks.iter().zip(&per_block) {
            out.put(start.start, block);
        }
        out
    }

    /// Score `texts` one after another on this thread, into flat arrays.
    pub(crate) fn predict_block(&self, texts: &[&str]) -> BatchPrediction {
        let k = self.classes.len();
        let mut labels = Vec::with_capacity(texts.len());
        let mut probabilities = vec![0.0; texts.len() * k];
        for (t, p) in texts.iter().zip(probabilities.chunks_mut(k.max(1))) {
            labels.push(self.predict_into(t, p) as u32);
        }
        BatchPrediction {
            n_classes: k,
            labels,
            probabilities,
        }
    }

    /// Prediction plus the `k` features that pushed the winner most.
    pub fn explain(&self, text: &str, k: usize) -> Explanation {
        let prediction = self.predict(text);
        let row = self.transform(text);
        // Name each feature by the first n-gram of the text that maps to it.
        let mut names: FxHashMap<u32, String> = FxHashMap::default();
        for gram in self.tokenizer.analyze(text) {
            if let Some(f) = self.space.feature_of(&gram) {
                names.entry(f).or_insert(gram);
            }
        }
        let n = self.classes.len();
        let win = prediction.label;
        let flp = &self.classifier.feature_log_prob;
        let mut contributions: Vec<Contribution> = row
            .iter()
            .filter_map(|&(f, w)| {
                let base = f as usize * n;
                let own = flp[base + win];
                let others = (0..n).filter(|&c| c != win).map(|c| flp[base + c]).sum::<f64>() / (n.max(2) - 1) as f64;
                let feature = names.get(&f)?.clone();
                Some(Contribution {
                    feature,
                    weight: w,
                    contribution: w * (own - others),
                })
            })
            .collect();
        contributions.sort_by(|a, b| {
            b.contribution
                .total_cmp(&a.contribution)
                .then_with(|| a.feature.cmp(&b.feature))
        });
        contributions.truncate(k);
        Explanation {
            prediction,
            contributions,
        }
    }

    /// What drift accounting needs of a text, from one tokenization: its
    /// tokens and out-of-vocabulary tokens (as [`Model::oov_counts`]) and
    /// the features it contains (the indices of [`Model::transform`]'s row,
    /// in the same order), without weighting the row.
    pub fn drift_counts(&self, text: &str) -> DriftCounts {
        let FeatureSpace::Vocabulary(v) = &self.space else {
            let (tokens, oov) = self.oov_counts(text);
            let features = self
                .space
                .count(&self.tokenizer, text)
                .into_iter()
                .map(|(f, _)| f)
                .collect();
            return DriftCounts { tokens, oov, features };
        };
        let pre = self.tokenizer.preprocess(text);
        let mut ids = Vec::new();
        self.tokenizer.for_each_token(&pre, |t| ids.push(v.token_id(t)));
        let oov = ids.iter().filter(|&&id| v.unseen_token(id)).count() as u64;
        let features = self
            .space
            .row_from_ids(&self.tokenizer, &ids)
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        DriftCounts {
            tokens: ids.len() as u64,
            oov,
            features,
        }
    }

    /// Tokens of `text` and how many of them the model has never seen as a
    /// unigram feature (vocabulary mode; hashing mode knows no OOV).
    pub fn oov_counts(&self, text: &str) -> (u64, u64) {
        let pre = self.tokenizer.preprocess(text);
        let (mut total, mut oov) = (0u64, 0u64);
        self.tokenizer.for_each_token(&pre, |t| {
            total += 1;
            if let FeatureSpace::Vocabulary(v) = &self.space {
                if v.unseen_token(v.token_id(t)) {
                    oov += 1;
                }
            }
        });
        (total, oov)
    }
}
