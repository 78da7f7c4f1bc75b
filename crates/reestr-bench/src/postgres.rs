//! The PostgreSQL benchmarks: import against `psql \copy` of the same file into a table with
//! the same columns and indexes, database size, passport lookups, and the legal clock.
//!
//! The server is the one `--postgres URL` names; the user must be allowed to create databases.
//! Two databases are made anew for the run: `reestr_bench_raw` for the baseline and
//! `reestr_bench` for the register.

use std::{
    path::Path,
    process::Command,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use postgres::{Client, NoTls};
use reestr_core::ids::Passport;
use reestr_postgres::{PgOptions, PgStore};
use reestr_store::{Codec, Keyring, Store};
use reestr_synth::COLUMNS;

use crate::{Args, measure, mib, secs};

const RAW_DB: &str = "reestr_bench_raw";
const BENCH_DB: &str = "reestr_bench";

/// `url` with another database.
fn with_database(url: &str, db: &str) -> anyhow::Result<String> {
    let (base, rest) = url.rsplit_once('/').context("the URL names no database")?;
    let query = rest.split_once('?').map(|(_, q)| format!("?{q}")).unwrap_or_default();
    Ok(format!("{base}/{db}{query}"))
}

fn size(client: &mut Client, sql: &str) -> anyhow::Result<i64> {
    Ok(client.query_one(sql, &[])?.get(0))
}

fn gib(bytes: i64) -> String {
    format!("{:.2} GiB", bytes as f64 / (1u64 << 30) as f64)
}

pub fn run(
    args: &Args,
    reestr: &Path,
    csv: &Path,
    csv_size: u64,
    passports: &[Passport],
    url: &str,
) -> anyhow::Result<()> {
    let n = args.persons;
    // The register's keys: made by the import, used by every later run and by the lookups.
    let keys_dir = csv.with_file_name("keys");
    let _ = std::fs::remove_dir_all(&keys_dir);
    let envs = [("REESTR_KEYS_DIR", keys_dir.display().to_string())];
    let mut admin = Client::connect(url, NoTls).context("connecting to --postgres")?;
    for db in [RAW_DB, BENCH_DB] {
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))?;
        admin.batch_execute(&format!("CREATE DATABASE {db}"))?;
    }
    let raw_url = with_database(url, RAW_DB)?;
    let bench_url = with_database(url, BENCH_DB)?;
    let version: String = admin.query_one("SHOW server_version", &[])?.get(0);

    if args.no_baseline {
        return import_only(args, reestr, (csv, csv_size), passports, (&bench_url, &envs), &version);
    }
    // The baseline: the CSV's columns as text, with the indexes reestr keeps on persons (the
    // SNILS as primary key, unique passport and INN, and the name index).
    eprintln!("raw baseline: psql \\copy");
    let mut raw = Client::connect(&raw_url, NoTls)?;
    let columns: Vec<String> = COLUMNS.iter().map(|f| format!("{} text", f.name())).collect();
    raw.batch_execute(&format!(
        "CREATE TABLE t ({}, PRIMARY KEY (snils));
         CREATE UNIQUE INDEX t_passport ON t (passport_series, passport_number);
         CREATE UNIQUE INDEX t_inn ON t (inn);
         CREATE INDEX t_name ON t (surname, given_name, birth_date);",
        columns.join(", ")
    ))?;
    let copy = format!("\\copy t FROM '{}' WITH (FORMAT csv, HEADER true)", csv.display());
    let baseline = measure(Command::new("psql").args(["-X", "-q", "-v", "ON_ERROR_STOP=1", &raw_url, "-c", &copy]))?;
    let raw_size = size(&mut raw, "SELECT pg_database_size(current_database())")?;
    drop(raw);

    eprintln!("reestr import persons");
    let import = measure(
        Command::new(reestr)
            .args(["import", "persons"])
            .arg(csv)
            .args(["--db", &bench_url, "--as-of", "2025-01-01"])
            .envs(envs.iter().cloned()),
    )?;
    if !import.stdout.contains(&format!("imported {n}, updated 0, rejected 0")) {
        bail!("the import did not take every row: {}", import.stdout);
    }
    let mut bench = Client::connect(&bench_url, NoTls)?;
    let db_size = size(&mut bench, "SELECT pg_database_size(current_database())")?;
    let persons_size = size(&mut bench, "SELECT pg_total_relation_size('persons')")?;
    let persons_heap = size(&mut bench, "SELECT pg_relation_size('persons')")?;
    let events_size = size(
        &mut bench,
        "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_inherits i
         JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass",
    )?;

    println!("## PostgreSQL {version}: import of {n} persons from CSV ({:.0} MiB)\n", csv_size as f64 / 1048576.0);
    println!("| | time | rows/s | client peak memory | database size |");
    println!("|---|---:|---:|---:|---:|");
    for (name, run, bytes) in
        [("`psql \\copy` (raw baseline)", &baseline, raw_size), ("`reestr import persons`", &import, db_size)]
    {
        println!(
            "| {name} | {} | {:.0} | {} | {} |",
            secs(run.wall),
            n as f64 / run.wall.as_secs_f64(),
            mib(run.max_rss_kib),
            gib(bytes)
        );
    }
    println!("\nRatio reestr / raw: **{:.2}x**\n", import.wall.as_secs_f64() / baseline.wall.as_secs_f64());
    println!(
        "Of the register's {}: persons {} (heap {}, the rest indexes), the event log {}.\n",
        gib(db_size),
        gib(persons_size),
        gib(persons_heap),
        gib(events_size)
    );

    let codec = Codec::new(Arc::new(Keyring::load(&keys_dir)?));
    lookups(&bench_url, passports, &codec)?;

    if !args.no_clock {
        let store: Arc<dyn Store> = Arc::new(PgStore::open(&bench_url)?);
        let settle = &mut || Ok(bench.batch_execute("ANALYZE")?);
        crate::clock(reestr, store, &codec, (&bench_url, &envs), args, settle)?;
        let plan = bench.query(
            "EXPLAIN SELECT id, state FROM summonses WHERE next_due_at <= now() ORDER BY next_due_at LIMIT 1000",
            &[],
        )?;
        let lines: Vec<String> = plan.iter().take(4).map(|r| r.get::<_, String>(0).trim().to_owned()).collect();
        println!(
            "\nThe clock's query plan begins: `{}` (an ordered merge of each region's partial index on next_due_at, no scan).",
            lines.join(" / ")
        );
        let part = |t: &str| {
            format!(
                "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_inherits i
                 JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = '{t}'::regclass"
            )
        };
        let counts = bench.query_one(
            "SELECT (SELECT count(*) FROM summonses), (SELECT count(*) FROM measures), (SELECT seq FROM log_head)",
            &[],
        )?;
        let (summonses, measures, events): (i64, i64, i64) = (counts.get(0), counts.get(1), counts.get(2));
        println!(
            "\nAfter the clock: {summonses} summonses take {}, {measures} measures {}, {events} events {} \
             (with their indexes); the database {}.",
            gib(size(&mut bench, &part("summonses"))?),
            gib(size(&mut bench, &part("measures"))?),
            gib(size(&mut bench, &part("events"))?),
            gib(size(&mut bench, "SELECT pg_database_size(current_database())")?)
        );
    }
    drop(bench);
    if !args.keep {
        for db in [RAW_DB, BENCH_DB] {
            admin.batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))?;
        }
    }
    Ok(())
}

