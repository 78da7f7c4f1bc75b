//! Federal subjects, military commissariats and the register's rollout state per region.
//!
//! The list of subjects and commissariats is data (`data/*.csv`, compiled in). The rollout
//! state changes at run time and lives in the store; here is only its type and initial value.

use std::{collections::BTreeMap, fmt, str::FromStr, sync::LazyLock};

use serde::{Deserialize, Serialize};

use crate::{ErrorCode, zone::Zone};

/// A federal subject's two-digit code (the tax service's numbering, e.g. 62 for Ryazan Oblast).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(u8);

impl RegionCode {
    pub fn get(self) -> u8 {
        self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionError {
    #[error("a region code is one or two digits, e.g. 62")]
    CodeFormat,
    #[error("no federal subject has the code {0}")]
    UnknownRegion(String),
    #[error("a commissariat code has the form RR-NNN, e.g. 62-001")]
    CommissariatFormat,
    #[error("no commissariat has the code {0}")]
    UnknownCommissariat(String),
    #[error("unknown rollout state {0:?} (expected off, pilot or live)")]
    UnknownRollout(String),
}

impl ErrorCode for RegionError {
    fn code(&self) -> &'static str {
        match self {
            RegionError::CodeFormat => "region_code_format",
            RegionError::UnknownRegion(_) => "unknown_region",
            RegionError::CommissariatFormat => "commissariat_code_format",
            RegionError::UnknownCommissariat(_) => "unknown_commissariat",
            RegionError::UnknownRollout(_) => "unknown_rollout_state",
        }
    }
}

impl FromStr for RegionCode {
    type Err = RegionError;
    /// Syntax only; [`Directory::region`] tells whether the subject exists.
    fn from_str(s: &str) -> Result<Self, RegionError> {
        let s = s.trim();
        if s.is_empty() || s.len() > 2 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RegionError::CodeFormat);
        }
        s.parse().map(RegionCode).map_err(|_| RegionError::CodeFormat)
    }
}

impl TryFrom<String> for RegionCode {
    type Error = RegionError;
    fn try_from(s: String) -> Result<Self, RegionError> {
        s.parse()
    }
}

impl From<RegionCode> for String {
    fn from(c: RegionCode) -> String {
        c.to_string()
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}", self.0)
    }
}

/// A commissariat's code: its region's code and a number, e.g. `62-001`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CommissariatCode(String);

impl CommissariatCode {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The region the code belongs to.
    pub fn region(&self) -> RegionCode {
        // The constructor checked the shape, so the prefix is two digits.
        RegionCode(self.0[..2].parse().unwrap_or_default())
    }

    /// The region's own (regional) commissariat: `RR-000`.
    pub fn regional(region: RegionCode) -> CommissariatCode {
        CommissariatCode(format!("{region}-000"))
    }
}

impl FromStr for CommissariatCode {
    type Err = RegionError;
    fn from_str(s: &str) -> Result<Self, RegionError> {
        let b = s.as_bytes();
        let ok = b.len() == 6 && b[2] == b'-' && b[..2].iter().chain(&b[3..]).all(u8::is_ascii_digit);
        ok.then(|| CommissariatCode(s.to_owned())).ok_or(RegionError::CommissariatFormat)
    }
}

impl TryFrom<String> for CommissariatCode {
    type Error = RegionError;
    fn try_from(s: String) -> Result<Self, RegionError> {
        s.parse()
    }
}

impl From<CommissariatCode> for String {
    fn from(c: CommissariatCode) -> String {
        c.0
    }
}

impl fmt::Display for CommissariatCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether the register operates in a region.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rollout {
    /// No electronic summons can be posted; the portal says the register does not operate here.
    Off,
    /// A test phase: the register operates.
    Pilot,
    /// The register operates in full.
    Live,
}

impl Rollout {
    pub fn operates(self) -> bool {
        self != Rollout::Off
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Rollout::Off => "off",
            Rollout::Pilot => "pilot",
            Rollout::Live => "live",
        }
    }
}

