//! Streaming training. Feed documents in chunks; memory depends on the mode:
//!
//! * **single pass** (`learn` only): exact; keeps each document as token ids
//!   (vocabulary mode) or sparse counts (hashing mode) until `finish`, so
//!   memory grows with the corpus but the text itself is not kept.
//! * **two passes** (`observe` every chunk, then `learn` every chunk again):
//!   exact, and memory is bounded by the vocabulary, i.e. by 2^bits in
//!   hashing mode, however large the corpus.
//! * **one streaming pass**: hashing mode with `use_idf = false` and no
//!   document-frequency pruning needs no corpus statistics at all.
//!
//! All three give bit-identical models for the same documents and config.

use rustc_hash::FxHashMap;

use crate::config::TrainConfig;
use crate::counting::{
    merge_parts, tokenize, tokenize_parts, NgramCounter, Sequences, TokenTable, TokenizedParts, MAX_DOCUMENTS,
};
use crate::error::{err, ErrorCode, Result};
use crate::math::ln;
use crate::model::{scoring_order, Model, TrainingFacts};
use crate::naive_bayes::{fit, Accumulator};
use crate::parallel;
use crate::pipelined_tokens::PendingTokens;
use crate::radix;
use crate::space::FeatureSpace;
use crate::texts::OwnedTexts;
use crate::tokenizer::Tokenizer;
use crate::vocab::{VocabIndex, NONE};
use crate::weighting::{idf_from_df, push_counts, Row, Weighting};

/// Documents weighted and accumulated per step of `finish` in single-pass
/// mode: bounds the memory of materialised rows.
const FINISH_BATCH: usize = 4096;

/// What was kept of learned documents in single-pass mode.
#[derive(Debug)]
enum Buffer {
    Sequences(Sequences),
    Rows(Vec<Row>),
}

/// The feature space once frozen. In vocabulary mode the index is laid out
/// in the model's scoring order from the start (see [`scoring_order`]): its
/// lookups give rows, most frequent features first, and documents are
/// weighted and summed by row, so the idf and the classifier's sums that
/// every document touches share a few hundred KiB of cache rather than
/// being spread over the vocabulary's alphabetical order. The sums are put
/// back in feature order when training finishes.
#[derive(Debug)]
struct Frozen {
    space: FeatureSpace,
    /// In feature order (the model's).
    weighting: Weighting,
    /// `weighting` in row order, when rows are not features.
    row_weighting: Option<Weighting>,
    /// Row → feature, when rows are not features.
    feature_of_row: Option<Vec<u32>>,
    /// Vocabulary mode: global token id → vocabulary token id.
    token_map: Vec<u32>,
}

impl Frozen {
    /// The weighting of rows.
    fn row_weighting(&self) -> &Weighting {
        self.row_weighting.as_ref().unwrap_or(&self.weighting)
    }
}

#[derive(Debug)]
pub struct Trainer {
    config: TrainConfig,
    tokenizer: Tokenizer,
    tokens: TokenTable,
    counter: Option<NgramCounter>,
    /// Hashing mode document frequencies (length 2^bits once used).
    bucket_df: Vec<u32>,
    observed_docs: u64,
    n_tokens: u64,
    buffer: Option<Buffer>,
    frozen: Option<Frozen>,
    acc: Option<Accumulator>,
    labels: FxHashMap<String, u32>,
    label_names: Vec<String>,
    /// Class id of every buffered document (single-pass mode).
    buffered_labels: Vec<u32>,
    learned_docs: u64,
    n_candidates: u64,
}

impl Trainer {
    pub fn new(config: TrainConfig) -> Result<Trainer> {
        config.validate()?;
        let tokenizer = Tokenizer::new(&config);
        Ok(Trainer {
            counter: None,
            tokens: TokenTable::default(),
            bucket_df: Vec::new(),
            observed_docs: 0,
            n_tokens: 0,
            buffer: None,
            frozen: None,
            acc: None,
            labels: FxHashMap::default(),
            label_names: Vec::new(),
            buffered_labels: Vec::new(),
            learned_docs: 0,
            n_candidates: 0,
            tokenizer,
            config,
        })
    }

