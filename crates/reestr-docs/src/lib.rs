//! Extracts from the register: the two kinds of PRODUCT.md, with different content.
//!
//! An extract's content ([`content::Extract`]) is signed in its RFC 8785 canonical form as a
//! C2SP signed note with the register's key; its issuance is an event of the log, and the
//! document carries the proof of that event's inclusion under a signed checkpoint
//! ([`document::Document`]). It is rendered as a printable page ([`html`]) and a PDF ([`pdf`]),
//! each with a QR code leading to `/verify/{number}` and the signed document embedded, so that
//! [`verify`] can check any of the three forms offline with the register's public keys.

pub mod content;
pub mod document;
mod error;
pub mod html;
mod issue;
pub mod pdf;
mod qr;
pub mod verify;
pub mod view;

pub use error::DocsError;
pub use issue::{Extracts, Lookup};

pub type Result<T, E = DocsError> = std::result::Result<T, E>;
