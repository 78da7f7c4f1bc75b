//! The extract as a file: the signed content, its signature and the proof of its issuance.
//!
//! ```json
//! { "extract": { ...the content... },
//!   "signature": "— reestr.local/log <base64>\n",
//!   "proof": { "checkpoint": "<signed note>", "leaf_index": 41, "inclusion": ["<base64>", ...],
//!              "event": { ...the extract_issued event... }, "salt": "<base64>" } }
//! ```
//!
//! What is signed is a C2SP signed note whose text is `reestr-extract/1`, a newline, the RFC 8785
//! canonical JSON of `extract` as it stands in the file, and a newline. The issuance event's
//! payload names the extract's number and commits to that text by SHA-256; the proof shows that
//! event (with its salt) is a leaf of the tree a signed checkpoint covers.

use reestr_core::event::Event;
use reestr_ledger::Proof;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::content::FORMAT;

/// The proof that the extract's issuance is in the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bundle {
    #[serde(flatten)]
    pub proof: Proof,
    /// The `extract_issued` event, as its leaf commits to it.
    pub event: Event,
    /// The event's salt, base64.
    pub salt: String,
}

/// An extract file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// The signed content, kept as JSON so that exactly what is in the file is checked.
    pub extract: serde_json::Value,
    /// The signature lines of the signed note.
    pub signature: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<Bundle>,
}

/// The text the register signs for an extract's content.
pub fn signed_text(extract: &serde_json::Value) -> String {
    let canonical = serde_json_canonicalizer::to_string(extract).unwrap_or_default();
    format!("{FORMAT}\n{canonical}\n")
}

/// SHA-256 of the signed text, hex: what the issuance event commits to.
pub fn digest(extract: &serde_json::Value) -> String {
    hex::encode(Sha256::digest(signed_text(extract).as_bytes()))
}

impl Document {
    /// The whole signed note: text, blank line, signature lines.
    pub fn note(&self) -> String {
        format!("{}\n{}", signed_text(&self.extract), self.signature)
    }

    /// The JSON file form, pretty-printed.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// The compact form embedded in pages and PDFs; `<` is escaped so that it can sit inside an
    /// HTML `<script>` element.
    pub fn to_embedded(&self) -> String {
        serde_json::to_string(self).unwrap_or_default().replace('<', "\\u003c")
    }
}

/// How an embedded document starts: the key its JSON begins with.
pub const EMBEDDED_MARKER: &[u8] = b"{\"extract\":{";
