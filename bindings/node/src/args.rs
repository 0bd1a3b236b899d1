//! Argument conversion with our own error codes.
//!
//! Exports take their arguments as [`Unknown`] and convert them here, so a
//! value of the wrong type throws `INVALID_ARGUMENT` naming the argument
//! (napi-rs's own conversions would throw with codes like `StringExpected`).
//! The TypeScript types come from `ts_args_type` on each export.

use napi::bindgen_prelude::{Array, Unknown};
use napi::{sys, JsValue, ValueType};

use sentio_core::PackedTexts;

use crate::errors::{BindingError, Result};

fn type_name(v: &Unknown<'_>) -> &'static str {
    match v.get_type() {
        Ok(ValueType::Undefined) => "undefined",
        Ok(ValueType::Null) => "null",
        Ok(ValueType::Boolean) => "boolean",
        Ok(ValueType::Number) => "number",
        Ok(ValueType::String) => "string",
        Ok(ValueType::Symbol) => "symbol",
        Ok(ValueType::Function) => "function",
        Ok(ValueType::BigInt) => "bigint",
        Ok(ValueType::External) => "external",
        Ok(ValueType::Object) => match (v.is_array(), v.is_typedarray()) {
            (Ok(true), _) => "array",
            (_, Ok(true)) => "typed array",
            _ => "object",
        },
        _ => "unknown value",
    }
}

fn invalid(name: &str, expected: &str, got: &Unknown<'_>) -> napi::Error<String> {
    BindingError::invalid_argument(format!("{name}: expected {expected}, got {}", type_name(got))).into()
}

fn is_nullish(v: &Unknown<'_>) -> bool {
    matches!(v.get_type(), Ok(ValueType::Null | ValueType::Undefined))
}

/// A JS string as UTF-8 in one pass over it, when it is a string and fits
/// the first guess (see [`append_one_pass`]); `None` sends the caller to the
/// exact route.
fn string_one_pass(v: &Unknown<'_>) -> Option<String> {
    let mut buf = Vec::new();
    if !append_one_pass(&mut buf, v) {
        return None;
    }
    buf.shrink_to_fit();
    // V8 writes valid UTF-8; checked anyway, it costs little next to the copy.
    String::from_utf8(buf).ok()
}

/// A JS string.
pub fn string(v: Unknown<'_>, name: &str) -> Result<String> {
    match string_one_pass(&v) {
        Some(s) => Ok(s),
        None => string_exact(v, name),
    }
}

/// A JS string by napi-rs's exact route, once the one-pass copy declined it
/// (not a string, or more non-ASCII than its room).
fn string_exact(v: Unknown<'_>, name: &str) -> Result<String> {
    if !matches!(v.get_type(), Ok(ValueType::String)) {
        return Err(invalid(name, "a string", &v));
    }
    // SAFETY: checked to be a string; the conversion itself is checked by napi.
    unsafe { v.cast::<String>() }.map_err(|_| invalid(name, "a string", &v))
}

/// A JS array of strings, copied into Rust strings (owned: async tasks take them).
pub fn strings(v: Unknown<'_>, name: &str) -> Result<Vec<String>> {
    let arr = array(v, name)?;
    strings_in(&arr, name, 0..arr.len() as usize)
}

/// A JS array, to be read with [`strings_in`].
pub fn array<'a>(v: Unknown<'a>, name: &str) -> Result<Array<'a>> {
    if !matches!(v.is_array(), Ok(true)) {
        return Err(invalid(name, "an array of strings", &v));
    }
    // SAFETY: checked to be an array.
    unsafe { v.cast::<Array<'_>>() }.map_err(|_| invalid(name, "an array of strings", &v))
}

/// Element `i` of a JS array; a hole is an error naming it (`texts[12]`).
fn element<'a>(arr: &Array<'a>, name: &str, i: usize) -> Result<Unknown<'a>> {
    arr.get::<Unknown<'a>>(i as u32)
        .ok()
        .flatten()
        .ok_or_else(|| BindingError::invalid_argument(format!("{name}[{i}]: expected a string, got a hole")).into())
}

/// Elements `range` of a JS array of strings, copied into Rust strings; an
/// error names the element (`texts[12]`).
pub fn strings_in(arr: &Array<'_>, name: &str, range: std::ops::Range<usize>) -> Result<Vec<String>> {
    let mut out = Vec::with_capacity(range.len());
    for i in range {
        let item = element(arr, name, i)?;
        // The one-pass copy first: the element's name is only formatted for an error.
        match string_one_pass(&item) {
            Some(s) => out.push(s),
            None => out.push(string_exact(item, &format!("{name}[{i}]"))?),
        }
    }
    Ok(out)
}

