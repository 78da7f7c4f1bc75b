//! Policies: the legal periods and the measures that follow a no-show, as data.
//!
//! A policy file names the periods, the ways a summons can be served before it is deemed served,
//! where the report window starts, and when each measure starts. Each policy applies from a date;
//! a summons follows the policy in force on the local date it was posted.

use std::{collections::BTreeMap, fmt, str::FromStr, sync::LazyLock};

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::{
    ErrorCode,
    measure::{MeasureKind, Trigger},
};

/// How a summons came to count as served.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceMethod {
    /// The deemed-service period after posting ran out.
    Deemed,
    /// Handed over in person against signature.
    InPerson,
    /// Registered mail delivered.
    RegisteredMail,
    /// Opened in the personal account.
    AccountOpened,
}

impl ServiceMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceMethod::Deemed => "deemed",
            ServiceMethod::InPerson => "in_person",
            ServiceMethod::RegisteredMail => "registered_mail",
            ServiceMethod::AccountOpened => "account_opened",
        }
    }
}

impl fmt::Display for ServiceMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ServiceMethod {
    type Err = PolicyError;
    fn from_str(s: &str) -> Result<Self, PolicyError> {
        [ServiceMethod::Deemed, ServiceMethod::InPerson, ServiceMethod::RegisteredMail, ServiceMethod::AccountOpened]
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| PolicyError::UnknownServiceMethod(s.to_owned()))
    }
}

/// The event from which the report window is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowStart {
    Service,
    Appointment,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("policy file {file}: {message}")]
    File { file: String, message: String },
    #[error("no policy is named {0:?}")]
    UnknownPolicy(String),
    #[error("no policy is in force on {0}")]
    NoneInForce(Date),
    #[error("unknown service method {0:?}")]
    UnknownServiceMethod(String),
}

impl ErrorCode for PolicyError {
    fn code(&self) -> &'static str {
        match self {
            PolicyError::File { .. } => "policy_file_invalid",
            PolicyError::UnknownPolicy(_) => "unknown_policy",
            PolicyError::NoneInForce(_) => "no_policy_in_force",
            PolicyError::UnknownServiceMethod(_) => "unknown_service_method",
        }
    }
}

/// A policy, as read from its file and checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub name: String,
    pub title_ru: String,
    pub title_en: String,
    pub applies_from: Date,
    pub service: ServiceRules,
    pub report_window: ReportWindow,
    pub measures: BTreeMap<MeasureKind, Trigger>,
    /// What the person is told beyond what the law requires.
    #[serde(default)]
    pub notices: NoticeRules,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticeRules {
    /// Whether a read of the record by a security service is told to the person as a notice
    /// (every read is listed in the personal account either way).
    #[serde(default)]
    pub tell_security_service_reads: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceRules {
    /// Days after posting at whose end the summons counts as served.
    pub deemed_after_days: u32,
    /// The ways a summons can be served earlier.
    pub early: Vec<ServiceMethod>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportWindow {
    pub days: u32,
    pub from: WindowStart,
}

/// Periods longer than this are surely a typing error.
const MAX_DAYS: u32 = 366;

impl Policy {
    /// Reads and checks a policy file; errors name the file and, for syntax, the line.
    pub fn from_toml(file: &str, text: &str) -> Result<Policy, PolicyError> {
        let err = |message: String| PolicyError::File { file: file.to_owned(), message };
        let p: Policy = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| text[..s.start].lines().count().max(1));
            err(match line {
                Some(l) => format!("line {l}: {}", e.message()),
                None => e.message().to_owned(),
            })
        })?;
        if p.name.is_empty() || !p.name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(err("name: letters, digits and '-' only".into()));
        }
        for (field, days) in
            [("service.deemed_after_days", p.service.deemed_after_days), ("report_window.days", p.report_window.days)]
        {
            if days == 0 || days > MAX_DAYS {
                return Err(err(format!("{field}: must be from 1 to {MAX_DAYS}")));
            }
        }
        if p.service.early.contains(&ServiceMethod::Deemed) {
            return Err(err("service.early: 'deemed' is not an early service".into()));
        }
        if p.measures.is_empty() {
            return Err(err("measures: a policy names at least one measure".into()));
        }
        Ok(p)
    }

    /// Whether this policy counts the report window from the appointment.
    pub fn needs_appointment(&self) -> bool {
        self.report_window.from == WindowStart::Appointment
    }

    pub fn allows_early(&self, how: ServiceMethod) -> bool {
        self.service.early.contains(&how)
    }
}

