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
use crate::tokenizer::Tokenizer;
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

/// The features that survive pruning, in vocabulary (sorted term) order, with
/// the global token ids each is made of.
#[derive(Debug)]
pub struct Pruned {
    pub terms: Vec<String>,
    pub df: Vec<u32>,
    /// Token ids of all features back to back; `spans[f]` = (start, length).
    pub token_ids: Vec<u32>,
    pub spans: Vec<(u32, u8)>,
}

/// Candidate features are split into this many partitions by key hash. Each
/// partition's table is small enough to stay in cache while a batch of its
/// occurrences is applied, which is what makes counting fast: the batch is
/// first scattered to partitions with sequential writes, then each partition
/// is aggregated on its own (partitions run in parallel).
const PARTITIONS: usize = 64;

/// Documents scattered per round: bounds the scatter buffers' memory.
const ROUND_DOCS: usize = 2048;

/// Key of a unigram or bigram in one u64 (token ids never reach u32::MAX,
/// so the unigram tag cannot collide with a bigram).
const UNI_TAG: u64 = 0xFFFF_FFFF << 32;

#[derive(Debug, Default)]
struct Partition {
    short: FxHashMap<u64, Stat>,
    longer: FxHashMap<Box<[u32]>, Stat>,
}

/// One occurrence scattered to a partition.
#[derive(Clone, Copy)]
enum Occurrence {
    /// Unigram or bigram key.
    Short(u64, u64),
    /// Longer n-gram: start and length in the batch's token ids.
    Longer(usize, u8, u64),
}

#[inline]
fn mix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

#[inline]
fn partition_of_ids(ids: &[u32]) -> usize {
    let mut h: u64 = 0x9E37_79B9_7F4A_7C15;
    for &i in ids {
        h = mix(h ^ i as u64);
    }
    (h as usize) % PARTITIONS
}

/// Document and term frequencies of every candidate n-gram seen so far.
#[derive(Debug)]
pub struct NgramCounter {
    parts: Vec<Partition>,
    min_n: usize,
    max_n: usize,
    pub n_docs: u64,
}

impl NgramCounter {
    pub fn new(tok: &Tokenizer) -> Self {
        NgramCounter {
            parts: (0..PARTITIONS).map(|_| Partition::default()).collect(),
            min_n: tok.min_n,
            max_n: tok.max_n,
            n_docs: 0,
        }
    }

    /// Count the n-grams of a batch of sequences (documents numbered on from
    /// the documents counted before).
    pub fn count(&mut self, seqs: &Sequences) {
        let (min_n, max_n) = (self.min_n, self.max_n);
        let rounds = parallel::ranges(seqs.len(), seqs.len().div_ceil(ROUND_DOCS));
        for round in rounds {
            // Scatter: each worker takes a contiguous run of documents and
            // writes its occurrences into per-partition buffers, in order.
            let workers = parallel::ranges(round.len(), parallel::workers());
            let first_doc = self.n_docs;
            let scattered: Vec<Vec<Vec<Occurrence>>> = parallel::map(&workers, |w| {
                let mut buckets: Vec<Vec<Occurrence>> = (0..PARTITIONS).map(|_| Vec::new()).collect();
                for d in (round.start + w.start)..(round.start + w.end) {
                    let doc = first_doc + d as u64;
                    let (lo, hi) = (seqs.offsets[d], seqs.offsets[d + 1]);
                    let ids = &seqs.ids[lo..hi];
                    for n in min_n..=max_n.min(ids.len()) {
                        for (i, win) in ids.windows(n).enumerate() {
                            let occ = match win {
                                [a] => Occurrence::Short(UNI_TAG | *a as u64, doc),
                                [a, b] => Occurrence::Short(pair_key(*a, *b), doc),
                                _ => Occurrence::Longer(lo + i, n as u8, doc),
                            };
                            let p = match occ {
                                Occurrence::Short(k, _) => (mix(k) as usize) % PARTITIONS,
                                Occurrence::Longer(..) => partition_of_ids(win),
                            };
                            buckets[p].push(occ);
                        }
                    }
                }
                buckets
            });
            // Aggregate: each partition applies its occurrences in document
            // order (workers in order, each in document order).
            parallel::for_each_mut(&mut self.parts, |p, part| {
                for worker in &scattered {
                    for occ in &worker[p] {
                        match *occ {
                            Occurrence::Short(k, doc) => part.short.entry(k).or_insert(FRESH).bump(doc),
                            Occurrence::Longer(start, len, doc) => {
                                let key = &seqs.ids[start..start + len as usize];
                                match part.longer.get_mut(key) {
                                    Some(s) => s.bump(doc),
                                    None => {
                                        let mut s = FRESH;
                                        s.bump(doc);
                                        part.longer.insert(key.into(), s);
                                    }
                                }
                            }
                        }
                    }
                }
            });
            self.n_docs += round.len() as u64;
        }
    }

    /// Number of distinct candidate features.
    pub fn n_candidates(&self) -> usize {
        self.parts.iter().map(|p| p.short.len() + p.longer.len()).sum()
    }

    /// Apply min_df / max_df / max_features and return the kept feature
    /// strings (sorted) with their document frequencies.
    pub fn prune(&self, cfg: &TrainConfig, table: &TokenTable) -> Result<Pruned> {
        let n = self.n_docs;
        let high = cfg.max_df.resolve(n);
        let low = cfg.min_df.resolve(n);
        if high < low {
            return err(
                ErrorCode::InvalidConfig,
                format!("max_df ({high} documents) is below min_df ({low} documents) for {n} documents"),
            );
        }
        // (term, df, tf, start and length of its token ids in `pool`)
        let mut kept: Vec<(String, u32, u64, u32, u8)> = Vec::new();
        let mut pool: Vec<u32> = Vec::new();
        let mut push = |ids: &[u32], stat: &Stat| {
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
            kept.push((term, stat.df, stat.tf, pool.len() as u32, ids.len() as u8));
            pool.extend_from_slice(ids);
        };
        for part in &self.parts {
            for (&k, stat) in &part.short {
                if k >> 32 == UNI_TAG >> 32 {
                    push(&[k as u32], stat);
                } else {
                    push(&[(k >> 32) as u32, k as u32], stat);
                }
            }
            for (k, stat) in &part.longer {
                push(k, stat);
            }
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
        let mut out = Pruned {
            terms: Vec::with_capacity(kept.len()),
            df: Vec::with_capacity(kept.len()),
            token_ids: Vec::with_capacity(pool.len()),
            spans: Vec::with_capacity(kept.len()),
        };
        for (term, df, _, start, len) in kept {
            out.spans.push((out.token_ids.len() as u32, len));
            out.token_ids
                .extend_from_slice(&pool[start as usize..start as usize + len as usize]);
            out.terms.push(term);
            out.df.push(df);
        }
        Ok(out)
    }
}
