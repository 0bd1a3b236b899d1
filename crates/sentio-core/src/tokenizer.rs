//! Text → tokens → word n-grams, with scikit-learn's default analyzer
//! semantics: lowercase (full Unicode), optional accent stripping, tokens are
//! maximal runs of two or more "word" characters (Python's `(?u)\b\w\w+\b`),
//! optional stop words, then n-grams joined by a single space.

use std::borrow::Cow;

use rustc_hash::FxHashSet;
use unicode_general_category::{get_general_category, GeneralCategory as Gc};
use unicode_normalization::char::canonical_combining_class;
use unicode_normalization::UnicodeNormalization;

use crate::config::{StopWordList, StopWords, StripAccents, TrainConfig};
use crate::stop_words;

/// ASCII word characters (`[A-Za-z0-9_]`), the hot path of English text.
const fn ascii_word_table() -> [bool; 128] {
    let mut t = [false; 128];
    let mut i = 0;
    while i < 128 {
        let c = i as u8;
        t[i] = c.is_ascii_alphanumeric() || c == b'_';
        i += 1;
    }
    t
}
static ASCII_WORD: [bool; 128] = ascii_word_table();

/// Python's `\w` for `str` patterns: letters (L*), numbers (Nd, Nl, No) and
/// the ASCII underscore (other connector punctuation such as `‿` is not \w). Rust's `char::is_alphanumeric` differs (it admits marks
/// and symbols with the Other_Alphabetic property), hence the category test.
pub fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return ASCII_WORD[c as usize];
    }
    matches!(
        get_general_category(c),
        Gc::UppercaseLetter
            | Gc::LowercaseLetter
            | Gc::TitlecaseLetter
            | Gc::ModifierLetter
            | Gc::OtherLetter
            | Gc::DecimalNumber
            | Gc::LetterNumber
            | Gc::OtherNumber
    )
}

/// Calls `emit` for every maximal run of two or more word characters.
///
/// 64 bytes at a time: a bit mask of word bytes (SWAR arithmetic for ASCII
/// blocks, a per-character pass only for blocks holding non-ASCII bytes),
/// then its transitions visited with `trailing_zeros`, so the cost is per
/// token rather than a hard-to-predict branch per byte.
pub fn scan_words<'t>(text: &'t str, mut emit: impl FnMut(&'t str)) {
    let bytes = text.as_bytes();
    let mut start = 0; // start of the current run, when `carry` is 1
    let mut carry = 0u64; // 1 when the previous block ended inside a run
    let mut run_ascii = true; // every block the current run touched is ASCII
    let mut pending = Pending::default();
    for (block, chunk) in bytes.chunks(64).enumerate() {
        let base = block * 64;
        let len = chunk.len();
        let ascii = chunk.is_ascii();
        let m = if ascii {
            ascii_word_mask(chunk)
        } else {
            unicode_word_mask(text, base, len, &mut pending)
        };
        // Runs begin where a word byte follows a non-word one and end at the
        // first non-word byte after one (always character boundaries: a
        // character's bytes share its word-ness). Starts and ends alternate,
        // so they are paired off in order with no per-edge branch.
        let prev = (m << 1) | carry;
        let mut starts = m & !prev;
        let valid = if len == 64 { u64::MAX } else { (1u64 << len) - 1 };
        let mut ends = !m & prev & valid;
        if carry == 1 {
            if ends == 0 {
                run_ascii &= ascii;
                continue; // the run spans the whole block
            }
            emit_run(
                text,
                start,
                base + ends.trailing_zeros() as usize,
                run_ascii && ascii,
                &mut emit,
            );
            ends &= ends - 1;
        }
        while starts != 0 {
            let s = base + starts.trailing_zeros() as usize;
            starts &= starts - 1;
            if ends == 0 {
                // Runs on into the next block.
                start = s;
                run_ascii = ascii;
                break;
            }
            emit_run(text, s, base + ends.trailing_zeros() as usize, ascii, &mut emit);
            ends &= ends - 1;
        }
        carry = m >> (len - 1) & 1;
    }
    if carry == 1 {
        emit_run(text, start, bytes.len(), run_ascii, &mut emit);
    }
}