/// The policies the register knows, ordered by the date from which they apply.
#[derive(Debug, Clone)]
pub struct PolicyBook {
    policies: Vec<Policy>,
}

/// The policy files compiled into the binary.
pub const BUILTIN_FILES: [(&str, &str); 2] = [
    ("seed-2025.toml", include_str!("../policies/seed-2025.toml")),
    ("fz53-2023.toml", include_str!("../policies/fz53-2023.toml")),
];

/// The name of the default policy.
pub const DEFAULT_POLICY: &str = "seed-2025";

static BUILTIN: LazyLock<PolicyBook> = LazyLock::new(|| {
    PolicyBook::from_files(&BUILTIN_FILES).unwrap_or_else(|e| panic!("a built-in policy is invalid: {e}"))
});

impl PolicyBook {
    /// The book of built-in policies (checked by a test, so this cannot fail at run time).
    pub fn builtin() -> &'static PolicyBook {
        &BUILTIN
    }

    pub fn from_files(files: &[(&str, &str)]) -> Result<PolicyBook, PolicyError> {
        let mut policies =
            files.iter().map(|(file, text)| Policy::from_toml(file, text)).collect::<Result<Vec<_>, _>>()?;
        policies.sort_by_key(|p| p.applies_from);
        for pair in policies.windows(2) {
            if pair[0].applies_from == pair[1].applies_from {
                return Err(PolicyError::File {
                    file: pair[1].name.clone(),
                    message: format!("applies from the same date as {}", pair[0].name),
                });
            }
        }
        Ok(PolicyBook { policies })
    }

    pub fn all(&self) -> &[Policy] {
        &self.policies
    }

    pub fn get(&self, name: &str) -> Result<&Policy, PolicyError> {
        self.policies.iter().find(|p| p.name == name).ok_or_else(|| PolicyError::UnknownPolicy(name.to_owned()))
    }

    /// The policy in force on a local date: the latest that applies from that date or earlier.
    pub fn in_force_on(&self, date: Date) -> Result<&Policy, PolicyError> {
        self.policies.iter().rev().find(|p| p.applies_from <= date).ok_or(PolicyError::NoneInForce(date))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn the_builtin_policies_follow_the_product_table() {
        let book = PolicyBook::builtin();
        let seed = book.get("seed-2025").unwrap();
        assert_eq!(seed.service.deemed_after_days, 7);
        assert_eq!(seed.report_window.days, 20);
        assert_eq!(seed.report_window.from, WindowStart::Service);
        assert!(seed.measures.values().all(|t| *t == Trigger::ReportWindowEnd));
        assert_eq!(seed.measures.len(), MeasureKind::ALL.len());
        assert!(!seed.allows_early(ServiceMethod::AccountOpened));

        let fz = book.get("fz53-2023").unwrap();
        assert_eq!(fz.report_window.from, WindowStart::Appointment);
        assert_eq!(fz.measures[&MeasureKind::ExitBan], Trigger::Service);
        assert_eq!(fz.measures[&MeasureKind::CreditBan], Trigger::ReportWindowEnd);
        assert!(fz.allows_early(ServiceMethod::AccountOpened));
        assert!(book.get(DEFAULT_POLICY).is_ok());
    }

    #[test]
    fn the_policy_in_force_is_the_latest_that_applies() {
        let book = PolicyBook::builtin();
        assert_eq!(book.in_force_on(date(2024, 1, 1)).unwrap().name, "fz53-2023");
        assert_eq!(book.in_force_on(date(2025, 5, 9)).unwrap().name, "seed-2025");
        assert_eq!(book.in_force_on(date(2023, 1, 1)), Err(PolicyError::NoneInForce(date(2023, 1, 1))));
    }

    #[test]
    fn a_bad_file_is_reported_with_its_name_and_line() {
        let text = "name = \"x\"\ntitle_ru = \"\"\ntitle_en = \"\"\napplies_from = \"2025-02-30\"\n";
        let e = Policy::from_toml("x.toml", text).unwrap_err().to_string();
        assert!(e.contains("x.toml") && e.contains("line 4"), "{e}");

        let text = BUILTIN_FILES[0].1.replace("days = 20", "days = 0");
        let e = Policy::from_toml("y.toml", &text).unwrap_err().to_string();
        assert!(e.contains("report_window.days"), "{e}");

        let text = BUILTIN_FILES[0].1.replace("exit_ban =", "exit_bann =");
        assert!(Policy::from_toml("z.toml", &text).is_err());
    }
}
