//! `reestr demo`: a synthetic population in the pilot regions with summonses in every state.
//!
//! The history is simulated over the hundred days before now: persons are imported, summonses
//! posted, some handed over, appeared, excused or cancelled, and the legal clock runs day by day,
//! so measures exist where people did not appear.

use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use jiff::{SignedDuration, Timestamp, civil::Time};
use rand::{RngExt, SeedableRng, rngs::StdRng};
use reestr_core::{
    days::DateRange,
    event::Actor,
    person::{Field, PersonId, Provenance, Record, Registration, Value},
    policy::ServiceMethod,
    region::PILOT_REGIONS,
    summons::{Appointment, Cancellation, Command, Draft, Purpose, SummonsNumber, ValidReason},
};
use reestr_store::{ImportRow, Register, RowOutcome};
use reestr_synth::{COLUMNS, Population};

use crate::{db::open, today};

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How many synthetic persons to create.
    #[arg(long, default_value_t = 1000)]
    persons: u64,
    /// Where to serve the register once it is filled.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// Fill the database and stop, without serving.
    #[arg(long)]
    no_serve: bool,
    /// The seed of the synthetic population: the same seed gives the same people.
    #[arg(long, default_value_t = 2025)]
    seed: u64,
}

/// How many days of history the demo simulates.
const HISTORY_DAYS: i64 = 100;

enum Step {
    Issue(usize),
    Act(usize, Command),
}

pub fn run(db: &crate::db::Db, args: &DemoArgs, now: Timestamp) -> anyhow::Result<()> {
    let reg = open(db)?;
    let existing = reg.stats()?.persons;
    if existing > 0 {
        println!("{db} already holds {existing} persons; not seeding again.");
    } else {
        seed(&reg, args, now)?;
    }
    summary(&reg, db)?;
    if !args.no_serve {
        println!("\nThe register's HTTP server is not part of this build yet; the data above is ready.");
        println!("(It would listen on {}.)", args.listen);
    }
    Ok(())
}

