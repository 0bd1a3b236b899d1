//! Zeroed tables whose pages are written as soon as they are allocated.
//!
//! A large `vec![0; n]` comes from `calloc`: fresh pages the kernel maps
//! lazily, and a page first *read* (a probe into an empty hash table, or
//! `x += ...` into a zero sum) is mapped to the shared zero page. Writing it
//! later then takes a second fault that replaces that mapping, and in a
//! process with several threads replacing a mapping means a TLB shootdown:
//! an interrupt to every other core running the process, which a virtual
//! machine pays for with exits. Profiles of training showed these write
//! faults (`do_wp_page` → `flush_tlb_mm_range`) at about 4% of all samples,
//! from the token-interning table and the classifier's sums. Writing one
//! value per page up front makes each page's first fault a write fault: one
//! fault, no shootdown.

/// Bytes per page assumed when touching (4 KiB: the smallest page size; a
/// larger page is touched more than once, which is harmless).
const PAGE: usize = 4096;

/// `vec![fill; n]` with every page already written.
pub(crate) fn prefaulted<T: Copy>(n: usize, fill: T) -> Vec<T> {
    let mut v = vec![fill; n];
    let step = (PAGE / std::mem::size_of::<T>().max(1)).max(1);
    // black_box hides that the value is already there, so the stores stay.
    let mut i = 0;
    while let Some(slot) = v.get_mut(i) {
        *slot = std::hint::black_box(fill);
        i += step;
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_the_plain_vector() {
        assert_eq!(prefaulted(10_000, 0u64), vec![0u64; 10_000]);
        assert_eq!(prefaulted(3, (0u64, 7u32)), vec![(0, 7); 3]);
        assert!(prefaulted(0, 0.0f64).is_empty());
    }
}
