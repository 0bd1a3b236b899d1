//! The model file: one self-describing binary file.
//!
//! ```text
//! offset  size  field
//! 0       8     magic "SENTIOMF"
//! 8       4     format version (u32 LE), currently 3 (1 is still read)
//! 12      4     reserved, 0
//! 16      8     payload length in bytes (u64 LE)
//! 24      8     XXH3-64 of the payload (u64 LE)
//! 32      …     payload:
//!               u32 header length + header JSON (config, classes, facts, space)
//!               vocabulary (vocabulary mode):
//!                 varint token count T, varint number of 2-token features
//!                 T tokens, strictly ascending, front-coded: each varint
//!                   shared-prefix length, varint suffix length, suffix
//!                 the features as a trie of token ids (token id = rank in
//!                   that order, so feature order = sorted string order):
//!                   node = [varint (child count << 1 | is-feature)], then per
//!                   child, ascending: varint (id − previous child's id − 1;
//!                   the first child's id as is), then the child's node.
//!                   The root is the empty prefix; nodes at depth max_n
//!                   omit the bracketed header (a feature, no children).
//!               document frequencies: n_features varints (when counted;
//!                 the idf is recomputed from them and the document count)
//!               class log priors: n_classes × f64 LE
//!               feature log probabilities, lossless (same bits as trained):
//!                 per class: its most frequent value (f64 LE), u8 m ≤ 254,
//!                   m × u16 LE: the class's most frequent top-16-bit patterns
//!                 then n_features × n_classes values, feature-major, each a
//!                   tag byte: 0 = the class's most frequent value; 1..=m =
//!                   that top-16-bit pattern + 6 bytes LE of low bits;
//!                   255 = 8 bytes f64 LE
//! ```
//!
//! Format 1 (still read, never written) stored the feature strings
//! front-coded and the feature log probabilities as plain f64s.
//!
//! Everything is data: loading parses and validates, never executes. Every
//! length is checked against the bytes actually present before anything is
//! allocated, so a hostile file cannot make the loader allocate more than a
//! small multiple of its own size. The file holds no clocks or host names:
//! the same data and config give the same bytes.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64;

use crate::config::{ClassifierKind, TrainConfig, MAX_NGRAM};
use crate::error::{err, Error, ErrorCode, Result};
use crate::model::{scoring_order, Model, TrainingFacts};
use crate::naive_bayes::Classifier;
use crate::parallel;
use crate::space::FeatureSpace;
use crate::token_table::TokenTable;
use crate::vocab::{VocabBuilder, VocabIndex};
use crate::weighting::{idf_from_df, Weighting};

pub const MAGIC: &[u8; 8] = b"SENTIOMF";
/// The format this build writes. (2 was never used: tools and tests take it
/// as the example of an unknown version, so it stays unknown.)
pub const FORMAT_VERSION: u32 = 3;
/// Every format this build reads.
const READS: [u32; 2] = [1, FORMAT_VERSION];
const PREAMBLE: usize = 32;
/// More classes than this is not a text classifier we can serve sensibly.
const MAX_CLASSES: usize = 65_536;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    format: u32,
    engine: String,
    config: TrainConfig,
    classes: Vec<String>,
    facts: TrainingFacts,
    n_features: u64,
    vocabulary: bool,
    /// Whether the document-frequency section is present.
    document_frequencies: bool,
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_f64s(out: &mut Vec<u8>, values: &[f64]) {
    out.reserve(values.len() * 8);
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// Front-code sorted strings: varint shared-prefix length, varint suffix
/// length, suffix.
fn put_front_coded<'a>(out: &mut Vec<u8>, sorted: impl IntoIterator<Item = &'a [u8]>) {
    let mut prev: &[u8] = b"";
    for t in sorted {
        let shared = prev.iter().zip(t).take_while(|(a, b)| a == b).count();
        put_varint(out, shared as u64);
        put_varint(out, (t.len() - shared) as u64);
        out.extend_from_slice(&t[shared..]);
        prev = t;
    }
}

