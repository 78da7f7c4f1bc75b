//! The soak: a spawned `reestr serve` under citizens reading, registrars writing, the legal clock
//! firing and agencies pulling their feeds, all at once, for a bounded time. Fails on any error
//! (a transport error or a status other than 2xx) and when the server's memory (RSS) grows by
//! more than half after the warm-up; prints each kind's latencies as Markdown for
//! docs/BENCHMARKS.md.
//!
//! Build first (`cargo build --release -p reestr-cli -p reestr-bench`), then
//! `target/release/reestr-soak --seconds 180`.

use std::{
    collections::BTreeMap,
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context, bail, ensure};
use clap::Parser;
use jiff::{SignedDuration, Timestamp};
use reqwest::blocking::Client;
use serde_json::{Value, json};

#[derive(Debug, Parser)]
struct Args {
    /// How long the load lasts.
    #[arg(long, default_value_t = 180)]
    seconds: u64,
    /// Persons in the demo register.
    #[arg(long, default_value_t = 2000)]
    persons: u64,
    /// Concurrent citizens, each with a session of their own.
    #[arg(long, default_value_t = 8)]
    citizens: usize,
    /// Concurrent registrars.
    #[arg(long, default_value_t = 2)]
    registrars: usize,
    /// Working directory (default: a new one under the system's temp directory).
    #[arg(long)]
    dir: Option<PathBuf>,
}

