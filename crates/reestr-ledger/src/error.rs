use reestr_core::ErrorCode;
use reestr_store::StoreError;

/// Why a ledger operation failed. Messages carry sequence numbers and sizes, never event data.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the signing key is unusable: {0}")]
    Key(String),
    #[error("the key file {0} could not be read or written: {1}")]
    KeyFile(String, String),
    #[error("the checkpoint is malformed")]
    MalformedCheckpoint,
    #[error("the signature does not verify with any known key of the register: {0}")]
    BadSignature(String),
    #[error(
        "refusing to sign: the tree of size {size} is not consistent with the checkpoint of size {signed} signed before"
    )]
    Inconsistent { size: u64, signed: u64 },
    #[error("the log cannot be hashed: event {seq} {reason}")]
    Unhashable { seq: u64, reason: String },
    #[error("no such proof: {0}")]
    NoProof(String),
    #[error("no such tile: {0}")]
    NoTile(String),
    #[error("the proof does not verify: {0}")]
    BadProof(String),
}

impl ErrorCode for LedgerError {
    fn code(&self) -> &'static str {
        match self {
            LedgerError::Store(e) => e.code(),
            LedgerError::Key(_) => "signing_key_invalid",
            LedgerError::KeyFile(..) => "signing_key_unreadable",
            LedgerError::MalformedCheckpoint => "checkpoint_malformed",
            LedgerError::BadSignature(_) => "signature_invalid",
            LedgerError::Inconsistent { .. } => "checkpoint_inconsistent",
            LedgerError::Unhashable { .. } => "log_unhashable",
            LedgerError::NoProof(_) => "proof_unavailable",
            LedgerError::NoTile(_) => "tile_not_found",
            LedgerError::BadProof(_) => "proof_invalid",
        }
    }
}

impl From<tlog_tiles::Error> for LedgerError {
    fn from(e: tlog_tiles::Error) -> Self {
        LedgerError::BadProof(e.to_string())
    }
}
