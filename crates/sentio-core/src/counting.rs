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
use crate::radix;
use crate::token_table::key_in;
use crate::tokenizer::Tokenizer;
use crate::vocab::{pair_key, NONE};

/// Token interner: token string ↔ id, ids in order of first sight. Tokens
/// of up to 7 bytes (most of them) are keyed by their bytes packed in a
/// `u64` (see [`key_in`]): hashing is one multiply and equality one compare,
/// with no string to hash or `memcmp`.
#[derive(Debug, Default)]
pub struct TokenTable {
    short: ShortIds,
    long: FxHashMap<CompactString, u32>,
    /// Token strings by id.
    pub strings: Vec<CompactString>,
}

impl TokenTable {
    /// The id of `token`, interning it if new.
    #[inline]
    fn intern(&mut self, token: &str) -> u32 {
        self.intern_in(token, 0, token.len())
    }

    /// The id of `token`, or NONE when it was never interned.
    fn get(&self, token: &str) -> u32 {
        let key = short_key_of(token, 0, token.len());
        if key != 0 {
            self.short.get(key)
        } else {
            self.long.get(token).copied().unwrap_or(NONE)
        }
    }

    /// The id of `text[start..end]` (a token of the text), interning it if
    /// new. A short token's key is read with one 8-byte load when the text
    /// extends that far.
    #[inline]
    fn intern_in(&mut self, text: &str, start: usize, end: usize) -> u32 {
        let token = text.get(start..end).unwrap_or("");
        let next = self.strings.len() as u32;
        let key = short_key_of(text, start, end);
        let id = if key != 0 {
            self.short.get_or_insert(key, next)
        } else {
            match self.long.get(token) {
                Some(&id) => id,
                None => {
                    self.long.insert(CompactString::new(token), next);
                    next
                }
            }
        };
        if id == next {
            self.strings.push(CompactString::new(token));
        }
        id
    }
}

/// The interner's key of the token `text[start..end]`: its packed bytes
/// when it has at most 7 ([`key_in`]); 0 for a longer token, and for the
/// empty one, both kept in the long-token map.
#[inline]
fn short_key_of(text: &str, start: usize, end: usize) -> u64 {
    if end.saturating_sub(start) <= 7 {
        key_in(text.as_bytes(), start, end)
    } else {
        0
    }
}

/// Short token key → id, by open addressing: key and id share a 16-byte slot,
/// so a lookup usually reads one cache line (a general hash map reads a
/// control byte group, then the entry). Key 0 marks an empty slot; a short
/// key is never 0, as its top byte holds the token's length.
#[derive(Debug, Default)]
struct ShortIds {
    slots: Vec<(u64, u32)>,
    len: usize,
    /// 64 − log2(slots): the hash's top bits index the table.
    shift: u32,
}

impl ShortIds {
    #[inline]
    fn get_or_insert(&mut self, key: u64, next: u32) -> u32 {
        // At most 5/8 full, so probes stay short.
        if (self.len + 1) * 8 > self.slots.len() * 5 {
            self.grow();
        }
        match self.find(key) {
            Ok(id) => id,
            Err(empty) => {
                self.slots[empty] = (key, next);
                self.len += 1;
                next
            }
        }
    }

    /// The id under `key`, or NONE.
    #[inline]
    fn get(&self, key: u64) -> u32 {
        if self.slots.is_empty() {
            return NONE;
        }
        self.find(key).unwrap_or(NONE)
    }

    /// The id under `key`, or the empty slot where it would go (a table
    /// with slots always has empty ones: it is kept at most 5/8 full).
    #[inline]
    fn find(&self, key: u64) -> std::result::Result<u32, usize> {
        let mask = self.slots.len() - 1;
        let mut i = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize;
        loop {
            let (k, id) = self.slots[i & mask];
            if k == key {
                return Ok(id);
            }
            if k == 0 {
                return Err(i & mask);
            }
            i += 1;
        }
    }