/// Elements `range` of a JS array of strings, copied back to back into one
/// buffer (see [`sentio_core::PackedTexts`]: training hands it back to the
/// system in one piece). Each string is written once, straight into the
/// buffer, sized as in [`append_one_pass`]; an error names the element by
/// its index in the whole array (`texts[12]`).
pub fn packed_in(arr: &Array<'_>, name: &str, range: std::ops::Range<usize>) -> Result<PackedTexts> {
    let mut bytes: Vec<u8> = Vec::new();
    let mut ends = Vec::with_capacity(range.len());
    for i in range {
        let item = element(arr, name, i)?;
        if bytes.capacity() - bytes.len() < ROOM {
            bytes.reserve(ROOM);
        }
        if !append_in_room(&mut bytes, &item) && !append_one_pass(&mut bytes, &item) {
            bytes.extend_from_slice(string_exact(item, &format!("{name}[{i}]"))?.as_bytes());
        }
        ends.push(bytes.len());
    }
    bytes.shrink_to_fit();
    // V8 writes valid UTF-8 (lone surrogates replaced); checked once anyway.
    PackedTexts::from_parts(bytes, ends)
        .ok_or_else(|| BindingError::invalid_argument(format!("{name}: not valid UTF-8")).into())
}

/// Append a JS string's UTF-8 to `out` in one pass over it, when it is a
/// string and fits the first guess. napi-rs's own conversion asks V8 for the
/// UTF-8 length (a pass over the string), zero-fills a buffer of that size
/// (a second) and then writes it (a third). Here the room is sized from the
/// UTF-16 length, which V8 knows without a pass, plus room for some
/// non-ASCII text, and written once (25k reviews: about 10 ms less per
/// batch). False, with nothing appended, when it is not a string or has
/// more non-ASCII than the room: the caller then takes the exact route.
fn append_one_pass(out: &mut Vec<u8>, v: &Unknown<'_>) -> bool {
    let handle = v.value();
    let (env, value) = (handle.env, handle.value);
    let mut units = 0usize;
    // SAFETY: `env` and `value` are live handles of the current call; a null
    // buffer asks for the length in UTF-16 code units (and fails for a
    // value that is not a string).
    let status = unsafe { sys::napi_get_value_string_utf16(env, value, std::ptr::null_mut(), 0, &mut units) };
    if status != sys::Status::napi_ok {
        return false;
    }
    let Some(cap) = units.checked_add(units / 4).and_then(|c| c.checked_add(8)) else {
        return false;
    };
    out.reserve(cap);
    write_utf8(out, v, cap)
}

/// Write a JS string's UTF-8 into the next `room` bytes of `out`'s spare
/// capacity and keep it if it surely fit. False, with nothing appended,
/// when it is not a string, may not have fit, or `out` has less room.
fn write_utf8(out: &mut Vec<u8>, v: &Unknown<'_>, room: usize) -> bool {
    let handle = v.value();
    let len = out.len();
    if out.capacity() - len < room {
        return false;
    }
    let mut written = 0usize;
    // SAFETY: `env` and `value` are live handles of the current call; `out`
    // has `room` bytes of spare capacity after `len`, where napi writes at
    // most `room - 1` bytes of whole UTF-8 characters (lone surrogates
    // replaced) plus a NUL, and reports the bytes written without the NUL.
    let status = unsafe {
        sys::napi_get_value_string_utf8(
            handle.env,
            handle.value,
            out.as_mut_ptr().add(len).cast(),
            room,
            &mut written,
        )
    };
    // A string that did not fit stops short of `room - 1` by less than one
    // character (at most 3 bytes): only a shorter write is surely complete.
    if status != sys::Status::napi_ok || written + 4 >= room {
        return false;
    }
    // SAFETY: napi initialised the `written` bytes after `len`.
    unsafe { out.set_len(len + written) };
    true
}

/// Spare room [`packed_in`] keeps in its buffer: a string whose UTF-8
/// fits is written with no question asked first (most texts; a longer one
/// takes [`append_one_pass`]).
const ROOM: usize = 64 * 1024;

/// Append a JS string's UTF-8 to `out` in the spare capacity it already has,
/// without asking V8 for the string's length first (one N-API call per text
/// instead of two). False, with nothing appended, when it is not a string
/// or may not have fit.
fn append_in_room(out: &mut Vec<u8>, v: &Unknown<'_>) -> bool {
    let room = out.capacity() - out.len();
    write_utf8(out, v, room)
}

