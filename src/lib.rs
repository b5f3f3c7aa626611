//! chime-admin: Amazon Chime account administration.
//!
//! - [`model`]: the API's shapes, shared by the client and the service.
//! - [`service`]: the local Chime service (`chime-admin serve`).
//! - [`client`]: the signed, retrying, paging Chime client.
//! - [`headless`]: `accounts`, `users`, `update-users`.
//! - [`console`]: the terminal console.
//! - [`config`]: the config file and where each setting came from.
//! - [`logging`]: the log file every subcommand writes.
//! - [`audit`]: the audit log of every change sent.
//! - [`plan`]: what a change would do to each user.
//! - [`filter`]: the filter language that chooses users, console and headless.
//! - [`text`]: untrusted text made safe for a terminal and a spreadsheet.
//! - [`private_file`]: files and directories created private to the user.

pub mod apply;
pub mod audit;
pub mod cli;
pub mod client;
pub mod columns;
pub mod config;
pub mod console;
pub mod doctor;
pub mod filter;
pub mod headless;
pub mod history;
pub mod logging;
pub mod model;
pub mod plan;
pub mod private_file;
pub mod service;
pub mod text;