    /// One-shot training on in-memory data.
    pub fn fit(config: TrainConfig, texts: &[&str], labels: &[&str]) -> Result<Model> {
        let mut t = Trainer::new(config)?;
        t.learn(texts, labels)?;
        t.finish()
    }

    /// [`Trainer::fit`] on texts handed over (the bindings' copies): in
    /// vocabulary mode they are dropped once tokenized, before their n-grams
    /// are counted, as training keeps its own compact token ids from then on.
    /// The texts would otherwise add to the peak memory of counting, and a
    /// WASM memory never shrinks: its size is the peak. Hand [`PackedTexts`]
    /// over where the memory should go back to the system at once.
    ///
    /// [`PackedTexts`]: crate::texts::PackedTexts
    pub fn fit_owned<T: OwnedTexts>(config: TrainConfig, texts: T, labels: Vec<String>) -> Result<Model> {
        Trainer::new(config)?.learn_then_finish(labels, |t, labels| t.learn_owned(texts, labels))
    }

    /// [`Trainer::fit_owned`] on texts tokenized while they were being
    /// produced (see [`Trainer::learn_tokenized`]), with this new trainer.
    pub fn fit_tokenized(self, pending: PendingTokens, labels: Vec<String>) -> Result<Model> {
        self.learn_then_finish(labels, |t, labels| t.learn_tokenized(pending, labels))
    }

    /// One `learn` call over every document, then `finish`; the label
    /// strings are dropped in between (kept as class ids from then on).
    fn learn_then_finish(
        mut self,
        labels: Vec<String>,
        learn: impl FnOnce(&mut Trainer, &[&str]) -> Result<()>,
    ) -> Result<Model> {
        {
            let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
            learn(&mut self, &labels)?;
        }
        drop(labels);
        self.finish()
    }

    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// Documents seen by `learn` so far.
    pub fn learned_documents(&self) -> u64 {
        self.learned_docs
    }

    fn hashing(&self) -> Option<(u8, bool)> {
        self.config.hashing.map(|h| (h.bits, h.signed))
    }

    fn hashed_rows(&self, texts: &[&str]) -> Vec<Row> {
        let space = match self.hashing() {
            Some((bits, signed)) => FeatureSpace::Hashed { bits, signed },
            None => return Vec::new(),
        };
        parallel::map(texts, |t| space.count(&self.tokenizer, t))
    }

    fn count_bucket_df(&mut self, rows: &[Row]) {
        if let Some((bits, _)) = self.hashing() {
            self.bucket_df.resize(1usize << bits, 0);
            for row in rows {
                for (f, _) in row {
                    self.bucket_df[*f as usize] += 1;
                }
            }
        }
    }

    /// Pass one of two-pass training: gather document frequencies.
    pub fn observe(&mut self, texts: &[&str]) -> Result<()> {
        if self.frozen.is_some() || self.buffer.is_some() {
            return err(ErrorCode::TrainerState, "observe() must come before the first learn()");
        }
        self.check_vocabulary_room(self.observed_docs, texts.len())?;
        self.observed_docs += texts.len() as u64;
        if self.hashing().is_some() {
            let rows = self.hashed_rows(texts);
            self.count_bucket_df(&rows);
        } else {
            let seqs = tokenize(&self.tokenizer, &mut self.tokens, texts);
            self.n_tokens += seqs.ids.len() as u64;
            self.counter
                .get_or_insert_with(|| new_counter(&self.tokenizer, &self.config))
                .count(&seqs);
        }
        Ok(())
    }

    /// Refuse documents past what a vocabulary can be counted over (see
    /// [`MAX_DOCUMENTS`]; hashing mode has no such bound).
    fn check_vocabulary_room(&self, counted: u64, more: usize) -> Result<()> {
        if self.hashing().is_none() && counted.saturating_add(more as u64) > MAX_DOCUMENTS {
            return err(
                ErrorCode::TrainerState,
                format!("a vocabulary is counted over at most {MAX_DOCUMENTS} documents: use hashing for more"),
            );
        }
        Ok(())
    }

