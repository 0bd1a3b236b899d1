//! Token string → token id, the first lookup of every token a model scores.
//!
//! An open-addressing table (linear probing, at most ~2/3 full) of 16-byte
//! slots. A token of up to 7 bytes — most English words — is its own key
//! (its bytes plus its length, packed in a `u64`), so finding it is one
//! multiply, one cache line and one integer compare: no string hashing, no
//! `memcmp`, no pointer to chase. Longer tokens are keyed by a hash and
//! confirmed against the token bytes, which live in one arena in id order
//! (also what [`TokenTable::strings`] hands out).

use crate::vocab::NONE;

#[derive(Debug, Clone, Copy)]
struct Slot {
    key: u64,
    /// NONE marks an empty slot.
    id: u32,
}

const EMPTY: Slot = Slot { key: 0, id: NONE };

/// Top byte of a long token's key: never the length byte of a short key.
const LONG: u64 = 0xFF << 56;

#[derive(Debug, Clone, Default)]
pub struct TokenTable {
    slots: Vec<Slot>,
    /// slots.len() - 1 (a power of two minus one); 0 when empty.
    mask: usize,
    /// Every token's bytes, by id: token `i` is `bytes[ends[i-1]..ends[i]]`.
    bytes: Vec<u8>,
    ends: Vec<u32>,
}

/// The key of a token: short tokens are their own key, long ones a hash.
#[inline]
fn key_of(token: &[u8]) -> u64 {
    short_key(token).unwrap_or_else(|| long_key(token))
}

/// The key of a token of at most 7 bytes: its bytes and its length packed in
/// a `u64` (distinct tokens, distinct keys); None for longer tokens. Also the
/// trainer's interning key.
#[inline]
pub(crate) fn short_key(token: &[u8]) -> Option<u64> {
    if token.len() > 7 {
        return None;
    }
    let mut k = (token.len() as u64) << 56;
    for (i, &b) in token.iter().enumerate() {
        k |= (b as u64) << (8 * i);
    }
    Some(k)
}

/// [`key_of`] for `text[start..end]`, reading 8 bytes at once when the text
/// extends that far (the scoring path: no per-byte loop, no copy).
#[inline]
pub(crate) fn key_in(text: &[u8], start: usize, end: usize) -> u64 {
    let len = end.saturating_sub(start);
    if len <= 7 {
        if let Some(window) = text.get(start..start + 8) {
            let mut word = [0u8; 8];
            word.copy_from_slice(window);
            let bytes = u64::from_le_bytes(word) & ((1u64 << (8 * len)) - 1);
            return bytes | (len as u64) << 56;
        }
    }
    key_of(text.get(start..end).unwrap_or(&[]))
}

