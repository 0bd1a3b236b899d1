//! Browser binding for the Sentio engine (wasm-bindgen, `--target web`).
//!
//! The JS surface is the one in the engine API contract, minus the native-only
//! async methods: `engineVersion`, `Model`, `Trainer`, `train`, `evaluate`.
//! Errors are JS `Error`s with a stable `code` property (see `errors.rs`).
//! Built with `panic = "abort"`: a panic (which the core never means to raise)
//! surfaces in JS as a `WebAssembly.RuntimeError`, after which the instance
//! must not be used again.

mod errors;
mod metrics;
mod model;
mod trainer;

use wasm_bindgen::prelude::*;

pub use metrics::evaluate;
pub use model::Model;
pub use trainer::{train, Trainer};

/// Version of the engine this module was built from.
#[wasm_bindgen(js_name = engineVersion)]
pub fn engine_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
