use reestr_core::ErrorCode;
use reestr_ledger::LedgerError;
use reestr_store::StoreError;

/// Why an extract could not be made or found.
#[derive(Debug, thiserror::Error)]
pub enum DocsError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error("the person's record lacks {0}, which the extract needs")]
    Incomplete(&'static str),
    #[error("the extract could not be rendered: {0}")]
    Render(String),
}

impl ErrorCode for DocsError {
    fn code(&self) -> &'static str {
        match self {
            DocsError::Store(e) => e.code(),
            DocsError::Ledger(e) => e.code(),
            DocsError::Incomplete(_) => "record_incomplete",
            DocsError::Render(_) => "render_failed",
        }
    }
}

impl From<serde_json::Error> for DocsError {
    fn from(e: serde_json::Error) -> Self {
        DocsError::Render(e.to_string())
    }
}