/// The register's import alone, with its size and lookups (for the largest runs).
fn import_only(
    args: &Args,
    reestr: &Path,
    (csv, csv_size): (&Path, u64),
    passports: &[Passport],
    (bench_url, envs): (&str, &[(&str, String)]),
    version: &str,
) -> anyhow::Result<()> {
    let n = args.persons;
    eprintln!("reestr import persons");
    let import = measure(
        Command::new(reestr)
            .args(["import", "persons"])
            .arg(csv)
            .args(["--db", bench_url, "--as-of", "2025-01-01"])
            .envs(envs.iter().cloned()),
    )?;
    if !import.stdout.contains(&format!("imported {n}, updated 0, rejected 0")) {
        bail!("the import did not take every row: {}", import.stdout);
    }
    let mut bench = Client::connect(bench_url, NoTls)?;
    let db_size = size(&mut bench, "SELECT pg_database_size(current_database())")?;
    let persons_size = size(&mut bench, "SELECT pg_total_relation_size('persons')")?;
    println!(
        "## PostgreSQL {version}: import of {n} persons from CSV ({:.0} MiB), no baseline\n",
        csv_size as f64 / 1048576.0
    );
    println!(
        "`reestr import persons`: {} ({:.0} rows/s, client peak memory {}); the database {}, of which persons {}.\n",
        secs(import.wall),
        n as f64 / import.wall.as_secs_f64(),
        mib(import.max_rss_kib),
        gib(db_size),
        gib(persons_size)
    );
    let indexes = bench.query(
        "SELECT c.relname::text, pg_relation_size(c.oid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
         WHERE i.indrelid = 'persons'::regclass ORDER BY 1",
        &[],
    )?;
    let list: Vec<String> =
        indexes.iter().map(|r| format!("{} {}", r.get::<_, String>(0), gib(r.get::<_, i64>(1)))).collect();
    let heap = size(
        &mut bench,
        "SELECT pg_relation_size('persons') + pg_relation_size(reltoastrelid) FROM pg_class WHERE oid = 'persons'::regclass",
    )?;
    let events = size(
        &mut bench,
        "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_inherits i
         JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass",
    )?;
    println!(
        "The persons' heap (with TOAST) {}; their indexes: {}; the event log {}.\n",
        gib(heap),
        list.join(", "),
        gib(events)
    );
    let codec = Codec::new(std::sync::Arc::new(Keyring::load(Path::new(&envs[0].1))?));
    lookups(bench_url, passports, &codec)
}