fn seed(reg: &Register, args: &DemoArgs, now: Timestamp) -> anyhow::Result<()> {
    let actor = Actor::demo();
    let now = Timestamp::from_second(now.as_second())?;
    let start = now - SignedDuration::from_hours(24 * HISTORY_DAYS);
    let mut population = Population::new(args.seed, &PILOT_REGIONS, today(now));
    let provenance = Arc::new(Provenance { source: "demo:synthetic".into(), as_of: today(start) });
    let mut people: Vec<(PersonId, Record)> = Vec::new();
    let mut line = 1;
    while (people.len() as u64) < args.persons {
        let chunk = (args.persons - people.len() as u64).min(5000);
        let mut rows = Vec::new();
        for _ in 0..chunk {
            line += 1;
            let texts = population.next_row();
            let record = Record::from_texts(
                COLUMNS.iter().copied().zip(texts.iter().map(String::as_str)),
                &provenance,
                reg.directory(),
            )
            .map_err(|p| anyhow::anyhow!("the synthetic person at line {line} is invalid: {p:?}"))?;
            rows.push((ImportRow::new(line, &record)?, record));
        }
        let (rows, records): (Vec<ImportRow>, Vec<Record>) = rows.into_iter().unzip();
        for (record, outcome) in records.into_iter().zip(reg.import(rows, &actor, start)?) {
            if let RowOutcome::Created(id) = outcome {
                people.push((id, record));
            }
        }
    }

    // Plan every summons's life, then play the plan in time order with the clock running daily.
    let mut rng = StdRng::seed_from_u64(args.seed);
    let mut plan: Vec<(Timestamp, Step)> = Vec::new();
    let mut drafts = Vec::new();
    for (id, record) in &people {
        let registered =
            matches!(record.get(Field::RegistrationStatus), Some(Value::Registration(Registration::Registered)));
        if !registered || !rng.random_bool(0.6) {
            continue;
        }
        let commissariat = record.commissariat().context("a synthetic person without a commissariat")?.clone();
        let c = reg.directory().commissariat(&commissariat)?;
        let posted = start + SignedDuration::from_secs(rng.random_range(86_400..HISTORY_DAYS * 86_400));
        let local = c.zone.tz().to_datetime(posted);
        let appointment_day = local.date().saturating_add(jiff::Span::new().days(rng.random_range(10..21)));
        let at = appointment_day.to_datetime(Time::new(rng.random_range(9..17), 0, 0, 0).unwrap_or(Time::midnight()));
        let purpose = [Purpose::ClarifyRecords, Purpose::MedicalExamination, Purpose::CallUp][rng.random_range(0..3)];
        let i = drafts.len();
        drafts.push(Draft {
            person: *id,
            commissariat,
            purpose,
            appointment: Appointment { at, address: c.address_ru.clone() },
        });
        plan.push((posted, Step::Issue(i)));
        let minutes = rng.random_range(0..600);
        let days = |d: i64| posted + SignedDuration::from_hours(24 * d) + SignedDuration::from_mins(minutes);
        let roll = rng.random_range(0..100);
        let step = match roll {
            0..=19 => Some((days(rng.random_range(1..25)), Command::Appear)),
            20..=29 => Some((days(rng.random_range(30..50)), Command::Appear)),
            30..=37 => {
                let at = days(rng.random_range(9..30));
                let from = c.zone.tz().to_datetime(at).date().saturating_sub(jiff::Span::new().days(2));
                let covers =
                    DateRange::new(from, from.saturating_add(jiff::Span::new().days(rng.random_range(3..14))))?;
                let reason =
                    [ValidReason::IllnessOrInjury, ValidReason::RelativeGraveIllnessOrFuneral][rng.random_range(0..2)];
                Some((at, Command::Excuse { reason, evidence: "справка (синтетическая)".into(), covers }))
            }
            38..=42 => {
                let cancellation =
                    Cancellation::Registrar { reason: "повестка направлена ошибочно".into() };
                Some((days(rng.random_range(1..20)), Command::Cancel { cancellation }))
            }
            43..=49 => Some((days(rng.random_range(0..6)), Command::Serve { how: ServiceMethod::InPerson })),
            _ => None,
        };
        if let Some((at, command)) = step.filter(|(at, _)| *at < now) {
            plan.push((at, Step::Act(i, command)));
        }
    }
    plan.sort_by_key(|(at, _)| *at);

    let mut numbers: Vec<Option<SummonsNumber>> = vec![None; drafts.len()];
    let mut day = start.as_second() / 86_400;
    for (at, step) in plan {
        if at.as_second() / 86_400 != day {
            day = at.as_second() / 86_400;
            reg.run_clock(Timestamp::from_second(day * 86_400)?, 1000)?;
        }
        match step {
            Step::Issue(i) => numbers[i] = Some(reg.issue(drafts[i].clone(), &actor, at)?.number),
            Step::Act(i, command) => {
                if let Some(number) = &numbers[i] {
                    // A planned step may no longer fit (e.g. a hand-over after deemed service).
                    let _ = reg.act(number, command, &actor, at);
                }
            }
        }
    }
    reg.run_clock(now, 1000)?;
    Ok(())
}

fn summary(reg: &Register, db: &crate::db::Db) -> anyhow::Result<()> {
    let s = reg.stats()?;
    println!("The register in {db}:");
    println!("  persons: {}", s.persons);
    for (status, n) in &s.summonses {
        println!("  summonses {status}: {n}");
    }
    println!("  measures in force: {}", s.measures_in_force);
    println!("  events in the log: {}", s.last_event);
    let started = reg.events(0, 10_000)?.into_iter().find(|e| e.kind == reestr_core::event::EventKind::MeasureStarted);
    if let Some((person, number)) = started.and_then(|e| Some((e.person?, e.summons?))) {
        println!("\nTry:");
        println!("  reestr person show --id {person}");
        println!("  reestr summons show {number}");
        println!("  reestr deadlines --policy seed-2025 --zone Europe/Moscow --posted 2025-05-09T14:00:00+03:00");
    }
    Ok(())
}
