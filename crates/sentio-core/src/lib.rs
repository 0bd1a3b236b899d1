//! # sentio-core
//!
//! Sentio's engine: a scikit-learn-compatible text classifier (tokenizer,
//! vocabulary or feature hashing, TF-IDF, Multinomial / Complement Naive
//! Bayes), its binary model file, and evaluation metrics. Pure Rust with no
//! binding code; builds for wasm32 with `default-features = false`.
//!
//! ```
//! use sentio_core::{Model, TrainConfig, Trainer};
//!
//! let config = TrainConfig { ngram_range: [1, 2], ..TrainConfig::default() };
//! let texts = ["loved it", "great fun", "boring and bad", "awful, just bad"];
//! let labels = ["pos", "pos", "neg", "neg"];
//! let model = Trainer::fit(config, &texts, &labels).unwrap();
//! let bytes = model.to_bytes();
//! let model = Model::from_bytes(&bytes).unwrap();
//! let p = model.predict("bad and boring");
//! assert_eq!(model.classes()[p.label], "neg");
//! ```

pub mod config;
pub mod counting;
pub mod error;
pub mod hashing;
pub mod math;
pub mod metrics;
pub mod model;
pub mod model_file;
pub mod naive_bayes;
pub mod parallel;
pub mod pipelined;
pub mod pipelined_tokens;
mod prefault;
pub mod radix;
pub mod space;
pub mod stop_words;
pub mod texts;
pub mod token_table;
pub mod tokenizer;
pub mod trainer;
pub mod vocab;
pub mod weighting;

pub use config::{ClassifierKind, DocFreq, Hashing, Norm, StopWordList, StopWords, StripAccents, TrainConfig};
pub use error::{Error, ErrorCode, Result};
pub use metrics::{evaluate, Probabilities, Report};
pub use model::{BatchPrediction, Contribution, DriftCounts, Explanation, Model, Prediction, TrainingFacts};
pub use texts::{OwnedTexts, PackedTexts};
pub use tokenizer::Tokenizer;
pub use trainer::Trainer;