    fn grow(&mut self) {
        let cap = (self.slots.len() * 2).max(1024);
        let old = std::mem::replace(&mut self.slots, crate::prefault::prefaulted(cap, (0, 0)));
        self.shift = 64 - cap.trailing_zeros();
        self.len = 0;
        for (key, id) in old.into_iter().filter(|&(k, _)| k != 0) {
            self.get_or_insert(key, id);
        }
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
    merge_parts(table, tokenize_parts(tok, texts))
}

/// Texts tokenized part by part, each part with its own token table: what
/// [`merge_parts`] turns into global ids. Holds no reference to the texts,
/// so a caller that owns them can free them before the merge.
pub struct TokenizedParts(Vec<(TokenTable, Sequences)>);

/// The first half of [`tokenize`]: each thread tokenizes its parts of
/// `texts` into part-local ids.
pub fn tokenize_parts(tok: &Tokenizer, texts: &[&str]) -> TokenizedParts {
    let parts = parallel::ranges(texts.len(), parallel::workers() * 2);
    TokenizedParts(parallel::map(&parts, |r| tokenize_part(tok, &texts[r.clone()])))
}

/// One part of [`tokenize_parts`]: `texts` in part-local token ids.
pub(crate) fn tokenize_part(tok: &Tokenizer, texts: &[&str]) -> (TokenTable, Sequences) {
    let mut local = TokenTable::default();
    let mut seq = Sequences::new();
    // Tokens average over five bytes with their separator: reserving
    // a quarter of the bytes saves regrowing (and re-faulting) the list.
    let bytes: usize = texts.iter().map(|t| t.len()).sum();
    seq.ids.reserve(bytes / 4);
    seq.offsets.reserve(texts.len());
    for text in texts {
        let pre = tok.preprocess(text);
        let base = pre.as_ptr() as usize;
        tok.for_each_token(&pre, |t| {
            let start = t.as_ptr() as usize - base;
            seq.ids.push(local.intern_in(&pre, start, start + t.len()));
        });
        seq.offsets.push(seq.ids.len());
    }
    (local, seq)
}

impl TokenizedParts {
    /// Parts tokenized elsewhere (see `tokenize_pipelined`), in text order.
    pub(crate) fn from_parts(parts: Vec<(TokenTable, Sequences)>) -> TokenizedParts {
        TokenizedParts(parts)
    }
}

/// The second half of [`tokenize`]: intern the parts' tokens into `table`
/// and renumber their sequences with its ids, back to back in part order.
pub fn merge_parts(table: &mut TokenTable, parts: TokenizedParts) -> Sequences {
    // Merge the part-local tables in part order: ids are assigned on first
    // sight, so the global numbering is deterministic too. An empty table
    // takes part 0's as it is (the same ids: both number that part's tokens
    // in order of first sight). Most of a later part's tokens are known by
    // then: they are looked up in parallel, and only the rest is interned,
    // in order, on one thread.
    let mut locals = parts.0;
    let adopted = table.strings.is_empty() && !locals.is_empty();
    if adopted {
        std::mem::swap(table, &mut locals[0].0);
    }
    let mut maps: Vec<Vec<u32>> = {
        let table: &TokenTable = table;
        parallel::map(&locals, |(local, _)| {
            local.strings.iter().map(|s| table.get(s)).collect()
        })
    };
    for ((local, _), map) in locals.iter().zip(maps.iter_mut()) {
        for (id, s) in map.iter_mut().zip(&local.strings) {
            if *id == NONE {
                *id = table.intern(s);
            }
        }
    }
    // Renumber each part in place (an adopted part 0 already has the
    // table's ids), then append the parts to the first one's list, freeing
    // each once appended: the ids are never held twice over, and growing
    // the first list is a remap of its pages, not a copy.
    let mut jobs: Vec<(&mut Sequences, &Vec<u32>)> = locals.iter_mut().map(|(_, seq)| seq).zip(&maps).collect();
    parallel::for_each_mut(&mut jobs, |p, (seq, map)| {
        if adopted && p == 0 {
            return;
        }
        for id in seq.ids.iter_mut() {
            *id = map.get(*id as usize).copied().unwrap_or(NONE);
        }
    });
    drop(jobs);
    drop(maps);
    let total: usize = locals.iter().map(|(_, seq)| seq.ids.len()).sum();
    let mut seqs = locals.into_iter().map(|(_, seq)| seq);
    let mut out = seqs.next().unwrap_or_else(Sequences::new);
    out.ids.reserve_exact(total - out.ids.len());
    for seq in seqs {
        out.append(&seq);
    }
    out
}

/// Most documents a vocabulary can be counted over: document numbers are
/// kept in 32 bits (with one value for "none yet").
pub const MAX_DOCUMENTS: u64 = u32::MAX as u64;

/// What a candidate's statistics are kept in: document frequency always,
/// term frequency where it is needed (see [`Stat`] and [`DocStat`]).
trait Counts: Copy + Send + Sync {
    const FRESH: Self;
    /// Count one occurrence in document `doc` (below [`MAX_DOCUMENTS`]).
    fn bump(&mut self, doc: u64);
    fn df(&self) -> u32;
    /// Term frequency (0 where it is not kept).
    fn tf(&self) -> u32;
}

/// Document frequency of one candidate feature, and the last document
/// that counted (so that a document counts once). 8 bytes: the n-gram tables'
/// statistics when no `max_features` needs term frequencies, so a bigram's
/// table entry (with its key) takes 16 bytes instead of 20. The tables are
/// the largest thing training holds at its memory peak (44 MiB for imdb's
/// 1.44 million distinct bigrams with 20-byte entries).
#[derive(Debug, Clone, Copy)]
struct DocStat {
    /// Number of the last document that counted (u32::MAX: none).
    last_doc: u32,
    df: u32,
}

impl Counts for DocStat {
    const FRESH: DocStat = DocStat {
        last_doc: u32::MAX,
        df: 0,
    };
    #[inline]
    fn bump(&mut self, doc: u64) {
        let doc = doc as u32;
        if self.last_doc != doc {
            self.last_doc = doc;
            self.df += 1;
        }
    }
    fn df(&self) -> u32 {
        self.df
    }
    fn tf(&self) -> u32 {
        0
    }
}

/// [`DocStat`] with the term frequency, kept together so one cache line
/// serves the whole update. The term frequency saturates at u32::MAX (it
/// only orders `max_features`).
#[derive(Debug, Clone, Copy)]
struct Stat {
    tf: u32,
    doc: DocStat,
}

const FRESH: Stat = Stat {
    tf: 0,
    doc: DocStat::FRESH,
};

impl Counts for Stat {
    const FRESH: Stat = FRESH;
    #[inline]
    fn bump(&mut self, doc: u64) {
        self.tf = self.tf.saturating_add(1);
        self.doc.bump(doc);
    }
    fn df(&self) -> u32 {
        self.doc.df
    }
    fn tf(&self) -> u32 {
        self.tf
    }
}

/// A candidate that passed the document-frequency bounds.
#[derive(Debug, Clone, Copy)]
struct Kept {
    /// Sort key of the term's first two tokens: (rank + 1) of each, 0 for
    /// a missing second token, so a prefix sorts first.
    key: u64,
    df: u32,
    tf: u32,
    /// The term's token ids are `pool[start..start + len]`.
    start: u32,
    len: u8,
}

/// Kept candidates with their token ids (`pool`) and those tokens' ranks
/// (`rank_pool`, same positions).
#[derive(Debug, Default)]
struct Gathered {
    kept: Vec<Kept>,
    pool: Vec<u32>,
    rank_pool: Vec<u32>,
}

impl Gathered {
    fn push(&mut self, ids: &[u32], stat: &impl Counts, ranks: &[u32]) {
        let start = self.pool.len();
        self.pool.extend_from_slice(ids);
        self.rank_pool.extend(
            ids.iter()
                .map(|&id| ranks.get(id as usize).copied().unwrap_or(u32::MAX)),
        );
        // Rank + 1 of the first two tokens (0 for none, so a prefix sorts
        // first); ranks are below the token count, so + 1 stays in 32 bits.
        let term_ranks = &self.rank_pool[start..];
        let prefix = |i: usize| term_ranks.get(i).map_or(0, |&r| r.saturating_add(1) as u64);
        self.kept.push(Kept {
            key: (prefix(0) << 32) | prefix(1),
            df: stat.df(),
            tf: stat.tf(),
            start: start as u32,
            len: ids.len() as u8,
        });
    }