/// The vocabulary section: tokens, then the features as a trie of token ids.
fn put_vocabulary(out: &mut Vec<u8>, v: &VocabIndex, max_n: usize) {
    let tokens = v.token_strings();
    // Token ids in the file are ranks in byte order.
    let mut by_string: Vec<u32> = (0..tokens.len() as u32).collect();
    by_string.sort_unstable_by_key(|&t| tokens[t as usize].as_bytes());
    let mut rank = vec![0u32; tokens.len()];
    for (r, &t) in by_string.iter().enumerate() {
        rank[t as usize] = r as u32;
    }
    let (offsets, mut ids) = v.feature_token_ids();
    for id in ids.iter_mut() {
        *id = rank.get(*id as usize).copied().unwrap_or(u32::MAX);
    }
    let features: Vec<&[u32]> = offsets.windows(2).map(|w| &ids[w[0]..w[1]]).collect();
    put_varint(out, tokens.len() as u64);
    put_varint(out, features.iter().filter(|f| f.len() == 2).count() as u64);
    put_front_coded(out, by_string.iter().map(|&t| tokens[t as usize].as_bytes()));
    // Feature order is sorted string order, which (tokens never hold a space
    // or a byte below it) is the order of the token-id tuples: trie preorder.
    put_trie_node(out, &features, 0, max_n);
}

/// One trie node: `features` all start with the same `depth` token ids, and
/// the first may be exactly that prefix.
fn put_trie_node(out: &mut Vec<u8>, features: &[&[u32]], depth: usize, max_n: usize) {
    let is_feature = features.first().is_some_and(|f| f.len() == depth);
    let rest = if is_feature { &features[1..] } else { features };
    if depth >= max_n {
        return;
    }
    let mut groups = 0u64;
    let mut prev = None;
    for f in rest {
        if prev != Some(f[depth]) {
            groups += 1;
            prev = Some(f[depth]);
        }
    }
    put_varint(out, (groups << 1) | is_feature as u64);
    let mut next_min = 0u32;
    let mut start = 0;
    while start < rest.len() {
        let id = rest[start][depth];
        let end = start + rest[start..].iter().take_while(|f| f[depth] == id).count();
        debug_assert!(id >= next_min, "features are in token-id tuple order");
        put_varint(out, id.saturating_sub(next_min) as u64);
        next_min = id + 1;
        put_trie_node(out, &rest[start..end], depth + 1, max_n);
        start = end;
    }
}

/// Most frequent top-16-bit patterns kept per class (tags 1..=254).
const HI_PATTERNS: usize = 254;
const TAG_RAW: u8 = 255;

/// Feature log probabilities (`k` classes, feature-major), losslessly packed:
/// see the module docs.
fn put_packed_f64s(out: &mut Vec<u8>, values: &[f64], k: usize) {
    let mut modes = Vec::with_capacity(k);
    let mut patterns: Vec<FxHashMap<u16, u8>> = Vec::with_capacity(k);
    for c in 0..k {
        let mut counts: FxHashMap<u64, u32> = FxHashMap::default();
        for v in values.iter().skip(c).step_by(k) {
            *counts.entry(v.to_bits()).or_insert(0) += 1;
        }
        // Most frequent; ties to the smallest bits, so the choice is deterministic.
        let mode = counts
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
            .map_or(0, |(&bits, _)| bits);
        let mut hi: FxHashMap<u16, u32> = FxHashMap::default();
        for (&bits, &n) in &counts {
            if bits != mode {
                *hi.entry((bits >> 48) as u16).or_insert(0) += n;
            }
        }
        let mut hi: Vec<(u16, u32)> = hi.into_iter().collect();
        hi.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        hi.truncate(HI_PATTERNS);
        out.extend_from_slice(&mode.to_le_bytes());
        out.push(hi.len() as u8);
        for &(h, _) in &hi {
            out.extend_from_slice(&h.to_le_bytes());
        }
        modes.push(mode);
        patterns.push(hi.iter().enumerate().map(|(i, &(h, _))| (h, i as u8 + 1)).collect());
    }
    out.reserve(values.len() * 7);
    for (i, v) in values.iter().enumerate() {
        let c = i % k;
        let bits = v.to_bits();
        if bits == modes[c] {
            out.push(0);
        } else if let Some(&tag) = patterns[c].get(&((bits >> 48) as u16)) {
            out.push(tag);
            out.extend_from_slice(&bits.to_le_bytes()[..6]);
        } else {
            out.push(TAG_RAW);
            out.extend_from_slice(&bits.to_le_bytes());
        }
    }
}

