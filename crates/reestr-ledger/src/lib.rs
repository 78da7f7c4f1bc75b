//! The tamper-evident log.
//!
//! Every event of the register's log is a leaf of an append-only Merkle tree with RFC 6962
//! hashing, in log order: leaf `i` is the event with sequence number `i + 1`. A leaf commits to
//! the event's canonical form (RFC 8785) with the event's random salt ([`leaf`]), so a proof of
//! inclusion reveals nothing about the event. The tree is kept in Go's `sumdb/tlog` stored-hash
//! layout ([`tree`]), from which proofs and C2SP `tlog-tiles` are read. Checkpoints are C2SP
//! `tlog-checkpoint` texts signed as C2SP signed notes with Ed25519 ([`checkpoint`], [`keys`]);
//! the register never signs one inconsistent with one it signed before ([`Ledger::checkpoint`]).
//! [`audit`] recomputes everything from the database and checks it against the checkpoints.

pub mod audit;
pub mod checkpoint;
mod error;
pub mod keys;
pub mod leaf;
mod ledger;
pub mod tree;

pub use error::LedgerError;
pub use ledger::{Ledger, Proof};
pub use tlog_tiles::Hash;

pub type Result<T, E = LedgerError> = std::result::Result<T, E>;