/// Emit `text[start..end]` if it holds two or more characters (`ascii`: the
/// run is known to be ASCII, so its length in bytes is its length in
/// characters).
#[inline]
fn emit_run<'t>(text: &'t str, start: usize, end: usize, ascii: bool, emit: &mut impl FnMut(&'t str)) {
    let Some(run) = text.get(start..end) else {
        return;
    };
    // Two bytes are two characters when ASCII; five bytes always are.
    let n = run.len();
    if n >= 2 && (ascii || n >= 5 || run.is_ascii() || run.chars().nth(1).is_some()) {
        emit(run);
    }
}

/// A character whose bytes continue into the next 64-byte block.
#[derive(Default)]
struct Pending {
    bytes: usize,
    word: bool,
}

/// Word mask of the block `text[base..base + len]` (which holds non-ASCII
/// bytes): every byte of a word character is set.
fn unicode_word_mask(text: &str, base: usize, len: usize, pending: &mut Pending) -> u64 {
    let bytes = text.as_bytes();
    let mut m = 0u64;
    let mut i = 0;
    let set = |m: &mut u64, from: usize, to: usize, word: bool| {
        if word {
            for j in from..to {
                *m |= 1 << j;
            }
        }
    };
    // The tail of a character begun in the previous block.
    let tail = pending.bytes.min(len);
    set(&mut m, 0, tail, pending.word);
    pending.bytes -= tail;
    i += tail;
    while i < len {
        let b = bytes[base + i];
        if b < 0x80 {
            m |= (ASCII_WORD[b as usize] as u64) << i;
            i += 1;
            continue;
        }
        let Some(c) = text.get(base + i..).and_then(|rest| rest.chars().next()) else {
            i += 1; // not a character boundary: cannot happen for valid input
            continue;
        };
        let word = is_word_char(c);
        let here = c.len_utf8().min(len - i);
        set(&mut m, i, i + here, word);
        *pending = Pending {
            bytes: c.len_utf8() - here,
            word,
        };
        i += here;
    }
    m
}

