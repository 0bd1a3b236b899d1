//! The feature space a model maps text into: a learned vocabulary, or hashed
//! buckets. Turns a text into raw term counts (a sparse row).

use crate::hashing::{bucket, hash_ngram};
use crate::tokenizer::{for_each_ngram, Tokenizer};
use crate::vocab::{VocabIndex, NONE};
use crate::weighting::{push_counts, Row};

// One per model: the size difference between the variants costs nothing.
#[allow(clippy::large_enum_variant)]
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

    /// Call `score` once with every feature of `text` (as its row: see
    /// [`VocabIndex::reorder`]) and its raw count, in
    /// no particular (but deterministic) order. The scoring fast path:
    /// counts are aggregated in a small cache-resident open-addressing table
    /// instead of sorting, and lookups are issued in passes (see
    /// [`VocabIndex::touch_bigram`]) so their cache misses overlap.
    pub fn with_counts<R>(&self, tok: &Tokenizer, text: &str, score: impl FnOnce(&[(u32, u32)]) -> R) -> R {
        // Reuse this thread's buffers (no allocation per call); a nested call
        // (none today) would simply get fresh ones.
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => {
                self.count_with(tok, text, &mut scratch);
                score(&scratch.counts)
            }
            Err(_) => {
                let mut scratch = Scratch::default();
                self.count_with(tok, text, &mut scratch);
                score(&scratch.counts)
            }
        })
    }

    fn count_with(&self, tok: &Tokenizer, text: &str, scratch: &mut Scratch) {
        let Scratch {
            spans,
            ids,
            table,
            counts,
        } = scratch;
        let pre = tok.preprocess(text);
        match self {
            FeatureSpace::Vocabulary(v) => {
                // Pass 1: token boundaries. Pass 2: token ids. Kept apart so
                // the id lookups are not interleaved with the scanner's
                // per-byte branches and can overlap their misses.
                spans.clear();
                let base = pre.as_ptr() as usize;
                tok.for_each_token(&pre, |t| {
                    let start = t.as_ptr() as usize - base;
                    spans.push((start, start + t.len()));
                });
                ids.clear();
                let bytes = pre.as_bytes();
                ids.extend(spans.iter().map(|&(s, e)| v.token_id_in(bytes, s, e)));
                // Pass 3: start every bigram's slot load (the large table;
                // unigram rows are a small array); pass 4: look up.
                let mut sink = 0u32;
                if tok.min_n <= 2 && tok.max_n >= 2 {
                    for w in ids.windows(2) {
                        sink ^= v.touch_bigram(w[0], w[1]);
                    }
                }
                std::hint::black_box(sink);
                table.reserve(ids.len() * (tok.max_n - tok.min_n + 1));
                if (tok.min_n, tok.max_n) == (1, 2) {
                    // The common configuration, without the generic windows.
                    for &a in ids.iter() {
                        let r = v.unigram_row(a);
                        if r != NONE {
                            table.add(r, 1);
                        }
                    }
                    for w in ids.windows(2) {
                        let r = v.bigram_row(w[0], w[1]);
                        if r != NONE {
                            table.add(r, 1);
                        }
                    }
                } else {
                    for_each_ngram(ids, tok.min_n, tok.max_n, |w| {
                        let r = v.row(w);
                        if r != NONE {
                            table.add(r, 1);
                        }
                    });
                }
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
        table.drain_into(counts);
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
        push_counts(&feats, &mut row);
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

/// Per-thread buffers of `with_counts`.
#[derive(Default)]
struct Scratch {
    /// Token byte ranges in the preprocessed text.
    spans: Vec<(usize, usize)>,
    ids: Vec<u32>,
    table: CountTable,
    /// The result: (row, count) in first-occurrence order.
    counts: Vec<(u32, u32)>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// Open-addressing (feature + 1 → count) table. It stays allocated and
/// all-zero between documents: a document uses the first `mask + 1` slots
/// (sized to it), remembers which it filled, and zeroes only those when its
/// counts are taken — no clearing or scanning of the whole table per call.
/// Counts come out in first-occurrence order, whatever the table's size, so
/// scores are summed in the same order on every backend and every call.
#[derive(Default)]
struct CountTable {
    slots: Vec<(u32, i32)>,
    mask: usize,
    /// Filled slots, in insertion order.
    used: Vec<u32>,
}

impl CountTable {
    /// Prepare for a document of at most `n` features.
    fn reserve(&mut self, n: usize) {
        let cap = (n * 2).next_power_of_two().max(16);
        if self.slots.len() < cap {
            self.slots.resize(cap, (0, 0));
        }
        self.mask = cap - 1;
        self.used.clear();
    }

    #[inline]
    fn add(&mut self, feature: u32, delta: i32) {
        let key = feature.wrapping_add(1);
        let mut i = (key.wrapping_mul(0x9E37_79B9) as usize) & self.mask;
        loop {
            let slot = &mut self.slots[i];
            if slot.0 == key {
                slot.1 = slot.1.saturating_add(delta);
                return;
            }
            if slot.0 == 0 {
                *slot = (key, delta);
                self.used.push(i as u32);
                return;
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Move the non-zero counts to `out` (feature, |count|) and zero the table.
    fn drain_into(&mut self, out: &mut Vec<(u32, u32)>) {
        out.clear();
        for &i in &self.used {
            if let Some(slot) = self.slots.get_mut(i as usize) {
                if slot.1 != 0 {
                    out.push((slot.0.wrapping_sub(1), slot.1.unsigned_abs()));
                }
                *slot = (0, 0);
            }
        }
        self.used.clear();
    }
}
