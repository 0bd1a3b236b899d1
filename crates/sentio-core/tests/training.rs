//! Training behaviour: determinism across modes and chunkings, and the
//! documented answers to bad input.

use sentio_core::{ErrorCode, Hashing, Model, PackedTexts, StopWordList, StopWords, TrainConfig, Trainer};

fn corpus() -> (Vec<String>, Vec<String>) {
    corpus_of(30)
}

/// `3 * rounds` short documents in three classes.
fn corpus_of(rounds: usize) -> (Vec<String>, Vec<String>) {
    let pos = [
        "a wonderful film, truly great",
        "great acting and a lovely story",
        "I loved it, wonderful",
        "lovely, moving, great fun",
    ];
    let neg = [
        "a terrible film, truly bad",
        "bad acting and a boring story",
        "I hated it, awful",
        "boring, dull, bad fun",
    ];
    let neu = [
        "the film is two hours long",
        "it was shown on tuesday",
        "the story is set in paris",
    ];
    let mut t = Vec::new();
    let mut l = Vec::new();
    for i in 0..rounds {
        for (set, label) in [(&pos[..], "positive"), (&neg[..], "negative"), (&neu[..], "neutral")] {
            t.push(format!("{} {}", set[i % set.len()], i));
            l.push(label.to_string());
        }
    }
    (t, l)
}

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn configs() -> Vec<TrainConfig> {
    vec![
        TrainConfig {
            ngram_range: [1, 2],
            sublinear_tf: true,
            ..TrainConfig::default()
        },
        TrainConfig {
            ngram_range: [1, 3],
            min_df: sentio_core::DocFreq::Count(2),
            max_df: sentio_core::DocFreq::Proportion(0.5),
            ..TrainConfig::default()
        },
        TrainConfig {
            max_features: Some(20),
            stop_words: Some(StopWords::Named(StopWordList::English)),
            ..TrainConfig::default()
        },
        TrainConfig {
            hashing: Some(Hashing {
                bits: 12,
                signed: false,
            }),
            ngram_range: [1, 2],
            ..TrainConfig::default()
        },
        TrainConfig {
            hashing: Some(Hashing { bits: 10, signed: true }),
            use_idf: false,
            ..TrainConfig::default()
        },
        TrainConfig {
            classifier: sentio_core::ClassifierKind::Complement,
            norm: sentio_core::Norm::L1,
            ..TrainConfig::default()
        },
        // No unigram features: tokens that only occur inside n-grams.
        TrainConfig {
            ngram_range: [2, 3],
            ..TrainConfig::default()
        },
        TrainConfig {
            ngram_range: [1, 4],
            sublinear_tf: true,
            max_features: Some(60),
            ..TrainConfig::default()
        },
    ]
}

#[test]
fn same_data_same_bytes_in_every_mode() {
    same_bytes_in_every_mode(corpus(), [7, 11, 5]);
}

/// Past a block of documents the classifier's sums are kept in two halves
/// (see naive_bayes::Accumulator): every mode must still sum them alike.
#[test]
fn same_bytes_in_every_mode_over_several_blocks() {
    same_bytes_in_every_mode(corpus_of(1000), [700, 1100, 512]);
}

fn same_bytes_in_every_mode((owned_t, owned_l): (Vec<String>, Vec<String>), chunks: [usize; 3]) {
    let (t, l) = (refs(&owned_t), refs(&owned_l));
    for cfg in configs() {
        let one = Trainer::fit(cfg.clone(), &t, &l).unwrap().to_bytes();
        assert_eq!(one, Trainer::fit(cfg.clone(), &t, &l).unwrap().to_bytes(), "repeatable");
        // Handed-over texts (dropped after learning), as the bindings train.
        let handed = Trainer::fit_owned(cfg.clone(), owned_t.clone(), owned_l.clone()).unwrap();
        assert_eq!(one, handed.to_bytes(), "fit_owned: {cfg:?}");
        let packed: PackedTexts = owned_t.iter().collect();
        let handed = Trainer::fit_owned(cfg.clone(), packed, owned_l.clone()).unwrap();
        assert_eq!(one, handed.to_bytes(), "fit_owned, packed: {cfg:?}");
        // Single pass in uneven chunks.
        let mut tr = Trainer::new(cfg.clone()).unwrap();
        for (ct, cl) in t.chunks(chunks[0]).zip(l.chunks(chunks[0])) {
            tr.learn(ct, cl).unwrap();
        }
        assert_eq!(one, tr.finish().unwrap().to_bytes(), "chunked single pass: {cfg:?}");
        // Two passes in other chunks.
        let mut tr = Trainer::new(cfg.clone()).unwrap();
        for ct in t.chunks(chunks[1]) {
            tr.observe(ct).unwrap();
        }
        for (ct, cl) in t.chunks(chunks[2]).zip(l.chunks(chunks[2])) {
            tr.learn(ct, cl).unwrap();
        }
        let two = tr.finish().unwrap();
        // Two-pass mode counts tokens in pass one only: same facts, same bytes.
        assert_eq!(one, two.to_bytes(), "two passes: {cfg:?}");
    }
}

