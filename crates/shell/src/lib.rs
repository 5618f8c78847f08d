//! kubarium-shell: the learner's terminal. A bash subset, `kubectl` and the other commands
//! the seeds use, printing exactly what the real tools print, against a simulated cluster.

pub mod addons;
pub mod bash;
pub mod commands;
pub mod completion;
pub mod kubectl;
pub mod node_files;
pub mod output;
pub mod printers;
pub mod session;
pub mod tools;

pub use completion::Completion;
pub use output::{Output, Stream};
pub use session::{run_script, Session, SessionOptions};
