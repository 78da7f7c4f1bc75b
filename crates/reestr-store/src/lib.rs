//! The storage boundary.
//!
//! A backend implements [`Store`]: transactions, and primitive reads and writes of rows. The
//! register's use cases ([`Register`]) are written once, over that trait, so every backend
//! behaves the same; personal data is sealed by the [`Codec`] before a backend sees it.
//! [`conformance`] holds the tests each backend runs to prove it.

mod codec;
pub mod conformance;
mod error;
pub mod image;
mod keyring;
mod register;
mod row;
mod store;
pub mod time;

pub use codec::{Codec, Lookup};
pub use error::{Result, StoreError};
pub use keyring::{BLIND_LEN, Blind, Keyring};
pub use register::*;
pub use row::{HistoryRow, PersonRow, StoredPerson, StoredSummons, SummonsRow, name_key};
pub use store::*;