#[test]
fn round_trip_preserves_predictions() {
    let (t, l) = corpus();
    for cfg in configs() {
        let m = Trainer::fit(cfg, &refs(&t), &refs(&l)).unwrap();
        let bytes = m.to_bytes();
        let back = Model::from_bytes(&bytes).unwrap();
        // Everything the file stores comes back bit for bit.
        assert_eq!(back.to_bytes(), bytes);
        assert_eq!(back.vocabulary(), m.vocabulary());
        assert_eq!(back.document_frequencies(), m.document_frequencies());
        assert_eq!(back.idf(), m.idf());
        assert_eq!(back.classifier(), m.classifier());
        for text in ["great wonderful", "awful boring", "", "!!!", "tuesday in paris"] {
            assert_eq!(m.predict(text), back.predict(text));
        }
        // The index built from token ids while training and the one built
        // from the file's strings map every text to the same features.
        for text in &t {
            assert_eq!(m.transform(text), back.transform(text));
        }
        assert_eq!(m.classes(), ["negative", "neutral", "positive"]);
    }
}

#[test]
fn learns_the_obvious() {
    let (t, l) = corpus();
    let m = Trainer::fit(configs().remove(0), &refs(&t), &refs(&l)).unwrap();
    let label = |s: &str| m.classes()[m.predict(s).label].clone();
    assert_eq!(label("wonderful, great, lovely"), "positive");
    assert_eq!(label("awful, boring and bad"), "negative");
    let ex = m.explain("truly wonderful but boring", 3);
    assert_eq!(ex.contributions.len(), 3);
    assert!(ex
        .contributions
        .windows(2)
        .all(|w| w[0].contribution >= w[1].contribution));
}

#[test]
fn unseen_hash_buckets_without_smooth_idf_score_finite() {
    let (t, l) = corpus();
    let cfg = TrainConfig {
        hashing: Some(Hashing {
            bits: 16,
            signed: false,
        }),
        smooth_idf: false,
        ..TrainConfig::default()
    };
    let m = Trainer::fit(cfg, &refs(&t), &refs(&l)).unwrap();
    // Words no training text has land in buckets with document frequency 0.
    let p = m.predict("zebra quokka axolotl wonderful");
    assert!(p.probabilities.iter().all(|x| x.is_finite()), "{:?}", p.probabilities);
    assert_eq!(m.classes()[p.label], "positive");
}

#[test]
fn empty_and_punctuation_texts_get_the_prior() {
    let (t, l) = corpus();
    let m = Trainer::fit(TrainConfig::default(), &refs(&t), &refs(&l)).unwrap();
    let p = m.predict("?!... --");
    let counts = &m.facts().class_counts;
    let total: u64 = counts.iter().sum();
    for (c, prob) in p.probabilities.iter().enumerate() {
        assert!((prob - counts[c] as f64 / total as f64).abs() < 1e-12);
    }
    assert_eq!(m.predict(""), p);
}

#[test]
fn huge_text_is_fine() {
    let (t, l) = corpus();
    let m = Trainer::fit(TrainConfig::default(), &refs(&t), &refs(&l)).unwrap();
    let big = "great film, lovely story. ".repeat(400_000); // ~10 MB
    assert!(big.len() >= 10_000_000);
    assert_eq!(m.classes()[m.predict(&big).label], "positive");
}

