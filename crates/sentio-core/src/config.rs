//! Training configuration: the vectorizer and classifier options, named and
//! defaulted as scikit-learn names them (`TfidfVectorizer` + `MultinomialNB`),
//! so a configuration reads the same in both worlds.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{err, ErrorCode, Result};

/// A document-frequency bound: an absolute count or a proportion of documents.
///
/// From a plain number (as JSON and JavaScript give it): a value below 1 is a
/// proportion, an integer of 1 or more is a count. The one exception is
/// `max_df = 1`, read as the proportion 1.0 ("no upper bound"), because a
/// count of one is never what a caller means there. Serialized explicitly as
/// `{"count": n}` or `{"proportion": x}` so a model file is unambiguous.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DocFreq {
    Count(u64),
    Proportion(f64),
}

impl DocFreq {
    /// The bound as a document count for a corpus of `n_docs` documents
    /// (scikit-learn multiplies proportions by the document count, unrounded).
    pub fn resolve(self, n_docs: u64) -> f64 {
        match self {
            DocFreq::Count(c) => c as f64,
            DocFreq::Proportion(p) => p * n_docs as f64,
        }
    }

    fn from_number(v: f64, is_max: bool) -> std::result::Result<DocFreq, String> {
        let name = if is_max { "max_df" } else { "min_df" };
        if !v.is_finite() || v < 0.0 {
            return Err(format!("{name}: must be a finite number >= 0, got {v}"));
        }
        if v < 1.0 || (is_max && v == 1.0) {
            Ok(DocFreq::Proportion(v))
        } else if v.fract() == 0.0 {
            Ok(DocFreq::Count(v as u64))
        } else {
            Err(format!(
                "{name}: must be a proportion below 1 or a whole document count, got {v}"
            ))
        }
    }
}

impl Serialize for DocFreq {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(1))?;
        match self {
            DocFreq::Count(c) => m.serialize_entry("count", c)?,
            DocFreq::Proportion(p) => m.serialize_entry("proportion", p)?,
        }
        m.end()
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum DocFreqRepr {
    Number(f64),
    Count { count: u64 },
    Proportion { proportion: f64 },
}

fn de_doc_freq<'de, D: Deserializer<'de>>(d: D, is_max: bool) -> std::result::Result<DocFreq, D::Error> {
    match DocFreqRepr::deserialize(d)? {
        DocFreqRepr::Number(v) => DocFreq::from_number(v, is_max).map_err(serde::de::Error::custom),
        DocFreqRepr::Count { count } => Ok(DocFreq::Count(count)),
        DocFreqRepr::Proportion { proportion } => Ok(DocFreq::Proportion(proportion)),
    }
}

fn de_min_df<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<DocFreq, D::Error> {
    de_doc_freq(d, false)
}

fn de_max_df<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<DocFreq, D::Error> {
    de_doc_freq(d, true)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StripAccents {
    /// NFKD, then drop combining marks (scikit-learn's `"unicode"`).
    Unicode,
    /// NFKD, then drop every non-ASCII character (scikit-learn's `"ascii"`).
    Ascii,
}

/// Stop words: the built-in English list, or the caller's own words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StopWords {
    Named(StopWordList),
    Custom(Vec<String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StopWordList {
    English,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Norm {
    L2,
    L1,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClassifierKind {
    Multinomial,
    Complement,
}

/// Feature hashing instead of a vocabulary: memory stays bounded (2^bits
/// buckets) however much data streams through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hashing {
    /// log2 of the number of buckets, 1..=28.
    pub bits: u8,
    /// Alternate signs by hash bit (scikit-learn's `alternate_sign`) so
    /// colliding terms tend to cancel; the summed bucket is then taken in
    /// absolute value, since Naive Bayes needs non-negative features.
    #[serde(default)]
    pub signed: bool,
}

/// Every option of a training run. Unknown keys are rejected so a typo
/// (`min_dff`) is an error, not a silently ignored option.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainConfig {
    pub lowercase: bool,
    pub strip_accents: Option<StripAccents>,
    pub stop_words: Option<StopWords>,
    /// Word n-gram range, inclusive: `[1, 2]` is unigrams and bigrams.
    pub ngram_range: [u32; 2],
    #[serde(deserialize_with = "de_min_df")]
    pub min_df: DocFreq,
    #[serde(deserialize_with = "de_max_df")]
    pub max_df: DocFreq,
    pub max_features: Option<u64>,
    pub hashing: Option<Hashing>,
    pub use_idf: bool,
    pub smooth_idf: bool,
    pub sublinear_tf: bool,
    pub norm: Norm,
    pub classifier: ClassifierKind,
    pub alpha: f64,
    pub fit_prior: bool,
    /// Explicit class priors as `[label, probability]` pairs; overrides `fit_prior`.
    pub class_prior: Option<Vec<(String, f64)>>,
    /// Complement NB only: normalise the weights (scikit-learn's `norm`).
    pub complement_norm: bool,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            lowercase: true,
            strip_accents: None,
            stop_words: None,
            ngram_range: [1, 1],
            min_df: DocFreq::Count(1),
            max_df: DocFreq::Proportion(1.0),
            max_features: None,
            hashing: None,
            use_idf: true,
            smooth_idf: true,
            sublinear_tf: false,
            norm: Norm::L2,
            classifier: ClassifierKind::Multinomial,
            alpha: 1.0,
            fit_prior: true,
            class_prior: None,
            complement_norm: false,
        }
    }
}

