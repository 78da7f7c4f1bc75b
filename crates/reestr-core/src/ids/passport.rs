use std::{fmt, str::FromStr};

use super::{IdError, digits, redacted_debug, serde_via_str};

/// Parses exactly `N` digits (separators allowed) into their text form.
fn fixed_digits<const N: usize>(s: &str, expected: &'static str) -> Result<String, IdError> {
    let d = digits(s)?;
    if d.len() != N {
        return Err(IdError::Length { expected, found: d.len() });
    }
    Ok(d.iter().map(|x| char::from(b'0' + x)).collect())
}

/// The series of an internal passport: four digits (often written `45 06`).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PassportSeries(String);

/// The number of an internal passport: six digits.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PassportNumber(String);

/// The code of the issuing office: `NNN-NNN`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IssuerCode(String);

impl FromStr for PassportSeries {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        fixed_digits::<4>(s, "4").map(PassportSeries)
    }
}

impl FromStr for PassportNumber {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        fixed_digits::<6>(s, "6").map(PassportNumber)
    }
}

impl FromStr for IssuerCode {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        let b = s.as_bytes();
        let ok = b.len() == 7 && b[3] == b'-' && b[..3].iter().chain(&b[4..]).all(u8::is_ascii_digit);
        ok.then(|| IssuerCode(s.to_owned())).ok_or(IdError::IssuerCodeFormat)
    }
}

impl fmt::Display for PassportSeries {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl fmt::Display for PassportNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl fmt::Display for IssuerCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

redacted_debug!(PassportSeries);
redacted_debug!(PassportNumber);
redacted_debug!(IssuerCode);
serde_via_str!(PassportSeries);
serde_via_str!(PassportNumber);
serde_via_str!(IssuerCode);

/// An internal passport's series and number: the key a border post asks about.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Passport {
    pub series: PassportSeries,
    pub number: PassportNumber,
}

impl Passport {
    /// The ten digits, series first, as one lookup key.
    pub fn key(&self) -> String {
        format!("{}{}", self.series.0, self.number.0)
    }

    /// The form safe to show on an extract: the last three digits of the number remain.
    pub fn masked(&self) -> String {
        format!("** ** ***{}", &self.number.0[3..])
    }
}

impl FromStr for Passport {
    type Err = IdError;
    /// `4506 123456`, `45 06 123456` or `4506123456`.
    fn from_str(s: &str) -> Result<Self, IdError> {
        let all = fixed_digits::<10>(s, "10")?;
        Ok(Passport { series: PassportSeries(all[..4].to_owned()), number: PassportNumber(all[4..].to_owned()) })
    }
}

impl fmt::Display for Passport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.series, self.number)
    }
}

redacted_debug!(Passport);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_series_number_and_issuer_code() {
        let p: Passport = "45 06 123456".parse().unwrap();
        assert_eq!(p.to_string(), "4506 123456");
        assert_eq!(p.key(), "4506123456");
        assert_eq!(p.masked(), "** ** ***456");
        assert!("620-001".parse::<IssuerCode>().is_ok());
    }

    #[test]
    fn rejects_bad_shapes() {
        assert!(matches!("450".parse::<PassportSeries>(), Err(IdError::Length { .. })));
        assert!(matches!("12345".parse::<PassportNumber>(), Err(IdError::Length { .. })));
        for bad in ["620001", "620-00", "62a-001", "620_001", "620-0011"] {
            assert_eq!(bad.parse::<IssuerCode>(), Err(IdError::IssuerCodeFormat), "{bad}");
        }
    }

    #[test]
    fn debug_does_not_print_the_value() {
        let p: Passport = "4506 123456".parse().unwrap();
        let dbg = format!("{p:?} {:?}", p.series);
        assert!(!dbg.contains("4506") && !dbg.contains("123456"), "{dbg}");
    }
}
