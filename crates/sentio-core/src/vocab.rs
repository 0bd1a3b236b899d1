//! The frozen vocabulary used at prediction time: lookup tables keyed by
//! token ids, so an n-gram is found from its tokens without building its
//! string. Feature strings (scikit-learn's column order) are derived from the
//! tables on first use, so loading a model allocates no string per feature.

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use crate::error::{err, ErrorCode, Result};
use crate::token_table::TokenTable;

/// Marks "no such token / feature".
pub const NONE: u32 = u32::MAX;

#[inline]
pub fn pair_key(a: u32, b: u32) -> u64 {
    ((a as u64) << 32) | b as u64
}

#[derive(Debug, Clone, Default)]
pub struct VocabIndex {
    /// Number of features.
    n_features: usize,
    /// Feature strings, strictly ascending (byte order = code-point order),
    /// built on first use (or given by the builder that already had them).
    terms: OnceLock<Vec<String>>,
    /// Token string → token id, for every token some feature uses.
    tokens: TokenTable,
    /// Token id → feature index of the unigram, or NONE.
    unigram: Vec<u32>,
    /// (token id, token id) → feature index.
    bigram: PairTable,
    /// Longer n-grams: token ids → feature index.
    longer: FxHashMap<Box<[u32]>, u32>,
    /// The tables above hold *rows*, not features, once [`VocabIndex::reorder`]
    /// has run: this maps a row back to its feature (None: rows = features).
    feature_of_row: Option<Vec<u32>>,
}

/// Collects features in feature (sorted) order and freezes them into a
/// [`VocabIndex`].
#[derive(Debug, Default)]
pub(crate) struct VocabBuilder {
    tokens: TokenTable,
    unigram: Vec<u32>,
    bigram: PairTable,
    /// Bigrams of the current first token, not yet in `bigram`.
    group: Vec<[u32; 2]>,
    group_first: u32,
    n_bigrams: usize,
    longer: FxHashMap<Box<[u32]>, u32>,
    n_features: usize,
}

impl VocabBuilder {
    /// A builder over `tokens` (distinct; ids 0..len, the caller checks),
    /// with room for `bigrams` 2-token features.
    pub(crate) fn with_tokens(tokens: TokenTable, bigrams: usize) -> VocabBuilder {
        VocabBuilder {
            unigram: vec![NONE; tokens.len()],
            bigram: PairTable::new(tokens.len(), bigrams),
            tokens,
            group: Vec::new(),
            group_first: NONE,
            n_bigrams: 0,
            longer: FxHashMap::default(),
            n_features: 0,
        }
    }

    pub(crate) fn n_tokens(&self) -> usize {
        self.unigram.len()
    }

    pub(crate) fn n_features(&self) -> usize {
        self.n_features
    }

    pub(crate) fn n_bigrams(&self) -> usize {
        self.n_bigrams
    }

    /// Record the next feature (index = features so far), made of the given
    /// token ids. Every id must be below the token count and the n-gram must
    /// not be a feature yet (the callers' sorted inputs guarantee both);
    /// otherwise the index stays memory-safe but may miss a feature.
    pub(crate) fn push(&mut self, ids: &[u32]) {
        let f = self.n_features as u32;
        match ids {
            [] => return,
            [a] => {
                if let Some(slot) = self.unigram.get_mut(*a as usize) {
                    *slot = f;
                }
            }
            [a, b] => {
                if *a != self.group_first {
                    self.bigram.add_group(self.group_first, &self.group);
                    self.group.clear();
                    self.group_first = *a;
                }
                self.group.push([*b, f]);
                self.n_bigrams += 1;
            }
            more => {
                self.longer.insert(more.into(), f);
            }
        }
        self.n_features += 1;
    }

    /// Freeze; `terms` are the feature strings when the caller has them.
    pub(crate) fn finish(mut self, terms: Option<Vec<String>>) -> VocabIndex {
        self.bigram.add_group(self.group_first, &self.group);
        VocabIndex {
            n_features: self.n_features,
            terms: terms.map_or_else(OnceLock::new, OnceLock::from),
            tokens: self.tokens,
            unigram: self.unigram,
            bigram: self.bigram,
            longer: self.longer,
            feature_of_row: None,
        }
    }
}

