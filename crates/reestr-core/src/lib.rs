//! The register's pure domain.
//!
//! Nothing here performs I/O or reads the clock: every function that depends on time takes the
//! instant as an argument, so the same input always gives the same output.

pub mod access;
pub mod calendar;
pub mod campaign;
pub mod correction;
pub mod days;
pub mod deadline;
pub mod event;
pub mod explain;
pub mod ids;
pub mod measure;
pub mod notice;
pub mod person;
pub mod policy;
pub mod region;
pub mod summons;
pub mod zone;

/// A stable, snake_case code for an error: the API's `error` field and the key of its message.
pub trait ErrorCode {
    fn code(&self) -> &'static str;
}
