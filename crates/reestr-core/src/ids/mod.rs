//! Identifiers of a person: SNILS, INN and the internal passport.
//!
//! Each is a type with a checking constructor (`FromStr`), so a value that exists has passed its
//! checks. `Debug` never prints the value: these are personal data and must not reach logs.

mod inn;
mod passport;
mod snils;

pub use inn::Inn;
pub use passport::{IssuerCode, Passport, PassportNumber, PassportSeries};
pub use snils::Snils;

use crate::ErrorCode;

/// Why a string is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("must consist of digits (separators '-' and ' ' allowed)")]
    NotDigits,
    #[error("must have {expected} digits, found {found}")]
    Length { expected: &'static str, found: usize },
    #[error("the check digits do not match")]
    Checksum,
    #[error("must have the form NNN-NNN")]
    IssuerCodeFormat,
}

impl ErrorCode for IdError {
    fn code(&self) -> &'static str {
        match self {
            IdError::NotDigits => "not_digits",
            IdError::Length { .. } => "wrong_length",
            IdError::Checksum => "checksum_mismatch",
            IdError::IssuerCodeFormat => "issuer_code_format",
        }
    }
}

/// The decimal digits of `s`, ignoring the separators `-` and ` `.
fn digits(s: &str) -> Result<Vec<u8>, IdError> {
    s.bytes()
        .filter(|b| *b != b'-' && *b != b' ')
        .map(|b| if b.is_ascii_digit() { Ok(b - b'0') } else { Err(IdError::NotDigits) })
        .collect()
}

/// Implements `Debug` without the value, so identifiers never leak into logs.
macro_rules! redacted_debug {
    ($t:ty) => {
        impl std::fmt::Debug for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($t), "(<redacted>)"))
            }
        }
    };
}
pub(crate) use redacted_debug;

/// Serde by the canonical text form, parsing (and so checking) on the way in.
macro_rules! serde_via_str {
    ($t:ty) => {
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use serde_via_str;
