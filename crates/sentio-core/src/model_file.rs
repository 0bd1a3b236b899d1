//! The model file: one self-describing binary file.
//!
//! ```text
//! offset  size  field
//! 0       8     magic "SENTIOMF"
//! 8       4     format version (u32 LE), currently 1
//! 12      4     reserved, 0
//! 16      8     payload length in bytes (u64 LE)
//! 24      8     XXH3-64 of the payload (u64 LE)
//! 32      …     payload:
//!               u32 header length + header JSON (config, classes, facts, space)
//!               vocabulary (vocabulary mode): n_features front-coded terms,
//!                 each varint shared-prefix length, varint suffix length, suffix
//!               document frequencies: n_features varints (when counted;
//!                 the idf is recomputed from them and the document count)
//!               class log priors: n_classes × f64 LE
//!               feature log probabilities: n_features × n_classes × f64 LE
//! ```
//!
//! Everything is data: loading parses and validates, never executes. Every
//! length is checked against the bytes actually present before anything is
//! allocated, so a hostile file cannot make the loader allocate more than a
//! small multiple of its own size. The file holds no clocks or host names:
//! the same data and config give the same bytes.

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64;

use crate::config::{ClassifierKind, TrainConfig};
use crate::error::{err, Error, ErrorCode, Result};
use crate::model::{Model, TrainingFacts};
use crate::naive_bayes::Classifier;
use crate::space::FeatureSpace;
use crate::vocab::VocabIndex;
use crate::weighting::{idf_from_df, Weighting};

pub const MAGIC: &[u8; 8] = b"SENTIOMF";
pub const FORMAT_VERSION: u32 = 1;
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
            let mut prev: &[u8] = b"";
            for term in v.terms() {
                let t = term.as_bytes();
                let shared = prev.iter().zip(t).take_while(|(a, b)| a == b).count();
                put_varint(&mut payload, shared as u64);
                put_varint(&mut payload, (t.len() - shared) as u64);
                payload.extend_from_slice(&t[shared..]);
                prev = t;
            }
        }
        if let Some(df) = &self.weighting.df {
            for &d in df {
                put_varint(&mut payload, d as u64);
            }
        }
        put_f64s(&mut payload, &self.classifier.class_log_prior);
        put_f64s(&mut payload, &self.classifier.feature_log_prob);
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
        let payload = check_frame(bytes)?;
        let mut r = Reader { buf: payload, pos: 0 };
        let header_len = r.u32("header length")? as usize;
        let header_bytes = r.take(header_len, "header")?;
        let header: Header = serde_json::from_slice(header_bytes).map_err(|e| corrupt(format!("header: {e}")))?;
        if header.format != FORMAT_VERSION {
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
            (true, None) => FeatureSpace::Vocabulary(read_vocabulary(&mut r, n)?),
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
        let feature_log_prob = r.f64s(flp_len, "feature log probabilities")?;
        if r.pos != r.buf.len() {
            return err(
                ErrorCode::ModelCorrupt,
                format!("{} unexpected bytes after the model", r.buf.len() - r.pos),
            );
        }
        let weighting = Weighting {
            idf,
            df,
            sublinear_tf: header.config.sublinear_tf,
            norm: header.config.norm,
        };
        let kind: ClassifierKind = header.config.classifier;
        let classifier = Classifier {
            kind,
            n_classes: k,
            class_log_prior,
            feature_log_prob,
        };
        Model::assemble(header.config, classes, header.facts, space, weighting, classifier)
    }
}

fn corrupt(msg: impl Into<String>) -> Error {
    Error::new(ErrorCode::ModelCorrupt, msg)
}

/// Check magic, version, length and checksum; return the payload.
fn check_frame(bytes: &[u8]) -> Result<&[u8]> {
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
    if version != FORMAT_VERSION {
        return err(
            ErrorCode::ModelVersion,
            format!("model file format {version}; this build reads format {FORMAT_VERSION}"),
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
    Ok(payload)
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

    fn u32(&mut self, what: &str) -> Result<u32> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn varint(&mut self, what: &str) -> Result<u64> {
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

fn read_vocabulary(r: &mut Reader<'_>, n: usize) -> Result<VocabIndex> {
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
    VocabIndex::from_terms(terms)
}
