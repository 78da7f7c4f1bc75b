//! Benchmarks of the agency API, printed as Markdown for docs/BENCHMARKS.md: the check at a post
//! under 64 concurrent clients (wrk), beside a handler that returns a constant (`/healthz`) in the
//! same run, and the feed's throughput through the reference consumer.
//!
//! Build first (`cargo build --release -p reestr-cli -p reestr-bench`); needs `wrk` (Debian's
//! package). The register and the consumer run as child processes.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use clap::Parser;
use jiff::{SignedDuration, Timestamp};
use reestr_core::{
    person::PersonId,
    policy::PolicyBook,
    region::{Directory, PILOT_REGIONS},
    summons::{Appointment, Draft, Purpose, Summons, SummonsNumber},
};
use reestr_sqlite::SqliteStore;
use reestr_store::{Codec, Keyring, Store, SummonsRow};
use reestr_synth::Population;

#[derive(Debug, Parser)]
struct Args {
    /// Persons in the register.
    #[arg(long, default_value_t = 1_000_000)]
    persons: u64,
    /// Persons who did not appear: each gets the seven measures, one an exit ban.
    #[arg(long, default_value_t = 100_000)]
    overdue: u64,
    /// Concurrent connections of the load generator.
    #[arg(long, default_value_t = 64)]
    connections: u32,
    /// Seconds each load run lasts.
    #[arg(long, default_value_t = 20)]
    seconds: u32,
    /// Working directory (default: a new one under the system's temp directory).
    #[arg(long)]
    dir: Option<PathBuf>,
}

fn reestr_binary() -> anyhow::Result<PathBuf> {
    let bin = std::env::current_exe()?.with_file_name("reestr");
    if !bin.exists() {
        bail!("{} is missing: build it first with `cargo build --release`", bin.display());
    }
    Ok(bin)
}

fn run(cmd: &mut Command) -> anyhow::Result<(String, Duration)> {
    let start = Instant::now();
    let out = cmd.stderr(Stdio::inherit()).output().with_context(|| format!("starting {cmd:?}"))?;
    let wall = start.elapsed();
    if !out.status.success() {
        bail!("{cmd:?} failed: {}", out.status);
    }
    Ok((String::from_utf8_lossy(&out.stdout).into_owned(), wall))
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What wrk reports.
struct Load {
    rps: f64,
    p50: String,
    p99: String,
    errors: String,
}

fn wrk(url: &str, script: Option<&Path>, args: &Args) -> anyhow::Result<Load> {
    let mut cmd = Command::new("wrk");
    cmd.args(["-t2", &format!("-c{}", args.connections), &format!("-d{}s", args.seconds), "--latency"]);
    if let Some(s) = script {
        cmd.arg("-s").arg(s);
    }
    let (out, _) = run(cmd.arg(url))?;
    let find = |prefix: &str| {
        out.lines().map(str::trim).find(|l| l.starts_with(prefix)).map(|l| l[prefix.len()..].trim().to_owned())
    };
    let rps: f64 = find("Requests/sec:").context("wrk printed no rate")?.parse()?;
    let errors = ["Non-2xx or 3xx responses:", "Socket errors:"].iter().filter_map(|p| find(p)).collect::<Vec<_>>();
    Ok(Load {
        rps,
        p50: find("50%").unwrap_or_default(),
        p99: find("99%").unwrap_or_default(),
        errors: if errors.is_empty() { "none".into() } else { errors.join("; ") },
    })
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join(format!("reestr-agency-bench-{}", std::process::id())));
    std::fs::create_dir_all(&dir)?;
    let reestr = reestr_binary()?;
    let n = args.persons;
    let csv = dir.join("persons.csv");
    let db = dir.join("reestr.db");
    let url = format!("sqlite://{}", db.display());

    eprintln!("generating and importing {n} synthetic persons");
    Population::new(42, &PILOT_REGIONS, jiff::civil::date(2025, 1, 1))
        .write_csv(std::io::BufWriter::new(std::fs::File::create(&csv)?), n)?;
    run(Command::new(&reestr).args(["import", "persons"]).arg(&csv).args(["--db", &url, "--as-of", "2025-01-01"]))?;

    // Summonses for the first `overdue` persons, past their report window when the clock runs.
    let t0: Timestamp = "2025-06-02T09:00:00Z".parse()?;
    post_summonses(&db, args.overdue, t0)?;
    let (out, wall) = run(Command::new(&reestr).args([
        "clock",
        "--db",
        &url,
        "--at",
        &(t0 + SignedDuration::from_hours(24 * 40)).to_string(),
    ]))?;
    eprintln!("clock: {} in {:.1} s", out.trim(), wall.as_secs_f64());

    let now = (t0 + SignedDuration::from_hours(24 * 41)).to_string();
    let at = ["--db", url.as_str(), "--at", now.as_str()];
    run(Command::new(&reestr).args(["agency", "add", "border-service", "--kinds", "exit_ban"]).args(at))?;
    let (key, _) = run(Command::new(&reestr).args(["key", "create", "--agency", "border-service"]).args(at))?;
    let key = key.trim().to_owned();

    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let base = format!("http://127.0.0.1:{port}");
    let _server = Server(
        Command::new(&reestr)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--no-clock", "--no-dispatcher"])
            .args(at)
            .stderr(Stdio::null())
            .spawn()?,
    );
    for _ in 0..400 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }

    // The feed: the reference consumer takes every item, 1,000 a page, and confirms each page.
    eprintln!("following the feed");
    let (lines, feed_wall) = run(Command::new(&reestr)
        .args(["agency", "follow", "--key", &key, "--url", &base])
        .args(["--once", "--confirm", "--limit", "1000"]))?;
    let items = lines.lines().count() as u64;
    if items != args.overdue {
        bail!("the feed gave {items} items, expected {}", args.overdue);
    }

    // The check: passports of persons with an exit ban and of persons without, alternately.
    let passports = passports(&csv, args.overdue)?;
    let script = dir.join("check.lua");
    let list: Vec<String> = passports.iter().map(|p| format!("\"{p}\"")).collect();
    std::fs::write(
        &script,
        format!(
            "local passports = {{ {} }}\nlocal i = 0\nrequest = function()\n  i = i + 1\n  return wrk.format(\"GET\", \"/api/v1/agency/measures\", {{ [\"Authorization\"] = \"Bearer {key}\", [\"X-Passport\"] = passports[(i % #passports) + 1] }})\nend\n",
            list.join(", ")
        ),
    )?;
    eprintln!("load: the constant handler, then the check");
    let constant = wrk(&format!("{base}/healthz"), None, &args)?;
    let check = wrk(&format!("{base}/api/v1/agency/measures"), Some(&script), &args)?;

    println!("## Agencies: the check at a post and the feed ({n} persons, {} with measures)\n", args.overdue);
    println!(
        "wrk, 2 threads, {} connections, {} s each, on loopback; the load generator shares the 2 cores.\n",
        args.connections, args.seconds
    );
    println!("| endpoint | requests/s | p50 | p99 | errors |");
    println!("|---|---:|---:|---:|---|");
    for (name, l) in [("`GET /healthz` (a constant)", &constant), ("`GET /api/v1/agency/measures` (the check)", &check)]
    {
        println!("| {name} | {:.0} | {} | {} | {} |", l.rps, l.p50, l.p99, l.errors);
    }
    println!("\nRatio check / constant: **{:.2}** of the constant handler's rate.\n", check.rps / constant.rps);
    println!(
        "Feed: {items} items followed and confirmed by `reestr agency follow --once --confirm --limit 1000` in {:.2} s: **{:.0} events/s** (each first hand-over a logged read).",
        feed_wall.as_secs_f64(),
        items as f64 / feed_wall.as_secs_f64()
    );
    eprintln!("done; the files are in {}", dir.display());
    Ok(())
}