/// Bigram lookup, (token id, token id) → feature: for each first token, a
/// small open-addressing table (linear probing, at most 60% full) of its
/// successors, laid out one after another in feature order. Features arrive
/// grouped by first token (they are sorted), so building writes each small
/// table while it is cache-resident and needs no temporary copies: loading
/// 400k bigrams costs a few milliseconds, where inserting them into one
/// large hash table costs a cache miss each.
#[derive(Debug, Clone, Default)]
struct PairTable {
    /// Per first token: `[start, size]` of its table in `slots` (size 0: none).
    regions: Vec<[u32; 2]>,
    /// `[second token id, feature]`; NONE as the token marks an empty slot.
    slots: Vec<[u32; 2]>,
}

const EMPTY_SLOT: [u32; 2] = [NONE, NONE];

/// Home slot of `b` in a table of `size` slots.
#[inline]
fn home(b: u32, size: usize) -> usize {
    // Fibonacci hashing, then the top bits scaled to the size (no modulo).
    ((b.wrapping_mul(0x9E37_79B9) as u64 * size as u64) >> 32) as usize
}

impl PairTable {
    fn new(n_tokens: usize, bigrams: usize) -> PairTable {
        PairTable {
            regions: vec![[0, 0]; n_tokens],
            slots: Vec::with_capacity(bigrams.saturating_mul(5) / 3 + n_tokens.min(bigrams)),
        }
    }

    /// Store the successors `group` (`[second, feature]`, distinct seconds)
    /// of first token `a`, which has none yet.
    fn add_group(&mut self, a: u32, group: &[[u32; 2]]) {
        let Some(region) = self.regions.get_mut(a as usize) else {
            return;
        };
        debug_assert_eq!(region[1], 0, "bigrams arrive grouped by first token");
        if group.is_empty() {
            return;
        }
        let size = group.len() + group.len() * 2 / 3 + 1;
        let start = self.slots.len();
        *region = [start as u32, size as u32];
        self.slots.resize(start + size, EMPTY_SLOT);
        let table = &mut self.slots[start..];
        for &[b, f] in group {
            let mut i = home(b, size);
            while table[i][0] != NONE {
                i = if i + 1 == size { 0 } else { i + 1 };
            }
            table[i] = [b, f];
        }
    }

    /// Load the home slot of `(a, b)` without probing: a branch-free read
    /// whose only purpose is to start the cache miss early (see
    /// [`VocabIndex::touch_bigram`]).
    #[inline]
    fn touch(&self, a: u32, b: u32) -> u32 {
        let [start, size] = self.regions.get(a as usize).copied().unwrap_or([0, 0]);
        if size == 0 {
            return 0;
        }
        let i = start as usize + home(b, size as usize);
        self.slots.get(i).map_or(0, |s| s[0])
    }

    #[inline]
    fn get(&self, a: u32, b: u32) -> u32 {
        let Some(&[start, size]) = self.regions.get(a as usize) else {
            return NONE;
        };
        let (start, size) = (start as usize, size as usize);
        let Some(table) = self.slots.get(start..start + size) else {
            return NONE;
        };
        if size == 0 {
            return NONE;
        }
        // Every table has an empty slot, so the probe ends.
        let mut i = home(b, size);
        loop {
            let [s, f] = table[i];
            if s == b {
                return f;
            }
            if s == NONE {
                return NONE;
            }
            i = if i + 1 == size { 0 } else { i + 1 };
        }
    }

    /// Replace every stored value `v` with `map(v)`.
    fn remap(&mut self, map: impl Fn(u32) -> u32) {
        for slot in &mut self.slots {
            if slot[0] != NONE {
                slot[1] = map(slot[1]);
            }
        }
    }