/// Passport lookups through the store (`ReadTx::person_by(Lookup::Passport)`, a read
/// transaction each), one at a time and from several threads at once.
fn lookups(url: &str, passports: &[Passport], codec: &Codec) -> anyhow::Result<()> {
    if passports.is_empty() {
        return Ok(());
    }
    let store = Arc::new(PgStore::open_with(&PgOptions { max_connections: 8, ..PgOptions::new(url) })?);
    let one = |store: &PgStore, passport: &Passport| -> anyhow::Result<Duration> {
        let started = Instant::now();
        let key = codec.passport(passport);
        let mut found = false;
        store.read(&mut |tx| {
            found = tx.person_by(key)?.is_some();
            Ok(())
        })?;
        if !found {
            bail!("a sampled passport was not found");
        }
        Ok(started.elapsed())
    };
    // Warm the pool and the statement cache.
    for p in passports.iter().take(100) {
        one(&store, p)?;
    }
    let mut single: Vec<Duration> = passports.iter().map(|p| one(&store, p)).collect::<anyhow::Result<_>>()?;
    single.sort();
    let pct = |v: &[Duration], p: f64| v[((v.len() as f64 * p) as usize).min(v.len() - 1)];
    let ms = |d: Duration| format!("{:.3} ms", d.as_secs_f64() * 1000.0);

    let threads = 4;
    let started = Instant::now();
    let mut all: Vec<Duration> = std::thread::scope(|s| {
        let handles: Vec<_> = passports
            .chunks(passports.len().div_ceil(threads))
            .map(|chunk| {
                let store = store.clone();
                s.spawn(move || chunk.iter().map(|p| one(&store, p)).collect::<anyhow::Result<Vec<_>>>())
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().map_err(|_| anyhow::anyhow!("a thread panicked"))?)
            .collect::<anyhow::Result<Vec<_>>>()
    })?
    .into_iter()
    .flatten()
    .collect();
    let wall = started.elapsed();
    all.sort();
    println!("### Lookup of a person by passport ({} sampled passports)\n", passports.len());
    println!(
        "Through the store: the passport's blind index (a keyed hash), then a read transaction with \
         `ReadTx::person_by(Lookup::Passport)` each; the sealed record is fetched, not opened.\n"
    );
    println!("| clients | p50 | p99 | max | lookups/s |");
    println!("|---:|---:|---:|---:|---:|");
    let total: Duration = single.iter().sum();
    println!(
        "| 1 | {} | {} | {} | {:.0} |",
        ms(pct(&single, 0.5)),
        ms(pct(&single, 0.99)),
        ms(single[single.len() - 1]),
        single.len() as f64 / total.as_secs_f64()
    );
    println!(
        "| {threads} | {} | {} | {} | {:.0} |\n",
        ms(pct(&all, 0.5)),
        ms(pct(&all, 0.99)),
        ms(all[all.len() - 1]),
        all.len() as f64 / wall.as_secs_f64()
    );
    Ok(())
}
