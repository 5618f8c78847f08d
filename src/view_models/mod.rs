//! What the page shows, as plain data: no yew, no browser. Everything here is unit-tested
//! natively; the components only render it.

pub mod line_editor;
pub mod scrollback;
pub mod sim_time;

pub use line_editor::LineEditor;
pub use scrollback::{Entry, EntryKind, Scrollback};
