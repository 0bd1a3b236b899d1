//! JS errors and argument conversion.
//!
//! Every error leaving the module is a JS `Error` whose `code` property is a
//! stable string: the core's `ErrorCode::as_str()`, or `INVALID_ARGUMENT` when a
//! JS value has the wrong type. Arguments arrive as `JsValue` and are checked
//! here, so a wrong type is a coded error rather than a glue-code exception.

use js_sys::{Array, Float64Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

pub type JsResult<T> = Result<T, JsValue>;

/// A JS `Error` with `message` and a `code` property.
pub fn js_error(code: &str, message: &str) -> JsValue {
    let error = js_sys::Error::new(message);
    // Setting a property on a fresh Error object cannot fail.
    let _ = Reflect::set(&error, &JsValue::from_str("code"), &JsValue::from_str(code));
    error.into()
}

/// The core's error as a coded JS error.
pub fn core_error(e: sentio_core::Error) -> JsValue {
    js_error(e.code.as_str(), &e.message)
}

pub fn invalid_argument(message: &str) -> JsValue {
    js_error("INVALID_ARGUMENT", message)
}

/// `sentio_core::Result<T>` to `JsResult<T>`.
pub trait OrThrow<T> {
    fn or_throw(self) -> JsResult<T>;
}

impl<T> OrThrow<T> for sentio_core::Result<T> {
    fn or_throw(self) -> JsResult<T> {
        self.map_err(core_error)
    }
}

/// JS `null` or `undefined`.
pub fn is_nullish(v: &JsValue) -> bool {
    v.is_null() || v.is_undefined()
}

pub fn string_arg(v: &JsValue, name: &str) -> JsResult<String> {
    v.as_string()
        .ok_or_else(|| invalid_argument(&format!("{name}: expected a string")))
}

/// A JS array whose every element is a string.
pub fn string_array(v: &JsValue, name: &str) -> JsResult<Vec<String>> {
    let array: &Array = v
        .dyn_ref()
        .ok_or_else(|| invalid_argument(&format!("{name}: expected an array of strings")))?;
    let mut out = Vec::with_capacity(array.length() as usize);
    for (i, item) in array.iter().enumerate() {
        match item.as_string() {
            Some(s) => out.push(s),
            None => return Err(invalid_argument(&format!("{name}[{i}]: expected a string"))),
        }
    }
    Ok(out)
}

/// Borrowed `&str`s of owned strings, as the core takes them.
pub fn as_strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// A `Uint8Array` (or a subclass such as Node's `Buffer`), copied into wasm memory.
pub fn bytes_arg(v: &JsValue, name: &str) -> JsResult<Vec<u8>> {
    v.dyn_ref::<Uint8Array>()
        .map(Uint8Array::to_vec)
        .ok_or_else(|| invalid_argument(&format!("{name}: expected a Uint8Array")))
}

pub fn float64_array_arg(v: &JsValue, name: &str) -> JsResult<Vec<f64>> {
    v.dyn_ref::<Float64Array>()
        .map(Float64Array::to_vec)
        .ok_or_else(|| invalid_argument(&format!("{name}: expected a Float64Array")))
}

/// A whole number in `0..=u32::MAX` (JS numbers are f64: reject fractions,
/// negatives and NaN instead of letting the ABI wrap them).
pub fn count_arg(v: f64, name: &str) -> JsResult<usize> {
    if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= u32::MAX as f64 {
        Ok(v as usize)
    } else {
        Err(invalid_argument(&format!(
            "{name}: expected a whole number >= 0, got {v}"
        )))
    }
}

/// `object[key] = value` on a plain object we just created (cannot fail).
pub fn set(object: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(object, &JsValue::from_str(key), value);
}
