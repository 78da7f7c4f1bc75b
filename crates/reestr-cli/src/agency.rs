//! `reestr agency`: agencies from the command line, and `follow`, the reference consumer of an
//! agency's feed.

use std::{io::Write, path::PathBuf, time::Duration};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use jiff::Timestamp;
use reestr_core::{access::Principal, access::Role, measure::MeasureKind};
use reestr_store::{AgencyInfo, NewAgency, Register};

#[derive(Debug, Subcommand)]
pub enum AgencyCommand {
    /// Add an agency. An enforcing agency receives every measure started or lifted of its kinds
    /// (from the start of the log unless --from-now). Prints the webhook's signing secret once.
    Add {
        /// Letters, digits, '.', '_', '-', e.g. border-service.
        name: String,
        /// The measure kinds it enforces, comma-separated, e.g. exit_ban,foreign_passport_ban.
        #[arg(long, value_delimiter = ',', required_unless_present = "security_service")]
        kinds: Vec<MeasureKind>,
        /// A security service: no measures; its keys read records with a stated purpose.
        #[arg(long, conflicts_with_all = ["kinds", "webhook"])]
        security_service: bool,
        /// Push measures to this address (Standard Webhooks, signed).
        #[arg(long, value_name = "URL")]
        webhook: Option<String>,
        /// Only measures recorded from now on.
        #[arg(long)]
        from_now: bool,
    },
    /// List agencies with how their deliveries stand: pending, unconfirmed, breaches, dead
    /// letters, webhook failures.
    List,
    /// Set an agency's webhook (prints the new signing secret once), or remove it with --clear.
    Webhook {
        name: String,
        #[arg(long, value_name = "URL", required_unless_present = "clear")]
        url: Option<String>,
        #[arg(long, conflicts_with = "url")]
        clear: bool,
    },
    /// Disable an agency: its keys stop working and nothing is pushed to it.
    Disable { name: String },
    /// Enable an agency again.
    Enable { name: String },
    /// List an agency's dead letters: webhook deliveries that failed for 72 hours.
    DeadLetters { name: String },
    /// Push an agency's dead letters again (these ids, or all not delivered since).
    Replay {
        name: String,
        #[arg(long = "id")]
        ids: Vec<u64>,
    },
    /// Deliveries not confirmed within 24 hours, for every region (or one).
    Breaches {
        #[arg(long)]
        region: Option<reestr_core::region::RegionCode>,
    },
    /// Follow an agency's feed over HTTP: print each item applied as a JSON line, confirm it,
    /// and go on. The reference consumer: a tool for agencies and a test client.
    Follow(FollowArgs),
}

#[derive(Debug, Args)]
pub struct FollowArgs {
    /// The agency's API key (rk_...).
    #[arg(long, env = "REESTR_AGENCY_KEY", hide_env_values = true)]
    key: String,
    /// The register's address, e.g. http://127.0.0.1:8080.
    #[arg(long)]
    url: String,
    /// Start after this cursor (default: the cursor file's, else the beginning).
    #[arg(long)]
    from: Option<u64>,
    /// Keep the cursor in this file, written after each page is applied (and confirmed), so a
    /// restarted follower resumes where it stopped.
    #[arg(long, value_name = "FILE")]
    cursor_file: Option<PathBuf>,
    /// Confirm each page's items once they are applied.
    #[arg(long)]
    confirm: bool,
    /// Items per page.
    #[arg(long, default_value_t = 100)]
    limit: u32,
    /// Stop when the feed has nothing new, instead of waiting for more.
    #[arg(long)]
    once: bool,
    /// Seconds to wait when there is nothing new (or the register cannot be reached).
    #[arg(long, default_value_t = 2.0)]
    interval: f64,
}

fn find(reg: &Register, op: &Principal, name: &str, now: Timestamp) -> anyhow::Result<AgencyInfo> {
    Ok(reg.agency_by_name(op, name, now)?)
}

