//! Counting days as the Civil Code does (art. 191–192).
//!
//! A period of N days that starts with an event runs over the N calendar days after the event's
//! local date and ends at 24:00 local time of the last of them, that is at the first instant of
//! the following local day. "Local" is the commissariat's time zone. Days covered by an accepted
//! valid reason are skipped: they do not count towards N.

use std::{fmt, str::FromStr};

use jiff::{Timestamp, civil::Date, tz::TimeZone};
use serde::{Deserialize, Serialize};

use crate::ErrorCode;

/// Why a period cannot be computed or a range is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DayError {
    #[error("the period runs beyond the calendar's range")]
    OutOfRange,
    #[error("expected FROM..TO with dates as YYYY-MM-DD, e.g. 2025-05-12..2025-05-18")]
    RangeFormat,
    #[error("the range ends before it starts")]
    RangeReversed,
}

impl ErrorCode for DayError {
    fn code(&self) -> &'static str {
        match self {
            DayError::OutOfRange => "date_out_of_range",
            DayError::RangeFormat => "date_range_format",
            DayError::RangeReversed => "date_range_reversed",
        }
    }
}

/// An inclusive range of local calendar dates, e.g. the days a valid reason covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawRange")]
pub struct DateRange {
    from: Date,
    to: Date,
}

#[derive(Deserialize)]
struct RawRange {
    from: Date,
    to: Date,
}

impl TryFrom<RawRange> for DateRange {
    type Error = DayError;
    fn try_from(r: RawRange) -> Result<Self, DayError> {
        DateRange::new(r.from, r.to)
    }
}

impl DateRange {
    pub fn new(from: Date, to: Date) -> Result<DateRange, DayError> {
        if to < from {
            return Err(DayError::RangeReversed);
        }
        Ok(DateRange { from, to })
    }

    pub fn from(&self) -> Date {
        self.from
    }

    pub fn to(&self) -> Date {
        self.to
    }

    pub fn contains(&self, d: Date) -> bool {
        self.from <= d && d <= self.to
    }

    /// How many days the range covers (at least one).
    pub fn days(&self) -> i32 {
        (self.to - self.from).get_days() + 1
    }
}

impl FromStr for DateRange {
    type Err = DayError;
    fn from_str(s: &str) -> Result<Self, DayError> {
        let (a, b) = s.split_once("..").ok_or(DayError::RangeFormat)?;
        let from: Date = a.trim().parse().map_err(|_| DayError::RangeFormat)?;
        let to: Date = b.trim().parse().map_err(|_| DayError::RangeFormat)?;
        DateRange::new(from, to)
    }
}

impl fmt::Display for DateRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.from, self.to)
    }
}

/// The local date of an instant in a zone.
pub fn local_date(at: Timestamp, zone: &TimeZone) -> Date {
    zone.to_datetime(at).date()
}

/// 24:00 local time of `date`: the first instant of the following local day.
///
/// Where a transition skips local midnight, the day begins at the first local time that exists.
pub fn end_of_day(date: Date, zone: &TimeZone) -> Result<Timestamp, DayError> {
    let next = date.tomorrow().map_err(|_| DayError::OutOfRange)?;
    let zoned = next.to_zoned_datetime(zone.clone()).map_err(|_| DayError::OutOfRange)?;
    zoned.start_of_day().map(|z| z.timestamp()).map_err(|_| DayError::OutOfRange)
}

/// The end of a period of `days` days counted from the local date `start`, skipping the dates
/// in `skipped`.
pub fn period_end_from_date(
    start: Date,
    days: u32,
    zone: &TimeZone,
    skipped: &[DateRange],
) -> Result<Timestamp, DayError> {
    let mut last = start;
    let mut counted = 0;
    while counted < days {
        last = last.tomorrow().map_err(|_| DayError::OutOfRange)?;
        match skipped.iter().find(|r| r.contains(last)) {
            // Jump over the whole skipped range at once.
            Some(r) => last = r.to,
            None => counted += 1,
        }
    }
    end_of_day(last, zone)
}