    /// Every `(first, second, feature)`.
    fn for_each(&self, mut visit: impl FnMut(u32, u32, u32)) {
        for (a, &[start, size]) in self.regions.iter().enumerate() {
            let table = self
                .slots
                .get(start as usize..start as usize + size as usize)
                .unwrap_or(&[]);
            for &[b, f] in table {
                if b != NONE {
                    visit(a as u32, b, f);
                }
            }
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.slots.iter().filter(|s| s[0] != NONE).count()
    }
}

impl VocabIndex {
    /// Build from sorted, unique feature strings (tokens joined by one space).
    pub fn from_terms(terms: Vec<String>) -> Result<VocabIndex> {
        for (i, w) in terms.windows(2).enumerate() {
            if w[0] >= w[1] {
                return err(
                    ErrorCode::ModelCorrupt,
                    format!("vocabulary not strictly sorted at entry {}", i + 1),
                );
            }
        }
        let bi = terms
            .iter()
            .filter(|t| t.bytes().filter(|&b| b == b' ').count() == 1)
            .count();
        let mut tokens: FxHashMap<&str, u32> = FxHashMap::default();
        let mut in_order: Vec<&str> = Vec::new();
        let mut features: Vec<u32> = Vec::new();
        let mut spans: Vec<(u32, u8)> = Vec::with_capacity(terms.len());
        for (f, term) in terms.iter().enumerate() {
            let start = features.len();
            for tok in term.split(' ') {
                if tok.is_empty() {
                    return err(
                        ErrorCode::ModelCorrupt,
                        format!("vocabulary entry {f} has an empty token"),
                    );
                }
                // Tokens are runs of word characters: below the space there
                // are only control characters, which would also break the
                // equivalence of string order and token-id order.
                if tok.bytes().any(|b| b < b' ') {
                    return err(
                        ErrorCode::ModelCorrupt,
                        format!("vocabulary entry {f} has a control character"),
                    );
                }
                let next = tokens.len() as u32;
                let id = *tokens.entry(tok).or_insert_with(|| {
                    in_order.push(tok);
                    next
                });
                features.push(id);
            }
            let len = u8::try_from(features.len() - start).map_err(|_| {
                crate::error::Error::new(ErrorCode::ModelCorrupt, format!("vocabulary entry {f} is too long"))
            })?;
            spans.push((start as u32, len));
        }
        let mut b = VocabBuilder::with_tokens(TokenTable::new(in_order.into_iter()), bi);
        for &(start, len) in &spans {
            b.push(&features[start as usize..start as usize + len as usize]);
        }
        Ok(b.finish(Some(terms)))
    }

    /// Build from features in vocabulary (sorted term) order given as token
    /// ids in a global token table, as training knows them: no string is
    /// built, split or re-hashed per feature (`terms` builds them on
    /// demand). Returns the index and the map from global token id to this
    /// vocabulary's token id (NONE for tokens no feature uses).
    pub fn from_token_ids(
        token_ids: &[u32],
        spans: &[(u32, u8)],
        token_strings: &[compact_str::CompactString],
    ) -> (VocabIndex, Vec<u32>) {
        let mut global_to_local = vec![NONE; token_strings.len()];
        let mut tokens: Vec<&str> = Vec::new();
        for &g in token_ids {
            let slot = &mut global_to_local[g as usize];
            if *slot == NONE {
                *slot = tokens.len() as u32;
                tokens.push(&token_strings[g as usize]);
            }
        }
        let bi = spans.iter().filter(|s| s.1 == 2).count();
        let mut b = VocabBuilder::with_tokens(TokenTable::new(tokens.into_iter()), bi);
        let mut local: Vec<u32> = Vec::new();
        for &(start, len) in spans {
            local.clear();
            local.extend(
                token_ids[start as usize..start as usize + len as usize]
                    .iter()
                    .map(|&g| global_to_local[g as usize]),
            );
            b.push(&local);
        }
        (b.finish(None), global_to_local)
    }

    /// Token strings by token id.
    pub fn token_strings(&self) -> Vec<&str> {
        self.tokens.strings()
    }

    /// The token ids of every feature, in feature order: feature `f` is
    /// `ids[offsets[f]..offsets[f + 1]]` (`offsets` has `len() + 1` entries).
    pub fn feature_token_ids(&self) -> (Vec<usize>, Vec<u32>) {
        let n = self.n_features;
        let feature = |row: u32| self.feature_of(row);
        let mut lens = vec![0usize; n + 1];
        let mut set_len = |f: u32, len: usize| {
            if let Some(l) = lens.get_mut(f as usize) {
                *l = len;
            }
        };
        self.unigram
            .iter()
            .filter(|&&f| f != NONE)
            .for_each(|&f| set_len(feature(f), 1));
        self.bigram.for_each(|_, _, f| set_len(feature(f), 2));
        self.longer.iter().for_each(|(k, &f)| set_len(feature(f), k.len()));
        // Exclusive prefix sum: lens becomes offsets.
        let mut total = 0;
        for l in lens.iter_mut() {
            let len = *l;
            *l = total;
            total += len;
        }
        let offsets = lens;
        let mut ids = vec![NONE; total];
        let mut put = |row: u32, src: &[u32]| {
            let f = feature(row) as usize;
            if f < n && offsets[f + 1] - offsets[f] == src.len() {
                ids[offsets[f]..offsets[f + 1]].copy_from_slice(src);
            }
        };
        for (t, &f) in self.unigram.iter().enumerate() {
            if f != NONE {
                put(f, &[t as u32]);
            }
        }
        self.bigram.for_each(|a, b, f| put(f, &[a, b]));
        for (k, &f) in &self.longer {
            put(f, k);
        }
        (offsets, ids)
    }

