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
                return self.row_from_ids(tok, &ids);
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

    /// Visit each feature of `text` once with its raw count, in no particular
    /// (but deterministic) order. The scoring fast path: counts are
    /// aggregated in a small cache-resident open-addressing table instead of
    /// sorting.
    pub fn for_each_count(&self, tok: &Tokenizer, text: &str, visit: impl FnMut(u32, f64)) {
        // Reuse this thread's buffers (no allocation per call); a nested call
        // (none today) would simply get fresh ones.
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => {
                let Scratch { ids, table } = &mut *scratch;
                self.count_with(tok, text, ids, table, visit)
            }
            Err(_) => self.count_with(tok, text, &mut Vec::new(), &mut CountTable::default(), visit),
        })
    }

    fn count_with(
        &self,
        tok: &Tokenizer,
        text: &str,
        ids: &mut Vec<u32>,
        table: &mut CountTable,
        mut visit: impl FnMut(u32, f64),
    ) {
        let pre = tok.preprocess(text);
        match self {
            FeatureSpace::Vocabulary(v) => {
                ids.clear();
                tok.for_each_token(&pre, |t| ids.push(v.token_id(t)));
                table.reserve(ids.len() * (tok.max_n - tok.min_n + 1));
                for_each_ngram(ids, tok.min_n, tok.max_n, |w| {
                    let f = v.feature(w);
                    if f != NONE {
                        table.add(f, 1);
                    }
                });
            }
            FeatureSpace::Hashed { bits, signed } => {
                let mut toks = Vec::with_capacity(pre.len() / 4 + 1);
                tok.for_each_token(&pre, |t| toks.push(t));
                table.reserve(toks.len() * (tok.max_n - tok.min_n + 1));
                for_each_ngram(&toks, tok.min_n, tok.max_n, |w| {
                    let (b, neg) = bucket(hash_ngram(w), *bits);
                    table.add(b, if *signed && neg { -1 } else { 1 });
                });
            }
        }
        for &(k, c) in &table.slots {
            if k != 0 && c != 0 {
                visit(k - 1, c.unsigned_abs() as f64);
            }
        }
    }

    /// Counts from token ids of this vocabulary (NONE for unknown tokens).
    pub fn row_from_ids(&self, tok: &Tokenizer, ids: &[u32]) -> Row {
        let mut feats: Vec<u32> = Vec::with_capacity(ids.len() * (tok.max_n - tok.min_n + 1));
        if let FeatureSpace::Vocabulary(v) = self {
            for_each_ngram(ids, tok.min_n, tok.max_n, |w| {
                let f = v.feature(w);
                if f != NONE {
                    feats.push(f);
                }
            });
        }
        feats.sort_unstable();
        let mut row: Row = Vec::with_capacity(feats.len());
        for f in feats {
            match row.last_mut() {
                Some((last, c)) if *last == f => *c += 1.0,
                _ => row.push((f, 1.0)),
            }
        }
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

/// Per-thread buffers of `for_each_count`.
#[derive(Default)]
struct Scratch {
    ids: Vec<u32>,
    table: CountTable,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// Open-addressing (feature + 1 → count) table sized to the document.
#[derive(Default)]
struct CountTable {
    slots: Vec<(u32, i64)>,
    mask: usize,
}

impl CountTable {
    /// Empty the table and size it for `n` keys (the same size, hence the
    /// same slot order, whether the buffer is new or reused).
    fn reserve(&mut self, n: usize) {
        let cap = (n * 2).next_power_of_two().max(16);
        self.slots.clear();
        self.slots.resize(cap, (0, 0));
        self.mask = cap - 1;
    }

    #[inline]
    fn add(&mut self, feature: u32, delta: i64) {
        let key = feature + 1;
        let mut i = (key.wrapping_mul(0x9E37_79B9) as usize) & self.mask;
        loop {
            let slot = &mut self.slots[i];
            if slot.0 == key {
                slot.1 += delta;
                return;
            }
            if slot.0 == 0 {
                *slot = (key, delta);
                return;
            }
            i = (i + 1) & self.mask;
        }
    }
}
