//! The exceptions of the Chime admin API: exception name (what
//! `x-amzn-ErrorType` carries), HTTP status and `ErrorCode` body value.

use super::enums::ErrorCode;

/// The service's exception shapes, plus the two SigV4 ones AWS's front door sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExceptionKind {
    BadRequest,
    ResourceLimitExceeded,
    UnauthorizedClient,
    Forbidden,
    AccessDenied,
    NotFound,
    Conflict,
    UnprocessableEntity,
    ThrottledClient,
    ServiceFailure,
    ServiceUnavailable,
    /// SigV4: the access key is not known.
    UnrecognizedClient,
    /// SigV4: the signature does not match, or the request is too old.
    InvalidSignature,
    /// The body was larger than the service accepts.
    PayloadTooLarge,
}

impl ExceptionKind {
    pub const ALL: &'static [ExceptionKind] = &[
        ExceptionKind::BadRequest,
        ExceptionKind::ResourceLimitExceeded,
        ExceptionKind::UnauthorizedClient,
        ExceptionKind::Forbidden,
        ExceptionKind::AccessDenied,
        ExceptionKind::NotFound,
        ExceptionKind::Conflict,
        ExceptionKind::UnprocessableEntity,
        ExceptionKind::ThrottledClient,
        ExceptionKind::ServiceFailure,
        ExceptionKind::ServiceUnavailable,
        ExceptionKind::UnrecognizedClient,
        ExceptionKind::InvalidSignature,
        ExceptionKind::PayloadTooLarge,
    ];

    /// The name in `x-amzn-ErrorType`.
    pub fn exception_name(self) -> &'static str {
        match self {
            ExceptionKind::BadRequest => "BadRequestException",
            ExceptionKind::ResourceLimitExceeded => "ResourceLimitExceededException",
            ExceptionKind::UnauthorizedClient => "UnauthorizedClientException",
            ExceptionKind::Forbidden => "ForbiddenException",
            ExceptionKind::AccessDenied => "AccessDeniedException",
            ExceptionKind::NotFound => "NotFoundException",
            ExceptionKind::Conflict => "ConflictException",
            ExceptionKind::UnprocessableEntity => "UnprocessableEntityException",
            ExceptionKind::ThrottledClient => "ThrottledClientException",
            ExceptionKind::ServiceFailure => "ServiceFailureException",
            ExceptionKind::ServiceUnavailable => "ServiceUnavailableException",
            ExceptionKind::UnrecognizedClient => "UnrecognizedClientException",
            ExceptionKind::InvalidSignature => "InvalidSignatureException",
            ExceptionKind::PayloadTooLarge => "RequestEntityTooLargeException",
        }
    }

    pub fn status(self) -> u16 {
        match self {
            ExceptionKind::BadRequest | ExceptionKind::ResourceLimitExceeded => 400,
            ExceptionKind::UnauthorizedClient => 401,
            ExceptionKind::Forbidden
            | ExceptionKind::AccessDenied
            | ExceptionKind::UnrecognizedClient
            | ExceptionKind::InvalidSignature => 403,
            ExceptionKind::NotFound => 404,
            ExceptionKind::Conflict => 409,
            ExceptionKind::PayloadTooLarge => 413,
            ExceptionKind::UnprocessableEntity => 422,
            ExceptionKind::ThrottledClient => 429,
            ExceptionKind::ServiceFailure => 500,
            ExceptionKind::ServiceUnavailable => 503,
        }
    }

    /// The `Code` the body carries (an `ErrorCode` value).
    pub fn code(self) -> ErrorCode {
        match self {
            ExceptionKind::BadRequest | ExceptionKind::PayloadTooLarge => ErrorCode::BadRequest,
            ExceptionKind::ResourceLimitExceeded => ErrorCode::ResourceLimitExceeded,
            ExceptionKind::UnauthorizedClient
            | ExceptionKind::UnrecognizedClient
            | ExceptionKind::InvalidSignature => ErrorCode::Unauthorized,
            ExceptionKind::Forbidden => ErrorCode::Forbidden,
            ExceptionKind::AccessDenied => ErrorCode::AccessDenied,
            ExceptionKind::NotFound => ErrorCode::NotFound,
            ExceptionKind::Conflict => ErrorCode::Conflict,
            ExceptionKind::UnprocessableEntity => ErrorCode::Unprocessable,
            ExceptionKind::ThrottledClient => ErrorCode::Throttled,
            ExceptionKind::ServiceFailure => ErrorCode::ServiceFailure,
            ExceptionKind::ServiceUnavailable => ErrorCode::ServiceUnavailable,
        }
    }

    pub fn from_exception_name(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|k| k.exception_name() == name)
    }

    /// Whether a client may send the request again (429 and 5xx).
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            ExceptionKind::ThrottledClient
                | ExceptionKind::ServiceFailure
                | ExceptionKind::ServiceUnavailable
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for k in ExceptionKind::ALL {
            assert_eq!(
                ExceptionKind::from_exception_name(k.exception_name()),
                Some(*k)
            );
        }
        assert_eq!(ExceptionKind::NotFound.status(), 404);
        assert_eq!(ExceptionKind::NotFound.code(), ErrorCode::NotFound);
    }
}
