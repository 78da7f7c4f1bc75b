//! Time zones by IANA name, from the time-zone database bundled into the binary.
//!
//! The crate enables only jiff's bundled database, so deadlines never depend on the host's copy.

use std::fmt;

use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use crate::ErrorCode;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown time zone {0:?} (expected an IANA name such as Europe/Moscow)")]
pub struct UnknownZone(pub String);

impl ErrorCode for UnknownZone {
    fn code(&self) -> &'static str {
        "unknown_zone"
    }
}

/// A time zone together with the IANA name it was found under.
#[derive(Clone)]
pub struct Zone {
    name: String,
    tz: TimeZone,
}

impl Zone {
    pub fn get(name: &str) -> Result<Zone, UnknownZone> {
        TimeZone::get(name).map(|tz| Zone { name: name.to_owned(), tz }).map_err(|_| UnknownZone(name.to_owned()))
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn tz(&self) -> &TimeZone {
        &self.tz
    }
}

impl PartialEq for Zone {
    fn eq(&self, other: &Zone) -> bool {
        self.name == other.name
    }
}
impl Eq for Zone {}

impl fmt::Debug for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Zone({})", self.name)
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl std::str::FromStr for Zone {
    type Err = UnknownZone;
    fn from_str(s: &str) -> Result<Zone, UnknownZone> {
        Zone::get(s)
    }
}

impl Serialize for Zone {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name)
    }
}

impl<'de> Deserialize<'de> for Zone {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Zone::get(&s).map_err(serde::de::Error::custom)
    }
}