impl FromStr for Rollout {
    type Err = RegionError;
    fn from_str(s: &str) -> Result<Self, RegionError> {
        match s {
            "off" => Ok(Rollout::Off),
            "pilot" => Ok(Rollout::Pilot),
            "live" => Ok(Rollout::Live),
            _ => Err(RegionError::UnknownRollout(s.to_owned())),
        }
    }
}

impl fmt::Display for Rollout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The three regions of the test phase: Mari El, Ryazan Oblast and Sakhalin Oblast.
pub const PILOT_REGIONS: [RegionCode; 3] = [RegionCode(12), RegionCode(62), RegionCode(65)];

/// A federal subject.
#[derive(Debug, Clone)]
pub struct Region {
    pub code: RegionCode,
    pub name_ru: String,
    pub name_en: String,
    pub zone: Zone,
}

impl Region {
    /// The state a region starts in: the pilot regions as `pilot`, the rest `off`.
    pub fn initial_rollout(&self) -> Rollout {
        if PILOT_REGIONS.contains(&self.code) { Rollout::Pilot } else { Rollout::Off }
    }
}

/// A military commissariat. Its zone is its region's unless it overrides it.
#[derive(Debug, Clone)]
pub struct Commissariat {
    pub code: CommissariatCode,
    pub region: RegionCode,
    pub name_ru: String,
    pub name_en: String,
    pub address_ru: String,
    pub zone: Zone,
}

/// All federal subjects and commissariats.
#[derive(Debug)]
pub struct Directory {
    regions: BTreeMap<RegionCode, Region>,
    commissariats: BTreeMap<CommissariatCode, Commissariat>,
}

#[derive(Deserialize)]
struct RegionRow {
    code: String,
    name_ru: String,
    name_en: String,
    zone: String,
}

#[derive(Deserialize)]
struct CommissariatRow {
    code: String,
    region: String,
    name_ru: String,
    name_en: String,
    address_ru: String,
    zone: String,
}

static BUILTIN: LazyLock<Directory> = LazyLock::new(|| {
    Directory::from_csv(include_str!("../data/regions.csv"), include_str!("../data/commissariats.csv"))
        .unwrap_or_else(|e| panic!("the built-in directory is invalid: {e}"))
});

