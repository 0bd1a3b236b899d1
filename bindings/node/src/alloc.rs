//! The addon's allocator: large blocks straight from the kernel.
//!
//! Training allocates and frees large arrays phase after phase (token ids,
//! n-gram tables, the vocabulary being sorted), from several threads. Under
//! glibc's malloc, blocks freed by one phase mostly stay in per-thread arenas
//! that later phases (on other threads, or with larger blocks) do not reuse,
//! and glibc raises its mmap threshold as large blocks are freed, so ever
//! larger blocks land in those arenas. Training on imdb (25k reviews) in a
//! node process peaked at 293 MiB of resident memory that way, and at 228 MiB
//! with this allocator.
//!
//! Here a block of [`LARGE`] bytes or more is its own anonymous mapping:
//! freeing it returns the memory at once and growing it is `mremap` (no
//! copy). That is what glibc does with its initial threshold, kept fixed:
//! the same as running node with `MALLOC_MMAP_THRESHOLD_=131072`, but for
//! this addon's Rust allocations only. Node's own allocations and the
//! process's malloc settings are left alone. Smaller blocks go to the system
//! allocator as before. (A larger threshold measured worse: at 1 MiB the
//! n-gram tables stay in the arenas, peak 259 MiB; at 256 KiB, 237 MiB.)
//!
//! Fresh mappings cost page faults where glibc would have reused memory:
//! about 50,000 more per imdb training (200 MB of new pages), which made it
//! 5-10% slower. Mappings of 2 MiB or more are therefore offered to
//! transparent huge pages (a hint, ignored where they are off; "madvise",
//! the usual default, needs it): one fault per 2 MiB brought the faults to
//! within a third of glibc's and the training time back to what it was.

use std::alloc::{GlobalAlloc, Layout, System};

/// Blocks of this size or more are mapped on their own.
const LARGE: usize = 128 * 1024;
/// Mappings are page aligned; a larger alignment goes to the system allocator.
const PAGE: usize = 4096;
/// Mappings of this size or more are offered to transparent huge pages.
const HUGE: usize = 2 * 1024 * 1024;

pub struct Allocator;

#[inline]
fn mapped(size: usize, align: usize) -> bool {
    size >= LARGE && align <= PAGE
}

/// A fresh zeroed mapping of `size` bytes, or null.
unsafe fn map(size: usize) -> *mut u8 {
    // SAFETY: an anonymous private mapping at an address of the kernel's
    // choosing touches no existing memory.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            size,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        return std::ptr::null_mut();
    }
    advise(p, size);
    p.cast()
}

/// Offer a large mapping to transparent huge pages.
fn advise(p: *mut libc::c_void, size: usize) {
    if size >= HUGE {
        // SAFETY: `p..p + size` is a mapping of ours; advice does not change its contents.
        unsafe { libc::madvise(p, size, libc::MADV_HUGEPAGE) };
    }
}

// SAFETY: every block is either a mapping (sizes >= LARGE with page
// alignment or less, decided from the layout, which Rust passes back
// unchanged on free and realloc) or a system-allocator block, and each is
// freed or resized by the same route that made it.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if mapped(layout.size(), layout.align()) {
            unsafe { map(layout.size()) }
        } else {
            unsafe { System.alloc(layout) }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if mapped(layout.size(), layout.align()) {
            // Fresh anonymous pages are zero.
            unsafe { map(layout.size()) }
        } else {
            unsafe { System.alloc_zeroed(layout) }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if mapped(layout.size(), layout.align()) {
            // SAFETY: `ptr` is a mapping of `layout.size()` bytes made by `map`.
            unsafe { libc::munmap(ptr.cast(), layout.size()) };
        } else {
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let (was, will) = (mapped(layout.size(), layout.align()), mapped(new_size, layout.align()));
        match (was, will) {
            (false, false) => unsafe { System.realloc(ptr, layout, new_size) },
            (true, true) => {
                // SAFETY: `ptr` is a mapping of `layout.size()` bytes; the
                // kernel moves or resizes it, keeping its contents.
                let p = unsafe { libc::mremap(ptr.cast(), layout.size(), new_size, libc::MREMAP_MAYMOVE) };
                if p == libc::MAP_FAILED {
                    return std::ptr::null_mut();
                }
                advise(p, new_size);
                p.cast()
            }
            _ => {
                // SAFETY: `new_size` is non-zero (GlobalAlloc's contract) and
                // the alignment is the block's own.
                let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
                let p = unsafe { self.alloc(new_layout) };
                if !p.is_null() {
                    // SAFETY: both blocks hold at least the smaller size and do not overlap.
                    unsafe { std::ptr::copy_nonoverlapping(ptr, p, layout.size().min(new_size)) };
                    unsafe { self.dealloc(ptr, layout) };
                }
                p
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every route: small and mapped blocks, zeroed, grown and shrunk within
    /// and across the threshold; contents survive each move.
    #[test]
    fn blocks_keep_their_contents_on_every_route() {
        let a = Allocator;
        let fill = |p: *mut u8, n: usize| (0..n).for_each(|i| unsafe { *p.add(i) = (i % 251) as u8 });
        let check = |p: *const u8, n: usize| (0..n).all(|i| unsafe { *p.add(i) } == (i % 251) as u8);
        let sizes = [100, LARGE - 1, LARGE, 3 * LARGE + 5, 64, 5 * LARGE, LARGE + 1, 10];
        unsafe {
            let mut layout = Layout::from_size_align(sizes[0], 8).unwrap();
            let mut p = a.alloc(layout);
            assert!(!p.is_null());
            fill(p, layout.size());
            for &n in &sizes[1..] {
                p = a.realloc(p, layout, n);
                assert!(!p.is_null());
                assert!(check(p, layout.size().min(n)), "{} -> {n}", layout.size());
                layout = Layout::from_size_align(n, 8).unwrap();
                fill(p, n);
            }
            a.dealloc(p, layout);
            let big = Layout::from_size_align(2 * LARGE, 64).unwrap();
            let z = a.alloc_zeroed(big);
            assert!((0..big.size()).all(|i| *z.add(i) == 0));
            a.dealloc(z, big);
            // An alignment above a page goes to the system allocator.
            let aligned = Layout::from_size_align(LARGE, 2 * PAGE).unwrap();
            let q = a.alloc(aligned);
            assert_eq!(q as usize % (2 * PAGE), 0);
            a.dealloc(q, aligned);
        }
    }
}
