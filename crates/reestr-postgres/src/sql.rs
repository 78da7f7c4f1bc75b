//! Values as PostgreSQL's binary protocol carries them, and its errors as the store's.

use std::error::Error;

use postgres::{
    binary_copy::BinaryCopyInWriter,
    types::{FromSql, IsNull, ToSql, Type, to_sql_checked},
};
use reestr_store::StoreError;

/// Microseconds between the Unix epoch and PostgreSQL's (2000-01-01T00:00:00Z).
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;
/// Days between 1970-01-01 and 2000-01-01.
const PG_EPOCH_DAYS: i32 = 10_957;

/// An instant as microseconds since the Unix epoch: what `timestamptz` holds, exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Micros(pub i64);

impl Micros {
    pub(crate) fn of(t: jiff::Timestamp) -> Micros {
        Micros(reestr_store::time::to_micros(t))
    }

    pub(crate) fn timestamp(self) -> jiff::Timestamp {
        reestr_store::time::from_micros(self.0)
    }
}

impl ToSql for Micros {
    fn to_sql(&self, _: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        out.extend_from_slice(&(self.0 - PG_EPOCH_MICROS).to_be_bytes());
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::TIMESTAMPTZ
    }

    to_sql_checked!();
}

impl<'a> FromSql<'a> for Micros {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Micros, Box<dyn Error + Sync + Send>> {
        let bytes: [u8; 8] = raw.try_into()?;
        Ok(Micros(i64::from_be_bytes(bytes) + PG_EPOCH_MICROS))
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::TIMESTAMPTZ
    }
}

/// A calendar date, as days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Day(pub i32);

impl Day {
    /// From `YYYY-MM-DD`.
    pub(crate) fn parse(s: &str) -> Result<Day, StoreError> {
        let date: jiff::civil::Date =
            s.parse().map_err(|_| StoreError::Corrupt("a date that does not parse".into()))?;
        let days =
            date.since(jiff::civil::date(1970, 1, 1)).map_err(|e| StoreError::Corrupt(e.to_string()))?.get_days();
        Ok(Day(days))
    }
}

impl ToSql for Day {
    fn to_sql(&self, _: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        out.extend_from_slice(&(self.0 - PG_EPOCH_DAYS).to_be_bytes());
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::DATE
    }

    to_sql_checked!();
}

/// `COPY ... FROM STDIN BINARY` (`sql`) of columns typed `types`: `write` writes the rows, and
/// the copy ends (and counts) only if it succeeds.
pub(crate) fn copy_in(
    client: &mut postgres::Client,
    sql: &str,
    types: &[Type],
    write: impl FnOnce(&mut BinaryCopyInWriter<'_>) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let sink = client.copy_in(sql).map_err(backend)?;
    let mut copy = BinaryCopyInWriter::new(sink, types);
    write(&mut copy)?;
    copy.finish().map_err(backend)?;
    Ok(())
}

/// A PostgreSQL error as a store error. A lock not had in time, a deadlock or a serialization
/// failure is [`StoreError::Busy`] (try again). The message keeps the server's words up to the
/// first colon, the SQLSTATE and the constraint's name: PostgreSQL puts values after a colon or
/// in its DETAIL line, and values may be personal data, which never enters an error message.
pub(crate) fn backend(e: postgres::Error) -> StoreError {
    use postgres::error::SqlState;
    let Some(db) = e.as_db_error() else {
        return StoreError::Backend(format!("postgres: {e}"));
    };
    let code = db.code();
    if [SqlState::LOCK_NOT_AVAILABLE, SqlState::T_R_DEADLOCK_DETECTED, SqlState::T_R_SERIALIZATION_FAILURE]
        .contains(code)
    {
        return StoreError::Busy;
    }
    let message = db.message().split(": ").next().unwrap_or_default();
    let constraint = db.constraint().map(|c| format!(", constraint {c}")).unwrap_or_default();
    StoreError::Backend(format!("postgres: {message} (SQLSTATE {}{constraint})", code.code()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_count_from_the_unix_epoch() {
        assert_eq!(Day::parse("1970-01-01").unwrap(), Day(0));
        assert_eq!(Day::parse("2000-01-01").unwrap(), Day(PG_EPOCH_DAYS));
        assert_eq!(Day::parse("1969-12-31").unwrap(), Day(-1));
        assert!(Day::parse("2004-02-30").is_err());
    }

    #[test]
    fn micros_round_trip_through_the_wire_form() {
        let t = Micros(1_747_000_000_123_456);
        let mut buf = bytes::BytesMut::new();
        t.to_sql(&Type::TIMESTAMPTZ, &mut buf).unwrap();
        assert_eq!(Micros::from_sql(&Type::TIMESTAMPTZ, &buf).unwrap(), t);
    }
}