impl Model {
    /// Serialize to the model file format (deterministic).
    pub fn to_bytes(&self) -> Vec<u8> {
        let header = Header {
            format: FORMAT_VERSION,
            engine: format!("sentio-core {}", env!("CARGO_PKG_VERSION")),
            config: self.config.clone(),
            classes: self.classes.clone(),
            facts: self.facts.clone(),
            n_features: self.space.n_features() as u64,
            vocabulary: matches!(self.space, FeatureSpace::Vocabulary(_)),
            document_frequencies: self.weighting.df.is_some(),
        };
        let json = serde_json::to_vec(&header).unwrap_or_default();
        let mut payload = Vec::with_capacity(json.len() + self.classifier.feature_log_prob.len() * 8 + 1024);
        payload.extend_from_slice(&(json.len() as u32).to_le_bytes());
        payload.extend_from_slice(&json);
        if let FeatureSpace::Vocabulary(v) = &self.space {
            put_vocabulary(&mut payload, v, self.config.ngram_range[1] as usize);
        }
        if let Some(df) = &self.weighting.df {
            for &d in df {
                put_varint(&mut payload, d as u64);
            }
        }
        put_f64s(&mut payload, &self.classifier.class_log_prior);
        put_packed_f64s(&mut payload, &self.classifier.feature_log_prob, self.classes.len());
        let mut out = Vec::with_capacity(PREAMBLE + payload.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        out.extend_from_slice(&xxh3_64(&payload).to_le_bytes());
        out.extend_from_slice(&payload);
        out
    }

    /// Parse and verify a model file.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model> {
        let (version, payload) = check_frame(bytes)?;
        let mut r = Reader { buf: payload, pos: 0 };
        let header_len = r.u32("header length")? as usize;
        let header_bytes = r.take(header_len, "header")?;
        let header: Header = serde_json::from_slice(header_bytes).map_err(|e| corrupt(format!("header: {e}")))?;
        if header.format != version {
            return err(
                ErrorCode::ModelCorrupt,
                format!("header format {} disagrees with the preamble", header.format),
            );
        }
        header
            .config
            .validate()
            .map_err(|e| corrupt(format!("config: {}", e.message)))?;
        let classes = header.classes;
        let k = classes.len();
        if !(2..=MAX_CLASSES).contains(&k) {
            return err(
                ErrorCode::ModelCorrupt,
                format!("{k} classes (need 2 to {MAX_CLASSES})"),
            );
        }
        if classes.windows(2).any(|w| w[0] >= w[1]) {
            return err(ErrorCode::ModelCorrupt, "classes are not sorted and unique");
        }
        if header.facts.class_counts.len() != k
            || header.facts.class_counts.iter().sum::<u64>() != header.facts.n_documents
        {
            return err(
                ErrorCode::ModelCorrupt,
                "facts.class_counts does not match the classes and document count",
            );
        }
        if header.facts.n_features != header.n_features {
            return err(ErrorCode::ModelCorrupt, "facts.n_features disagrees with the header");
        }
        let n = usize::try_from(header.n_features).map_err(|_| corrupt("n_features too large"))?;
        let space = match (header.vocabulary, header.config.hashing) {
            (true, None) => {
                let [min_n, max_n] = header.config.ngram_range.map(|x| x as usize);
                FeatureSpace::Vocabulary(if version == 1 {
                    read_vocabulary_v1(&mut r, n, min_n, max_n)?
                } else {
                    read_vocabulary(&mut r, n, min_n, max_n)?
                })
            }
            (false, Some(h)) => {
                if n != 1usize << h.bits {
                    return err(ErrorCode::ModelCorrupt, format!("n_features {n} is not 2^{}", h.bits));
                }
                FeatureSpace::Hashed {
                    bits: h.bits,
                    signed: h.signed,
                }
            }
            _ => {
                return err(
                    ErrorCode::ModelCorrupt,
                    "feature space disagrees with the config's hashing setting",
                )
            }
        };
        let df = if header.document_frequencies {
            let mut df = Vec::with_capacity(n.min(r.buf.len() - r.pos));
            for i in 0..n {
                let d = r.varint("document frequencies")?;
                if d > header.facts.n_documents {
                    return err(
                        ErrorCode::ModelCorrupt,
                        format!("document frequency of feature {i} exceeds the document count"),
                    );
                }
                df.push(d as u32);
            }
            Some(df)
        } else {
            None
        };
        let idf = match (&df, header.config.use_idf) {
            (Some(df), true) => Some(idf_from_df(df, header.facts.n_documents, header.config.smooth_idf)),
            (None, true) => return err(ErrorCode::ModelCorrupt, "use_idf without document frequencies"),
            (_, false) => None,
        };
        let class_log_prior = r.f64s(k, "class priors")?;
        let flp_len = n
            .checked_mul(k)
            .ok_or_else(|| corrupt("feature table size overflows"))?;
        let weighting = Weighting {
            idf,
            df,
            sublinear_tf: header.config.sublinear_tf,
            norm: header.config.norm,
        };
        // The feature table, the rest of the file, is decoded while the
        // scoring order is laid over the vocabulary: each takes several ms
        // on a large model, and neither needs the other.
        let mut space = space;
        let (feature_of_row, feature_log_prob) = parallel::join(
            || scoring_order(&mut space, &weighting),
            || {
                if version == 1 {
                    r.f64s(flp_len, "feature log probabilities")
                } else {
                    read_packed_f64s(&mut r, flp_len, k, "feature log probabilities")
                }
            },
        );
        let feature_log_prob = feature_log_prob?;
        if r.pos != r.buf.len() {
            return err(
                ErrorCode::ModelCorrupt,
                format!("{} unexpected bytes after the model", r.buf.len() - r.pos),
            );
        }
        let kind: ClassifierKind = header.config.classifier;
        let classifier = Classifier {
            kind,
            n_classes: k,
            class_log_prior,
            feature_log_prob,
        };
        Model::assemble_ordered(
            header.config,
            classes,
            header.facts,
            space,
            weighting,
            classifier,
            feature_of_row,
        )
    }
}

