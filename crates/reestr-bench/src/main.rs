//! Benchmarks of the stores, printed as Markdown for docs/BENCHMARKS.md.
//!
//! Build everything first (`cargo build --release --workspace`), then run
//! `target/release/reestr-bench` (the embedded store) or
//! `target/release/reestr-bench --postgres URL` (PostgreSQL; see `postgres.rs`).
//! The `reestr` binary is run as a child process, like the raw baseline, so both are timed and
//! their peak memory read the same way (wall time and the child's maximum resident set).

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use clap::Parser;
use jiff::{SignedDuration, Timestamp};
use reestr_core::{
    ids::Passport,
    person::PersonId,
    policy::PolicyBook,
    region::{Directory, PILOT_REGIONS},
    summons::{Appointment, Draft, Purpose, Summons, SummonsNumber},
};
use reestr_sqlite::SqliteStore;
use reestr_store::{Codec, Keyring, Store, SummonsRow};
use reestr_synth::{COLUMNS, Population};

#[derive(Debug, Parser)]
struct Args {
    /// Persons to import (and summonses to post).
    #[arg(long, default_value_t = 1_000_000)]
    persons: u64,
    /// Summonses due in the "few due among many" run.
    #[arg(long, default_value_t = 1_000)]
    few_due: u64,
    /// Summonses due at once in the throughput runs.
    #[arg(long, default_value_t = 100_000)]
    many_due: u64,
    /// Working directory (default: a new one under the system's temp directory).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Benchmark PostgreSQL instead: a server URL whose user may create databases
    /// (reestr_bench and reestr_bench_raw are made anew, and dropped at the end unless --keep).
    #[arg(long, value_name = "URL")]
    postgres: Option<String>,
    /// Skip the legal clock (for the largest runs).
    #[arg(long)]
    no_clock: bool,
    /// Keep the benchmark's databases.
    #[arg(long)]
    keep: bool,
    /// Skip the raw baseline (for the largest runs).
    #[arg(long)]
    no_baseline: bool,
    /// Passport lookups timed after the import (PostgreSQL).
    #[arg(long, default_value_t = 20_000)]
    lookups: usize,
}

mod postgres;

/// A finished child process: wall time and peak resident memory.
struct Run {
    wall: Duration,
    max_rss_kib: i64,
    stdout: String,
}

/// Runs a command to completion, sampling its peak resident memory (VmHWM, a high-water mark)
/// from /proc every few milliseconds.
fn measure(cmd: &mut Command) -> anyhow::Result<Run> {
    cmd.stdout(std::process::Stdio::piped());
    let start = Instant::now();
    let child = cmd.spawn().with_context(|| format!("starting {cmd:?}"))?;
    let status_file = format!("/proc/{}/status", child.id());
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut peak = 0i64;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                if let Some(kib) = std::fs::read_to_string(&status_file).ok().and_then(|s| {
                    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?.to_owned();
                    line.split_whitespace().nth(1)?.parse::<i64>().ok()
                }) {
                    peak = peak.max(kib);
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            peak
        })
    };
    let output = child.wait_with_output()?;
    let wall = start.elapsed();
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let max_rss_kib = sampler.join().map_err(|_| anyhow::anyhow!("sampler panicked"))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        bail!("{cmd:?} failed ({}): {stdout}", output.status);
    }
    Ok(Run { wall, max_rss_kib, stdout })
}