/// Longest n-gram accepted: beyond this the feature space explodes for no gain.
pub const MAX_NGRAM: u32 = 8;

impl TrainConfig {
    /// Parse from JSON, then validate.
    pub fn from_json(json: &str) -> Result<TrainConfig> {
        let cfg: TrainConfig = match serde_json::from_str(json) {
            Ok(c) => c,
            Err(e) => return err(ErrorCode::InvalidConfig, format!("training config: {e}")),
        };
        cfg.validate()?;
        Ok(cfg)
    }

    pub fn to_json(&self) -> String {
        // A plain struct of plain values cannot fail to serialize.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Check every value; the message names the field.
    pub fn validate(&self) -> Result<()> {
        let [lo, hi] = self.ngram_range;
        if lo < 1 || hi < lo || hi > MAX_NGRAM {
            return err(
                ErrorCode::InvalidConfig,
                format!("ngram_range: need 1 <= min <= max <= {MAX_NGRAM}, got [{lo}, {hi}]"),
            );
        }
        for (name, v) in [("min_df", self.min_df), ("max_df", self.max_df)] {
            if let DocFreq::Proportion(p) = v {
                if !(0.0..=1.0).contains(&p) {
                    return err(
                        ErrorCode::InvalidConfig,
                        format!("{name}: proportion must be in [0, 1], got {p}"),
                    );
                }
            }
        }
        if let Some(0) = self.max_features {
            return err(ErrorCode::InvalidConfig, "max_features: must be at least 1");
        }
        if let Some(h) = self.hashing {
            if !(1..=28).contains(&h.bits) {
                return err(
                    ErrorCode::InvalidConfig,
                    format!("hashing.bits: must be in 1..=28, got {}", h.bits),
                );
            }
            if self.max_features.is_some() {
                return err(
                    ErrorCode::InvalidConfig,
                    "max_features: not available in hashing mode (use hashing.bits)",
                );
            }
            if !matches!(self.min_df, DocFreq::Count(0 | 1)) || self.max_df != DocFreq::Proportion(1.0) {
                return err(
                    ErrorCode::InvalidConfig,
                    "min_df/max_df: not available in hashing mode (buckets have no terms to prune)",
                );
            }
        }
        if !self.alpha.is_finite() || self.alpha <= 0.0 {
            return err(
                ErrorCode::InvalidConfig,
                format!("alpha: must be a finite number > 0, got {}", self.alpha),
            );
        }
        if let Some(priors) = &self.class_prior {
            let mut sum = 0.0;
            for (label, p) in priors {
                if !p.is_finite() || *p <= 0.0 {
                    return err(
                        ErrorCode::InvalidConfig,
                        format!("class_prior[{label}]: must be > 0, got {p}"),
                    );
                }
                sum += p;
            }
            if (sum - 1.0).abs() > 1e-6 {
                return err(
                    ErrorCode::InvalidConfig,
                    format!("class_prior: probabilities must sum to 1, got {sum}"),
                );
            }
        }
        if let Some(StopWords::Custom(words)) = &self.stop_words {
            if words.iter().any(|w| w.is_empty()) {
                return err(ErrorCode::InvalidConfig, "stop_words: empty word in list");
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_map_to_counts_and_proportions() {
        let c = TrainConfig::from_json(r#"{"min_df": 2, "max_df": 0.9}"#).unwrap();
        assert_eq!(c.min_df, DocFreq::Count(2));
        assert_eq!(c.max_df, DocFreq::Proportion(0.9));
        let c = TrainConfig::from_json(r#"{"max_df": 1}"#).unwrap();
        assert_eq!(c.max_df, DocFreq::Proportion(1.0));
        let c = TrainConfig::from_json(r#"{"min_df": {"proportion": 0.01}}"#).unwrap();
        assert_eq!(c.min_df, DocFreq::Proportion(0.01));
    }

    #[test]
    fn bad_values_name_the_field() {
        for (json, field) in [
            (r#"{"ngram_range": [2, 1]}"#, "ngram_range"),
            (r#"{"alpha": 0}"#, "alpha"),
            (r#"{"min_df": 2.5}"#, "min_df"),
            (r#"{"min_dff": 2}"#, "min_dff"),
            (r#"{"hashing": {"bits": 40}}"#, "hashing.bits"),
            (r#"{"class_prior": [["a", 0.5], ["b", 0.4]]}"#, "class_prior"),
        ] {
            let e = TrainConfig::from_json(json).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidConfig);
            assert!(e.message.contains(field), "{json}: {}", e.message);
        }
    }

    #[test]
    fn round_trips_through_json() {
        let c = TrainConfig {
            ngram_range: [1, 3],
            hashing: Some(Hashing { bits: 18, signed: true }),
            stop_words: Some(StopWords::Named(StopWordList::English)),
            ..TrainConfig::default()
        };
        assert_eq!(TrainConfig::from_json(&c.to_json()).unwrap(), c);
    }
}