    /// The ranks of a kept term's tokens.
    fn ranks(&self, k: &Kept) -> &[u32] {
        &self.rank_pool[k.start as usize..k.start as usize + k.len as usize]
    }
}

/// The features that survive pruning, in vocabulary (sorted term) order, as
/// the global token ids each is made of (the term strings are built only if
/// asked for: see [`crate::vocab::VocabIndex::terms`]).
#[derive(Debug)]
pub struct Pruned {
    pub df: Vec<u32>,
    /// Token ids of all features back to back; `spans[f]` = (start, length).
    pub token_ids: Vec<u32>,
    pub spans: Vec<(u32, u8)>,
}

/// Candidate features are split into this many partitions by key hash. Each
/// partition's table is small enough to stay in cache while a batch of its
/// occurrences is applied, which is what makes counting fast: the batch is
/// first scattered to partitions with sequential writes, then each partition
/// is aggregated on its own (partitions run in parallel). Unigrams need no
/// table: they are counted in an array indexed by token id.
const PARTITIONS: usize = 64;

/// Documents scattered per round: bounds the scatter buffers' memory (16
/// bytes per bigram occurrence: about 2 MB for 512 reviews, which counting
/// holds alongside the tables and the corpus's token ids). 2048 measured no
/// faster on imdb and held 5 MiB more at the peak.
const ROUND_DOCS: usize = 512;

/// A bigram's key in the partition tables: its two token ids. Four-byte
/// aligned, so an entry with a [`Stat`] takes 20 bytes rather than the 24 a
/// `u64` key would (with a [`DocStat`], 16 either way); the tables are the
/// largest thing counting holds. Hashed as the one integer of [`pair_key`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PairKey([u32; 2]);

impl PairKey {
    #[inline]
    fn of(key: u64) -> PairKey {
        PairKey([(key >> 32) as u32, key as u32])
    }
}

impl std::hash::Hash for PairKey {
    #[inline]
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(pair_key(self.0[0], self.0[1]));
    }
}

#[derive(Debug)]
struct Partition<S> {
    short: FxHashMap<PairKey, S>,
    longer: FxHashMap<Box<[u32]>, S>,
}

impl<S> Default for Partition<S> {
    fn default() -> Self {
        Partition {
            short: FxHashMap::default(),
            longer: FxHashMap::default(),
        }
    }
}

impl<S: Counts> Partition<S> {
    fn len(&self) -> usize {
        self.short.len() + self.longer.len()
    }

    /// Apply the occurrences scattered to partition `p` (workers in order,
    /// each in document order) of the documents numbered from `first_doc`.
    fn apply(&mut self, p: usize, filled: &[Buckets], ids: &[u32], first_doc: u64) {
        for (ws, _) in filled {
            for o in &ws[p] {
                self.short
                    .entry(o.key)
                    .or_insert(S::FRESH)
                    .bump(first_doc + o.doc as u64);
            }
        }
        for (_, wl) in filled {
            for o in &wl[p] {
                let key = &ids[o.start..o.start + o.len as usize];
                let doc = first_doc + o.doc as u64;
                match self.longer.get_mut(key) {
                    Some(s) => s.bump(doc),
                    None => {
                        let mut s = S::FRESH;
                        s.bump(doc);
                        self.longer.insert(key.into(), s);
                    }
                }
            }
        }
    }

    /// The kept candidates, gathered with their tokens' ranks.
    fn gather(&self, low: f64, high: f64, ranks: &[u32]) -> Gathered {
        let mut g = Gathered::default();
        for (k, stat) in self.short.iter().filter(|(_, s)| within(s.df(), low, high)) {
            g.push(&k.0, stat, ranks);
        }
        for (k, stat) in self.longer.iter().filter(|(_, s)| within(s.df(), low, high)) {
            g.push(k, stat, ranks);
        }
        g
    }
}