fn corrupt(msg: impl Into<String>) -> Error {
    Error::new(ErrorCode::ModelCorrupt, msg)
}

/// Check magic, version, length and checksum; return the version and the payload.
fn check_frame(bytes: &[u8]) -> Result<(u32, &[u8])> {
    let magic_len = bytes.len().min(8);
    if bytes[..magic_len] != MAGIC[..magic_len] {
        return err(ErrorCode::ModelBadMagic, "not a Sentio model file (bad magic bytes)");
    }
    if bytes.len() < PREAMBLE {
        return err(
            ErrorCode::ModelTruncated,
            format!(
                "model file is {} bytes, shorter than its {PREAMBLE}-byte preamble",
                bytes.len()
            ),
        );
    }
    let u32_at = |o: usize| u32::from_le_bytes([bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]]);
    let u64_at = |o: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&bytes[o..o + 8]);
        u64::from_le_bytes(b)
    };
    let version = u32_at(8);
    if !READS.contains(&version) {
        return err(
            ErrorCode::ModelVersion,
            format!(
                "unsupported model file format version {version}; this build reads versions 1 and {FORMAT_VERSION}"
            ),
        );
    }
    let declared = u64_at(16);
    let present = (bytes.len() - PREAMBLE) as u64;
    if declared > present {
        return err(
            ErrorCode::ModelTruncated,
            format!("model file truncated: payload declares {declared} bytes, {present} present"),
        );
    }
    if declared < present {
        return err(
            ErrorCode::ModelCorrupt,
            format!("{} trailing bytes after the payload", present - declared),
        );
    }
    let payload = &bytes[PREAMBLE..];
    if xxh3_64(payload) != u64_at(24) {
        return err(
            ErrorCode::ModelChecksum,
            "model file checksum mismatch: the file is corrupted",
        );
    }
    Ok((version, payload))
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        if self.buf.len() - self.pos < n {
            return err(
                ErrorCode::ModelCorrupt,
                format!("{what}: needs {n} bytes, {} left", self.buf.len() - self.pos),
            );
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn left(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn u32(&mut self, what: &str) -> Result<u32> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// LEB128 varint. Most are one byte (small ids and counts): that case is
    /// inlined, the rest is out of line.
    #[inline(always)]
    fn varint(&mut self, what: &str) -> Result<u64> {
        match self.buf.get(self.pos) {
            Some(&b) if b < 0x80 => {
                self.pos += 1;
                Ok(b as u64)
            }
            _ => self.varint_long(what),
        }
    }

    #[inline(never)]
    fn varint_long(&mut self, what: &str) -> Result<u64> {
        let mut v: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.take(1, what)?[0];
            v |= ((b & 0x7f) as u64) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        err(ErrorCode::ModelCorrupt, format!("{what}: varint too long"))
    }

    fn f64s(&mut self, n: usize, what: &str) -> Result<Vec<f64>> {
        let bytes = n
            .checked_mul(8)
            .ok_or_else(|| corrupt(format!("{what}: size overflows")))?;
        let raw = self.take(bytes, what)?;
        let mut out = Vec::with_capacity(n);
        for c in raw.chunks_exact(8) {
            let v = f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            if !v.is_finite() {
                return err(
                    ErrorCode::ModelCorrupt,
                    format!("{what}: value {} is not finite", out.len()),
                );
            }
            out.push(v);
        }
        Ok(out)
    }
}

/// Format 3 vocabulary: tokens, then the trie of features (module docs).
fn read_vocabulary(r: &mut Reader<'_>, n: usize, min_n: usize, max_n: usize) -> Result<VocabIndex> {
    // Every feature costs at least one byte (its id in the trie).
    if n == 0 || n > r.left() {
        return err(
            ErrorCode::ModelCorrupt,
            format!("vocabulary of {n} features cannot fit in the file"),
        );
    }
    let n_tokens = r.varint("vocabulary token count")?;
    let n_bigrams = r.varint("vocabulary bigram count")?;
    // Each token takes at least 3 bytes.
    if n_tokens == 0 || n_tokens > (r.left() / 3) as u64 || n_tokens > n as u64 * MAX_NGRAM as u64 {
        return err(
            ErrorCode::ModelCorrupt,
            format!("vocabulary of {n_tokens} tokens cannot fit in the file"),
        );
    }
    if n_bigrams > n as u64 {
        return err(ErrorCode::ModelCorrupt, "more bigrams than features");
    }
    let n_tokens = n_tokens as usize;
    // Token bytes in id order (ids are ranks), checked below, then indexed.
    let mut arena: Vec<u8> = Vec::new();
    let mut ends: Vec<usize> = Vec::with_capacity(n_tokens);
    let mut prev: Vec<u8> = Vec::new();
    for i in 0..n_tokens {
        let shared = r.varint("vocabulary token")?;
        let suffix_len = r.varint("vocabulary token")?;
        if shared > prev.len() as u64 {
            return err(
                ErrorCode::ModelCorrupt,
                format!("vocabulary token {i}: shared prefix longer than the previous token"),
            );
        }
        let suffix = r.take(usize::try_from(suffix_len).unwrap_or(usize::MAX), "vocabulary token")?;
        // Strictly ascending: the first byte after the shared prefix must
        // exceed the previous token's (or the previous token must be a
        // proper prefix), so tokens are unique and ids are ranks.
        let shared = shared as usize;
        let ascending = match (prev.get(shared), suffix.first()) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(p), Some(s)) => s > p,
        };
        if !ascending {
            return err(
                ErrorCode::ModelCorrupt,
                format!("vocabulary token {i} is empty or not in ascending order"),
            );
        }
        prev.truncate(shared);
        prev.extend_from_slice(suffix);
        if suffix.iter().any(|&b| b <= b' ') {
            return err(
                ErrorCode::ModelCorrupt,
                format!("vocabulary token {i} holds a space or control character"),
            );
        }
        if std::str::from_utf8(&prev).is_err() {
            return err(
                ErrorCode::ModelCorrupt,
                format!("vocabulary token {i} is not valid UTF-8"),
            );
        }
        arena.extend_from_slice(&prev);
        ends.push(arena.len());
    }
    let mut start = 0;
    let tokens = ends.iter().map(|&end| {
        let t = std::str::from_utf8(&arena[start..end]).unwrap_or("");
        start = end;
        t
    });
    let mut b = VocabBuilder::with_tokens(TokenTable::new(tokens), n_bigrams as usize);
    read_trie(r, &mut b, n, min_n, max_n)?;
    if b.n_bigrams() as u64 != n_bigrams {
        return err(
            ErrorCode::ModelCorrupt,
            format!("vocabulary declares {n_bigrams} bigrams, holds {}", b.n_bigrams()),
        );
    }
    Ok(b.finish(None))
}