fn mib(kib: i64) -> String {
    format!("{:.0} MiB", kib as f64 / 1024.0)
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn reestr_binary() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let bin = exe.with_file_name("reestr");
    if !bin.exists() {
        bail!("{} is missing: build it first with `cargo build --release`", bin.display());
    }
    Ok(bin)
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = match &args.dir {
        Some(d) => d.clone(),
        None => std::env::temp_dir().join(format!("reestr-bench-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir)?;
    let reestr = reestr_binary()?;
    let csv = dir.join("persons.csv");
    let n = args.persons;

    eprintln!("generating {n} synthetic persons into {}", csv.display());
    let passports = generate(&csv, n, args.lookups)?;
    let size = std::fs::metadata(&csv)?.len();
    if let Some(url) = &args.postgres {
        return postgres::run(&args, &reestr, &csv, size, &passports, url);
    }

    // The raw baseline: the sqlite3 shell importing the same file into a table with the same
    // columns, a primary key and one secondary index.
    eprintln!("raw baseline: sqlite3 .import");
    let raw_db = dir.join("raw.db");
    let columns: Vec<String> = COLUMNS
        .iter()
        .map(|f| if f.name() == "snils" { "snils TEXT PRIMARY KEY".to_owned() } else { format!("{} TEXT", f.name()) })
        .collect();
    let schema = format!(
        "CREATE TABLE t ({}); CREATE INDEX t_passport ON t (passport_series, passport_number);",
        columns.join(", ")
    );
    let status = Command::new("sqlite3").arg(&raw_db).arg(&schema).status()?;
    if !status.success() {
        bail!("sqlite3 could not create the baseline table");
    }
    let raw = measure(Command::new("sqlite3").arg(&raw_db).arg(format!(".import --csv --skip 1 {} t", csv.display())))?;

    eprintln!("reestr import persons");
    let db = dir.join("reestr.db");
    let url = format!("sqlite://{}", db.display());
    let import = measure(Command::new(&reestr).args(["import", "persons"]).arg(&csv).args([
        "--db",
        &url,
        "--as-of",
        "2025-01-01",
    ]))?;
    if !import.stdout.contains(&format!("imported {n}, updated 0, rejected 0")) {
        bail!("the import did not take every row: {}", import.stdout);
    }

    println!("## Import of {n} persons from CSV ({:.0} MiB)\n", size as f64 / 1048576.0);
    println!("| | time | rows/s | peak memory |");
    println!("|---|---:|---:|---:|");
    for (name, run) in [("`sqlite3 .import` (raw baseline)", &raw), ("`reestr import persons`", &import)] {
        println!(
            "| {name} | {} | {:.0} | {} |",
            secs(run.wall),
            n as f64 / run.wall.as_secs_f64(),
            mib(run.max_rss_kib)
        );
    }
    println!("\nRatio reestr / raw: **{:.2}x**\n", import.wall.as_secs_f64() / raw.wall.as_secs_f64());

    // The import generated the database's keys beside it; summonses are sealed with them.
    let codec = Codec::new(Arc::new(Keyring::load(&Keyring::dir_for(&db))?));
    clock(&reestr, Arc::new(SqliteStore::open(&db)?), &codec, (&url, &[]), &args, &mut || Ok(()))?;
    let plan: String = rusqlite::Connection::open(&db)?.query_row(
        "EXPLAIN QUERY PLAN SELECT id, state FROM summonses WHERE next_due_at <= 0 ORDER BY next_due_at LIMIT 1000",
        [],
        |r| r.get(3),
    )?;
    println!("\nThe clock's query plan: `{plan}` (the due summonses are read from the partial index, not by a scan).");
    eprintln!("done; the files are in {}", dir.display());
    Ok(())
}

/// Writes `n` synthetic persons as CSV; returns the passports of about `samples` of them, spread
/// over the file.
fn generate(csv: &Path, n: u64, samples: usize) -> anyhow::Result<Vec<Passport>> {
    let mut population = Population::new(42, &PILOT_REGIONS, jiff::civil::date(2025, 1, 1));
    let mut w = csv::Writer::from_writer(std::io::BufWriter::new(std::fs::File::create(csv)?));
    w.write_record(COLUMNS.iter().map(|f| f.name()))?;
    let series = COLUMNS.iter().position(|f| f.name() == "passport_series").context("no passport_series")?;
    let number = COLUMNS.iter().position(|f| f.name() == "passport_number").context("no passport_number")?;
    let step = (n / samples.max(1) as u64).max(1);
    let mut keys = Vec::with_capacity(samples);
    for i in 0..n {
        let row = population.next_row();
        if i % step == 0 && keys.len() < samples {
            keys.push(Passport { series: row[series].parse()?, number: row[number].parse()? });
        }
        w.write_record(&row)?;
    }
    w.flush()?;
    Ok(keys)
}

/// The clock: posts one summons per person, arranged so that a chosen number are due.
/// Summonses are sealed with `codec`, the keys the import made; `envs` go to each `reestr`
/// run. `settle` runs after the posting, before the clock (PostgreSQL: ANALYZE, as autovacuum
/// would after a bulk change).
fn clock(
    reestr: &Path,
    store: Arc<dyn Store>,
    codec: &Codec,
    (url, envs): (&str, &[(&str, String)]),
    args: &Args,
    settle: &mut dyn FnMut() -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let policy = PolicyBook::builtin().get("seed-2025")?;
    let dir = Directory::builtin();
    // Summonses posted at t0 are served at the end of t0's seventh local day; those posted
    // later are not yet due then.
    let t0: Timestamp = "2025-06-02T09:00:00Z".parse()?;
    let later = t0 + SignedDuration::from_hours(24 * 60);
    let due_after = t0 + SignedDuration::from_hours(24 * 8);
    let many_at = later + SignedDuration::from_hours(24 * 8);
    let few = args.few_due;
    let many = args.many_due;
    let total = args.persons;
    eprintln!("posting {total} summonses ({few} due first, then {many} at once)");
    let started = Instant::now();
    let mut posted = 0u64;
    while posted < total {
        let chunk = (total - posted).min(50_000);
        store.write(&mut |tx| {
            for i in posted..posted + chunk {
                let person = PersonId(i as i64 + 1);
                let region = PILOT_REGIONS[(i % 3) as usize];
                let c = dir
                    .commissariats_of(region)
                    .next()
                    .context("a region without commissariats")
                    .map_err(|e| reestr_store::StoreError::Backend(e.to_string()))?;
                // The first `few` at t0; the next `many` at `later`; the rest a year on.
                let at = if i < few {
                    t0
                } else if i < few + many {
                    later
                } else {
                    t0 + SignedDuration::from_hours(24 * 365)
                };
                let local = c.zone.tz().to_datetime(at).date().saturating_add(jiff::Span::new().days(14));
                let draft = Draft {
                    person,
                    commissariat: c.code.clone(),
                    purpose: Purpose::CallUp,
                    appointment: Appointment {
                        at: local.to_datetime(jiff::civil::Time::midnight()),
                        address: c.address_ru.clone(),
                    },
                };
                let number = SummonsNumber::new(region, 2025, i + 1);
                let (s, _) = Summons::post(number, draft, policy, c.zone.clone(), at)?;
                tx.insert_summons(&SummonsRow::new(&s, s.next_due(policy)?, codec)?)?;
            }
            Ok(())
        })?;
        posted += chunk;
    }
    drop(store);
    eprintln!("posted in {}", secs(started.elapsed()));
    settle()?;

    let run_clock = |at: Timestamp| {
        let mut cmd = Command::new(reestr);
        cmd.args(["clock", "--db", url, "--at", &at.to_string()]);
        for (k, v) in envs {
            cmd.env(k, v);
        }
        measure(&mut cmd)
    };
    let first = run_clock(due_after)?;
    // Untimed: the first few reach their window's end, so the next run has only the many.
    run_clock(t0 + SignedDuration::from_hours(24 * 40))?;
    let second = run_clock(many_at)?;
    // The same `many` summonses reach the end of their report window without an appearance.
    let overdue_at = many_at + SignedDuration::from_hours(24 * 22);
    let third = run_clock(overdue_at)?;
    println!("## The legal clock over {total} pending summonses\n");
    println!("| run | summonses due | output | time | summonses/s | peak memory |");
    println!("|---|---:|---|---:|---:|---:|");
    for (name, due, run) in [
        ("few due among many: deemed service", few, &first),
        ("many due at once: deemed service", many, &second),
        ("many due at once: overdue, 7 measures each", many, &third),
    ] {
        println!(
            "| {name} | {due} | {} | {} | {:.0} | {} |",
            run.stdout.trim().split(": ").nth(1).unwrap_or(""),
            secs(run.wall),
            due as f64 / run.wall.as_secs_f64(),
            mib(run.max_rss_kib)
        );
    }
    Ok(())
}
