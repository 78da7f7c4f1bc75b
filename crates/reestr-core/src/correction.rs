//! Correction requests: a citizen disputes a field of the record or a summons; the registrar must
//! answer within five working days.

use std::{fmt, str::FromStr};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{ErrorCode, person::Field, summons::SummonsNumber};

/// Working days a registrar has to answer.
pub const ANSWER_WITHIN_WORKING_DAYS: u32 = 5;

/// What is disputed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Subject {
    Field(Field),
    Summons(SummonsNumber),
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Field(field) => write!(f, "field:{field}"),
            Subject::Summons(n) => write!(f, "summons:{n}"),
        }
    }
}

impl FromStr for Subject {
    type Err = CorrectionError;
    /// `field:NAME` or `summons:NUMBER`.
    fn from_str(s: &str) -> Result<Subject, CorrectionError> {
        match s.split_once(':') {
            Some(("field", name)) => Field::from_name(name).map(Subject::Field).ok_or(CorrectionError::Subject),
            Some(("summons", n)) => n.parse().map(Subject::Summons).map_err(|_| CorrectionError::Subject),
            _ => Err(CorrectionError::Subject),
        }
    }
}

impl Serialize for Subject {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Subject {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

/// The citizen's request: why, with what evidence, and (for a field) the value they say is right.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub explanation: String,
    #[serde(default)]
    pub evidence: Option<String>,
    /// For a field: the value the citizen says is right.
    #[serde(default)]
    pub proposed: Option<String>,
}

/// The registrar's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub accepted: bool,
    pub text: String,
}

/// A correction request and its life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Correction {
    pub id: i64,
    pub person: crate::person::PersonId,
    pub subject: Subject,
    pub request: Request,
    pub filed_at: Timestamp,
    pub due_at: Timestamp,
    pub answered_at: Option<Timestamp>,
    pub answer: Option<Answer>,
}

impl Correction {
    /// Late: unanswered past its due instant, or answered after it.
    pub fn is_late(&self, now: Timestamp) -> bool {
        self.answered_at.unwrap_or(now) > self.due_at
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CorrectionError {
    #[error("the subject is field:NAME (a field of the record) or summons:NUMBER")]
    Subject,
    #[error("explain what is wrong")]
    NoExplanation,
    #[error("{0} is too long")]
    TooLong(&'static str),
    #[error("the request is already answered")]
    Answered,
    #[error("an accepted correction of a field needs the right value")]
    NoValue,
}

impl ErrorCode for CorrectionError {
    fn code(&self) -> &'static str {
        match self {
            CorrectionError::Subject => "correction_subject",
            CorrectionError::NoExplanation => "explanation_required",
            CorrectionError::TooLong(_) => "field_too_long",
            CorrectionError::Answered => "already_answered",
            CorrectionError::NoValue => "value_required",
        }
    }
}

impl CorrectionError {
    /// The field of the request (or answer) that the error is about.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            CorrectionError::Subject => Some("subject"),
            CorrectionError::NoExplanation => Some("explanation"),
            CorrectionError::TooLong(name) => Some(name),
            CorrectionError::NoValue => Some("value"),
            CorrectionError::Answered => None,
        }
    }
}

impl Request {
    pub fn check(&self) -> Result<(), CorrectionError> {
        if self.explanation.trim().is_empty() {
            return Err(CorrectionError::NoExplanation);
        }
        for (name, text) in [
            ("explanation", Some(&self.explanation)),
            ("evidence", self.evidence.as_ref()),
            ("proposed", self.proposed.as_ref()),
        ] {
            if text.is_some_and(|t| t.chars().count() > 4000) {
                return Err(CorrectionError::TooLong(name));
            }
        }
        Ok(())
    }
}