#[inline(never)]
fn long_key(token: &[u8]) -> u64 {
    let mut h = 0x243F_6A88_85A3_08D3u64 ^ token.len() as u64;
    let mut chunks = token.chunks_exact(8);
    for c in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(c);
        h = (h.rotate_left(23) ^ u64::from_le_bytes(word)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    let rest = chunks.remainder();
    let mut word = [0u8; 8];
    word[..rest.len()].copy_from_slice(rest);
    h = (h.rotate_left(23) ^ u64::from_le_bytes(word)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (h >> 8) | LONG
}

#[inline]
fn home(key: u64, mask: usize) -> usize {
    // The multiply mixes every byte into the high bits, taken as the index.
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize & mask
}

impl TokenTable {
    /// A table of `tokens`, whose ids are their positions. Tokens must be
    /// distinct (callers guarantee it); a duplicate would keep its first id.
    pub fn new<'a>(tokens: impl ExactSizeIterator<Item = &'a str>) -> TokenTable {
        let n = tokens.len();
        let cap = (n + n / 2 + 1).next_power_of_two().max(8);
        let mut table = TokenTable {
            slots: vec![EMPTY; cap],
            mask: cap - 1,
            bytes: Vec::new(),
            ends: Vec::with_capacity(n),
        };
        for (id, t) in tokens.enumerate() {
            table.bytes.extend_from_slice(t.as_bytes());
            table.ends.push(table.bytes.len() as u32);
            let key = key_of(t.as_bytes());
            let mut i = home(key, table.mask);
            loop {
                let slot = table.slots[i];
                if slot.id == NONE {
                    table.slots[i] = Slot { key, id: id as u32 };
                    break;
                }
                if slot.key == key && table.token(slot.id) == t.as_bytes() {
                    break;
                }
                i = (i + 1) & table.mask;
            }
        }
        table
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The bytes of token `id` (empty when out of range).
    #[inline]
    fn token(&self, id: u32) -> &[u8] {
        let id = id as usize;
        let end = self.ends.get(id).copied().unwrap_or(0) as usize;
        let start = if id == 0 {
            0
        } else {
            self.ends.get(id - 1).copied().unwrap_or(0) as usize
        };
        self.bytes.get(start..end).unwrap_or(&[])
    }

    /// The id of `token`, or NONE.
    #[inline]
    pub fn get(&self, token: &[u8]) -> u32 {
        self.find(key_of(token), || token)
    }

    /// The id of `text[start..end]`, or NONE (see [`key_in`]).
    #[inline]
    pub fn get_in(&self, text: &[u8], start: usize, end: usize) -> u32 {
        self.find(key_in(text, start, end), || text.get(start..end).unwrap_or(&[]))
    }

    #[inline]
    fn find<'t>(&self, key: u64, token: impl Fn() -> &'t [u8]) -> u32 {
        if self.slots.is_empty() {
            return NONE;
        }
        let short = key >> 56 <= 7;
        let mut i = home(key, self.mask);
        // The table always has empty slots, so the probe ends.
        loop {
            let slot = self.slots[i];
            if slot.id == NONE {
                return NONE;
            }
            if slot.key == key && (short || self.token(slot.id) == token()) {
                return slot.id;
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Token strings by id.
    pub fn strings(&self) -> Vec<&str> {
        (0..self.len() as u32)
            .map(|id| std::str::from_utf8(self.token(id)).unwrap_or(""))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn finds_short_and_long_tokens() {
        let words = [
            "ab",
            "abc",
            "abcdefg",
            "abcdefgh",
            "a_much_longer_token",
            "ça",
            "東京タワー",
        ];
        let t = TokenTable::new(words.iter().copied());
        for (i, w) in words.iter().enumerate() {
            assert_eq!(t.get(w.as_bytes()), i as u32, "{w}");
        }
        for miss in ["", "a", "abcd", "abcdefgi", "a_much_longer_tokem", "ab\0"] {
            assert_eq!(t.get(miss.as_bytes()), NONE, "{miss:?}");
        }
        // Tokens inside a longer text, near its end too.
        let text = b"xx abc abcdefgh ab";
        assert_eq!(t.get_in(text, 3, 6), 1);
        assert_eq!(t.get_in(text, 7, 15), 3);
        assert_eq!(t.get_in(text, 16, 18), 0);
        assert_eq!(t.get_in(text, 0, 2), NONE);
        assert_eq!(t.strings(), words);
        assert_eq!(TokenTable::default().get(b"ab"), NONE);
    }

    proptest! {
        #[test]
        fn agrees_with_a_hash_map(words in proptest::collection::hash_set("[a-z0-9_é]{1,12}", 0..300),
                                  probes in proptest::collection::vec("[a-z0-9_é]{1,12}", 0..100)) {
            let words: Vec<String> = words.into_iter().collect();
            let t = TokenTable::new(words.iter().map(String::as_str));
            let map: std::collections::HashMap<&str, u32> =
                words.iter().enumerate().map(|(i, w)| (w.as_str(), i as u32)).collect();
            for p in probes.iter().map(String::as_str).chain(words.iter().map(String::as_str)) {
                prop_assert_eq!(t.get(p.as_bytes()), map.get(p).copied().unwrap_or(NONE));
            }
        }
    }
}
