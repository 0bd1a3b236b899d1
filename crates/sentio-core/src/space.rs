//! The feature space a model maps text into: a learned vocabulary, or hashed
//! buckets. Turns a text into raw term counts (a sparse row).

use crate::hashing::{bucket, hash_ngram};
use crate::tokenizer::{for_each_ngram, Tokenizer};
use crate::vocab::{VocabIndex, NONE};
use crate::weighting::Row;

#[derive(Debug, Clone)]
pub enum FeatureSpace {
    Vocabulary(VocabIndex),
    Hashed { bits: u8, signed: bool },
}

/// Sorted (feature, sign) pairs → (feature, count) row. Signed sums are taken
/// in absolute value; buckets that cancel to zero are dropped.
fn run_length(feats: &mut [(u32, i32)], out: &mut Row) {
    feats.sort_unstable_by_key(|f| f.0);
    let mut i = 0;
    while i < feats.len() {
        let f = feats[i].0;
        let mut sum = 0i64;
        while i < feats.len() && feats[i].0 == f {
            sum += feats[i].1 as i64;
            i += 1;
        }
        if sum != 0 {
            out.push((f, sum.unsigned_abs() as f64));
        }
    }
}

impl FeatureSpace {
    pub fn n_features(&self) -> usize {
        match self {
            FeatureSpace::Vocabulary(v) => v.len(),
            FeatureSpace::Hashed { bits, .. } => 1usize << bits,
        }
    }

    /// Raw counts of `text`'s features.
    pub fn count(&self, tok: &Tokenizer, text: &str) -> Row {
        let pre = tok.preprocess(text);
        let mut feats: Vec<(u32, i32)> = Vec::new();
        match self {
            FeatureSpace::Vocabulary(v) => {
                let mut ids = Vec::new();
                tok.for_each_token(&pre, |t| ids.push(v.token_id(t)));
                self.count_ids(tok, &ids, &mut feats);
            }
            FeatureSpace::Hashed { bits, signed } => {
                let mut toks = Vec::new();
                tok.for_each_token(&pre, |t| toks.push(t));
                for_each_ngram(&toks, tok.min_n, tok.max_n, |w| {
                    let (b, neg) = bucket(hash_ngram(w), *bits);
                    feats.push((b, if *signed && neg { -1 } else { 1 }));
                });
            }
        }
        let mut row = Vec::with_capacity(feats.len());
        run_length(&mut feats, &mut row);
        row
    }

    /// Counts from token ids already mapped into this vocabulary (training).
    pub fn count_ids(&self, tok: &Tokenizer, ids: &[u32], feats: &mut Vec<(u32, i32)>) {
        if let FeatureSpace::Vocabulary(v) = self {
            for_each_ngram(ids, tok.min_n, tok.max_n, |w| {
                let f = v.feature(w);
                if f != NONE {
                    feats.push((f, 1));
                }
            });
        }
    }

    /// Row from vocabulary token ids (training path of vocabulary mode).
    pub fn row_from_ids(&self, tok: &Tokenizer, ids: &[u32]) -> Row {
        let mut feats = Vec::new();
        self.count_ids(tok, ids, &mut feats);
        let mut row = Vec::with_capacity(feats.len());
        run_length(&mut feats, &mut row);
        row
    }

    /// The feature index of one n-gram string, if it has one.
    pub fn feature_of(&self, ngram: &str) -> Option<u32> {
        match self {
            FeatureSpace::Vocabulary(v) => {
                let ids: Vec<u32> = ngram.split(' ').map(|t| v.token_id(t)).collect();
                let f = v.feature(&ids);
                (f != NONE).then_some(f)
            }
            FeatureSpace::Hashed { bits, .. } => {
                let parts: Vec<&str> = ngram.split(' ').collect();
                Some(bucket(hash_ngram(&parts), *bits).0)
            }
        }
    }
}