    /// Class ids of `labels`, registering new classes. `learn` has already
    /// refused empty labels, so this cannot fail halfway.
    fn class_ids(&mut self, labels: &[&str]) -> Vec<u32> {
        labels
            .iter()
            .map(|l| match self.labels.get(*l) {
                Some(&id) => id,
                None => {
                    let id = self.label_names.len() as u32;
                    self.labels.insert(l.to_string(), id);
                    self.label_names.push(l.to_string());
                    id
                }
            })
            .collect()
    }

    /// Freeze the feature space from the statistics gathered so far. With
    /// `use_up` (only when finishing: the trainer is consumed either way)
    /// the statistics are freed while the vocabulary is built; otherwise a
    /// failure leaves them intact.
    fn freeze(&mut self, n_docs: u64, use_up: bool) -> Result<()> {
        let mut token_map = Vec::new();
        let (mut space, df) = match self.hashing() {
            Some((bits, signed)) => {
                // Hashing mode has no document-frequency pruning (config
                // validation refuses min_df/max_df there): df only feeds idf.
                let mut df = std::mem::take(&mut self.bucket_df);
                df.resize(1usize << bits, 0);
                (FeatureSpace::Hashed { bits, signed }, df)
            }
            None => {
                let counter = match self.counter.take() {
                    Some(c) => c,
                    None => new_counter(&self.tokenizer, &self.config),
                };
                let n_candidates = counter.n_candidates() as u64;
                let pruned = if use_up {
                    counter.prune_into(&self.config, &self.tokens)
                } else {
                    let pruned = counter.prune(&self.config, &self.tokens);
                    if pruned.is_err() {
                        self.counter = Some(counter);
                    }
                    pruned
                };
                let pruned = pruned?;
                self.n_candidates = n_candidates;
                let (index, map) = VocabIndex::from_token_ids(&pruned.token_ids, &pruned.spans, &self.tokens.strings);
                token_map = map;
                (FeatureSpace::Vocabulary(index), pruned.df)
            }
        };
        let idf = self
            .config
            .use_idf
            .then(|| idf_from_df(&df, n_docs, self.config.smooth_idf));
        // Streaming hashing without idf counts no document frequencies.
        let counted = self.hashing().is_none() || self.needs_statistics();
        let weighting = Weighting {
            idf,
            df: counted.then_some(df),
            sublinear_tf: self.config.sublinear_tf,
            norm: self.config.norm,
        };
        let feature_of_row = scoring_order(&mut space, &weighting);
        let row_weighting = feature_of_row.as_ref().map(|order| Weighting {
            idf: weighting.idf.as_ref().map(|idf| {
                order
                    .iter()
                    .map(|&f| idf.get(f as usize).copied().unwrap_or(0.0))
                    .collect()
            }),
            df: None,
            sublinear_tf: weighting.sublinear_tf,
            norm: weighting.norm,
        });
        self.acc = Some(Accumulator::new(space.n_features()));
        self.frozen = Some(Frozen {
            space,
            weighting,
            row_weighting,
            feature_of_row,
            token_map,
        });
        Ok(())
    }

    /// Pass two (or the only pass): learn from labelled documents.
    pub fn learn(&mut self, texts: &[&str], labels: &[&str]) -> Result<()> {
        let classes = self.begin_learning(texts.len(), labels)?;
        if self.frozen.is_some() {
            match self.frozen.as_ref().map(|f| &f.space) {
                Some(FeatureSpace::Hashed { .. }) => {
                    let rows = self.weight(self.hashed_rows(texts));
                    if let Some(acc) = self.acc.as_mut() {
                        acc.add(&rows, &classes);
                    }
                }
                _ => {
                    // Tokens unseen in pass one intern to ids beyond the map: NONE.
                    let seqs = tokenize(&self.tokenizer, &mut self.tokens, texts);
                    self.add_sequences(&seqs, &classes)?;
                }
            }
            return Ok(());
        }
        // Single pass: gather statistics and keep the documents compactly.
        self.buffered_labels.extend_from_slice(&classes);
        if self.hashing().is_some() {
            let rows = self.hashed_rows(texts);
            self.count_bucket_df(&rows);
            match self.buffer.get_or_insert_with(|| Buffer::Rows(Vec::new())) {
                Buffer::Rows(all) => all.extend(rows),
                Buffer::Sequences(_) => return err(ErrorCode::Internal, "buffer kind changed"),
            }
            return Ok(());
        }
        let seqs = tokenize(&self.tokenizer, &mut self.tokens, texts);
        self.count_and_keep(seqs)
    }

