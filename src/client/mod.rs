//! The Chime client. (Stub: being built under issue 4.)