/// The n-gram tables, one per partition, with or without term frequencies.
#[derive(Debug)]
enum Tables {
    WithTf(Vec<Partition<Stat>>),
    DfOnly(Vec<Partition<DocStat>>),
}

impl Tables {
    fn new(keep_tf: bool) -> Tables {
        if keep_tf {
            Tables::WithTf((0..PARTITIONS).map(|_| Partition::default()).collect())
        } else {
            Tables::DfOnly((0..PARTITIONS).map(|_| Partition::default()).collect())
        }
    }

    fn len(&self) -> usize {
        match self {
            Tables::WithTf(parts) => parts.iter().map(Partition::len).sum(),
            Tables::DfOnly(parts) => parts.iter().map(Partition::len).sum(),
        }
    }

    /// Apply a round's scattered occurrences, partitions in parallel.
    fn apply(&mut self, filled: &[Buckets], ids: &[u32], first_doc: u64) {
        match self {
            Tables::WithTf(parts) => parallel::for_each_mut(parts, |p, part| part.apply(p, filled, ids, first_doc)),
            Tables::DfOnly(parts) => parallel::for_each_mut(parts, |p, part| part.apply(p, filled, ids, first_doc)),
        }
    }

    /// Each partition's kept candidates, in partition order.
    fn gather(&self, low: f64, high: f64, ranks: &[u32]) -> Vec<Gathered> {
        match self {
            Tables::WithTf(parts) => parallel::map(parts, |part| part.gather(low, high, ranks)),
            Tables::DfOnly(parts) => parallel::map(parts, |part| part.gather(low, high, ranks)),
        }
    }

    /// [`Tables::gather`], freeing each table as soon as its kept
    /// candidates are gathered.
    fn gather_and_free(&mut self, low: f64, high: f64, ranks: &[u32]) -> Vec<Gathered> {
        fn each<S: Counts>(parts: &mut [Partition<S>], low: f64, high: f64, ranks: &[u32]) -> Vec<Gathered> {
            let mut work: Vec<(&mut Partition<S>, Gathered)> =
                parts.iter_mut().map(|part| (part, Gathered::default())).collect();
            parallel::for_each_mut(&mut work, |_, (part, g)| {
                *g = part.gather(low, high, ranks);
                **part = Partition::default();
            });
            work.into_iter().map(|(_, g)| g).collect()
        }
        match self {
            Tables::WithTf(parts) => each(parts, low, high, ranks),
            Tables::DfOnly(parts) => each(parts, low, high, ranks),
        }
    }
}

/// One bigram occurrence scattered to a partition: its tokens and its
/// document (within the round).
#[derive(Clone, Copy)]
struct ShortOcc {
    key: PairKey,
    doc: u32,
}

/// One occurrence of a longer n-gram: start and length in the token ids.
#[derive(Clone, Copy)]
struct LongOcc {
    start: usize,
    doc: u32,
    len: u8,
}

/// One worker's occurrences of a round, per partition.
type Buckets = (Vec<Vec<ShortOcc>>, Vec<Vec<LongOcc>>);

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
    /// Unigram statistics by global token id (when unigrams are counted).
    uni: Vec<Stat>,
    tables: Tables,
    min_n: usize,
    max_n: usize,
    pub n_docs: u64,
}

impl NgramCounter {
    /// A counter for `tok`'s n-grams; `keep_tf`: keep every candidate's term
    /// frequency (only `max_features` needs it), not just its document
    /// frequency.
    pub fn new(tok: &Tokenizer, keep_tf: bool) -> Self {
        NgramCounter {
            uni: Vec::new(),
            tables: Tables::new(keep_tf),
            min_n: tok.min_n,
            max_n: tok.max_n,
            n_docs: 0,
        }
    }

