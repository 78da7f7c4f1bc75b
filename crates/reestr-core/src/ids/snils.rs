use std::{fmt, str::FromStr};

use super::{IdError, digits, redacted_debug, serde_via_str};

/// The insurance number of an individual personal account (СНИЛС): nine digits and two check
/// digits, written `XXX-XXX-XXX YY`.
///
/// Numbers up to 001-001-998 were issued before the check digits existed and carry none.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Snils(u64);

impl Snils {
    /// The largest number issued without check digits.
    const LAST_UNCHECKED: u64 = 1_001_998;

    /// The check number of the nine-digit number, as the Pension Fund defines it.
    pub fn check_digits(number: u64) -> u8 {
        let mut n = number;
        let mut sum = 0u64;
        for weight in 1..=9 {
            sum += (n % 10) * weight;
            n /= 10;
        }
        match sum {
            0..=99 => sum as u8,
            100 | 101 => 0,
            _ => ((sum % 101) % 100) as u8,
        }
    }

    /// Builds a SNILS from its nine-digit number, computing the check digits.
    pub fn from_number(number: u64) -> Option<Snils> {
        (number <= 999_999_999).then(|| Snils(number * 100 + u64::from(Self::check_digits(number))))
    }

    /// The eleven digits as one number (for keys, never for display to others).
    pub fn as_u64(self) -> u64 {
        self.0
    }

    /// The form safe to show to anyone: only the check digits remain.
    pub fn masked(self) -> String {
        format!("***-***-*** {:02}", self.0 % 100)
    }
}

impl FromStr for Snils {
    type Err = IdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let d = digits(s)?;
        if d.len() != 11 {
            return Err(IdError::Length { expected: "11", found: d.len() });
        }
        let value = d.iter().fold(0u64, |acc, x| acc * 10 + u64::from(*x));
        let (number, check) = (value / 100, (value % 100) as u8);
        if number > Self::LAST_UNCHECKED && check != Self::check_digits(number) {
            return Err(IdError::Checksum);
        }
        Ok(Snils(value))
    }
}

impl fmt::Display for Snils {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = format!("{:011}", self.0);
        write!(f, "{}-{}-{} {}", &s[0..3], &s[3..6], &s[6..9], &s[9..11])
    }
}

redacted_debug!(Snils);
serde_via_str!(Snils);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_numbers_in_any_separator_style() {
        let a: Snils = "112-233-445 95".parse().unwrap();
        let b: Snils = "11223344595".parse().unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "112-233-445 95");
    }

    #[test]
    fn rejects_a_wrong_checksum() {
        assert_eq!("112-233-445 96".parse::<Snils>(), Err(IdError::Checksum));
    }

    #[test]
    fn numbers_up_to_001_001_998_carry_no_checksum() {
        assert!("001-001-998 00".parse::<Snils>().is_ok());
        assert!("001-001-998 57".parse::<Snils>().is_ok());
        assert_eq!("001-001-999 57".parse::<Snils>(), Err(IdError::Checksum));
    }

    #[test]
    fn weighted_sums_of_100_and_101_give_00_and_larger_ones_wrap_modulo_101() {
        // 9*9 + 7*2 + 2*2 + 1*d9: the last digit sets the sum to 100, 101 or 102.
        assert_eq!(Snils::check_digits(902_000_021), 0);
        assert_eq!(Snils::check_digits(902_000_022), 0);
        assert_eq!(Snils::check_digits(902_000_023), 1);
        assert!("902-000-021 00".parse::<Snils>().is_ok());
        assert_eq!(Snils::check_digits(112_233_445), 95);
    }

    #[test]
    fn rejects_bad_shapes() {
        assert!(matches!("123".parse::<Snils>(), Err(IdError::Length { .. })));
        assert_eq!("112-233-44a 95".parse::<Snils>(), Err(IdError::NotDigits));
    }

    #[test]
    fn debug_does_not_print_the_value() {
        let s: Snils = "112-233-445 95".parse().unwrap();
        let dbg = format!("{s:?}");
        assert!(!dbg.contains("112") && !dbg.contains("95"), "{dbg}");
    }

    #[test]
    fn masked_keeps_only_the_check_digits() {
        let s: Snils = "112-233-445 95".parse().unwrap();
        assert_eq!(s.masked(), "***-***-*** 95");
    }
}
