//! The one place the command line reads the clock, and the parsing of instants.

use anyhow::{Context, bail};
use jiff::{Timestamp, civil::DateTime};
use reestr_core::zone::Zone;

/// Now: the `--at` instant when given (to simulate, demonstrate and test), else the system clock.
pub fn now(at: Option<Timestamp>) -> Timestamp {
    #[allow(clippy::disallowed_methods)]
    at.unwrap_or_else(Timestamp::now)
}

/// An instant: RFC 3339 with an offset (`2025-05-09T14:00:00+03:00`, `2025-05-09T11:00:00Z`), or,
/// when a zone is known, a local date and time in it (`2025-05-09T14:00`).
pub fn parse_instant(s: &str, zone: Option<&Zone>) -> anyhow::Result<Timestamp> {
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(t);
    }
    let Some(zone) = zone else {
        bail!("{s:?} is not an instant: give it with an offset, e.g. 2025-05-09T11:00:00Z");
    };
    let local: DateTime = s.parse().with_context(|| {
        format!("{s:?} is neither an instant (2025-05-09T11:00:00Z) nor a local time (2025-05-09T14:00)")
    })?;
    Ok(zone.tz().to_ambiguous_timestamp(local).compatible()?)
}

/// For clap: an instant with an offset.
pub fn instant_arg(s: &str) -> Result<Timestamp, String> {
    parse_instant(s, None).map_err(|e| e.to_string())
}
