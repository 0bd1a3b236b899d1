//! Least-significant digit radix sorts for training's integer sorts: a
//! document's feature ids (a few hundred u32 below a few million, 8-bit
//! digits) and the vocabulary's packed term keys (hundreds of thousands of
//! u64, 12-bit digits over the key's bits only). A few linear passes are
//! several times faster than a comparison sort; passes whose digit is the
//! same for every value are skipped.

/// Below this length a comparison sort is cheaper than the histograms.
const SMALL: usize = 48;

/// Sort `v` ascending; `tmp` is scratch space reused between calls.
pub fn sort_u32(v: &mut Vec<u32>, tmp: &mut Vec<u32>) {
    if v.len() < SMALL {
        v.sort_unstable();
        return;
    }
    let max = v.iter().copied().max().unwrap_or(0);
    let digits = (32 - max.leading_zeros()).div_ceil(8) as usize;
    let mut counts = [[0u32; 256]; 4];
    for &x in v.iter() {
        for (d, c) in counts.iter_mut().enumerate().take(digits) {
            c[((x >> (8 * d)) & 0xff) as usize] += 1;
        }
    }
    tmp.clear();
    tmp.resize(v.len(), 0);
    for (d, c) in counts.iter_mut().enumerate().take(digits) {
        // Every id has the same digit here: this pass would copy in order.
        if c.iter().any(|&n| n as usize == v.len()) {
            continue;
        }
        let mut sum = 0u32;
        for n in c.iter_mut() {
            let here = *n;
            *n = sum;
            sum += here;
        }
        let shift = 8 * d;
        for &x in v.iter() {
            let slot = &mut c[((x >> shift) & 0xff) as usize];
            tmp[*slot as usize] = x;
            *slot += 1;
        }
        std::mem::swap(v, tmp);
    }
}

/// Sort `v` stably by bits `lo..hi` of `key(item)` (the other bits ride
/// along: callers pack a payload below `lo`); `tmp` is scratch space.
pub fn sort_by_bits<T: Copy + Default>(v: &mut Vec<T>, tmp: &mut Vec<T>, key: impl Fn(&T) -> u64, lo: u32, hi: u32) {
    const DIGIT: u32 = 12;
    let hi = hi.min(64);
    let mut shift = lo;
    let mut counts = vec![0u32; 1 << DIGIT];
    while shift < hi {
        let width = DIGIT.min(hi - shift);
        let mask = (1u64 << width) - 1;
        counts.iter_mut().for_each(|c| *c = 0);
        for x in v.iter() {
            counts[((key(x) >> shift) & mask) as usize] += 1;
        }
        if !counts.iter().any(|&n| n as usize == v.len()) {
            let mut sum = 0u32;
            for n in counts.iter_mut() {
                let here = *n;
                *n = sum;
                sum += here;
            }
            tmp.clear();
            tmp.resize(v.len(), T::default());
            for x in v.iter() {
                let slot = &mut counts[((key(x) >> shift) & mask) as usize];
                tmp[*slot as usize] = *x;
                *slot += 1;
            }
            std::mem::swap(v, tmp);
        }
        shift += width;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn sorts_like_sort_unstable(mut v in proptest::collection::vec(any::<u32>(), 0..400), small in any::<bool>()) {
            if small {
                for x in v.iter_mut() {
                    *x %= 70_000;
                }
            }
            let mut expected = v.clone();
            expected.sort_unstable();
            let mut tmp = Vec::new();
            sort_u32(&mut v, &mut tmp);
            prop_assert_eq!(v, expected);
        }

        #[test]
        fn sorts_by_bits_stably(mut v in proptest::collection::vec(any::<u64>(), 0..2000), lo in 0u32..40, width in 0u32..30) {
            let hi = lo + width;
            let key = |x: u64| (x >> lo) & ((1u64 << width) - 1);
            let mut expected = v.clone();
            expected.sort_by_key(|&x| key(x));
            let mut tmp = Vec::new();
            sort_by_bits(&mut v, &mut tmp, |&x| x, lo, hi);
            prop_assert_eq!(v, expected);
        }
    }
}