/// The end of a period of `days` days that starts with the event at `event`.
pub fn period_end(event: Timestamp, days: u32, zone: &TimeZone, skipped: &[DateRange]) -> Result<Timestamp, DayError> {
    period_end_from_date(local_date(event, zone), days, zone, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn msk() -> TimeZone {
        TimeZone::get("Europe/Moscow").unwrap()
    }

    #[test]
    fn seven_days_from_a_posting_end_at_midnight_after_the_seventh_day() {
        // Posted 2025-05-09 14:00 MSK: the days are 10..16 May; the period ends at 24:00 on the 16th.
        let end = period_end(ts("2025-05-09T11:00:00Z"), 7, &msk(), &[]).unwrap();
        assert_eq!(end, ts("2025-05-16T21:00:00Z"));
    }

    #[test]
    fn an_event_a_minute_before_midnight_counts_from_its_own_date() {
        let late = period_end(ts("2025-05-09T20:59:00Z"), 7, &msk(), &[]).unwrap();
        let early = period_end(ts("2025-05-08T21:00:00Z"), 7, &msk(), &[]).unwrap();
        assert_eq!(late, early);
        // One minute later is the 10th in Moscow: a day later.
        let next = period_end(ts("2025-05-09T21:00:00Z"), 7, &msk(), &[]).unwrap();
        assert_eq!(next, ts("2025-05-17T21:00:00Z"));
    }

    #[test]
    fn the_local_date_decides_not_the_utc_date() {
        // 2025-05-09T20:00Z is already the 10th in Sakhalin (UTC+11) but still the 9th in Moscow.
        let sakhalin = TimeZone::get("Asia/Sakhalin").unwrap();
        let end = period_end(ts("2025-05-09T20:00:00Z"), 7, &sakhalin, &[]).unwrap();
        assert_eq!(end, ts("2025-05-17T13:00:00Z")); // 2025-05-18 00:00 +11
    }

    #[test]
    fn skipped_days_do_not_count() {
        let skip = ["2025-05-12..2025-05-13".parse().unwrap()];
        let end = period_end(ts("2025-05-09T11:00:00Z"), 7, &msk(), &skip).unwrap();
        assert_eq!(end, ts("2025-05-18T21:00:00Z"));
        // Skipped days outside the period change nothing.
        let before = ["2025-05-01..2025-05-09".parse().unwrap()];
        let end = period_end(ts("2025-05-09T11:00:00Z"), 7, &msk(), &before).unwrap();
        assert_eq!(end, ts("2025-05-16T21:00:00Z"));
    }

    #[test]
    fn overlapping_skipped_ranges_are_skipped_once() {
        let skip: Vec<DateRange> =
            ["2025-05-12..2025-05-14", "2025-05-13..2025-05-15"].iter().map(|s| s.parse().unwrap()).collect();
        // 12..15 May are skipped: the seven days are 10, 11, 16, 17, 18, 19 and 20 May.
        let end = period_end(ts("2025-05-09T11:00:00Z"), 7, &msk(), &skip).unwrap();
        assert_eq!(end, ts("2025-05-20T21:00:00Z"));
    }

    #[test]
    fn midnight_skipped_by_a_transition_ends_the_day_at_the_first_local_instant() {
        // Chile moved clocks from 00:00 to 01:00 on 2022-09-11 (America/Santiago).
        let santiago = TimeZone::get("America/Santiago").unwrap();
        let end = end_of_day(date(2022, 9, 10), &santiago).unwrap();
        assert_eq!(end, ts("2022-09-11T04:00:00Z")); // 01:00 -03
    }

    #[test]
    fn ranges_parse_and_check_their_order() {
        let r: DateRange = "2025-05-12..2025-05-18".parse().unwrap();
        assert_eq!(r.days(), 7);
        assert_eq!("2025-05-18..2025-05-12".parse::<DateRange>(), Err(DayError::RangeReversed));
        assert_eq!("2025-05-12".parse::<DateRange>(), Err(DayError::RangeFormat));
        assert_eq!("2025-02-30..2025-03-01".parse::<DateRange>(), Err(DayError::RangeFormat));
    }
}
