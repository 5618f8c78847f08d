//! Simulated time, seeded randomness and the trace of what happened.

pub mod agenda;
pub mod clock;
pub mod rng;
pub mod trace;

pub use agenda::Agenda;
pub use clock::SimTime;
pub use rng::Rng;
pub use trace::{Trace, TraceEntry};
