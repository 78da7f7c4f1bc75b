//! Dashboards for supervisors: what happened to summonses, by region and by local day. Counts
//! only, no personal data.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp, ToSpan, civil::Date};
use reestr_core::{access::Principal, event::EventKind, region::RegionCode};

use super::Register;
use crate::Result;

/// What happened on one local day of a region.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayCounts {
    pub date: Option<Date>,
    /// Summonses posted.
    pub issued: u64,
    pub served: u64,
    pub appeared: u64,
    pub excused: u64,
    /// Report windows that ended without an appearance.
    pub overdue: u64,
    pub measures_started: u64,
    pub measures_lifted: u64,
    /// Measures in force at the end of the day (now, for today).
    pub measures_in_force: u64,
}

impl DayCounts {
    fn add(&mut self, kind: EventKind, n: u64) {
        match kind {
            EventKind::SummonsPosted => self.issued += n,
            EventKind::SummonsServed => self.served += n,
            EventKind::SummonsAppeared => self.appeared += n,
            EventKind::SummonsExcused => self.excused += n,
            EventKind::SummonsOverdue => self.overdue += n,
            EventKind::MeasureStarted => self.measures_started += n,
            EventKind::MeasureLifted => self.measures_lifted += n,
            _ => {}
        }
    }
}

/// One region's days, oldest first, in the region's own time zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionActivity {
    pub region: RegionCode,
    pub days: Vec<DayCounts>,
    pub measures_in_force: u64,
}

impl RegionActivity {
    /// The sums over the days shown.
    pub fn totals(&self) -> DayCounts {
        let mut t = DayCounts { measures_in_force: self.measures_in_force, ..DayCounts::default() };
        for d in &self.days {
            for (kind, n) in d.kinds() {
                t.add(kind, n);
            }
        }
        t
    }
}

impl DayCounts {
    fn kinds(&self) -> [(EventKind, u64); 7] {
        [
            (EventKind::SummonsPosted, self.issued),
            (EventKind::SummonsServed, self.served),
            (EventKind::SummonsAppeared, self.appeared),
            (EventKind::SummonsExcused, self.excused),
            (EventKind::SummonsOverdue, self.overdue),
            (EventKind::MeasureStarted, self.measures_started),
            (EventKind::MeasureLifted, self.measures_lifted),
        ]
    }
}

impl Register {
    /// The last `days` local days (today included) of the regions the caller oversees: a
    /// supervisor's region, or every region with activity for an admin. Each region's days are
    /// counted in its own time zone, by the legal instant of each step.
    pub fn activity(&self, who: &Principal, days: u16, now: Timestamp) -> Result<Vec<RegionActivity>> {
        let scope = who.dashboard_scope()?;
        let days = i64::from(days.clamp(1, 366));
        // Early enough for the first local day in any zone (UTC-12 to UTC+14).
        let since = now - SignedDuration::from_hours(24 * (days + 1));
        let (counts, in_force) = self.read(|tx| Ok((tx.activity(since, scope)?, tx.measures_in_force_by_region()?)))?;
        let mut regions: Vec<RegionCode> = match scope {
            Some(r) => vec![r],
            None => counts.iter().map(|c| c.region).chain(in_force.keys().copied()).collect(),
        };
        regions.sort();
        regions.dedup();
        let mut out = Vec::new();
        for region in regions {
            let tz = self.dir.region(region)?.zone.tz().clone();
            let today = tz.to_datetime(now).date();
            let mut by_day: BTreeMap<Date, DayCounts> = (0..days)
                .filter_map(|back| today.checked_sub(back.days()).ok())
                .map(|date| (date, DayCounts { date: Some(date), ..DayCounts::default() }))
                .collect();
            // Measure changes after each day, to walk back from the count in force now.
            let mut started_after: BTreeMap<Date, u64> = BTreeMap::new();
            let mut lifted_after: BTreeMap<Date, u64> = BTreeMap::new();
            for c in counts.iter().filter(|c| c.region == region) {
                let date = tz.to_datetime(c.hour).date();
                if let Some(d) = by_day.get_mut(&date) {
                    d.add(c.kind, c.count);
                }
                match c.kind {
                    EventKind::MeasureStarted => *started_after.entry(date).or_default() += c.count,
                    EventKind::MeasureLifted => *lifted_after.entry(date).or_default() += c.count,
                    _ => {}
                }
            }
            let now_in_force = in_force.get(&region).copied().unwrap_or(0);
            for (date, d) in by_day.iter_mut() {
                let later =
                    |m: &BTreeMap<Date, u64>| m.range(date.tomorrow().unwrap_or(*date)..).map(|(_, n)| n).sum::<u64>();
                let (s, l) = (later(&started_after), later(&lifted_after));
                d.measures_in_force = (now_in_force + l).saturating_sub(s);
            }
            out.push(RegionActivity { region, days: by_day.into_values().collect(), measures_in_force: now_in_force });
        }
        Ok(out)
    }
}