    /// Count the n-grams of a batch of sequences (documents numbered on from
    /// the documents counted before).
    pub fn count(&mut self, seqs: &Sequences) {
        let (min_n, max_n) = (self.min_n, self.max_n);
        // n-grams of two or more tokens go through the partitions.
        let lo_n = min_n.max(2);
        if min_n <= 1 && max_n >= 1 {
            if let Some(&m) = seqs.ids.iter().max() {
                if m as usize >= self.uni.len() {
                    self.uni.resize(m as usize + 1, FRESH);
                }
            }
        }
        if lo_n > max_n {
            // Unigrams only: no rounds and no partitions, each worker counts
            // its own documents (see `count_unigrams`).
            self.count_unigrams(seqs);
            return;
        }
        // Buffers reused by every round (one set per worker), so their
        // memory is allocated and faulted in once rather than per round.
        let mut scattered: Vec<Buckets> = (0..parallel::workers())
            .map(|_| {
                (
                    (0..PARTITIONS).map(|_| Vec::new()).collect(),
                    (0..PARTITIONS).map(|_| Vec::new()).collect(),
                )
            })
            .collect();
        let rounds = parallel::ranges(seqs.len(), seqs.len().div_ceil(ROUND_DOCS));
        for round in rounds {
            // Scatter: each worker takes a contiguous run of documents and
            // writes its occurrences into per-partition buffers, in order.
            let workers = parallel::ranges(round.len(), scattered.len());
            let first_doc = self.n_docs;
            let filled = &mut scattered[..workers.len()];
            parallel::for_each_mut(filled, |wi, (short, longer)| {
                short.iter_mut().for_each(Vec::clear);
                longer.iter_mut().for_each(Vec::clear);
                let Some(w) = workers.get(wi) else { return };
                for rd in w.clone() {
                    let d = round.start + rd;
                    let (lo, hi) = (seqs.offsets[d], seqs.offsets[d + 1]);
                    let ids = &seqs.ids[lo..hi];
                    for n in lo_n..=max_n.min(ids.len()) {
                        for (i, win) in ids.windows(n).enumerate() {
                            if let [a, b] = win {
                                let key = pair_key(*a, *b);
                                short[(mix(key) as usize) % PARTITIONS].push(ShortOcc {
                                    key: PairKey::of(key),
                                    doc: rd as u32,
                                });
                            } else {
                                longer[partition_of_ids(win)].push(LongOcc {
                                    start: lo + i,
                                    doc: rd as u32,
                                    len: n as u8,
                                });
                            }
                        }
                    }
                }
            });
            let filled: &[Buckets] = filled;
            // Aggregate: each partition applies its occurrences in document
            // order (workers in order, each in document order); unigrams are
            // counted alongside, by token id.
            let uni = &mut self.uni;
            let count_uni = min_n <= 1 && max_n >= 1;
            parallel::join(
                || {
                    if !count_uni {
                        return;
                    }
                    for rd in 0..round.len() {
                        let d = round.start + rd;
                        let doc = first_doc + rd as u64;
                        for &t in seqs.doc(d) {
                            if let Some(s) = uni.get_mut(t as usize) {
                                s.bump(doc);
                            }
                        }
                    }
                },
                || self.tables.apply(filled, &seqs.ids, first_doc),
            );
            self.n_docs += round.len() as u64;
        }
    }

    /// Unigram-only counting: each worker counts a contiguous run of the
    /// documents into statistics of its own, which are then added up (tf and
    /// df are sums over documents, so the split changes nothing). Done in one
    /// thread over every token, this was a sixth of a unigram model's
    /// training time.
    fn count_unigrams(&mut self, seqs: &Sequences) {
        let first_doc = self.n_docs;
        let n_tokens = self.uni.len();
        let parts = parallel::ranges(seqs.len(), parallel::workers());
        let counted = parallel::map(&parts, |docs| {
            let mut stats = vec![FRESH; n_tokens];
            for d in docs.clone() {
                let doc = first_doc + d as u64;
                for &t in seqs.doc(d) {
                    if let Some(s) = stats.get_mut(t as usize) {
                        s.bump(doc);
                    }
                }
            }
            stats
        });
        for stats in &counted {
            for (total, part) in self.uni.iter_mut().zip(stats) {
                total.tf = total.tf.saturating_add(part.tf);
                total.doc.df += part.doc.df;
                // `last_doc` is left alone: it only keeps a document from
                // counting twice, and later batches hold later documents.
            }
        }
        self.n_docs += seqs.len() as u64;
    }

    /// Number of distinct candidate features.
    pub fn n_candidates(&self) -> usize {
        self.uni.iter().filter(|s| s.df() > 0).count() + self.tables.len()
    }

    /// Apply min_df / max_df / max_features and return the kept feature
    /// strings (sorted) with their document frequencies. The statistics stay
    /// intact, whatever the outcome.
    pub fn prune(&self, cfg: &TrainConfig, table: &TokenTable) -> Result<Pruned> {
        let (low, high) = self.df_bounds(cfg)?;
        // Every token's rank in byte order of the token strings. Tokens are
        // runs of word characters, all above the space that joins an n-gram's
        // tokens, so n-gram strings sort exactly as their tokens' rank
        // sequences (a prefix first): the vocabulary is sorted on those
        // integers without building or comparing a string per candidate.
        let (token_of_rank, ranks) = token_ranks(&table.strings);
        // Each partition's kept candidates, and the unigrams' (last).
        let (mut gathered, unigrams) = parallel::join(
            || self.tables.gather(low, high, &ranks),
            || self.gather_unigrams(low, high, &ranks),
        );
        gathered.push(unigrams);
        self.sorted_vocabulary(cfg, gathered, &token_of_rank)
    }

    /// [`NgramCounter::prune`], using the counter up: each partition's table
    /// is freed as soon as its kept candidates are gathered, so the tables
    /// (the largest statistics) and the vocabulary being built do not all
    /// take memory at once.
    pub fn prune_into(mut self, cfg: &TrainConfig, table: &TokenTable) -> Result<Pruned> {
        let (low, high) = self.df_bounds(cfg)?;
        let (token_of_rank, ranks) = token_ranks(&table.strings);
        let mut gathered = self.tables.gather_and_free(low, high, &ranks);
        gathered.push(self.gather_unigrams(low, high, &ranks));
        self.sorted_vocabulary(cfg, gathered, &token_of_rank)
    }

    /// min_df and max_df as document counts.
    fn df_bounds(&self, cfg: &TrainConfig) -> Result<(f64, f64)> {
        let n = self.n_docs;
        let high = cfg.max_df.resolve(n);
        let low = cfg.min_df.resolve(n);
        if high < low {
            return err(
                ErrorCode::InvalidConfig,
                format!("max_df ({high} documents) is below min_df ({low} documents) for {n} documents"),
            );
        }
        Ok((low, high))
    }

