//! Corpus statistics for building a vocabulary: a token interner, token-id
//! sequences per document, and document / term frequencies of every candidate
//! n-gram. Work is split across threads by document (tokenizing) and by
//! feature (counting), and every count is an integer, so the result is the
//! same whatever the thread count.

use compact_str::CompactString;
use rustc_hash::FxHashMap;

use crate::config::TrainConfig;
use crate::error::{err, ErrorCode, Result};
use crate::parallel;
use crate::tokenizer::{for_each_ngram, Tokenizer};
use crate::vocab::pair_key;

/// Global token interner: token string ↔ id.
#[derive(Debug, Default)]
pub struct TokenTable {
    ids: FxHashMap<CompactString, u32>,
    pub strings: Vec<Box<str>>,
}

impl TokenTable {
    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.strings.len() as u32;
        self.ids.insert(CompactString::new(s), id);
        self.strings.push(s.into());
        id
    }
}

/// Token-id sequences of a batch of documents (CSR layout).
#[derive(Debug, Default, Clone)]
pub struct Sequences {
    pub ids: Vec<u32>,
    /// `offsets[d]..offsets[d+1]` are document d's tokens; starts with 0.
    pub offsets: Vec<usize>,
}

impl Sequences {
    pub fn new() -> Self {
        Sequences {
            ids: Vec::new(),
            offsets: vec![0],
        }
    }
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn doc(&self, d: usize) -> &[u32] {
        &self.ids[self.offsets[d]..self.offsets[d + 1]]
    }
    pub fn append(&mut self, other: &Sequences) {
        let base = self.ids.len();
        self.ids.extend_from_slice(&other.ids);
        self.offsets.extend(other.offsets[1..].iter().map(|o| o + base));
    }
}

/// Tokenize `texts` into global token ids, interning new tokens into `table`.
/// Each thread interns its part locally; the small per-part tables are then
/// merged and the sequences remapped.
pub fn tokenize(tok: &Tokenizer, table: &mut TokenTable, texts: &[&str]) -> Sequences {
    let parts = parallel::ranges(texts.len(), parallel::workers() * 2);
    let locals = parallel::map(&parts, |r| {
        let mut local: FxHashMap<CompactString, u32> = FxHashMap::default();
        let mut seq = Sequences::new();
        for text in &texts[r.clone()] {
            let pre = tok.preprocess(text);
            tok.for_each_token(&pre, |t| {
                let id = match local.get(t) {
                    Some(&id) => id,
                    None => {
                        let id = local.len() as u32;
                        local.insert(CompactString::new(t), id);
                        id
                    }
                };
                seq.ids.push(id);
            });
            seq.offsets.push(seq.ids.len());
        }
        (local, seq)
    });
    // Merge the part-local tables in part order (ids are assigned on first
    // sight, so the global numbering is deterministic too).
    let maps: Vec<Vec<u32>> = locals
        .iter()
        .map(|(local, _)| {
            let mut by_id: Vec<&str> = vec![""; local.len()];
            for (s, &id) in local {
                by_id[id as usize] = s;
            }
            by_id.into_iter().map(|s| table.intern(s)).collect()
        })
        .collect();
    let mut out = Sequences::new();
    for ((_, seq), map) in locals.iter().zip(&maps) {
        let base = out.ids.len();
        out.ids.extend(seq.ids.iter().map(|&l| map[l as usize]));
        out.offsets.extend(seq.offsets[1..].iter().map(|o| o + base));
    }
    out
}

/// Counts of one candidate feature, kept together so one cache line serves
/// the whole update.
#[derive(Debug, Clone, Copy)]
struct Stat {
    tf: u64,
    last_doc: u64,
    df: u32,
}

const FRESH: Stat = Stat {
    tf: 0,
    last_doc: u64::MAX,
    df: 0,
};

impl Stat {
    #[inline]
    fn bump(&mut self, doc: u64) {
        self.tf += 1;
        if self.last_doc != doc {
            self.last_doc = doc;
            self.df += 1;
        }
    }
}

/// One shard of candidate features: those whose key hashes to this shard.
/// Unigrams are indexed by token id directly (no hashing at all).
#[derive(Debug, Default)]
struct Shard {
    uni: Vec<Stat>,
    bi: FxHashMap<u64, Stat>,
    longer: FxHashMap<Box<[u32]>, Stat>,
}

