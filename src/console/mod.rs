//! The terminal console: pure `update` and `render` around one worker task
//! that owns the client. The layers and the way a change is made (a plan)
//! are written down in `docs/architecture.md`.
//!
//! Every import points down (tests/architecture.rs checks it):
//! - [`command`]: every command by name (the key commands, the `:` line's);
//!   [`mode`]: where the keys go; [`keys`]: the one key registry (keys, help
//!   line, footer hint, read-only); [`keymap`]: the registry with the
//!   config's keys, which dispatch, the footer and the help read; [`theme`],
//!   [`layout`], [`text`]: plain data and arithmetic.
//! - [`columns`]: the users table's columns (titles, widths, sort words);
//!   [`state`]: what the screen shows; [`action`]: what happens to it (the
//!   worker's answers as domain results); [`effect`]: requests for IO and
//!   their payloads; [`help`]: the `?` overlay's text.
//! - [`update`]: every behaviour, no IO, never the drawing (`update/browse`,
//!   `changes`, `cmdline`, `select`, under the dispatch in `update/mod.rs`);
//!   `update/words` puts the worker's answers into the screen's words.
//! - `ui`: drawing from `&State`.
//! - [`worker`]: runs effects with the client; [`run`](mod@run): terminal and event loop.

pub mod action;
pub mod columns;
pub mod command;
pub mod effect;
pub mod export;
pub mod form;
pub mod help;
pub mod jobs;
pub mod keymap;
pub mod keys;
pub mod layout;
pub mod list;
pub mod mode;
/// The log setup is the crate's ([`crate::logging`]), shared by every subcommand.
pub use crate::logging;
pub mod prompt;
pub mod run;
pub mod settings;
pub mod state;
pub mod text;
pub mod textfield;
pub mod theme;
pub mod tty;
pub mod ui;
pub mod update;
pub mod worker;

pub use run::{print_config, run, run_demo};