    pub fn len(&self) -> usize {
        self.n_features
    }

    pub fn is_empty(&self) -> bool {
        self.n_features == 0
    }

    /// Feature strings in feature order (tokens joined by one space); built
    /// on the first call when the index was loaded from a model file.
    pub fn terms(&self) -> &[String] {
        self.terms.get_or_init(|| {
            let tokens = self.token_strings();
            let (offsets, ids) = self.feature_token_ids();
            offsets
                .windows(2)
                .map(|w| {
                    let mut term = String::new();
                    for (i, &t) in ids[w[0]..w[1]].iter().enumerate() {
                        if i > 0 {
                            term.push(' ');
                        }
                        term.push_str(tokens.get(t as usize).copied().unwrap_or(""));
                    }
                    term
                })
                .collect()
        })
    }

    pub fn term(&self, feature: u32) -> Option<&str> {
        self.terms().get(feature as usize).map(String::as_str)
    }

    /// Token id of a token string, or NONE when no feature uses it.
    #[inline]
    pub fn token_id(&self, token: &str) -> u32 {
        self.tokens.get(token.as_bytes())
    }

    /// Is a token (by [`VocabIndex::token_id`]) out of vocabulary: never
    /// seen as a unigram feature? (It may still occur inside n-grams.)
    #[inline]
    pub fn unseen_token(&self, id: u32) -> bool {
        id == NONE || self.feature(&[id]) == NONE
    }

    /// [`VocabIndex::token_id`] of the token `text[start..end]` (reads the
    /// text a word at a time; see [`TokenTable::get_in`]).
    #[inline]
    pub fn token_id_in(&self, text: &[u8], start: usize, end: usize) -> u32 {
        self.tokens.get_in(text, start, end)
    }

    /// Start loading the slot [`VocabIndex::bigram_row`] will read for this bigram
    /// and return a value to fold into a `black_box` (so the load is kept).
    /// Scoring makes one pass of these over a document before the real
    /// lookups: independent loads overlap in the memory system, where the
    /// lookups' data-dependent branches would expose one miss at a time.
    #[inline]
    pub fn touch_bigram(&self, a: u32, b: u32) -> u32 {
        self.bigram.touch(a, b)
    }

    /// Store rows instead of features: `row_of_feature[f]` is the row of
    /// feature `f` (a permutation of 0..len, else the index is unchanged and
    /// false is returned). Scoring lays its table out in row order with the
    /// most frequent features first, so the rows a typical text touches
    /// share a few hundred KiB of cache instead of being spread over the
    /// alphabetical (scikit-learn) order of the whole vocabulary.
    pub fn reorder(&mut self, row_of_feature: &[u32]) -> bool {
        let n = self.n_features;
        if row_of_feature.len() != n {
            return false;
        }
        let mut feature_of_row = vec![NONE; n];
        for (f, &r) in row_of_feature.iter().enumerate() {
            match feature_of_row.get_mut(r as usize) {
                Some(slot) if *slot == NONE => *slot = f as u32,
                _ => return false,
            }
        }
        // Current stored value → feature → new row.
        let old = self.feature_of_row.take();
        let to_new = |v: u32| {
            let f = old.as_ref().map_or(v, |o| o.get(v as usize).copied().unwrap_or(NONE));
            row_of_feature.get(f as usize).copied().unwrap_or(NONE)
        };
        for u in &mut self.unigram {
            if *u != NONE {
                *u = to_new(*u);
            }
        }
        self.bigram.remap(to_new);
        for v in self.longer.values_mut() {
            *v = to_new(*v);
        }
        self.feature_of_row = Some(feature_of_row);
        true
    }

    /// The feature stored as `row` (see [`VocabIndex::reorder`]).
    #[inline]
    pub fn feature_of(&self, row: u32) -> u32 {
        match &self.feature_of_row {
            None => row,
            Some(map) => map.get(row as usize).copied().unwrap_or(NONE),
        }
    }

