//! The storage boundary.
//!
//! A backend implements [`Store`]: transactions and primitive reads and writes of rows. The
//! register's use cases ([`Register`]) are written once, over that trait, so every backend
//! behaves the same; [`conformance`] holds the tests each backend runs to prove it.

pub mod conformance;
mod error;
pub mod image;
mod register;
mod row;
mod store;
pub mod time;

pub use error::{Result, StoreError};
pub use register::{ClockReport, ImportRow, Register, RowOutcome, Stats};
pub use row::{Lookup, PersonRow};
pub use store::{HistoryEntry, Inserted, NewEvent, ReadTx, Store, StoredSummons, WriteTx};