pub fn run(reg: &Register, op: &Principal, cmd: AgencyCommand, now: Timestamp) -> anyhow::Result<()> {
    match cmd {
        AgencyCommand::Add { name, kinds, security_service, webhook, from_now } => {
            let role = if security_service { Role::SecurityService } else { Role::Agency };
            let created = reg.add_agency(op, NewAgency { name, role, kinds, webhook, from_start: !from_now }, now)?;
            let a = &created.agency;
            eprintln!(
                "agency {} ({}) added as {}; `reestr key create --agency {}` makes its keys",
                a.id, a.name, a.role, a.name
            );
            if let Some(secret) = created.webhook_secret {
                eprintln!("the webhook's signing secret (shown once; give it to the agency):");
                println!("{secret}");
            }
        }
        AgencyCommand::List => {
            for a in reg.agencies(op, now)? {
                let kinds: Vec<&str> = a.kinds.iter().map(|k| k.as_str()).collect();
                let state = if a.disabled_at.is_some() { "disabled" } else { "active" };
                println!(
                    "{:>4}  {:<20} {:<16} {:<8} kinds {}  pending {}  unconfirmed {}  breaches {}  dead letters {}",
                    a.id,
                    a.name,
                    a.role,
                    state,
                    if kinds.is_empty() { "-".into() } else { kinds.join(",") },
                    a.stats.pending,
                    a.stats.unconfirmed,
                    a.stats.overdue,
                    a.stats.dead_letters
                );
                if let Some(url) = &a.webhook_url {
                    let failing = match (a.push.failures, &a.push.last_error) {
                        (0, _) => "ok".to_owned(),
                        (n, e) => format!(
                            "{n} failures in a row since {}, last: {}, next attempt {}",
                            a.push.failing_since.map(|t| t.to_string()).unwrap_or_default(),
                            e.as_deref().unwrap_or("?"),
                            a.push.next_at.map(|t| t.to_string()).unwrap_or_default()
                        ),
                    };
                    println!("      webhook {url}: pushed through {}; {failing}", a.push.cursor);
                }
            }
        }
        AgencyCommand::Webhook { name, url, clear } => {
            let a = find(reg, op, &name, now)?;
            let url = if clear { None } else { url };
            match reg.set_webhook(op, a.id, url.as_deref(), now)? {
                Some(secret) => {
                    eprintln!("the webhook's new signing secret (shown once):");
                    println!("{secret}");
                }
                None => eprintln!("agency {name}: no webhook"),
            }
        }
        AgencyCommand::Disable { name } => {
            let a = find(reg, op, &name, now)?;
            reg.set_agency_disabled(op, a.id, true, now)?;
            println!("agency {name} disabled");
        }
        AgencyCommand::Enable { name } => {
            let a = find(reg, op, &name, now)?;
            reg.set_agency_disabled(op, a.id, false, now)?;
            println!("agency {name} enabled");
        }
        AgencyCommand::DeadLetters { name } => {
            let a = find(reg, op, &name, now)?;
            for d in reg.dead_letters(op, a.id)? {
                let state = match (d.redelivered_at, d.replay_requested_at) {
                    (Some(t), _) => format!("redelivered {t}"),
                    (None, Some(t)) => format!("replay requested {t}"),
                    _ => "dead".into(),
                };
                println!("{:>10}  dead {}  after {} attempts: {}  {state}", d.seq, d.dead_at, d.attempts, d.last_error);
            }
        }
        AgencyCommand::Replay { name, ids } => {
            let a = find(reg, op, &name, now)?;
            let n = reg.replay(op, a.id, (!ids.is_empty()).then_some(&ids[..]), now)?;
            println!("{n} dead letters will be pushed again");
        }
        AgencyCommand::Breaches { region } => {
            for b in reg.breaches(op, now, 0, reestr_store::MAX_PAGE)? {
                if region.is_some_and(|r| i64::from(r.get()) != b.delivery.region) {
                    continue;
                }
                println!(
                    "{:<20} item {:>10}  {:<30} person {:>8}  region {:02}  due {}",
                    b.agency, b.delivery.seq, b.delivery.kind, b.delivery.person.0, b.delivery.region, b.due_at
                );
            }
        }
        AgencyCommand::Follow(args) => run_follow(&args)?,
    }
    Ok(())
}

/// Follows the feed: fetch a page, apply it (print one JSON line per item, flushed), confirm it,
/// save the cursor, repeat. At least once: a follower stopped between applying and saving the
/// cursor applies those items again after a restart, with the same ids.
pub fn run_follow(a: &FollowArgs) -> anyhow::Result<()> {
    let mut cursor = match (a.from, &a.cursor_file) {
        (Some(c), _) => c,
        (None, Some(f)) if f.exists() => std::fs::read_to_string(f)?.trim().parse().context("the cursor file")?,
        _ => 0,
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?;
    let base = a.url.trim_end_matches('/').to_owned();
    let wait = Duration::from_secs_f64(a.interval.max(0.01));
    let stdout = std::io::stdout();
    runtime.block_on(async {
        loop {
            let url = format!("{base}/api/v1/agency/feed?after={cursor}&limit={}", a.limit);
            let page = match client.get(&url).bearer_auth(&a.key).send().await {
                Ok(r) if r.status().is_success() => r.json::<serde_json::Value>().await?,
                Ok(r) if r.status().is_client_error() => {
                    bail!("the register refused: {} {}", r.status(), r.text().await.unwrap_or_default())
                }
                Ok(r) => {
                    eprintln!("the register answered {}; retrying", r.status());
                    tokio::time::sleep(wait).await;
                    continue;
                }
                Err(e) => {
                    eprintln!(
                        "the register cannot be reached ({}); retrying",
                        if e.is_timeout() { "timeout" } else { "connection" }
                    );
                    tokio::time::sleep(wait).await;
                    continue;
                }
            };
            let items = page["items"].as_array().cloned().unwrap_or_default();
            if items.is_empty() {
                if a.once {
                    return Ok(());
                }
                tokio::time::sleep(wait).await;
                continue;
            }
            {
                let mut out = stdout.lock();
                for item in &items {
                    writeln!(out, "{item}")?;
                }
                out.flush()?;
            }
            let ids: Vec<u64> = items.iter().filter_map(|i| i["id"].as_u64()).collect();
            if a.confirm {
                loop {
                    let sent = client
                        .post(format!("{base}/api/v1/agency/confirmations"))
                        .bearer_auth(&a.key)
                        .json(&serde_json::json!({ "ids": ids }))
                        .send()
                        .await;
                    match sent {
                        Ok(r) if r.status().is_success() => break,
                        Ok(r) if r.status().is_client_error() => bail!("confirming was refused: {}", r.status()),
                        _ => {
                            eprintln!("could not confirm; retrying");
                            tokio::time::sleep(wait).await;
                        }
                    }
                }
            }
            cursor = page["cursor"].as_u64().context("a page without a cursor")?;
            if let Some(f) = &a.cursor_file {
                let tmp = f.with_extension("tmp");
                std::fs::write(&tmp, format!("{cursor}\n"))?;
                std::fs::rename(&tmp, f)?;
            }
        }
    })
}