#[inline]
fn shard_of(ids: &[u32], n: usize) -> usize {
    if let [a] = ids {
        return *a as usize % n;
    }
    let mut h: u64 = 0x9E37_79B9_7F4A_7C15;
    for &i in ids {
        h = (h ^ i as u64).wrapping_mul(0x0100_0000_01b3).rotate_left(23);
    }
    ((h >> 32) as usize) % n
}

impl Shard {
    #[inline]
    fn bump(&mut self, w: &[u32], doc: u64) {
        match w {
            [a] => {
                let a = *a as usize;
                if self.uni.len() <= a {
                    self.uni.resize(a + 1, FRESH);
                }
                self.uni[a].bump(doc);
            }
            [a, b] => self.bi.entry(pair_key(*a, *b)).or_insert(FRESH).bump(doc),
            more => match self.longer.get_mut(more) {
                Some(s) => s.bump(doc),
                None => {
                    let mut s = FRESH;
                    s.bump(doc);
                    self.longer.insert(more.into(), s);
                }
            },
        }
    }

    fn len(&self) -> usize {
        self.uni.iter().filter(|s| s.df > 0).count() + self.bi.len() + self.longer.len()
    }

    /// Every counted feature as (token ids, stats).
    fn for_each(&self, mut f: impl FnMut(&[u32], &Stat)) {
        for (id, s) in self.uni.iter().enumerate() {
            if s.df > 0 {
                f(&[id as u32], s);
            }
        }
        for (k, s) in &self.bi {
            f(&[(k >> 32) as u32, *k as u32], s);
        }
        for (k, s) in &self.longer {
            f(k, s);
        }
    }
}

/// Document and term frequencies of every candidate n-gram seen so far.
#[derive(Debug)]
pub struct NgramCounter {
    shards: Vec<Shard>,
    min_n: usize,
    max_n: usize,
    pub n_docs: u64,
}

impl NgramCounter {
    pub fn new(tok: &Tokenizer) -> Self {
        let n = parallel::workers();
        NgramCounter {
            shards: (0..n).map(|_| Shard::default()).collect(),
            min_n: tok.min_n,
            max_n: tok.max_n,
            n_docs: 0,
        }
    }

    /// Count the n-grams of a batch of sequences (documents numbered on from
    /// the documents counted before).
    pub fn count(&mut self, seqs: &Sequences) {
        let n_shards = self.shards.len();
        let (min_n, max_n, first_doc) = (self.min_n, self.max_n, self.n_docs);
        parallel::for_each_mut(&mut self.shards, |s, shard| {
            for d in 0..seqs.len() {
                let doc = first_doc + d as u64;
                for_each_ngram(seqs.doc(d), min_n, max_n, |w| {
                    if shard_of(w, n_shards) == s {
                        shard.bump(w, doc);
                    }
                });
            }
        });
        self.n_docs += seqs.len() as u64;
    }

    /// Number of distinct candidate features.
    pub fn n_candidates(&self) -> usize {
        self.shards.iter().map(Shard::len).sum()
    }

    /// Apply min_df / max_df / max_features and return the kept feature
    /// strings (sorted) with their document frequencies.
    pub fn prune(&self, cfg: &TrainConfig, table: &TokenTable) -> Result<(Vec<String>, Vec<u32>)> {
        let n = self.n_docs;
        let high = cfg.max_df.resolve(n);
        let low = cfg.min_df.resolve(n);
        if high < low {
            return err(
                ErrorCode::InvalidConfig,
                format!("max_df ({high} documents) is below min_df ({low} documents) for {n} documents"),
            );
        }
        let mut kept: Vec<(String, u32, u64)> = Vec::new();
        for shard in &self.shards {
            shard.for_each(|ids, stat| {
                let df = stat.df as f64;
                if df < low || df > high {
                    return;
                }
                let mut term = String::new();
                for (i, id) in ids.iter().enumerate() {
                    if i > 0 {
                        term.push(' ');
                    }
                    term.push_str(&table.strings[*id as usize]);
                }
                kept.push((term, stat.df, stat.tf));
            });
        }
        if let Some(limit) = cfg.max_features {
            if kept.len() as u64 > limit {
                // Most frequent first; ties broken alphabetically so the cut is deterministic.
                parallel::sort_by(&mut kept, |a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
                kept.truncate(limit as usize);
            }
        }
        if kept.is_empty() {
            return err(
                ErrorCode::EmptyVocabulary,
                "after pruning, no terms remain: lower min_df or raise max_df",
            );
        }
        parallel::sort_by(&mut kept, |a, b| a.0.cmp(&b.0));
        Ok(kept.into_iter().map(|(t, df, _)| (t, df)).unzip())
    }
}
