//! Texts handed over to training, which drops them as soon as they are
//! tokenized (see [`crate::Trainer::fit_owned`]).
//!
//! [`PackedTexts`] keeps a batch back to back in one buffer. That is what
//! makes the early drop pay: one large block goes back to the system when
//! freed, while the blocks of many small strings (one per review) mostly stay
//! with the allocator and keep counting in the process's resident memory.

/// Texts that training takes ownership of.
pub trait OwnedTexts {
    /// Number of texts.
    fn count(&self) -> usize;
    /// The texts, borrowed, in order.
    fn strs(&self) -> Vec<&str>;
}

impl OwnedTexts for Vec<String> {
    fn count(&self) -> usize {
        self.len()
    }
    fn strs(&self) -> Vec<&str> {
        self.iter().map(String::as_str).collect()
    }
}

/// A batch of texts in one UTF-8 buffer.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PackedTexts {
    /// Valid UTF-8 text by text (each checked when added).
    text: Vec<u8>,
    /// `ends[i]` is where text i ends in `text` (text i starts where i − 1 ends).
    ends: Vec<usize>,
}

impl PackedTexts {
    /// An empty batch with room for `texts` texts of `bytes` bytes in all.
    pub fn with_capacity(texts: usize, bytes: usize) -> Self {
        PackedTexts {
            text: Vec::with_capacity(bytes),
            ends: Vec::with_capacity(texts),
        }
    }

    pub fn push(&mut self, s: &str) {
        self.text.extend_from_slice(s.as_bytes());
        self.ends.push(self.text.len());
    }

    /// Append a text that `write` produces in place: it gets `max_bytes`
    /// bytes to fill and returns how many it wrote, or `None` to give up.
    /// The text is kept only if those bytes are valid UTF-8; returns whether
    /// it was. This spares a binding a copy of every text through a buffer
    /// of its own.
    pub fn push_with(&mut self, max_bytes: usize, write: impl FnOnce(&mut [u8]) -> Option<usize>) -> bool {
        let start = self.text.len();
        self.text.resize(start + max_bytes, 0);
        let written = write(&mut self.text[start..]).filter(|&n| n <= max_bytes);
        let ok = written.is_some_and(|n| std::str::from_utf8(&self.text[start..start + n]).is_ok());
        self.text.truncate(start + if ok { written.unwrap_or(0) } else { 0 });
        if ok {
            self.ends.push(self.text.len());
        }
        ok
    }

    /// Release spare capacity (the buffer grows by doubling).
    pub fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
        self.ends.shrink_to_fit();
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Bytes of text in all.
    pub fn bytes(&self) -> usize {
        self.text.len()
    }

    /// Text `i`, if there is one. (Checked as UTF-8 again, which costs
    /// little next to tokenizing it, rather than trusted with `unsafe`.)
    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        std::str::from_utf8(self.text.get(start..end)?).ok()
    }
}

impl OwnedTexts for PackedTexts {
    fn count(&self) -> usize {
        self.len()
    }
    fn strs(&self) -> Vec<&str> {
        (0..self.len()).filter_map(|i| self.get(i)).collect()
    }
}

impl<S: AsRef<str>> FromIterator<S> for PackedTexts {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        let mut packed = PackedTexts::default();
        for s in iter {
            packed.push(s.as_ref());
        }
        packed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_come_back_in_order_including_empty_ones() {
        let p: PackedTexts = ["héllo", "", "wörld"].into_iter().collect();
        assert_eq!(p.len(), 3);
        assert_eq!(p.strs(), vec!["héllo", "", "wörld"]);
        assert_eq!(p.get(3), None);
    }

    #[test]
    fn push_with_keeps_valid_text_and_refuses_the_rest() {
        let mut p = PackedTexts::default();
        assert!(p.push_with(8, |buf| {
            buf[..3].copy_from_slice(b"abc");
            Some(3)
        }));
        // Invalid UTF-8, an overlong count and a refusal leave nothing behind.
        assert!(!p.push_with(8, |buf| {
            buf[..2].copy_from_slice(&[0xff, 0xfe]);
            Some(2)
        }));
        assert!(!p.push_with(2, |_| Some(3)));
        assert!(!p.push_with(4, |_| None));
        p.push("dé");
        assert_eq!(p.strs(), vec!["abc", "dé"]);
        assert_eq!(p.bytes(), 6);
    }
}
