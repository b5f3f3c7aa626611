//! The one error type of the service: an exception kind and a message. Every
//! failure a request can meet becomes one of these and then one HTTP answer.

use crate::model::ExceptionKind;

#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    pub kind: ExceptionKind,
    pub message: String,
}

impl ApiError {
    pub fn new(kind: ExceptionKind, message: impl Into<String>) -> Self {
        ApiError {
            kind,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ExceptionKind::BadRequest, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ExceptionKind::NotFound, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ExceptionKind::Conflict, message)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