    /// Feature index of an n-gram given by token ids (NONE ids never match).
    #[inline]
    pub fn feature(&self, ids: &[u32]) -> u32 {
        match self.row(ids) {
            NONE => NONE,
            row => self.feature_of(row),
        }
    }

    /// [`VocabIndex::row`] of a unigram.
    #[inline]
    pub fn unigram_row(&self, a: u32) -> u32 {
        self.unigram.get(a as usize).copied().unwrap_or(NONE)
    }

    /// [`VocabIndex::row`] of a bigram.
    #[inline]
    pub fn bigram_row(&self, a: u32, b: u32) -> u32 {
        if a == NONE || b == NONE {
            NONE
        } else {
            self.bigram.get(a, b)
        }
    }

    /// Row of an n-gram given by token ids (the feature itself unless the
    /// index was reordered); the scoring hot path.
    #[inline]
    pub fn row(&self, ids: &[u32]) -> u32 {
        match ids {
            [a] => self.unigram_row(*a),
            [a, b] => self.bigram_row(*a, *b),
            more => {
                if more.contains(&NONE) {
                    NONE
                } else {
                    self.longer.get(more).copied().unwrap_or(NONE)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_up_ngrams_by_token_ids() {
        let terms: Vec<String> = ["bad", "good", "good movie", "not good", "not so good"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let v = VocabIndex::from_terms(terms).unwrap();
        let ids: Vec<u32> = ["not", "so", "good", "movie", "x"]
            .iter()
            .map(|t| v.token_id(t))
            .collect();
        assert_eq!(v.feature(&ids[2..3]), 1);
        assert_eq!(v.feature(&ids[2..4]), 2);
        assert_eq!(v.feature(&ids[0..3]), 4);
        assert_eq!(v.feature(&ids[0..1]), NONE); // "not" only occurs inside n-grams
        assert_eq!(v.feature(&ids[3..5]), NONE);
    }

    #[test]
    fn rejects_unsorted_or_empty_tokens() {
        let bad = |v: &[&str]| {
            VocabIndex::from_terms(v.iter().map(|s| s.to_string()).collect())
                .unwrap_err()
                .code
        };
        assert_eq!(bad(&["b", "a"]), ErrorCode::ModelCorrupt);
        assert_eq!(bad(&["a", "a"]), ErrorCode::ModelCorrupt);
        assert_eq!(bad(&["a  b"]), ErrorCode::ModelCorrupt);
        assert_eq!(bad(&["a\tb"]), ErrorCode::ModelCorrupt);
    }

    #[test]
    fn pair_table_finds_every_entry_and_nothing_else() {
        for n in [0u32, 1, 7, 100, 5000] {
            // First tokens 0..10 with growing groups; seconds are multiples of 3.
            let entries: Vec<[u32; 3]> = (0..n).map(|i| [i * 10 / n.max(1), i * 3, i]).collect();
            let mut t = PairTable::new(12, n as usize);
            for a in 0..10 {
                let group: Vec<[u32; 2]> = entries.iter().filter(|e| e[0] == a).map(|e| [e[1], e[2]]).collect();
                t.add_group(a, &group);
            }
            assert_eq!(t.len(), n as usize);
            for &[a, b, f] in &entries {
                assert_eq!(t.get(a, b), f);
                assert_eq!(t.get(a, b + 1), NONE);
                assert_eq!(t.get(a + 1, b), NONE);
            }
            assert_eq!(t.get(11, 0), NONE);
            assert_eq!(t.get(12, 0), NONE);
            assert_eq!(t.get(NONE, NONE), NONE);
        }
    }

    #[test]
    fn feature_strings_are_rebuilt_from_the_tables() {
        let terms: Vec<String> = ["bad", "good", "good movie", "not good", "not so good"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let v = VocabIndex::from_terms(terms.clone()).unwrap();
        let (offsets, ids) = v.feature_token_ids();
        let tokens = v.token_strings();
        let mut b = VocabBuilder::with_tokens(v.tokens.clone(), 2);
        for w in offsets.windows(2) {
            b.push(&ids[w[0]..w[1]]);
        }
        let rebuilt = b.finish(None);
        assert_eq!(rebuilt.terms(), terms.as_slice());
        assert_eq!(rebuilt.term(3), Some("not good"));
        assert_eq!(tokens.len(), 5);
    }
}
