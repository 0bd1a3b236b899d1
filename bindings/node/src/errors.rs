//! Errors at the JS boundary.
//!
//! Every error the addon throws (or rejects with) is a JS `Error` whose `code`
//! is a stable string: the core's [`sentio_core::ErrorCode`] strings, plus the
//! binding's own [`INVALID_ARGUMENT`], [`TRAINER_BUSY`], [`TRAINER_FINISHED`]
//! and [`PANIC`]. napi-rs turns an `napi::Error<S>` into a JS error whose
//! `code` is `status.as_ref()`, so a `String` status carries the code.
//!
//! A Rust panic must never unwind into Node: [`guard`] runs the body of every
//! export under `catch_unwind` and turns a panic into a `PANIC` error (the
//! `#[napi(catch_unwind)]` attribute on each export additionally covers the
//! generated argument/return conversions).

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

use napi::bindgen_prelude::JsError;
use napi::Env;

/// A JS value was not of the type the API expects.
pub const INVALID_ARGUMENT: &str = "INVALID_ARGUMENT";
/// A trainer was used while one of its async calls was running.
pub const TRAINER_BUSY: &str = "TRAINER_BUSY";
/// A trainer was used after `finish()` / `finishAsync()`.
pub const TRAINER_FINISHED: &str = "TRAINER_FINISHED";
/// A Rust panic was caught at the boundary (a bug in the engine or binding).
pub const PANIC: &str = "PANIC";

/// What every export returns: the `String` status becomes the JS `err.code`.
pub type Result<T> = std::result::Result<T, napi::Error<String>>;

/// An error that owns plain Rust data only, so async tasks can carry it from
/// the libuv pool back to the JS thread (`napi::Error` keeps JS references).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingError {
    pub code: &'static str,
    pub message: String,
}

impl BindingError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        BindingError {
            code,
            message: message.into(),
        }
    }

    pub fn invalid_argument(message: impl Into<String>) -> Self {
        BindingError::new(INVALID_ARGUMENT, message)
    }

    /// A caught panic, with its payload's message when it has one.
    pub fn panic(payload: Box<dyn Any + Send>) -> Self {
        let detail = if let Some(s) = payload.downcast_ref::<&str>() {
            (*s).to_string()
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.clone()
        } else {
            "unknown panic payload".to_string()
        };
        // Drop the payload here, not somewhere a second panic could escape.
        std::mem::forget(payload);
        BindingError::new(PANIC, format!("internal error (Rust panic): {detail}"))
    }

    /// The JS error object, for rejecting a promise from a `Task`: it is
    /// created here with its `code` and handed to napi-rs as a retained JS
    /// value, which the promise is rejected with verbatim.
    pub fn into_rejection(self, env: Env) -> napi::Error {
        let js = JsError::from(napi::Error::new(self.code, self.message)).into_unknown(env);
        napi::Error::from(js)
    }
}

impl From<sentio_core::Error> for BindingError {
    fn from(e: sentio_core::Error) -> Self {
        BindingError {
            code: e.code.as_str(),
            message: e.message,
        }
    }
}

impl From<BindingError> for napi::Error<String> {
    fn from(e: BindingError) -> Self {
        napi::Error::new(e.code.to_string(), e.message)
    }
}

/// Core error → JS error with the core's stable code.
pub fn core_err(e: sentio_core::Error) -> napi::Error<String> {
    BindingError::from(e).into()
}

/// Run `f`, turning a panic into a `PANIC` error instead of letting it unwind.
pub fn guard<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| Err(BindingError::panic(payload).into()))
}

/// [`guard`] for work on the libuv pool, whose errors must stay plain data.
pub fn guard_task<T>(f: impl FnOnce() -> std::result::Result<T, BindingError>) -> std::result::Result<T, BindingError> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| Err(BindingError::panic(payload)))
}
