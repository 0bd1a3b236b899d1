//! Feature hashing as scikit-learn's `HashingVectorizer` does it: MurmurHash3
//! (x86, 32-bit, seed 0) of the feature's UTF-8 bytes, bucket `|h| mod 2^bits`,
//! sign from the hash when `alternate_sign` is on. The hasher streams, so an
//! n-gram is hashed from its tokens without building the joined string.

const C1: u32 = 0xcc9e_2d51;
const C2: u32 = 0x1b87_3593;

/// Incremental MurmurHash3_x86_32.
#[derive(Default)]
pub struct Murmur3 {
    h: u32,
    tail: u32,
    tail_len: u32,
    total: u32,
}

#[inline]
fn mix_k(mut k: u32) -> u32 {
    k = k.wrapping_mul(C1);
    k = k.rotate_left(15);
    k.wrapping_mul(C2)
}

impl Murmur3 {
    pub fn new() -> Self {
        Murmur3::default()
    }

    #[inline]
    fn block(&mut self, k: u32) {
        self.h ^= mix_k(k);
        self.h = self.h.rotate_left(13);
        self.h = self.h.wrapping_mul(5).wrapping_add(0xe654_6b64);
    }

    #[inline]
    pub fn write(&mut self, mut bytes: &[u8]) {
        self.total = self.total.wrapping_add(bytes.len() as u32);
        // Complete a pending partial block first.
        while self.tail_len > 0 && !bytes.is_empty() {
            self.tail |= (bytes[0] as u32) << (8 * self.tail_len);
            self.tail_len += 1;
            bytes = &bytes[1..];
            if self.tail_len == 4 {
                let k = self.tail;
                self.block(k);
                self.tail = 0;
                self.tail_len = 0;
            }
        }
        let mut chunks = bytes.chunks_exact(4);
        for c in &mut chunks {
            self.block(u32::from_le_bytes([c[0], c[1], c[2], c[3]]));
        }
        for (i, b) in chunks.remainder().iter().enumerate() {
            self.tail |= (*b as u32) << (8 * i);
            self.tail_len += 1;
        }
    }

    #[inline]
    pub fn finish(mut self) -> i32 {
        if self.tail_len > 0 {
            self.h ^= mix_k(self.tail);
        }
        let mut h = self.h ^ self.total;
        h ^= h >> 16;
        h = h.wrapping_mul(0x85eb_ca6b);
        h ^= h >> 13;
        h = h.wrapping_mul(0xc2b2_ae35);
        h ^= h >> 16;
        self.h = h;
        h as i32
    }
}

/// Hash the n-gram formed by `tokens` joined with single spaces.
#[inline]
pub fn hash_ngram(tokens: &[&str]) -> i32 {
    let mut m = Murmur3::new();
    for (i, t) in tokens.iter().enumerate() {
        if i > 0 {
            m.write(b" ");
        }
        m.write(t.as_bytes());
    }
    m.finish()
}

/// Bucket and sign for a hash, matching scikit-learn's `_hashing_fast`.
#[inline]
pub fn bucket(h: i32, bits: u8) -> (u32, bool) {
    let n = 1u64 << bits;
    let idx = (h.unsigned_abs() as u64 % n) as u32;
    (idx, h < 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_murmur3_values() {
        // Reference values of sklearn.utils.murmurhash3_32(s, seed=0).
        assert_eq!(hash_ngram(&["foo"]), -156908512);
        assert_eq!(hash_ngram(&[""]), 0);
        assert_eq!(hash_ngram(&["hello"]), 613153351);
    }

    #[test]
    fn streaming_equals_joined() {
        let joined = {
            let mut m = Murmur3::new();
            m.write("good movie tonight".as_bytes());
            m.finish()
        };
        assert_eq!(hash_ngram(&["good", "movie", "tonight"]), joined);
        assert_eq!(hash_ngram(&["a", "bcdefg"]), {
            let mut m = Murmur3::new();
            m.write(b"a bcdefg");
            m.finish()
        });
    }

    #[test]
    fn min_int_bucket_matches_sklearn() {
        // abs(-2^31) % 2^k == 0 for every k <= 31.
        assert_eq!(bucket(i32::MIN, 20), (0, true));
    }
}
