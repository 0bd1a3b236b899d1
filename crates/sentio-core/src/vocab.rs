//! The frozen vocabulary used at prediction time: sorted feature strings
//! (scikit-learn's column order) plus lookup tables keyed by token ids, so an
//! n-gram is found from its tokens without building its string.

use compact_str::CompactString;
use rustc_hash::FxHashMap;

use crate::error::{err, ErrorCode, Result};

/// Marks "no such token / feature".
pub const NONE: u32 = u32::MAX;

#[inline]
pub fn pair_key(a: u32, b: u32) -> u64 {
    ((a as u64) << 32) | b as u64
}

#[derive(Debug, Clone, Default)]
pub struct VocabIndex {
    /// Feature strings, strictly ascending (byte order = code-point order).
    terms: Vec<String>,
    /// Token string → token id, for every token some feature uses. Keys
    /// of up to 24 bytes are stored inline (no pointer to chase on lookup).
    tokens: FxHashMap<CompactString, u32>,
    /// Token id → feature index of the unigram, or NONE.
    unigram: Vec<u32>,
    /// (token id, token id) → feature index.
    bigram: FxHashMap<u64, u32>,
    /// Longer n-grams: token ids → feature index.
    longer: FxHashMap<Box<[u32]>, u32>,
}

impl VocabIndex {
    /// Build from sorted, unique feature strings (tokens joined by one space).
    pub fn from_terms(terms: Vec<String>) -> Result<VocabIndex> {
        let mut idx = VocabIndex::default();
        for (i, w) in terms.windows(2).enumerate() {
            if w[0] >= w[1] {
                return err(
                    ErrorCode::ModelCorrupt,
                    format!("vocabulary not strictly sorted at entry {}", i + 1),
                );
            }
        }
        // Size the tables up front: rehashing while loading a large model
        // costs more than the counting pass.
        let (mut uni, mut bi) = (0usize, 0usize);
        for t in &terms {
            match t.bytes().filter(|&b| b == b' ').count() {
                0 => uni += 1,
                1 => bi += 1,
                _ => {}
            }
        }
        idx.tokens.reserve(uni.max(terms.len() / 4));
        idx.unigram.reserve(uni.max(terms.len() / 4));
        idx.bigram.reserve(bi);
        let mut ids: Vec<u32> = Vec::new();
        for (f, term) in terms.iter().enumerate() {
            ids.clear();
            for tok in term.split(' ') {
                if tok.is_empty() {
                    return err(
                        ErrorCode::ModelCorrupt,
                        format!("vocabulary entry {f} has an empty token"),
                    );
                }
                let next = idx.tokens.len() as u32;
                let id = *idx.tokens.entry(CompactString::new(tok)).or_insert(next);
                if id == next {
                    idx.unigram.push(NONE);
                }
                ids.push(id);
            }
            idx.insert_feature(&ids, f as u32);
        }
        idx.terms = terms;
        Ok(idx)
    }

    /// Build from sorted feature strings whose token ids (in a global token
    /// table) are already known, as training knows them: no string is split
    /// or re-hashed per feature. Returns the index and the map from global
    /// token id to this vocabulary's token id (NONE for tokens no feature
    /// uses).
    pub fn from_token_ids(
        terms: Vec<String>,
        token_ids: &[u32],
        spans: &[(u32, u8)],
        token_strings: &[Box<str>],
    ) -> (VocabIndex, Vec<u32>) {
        let mut idx = VocabIndex::default();
        let mut global_to_local = vec![NONE; token_strings.len()];
        let bi = spans.iter().filter(|s| s.1 == 2).count();
        idx.bigram.reserve(bi);
        let mut local: Vec<u32> = Vec::new();
        for (f, &(start, len)) in spans.iter().enumerate() {
            local.clear();
            for &g in &token_ids[start as usize..start as usize + len as usize] {
                let slot = &mut global_to_local[g as usize];
                if *slot == NONE {
                    *slot = idx.unigram.len() as u32;
                    idx.tokens.insert(CompactString::new(&token_strings[g as usize]), *slot);
                    idx.unigram.push(NONE);
                }
                local.push(*slot);
            }
            idx.insert_feature(&local, f as u32);
        }
        idx.terms = terms;
        (idx, global_to_local)
    }

    /// Record feature `f` under the vocabulary token ids it is made of.
    fn insert_feature(&mut self, ids: &[u32], f: u32) {
        match ids {
            [a] => self.unigram[*a as usize] = f,
            [a, b] => {
                self.bigram.insert(pair_key(*a, *b), f);
            }
            more => {
                self.longer.insert(more.into(), f);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.terms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    pub fn terms(&self) -> &[String] {
        &self.terms
    }

    pub fn term(&self, feature: u32) -> Option<&str> {
        self.terms.get(feature as usize).map(String::as_str)
    }

    /// Token id of a token string, or NONE when no feature uses it.
    #[inline]
    pub fn token_id(&self, token: &str) -> u32 {
        self.tokens.get(token).copied().unwrap_or(NONE)
    }

    /// Feature index of an n-gram given by token ids (NONE ids never match).
    #[inline]
    pub fn feature(&self, ids: &[u32]) -> u32 {
        match ids {
            [a] => {
                if *a == NONE {
                    NONE
                } else {
                    self.unigram[*a as usize]
                }
            }
            [a, b] => {
                if *a == NONE || *b == NONE {
                    NONE
                } else {
                    self.bigram.get(&pair_key(*a, *b)).copied().unwrap_or(NONE)
                }
            }
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
    }
}
