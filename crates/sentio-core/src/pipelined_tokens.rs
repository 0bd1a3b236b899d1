//! Tokenizing a training set whose texts are produced chunk by chunk on the
//! calling thread (a JavaScript runtime's strings can only be read on its
//! own thread). Each chunk is tokenized on the worker pool while the caller
//! copies the next, and its copy is freed as soon as it is tokenized:
//! copying no longer runs before all tokenizing, and the whole training
//! set's UTF-8 copy is never held at once (it was about a tenth of training's
//! time for imdb, on one thread, and 33 MB of freshly faulted memory).
//!
//! The parts join a [`Trainer`](crate::Trainer) through
//! [`Trainer::learn_tokenized`](crate::Trainer::learn_tokenized), which
//! makes the same model as learning the texts in one call.

use std::ops::Range;

use crate::counting::{tokenize_part, Sequences, TokenTable, TokenizedParts};
use crate::error::{err, ErrorCode, Result};
use crate::parallel;
use crate::pipelined::{start, Pending};
use crate::texts::OwnedTexts;
use crate::tokenizer::Tokenizer;

/// Chunks being tokenized: [`PendingTokens::wait`] collects them.
pub struct PendingTokens {
    n: usize,
    parts: Pending<(TokenTable, Sequences)>,
}

/// Start tokenizing `n` texts that `produce(range)` returns a chunk at a
/// time (on this thread, in order), as [`crate::pipelined::start`] does;
/// each chunk's texts are freed once tokenized.
pub fn tokenize_pipelined<T, E>(
    tok: &Tokenizer,
    n: usize,
    produce: impl FnMut(Range<usize>) -> std::result::Result<T, E>,
) -> std::result::Result<PendingTokens, E>
where
    T: OwnedTexts + Send + 'static,
{
    let tok = tok.clone();
    // As many chunks as `tokenize_parts` has parts: two per worker, so a
    // core tokenizes while the rest is copied. (With 25 chunks of 1,024
    // imdb reviews instead of 4 training was slower, not faster: merging
    // each chunk's token table costs more than the earlier start saves.)
    let ranges = parallel::ranges(n, parallel::workers() * 2);
    let parts = start(&ranges, produce, move |texts: T| tokenize_part(&tok, &texts.strs()))?;
    Ok(PendingTokens { n, parts })
}

impl PendingTokens {
    /// How many texts were produced.
    pub fn len(&self) -> usize {
        self.n
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Wait for every chunk; the parts in text order.
    pub(crate) fn wait(self) -> Result<TokenizedParts> {
        match self.parts.wait() {
            Some(parts) => Ok(TokenizedParts::from_parts(parts)),
            None => err(ErrorCode::Internal, "tokenizing a chunk of the training set failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{TrainConfig, Trainer};

    fn corpus(n: usize) -> (Vec<String>, Vec<String>) {
        let words = [
            "good", "fun", "bad", "plot", "great", "awful", "film", "boring", "fine", "é",
        ];
        let texts = (0..n)
            .map(|i| {
                (0..1 + i % 9)
                    .map(|j| words[(i * 7 + j * 3) % words.len()])
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let labels = (0..n).map(|i| ["pos", "neg", "meh"][(i * 5) % 3].to_string()).collect();
        (texts, labels)
    }

    #[test]
    fn same_model_as_one_call() {
        for n in [1, 3, 10, 2049] {
            let (texts, labels) = corpus(n);
            for config in [
                TrainConfig::default(),
                TrainConfig {
                    ngram_range: [1, 3],
                    min_df: crate::DocFreq::Count(2),
                    ..TrainConfig::default()
                },
            ] {
                let strs: Vec<&str> = texts.iter().map(String::as_str).collect();
                let lbls: Vec<&str> = labels.iter().map(String::as_str).collect();
                let want = Trainer::fit(config.clone(), &strs, &lbls).map(|m| m.to_bytes());
                let t = Trainer::new(config).unwrap();
                let mut asked = Vec::new();
                let pending = tokenize_pipelined(t.tokenizer(), n, |r| {
                    asked.push(r.clone());
                    Ok::<_, ()>(texts[r].to_vec())
                })
                .unwrap();
                assert_eq!(pending.len(), n);
                // The chunks tile the texts, in order.
                assert!(asked.windows(2).all(|w| w[0].end == w[1].start));
                assert_eq!((asked[0].start, asked[asked.len() - 1].end), (0, n));
                let got = t.fit_tokenized(pending, labels.clone()).map(|m| m.to_bytes());
                assert_eq!(got.ok(), want.ok(), "n = {n}");
            }
        }
    }

    #[test]
    fn a_produce_error_stops_and_is_returned() {
        let mut calls = 0;
        let t = Trainer::new(TrainConfig::default()).unwrap();
        let n = 5000;
        let result = tokenize_pipelined(t.tokenizer(), n, |r| {
            calls += 1;
            if r.start >= n / 2 {
                Err("texts[2500] is not a string")
            } else {
                Ok(vec!["good".to_string(); r.len()])
            }
        });
        assert_eq!(result.err(), Some("texts[2500] is not a string"));
        // Chunks before the failing one were produced, none after it.
        let chunks = parallel::ranges(n, parallel::workers() * 2);
        assert_eq!(calls, chunks.iter().position(|r| r.start >= n / 2).unwrap() + 1);
    }

    #[test]
    fn no_texts() {
        let mut t = Trainer::new(TrainConfig::default()).unwrap();
        let pending = tokenize_pipelined(t.tokenizer(), 0, |_| Ok::<_, ()>(Vec::<String>::new())).unwrap();
        assert!(pending.is_empty());
        t.learn_tokenized(pending, &[]).unwrap();
        assert_eq!(
            t.finish().err().map(|e| e.code),
            Trainer::fit(TrainConfig::default(), &[], &[]).err().map(|e| e.code)
        );
    }
}