#[test]
fn bad_training_input_has_codes() {
    let cfg = TrainConfig::default;
    assert_eq!(
        Trainer::fit(cfg(), &[], &[]).unwrap_err().code,
        ErrorCode::EmptyTrainingSet
    );
    assert_eq!(
        Trainer::fit(cfg(), &["a b", "c d"], &["x", "x"]).unwrap_err().code,
        ErrorCode::SingleClass
    );
    assert_eq!(
        Trainer::fit(cfg(), &["aa"], &["x", "y"]).unwrap_err().code,
        ErrorCode::InvalidLabels
    );
    assert_eq!(
        Trainer::fit(cfg(), &["aa", "bb"], &["x", ""]).unwrap_err().code,
        ErrorCode::InvalidLabels
    );
    // Only punctuation: nothing to learn from.
    assert_eq!(
        Trainer::fit(cfg(), &["!!", "??"], &["x", "y"]).unwrap_err().code,
        ErrorCode::EmptyVocabulary
    );
    let strict = TrainConfig {
        min_df: sentio_core::DocFreq::Count(2),
        ..cfg()
    };
    assert_eq!(
        Trainer::fit(strict, &["aa bb", "cc dd"], &["x", "y"]).unwrap_err().code,
        ErrorCode::EmptyVocabulary
    );
    let inverted = TrainConfig {
        min_df: sentio_core::DocFreq::Count(3),
        max_df: sentio_core::DocFreq::Count(2),
        ..cfg()
    };
    assert_eq!(
        Trainer::fit(inverted, &["aa", "bb", "cc"], &["x", "y", "y"])
            .unwrap_err()
            .code,
        ErrorCode::InvalidConfig
    );
    // Two-pass misuse.
    let mut t = Trainer::new(cfg()).unwrap();
    t.learn(&["aa"], &["x"]).unwrap();
    assert_eq!(t.observe(&["bb"]).unwrap_err().code, ErrorCode::TrainerState);
    let mut t = Trainer::new(cfg()).unwrap();
    t.observe(&["aa", "bb"]).unwrap();
    t.learn(&["aa"], &["x"]).unwrap();
    assert_eq!(t.finish().unwrap_err().code, ErrorCode::TrainerState);
}

#[test]
fn invalid_utf8_is_an_error() {
    let (t, l) = corpus();
    let m = Trainer::fit(TrainConfig::default(), &refs(&t), &refs(&l)).unwrap();
    assert_eq!(
        m.predict_bytes(b"ok \xff\xfe").unwrap_err().code,
        ErrorCode::InvalidUtf8
    );
    assert!(m.predict_bytes("fine ✓".as_bytes()).is_ok());
}

#[test]
fn failed_calls_change_nothing() {
    let cfg = TrainConfig::default;
    // An empty label later in a chunk must not register the earlier labels.
    let mut t = Trainer::new(cfg()).unwrap();
    assert_eq!(
        t.learn(&["aa", "bb"], &["phantom", ""]).unwrap_err().code,
        ErrorCode::InvalidLabels
    );
    t.learn(&["good movie"], &["pos"]).unwrap();
    assert_eq!(t.learned_documents(), 1);
    assert_eq!(t.finish().unwrap_err().code, ErrorCode::SingleClass);
    // A learn() that fails to build the vocabulary counts no documents and
    // keeps the pass-one statistics.
    let strict = TrainConfig {
        min_df: sentio_core::DocFreq::Count(5),
        ..cfg()
    };
    let mut t = Trainer::new(strict).unwrap();
    t.observe(&["aa bb", "cc dd"]).unwrap();
    assert!(t.learn(&["aa bb", "cc dd"], &["x", "y"]).is_err());
    assert_eq!(t.learned_documents(), 0);
    assert!(t.ready().is_err());
}

/// Drift accounting in one pass gives what `oov_counts` and `transform` give apart.
#[test]
fn drift_counts_match_oov_counts_and_transform() {
    let (t, l) = corpus();
    let probes = [
        "a wonderful film, truly great",
        "never seen words: zyzzyva quux",
        "",
        "!!!",
        "the story is set in paris, a lovely and boring film 7",
    ];
    for cfg in configs() {
        let m = Trainer::fit(cfg.clone(), &refs(&t), &refs(&l)).unwrap();
        for text in probes {
            let d = m.drift_counts(text);
            let (tokens, oov) = m.oov_counts(text);
            let features: Vec<u32> = m.transform(text).into_iter().map(|(f, _)| f).collect();
            assert_eq!(
                (d.tokens, d.oov, d.features),
                (tokens, oov, features),
                "{cfg:?} {text:?}"
            );
        }
    }
}