/// `string[] | null | undefined`.
pub fn optional_strings(v: Unknown<'_>, name: &str) -> Result<Option<Vec<String>>> {
    if is_nullish(&v) {
        return Ok(None);
    }
    strings(v, name).map(Some)
}

/// The bytes of a `Uint8Array` (or Node `Buffer`), borrowed without a copy.
/// Valid only during the current synchronous call.
pub fn bytes<'a>(v: &Unknown<'a>, name: &str) -> Result<&'a [u8]> {
    if !matches!(v.is_typedarray(), Ok(true)) {
        return Err(invalid(name, "a Uint8Array or Buffer", v));
    }
    // SAFETY: `&[u8]`'s conversion checks the typed-array kind; the slice
    // points into the JS ArrayBuffer, alive (and not detachable: no JS runs)
    // for the duration of this call, which is what 'a covers.
    unsafe { v.cast::<&'a [u8]>() }.map_err(|_| invalid(name, "a Uint8Array or Buffer", v))
}

/// `Float64Array | null | undefined`, borrowed without a copy.
pub fn optional_f64s<'a>(v: &Unknown<'a>, name: &str) -> Result<Option<&'a [f64]>> {
    if is_nullish(v) {
        return Ok(None);
    }
    if !matches!(v.is_typedarray(), Ok(true)) {
        return Err(invalid(name, "a Float64Array or null", v));
    }
    // SAFETY: as in `bytes`; the conversion checks for a Float64Array.
    unsafe { v.cast::<&'a [f64]>() }
        .map(Some)
        .map_err(|_| invalid(name, "a Float64Array or null", v))
}

/// A `Float64Array` of exactly `len` elements, borrowed mutably without a
/// copy (an output buffer). Valid only during the current synchronous call.
pub fn f64s_out<'a>(v: &Unknown<'a>, name: &str, len: usize) -> Result<&'a mut [f64]> {
    let expected = format!("a Float64Array of {len} elements");
    if !matches!(v.is_typedarray(), Ok(true)) {
        return Err(invalid(name, &expected, v));
    }
    // SAFETY: as in `bytes`; the conversion checks for a Float64Array, and
    // no other Rust reference to this JS memory exists during the call.
    let out = unsafe { v.cast::<&'a mut [f64]>() }.map_err(|_| invalid(name, &expected, v))?;
    if out.len() != len {
        return Err(
            BindingError::invalid_argument(format!("{name}: expected {expected}, got one of {}", out.len())).into(),
        );
    }
    Ok(out)
}

/// The bytes of a `Uint8Array` (or `Buffer`), borrowed mutably without a
/// copy (an output buffer). Valid only during the current synchronous call.
pub fn bytes_out<'a>(v: &Unknown<'a>, name: &str) -> Result<&'a mut [u8]> {
    if !matches!(v.is_typedarray(), Ok(true)) {
        return Err(invalid(name, "a Uint8Array or Buffer", v));
    }
    // SAFETY: as in `f64s_out`; the conversion checks for a Uint8Array.
    unsafe { v.cast::<&'a mut [u8]>() }.map_err(|_| invalid(name, "a Uint8Array or Buffer", v))
}

/// The elements of a `Uint32Array`, borrowed without a copy. Valid only
/// during the current synchronous call.
pub fn u32s<'a>(v: &Unknown<'a>, name: &str) -> Result<&'a [u32]> {
    if !matches!(v.is_typedarray(), Ok(true)) {
        return Err(invalid(name, "a Uint32Array", v));
    }
    // SAFETY: as in `bytes`; the conversion checks for a Uint32Array.
    unsafe { v.cast::<&'a [u32]>() }.map_err(|_| invalid(name, "a Uint32Array", v))
}

/// A finite non-negative integer (a count such as `k`).
pub fn count(v: Unknown<'_>, name: &str) -> Result<usize> {
    if !matches!(v.get_type(), Ok(ValueType::Number)) {
        return Err(invalid(name, "a non-negative integer", &v));
    }
    // SAFETY: checked to be a number.
    let n = unsafe { v.cast::<f64>() }.map_err(|_| invalid(name, "a non-negative integer", &v))?;
    // NaN and ±Infinity fail `fract() == 0.0`.
    if !(n >= 0.0 && n.fract() == 0.0) {
        return Err(BindingError::invalid_argument(format!("{name}: expected a non-negative integer, got {n}")).into());
    }
    // `as` saturates: values beyond usize::MAX (on 32-bit targets) become "all".
    Ok(n as usize)
}

/// Borrow owned strings as the `&[&str]` the core takes.
pub fn as_strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}
