//! One error type for the whole engine. Every failure carries a stable
//! [`ErrorCode`] (the bindings turn it into a JS error `code`) and a message
//! that says what was wrong and where.

use std::fmt;

/// Stable, machine-readable error codes. Their string forms are part of the
/// public API of every binding: never rename one, only add.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// A configuration value is out of range or inconsistent.
    InvalidConfig,
    /// Training was asked to finish with no documents.
    EmptyTrainingSet,
    /// Training data holds a single class: a classifier needs two or more.
    SingleClass,
    /// `texts` and `labels` differ in length, or a label is empty.
    InvalidLabels,
    /// Pruning (min_df / max_df / max_features) left no feature.
    EmptyVocabulary,
    /// A method was called in the wrong phase (e.g. `observe` after `learn`).
    TrainerState,
    /// Input bytes are not valid UTF-8.
    InvalidUtf8,
    /// The model file ends before its declared content.
    ModelTruncated,
    /// The model file does not start with Sentio's magic bytes.
    ModelBadMagic,
    /// The model file's format version is not one this build reads.
    ModelVersion,
    /// The model file's payload does not match its checksum.
    ModelChecksum,
    /// The model file is well-framed but its content is inconsistent.
    ModelCorrupt,
    /// Predicted and true label arrays do not fit together.
    InvalidMetricsInput,
    /// An invariant broke inside the engine (a bug, reported instead of a panic).
    Internal,
}

impl ErrorCode {
    /// The stable string form, e.g. `MODEL_CHECKSUM`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidConfig => "INVALID_CONFIG",
            ErrorCode::EmptyTrainingSet => "EMPTY_TRAINING_SET",
            ErrorCode::SingleClass => "SINGLE_CLASS",
            ErrorCode::InvalidLabels => "INVALID_LABELS",
            ErrorCode::EmptyVocabulary => "EMPTY_VOCABULARY",
            ErrorCode::TrainerState => "TRAINER_STATE",
            ErrorCode::InvalidUtf8 => "INVALID_UTF8",
            ErrorCode::ModelTruncated => "MODEL_TRUNCATED",
            ErrorCode::ModelBadMagic => "MODEL_BAD_MAGIC",
            ErrorCode::ModelVersion => "MODEL_VERSION",
            ErrorCode::ModelChecksum => "MODEL_CHECKSUM",
            ErrorCode::ModelCorrupt => "MODEL_CORRUPT",
            ErrorCode::InvalidMetricsInput => "INVALID_METRICS_INPUT",
            ErrorCode::Internal => "INTERNAL",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An engine error: a code plus a human message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
}

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

/// Shorthand used across the crate: `err(ErrorCode::X, format!(...))`.
pub(crate) fn err<T>(code: ErrorCode, message: impl Into<String>) -> Result<T> {
    Err(Error::new(code, message))
}
