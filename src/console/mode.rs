//! Where the input keys go: the state decides it ([`Mode`]), the key
//! registry reads it.

/// Where the input keys go, decided by what is on top.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Normal,
    FilterInput,
    Help,
    Dialog,
    Form,
    /// The settings toggles (`T`).
    Settings,
    Prompt,
    /// The `:` command line is open.
    CommandLine,
    /// The history of changes.
    History,
}
