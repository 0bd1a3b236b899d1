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
    text: String,
    /// `ends[i]` is where text i ends in `text` (text i starts where i − 1 ends).
    ends: Vec<usize>,
}

impl PackedTexts {
    pub fn push(&mut self, s: &str) {
        self.text.push_str(s);
        self.ends.push(self.text.len());
    }

    /// Texts written back to back into `bytes` by someone else (a
    /// binding copying strings straight out of its runtime), text i ending
    /// at `ends[i]`. Checked in one pass: `None` unless `bytes` is UTF-8,
    /// the ends ascend to its length and each falls on a character boundary.
    pub fn from_parts(bytes: Vec<u8>, ends: Vec<usize>) -> Option<PackedTexts> {
        let text = String::from_utf8(bytes).ok()?;
        let mut prev = 0;
        for &end in &ends {
            if end < prev || !text.is_char_boundary(end) {
                return None;
            }
            prev = end;
        }
        (prev == text.len()).then_some(PackedTexts { text, ends })
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

    /// Text `i`, if there is one.
    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.text.get(start..end)
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
    fn from_parts_checks_the_text_and_the_ends() {
        let ok = PackedTexts::from_parts("abcdé".as_bytes().to_vec(), vec![3, 3, 6]).unwrap();
        assert_eq!(ok.strs(), vec!["abc", "", "dé"]);
        assert_eq!(ok.bytes(), 6);
        // Invalid UTF-8; an end inside "é"; descending ends; bytes after the last end.
        assert!(PackedTexts::from_parts(vec![b'a', 0xff], vec![2]).is_none());
        assert!(PackedTexts::from_parts("dé".as_bytes().to_vec(), vec![2, 3]).is_none());
        assert!(PackedTexts::from_parts(b"abc".to_vec(), vec![2, 1, 3]).is_none());
        assert!(PackedTexts::from_parts(b"abc".to_vec(), vec![2]).is_none());
        assert_eq!(
            PackedTexts::from_parts(Vec::new(), Vec::new()),
            Some(PackedTexts::default())
        );
    }
}