    /// [`Trainer::learn`] on texts handed over. In single-pass vocabulary
    /// mode they are dropped as soon as they are tokenized (see
    /// [`Trainer::fit_owned`]); otherwise this is `learn`.
    pub fn learn_owned<T: OwnedTexts>(&mut self, texts: T, labels: &[&str]) -> Result<()> {
        if !self.fresh_single_pass() {
            return self.learn(&texts.strs(), labels);
        }
        let classes = self.begin_learning(texts.count(), labels)?;
        // The texts are not needed once tokenized: freed before the parts
        // are merged, they are never held alongside the merged ids (with
        // both, this was training's first memory peak).
        let parts = tokenize_parts(&self.tokenizer, &texts.strs());
        drop(texts);
        self.keep_parts(&classes, parts)
    }

    /// Whether this trainer keeps learned texts as token ids (and can take
    /// pre-tokenized ones, [`Trainer::learn_tokenized`]): vocabulary mode,
    /// single pass (nothing observed, so the vocabulary is not frozen).
    pub fn fresh_single_pass(&self) -> bool {
        self.hashing().is_none() && self.frozen.is_none() && self.observed_docs == 0
    }

    /// The tokenizer of this trainer's config (what
    /// [`tokenize_pipelined`](crate::pipelined_tokens::tokenize_pipelined)
    /// needs).
    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// [`Trainer::learn_owned`] on texts tokenized while they were being
    /// produced (see [`crate::pipelined_tokens`]); the same model. Only for
    /// a [`Trainer::fresh_single_pass`] trainer (a
    /// `TRAINER_STATE` error otherwise, with nothing changed).
    pub fn learn_tokenized(&mut self, pending: PendingTokens, labels: &[&str]) -> Result<()> {
        if !self.fresh_single_pass() {
            return err(
                ErrorCode::TrainerState,
                "pre-tokenized texts need a single-pass trainer in vocabulary mode (no observe, no hashing)",
            );
        }
        // Collected first: should a chunk have failed, nothing has changed.
        let n = pending.len();
        let parts = pending.wait()?;
        let classes = self.begin_learning(n, labels)?;
        self.keep_parts(&classes, parts)
    }

    /// Single-pass vocabulary mode: keep tokenized documents of `classes`
    /// (merged into this trainer's token ids) and count their n-grams.
    fn keep_parts(&mut self, classes: &[u32], parts: TokenizedParts) -> Result<()> {
        self.buffered_labels.extend_from_slice(classes);
        let seqs = merge_parts(&mut self.tokens, parts);
        self.count_and_keep(seqs)
    }

    /// Check a chunk of `n` documents with `labels`, freeze the feature space
    /// if this is the first chunk of pass two (or of streaming hashing), and
    /// return the documents' class ids. Nothing after this fails: a `learn`
    /// call either changes everything or nothing.
    fn begin_learning(&mut self, n: usize, labels: &[&str]) -> Result<Vec<u32>> {
        if n != labels.len() {
            return err(
                ErrorCode::InvalidLabels,
                format!("{n} texts but {} labels", labels.len()),
            );
        }
        if let Some(i) = labels.iter().position(|l| l.is_empty()) {
            return err(
                ErrorCode::InvalidLabels,
                format!("label of document {i} (of this chunk) is empty"),
            );
        }
        if self.frozen.is_none() && self.observed_docs == 0 {
            // Single pass: these documents are counted too.
            self.check_vocabulary_room(self.learned_docs, n)?;
        }
        let streaming_ok = self.hashing().is_some() && !self.needs_statistics();
        if self.frozen.is_none() && (self.observed_docs > 0 || streaming_ok) {
            self.freeze(self.observed_docs, false)?;
        }
        let classes = self.class_ids(labels);
        self.learned_docs += n as u64;
        Ok(classes)
    }

