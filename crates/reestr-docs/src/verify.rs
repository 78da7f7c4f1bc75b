//! Offline verification of an extract, in any of its three forms, with the register's public
//! keys: the signature over the content, the issuance event's commitment to it, the event's
//! inclusion under a signed checkpoint, and for a page or PDF, that what it shows is exactly the
//! rendering of its signed content.

use base64::{Engine, prelude::BASE64_STANDARD};
use reestr_core::{ErrorCode, event::EventKind};
use reestr_ledger::{keys::Verifiers, leaf::leaf_hash};

use crate::{
    content::{Extract, FORMAT},
    document::{Document, EMBEDDED_MARKER, digest, signed_text},
    html, pdf,
};

/// Why an extract is not genuine. The messages never repeat the extract's data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("not an extract of the register: {0}")]
    Malformed(String),
    #[error("the signature does not verify with the register's keys: {0}")]
    Signature(String),
    #[error("the proof of issuance does not hold: {0}")]
    Proof(String),
    #[error("altered: {0}")]
    Altered(String),
}

impl ErrorCode for VerifyError {
    fn code(&self) -> &'static str {
        match self {
            VerifyError::Malformed(_) => "extract_malformed",
            VerifyError::Signature(_) => "extract_signature_invalid",
            VerifyError::Proof(_) => "extract_proof_invalid",
            VerifyError::Altered(_) => "extract_altered",
        }
    }
}

/// A genuine extract.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    pub extract: Extract,
    /// `name+hash` of the key that signed it.
    pub signed_by: String,
    /// The issuance event's sequence number.
    pub event: u64,
    /// The size of the log's checkpoint the proof is against.
    pub checkpoint_size: u64,
}

/// The form a file is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Json,
    Html,
    Pdf,
}

/// Verifies a document.
pub fn verify_document(doc: &Document, verifiers: &Verifiers) -> Result<Verified, VerifyError> {
    let text = signed_text(&doc.extract);
    let (opened, signed_by) =
        verifiers.open_note(doc.note().as_bytes()).map_err(|e| VerifyError::Signature(e.to_string()))?;
    if opened != text {
        return Err(VerifyError::Signature("the signed text is not the content".into()));
    }
    let extract: Extract =
        serde_json::from_value(doc.extract.clone()).map_err(|e| VerifyError::Malformed(e.to_string()))?;
    if extract.format != FORMAT {
        return Err(VerifyError::Malformed(format!("unknown format {:?}", extract.format)));
    }
    let bundle = doc.proof.as_ref().ok_or_else(|| VerifyError::Proof("the document has no proof".into()))?;
    let e = &bundle.event;
    let payload = |k: &str| e.payload.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
    if e.kind != EventKind::ExtractIssued
        || e.person.map(|p| p.0) != Some(extract.person.id)
        || payload("number") != extract.number
        || payload("sha256") != digest(&doc.extract)
    {
        return Err(VerifyError::Proof("the log's event records another extract".into()));
    }
    if bundle.proof.leaf_index + 1 != e.seq {
        return Err(VerifyError::Proof("the proof is for another leaf".into()));
    }
    let salt = BASE64_STANDARD.decode(&bundle.salt).map_err(|_| VerifyError::Proof("a malformed salt".into()))?;
    let size =
        bundle.proof.verify(leaf_hash(&salt, e), verifiers).map_err(|err| VerifyError::Proof(err.to_string()))?;
    Ok(Verified { extract, signed_by, event: e.seq, checkpoint_size: size })
}

/// The form of a file, by its first bytes.
pub fn form_of(bytes: &[u8]) -> Form {
    if bytes.starts_with(b"%PDF-") {
        Form::Pdf
    } else if bytes.starts_with(b"<!DOCTYPE html") {
        Form::Html
    } else {
        Form::Json
    }
}

fn embedded(bytes: &[u8]) -> Result<Document, VerifyError> {
    let start = bytes
        .windows(EMBEDDED_MARKER.len())
        .position(|w| w == EMBEDDED_MARKER)
        .ok_or_else(|| VerifyError::Malformed("no signed content inside".into()))?;
    serde_json::Deserializer::from_slice(&bytes[start..])
        .into_iter::<Document>()
        .next()
        .ok_or_else(|| VerifyError::Malformed("no signed content inside".into()))?
        .map_err(|e| VerifyError::Malformed(e.to_string()))
}

/// Verifies a file: JSON, a printable page or a PDF.
pub fn verify_file(bytes: &[u8], verifiers: &Verifiers) -> Result<Verified, VerifyError> {
    match form_of(bytes) {
        Form::Json => {
            let doc: Document = serde_json::from_slice(bytes).map_err(|e| VerifyError::Malformed(e.to_string()))?;
            verify_document(&doc, verifiers)
        }
        form => {
            let doc = embedded(bytes)?;
            let verified = verify_document(&doc, verifiers)?;
            let rendered = match form {
                Form::Html => html::render(&doc).map(String::into_bytes),
                _ => pdf::render(&doc),
            }
            .map_err(|e| VerifyError::Malformed(e.to_string()))?;
            if rendered != bytes {
                return Err(VerifyError::Altered("what the file shows differs from its signed content".into()));
            }
            Ok(verified)
        }
    }
}

/// The content of a document, for rendering.
pub fn content_of(doc: &Document) -> crate::Result<Extract> {
    serde_json::from_value(doc.extract.clone()).map_err(|e| crate::DocsError::Render(e.to_string()))
}
