use reestr_core::{
    ErrorCode,
    access::AccessError,
    campaign::CampaignError,
    correction::CorrectionError,
    notice::NoticeError,
    person::Problem,
    policy::PolicyError,
    region::{RegionCode, RegionError},
    summons::SummonsError,
};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Why a use case failed. Messages never carry personal data.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no {what} {key}")]
    NotFound { what: &'static str, key: String },
    #[error("the register does not yet operate in region {0}")]
    RegionOff(RegionCode),
    #[error("the record is invalid: {}", .0.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<Problem>),
    #[error("{0}")]
    BadRequest(String),
    #[error(transparent)]
    Access(AccessError),
    #[error(transparent)]
    Correction(#[from] CorrectionError),
    #[error("keys: {0}")]
    Keys(String),
    #[error(transparent)]
    Summons(#[from] SummonsError),
    #[error(transparent)]
    Region(#[from] RegionError),
    #[error(transparent)]
    Campaign(#[from] CampaignError),
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error(transparent)]
    Notice(#[from] NoticeError),
    #[error("the database is in use by another writer; try again")]
    Busy,
    #[error("the target database is not empty")]
    NotEmpty,
    #[error("the copy differs from its source in {0}")]
    CopyMismatch(String),
    #[error("the stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("storage error: {0}")]
    Backend(String),
}

impl StoreError {
    /// The field of the request a refused campaign or correction is about, for a form to mark.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            StoreError::Campaign(e) => e.field(),
            StoreError::Correction(e) => e.field(),
            _ => None,
        }
    }
}

impl ErrorCode for StoreError {
    fn code(&self) -> &'static str {
        match self {
            StoreError::NotFound { .. } => "not_found",
            StoreError::RegionOff(_) => "region_not_operating",
            StoreError::Invalid(_) => "invalid_record",
            StoreError::BadRequest(_) => "invalid_request",
            StoreError::Access(e) => e.code(),
            StoreError::Correction(e) => e.code(),
            StoreError::Keys(_) => "keys_unusable",
            StoreError::Summons(e) => e.code(),
            StoreError::Region(e) => e.code(),
            StoreError::Campaign(e) => e.code(),
            StoreError::Policy(e) => e.code(),
            StoreError::Notice(e) => e.code(),
            StoreError::Busy => "busy",
            StoreError::NotEmpty => "not_empty",
            StoreError::CopyMismatch(_) => "copy_mismatch",
            StoreError::Corrupt(_) => "corrupt_data",
            StoreError::Backend(_) => "storage_error",
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}