    /// Single-pass vocabulary mode: count the n-grams of tokenized documents
    /// and keep their token ids for `finish`.
    fn count_and_keep(&mut self, seqs: Sequences) -> Result<()> {
        self.n_tokens += seqs.ids.len() as u64;
        self.counter
            .get_or_insert_with(|| new_counter(&self.tokenizer, &self.config))
            .count(&seqs);
        match self.buffer.get_or_insert_with(|| Buffer::Sequences(Sequences::new())) {
            Buffer::Sequences(all) if all.is_empty() => *all = seqs,
            Buffer::Sequences(all) => all.append(&seqs),
            Buffer::Rows(_) => return err(ErrorCode::Internal, "buffer kind changed"),
        }
        Ok(())
    }

    /// Whether weighting a document needs corpus statistics first. In
    /// hashing mode only idf does (pruning is refused there).
    fn needs_statistics(&self) -> bool {
        self.config.use_idf
    }

    fn weight(&self, mut rows: Vec<Row>) -> Vec<Row> {
        if let Some(fr) = &self.frozen {
            parallel::for_each_mut(&mut rows, |_, r| fr.row_weighting().apply(r));
        }
        rows
    }

    /// Vocabulary mode: weight tokenized documents of `classes` by row and
    /// add them to the classifier's sums, without keeping the rows (each
    /// half of the documents on its own thread, see `Accumulator::add_built`).
    fn add_sequences(&mut self, seqs: &Sequences, classes: &[u32]) -> Result<()> {
        let (Some(acc), Some(fr)) = (self.acc.as_mut(), self.frozen.as_ref()) else {
            return err(ErrorCode::Internal, "trainer learned without a feature space");
        };
        let FeatureSpace::Vocabulary(v) = &fr.space else {
            return err(ErrorCode::Internal, "token sequences in hashing mode");
        };
        let n = (self.tokenizer.min_n, self.tokenizer.max_n);
        acc.add_built(classes, |d, scratch, row| {
            sequence_row(fr, v, n, seqs.doc(d), scratch, row)
        });
        Ok(())
    }

    /// Check that `finish` can succeed as far as it can be known without
    /// building the vocabulary (which may still find it empty). Callers that
    /// want to keep a trainer usable on a recoverable error call this first.
    pub fn ready(&self) -> Result<()> {
        if self.learned_docs == 0 {
            return err(ErrorCode::EmptyTrainingSet, "no documents to train on");
        }
        if self.observed_docs > 0 && self.observed_docs != self.learned_docs {
            return err(
                ErrorCode::TrainerState,
                format!(
                    "observe() saw {} documents but learn() saw {}: both passes must see the same documents",
                    self.observed_docs, self.learned_docs
                ),
            );
        }
        if self.label_names.len() < 2 {
            return err(
                ErrorCode::SingleClass,
                format!(
                    "training data has a single class ({}): at least two are needed",
                    self.label_names.first().map_or("", String::as_str)
                ),
            );
        }
        Ok(())
    }

    /// Finish training and build the model.
    pub fn finish(mut self) -> Result<Model> {
        self.ready()?;
        if let Some(buffer) = self.buffer.take() {
            self.freeze(self.learned_docs, true)?;
            let labels = std::mem::take(&mut self.buffered_labels);
            match buffer {
                Buffer::Rows(rows) => {
                    for (chunk, cls) in rows.chunks(FINISH_BATCH).zip(labels.chunks(FINISH_BATCH)) {
                        let weighted = self.weight(chunk.to_vec());
                        if let Some(acc) = self.acc.as_mut() {
                            acc.add(&weighted, cls);
                        }
                    }
                }
                Buffer::Sequences(seqs) => self.add_sequences(&seqs, &labels)?,
            }
        }
        let (Some(frozen), Some(acc)) = (self.frozen.take(), self.acc.take()) else {
            return err(ErrorCode::Internal, "trainer finished without a feature space");
        };
        // Classes in sorted order (scikit-learn's `classes_`).
        let mut order: Vec<usize> = (0..self.label_names.len()).collect();
        order.sort_by(|&a, &b| self.label_names[a].cmp(&self.label_names[b]));
        let classes: Vec<String> = order.iter().map(|&i| self.label_names[i].clone()).collect();
        let class_counts: Vec<u64> = order
            .iter()
            .map(|&i| acc.class_count.get(i).copied().unwrap_or(0))
            .collect();
        let mut row_count = acc.into_feature_counts();
        let fc: Vec<Vec<f64>> = order
            .iter()
            .map(|&i| {
                let by_row = std::mem::take(&mut row_count[i]);
                match &frozen.feature_of_row {
                    Some(feature_of_row) => {
                        let mut by_feature = vec![0.0; by_row.len()];
                        for (&f, &v) in feature_of_row.iter().zip(&by_row) {
                            if let Some(slot) = by_feature.get_mut(f as usize) {
                                *slot = v;
                            }
                        }
                        by_feature
                    }
                    None => by_row,
                }
            })
            .collect();
        let prior = class_log_prior(&self.config, &classes, &class_counts)?;
        let classifier = fit(
            self.config.classifier,
            &fc,
            prior,
            self.config.alpha,
            self.config.complement_norm,
        );
        let facts = TrainingFacts {
            n_documents: self.learned_docs,
            class_counts,
            n_features: frozen.space.n_features() as u64,
            n_candidate_features: self.n_candidates,
            n_tokens: self.n_tokens,
        };
        // The space is already in scoring order (see `Frozen`).
        Model::assemble_ordered(
            self.config,
            classes,
            facts,
            frozen.space,
            frozen.weighting,
            classifier,
            frozen.feature_of_row,
        )
    }
}

