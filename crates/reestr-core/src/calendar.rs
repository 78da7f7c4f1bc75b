//! Working days, as the Labour Code (art. 111–112) defines them: Saturdays, Sundays and the
//! non-working holidays are not working days; a holiday that falls on a weekend moves the day off
//! to the next working day, except the New Year holidays (1–8 January), whose weekend days the
//! government moves by decree. Decrees that move other days are not modelled.

use jiff::{
    Timestamp,
    civil::{Date, Weekday},
    tz::TimeZone,
};

use crate::days::{DayError, end_of_day, local_date};

/// The non-working holidays (month, day).
const HOLIDAYS: [(i8, i8); 14] =
    [(1, 1), (1, 2), (1, 3), (1, 4), (1, 5), (1, 6), (1, 7), (1, 8), (2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4)];

fn is_holiday(d: Date) -> bool {
    HOLIDAYS.contains(&(d.month(), d.day()))
}

fn is_weekend(d: Date) -> bool {
    matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// Whether `d` is a working day.
pub fn is_working_day(d: Date) -> bool {
    if is_weekend(d) || is_holiday(d) {
        return false;
    }
    // A day off moved here from a holiday that fell on the weekend just before (Saturday and
    // Sunday holidays move to Monday, and a Monday holiday pushes a Sunday one to Tuesday).
    let mut back = d;
    loop {
        let Ok(prev) = back.yesterday() else { return true };
        if !(is_weekend(prev) || is_holiday(prev)) {
            return true;
        }
        let moved = (prev.month(), prev.day()) >= (1, 1) && (prev.month(), prev.day()) <= (1, 8);
        if is_weekend(prev) && is_holiday(prev) && !moved {
            return false;
        }
        back = prev;
    }
}

/// The end of a period of `n` working days that starts with the event at `at`: 24:00 local time of
/// the `n`-th working day after the event's local date.
pub fn working_days_end(at: Timestamp, n: u32, zone: &TimeZone) -> Result<Timestamp, DayError> {
    let mut d = local_date(at, zone);
    let mut counted = 0;
    while counted < n {
        d = d.tomorrow().map_err(|_| DayError::OutOfRange)?;
        if is_working_day(d) {
            counted += 1;
        }
    }
    end_of_day(d, zone)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use jiff::civil::date;

    #[test]
    fn weekends_and_holidays_are_not_working_days() {
        assert!(is_working_day(date(2025, 5, 13)));
        assert!(!is_working_day(date(2025, 5, 10)), "Saturday");
        assert!(!is_working_day(date(2025, 5, 9)), "Victory Day");
        assert!(!is_working_day(date(2025, 1, 8)));
    }

    #[test]
    fn a_holiday_on_a_weekend_moves_the_day_off_to_monday() {
        // 4 November 2023 was a Saturday: Monday 6 November was a day off.
        assert!(!is_working_day(date(2023, 11, 6)));
        assert!(is_working_day(date(2023, 11, 7)));
        // 1 January 2023 was a Sunday, but New Year's weekend days move by decree, not by rule.
        assert!(is_working_day(date(2023, 1, 9)));
    }

    #[test]
    fn five_working_days_skip_weekends_and_holidays() {
        let msk = TimeZone::get("Europe/Moscow").unwrap();
        // Filed Wednesday 7 May 2025: 8 (Thu), [9 holiday, 10–11 weekend], 12, 13, 14, 15.
        let end = working_days_end("2025-05-07T09:00:00Z".parse().unwrap(), 5, &msk).unwrap();
        assert_eq!(end, "2025-05-15T21:00:00Z".parse::<Timestamp>().unwrap());
    }
}
