//! Kubarium's web page: a yew app around a `kubarium_shell::Session`.
//!
//! `view_models` is plain data and logic (tested natively); `engine_context` holds the one
//! reducer-backed state and the clock; `components` only render and dispatch.

pub mod app;
pub mod components;
pub mod engine_context;
pub mod view_models;

pub use app::{App, AppProps};
