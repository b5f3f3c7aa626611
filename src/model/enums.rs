//! String enums from the AWS model. Every enum keeps values it does not know
//! (`Unknown(String)`), so a newer service never breaks an older client.

/// Defines a string enum with the given wire values and an `Unknown` variant.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
        pub enum $name {
            $($variant,)+
            /// A value this build does not know, kept as sent.
            Unknown(String),
        }

        impl $name {
            /// Every value the model defines, in model order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value as it appears on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => stringify!($variant),)+
                    $name::Unknown(s) => s.as_str(),
                }
            }

            /// Whether the value is one the model defines.
            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Unknown(_))
            }

            /// The model's values joined for error messages: `[A, B, C]`.
            pub fn allowed() -> String {
                let names: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                format!("[{}]", names.join(", "))
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $(stringify!($variant) => $name::$variant,)+
                    other => $name::Unknown(other.to_string()),
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            /// Strict parse: only the model's values (for flags and forms),
            /// in any case as people type them (`pro` is `Pro`).
            fn from_str(s: &str) -> Result<Self, String> {
                let v = $name::from(s);
                let v = if v.is_known() {
                    Some(v)
                } else {
                    Self::ALL.iter().find(|k| k.as_str().eq_ignore_ascii_case(s.trim())).cloned()
                };
                if let Some(v) = v {
                    Ok(v)
                } else {
                    let near = crate::text::did_you_mean(s, Self::ALL.iter().map(|k| k.as_str()));
                    Err(format!(
                        "invalid {} {:?}: {near}expected one of {}",
                        stringify!($name),
                        crate::text::visible(s),
                        Self::allowed()
                    ))
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Ok($name::from(s.as_ref()))
            }
        }
    };
}

string_enum!(
    /// `License`
    License { Basic, Plus, Pro, ProTrial }
);
string_enum!(
    /// `AccountType`
    AccountType { Team, EnterpriseDirectory, EnterpriseLWA, EnterpriseOIDC }
);
string_enum!(
    /// `AccountStatus`
    AccountStatus { Suspended, Active }
);
string_enum!(
    /// `UserType`
    UserType { PrivateUser, SharedDevice }
);
string_enum!(
    /// `RegistrationStatus`
    RegistrationStatus { Unregistered, Registered, Suspended }
);
string_enum!(
    /// `InviteStatus`
    InviteStatus { Pending, Accepted, Failed }
);
string_enum!(
    /// `EmailStatus`
    EmailStatus { NotSent, Sent, Failed }
);
string_enum!(
    /// `ErrorCode`: the `Code` of error bodies and the `ErrorCode` of per-user errors.
    ErrorCode {
        BadRequest,
        Conflict,
        Forbidden,
        NotFound,
        PreconditionFailed,
        ResourceLimitExceeded,
        ServiceFailure,
        AccessDenied,
        ServiceUnavailable,
        Throttled,
        Throttling,
        Unauthorized,
        Unprocessable,
        VoiceConnectorGroupAssociationsExist,
        PhoneNumberAssociationsExist,
    }
);

impl ErrorCode {
    /// Per-user errors worth sending again (the client's batch helpers retry these only).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ErrorCode::ServiceFailure
                | ErrorCode::ServiceUnavailable
                | ErrorCode::Throttled
                | ErrorCode::Throttling
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_values_survive_a_round_trip() {
        let v: License = serde_json::from_str("\"Gold\"").expect("parse");
        assert_eq!(v, License::Unknown("Gold".into()));
        assert_eq!(serde_json::to_string(&v).expect("ser"), "\"Gold\"");
        assert!("Gold".parse::<License>().is_err());
        assert_eq!("Pro".parse::<License>(), Ok(License::Pro));
        assert_eq!(License::allowed(), "[Basic, Plus, Pro, ProTrial]");
    }
}
