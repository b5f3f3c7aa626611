//! Counts as the console writes them (messages from `update`, lines drawn by `ui`).

pub use crate::text::{thousands, users_word};
