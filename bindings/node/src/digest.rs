//! SHA-256 of many texts in one call: the prediction log's hash mode
//! (`--log-text hash`, the default) digests every logged text, and one call
//! per block of texts costs about 60% of one `crypto.hash` call per text
//! (no algorithm lookup, no hex string per digest). The texts arrive packed
//! as the log packs them: UTF-8 back to back, with where each one ends. The
//! digests go into a buffer the caller made: a buffer made here would be an
//! external one with a finalizer, which only V8's full collections free.

use napi::bindgen_prelude::Unknown;
use napi_derive::napi;
use sha2::{Digest, Sha256};

use crate::args;
use crate::errors::{guard, BindingError, Result};

/// Bytes per digest.
const DIGEST: usize = 32;

/// The digests of texts `[start, ends[0])`, `[ends[0], ends[1])`, … of
/// `bytes` into `out`, 32 bytes each, back to back. An end before the
/// previous one or beyond `bytes`, or an `out` of another size than
/// `32 * ends.len()`, is an error naming it.
pub fn sha256_each(bytes: &[u8], start: usize, ends: &[u32], out: &mut [u8]) -> std::result::Result<(), String> {
    if out.len() != DIGEST * ends.len() {
        return Err(format!(
            "out: expected {} bytes (32 per text), got {}",
            DIGEST * ends.len(),
            out.len()
        ));
    }
    let mut from = start;
    for ((i, &end), digest) in ends.iter().enumerate().zip(out.chunks_exact_mut(DIGEST)) {
        let to = end as usize;
        let text = bytes
            .get(from..to)
            .ok_or_else(|| format!("ends[{i}]: {to} is before {from} or beyond the {} bytes", bytes.len()))?;
        digest.copy_from_slice(&Sha256::digest(text));
        from = to;
    }
    Ok(())
}

/// SHA-256 of each text packed in `bytes` into `out` (`32 * ends.length`
/// bytes): text `i` is `bytes[i === 0 ? start : ends[i - 1] .. ends[i]]`.
/// Throws `INVALID_ARGUMENT` for offsets out of order or beyond the bytes,
/// or an `out` of another size.
#[napi(
    catch_unwind,
    ts_args_type = "bytes: Uint8Array, start: number, ends: Uint32Array, out: Uint8Array"
)]
pub fn sha256_each_text(bytes: Unknown<'_>, start: Unknown<'_>, ends: Unknown<'_>, out: Unknown<'_>) -> Result<()> {
    guard(|| {
        let b = args::bytes(&bytes, "bytes")?;
        let start = args::count(start, "start")?;
        let ends = args::u32s(&ends, "ends")?;
        let out = args::bytes_out(&out, "out")?;
        sha256_each(b, start, ends, out).map_err(|m| BindingError::invalid_argument(m).into())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(d: &[u8]) -> String {
        d.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn each(bytes: &[u8], start: usize, ends: &[u32]) -> std::result::Result<Vec<u8>, String> {
        let mut out = vec![0; DIGEST * ends.len()];
        sha256_each(bytes, start, ends, &mut out).map(|()| out)
    }

    #[test]
    fn digests_each_range() {
        let packed = b"xxabcdef";
        let out = each(packed, 2, &[5, 5, 8]).unwrap();
        assert_eq!(out.len(), 96);
        // FIPS 180-2 test vector for "abc", and the empty string's digest.
        assert_eq!(
            hex(&out[..32]),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(&out[32..64]),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(&out[64..], Sha256::digest(b"def").as_slice());
    }

    #[test]
    fn refuses_ranges_out_of_order_or_bounds() {
        assert!(each(b"abc", 0, &[2, 1]).unwrap_err().contains("ends[1]"));
        assert!(each(b"abc", 0, &[4]).unwrap_err().contains("beyond the 3 bytes"));
        assert!(each(b"abc", 4, &[4]).is_err());
        assert!(each(b"", 0, &[]).unwrap().is_empty());
        let mut short = [0u8; 31];
        assert!(sha256_each(b"abc", 0, &[3], &mut short)
            .unwrap_err()
            .contains("expected 32 bytes"));
    }
}
