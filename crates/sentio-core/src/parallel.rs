//! Data parallelism behind one seam: rayon when the `parallel` feature is on
//! (native builds), plain loops otherwise (wasm32 in the browser). Results are
//! always collected in input order, so output never depends on thread count.

#[cfg(feature = "parallel")]
use rayon::prelude::*;

/// Map `f` over `items`, keeping order.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync + Send) -> Vec<R> {
    #[cfg(feature = "parallel")]
    {
        items.par_iter().map(f).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        items.iter().map(f).collect()
    }
}

/// Run `f` on every element of `items` mutably, possibly at once.
pub fn for_each_mut<T: Send>(items: &mut [T], f: impl Fn(usize, &mut T) + Sync + Send) {
    #[cfg(feature = "parallel")]
    {
        items.par_iter_mut().enumerate().for_each(|(i, t)| f(i, t));
    }
    #[cfg(not(feature = "parallel"))]
    {
        items.iter_mut().enumerate().for_each(|(i, t)| f(i, t));
    }
}

/// Run `a` and `b`, possibly at once; their results.
pub fn join<RA: Send, RB: Send>(a: impl FnOnce() -> RA + Send, b: impl FnOnce() -> RB + Send) -> (RA, RB) {
    #[cfg(feature = "parallel")]
    {
        rayon::join(a, b)
    }
    #[cfg(not(feature = "parallel"))]
    {
        (a(), b())
    }
}

/// Run `f` on the worker pool without waiting for it (inline, at once,
/// without the pool). `f` must not panic: a panicking spawned job aborts
/// the process, so callers catch panics inside it.
pub fn spawn(f: impl FnOnce() + Send + 'static) {
    #[cfg(feature = "parallel")]
    {
        rayon::spawn(f);
    }
    #[cfg(not(feature = "parallel"))]
    {
        f();
    }
}

/// How many independent pieces to split work into.
pub fn workers() -> usize {
    #[cfg(feature = "parallel")]
    {
        rayon::current_num_threads().max(1)
    }
    #[cfg(not(feature = "parallel"))]
    {
        1
    }
}

/// Sort in place (unstable; callers pass total orders).
pub fn sort_by<T: Send>(v: &mut [T], cmp: impl Fn(&T, &T) -> std::cmp::Ordering + Sync) {
    #[cfg(feature = "parallel")]
    {
        v.par_sort_unstable_by(cmp);
    }
    #[cfg(not(feature = "parallel"))]
    {
        v.sort_unstable_by(cmp);
    }
}

/// Split `0..n` into at most `parts` contiguous, non-empty ranges.
pub fn ranges(n: usize, parts: usize) -> Vec<std::ops::Range<usize>> {
    let parts = parts.max(1).min(n.max(1));
    let size = n.div_ceil(parts).max(1);
    (0..n).step_by(size).map(|s| s..(s + size).min(n)).collect()
}
