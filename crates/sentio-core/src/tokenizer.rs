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
pub fn scan_words<'t>(text: &'t str, mut emit: impl FnMut(&'t str)) {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut start = usize::MAX;
    let mut chars = 0usize;
    while i < bytes.len() {
        let b = bytes[i];
        let (word, len) = if b < 0x80 {
            (ASCII_WORD[b as usize], 1)
        } else {
            match text[i..].chars().next() {
                Some(c) => (is_word_char(c), c.len_utf8()),
                None => break,
            }
        };
        if word {
            if start == usize::MAX {
                start = i;
                chars = 0;
            }
            chars += 1;
        } else if start != usize::MAX {
            if chars >= 2 {
                emit(&text[start..i]);
            }
            start = usize::MAX;
        }
        i += len;
    }
    if start != usize::MAX && chars >= 2 {
        emit(&text[start..]);
    }
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
