//! The terminal console: pure `update` and `render` around one worker task
//! that owns the client (see DESIGN.md).
//!
//! - [`state`]: what the screen shows; [`action`]: what happens to it;
//!   [`update`]: every behaviour, no IO; [`effect`]: requests for IO;
//!   [`select`]: the users filter, sort, counts and failed-row moves.
//! - [`keys`]: the one key registry (dispatch, footer, help, read-only).
//! - [`worker`]: runs effects with the client; [`run`]: terminal and event loop.
//! - `ui`: drawing.

pub mod action;
pub mod changes;
pub mod cmdline;
pub mod effect;
pub mod export;
pub mod form;
pub mod jobs;
pub mod keys;
pub mod list;
/// The log setup is the crate's ([`crate::logging`]), shared by every subcommand.
pub use crate::logging;
pub mod prompt;
pub mod run;
pub mod select;
pub mod settings;
pub mod state;
pub mod textfield;
pub mod tty;
pub mod ui;
pub mod update;
pub mod worker;

pub use run::{print_config, run, run_demo};
