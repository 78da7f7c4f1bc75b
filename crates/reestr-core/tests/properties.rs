//! Properties of the legal clock that must hold in every zone and for any instant.
#![allow(clippy::unwrap_used)]

use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use reestr_core::{
    days::DateRange,
    deadline::{Facts, deadlines},
    person::PersonId,
    policy::{PolicyBook, ServiceMethod},
    region::Directory,
    summons::{Appointment, Cancellation, Command, Draft, Purpose, Summons, SummonsNumber, ValidReason},
    zone::Zone,
};

fn zones() -> Vec<Zone> {
    let mut z = Directory::builtin().zones();
    // A few zones with daylight saving time and transitions at midnight, beyond Russia's.
    for extra in ["America/Santiago", "America/Havana", "Asia/Beirut", "Pacific/Apia", "Australia/Lord_Howe"] {
        z.push(Zone::get(extra).unwrap());
    }
    z
}

/// Instants from 2000 to 2090.
fn instant() -> impl Strategy<Value = Timestamp> {
    (946_684_800i64..3_786_912_000).prop_map(|s| Timestamp::from_second(s).unwrap())
}

fn policy_name() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just("seed-2025"), Just("fz53-2023")]
}

fn early() -> impl Strategy<Value = Option<(ServiceMethod, i64)>> {
    proptest::option::of((
        prop_oneof![Just(ServiceMethod::InPerson), Just(ServiceMethod::RegisteredMail)],
        0i64..20 * 86_400,
    ))
}

/// Valid reasons as (offset in days from posting, length in days).
fn excuses() -> impl Strategy<Value = Vec<(i64, i64)>> {
    proptest::collection::vec((0i64..60, 1i64..30), 0..4)
}

fn ranges(zone: &Zone, posted: Timestamp, excuses: &[(i64, i64)]) -> Vec<DateRange> {
    let start = zone.tz().to_datetime(posted).date();
    excuses
        .iter()
        .map(|(off, len)| {
            let from = start.checked_add(jiff::Span::new().days(*off)).unwrap();
            DateRange::new(from, from.checked_add(jiff::Span::new().days(len - 1)).unwrap()).unwrap()
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn deadlines_are_ordered_and_deterministic(
        zone_i in 0usize..1000, posted in instant(), name in policy_name(),
        appointment_days in 0i64..40, early in early(), exc in excuses(),
    ) {
        let zones = zones();
        let zone = &zones[zone_i % zones.len()];
        let policy = PolicyBook::builtin().get(name).unwrap();
        let local = zone.tz().to_datetime(posted);
        let appointment = local.checked_add(SignedDuration::from_hours(24 * appointment_days)).unwrap();
        let excused = ranges(zone, posted, &exc);
        let facts = Facts {
            policy,
            zone,
            posted_at: posted,
            appointment: Some(appointment),
            early_service: early.map(|(how, secs)| (how, posted + SignedDuration::from_secs(secs))),
            excused: &excused,
        };
        let d = deadlines(&facts).unwrap();
        prop_assert!(d.served_at >= posted, "served after posting");
        prop_assert!(d.report_window_ends_at > d.served_at, "the window ends after service");
        for m in &d.measures {
            prop_assert!(m.starts_at >= d.served_at, "measures after service");
        }
        // The ends of periods fall on local midnights (or the first instant of a day).
        let end_local = zone.tz().to_datetime(d.report_window_ends_at);
        let day_start = end_local.date().to_zoned_datetime(zone.tz().clone()).unwrap().start_of_day().unwrap();
        prop_assert_eq!(day_start.timestamp(), d.report_window_ends_at);
        prop_assert_eq!(deadlines(&facts).unwrap(), d, "the same input gives the same output");
    }

    #[test]
    fn any_life_keeps_its_invariants_and_catching_up_changes_nothing(
        zone_i in 0usize..1000, posted in instant(), name in policy_name(),
        steps in proptest::collection::vec((0u8..6, 1i64..15 * 86_400), 0..8),
    ) {
        let zones = zones();
        let zone = zones[zone_i % zones.len()].clone();
        let policy = PolicyBook::builtin().get(name).unwrap();
        let local = zone.tz().to_datetime(posted);
        let draft = Draft {
            person: PersonId(7),
            commissariat: "62-000".parse().unwrap(),
            purpose: Purpose::CallUp,
            appointment: Appointment { at: local.checked_add(SignedDuration::from_hours(24 * 10)).unwrap(), address: "here".into() },
        };
        let number = SummonsNumber::new("62".parse().unwrap(), 2025, 1);
        let (start, _) = Summons::post(number, draft, policy, zone.clone(), posted).unwrap();

        // One clock that ticks at every step, one that only catches up at the end.
        let mut ticking = start.clone();
        let mut lazy = start;
        let mut at = posted;
        let mut commands = Vec::new();
        for (kind, gap) in steps {
            at += SignedDuration::from_secs(gap);
            let today = zone.tz().to_datetime(at).date();
            let command = match kind {
                0 => Command::Serve { how: ServiceMethod::InPerson },
                1 => Command::Appear,
                2 => Command::Excuse {
                    reason: ValidReason::IllnessOrInjury,
                    evidence: "certificate".into(),
                    covers: DateRange::new(today, today.checked_add(jiff::Span::new().days(5)).unwrap()).unwrap(),
                },
                3 => Command::Cancel { cancellation: Cancellation::Registrar { reason: "error".into() } },
                _ => { ticking.advance(policy, at).unwrap(); continue; }
            };
            let before = ticking.clone();
            if ticking.apply(policy, command.clone(), at).is_err() {
                prop_assert_eq!(&ticking, &before, "a refused step changes nothing");
            } else {
                commands.push((command, at));
            }
        }
        for (command, at) in commands {
            lazy.apply(policy, command, at).unwrap();
        }
        let end = at + SignedDuration::from_hours(24 * 400);
        ticking.advance(policy, end).unwrap();
        lazy.advance(policy, end).unwrap();
        prop_assert_eq!(&ticking, &lazy, "the outcome does not depend on when the clock ran");
        prop_assert!(ticking.advance(policy, end).unwrap().is_empty(), "advancing twice does nothing");

        let served = ticking.service.map(|s| s.at);
        for m in &ticking.measures {
            prop_assert!(Some(m.started_at) >= served, "measures after service");
            prop_assert!(m.started_at >= ticking.posted_at);
            if let Some(l) = m.lifted {
                prop_assert!(l.at >= m.started_at, "lifting never before starting");
            }
        }
        for kind in reestr_core::measure::MeasureKind::ALL {
            let open = ticking.measures.iter().filter(|m| m.kind == kind && !m.is_lifted()).count();
            prop_assert!(open <= 1, "a measure is never in force twice at once");
        }
    }
}