/// A counter for this configuration's n-grams: term frequencies are kept
/// only when `max_features` ranks by them.
fn new_counter(tok: &Tokenizer, cfg: &TrainConfig) -> NgramCounter {
    NgramCounter::new(tok, cfg.max_features.is_some())
}

/// The weighted row of a document from its global token ids, by row (see
/// [`Frozen`]): each token is mapped to its vocabulary id (an array lookup),
/// then each n-gram is looked up in the vocabulary index. `scratch` holds
/// the mapped ids, the row list and the radix sort's buffer between
/// documents.
fn sequence_row(
    fr: &Frozen,
    v: &VocabIndex,
    (min_n, max_n): (usize, usize),
    tokens: &[u32],
    (ids, feats, tmp): &mut (Vec<u32>, Vec<u32>, Vec<u32>),
    row: &mut Row,
) {
    ids.clear();
    ids.extend(
        tokens
            .iter()
            .map(|&g| fr.token_map.get(g as usize).copied().unwrap_or(NONE)),
    );
    feats.clear();
    for n in min_n..=max_n.min(ids.len()) {
        let found = |f: u32| f != NONE;
        match n {
            1 => feats.extend(ids.iter().map(|&a| v.unigram_row(a)).filter(|&f| found(f))),
            2 => {
                // Start every lookup's cache miss first (independent loads
                // overlap), then probe: the probes' branches would otherwise
                // serialize the misses.
                let touched = ids.windows(2).fold(0u32, |acc, w| acc ^ v.touch_bigram(w[0], w[1]));
                std::hint::black_box(touched);
                feats.extend(ids.windows(2).map(|w| v.bigram_row(w[0], w[1])).filter(|&f| found(f)))
            }
            _ => feats.extend(ids.windows(n).map(|w| v.row(w)).filter(|&f| found(f))),
        }
    }
    radix::sort_u32(feats, tmp);
    push_counts(feats, row);
    fr.row_weighting().apply(row);
}

fn class_log_prior(cfg: &TrainConfig, classes: &[String], counts: &[u64]) -> Result<Vec<f64>> {
    if let Some(priors) = &cfg.class_prior {
        if priors.len() != classes.len() {
            return err(
                ErrorCode::InvalidConfig,
                format!(
                    "class_prior: gives {} classes but the data has {}",
                    priors.len(),
                    classes.len()
                ),
            );
        }
        return classes
            .iter()
            .map(|c| match priors.iter().find(|(l, _)| l == c) {
                Some((_, p)) => Ok(ln(*p)),
                None => err(
                    ErrorCode::InvalidConfig,
                    format!("class_prior: no prior for class '{c}'"),
                ),
            })
            .collect();
    }
    let k = classes.len() as f64;
    if !cfg.fit_prior {
        return Ok(vec![-ln(k); classes.len()]);
    }
    let total: u64 = counts.iter().sum();
    Ok(counts.iter().map(|&c| ln(c as f64) - ln(total as f64)).collect())
}