/// Word-character mask of up to 64 ASCII bytes (bit i = byte i): eight
/// bytes at a time with SWAR arithmetic (no branch per byte).
#[inline]
fn ascii_word_mask(chunk: &[u8]) -> u64 {
    let mut m = 0u64;
    let mut words = chunk.chunks_exact(8);
    let mut j = 0;
    for part in &mut words {
        let mut word = [0u8; 8];
        word.copy_from_slice(part);
        m |= word_bits8(u64::from_le_bytes(word)) << (8 * j);
        j += 1;
    }
    // A short last part: its missing bytes are 0 (not word bytes).
    let rest = words.remainder();
    if !rest.is_empty() {
        let mut x = 0u64;
        for (i, &b) in rest.iter().enumerate() {
            x |= (b as u64) << (8 * i);
        }
        m |= word_bits8(x) << (8 * j);
    }
    m
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Bit i set when byte i of `x` (all bytes < 0x80) is `[0-9A-Za-z_]`.
#[inline]
fn word_bits8(x: u64) -> u64 {
    // High bit of each byte set iff lo <= byte < hi (valid for bytes < 0x80).
    let between = |x: u64, lo: u64, hi: u64| (x + (0x80 - lo) * ONES) & !(x + (0x80 - hi) * ONES) & HIGH;
    let digit = between(x, b'0' as u64, b'9' as u64 + 1);
    let letter = between(x | (0x20 * ONES), b'a' as u64, b'z' as u64 + 1);
    let z = x ^ (b'_' as u64 * ONES);
    let underscore = !(((z & !HIGH) + !HIGH) | z | !HIGH);
    let hi = (digit | letter | underscore) >> 7;
    // Gather bit 8k to bit k (no two partial products overlap, so no carries).
    (hi.wrapping_mul(0x0002_0408_1020_4081) >> 49) & 0xFF
}

/// Visit the n-grams of a token sequence in scikit-learn's order: all
/// `min_n`-grams left to right, then all `(min_n+1)`-grams, and so on.
pub fn for_each_ngram<T>(tokens: &[T], min_n: usize, max_n: usize, mut f: impl FnMut(&[T])) {
    let len = tokens.len();
    for n in min_n..=max_n.min(len) {
        for w in tokens.windows(n) {
            f(w);
        }
    }
}

/// The configured analyzer. Cheap to clone; holds no per-call state, so one
/// instance serves every thread.
#[derive(Debug, Clone)]
pub struct Tokenizer {
    lowercase: bool,
    strip_accents: Option<StripAccents>,
    stop_words: Option<FxHashSet<String>>,
    pub min_n: usize,
    pub max_n: usize,
}

impl Tokenizer {
    pub fn new(cfg: &TrainConfig) -> Tokenizer {
        let stop_words = cfg.stop_words.as_ref().map(|sw| match sw {
            StopWords::Named(StopWordList::English) => stop_words::ENGLISH.iter().map(|s| s.to_string()).collect(),
            StopWords::Custom(words) => words.iter().cloned().collect(),
        });
        Tokenizer {
            lowercase: cfg.lowercase,
            strip_accents: cfg.strip_accents,
            stop_words,
            min_n: cfg.ngram_range[0] as usize,
            max_n: cfg.ngram_range[1] as usize,
        }
    }

    /// Lowercase, then strip accents (scikit-learn's order).
    pub fn preprocess<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out: Cow<'a, str> = Cow::Borrowed(text);
        if self.lowercase {
            if text.is_ascii() {
                if text.bytes().any(|b| b.is_ascii_uppercase()) {
                    out = Cow::Owned(text.to_ascii_lowercase());
                }
            } else {
                // str::to_lowercase handles context (final sigma) as Python does.
                out = Cow::Owned(text.to_lowercase());
            }
        }
        match self.strip_accents {
            None => out,
            Some(_) if out.is_ascii() => out,
            Some(StripAccents::Unicode) => {
                let nfkd: String = out.nfkd().collect();
                if nfkd == out.as_ref() {
                    out
                } else {
                    Cow::Owned(nfkd.chars().filter(|c| canonical_combining_class(*c) == 0).collect())
                }
            }
            Some(StripAccents::Ascii) => Cow::Owned(out.nfkd().filter(char::is_ascii).collect()),
        }
    }

    /// Tokens of an already preprocessed text, stop words removed.
    pub fn for_each_token<'t>(&self, preprocessed: &'t str, mut f: impl FnMut(&'t str)) {
        match &self.stop_words {
            None => scan_words(preprocessed, f),
            Some(sw) => scan_words(preprocessed, |t| {
                if !sw.contains(t) {
                    f(t)
                }
            }),
        }
    }

    /// The tokens of `text` (preprocessed, stop words removed).
    pub fn tokens(&self, text: &str) -> Vec<String> {
        let pre = self.preprocess(text);
        let mut out = Vec::new();
        self.for_each_token(&pre, |t| out.push(t.to_string()));
        out
    }

    /// Every feature string of `text` in scikit-learn's analyzer order
    /// (`TfidfVectorizer.build_analyzer()(text)`).
    pub fn analyze(&self, text: &str) -> Vec<String> {
        let tokens = self.tokens(text);
        let mut out = Vec::new();
        for_each_ngram(&tokens, self.min_n, self.max_n, |w| out.push(w.join(" ")));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The definition, one character at a time: what `scan_words` must equal.
    fn reference_scan(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let mut start = None;
        let mut chars = 0;
        for (i, c) in text.char_indices() {
            if is_word_char(c) {
                if start.is_none() {
                    start = Some(i);
                    chars = 0;
                }
                chars += 1;
            } else if let Some(s) = start.take() {
                if chars >= 2 {
                    out.push(&text[s..i]);
                }
            }
        }
        if let Some(s) = start {
            if chars >= 2 {
                out.push(&text[s..]);
            }
        }
        out
    }

    fn scan(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        scan_words(text, |t| out.push(t));
        out
    }

    proptest! {
        #[test]
        fn block_scanner_equals_the_definition(text in "([a-zA-Z0-9_ ,.!'-]|é|ß|ü|東|京|タ|①|²|\u{301}|—|😀|\u{a0}){0,200}") {
            prop_assert_eq!(scan(&text), reference_scan(&text));
        }
    }

    #[test]
    fn block_boundaries() {
        // Tokens and multi-byte characters straddling the 64-byte blocks.
        for pad in 0..70 {
            for tail in ["ab", "é", "éé", "aé", "東京", "😀x", "a😀", "x\u{301}y", "ab cd"] {
                let text = format!("{}{tail} zz", "q".repeat(pad));
                assert_eq!(scan(&text), reference_scan(&text), "{text:?}");
                let text = format!("{}-{tail}", " ".repeat(pad));
                assert_eq!(scan(&text), reference_scan(&text), "{text:?}");
            }
        }
    }

    fn tok(cfg: TrainConfig, text: &str) -> Vec<String> {
        Tokenizer::new(&cfg).analyze(text)
    }

    #[test]
    fn sklearn_token_pattern() {
        let t = tok(TrainConfig::default(), "It's a GREAT movie!! 10/10, a_b x y2 ___");
        assert_eq!(t, ["it", "great", "movie", "10", "10", "a_b", "y2", "___"]);
    }

    #[test]
    fn unicode_words_and_case() {
        let t = tok(TrainConfig::default(), "Ça VA très bien — ΟΔΟΣ naïve 東京タワー ①② x²");
        assert_eq!(
            t,
            ["ça", "va", "très", "bien", "οδος", "naïve", "東京タワー", "①②", "x²"]
        );
        // Final sigma is contextual, as in Python's str.lower.
        assert_eq!(tok(TrainConfig::default(), "ΟΔΟΣ"), ["οδος"]);
    }

    #[test]
    fn marks_and_symbols_split_words() {
        // U+0301 (combining acute) is a mark, not \w; Ⓐ is a symbol.
        assert_eq!(tok(TrainConfig::default(), "cafe\u{301}s ⒶⒷ ab"), ["cafe", "ab"]);
    }

    #[test]
    fn accents_and_stop_words() {
        let cfg = TrainConfig {
            strip_accents: Some(StripAccents::Unicode),
            stop_words: Some(StopWords::Named(StopWordList::English)),
            ..TrainConfig::default()
        };
        assert_eq!(
            tok(cfg, "The café is naïve and not bad"),
            ["cafe", "naive", "not", "bad"]
        );
        let cfg = TrainConfig {
            strip_accents: Some(StripAccents::Ascii),
            ..TrainConfig::default()
        };
        assert_eq!(tok(cfg, "café 東京 ok"), ["cafe", "ok"]);
    }

    #[test]
    fn ngrams_in_sklearn_order() {
        let cfg = TrainConfig {
            ngram_range: [1, 3],
            ..TrainConfig::default()
        };
        assert_eq!(tok(cfg, "aa bb cc"), ["aa", "bb", "cc", "aa bb", "bb cc", "aa bb cc"]);
        let cfg = TrainConfig {
            ngram_range: [2, 2],
            ..TrainConfig::default()
        };
        assert_eq!(tok(cfg.clone(), "aa bb cc"), ["aa bb", "bb cc"]);
        assert!(tok(cfg, "aa").is_empty());
    }

    #[test]
    fn empty_and_punctuation_only() {
        assert!(tok(TrainConfig::default(), "").is_empty());
        assert!(tok(TrainConfig::default(), "!!! ... ?? - a").is_empty());
    }
}
