//! Measures (restrictions) that follow a no-show, and what lifts them.

use std::{fmt, str::FromStr};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The kinds of measure, named as in the API and in files.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasureKind {
    ExitBan,
    DrivingBan,
    VehicleRegistrationBan,
    RealEstateBan,
    CreditBan,
    ForeignPassportBan,
    EntrepreneurRegistrationBan,
}

impl MeasureKind {
    pub const ALL: [MeasureKind; 7] = [
        MeasureKind::ExitBan,
        MeasureKind::DrivingBan,
        MeasureKind::VehicleRegistrationBan,
        MeasureKind::RealEstateBan,
        MeasureKind::CreditBan,
        MeasureKind::ForeignPassportBan,
        MeasureKind::EntrepreneurRegistrationBan,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MeasureKind::ExitBan => "exit_ban",
            MeasureKind::DrivingBan => "driving_ban",
            MeasureKind::VehicleRegistrationBan => "vehicle_registration_ban",
            MeasureKind::RealEstateBan => "real_estate_ban",
            MeasureKind::CreditBan => "credit_ban",
            MeasureKind::ForeignPassportBan => "foreign_passport_ban",
            MeasureKind::EntrepreneurRegistrationBan => "entrepreneur_registration_ban",
        }
    }

    /// Plain-language names for people.
    pub fn title(self, lang: Lang) -> &'static str {
        use MeasureKind::*;
        match (self, lang) {
            (ExitBan, Lang::Ru) => "запрет на выезд из Российской Федерации",
            (ExitBan, Lang::En) => "ban on leaving the country",
            (DrivingBan, Lang::Ru) => "запрет на управление транспортными средствами",
            (DrivingBan, Lang::En) => "ban on driving",
            (VehicleRegistrationBan, Lang::Ru) => "запрет на регистрацию транспортных средств",
            (VehicleRegistrationBan, Lang::En) => "ban on registering vehicles",
            (RealEstateBan, Lang::Ru) => "запрет на сделки с недвижимостью",
            (RealEstateBan, Lang::En) => "ban on real-estate transactions",
            (CreditBan, Lang::Ru) => "запрет на получение кредитов и займов",
            (CreditBan, Lang::En) => "ban on loans and credit",
            (ForeignPassportBan, Lang::Ru) => "запрет на получение заграничного паспорта",
            (ForeignPassportBan, Lang::En) => "ban on a foreign passport",
            (EntrepreneurRegistrationBan, Lang::Ru) => "запрет на регистрацию в качестве ИП или самозанятого",
            (EntrepreneurRegistrationBan, Lang::En) => {
                "ban on registering as an individual entrepreneur or self-employed"
            }
        }
    }
}

/// The portal's languages: Russian first, English second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    Ru,
    En,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown measure kind {0:?}")]
pub struct UnknownMeasure(pub String);

impl crate::ErrorCode for UnknownMeasure {
    fn code(&self) -> &'static str {
        "unknown_measure_kind"
    }
}

impl FromStr for MeasureKind {
    type Err = UnknownMeasure;
    fn from_str(s: &str) -> Result<Self, UnknownMeasure> {
        MeasureKind::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| UnknownMeasure(s.to_owned()))
    }
}

impl fmt::Display for MeasureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The moment of a summons's life at which a policy starts a measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// When the summons counts as served.
    Service,
    /// When the report window ends without an appearance.
    ReportWindowEnd,
}

/// What lifted a measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LiftCause {
    Appearance,
    ValidReason,
    Cancellation,
    CourtDecision,
}

/// A measure of one summons: when it started and why, and when it was lifted and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Measure {
    pub kind: MeasureKind,
    pub started_at: Timestamp,
    pub trigger: Trigger,
    pub lifted: Option<Lift>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lift {
    pub at: Timestamp,
    pub cause: LiftCause,
}

impl Measure {
    /// Whether the measure is in force at `at`.
    pub fn in_force_at(&self, at: Timestamp) -> bool {
        self.started_at <= at && self.lifted.is_none_or(|l| at < l.at)
    }

    pub fn is_lifted(&self) -> bool {
        self.lifted.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_names() {
        for k in MeasureKind::ALL {
            assert_eq!(k.as_str().parse::<MeasureKind>().unwrap(), k);
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{k}\""));
        }
        assert!("travel_ban".parse::<MeasureKind>().is_err());
    }
}