    /// The unigrams within the document-frequency bounds.
    fn gather_unigrams(&self, low: f64, high: f64, ranks: &[u32]) -> Gathered {
        let mut g = Gathered::default();
        for (t, stat) in self.uni.iter().enumerate() {
            if stat.df() > 0 && within(stat.df(), low, high) {
                g.push(&[t as u32], stat, ranks);
            }
        }
        g
    }

    /// The vocabulary in term order, with max_features applied, from the
    /// kept terms gathered per partition (`gathered`: partitions
    /// 0..PARTITIONS, then the unigrams as part PARTITIONS). `token_of_rank`:
    /// see [`token_ranks`].
    fn sorted_vocabulary(&self, cfg: &TrainConfig, gathered: Vec<Gathered>, token_of_rank: &[u32]) -> Result<Pruned> {
        // Unigrams first, then the partitions in order (any fixed order would
        // do: the sorts below are total, as terms are distinct). A kept term
        // is named by its position in that concatenation (`g`), found back
        // through the parts' offsets instead of copying every part into one
        // list.
        let order: Vec<usize> = std::iter::once(PARTITIONS).chain(0..PARTITIONS).collect();
        let mut offsets = Vec::with_capacity(order.len() + 1);
        offsets.push(0usize);
        for &p in &order {
            let before = offsets.last().copied().unwrap_or(0);
            offsets.push(before + gathered.get(p).map_or(0, |g| g.kept.len()));
        }
        let total = offsets.last().copied().unwrap_or(0);
        let at = |g: u64| -> (&Gathered, &Kept) {
            let slot = offsets.partition_point(|&o| o as u64 <= g).saturating_sub(1);
            let part = &gathered[order[slot]];
            (part, &part.kept[g as usize - offsets[slot]])
        };
        // Term order: the two-token prefix key, then (only n-grams of three
        // or more tokens can tie on it) the whole rank sequence.
        let by_term = |a: u64, b: u64| {
            let (ea, eb) = (at(a), at(b));
            ea.1.key
                .cmp(&eb.1.key)
                .then_with(|| ea.0.ranks(ea.1).cmp(eb.0.ranks(eb.1)))
        };
        let mut sorted: Vec<u64> = (0..total as u64).collect();
        if let Some(limit) = cfg.max_features {
            if total as u64 > limit {
                // Most frequent first; ties broken alphabetically so the cut is deterministic.
                parallel::sort_by(&mut sorted, |&a, &b| {
                    at(b).1.tf.cmp(&at(a).1.tf).then_with(|| by_term(a, b))
                });
                sorted.truncate(limit as usize);
            }
        }
        if sorted.is_empty() {
            return err(
                ErrorCode::EmptyVocabulary,
                "after pruning, no terms remain: lower min_df or raise max_df",
            );
        }
        let describe = |g: u64| {
            let k = at(g).1;
            (k.key, k.df)
        };
        let terms = sort_terms(sorted, total as u64, token_of_rank.len(), describe, by_term);
        let mut out = Pruned {
            df: Vec::with_capacity(terms.len()),
            token_ids: Vec::with_capacity(gathered.iter().map(|g| g.pool.len()).sum()),
            spans: Vec::with_capacity(terms.len()),
        };
        // Terms of at most two tokens are read off their sorted keys (token
        // ids from ranks); others from their gathered entry.
        let short_terms = self.max_n <= 2;
        let token = |prefix: u32| {
            token_of_rank
                .get((prefix as usize).wrapping_sub(1))
                .copied()
                .unwrap_or(NONE)
        };
        let mut note = |ids: &[u32], df: u32| {
            out.spans.push((out.token_ids.len() as u32, ids.len() as u8));
            out.token_ids.extend_from_slice(ids);
            out.df.push(df);
        };
        for term in terms.iter() {
            match term {
                SortedTerm::Key { prefix, df, .. } if short_terms => {
                    let (a, b) = (token(prefix.0), token(prefix.1));
                    if prefix.1 == 0 {
                        note(&[a], df);
                    } else {
                        note(&[a, b], df);
                    }
                }
                SortedTerm::Key { g, .. } | SortedTerm::Index(g) => {
                    let (part, k) = at(g);
                    note(&part.pool[k.start as usize..k.start as usize + k.len as usize], k.df);
                }
            }
        }
        Ok(out)
    }
}

/// Whether a candidate's document frequency is within [low, high].
#[inline]
fn within(df: u32, low: f64, high: f64) -> bool {
    let df = df as f64;
    df >= low && df <= high
}

/// Kept terms in term order, as [`sort_terms`] returns them.
struct SortedTerms {
    /// Set when the terms were radix-sorted on packed keys: then `items`
    /// are (prefix key << g_bits | g, df), else (g, 0).
    packing: Option<(u32, u32)>,
    items: Vec<(u64, u64)>,
}

/// One term of [`SortedTerms`]: its two-token prefix (rank + 1 of each, 0
/// for none) and document frequency when known from the sort, else only its
/// position `g`.
enum SortedTerm {
    Key { g: u64, prefix: (u32, u32), df: u32 },
    Index(u64),
}

