//! Sorting a document's feature ids. Training sorts one short list of u32
//! per document (a few hundred ids below a few million); a least-significant
//! digit radix sort with 8-bit digits does that in a few linear passes,
//! several times faster than a comparison sort, and skips the passes whose
//! digit is the same for every id.

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
    }
}