/// The features' trie, depth-first with an explicit stack (depth ≤ max_n).
fn read_trie(r: &mut Reader<'_>, b: &mut VocabBuilder, n: usize, min_n: usize, max_n: usize) -> Result<()> {
    let n_tokens = b.n_tokens() as u64;
    let mut prefix = [0u32; MAX_NGRAM as usize];
    // Per depth: children still to read, smallest id the next child may have.
    let mut remaining = [0u64; MAX_NGRAM as usize];
    let mut next_min = [0u64; MAX_NGRAM as usize];
    if !(1..=MAX_NGRAM as usize).contains(&max_n) || !(1..=max_n).contains(&min_n) {
        return err(ErrorCode::ModelCorrupt, "ngram_range out of bounds");
    }
    let root = r.varint("vocabulary trie")?;
    if root & 1 != 0 {
        return err(
            ErrorCode::ModelCorrupt,
            "vocabulary trie: the empty n-gram is a feature",
        );
    }
    remaining[0] = root >> 1;
    let mut depth = 0usize;
    loop {
        if remaining[depth] == 0 {
            if depth == 0 {
                break;
            }
            depth -= 1;
            continue;
        }
        remaining[depth] -= 1;
        let id = next_min[depth].saturating_add(r.varint("vocabulary trie")?);
        if id >= n_tokens {
            return err(
                ErrorCode::ModelCorrupt,
                format!("vocabulary trie: token id {id} out of range ({n_tokens} tokens)"),
            );
        }
        next_min[depth] = id + 1;
        prefix[depth] = id as u32;
        let len = depth + 1;
        let (is_feature, children) = if len == max_n {
            (true, 0)
        } else {
            let h = r.varint("vocabulary trie")?;
            (h & 1 == 1, h >> 1)
        };
        if is_feature {
            if len < min_n {
                return err(
                    ErrorCode::ModelCorrupt,
                    format!("vocabulary trie: a {len}-gram feature outside ngram_range"),
                );
            }
            if b.n_features() == n {
                return err(
                    ErrorCode::ModelCorrupt,
                    format!("vocabulary trie holds more than {n} features"),
                );
            }
            // Children ascend strictly, so every path (n-gram) is new.
            b.push(&prefix[..len]);
        } else if children == 0 {
            return err(ErrorCode::ModelCorrupt, "vocabulary trie: a node with no feature");
        }
        if children > 0 {
            // Each child costs at least one byte.
            if children > r.left() as u64 {
                return err(ErrorCode::ModelCorrupt, "vocabulary trie: more children than bytes");
            }
            depth = len;
            remaining[depth] = children;
            next_min[depth] = 0;
        }
    }
    if b.n_features() != n {
        return err(
            ErrorCode::ModelCorrupt,
            format!("vocabulary trie holds {} features, the header says {n}", b.n_features()),
        );
    }
    Ok(())
}