impl SortedTerms {
    fn len(&self) -> usize {
        self.items.len()
    }
    fn iter(&self) -> impl Iterator<Item = SortedTerm> + '_ {
        self.items.iter().map(move |&(x, info)| match self.packing {
            Some((rank_bits, g_bits)) => {
                let key = x >> g_bits;
                SortedTerm::Key {
                    g: x & ((1u64 << g_bits) - 1),
                    prefix: ((key >> rank_bits) as u32, (key & ((1u64 << rank_bits) - 1)) as u32),
                    df: info as u32,
                }
            }
            None => SortedTerm::Index(x),
        })
    }
}

/// Sort kept terms (named by their position `g` < `g_end`) into term
/// order. `describe(g)` gives the two-token prefix key ((rank + 1) << 32 |
/// (rank + 1), ranks below `n_ranks`) and df. When the prefix and `g` pack
/// into one u64 they are radix-sorted together with df (so reading the
/// result needs no lookups); runs that tie on the
/// prefix (terms of three or more tokens) are then ordered by `by_term`,
/// which must agree with the prefix order. Otherwise everything is sorted
/// by `by_term`.
fn sort_terms(
    mut sorted: Vec<u64>,
    g_end: u64,
    n_ranks: usize,
    describe: impl Fn(u64) -> (u64, u32) + Sync,
    by_term: impl Fn(u64, u64) -> std::cmp::Ordering + Sync,
) -> SortedTerms {
    let bits = |n: u64| 64 - n.leading_zeros();
    let (rank_bits, g_bits) = (bits(n_ranks as u64 + 1), bits(g_end));
    if 2 * rank_bits + g_bits > 64 || g_end > u32::MAX as u64 {
        parallel::sort_by(&mut sorted, |&a, &b| by_term(a, b));
        return SortedTerms {
            packing: None,
            items: sorted.into_iter().map(|g| (g, 0)).collect(),
        };
    }
    let mut items: Vec<(u64, u64)> = parallel::map(&sorted, |&g| {
        let (k, df) = describe(g);
        let key = ((k >> 32) << rank_bits) | (k & 0xffff_ffff);
        ((key << g_bits) | g, df as u64)
    });
    drop(sorted);
    let mut tmp = Vec::new();
    radix::sort_by_bits(&mut items, &mut tmp, |x| x.0, g_bits, g_bits + 2 * rank_bits);
    let g_mask = (1u64 << g_bits) - 1;
    let mut i = 0;
    while i < items.len() {
        let here = items[i].0 >> g_bits;
        let run = items[i..].iter().take_while(|x| x.0 >> g_bits == here).count();
        if run > 1 {
            items[i..i + run].sort_unstable_by(|a, b| by_term(a.0 & g_mask, b.0 & g_mask));
        }
        i += run;
    }
    SortedTerms {
        packing: Some((rank_bits, g_bits)),
        items,
    }
}

