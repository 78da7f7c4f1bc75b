use std::{fmt, str::FromStr};

use super::{IdError, digits, redacted_debug, serde_via_str};

/// A taxpayer identification number (ИНН): 10 digits for an organisation, 12 for an individual,
/// each ending in check digits.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Inn(String);

const W10: [u32; 9] = [2, 4, 10, 3, 5, 9, 4, 6, 8];
const W11: [u32; 10] = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
const W12: [u32; 11] = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];

fn check(d: &[u8], weights: &[u32]) -> u8 {
    let sum: u32 = d.iter().zip(weights).map(|(d, w)| u32::from(*d) * w).sum();
    ((sum % 11) % 10) as u8
}

impl Inn {
    /// Builds an individual's INN from its first ten digits, computing the two check digits.
    pub fn personal_from_prefix(prefix: &[u8; 10]) -> Inn {
        let mut d = prefix.to_vec();
        d.push(check(&d, &W11));
        d.push(check(&d, &W12));
        Inn(d.iter().map(|x| char::from(b'0' + x)).collect())
    }

    /// Whether this is an individual's (12-digit) number.
    pub fn is_personal(&self) -> bool {
        self.0.len() == 12
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn masked(&self) -> String {
        format!("{}{}", "*".repeat(self.0.len() - 2), &self.0[self.0.len() - 2..])
    }
}

impl FromStr for Inn {
    type Err = IdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let d = digits(s)?;
        let ok = match d.len() {
            10 => check(&d[..9], &W10) == d[9],
            12 => check(&d[..10], &W11) == d[10] && check(&d[..11], &W12) == d[11],
            n => {
                return Err(IdError::Length { expected: "10 or 12", found: n });
            }
        };
        if !ok {
            return Err(IdError::Checksum);
        }
        Ok(Inn(d.iter().map(|x| char::from(b'0' + x)).collect()))
    }
}

impl fmt::Display for Inn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

redacted_debug!(Inn);
serde_via_str!(Inn);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_personal_and_organisation_numbers() {
        // Check digits computed by hand with the weights above.
        let p: Inn = "500100732259".parse().unwrap();
        assert!(p.is_personal());
        let o: Inn = "7707083893".parse().unwrap();
        assert!(!o.is_personal());
    }

    #[test]
    fn rejects_wrong_check_digits() {
        assert_eq!("500100732258".parse::<Inn>(), Err(IdError::Checksum));
        assert_eq!("500100732269".parse::<Inn>(), Err(IdError::Checksum));
        assert_eq!("7707083894".parse::<Inn>(), Err(IdError::Checksum));
    }

    #[test]
    fn rejects_other_lengths() {
        assert!(matches!("12345678901".parse::<Inn>(), Err(IdError::Length { .. })));
    }

    #[test]
    fn builds_valid_numbers_from_a_prefix() {
        let inn = Inn::personal_from_prefix(&[6, 2, 0, 1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(inn.as_str().parse::<Inn>(), Ok(inn.clone()));
        assert!(inn.as_str().starts_with("6201234567"));
    }

    #[test]
    fn debug_does_not_print_the_value() {
        let p: Inn = "500100732259".parse().unwrap();
        assert!(!format!("{p:?}").contains("5001"));
    }
}
