//! Node.js binding for the Sentio engine (napi-rs v3).
//!
//! Mirrors the core crate: [`model`] (`Model`), [`trainer`] (`Trainer`,
//! `train`), [`metrics`] (`evaluate`), [`digest`] (`sha256EachText`, for the
//! prediction log); [`tasks`] holds the libuv-pool work
//! behind the `*Async` exports, [`errors`] the JS error mapping (stable
//! `code`s, panics caught), and [`args`] the argument checks. No global
//! mutable state: models are `Arc`s, so the addon works from `worker_threads`.
//! The generated `index.d.ts` documents the JS API.

use napi_derive::napi;

#[cfg(target_os = "linux")]
mod alloc;

#[cfg(target_os = "linux")]
#[global_allocator]
static ALLOCATOR: alloc::Allocator = alloc::Allocator;

// Public so that the exports stay "used" in every build: napi-derive only
// registers them with Node outside `cfg(test)`, and `cargo clippy
// --all-targets` checks that configuration too.
mod args;
pub mod digest;
pub mod errors;
pub mod metrics;
pub mod model;
pub mod tasks;
pub mod trainer;

/// Version of the engine this addon was built from.
#[napi(catch_unwind)]
pub fn engine_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
