//! Transcendental functions from one portable implementation (the `libm`
//! crate, a port of musl's libm) on every target. The platform's own `ln` /
//! `exp` differ in the last bit between glibc, macOS and wasm32, which would
//! make the same data give different model bytes (and predictions differing
//! at 1e-15) on different backends. With these, native and WASM builds
//! compute bit-identical models and probabilities.

#[inline]
pub fn ln(x: f64) -> f64 {
    libm::log(x)
}

#[inline]
pub fn exp(x: f64) -> f64 {
    libm::exp(x)
}