/// Posts one summons to each of the first `count` persons at `t0`.
fn post_summonses(db: &Path, count: u64, t0: Timestamp) -> anyhow::Result<()> {
    let store = SqliteStore::open(db)?;
    let codec = Codec::new(Arc::new(Keyring::load(&Keyring::dir_for(db))?));
    let policy = PolicyBook::builtin().get("seed-2025")?;
    let dir = Directory::builtin();
    let mut posted = 0;
    while posted < count {
        let chunk = (count - posted).min(50_000);
        store.write(&mut |tx| {
            for i in posted..posted + chunk {
                let stored = tx
                    .person(PersonId(i as i64 + 1))?
                    .ok_or_else(|| reestr_store::StoreError::Backend("person".into()))?;
                let record = codec.decode_record(&stored.record)?;
                let c = dir.commissariat(
                    record.commissariat().ok_or_else(|| reestr_store::StoreError::Backend("commissariat".into()))?,
                )?;
                let local = c.zone.tz().to_datetime(t0).date().saturating_add(jiff::Span::new().days(14));
                let draft = Draft {
                    person: stored.id,
                    commissariat: c.code.clone(),
                    purpose: Purpose::CallUp,
                    appointment: Appointment {
                        at: local.to_datetime(jiff::civil::Time::midnight()),
                        address: c.address_ru.clone(),
                    },
                };
                let number = SummonsNumber::new(c.code.region(), 2025, i + 1);
                let (s, _) = Summons::post(number, draft, policy, c.zone.clone(), t0)?;
                tx.insert_summons(&SummonsRow::new(&s, s.next_due(policy)?, &codec)?)?;
            }
            Ok(())
        })?;
        posted += chunk;
    }
    Ok(())
}

/// 10,000 passports from the file: persons with measures and persons without, alternately.
fn passports(csv: &Path, overdue: u64) -> anyhow::Result<Vec<String>> {
    let mut reader = csv::Reader::from_path(csv)?;
    let headers = reader.headers()?.clone();
    let column = |name: &str| headers.iter().position(|h| h == name).with_context(|| format!("no column {name}"));
    let (series, number) = (column("passport_series")?, column("passport_number")?);
    let mut with = Vec::new();
    let mut without = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let row = row?;
        let p = format!("{} {}", &row[series], &row[number]);
        if (i as u64) < overdue {
            if with.len() < 5_000 {
                with.push(p);
            }
        } else if without.len() < 5_000 {
            without.push(p);
        }
        if with.len() == 5_000 && without.len() == 5_000 {
            break;
        }
    }
    Ok(with.into_iter().zip(without).flat_map(|(a, b)| [a, b]).collect())
}
