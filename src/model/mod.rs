//! The shapes of the Chime admin API, shared by the client and the local
//! service. Nothing here does IO.

pub mod enums;
pub mod errors;
pub mod ops;
pub mod sensitive;
pub mod shapes;
pub mod timestamp;
pub mod validate;

pub use enums::*;
pub use errors::ExceptionKind;
pub use ops::Operation;
pub use sensitive::Sensitive;
pub use shapes::*;
pub use timestamp::Timestamp;
