//! Instants as stored: whole microseconds since the Unix epoch, which both SQLite (integer) and
//! PostgreSQL (timestamptz) keep exactly.

use jiff::Timestamp;

pub fn to_micros(t: Timestamp) -> i64 {
    t.as_microsecond()
}

pub fn from_micros(us: i64) -> Timestamp {
    // Every stored value came from `to_micros`, so it is in range.
    Timestamp::from_microsecond(us).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Drops the nanoseconds a stored instant cannot keep, so what is read back equals what was given.
pub fn truncate(t: Timestamp) -> Timestamp {
    from_micros(to_micros(t))
}

/// The UTC calendar date of an instant (for provenance dates).
pub fn date_utc(t: Timestamp) -> jiff::civil::Date {
    t.to_zoned_datetime(jiff::tz::TimeZone::UTC).date()
}