/// Feature log probabilities packed by [`put_packed_f64s`].
fn read_packed_f64s(r: &mut Reader<'_>, len: usize, k: usize, what: &str) -> Result<Vec<f64>> {
    // Every value takes at least its tag byte.
    if len > r.left() {
        return err(
            ErrorCode::ModelCorrupt,
            format!("{what}: {len} values cannot fit in the file"),
        );
    }
    let mut modes = Vec::with_capacity(k);
    let mut patterns: Vec<Vec<u64>> = Vec::with_capacity(k);
    for c in 0..k {
        let mode = r.f64s(1, what)?[0];
        let m = r.take(1, what)?[0] as usize;
        if m > HI_PATTERNS {
            return err(ErrorCode::ModelCorrupt, format!("{what}: class {c} has {m} patterns"));
        }
        let raw = r.take(m * 2, what)?;
        patterns.push(
            raw.chunks_exact(2)
                .map(|h| (u16::from_le_bytes([h[0], h[1]]) as u64) << 48)
                .collect(),
        );
        modes.push(mode);
    }
    let mut out = Vec::with_capacity(len);
    let buf = r.buf;
    let mut pos = r.pos;
    let truncated = || corrupt(format!("{what}: truncated"));
    'features: while out.len() < len {
        for c in 0..k {
            if out.len() == len {
                break 'features;
            }
            let tag = *buf.get(pos).ok_or_else(truncated)?;
            pos += 1;
            let v = if tag == 0 {
                modes[c]
            } else if tag == TAG_RAW {
                let b = buf.get(pos..pos + 8).ok_or_else(truncated)?;
                pos += 8;
                f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
            } else {
                let hi = *patterns[c]
                    .get(tag as usize - 1)
                    .ok_or_else(|| corrupt(format!("{what}: value {} has an unknown tag {tag}", out.len())))?;
                let b = buf.get(pos..pos + 6).ok_or_else(truncated)?;
                pos += 6;
                f64::from_bits(hi | u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], 0, 0]))
            };
            if !v.is_finite() {
                return err(
                    ErrorCode::ModelCorrupt,
                    format!("{what}: value {} is not finite", out.len()),
                );
            }
            out.push(v);
        }
    }
    r.pos = pos;
    Ok(out)
}