impl Directory {
    /// The directory compiled into the binary (checked by a test, so this cannot fail at run time).
    pub fn builtin() -> &'static Directory {
        &BUILTIN
    }

    /// Reads the two tables; every error names the table, the line and what is wrong.
    pub fn from_csv(regions: &str, commissariats: &str) -> Result<Directory, String> {
        let mut dir = Directory { regions: BTreeMap::new(), commissariats: BTreeMap::new() };
        for (i, row) in csv::Reader::from_reader(regions.as_bytes()).deserialize().enumerate() {
            let line = i + 2;
            let r: RegionRow = row.map_err(|e| format!("regions.csv:{line}: {e}"))?;
            let code: RegionCode = r.code.parse().map_err(|e| format!("regions.csv:{line}: {e}"))?;
            let zone = Zone::get(&r.zone).map_err(|e| format!("regions.csv:{line}: {e}"))?;
            let region = Region { code, name_ru: r.name_ru, name_en: r.name_en, zone };
            if dir.regions.insert(code, region).is_some() {
                return Err(format!("regions.csv:{line}: duplicate code {code}"));
            }
        }
        for (i, row) in csv::Reader::from_reader(commissariats.as_bytes()).deserialize().enumerate() {
            let line = i + 2;
            let err = |e: &dyn fmt::Display| format!("commissariats.csv:{line}: {e}");
            let c: CommissariatRow = row.map_err(|e| err(&e))?;
            let code: CommissariatCode = c.code.parse().map_err(|e| err(&e))?;
            let region: RegionCode = c.region.parse().map_err(|e| err(&e))?;
            let home = dir.regions.get(&region).ok_or_else(|| err(&"unknown region"))?;
            if code.region() != region {
                return Err(err(&"the code's prefix is not its region"));
            }
            let zone = if c.zone.is_empty() { home.zone.clone() } else { Zone::get(&c.zone).map_err(|e| err(&e))? };
            let commissariat = Commissariat {
                code: code.clone(),
                region,
                name_ru: c.name_ru,
                name_en: c.name_en,
                address_ru: c.address_ru,
                zone,
            };
            if dir.commissariats.insert(code, commissariat).is_some() {
                return Err(err(&"duplicate code"));
            }
        }
        if let Some(r) = dir.regions.keys().find(|r| !dir.commissariats.contains_key(&CommissariatCode::regional(**r)))
        {
            return Err(format!("commissariats.csv: region {r} has no regional commissariat {r}-000"));
        }
        Ok(dir)
    }

    pub fn regions(&self) -> impl Iterator<Item = &Region> {
        self.regions.values()
    }

    pub fn region(&self, code: RegionCode) -> Result<&Region, RegionError> {
        self.regions.get(&code).ok_or_else(|| RegionError::UnknownRegion(code.to_string()))
    }

    pub fn commissariats(&self) -> impl Iterator<Item = &Commissariat> {
        self.commissariats.values()
    }

    pub fn commissariat(&self, code: &CommissariatCode) -> Result<&Commissariat, RegionError> {
        self.commissariats.get(code).ok_or_else(|| RegionError::UnknownCommissariat(code.to_string()))
    }

    /// The commissariats of one region, the regional one first.
    pub fn commissariats_of(&self, region: RegionCode) -> impl Iterator<Item = &Commissariat> {
        self.commissariats.values().filter(move |c| c.region == region)
    }

    /// Every zone in use, each once.
    pub fn zones(&self) -> Vec<Zone> {
        let mut zones: Vec<Zone> = self.commissariats.values().map(|c| c.zone.clone()).collect();
        zones.sort_by(|a, b| a.name().cmp(b.name()));
        zones.dedup();
        zones
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_directory_holds_all_89_subjects_each_with_a_regional_commissariat() {
        let dir = Directory::builtin();
        assert_eq!(dir.regions().count(), 89);
        for r in dir.regions() {
            dir.commissariat(&CommissariatCode::regional(r.code)).unwrap();
        }
    }

    #[test]
    fn pilot_regions_start_as_pilot_and_the_rest_off() {
        let dir = Directory::builtin();
        let ryazan = dir.region("62".parse().unwrap()).unwrap();
        assert_eq!(ryazan.name_en, "Ryazan Oblast");
        assert_eq!(ryazan.initial_rollout(), Rollout::Pilot);
        assert_eq!(dir.region("12".parse().unwrap()).unwrap().initial_rollout(), Rollout::Pilot);
        assert_eq!(dir.region("65".parse().unwrap()).unwrap().initial_rollout(), Rollout::Pilot);
        assert_eq!(dir.region("77".parse().unwrap()).unwrap().initial_rollout(), Rollout::Off);
    }

    #[test]
    fn zones_come_from_the_region_unless_the_commissariat_overrides_it() {
        let dir = Directory::builtin();
        let sakhalin = dir.commissariat(&"65-000".parse().unwrap()).unwrap();
        assert_eq!(sakhalin.zone.name(), "Asia/Sakhalin");
        let sakha = dir.region("14".parse().unwrap()).unwrap();
        assert_eq!(sakha.zone.name(), "Asia/Yakutsk");
        assert!(
            dir.commissariats_of(sakha.code).any(|c| c.zone.name() == "Asia/Srednekolymsk"),
            "a Sakha district keeps its own zone"
        );
    }

    #[test]
    fn codes_are_checked() {
        assert_eq!("6".parse::<RegionCode>().unwrap().to_string(), "06");
        assert_eq!("620".parse::<RegionCode>(), Err(RegionError::CodeFormat));
        assert!(Directory::builtin().region("99".parse().unwrap()).is_err());
        assert_eq!("62001".parse::<CommissariatCode>(), Err(RegionError::CommissariatFormat));
        let c: CommissariatCode = "62-001".parse().unwrap();
        assert_eq!(c.region().to_string(), "62");
    }

    #[test]
    fn bad_tables_are_reported_with_their_line() {
        let err = Directory::from_csv("code,name_ru,name_en,zone\n62,Р,R,Mars/Base\n", "").unwrap_err();
        assert!(err.starts_with("regions.csv:2:"), "{err}");
    }
}
