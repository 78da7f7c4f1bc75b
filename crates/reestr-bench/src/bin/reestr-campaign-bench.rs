//! Issuing a campaign against the baseline of single summonses posted one call after another.
//!
//! One register holds a synthetic population of Ryazan Oblast (62) and Mari El (12), half each.
//! A campaign of `--summonses` summonses is issued over Ryazan in batches (one transaction each);
//! the baseline posts `--baseline` summonses to persons of Mari El, each by its own
//! `Register::issue` call (its own transaction), as `reestr summons issue` in a loop would, less
//! the process start. Both post through the same code path, so the ratio is what batching buys.
//!
//! `cargo run --release -p reestr-bench --bin reestr-campaign-bench [-- --postgres URL]` prints
//! Markdown for docs/BENCHMARKS.md. With `--postgres`, URL names an empty database.

use std::{sync::Arc, time::Instant};

use anyhow::Context;
use clap::Parser;
use jiff::{Timestamp, civil::date};
use reestr_core::{
    access::Principal,
    campaign::{Appointments, CampaignSpec, Cohort, Quota},
    person::{Provenance, Registration},
    region::RegionCode,
    summons::{Appointment, Draft, Purpose},
};
use reestr_store::{Codec, ImportRow, Keyring, Register, RowOutcome, Store};
use reestr_synth::Population;

#[derive(Debug, Parser)]
struct Args {
    /// Summonses the campaign issues.
    #[arg(long, default_value_t = 100_000)]
    summonses: u64,
    /// Summonses the baseline posts one by one.
    #[arg(long, default_value_t = 20_000)]
    baseline: u64,
    /// Summonses per transaction of the campaign.
    #[arg(long, default_value_t = 1_000)]
    batch: usize,
    /// Benchmark PostgreSQL: an empty database.
    #[arg(long, value_name = "URL")]
    postgres: Option<String>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    let store: Arc<dyn Store> = match &args.postgres {
        Some(url) => Arc::new(reestr_postgres::PgStore::open(url)?),
        None => Arc::new(reestr_sqlite::SqliteStore::open(dir.path().join("reestr.db"))?),
    };
    let backend = if args.postgres.is_some() { "PostgreSQL" } else { "SQLite" };
    let reg = Register::new(store, Codec::new(Arc::new(Keyring::generate())));
    let op = Principal::operator("bench");
    let now: Timestamp = "2026-03-02T10:00:00Z".parse()?;
    let ryazan: RegionCode = "62".parse()?;
    let mari: RegionCode = "12".parse()?;

    // Every status but deregistered is in the cohort; a tenth more persons than the quota.
    let cohort = args.summonses + args.summonses / 10;
    let started = Instant::now();
    let mut mari_ids = import(&reg, &op, &[(ryazan, cohort), (mari, args.baseline)], now)?.remove(1);
    mari_ids.truncate(args.baseline as usize);
    eprintln!("imported the persons in {:.1} s", started.elapsed().as_secs_f64());

    let spec = CampaignSpec {
        name: "Весенний призыв 2026 (нагрузка)".into(),
        purpose: Purpose::CallUp,
        quotas: vec![Quota { region: ryazan, quota: u32::try_from(args.summonses)? }],
        commissariat: None,
        cohort: Cohort {
            born_from: 1970,
            born_to: 2010,
            statuses: vec![Registration::Registered, Registration::Deferred, Registration::Exempt],
        },
        appointments: Appointments {
            from: date(2026, 4, 6),
            to: date(2026, 7, 10),
            time: jiff::civil::time(9, 0, 0, 0),
        },
    };
    let c = reg.create_campaign(&op, spec, now)?;
    let t = Instant::now();
    let dry = reg.dry_run(&op, c.id, 20, now)?;
    let dry_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let done = reg.issue_campaign(&op, c.id, args.batch, &mut || now, &mut |_| true)?;
    let campaign_secs = t.elapsed().as_secs_f64();
    anyhow::ensure!(done.issued() == args.summonses, "issued {} of {}", done.issued(), args.summonses);
    anyhow::ensure!(dry.would_issue() == args.summonses, "the dry run said {}", dry.would_issue());

    let address = reg.directory().commissariat(&"12-000".parse()?)?.address_ru.clone();
    let t = Instant::now();
    for (i, (person, commissariat)) in mari_ids.iter().enumerate() {
        let day = date(2026, 4, 6).saturating_add(jiff::Span::new().days((i % 60) as i64));
        let draft = Draft {
            person: *person,
            commissariat: commissariat.clone(),
            purpose: Purpose::CallUp,
            appointment: Appointment { at: day.at(9, 0, 0, 0), address: address.clone() },
        };
        reg.issue(&op, draft, now)?;
    }
    let single_secs = t.elapsed().as_secs_f64();
    let campaign_rate = args.summonses as f64 / campaign_secs;
    let single_rate = mari_ids.len() as f64 / single_secs;
    println!(
        "| {backend} | {} summonses, batches of {} | {:.1} s | {:.0} summonses/s | dry run of {} persons {:.2} s |",
        args.summonses,
        args.batch,
        campaign_secs,
        campaign_rate,
        dry.cohort(),
        dry_secs
    );
    println!(
        "| {backend} | {} single `issue` calls | {:.1} s | {:.0} summonses/s | campaign {:.1}× faster |",
        mari_ids.len(),
        single_secs,
        single_rate,
        campaign_rate / single_rate
    );
    Ok(())
}

type Imported = Vec<(reestr_core::person::PersonId, reestr_core::region::CommissariatCode)>;

/// Imports synthetic persons (one population, so that no identifier repeats) until each region
/// has at least its number; returns each region's ids with their commissariats.
fn import(
    reg: &Register,
    op: &Principal,
    wanted: &[(RegionCode, u64)],
    now: Timestamp,
) -> anyhow::Result<Vec<Imported>> {
    let regions: Vec<RegionCode> = wanted.iter().map(|(r, _)| *r).collect();
    let mut population = Population::new(2026, &regions, date(2026, 1, 1));
    let provenance = Arc::new(Provenance { source: "bench:synthetic".into(), as_of: date(2026, 1, 1) });
    let mut out: Vec<Imported> = vec![Vec::new(); wanted.len()];
    let mut line = 1;
    while wanted.iter().zip(&out).any(|((_, n), got)| (got.len() as u64) < *n) {
        let mut rows = Vec::new();
        let mut records = Vec::new();
        for _ in 0..20_000 {
            line += 1;
            let record = population
                .next_record(&provenance, reg.directory())
                .map_err(|p| anyhow::anyhow!("line {line}: {p:?}"))?;
            // Deregistered persons are never summoned: keep the cohort whole.
            if record.get(reestr_core::person::Field::RegistrationStatus)
                == Some(&reestr_core::person::Value::Registration(Registration::Deregistered))
            {
                continue;
            }
            rows.push(ImportRow::new(line, &record, reg.codec())?);
            records.push(record);
        }
        for (record, outcome) in records.into_iter().zip(reg.import(op, rows, now)?) {
            let region = record.region().context("no region")?;
            if let (RowOutcome::Created(id), Some(i)) = (outcome, regions.iter().position(|r| *r == region)) {
                out[i].push((id, record.commissariat().cloned().context("no commissariat")?));
            }
        }
    }
    Ok(out)
}
