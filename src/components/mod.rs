//! Thin components: each reads the state with `use_engine()` and dispatches actions.

pub mod clock_controls;
pub mod header;
pub mod preset_select;
pub mod scrollback_view;
pub mod terminal;

pub use clock_controls::ClockControls;
pub use header::Header;
pub use preset_select::PresetSelect;
pub use scrollback_view::ScrollbackView;
pub use terminal::Terminal;