/// The soak reads the wall clock: it is a client of a server that runs on real time.
#[allow(clippy::disallowed_methods)]
fn now() -> Timestamp {
    Timestamp::now()
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Latencies (ms) and errors by kind of request.
#[derive(Default)]
struct Record {
    latencies: BTreeMap<&'static str, Vec<f64>>,
    errors: BTreeMap<&'static str, Vec<String>>,
}

type Shared = Arc<Mutex<Record>>;

fn note(rec: &Shared, kind: &'static str, start: Instant, result: anyhow::Result<()>) {
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    let Ok(mut r) = rec.lock() else { return };
    match result {
        Ok(()) => r.latencies.entry(kind).or_default().push(ms),
        Err(e) => r.errors.entry(kind).or_default().push(e.to_string()),
    }
}

fn check(resp: reqwest::blocking::Response) -> anyhow::Result<Value> {
    let status = resp.status();
    let text = resp.text()?;
    ensure!(status.is_success(), "HTTP {status}: {}", text.chars().take(200).collect::<String>());
    Ok(if text.is_empty() { Value::Null } else { serde_json::from_str(&text)? })
}

fn login(base: &str, account: &Value) -> anyhow::Result<Client> {
    let client = Client::builder().cookie_store(true).timeout(Duration::from_secs(30)).build()?;
    let mut body = json!({ "login": account["login"], "password": account["password"] });
    if let Some(seed) = account["totp_seed"].as_str() {
        body["totp"] = json!(reestr_store::totp_code(seed, now()).context("the seed")?);
    }
    check(client.post(format!("{base}/api/v1/auth/login")).json(&body).send()?)?;
    Ok(client)
}

fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).context("no VmRSS")?;
    Ok(line.split_whitespace().nth(1).context("VmRSS")?.parse()?)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let tmp;
    let dir = match &args.dir {
        Some(d) => d.clone(),
        None => {
            tmp = tempfile::tempdir()?;
            tmp.path().to_path_buf()
        }
    };
    let reestr = std::env::current_exe()?.with_file_name("reestr");
    ensure!(reestr.exists(), "{} is missing: build it first", reestr.display());
    let db = format!("sqlite://{}", dir.join("soak.db").display());
    let reestr_cmd = |a: &[&str]| {
        let mut c = Command::new(&reestr);
        c.args(a).env("REESTR_DATABASE_URL", &db).env_remove("REESTR_KEYS_DIR").current_dir(&dir);
        c
    };
    let persons = args.persons.to_string();
    let out = reestr_cmd(&["demo", "--no-serve", "--persons", &persons]).stdout(Stdio::null()).output()?;
    ensure!(out.status.success(), "demo failed: {}", String::from_utf8_lossy(&out.stderr));
    let accounts: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("soak.db.demo.json"))?)?;
    let account = |role: &str| -> anyhow::Result<Value> {
        accounts["users"]
            .as_array()
            .and_then(|u| u.iter().find(|a| a["role"] == role))
            .cloned()
            .with_context(|| format!("no {role} account"))
    };
    let keys: Vec<String> = accounts["keys"]
        .as_array()
        .context("no keys")?
        .iter()
        .filter(|k| k["role"] == "agency")
        .filter_map(|k| k["key"].as_str().map(str::to_owned))
        .collect();

    let mut child = reestr_cmd(&["serve", "--listen", "127.0.0.1:0"]).stderr(Stdio::piped()).spawn()?;
    let mut lines = BufReader::new(child.stderr.take().context("stderr")?).lines();
    let pid = child.id();
    let _server = Server(child);
    let base = loop {
        let line = lines.next().context("the server ended before it listened")??;
        if let Some(rest) = line.split("serving on ").nth(1) {
            break rest.split_whitespace().next().context("address")?.to_owned();
        }
    };
    // Anything the server says from now on (an error, a panic) is shown.
    std::thread::spawn(move || lines.map_while(Result::ok).for_each(|l| eprintln!("server: {l}")));

    let rec: Shared = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = Vec::new();
    let citizen = account("citizen")?;
    for _ in 0..args.citizens {
        let (client, base, rec, stop) = (login(&base, &citizen)?, base.clone(), rec.clone(), stop.clone());
        workers.push(std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                for path in ["/api/v1/me", "/api/v1/me/summonses", "/api/v1/me/measures"] {
                    let t = Instant::now();
                    note(
                        &rec,
                        "citizen reads",
                        t,
                        client.get(format!("{base}{path}")).send().map_err(Into::into).and_then(check).map(drop),
                    );
                }
            }
        }));
    }
    let registrar = account("registrar")?;
    for _ in 0..args.registrars {
        let (client, base, rec, stop) = (login(&base, &registrar)?, base.clone(), rec.clone(), stop.clone());
        let listed = check(client.get(format!("{base}/api/v1/summonses?limit=200")).send()?)?;
        let people: Vec<i64> =
            listed["items"].as_array().context("items")?.iter().filter_map(|s| s["person"].as_i64()).collect();
        ensure!(!people.is_empty(), "the registrar sees no persons");
        workers.push(std::thread::spawn(move || {
            let mut i = 0usize;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                let appointment = (now() + SignedDuration::from_hours(24 * 30)).strftime("%Y-%m-%dT10:00").to_string();
                let body = json!({ "person": people[i % people.len()], "purpose": "clarify_records", "appointment": appointment });
                let t = Instant::now();
                note(&rec, "registrar issues a summons", t, client.post(format!("{base}/api/v1/summonses")).json(&body).send().map_err(Into::into).and_then(check).map(drop));
                let t = Instant::now();
                note(&rec, "registrar lists summonses", t, client.get(format!("{base}/api/v1/summonses?limit=50")).send().map_err(Into::into).and_then(check).map(drop));
            }
        }));
    }
    for key in keys {
        let (base, rec, stop) = (base.clone(), rec.clone(), stop.clone());
        let client = Client::builder().timeout(Duration::from_secs(30)).build()?;
        workers.push(std::thread::spawn(move || {
            let mut cursor = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                let page = client
                    .get(format!("{base}/api/v1/agency/feed?after={cursor}&limit=100"))
                    .bearer_auth(&key)
                    .send()
                    .map_err(Into::into)
                    .and_then(check);
                let ids: Vec<u64> = page
                    .as_ref()
                    .ok()
                    .and_then(|p| p["items"].as_array())
                    .map_or_else(Vec::new, |items| items.iter().filter_map(|i| i["id"].as_u64()).collect());
                if let Ok(p) = &page {
                    cursor = p["cursor"].as_u64().unwrap_or(cursor);
                }
                note(&rec, "agency pulls its feed", t, page.map(drop));
                if !ids.is_empty() {
                    let t = Instant::now();
                    let sent = client
                        .post(format!("{base}/api/v1/agency/confirmations"))
                        .bearer_auth(&key)
                        .json(&json!({ "ids": ids }))
                        .send();
                    note(&rec, "agency confirms", t, sent.map_err(Into::into).and_then(check).map(drop));
                } else {
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        }));
    }
    // The legal clock fires in another process, a simulated day ahead each time, over the
    // demo's summonses and the registrars' new ones.
    {
        let (rec, stop, dir, db, reestr) = (rec.clone(), stop.clone(), dir.clone(), db.clone(), reestr.clone());
        workers.push(std::thread::spawn(move || {
            let mut day = 0;
            while !stop.load(Ordering::Relaxed) {
                day += 1;
                let at = (now() + SignedDuration::from_hours(24 * day)).to_string();
                let t = Instant::now();
                let run = Command::new(&reestr)
                    .args(["clock", "--at", &at])
                    .env("REESTR_DATABASE_URL", &db)
                    .env_remove("REESTR_KEYS_DIR")
                    .current_dir(&dir)
                    .output();
                let result = match run {
                    Ok(o) if o.status.success() => Ok(()),
                    Ok(o) => Err(anyhow::anyhow!("clock: {}", String::from_utf8_lossy(&o.stderr))),
                    Err(e) => Err(e.into()),
                };
                note(&rec, "clock run (a process)", t, result);
                std::thread::sleep(Duration::from_secs(2));
            }
        }));
    }

    let started = Instant::now();
    let warm_up = Duration::from_secs(args.seconds / 4);
    let mut rss = Vec::new();
    while started.elapsed() < Duration::from_secs(args.seconds) {
        std::thread::sleep(Duration::from_secs(5));
        rss.push((started.elapsed().as_secs(), rss_kib(pid)?));
    }
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        let _ = w.join();
    }

    let r = rec.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
    println!(
        "Soak: {} s, {} persons, {} citizens, {} registrars, {} agencies pulling, the clock every 2 s\n",
        args.seconds,
        args.persons,
        args.citizens,
        args.registrars,
        accounts["keys"].as_array().map_or(0, Vec::len)
    );
    println!("| kind | requests | errors | p50 ms | p99 ms | max ms |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (kind, v) in &r.latencies {
        let mut s = v.clone();
        s.sort_by(f64::total_cmp);
        let errors = r.errors.get(kind).map_or(0, Vec::len);
        println!(
            "| {kind} | {} | {errors} | {:.1} | {:.1} | {:.1} |",
            s.len(),
            percentile(&s, 50.0),
            percentile(&s, 99.0),
            s.last().copied().unwrap_or(f64::NAN)
        );
    }
    let after_warm_up: Vec<_> = rss.iter().filter(|(t, _)| *t >= warm_up.as_secs()).collect();
    let (first, last, peak) = (
        after_warm_up.first().map_or(0, |x| x.1),
        after_warm_up.last().map_or(0, |x| x.1),
        after_warm_up.iter().map(|x| x.1).max().unwrap_or(0),
    );
    println!(
        "\nServer RSS after the warm-up ({} s): {} MiB at first, {} MiB at the end, {} MiB at most",
        warm_up.as_secs(),
        first / 1024,
        last / 1024,
        peak / 1024
    );
    let errors: usize = r.errors.values().map(Vec::len).sum();
    if errors > 0 {
        for (kind, e) in &r.errors {
            eprintln!("{kind}: {} errors, e.g. {}", e.len(), e[0]);
        }
        bail!("{errors} requests failed");
    }
    ensure!(last <= first + first / 2, "the server's memory grew from {first} KiB to {last} KiB after the warm-up");
    println!("no errors; memory did not grow after the warm-up");
    Ok(())
}