/// Format 1 vocabulary: front-coded feature strings.
fn read_vocabulary_v1(r: &mut Reader<'_>, n: usize, min_n: usize, max_n: usize) -> Result<VocabIndex> {
    // Each entry takes at least 3 bytes: refuse counts the file cannot hold.
    if n == 0 || n > (r.buf.len() - r.pos) / 3 {
        return err(
            ErrorCode::ModelCorrupt,
            format!("vocabulary of {n} terms cannot fit in the file"),
        );
    }
    let mut terms: Vec<String> = Vec::with_capacity(n);
    let mut prev: Vec<u8> = Vec::new();
    for i in 0..n {
        let shared = r.varint("vocabulary")? as usize;
        let suffix_len = r.varint("vocabulary")? as usize;
        if shared > prev.len() {
            return err(
                ErrorCode::ModelCorrupt,
                format!("vocabulary entry {i}: shared prefix longer than the previous term"),
            );
        }
        let suffix = r.take(suffix_len, "vocabulary")?;
        prev.truncate(shared);
        prev.extend_from_slice(suffix);
        match std::str::from_utf8(&prev) {
            Ok(s) if !s.is_empty() => terms.push(s.to_string()),
            Ok(_) => return err(ErrorCode::ModelCorrupt, format!("vocabulary entry {i} is empty")),
            Err(_) => {
                return err(
                    ErrorCode::ModelCorrupt,
                    format!("vocabulary entry {i} is not valid UTF-8"),
                )
            }
        }
    }
    if let Some(i) = terms
        .iter()
        .position(|t| !(min_n..=max_n).contains(&(t.bytes().filter(|&b| b == b' ').count() + 1)))
    {
        return err(
            ErrorCode::ModelCorrupt,
            format!("vocabulary entry {i} has a token count outside ngram_range"),
        );
    }
    VocabIndex::from_terms(terms)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packed(values: &[f64], k: usize) -> Vec<u8> {
        let mut out = Vec::new();
        put_packed_f64s(&mut out, values, k);
        out
    }

    fn unpack(bytes: &[u8], len: usize, k: usize) -> Result<Vec<f64>> {
        let mut r = Reader { buf: bytes, pos: 0 };
        let v = read_packed_f64s(&mut r, len, k, "values")?;
        assert_eq!(r.pos, bytes.len(), "reads exactly what was written");
        Ok(v)
    }

    #[test]
    fn packed_f64s_round_trip_bit_exactly() {
        // Class 0: one frequent value; class 1: hundreds of exponents (raw
        // escapes); class 2: signed zeros, subnormals and extremes.
        let mut values = Vec::new();
        let mut x = 0x1234_5678_9abc_def0u64;
        for i in 0..2000 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            values.push(if i % 3 == 0 {
                -13.5 + (x >> 40) as f64 * 1e-9
            } else {
                -13.25
            });
            let wide = f64::from_bits(x);
            values.push(if wide.is_finite() { wide } else { 1.5 });
            values.push([0.0, -0.0, f64::MIN_POSITIVE / 8.0, f64::MAX, f64::MIN, -1e-300][i % 6]);
        }
        let bytes = packed(&values, 3);
        assert!(bytes.len() < values.len() * 8);
        let back = unpack(&bytes, values.len(), 3).unwrap();
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&back), bits(&values));
        assert_eq!(unpack(&packed(&[], 2), 0, 2).unwrap(), Vec::<f64>::new());
    }

    #[test]
    fn packed_f64s_reject_damage() {
        let values: Vec<f64> = (0..40).map(|i| -10.0 - (i % 5) as f64 * 0.37).collect();
        let good = packed(&values, 2);
        assert!(unpack(&good, 40, 2).is_ok());
        // A NaN as class 0's most frequent value.
        let mut v = good.clone();
        v[..8].copy_from_slice(&f64::NAN.to_le_bytes());
        assert_eq!(unpack(&v, 40, 2).unwrap_err().code, ErrorCode::ModelCorrupt);
        // A tag past the class's pattern table.
        let header = 2 * (8 + 1) + 2 * (good[8] as usize + good[8 + 9 + 2 * good[8] as usize] as usize);
        let mut v = good.clone();
        v[header] = 200;
        assert_eq!(unpack(&v, 40, 2).unwrap_err().code, ErrorCode::ModelCorrupt);
        // Truncated, or more values than bytes.
        let mut r = Reader {
            buf: &good[..good.len() - 1],
            pos: 0,
        };
        assert!(read_packed_f64s(&mut r, 40, 2, "values").is_err());
        let mut r = Reader { buf: &good, pos: 0 };
        assert!(read_packed_f64s(&mut r, 1 << 40, 2, "values").is_err());
    }

    /// Tokens "aa", "bb"; features "aa", "aa bb", "bb" (ngram_range 1..=2).
    fn vocab_section(tokens: &[&[u8]], bigrams: u8, trie: &[u8]) -> Vec<u8> {
        let mut out = vec![tokens.len() as u8, bigrams];
        put_front_coded(&mut out, tokens.iter().copied());
        out.extend_from_slice(trie);
        out
    }

    const TRIE: [u8; 6] = [4, 0, 3, 1, 0, 1];

    fn load(section: &[u8], n: usize, min_n: usize, max_n: usize) -> Result<VocabIndex> {
        let mut r = Reader { buf: section, pos: 0 };
        read_vocabulary(&mut r, n, min_n, max_n)
    }

    #[test]
    fn reads_a_handmade_trie() {
        let v = load(&vocab_section(&[b"aa", b"bb"], 1, &TRIE), 3, 1, 2).unwrap();
        assert_eq!(v.terms(), ["aa", "aa bb", "bb"]);
        let mut out = Vec::new();
        put_vocabulary(&mut out, &v, 2);
        assert_eq!(out, vocab_section(&[b"aa", b"bb"], 1, &TRIE));
    }

    #[test]
    fn rejects_damaged_vocabularies() {
        let corrupt = |section: Vec<u8>, n: usize, min_n: usize| {
            let e = load(&section, n, min_n, 2).unwrap_err();
            assert_eq!(e.code, ErrorCode::ModelCorrupt, "{}", e.message);
        };
        let ok = [b"aa".as_slice(), b"bb"];
        corrupt(vocab_section(&ok, 1, &TRIE), 4, 1); // fewer features than declared
        corrupt(vocab_section(&ok, 1, &TRIE), 2, 1); // more features than declared
        corrupt(vocab_section(&ok, 2, &TRIE), 3, 1); // bigram count disagrees
        corrupt(vocab_section(&ok, 1, &TRIE), 3, 2); // unigrams outside ngram_range
        corrupt(vocab_section(&[b"bb", b"aa"], 1, &TRIE), 3, 1); // tokens not ascending
        corrupt(vocab_section(&[b"aa", b"aa"], 1, &TRIE), 3, 1); // duplicate token
        corrupt(vocab_section(&[b"a a", b"bb"], 1, &TRIE), 3, 1); // space in a token
        corrupt(vocab_section(&[b"a\xff", b"bb"], 1, &TRIE), 3, 1); // not UTF-8
        corrupt(vocab_section(&ok, 1, &[4, 0, 3, 5, 0, 1]), 3, 1); // token id out of range
        corrupt(vocab_section(&ok, 1, &[5, 0, 3, 1, 0, 1]), 3, 1); // root is a feature
        corrupt(vocab_section(&ok, 1, &[4, 0, 3, 1, 0, 0]), 3, 1); // node without feature or children
        corrupt(vocab_section(&ok, 1, &[4, 0, 3, 1]), 3, 1); // truncated
        corrupt(vocab_section(&ok, 1, &[0xff, 0xff, 0xff, 0x0f, 0, 3, 1, 0, 1]), 3, 1);
        // absurd child count
    }
}