/// The token ids in byte order of their strings, and each token's position
/// in that order (its rank): two inverse permutations.
fn token_ranks(strings: &[CompactString]) -> (Vec<u32>, Vec<u32>) {
    // Sorted on each token's first eight bytes as a big-endian integer
    // (zero-padded: no token holds a zero byte, so a shorter token still
    // sorts first), comparing whole strings only on a tie: integer compares
    // instead of a string compare each (100k tokens: 13 → 3.5 ms).
    let prefix = |s: &str| {
        let mut word = [0u8; 8];
        let n = s.len().min(8);
        word[..n].copy_from_slice(&s.as_bytes()[..n]);
        u64::from_be_bytes(word)
    };
    let mut keyed: Vec<(u64, u32)> = strings.iter().enumerate().map(|(t, s)| (prefix(s), t as u32)).collect();
    parallel::sort_by(&mut keyed, |a, b| {
        a.0.cmp(&b.0)
            .then_with(|| strings[a.1 as usize].cmp(&strings[b.1 as usize]))
    });
    let order: Vec<u32> = keyed.into_iter().map(|(_, t)| t).collect();
    let mut ranks = vec![0u32; strings.len()];
    for (r, &t) in order.iter().enumerate() {
        ranks[t as usize] = r as u32;
    }
    (order, ranks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Count `docs` (token id lists) in two batches split at `split`.
    fn count_in_two_batches(counter: &mut NgramCounter, docs: &[Vec<u32>], split: usize) {
        let split = split.min(docs.len());
        for batch in [&docs[..split], &docs[split..]] {
            let mut seqs = Sequences::new();
            for d in batch {
                seqs.ids.extend_from_slice(d);
                seqs.offsets.push(seqs.ids.len());
            }
            counter.count(&seqs);
        }
    }

    proptest! {
        /// Ids are positions in order of first sight, for short and long
        /// tokens alike, through table growth and probe collisions, whether a
        /// token is read inside a longer text or on its own.
        #[test]
        fn interning_numbers_tokens_in_order_of_first_sight(
            words in proptest::collection::vec("[a-zé]{1,10}", 0..3000),
        ) {
            let mut table = TokenTable::default();
            let mut expected: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
            let text = words.join(" ");
            let mut start = 0;
            for (i, w) in words.iter().enumerate() {
                let next = expected.len() as u32;
                let want = *expected.entry(w.clone()).or_insert(next);
                let end = start + w.len();
                let got = if i % 2 == 0 { table.intern_in(&text, start, end) } else { table.intern(w) };
                prop_assert_eq!(got, want, "{}", w);
                start = end + 1;
            }
            prop_assert_eq!(table.strings.len(), expected.len());
            for (w, &id) in &expected {
                prop_assert_eq!(table.strings[id as usize].as_str(), w.as_str());
            }
        }

        /// Tokenizing in parts and merging their tables numbers tokens in
        /// order of first sight over all the texts, into an empty table or
        /// one that already holds tokens, whatever the split.
        #[test]
        fn tokenize_numbers_tokens_in_order_of_first_sight(
            texts in proptest::collection::vec("((ab|cd|ef|gh|a_much_longer_word|zz)[ ,.]){0,12}", 0..40),
            known in proptest::collection::vec("(ab|cd|qq|a_much_longer_word)", 0..3),
        ) {
            let tok = Tokenizer::new(&TrainConfig::default());
            let mut table = TokenTable::default();
            let mut expected: Vec<String> = Vec::new();
            for k in &known {
                table.intern(k);
                if !expected.contains(k) {
                    expected.push(k.clone());
                }
            }
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            let seqs = tokenize(&tok, &mut table, &refs);
            let mut want_ids = Vec::new();
            for t in &refs {
                for w in tok.tokens(t) {
                    let id = match expected.iter().position(|e| *e == w) {
                        Some(i) => i,
                        None => {
                            expected.push(w);
                            expected.len() - 1
                        }
                    };
                    want_ids.push(id as u32);
                }
            }
            prop_assert_eq!(&seqs.ids, &want_ids);
            prop_assert_eq!(seqs.len(), texts.len());
            let strings: Vec<&str> = table.strings.iter().map(|s| s.as_str()).collect();
            prop_assert_eq!(strings, expected.iter().map(String::as_str).collect::<Vec<_>>());
        }

        /// Unigram-only counting (split across workers, in batches) gives
        /// every token's term and document frequency as counted naively.
        #[test]
        fn unigram_counts_are_the_naive_counts(
            docs in proptest::collection::vec(proptest::collection::vec(0u32..40, 0..30), 0..60),
            split in 0usize..60,
        ) {
            let tok = Tokenizer::new(&TrainConfig::default());
            let mut counter = NgramCounter::new(&tok, true);
            count_in_two_batches(&mut counter, &docs, split);
            prop_assert_eq!(counter.n_docs, docs.len() as u64);
            for t in 0..40u32 {
                let tf = docs.iter().flatten().filter(|&&x| x == t).count() as u32;
                let df = docs.iter().filter(|d| d.contains(&t)).count() as u32;
                let got = counter.uni.get(t as usize).map_or((0, 0), |s| (s.tf, s.df()));
                prop_assert_eq!(got, (tf, df), "token {}", t);
            }
        }

        /// The n-gram tables (with and without term frequencies, bigrams and
        /// trigrams, counted in two batches) hold every n-gram's document
        /// frequency, and its term frequency when kept, as counted naively.
        #[test]
        fn ngram_counts_are_the_naive_counts(
            docs in proptest::collection::vec(proptest::collection::vec(0u32..6, 0..20), 0..40),
            split in 0usize..40,
            keep_tf: bool,
        ) {
            let cfg = TrainConfig { ngram_range: [2, 3], ..TrainConfig::default() };
            let tok = Tokenizer::new(&cfg);
            let mut counter = NgramCounter::new(&tok, keep_tf);
            count_in_two_batches(&mut counter, &docs, split);
            let mut naive: FxHashMap<Vec<u32>, (u32, u32)> = FxHashMap::default();
            for d in &docs {
                let mut seen: std::collections::HashSet<&[u32]> = Default::default();
                for n in 2..=3 {
                    for w in d.windows(n) {
                        let e = naive.entry(w.to_vec()).or_default();
                        e.0 += 1;
                        if seen.insert(w) {
                            e.1 += 1;
                        }
                    }
                }
            }
            prop_assert_eq!(counter.tables.len(), naive.len());
            let mut got: FxHashMap<Vec<u32>, (u32, u32)> = FxHashMap::default();
            let ranks: Vec<u32> = (0..6).collect();
            for g in counter.tables.gather(0.0, f64::INFINITY, &ranks) {
                for k in &g.kept {
                    let ids = g.pool[k.start as usize..k.start as usize + k.len as usize].to_vec();
                    got.insert(ids, (k.tf, k.df));
                }
            }
            for (ids, (tf, df)) in &naive {
                let want = (if keep_tf { *tf } else { 0 }, *df);
                prop_assert_eq!(got.get(ids).copied(), Some(want), "n-gram {:?}", ids);
            }
        }

        /// Token ranks are the byte order of the token strings, also for
        /// tokens that share their first eight bytes or are prefixes of others.
        #[test]
        fn token_ranks_follow_byte_order(
            words in proptest::collection::hash_set("(abcdefgh)?[a-dé]{0,4}", 1..200),
        ) {
            let strings: Vec<CompactString> = words.iter().map(|w| CompactString::new(w)).collect();
            let (order, ranks) = token_ranks(&strings);
            let mut want: Vec<u32> = (0..strings.len() as u32).collect();
            want.sort_by(|&a, &b| strings[a as usize].as_bytes().cmp(strings[b as usize].as_bytes()));
            prop_assert_eq!(&order, &want);
            for (r, &t) in order.iter().enumerate() {
                prop_assert_eq!(ranks[t as usize], r as u32);
            }
        }
    }
}
