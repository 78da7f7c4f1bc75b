//! `reestr`: the electronic register of military registration and summonses.

mod admin;
mod agency;
mod backup;
mod campaign;
mod db;
mod demo;
mod export;
mod import;
mod ledger;
mod serve;
mod show;
mod time;

use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use jiff::{Timestamp, civil::Date};
use reestr_core::{
    access::Principal,
    days::DateRange,
    deadline::{Deadlines, Facts, deadlines},
    person::PersonId,
    policy::{PolicyBook, ServiceMethod},
    region::{Directory, RegionCode, Rollout},
    summons::{Appointment, Cancellation, Command as Step, Draft, Purpose, SummonsNumber, ValidReason},
    zone::Zone,
};
use reestr_store::Register;

use crate::{
    db::open,
    time::{instant_arg, now, parse_instant},
};

/// The electronic register of military registration and summonses.
///
/// Every change is recorded with its instant and cause in an append-only log. Instants are
/// printed in UTC (RFC 3339); legal days are counted in the commissariat's time zone. Personal
/// data is sealed at rest with keys kept beside the database (DB.keys/) unless
/// REESTR_KEYS_DIR, or REESTR_DATA_KEYS and REESTR_INDEX_KEY, say otherwise.
#[derive(Debug, Parser)]
#[command(name = "reestr", version, propagate_version = true, max_term_width = 100)]
struct Cli {
    #[command(flatten)]
    db: db::Db,

    /// Act as if the time were INSTANT (RFC 3339, e.g. 2025-06-07T00:00:00Z): for simulations,
    /// demonstrations and tests. The register still refuses steps dated before a summons's last.
    #[arg(long, global = true, value_name = "INSTANT", value_parser = instant_arg)]
    at: Option<Timestamp>,

    #[command(flatten)]
    keys: ledger::KeyArgs,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Compute a summons's legal deadlines: a calculator for citizens and lawyers.
    ///
    /// Prints JSON with served_at, report_window_ends_at and the measures with the instant each
    /// starts if the person has not appeared, every instant in UTC.
    ///
    /// Example: reestr deadlines --policy seed-2025 --zone Europe/Moscow --posted 2025-05-09T14:00:00+03:00
    Deadlines(DeadlinesArgs),
    /// Serve the register over HTTP: the JSON API, its OpenAPI document, metrics, and the legal
    /// clock in the background.
    Serve(serve::ServeArgs),
    /// Import records from a file.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Export records to a file, in the format import reads.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Read a person's record, its provenance and history (a logged read).
    #[command(subcommand)]
    Person(PersonCommand),
    /// Campaigns: a cohort summoned at once with quotas by region; dry runs; issuing with
    /// progress, resumable.
    #[command(subcommand)]
    Campaign(campaign::CampaignCommand),
    /// Post summonses and record what happens to them.
    #[command(subcommand)]
    Summons(SummonsCommand),
    /// Run the legal clock once: apply everything due up to now (or --at), each step at its
    /// exact legal instant. Safe to repeat and to run from several places at once.
    Clock(ClockArgs),
    /// Federal subjects and the register's rollout state in each.
    #[command(subcommand)]
    Region(RegionCommand),
    /// The policies the register applies.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Users of the service: citizens, registrars, medical commissions, supervisors, security
    /// services, admins.
    #[command(subcommand)]
    User(admin::UserCommand),
    /// API keys for agencies.
    #[command(subcommand)]
    Key(admin::KeyCommand),
    /// Agencies that enforce measures (and security services): add, list, webhooks, dead
    /// letters, breaches; and `follow`, the reference consumer of an agency's feed.
    #[command(subcommand)]
    Agency(agency::AgencyCommand),
    /// The keys that seal personal data at rest.
    #[command(subcommand)]
    Keys(admin::KeysCommand),
    /// Print the current one-time code for a second-factor seed (base32): for demonstrations.
    Totp {
        /// The seed, as printed when the user was added.
        seed: String,
    },
    /// Print the event log as JSON lines; sign checkpoints of its Merkle tree, print proofs and
    /// the register's public keys.
    Log(LogArgs),
    /// Check the database against the signed checkpoints and the log.
    #[command(subcommand)]
    Audit(ledger::AuditCommand),
    /// Extracts for citizens: from the register of summonses, and from the registration record.
    #[command(subcommand)]
    Extract(ledger::ExtractCommand),
    /// Verify an extract (JSON, page or PDF) offline with the register's public key: exit 0 when
    /// genuine, 4 with the reason when not.
    Verify {
        /// The extract file.
        file: std::path::PathBuf,
        /// The register's verifier keys, one a line, as `reestr log key` prints them (default:
        /// the key directory beside the database).
        #[arg(long, value_name = "KEYFILE")]
        key: Option<std::path::PathBuf>,
    },
    /// Counts of persons, summonses by status and measures in force.
    Stats,
    /// Fill the database with a synthetic population, summonses in every state and an account
    /// of every role, print the accounts, and serve the register.
    Demo(demo::DemoArgs),
    /// Create or bring the database's schema up to this build's version (every command does it
    /// on opening; run it once before starting servers against a new PostgreSQL database).
    Migrate,
    /// Work on whole databases.
    #[command(subcommand)]
    Db(db::DbCommand),
    /// Back the whole register up to one file while it works (SQLite: an online copy;
    /// PostgreSQL: pg_dump's custom format), with its keys in FILE.keys/.
    ///
    /// Example: reestr backup --out reestr-2025-06-07.backup
    Backup(backup::BackupArgs),
    /// Restore a backup into the database --db names (a new one, or with --force one that holds
    /// a register), with its keys; then `reestr audit verify` checks it.
    ///
    /// Example: reestr restore reestr-2025-06-07.backup --db sqlite://restored.db
    Restore(backup::RestoreArgs),
}

#[derive(Debug, Args)]
struct DeadlinesArgs {
    /// The policy (see `reestr policy list`); default: the one in force on the posting date.
    #[arg(long)]
    policy: Option<String>,
    /// The commissariat's IANA time zone, e.g. Europe/Moscow.
    #[arg(long)]
    zone: Zone,
    /// When the summons was posted: an instant, or a local time in --zone.
    #[arg(long, value_name = "INSTANT")]
    posted: String,
    /// The appointment, local time in --zone, e.g. 2025-05-20T09:00 (needed by policies that
    /// count the report window from it).
    #[arg(long, value_name = "LOCAL_DATETIME")]
    appointment: Option<jiff::civil::DateTime>,
    /// When it was handed over in person, if before deemed service.
    #[arg(long, value_name = "INSTANT")]
    served_in_person: Option<String>,
    /// When registered mail with it was delivered.
    #[arg(long, value_name = "INSTANT")]
    served_by_mail: Option<String>,
    /// When the person opened it in the personal account.
    #[arg(long, value_name = "INSTANT")]
    opened_in_account: Option<String>,
    /// Local dates covered by a valid reason, inclusive, e.g. 2025-05-12..2025-05-18; repeatable.
    #[arg(long, value_name = "FROM..TO")]
    excused: Vec<DateRange>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Csv,
    Jsonl,
}

#[derive(Debug, Subcommand)]
enum ImportCommand {
    /// Import persons from CSV (header row) or JSON Lines. Columns are the record's field names
    /// (see the README); rows are validated, the good ones taken, each rejected row reported with
    /// line, field and reason on stderr and in FILE.rejects.csv. Exit status 3 when anything was
    /// rejected. Transactions commit whole; rerunning an interrupted import resumes it.
    Persons(import::ImportArgs),
}

#[derive(Debug, Subcommand)]
enum ExportCommand {
    /// Export every person (CSV by default), in the format `import persons` reads.
    Persons(export::ExportArgs),
}

#[derive(Debug, Subcommand)]
enum PersonCommand {
    /// Show a person's record with each field's provenance, its history, summonses and measures.
    Show(PersonRef),
}

#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
struct PersonRef {
    /// The register's number for the person.
    #[arg(long)]
    id: Option<i64>,
    /// The person's SNILS.
    #[arg(long)]
    snils: Option<reestr_core::ids::Snils>,
}

#[derive(Debug, Subcommand)]
enum SummonsCommand {
    /// Post a summons to a person.
    Issue {
        /// The person's number in the register.
        #[arg(long)]
        person: i64,
        /// Default: the person's commissariat.
        #[arg(long)]
        commissariat: Option<reestr_core::region::CommissariatCode>,
        /// clarify_records, medical_examination, call_up or military_training.
        #[arg(long, default_value = "clarify_records")]
        purpose: Purpose,
        /// Local date and time of the appointment, e.g. 2025-05-20T09:00.
        #[arg(long, value_name = "LOCAL_DATETIME")]
        appointment: jiff::civil::DateTime,
        /// Where to appear; default: the commissariat's address.
        #[arg(long)]
        address: Option<String>,
    },
    /// Record service before it is deemed: handed over in person, by registered mail, or opened
    /// in the personal account (where the policy recognises it).
    Serve {
        number: SummonsNumber,
        /// in_person, registered_mail or account_opened.
        #[arg(long)]
        how: ServiceMethod,
    },
    /// Record that the person appeared; lifts every measure of the summons.
    Appear { number: SummonsNumber },
    /// Record a valid reason with its evidence and the dates it covers; lifts every measure, and
    /// the covered days do not count in the report window.
    Excuse {
        number: SummonsNumber,
        /// illness_or_injury, relative_grave_illness_or_funeral, circumstances_beyond_control
        /// or other_accepted_by_commission.
        #[arg(long)]
        reason: ValidReason,
        /// The document that proves it, e.g. "medical certificate 17/2025".
        #[arg(long)]
        evidence: String,
        /// Local dates covered, inclusive, e.g. 2025-05-12..2025-05-18.
        #[arg(long, value_name = "FROM..TO")]
        covers: DateRange,
    },
    /// Cancel a summons; lifts every measure of it.
    Cancel {
        number: SummonsNumber,
        /// Why the registrar cancels it.
        #[arg(long, conflicts_with = "court_decision", required_unless_present = "court_decision")]
        reason: Option<String>,
        /// The court decision that cancels it, e.g. 2а-117/2025.
        #[arg(long)]
        court_decision: Option<String>,
    },
    /// Show a summons with its deadlines and measures.
    Show { number: SummonsNumber },
    /// List a person's summonses.
    List {
        #[arg(long)]
        person: i64,
    },
}

#[derive(Debug, Args)]
struct ClockArgs {
    /// Summonses per transaction.
    #[arg(long, default_value_t = 1000)]
    batch: usize,
}

#[derive(Debug, Subcommand)]
enum RegionCommand {
    /// List federal subjects with their zone and rollout state.
    List,
    /// Switch a region's rollout state (off, pilot, live); recorded as an event.
    Set { region: RegionCode, state: Rollout },
}

#[derive(Debug, Subcommand)]
enum PolicyCommand {
    /// List the policies and the date from which each applies.
    List,
    /// Print a policy as data.
    Show { name: String },
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
struct LogArgs {
    #[command(subcommand)]
    command: Option<ledger::LogCommand>,
    /// Print events after this sequence number.
    #[arg(long, default_value_t = 0)]
    after: u64,
    #[arg(long, default_value_t = 100)]
    limit: usize,
}

/// Exit status when an import rejected rows.
pub const EXIT_REJECTED: u8 = 3;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The person at the terminal, acting as the register's operator.
pub fn operator() -> Principal {
    let login = std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).unwrap_or_else(|_| "unknown".into());
    Principal::operator(&login)
}

fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let now = now(cli.at);
    let op = operator();
    match cli.command {
        Command::Deadlines(args) => print_json(&deadlines_of(args)?)?,
        Command::Serve(args) => serve::run(open(&cli.db)?, &args, &cli.keys, &cli.db.url, cli.at)?,
        Command::Policy(PolicyCommand::List) => {
            for p in PolicyBook::builtin().all() {
                println!("{:<12} applies from {}  {}", p.name, p.applies_from, p.title_en);
            }
        }
        Command::Policy(PolicyCommand::Show { name }) => print_json(PolicyBook::builtin().get(&name)?)?,
        Command::Import(ImportCommand::Persons(args)) => return import::run(&open(&cli.db)?, &args, &op, now),
        Command::Export(ExportCommand::Persons(args)) => export::run(&open(&cli.db)?, &args, &op)?,
        Command::Person(PersonCommand::Show(r)) => {
            let reg = open(&cli.db)?;
            let person = match (r.id, r.snils) {
                (Some(id), _) => reg.read_person(
                    &op,
                    PersonId(id),
                    Some(reestr_core::person::Field::ALL),
                    Some("command line"),
                    now,
                )?,
                (None, Some(snils)) => reg.find_by_snils(&op, snils, now)?,
                (None, None) => bail!("give --id or --snils"),
            };
            print_json(&show::person(&reg, &op, &person, now)?)?;
        }
        Command::Summons(cmd) => summons(&open(&cli.db)?, &op, cmd, now)?,
        Command::Campaign(cmd) => campaign::run(&open(&cli.db)?, &op, cmd, cli.at)?,
        Command::Clock(args) => {
            let r = open(&cli.db)?.run_clock(now, args.batch.max(1))?;
            println!(
                "clock at {now}: {} summonses advanced ({} served, {} overdue, {} measures started)",
                r.summonses, r.served, r.overdue, r.measures_started
            );
        }
        Command::Region(RegionCommand::List) => {
            let rollout = open(&cli.db)?.rollout()?;
            for r in Directory::builtin().regions() {
                let state = rollout.get(&r.code).copied().unwrap_or(Rollout::Off);
                println!("{}  {:<6} {:<20} {}", r.code, state, r.zone, r.name_en);
            }
        }
        Command::Region(RegionCommand::Set { region, state }) => {
            let changed = open(&cli.db)?.set_rollout(&op, region, state, now)?;
            println!("region {region}: {state}{}", if changed { "" } else { " (unchanged)" });
        }
        Command::Log(LogArgs { command: Some(cmd), .. }) => {
            ledger::log(&open(&cli.db)?, &cli.keys, &cli.db.url, cmd, now)?
        }
        Command::Audit(cmd) => return ledger::audit_cmd(&open(&cli.db)?, &cli.keys, &cli.db.url, cmd),
        Command::Extract(cmd) => ledger::extract(&open(&cli.db)?, &cli.keys, &cli.db.url, cmd, now)?,
        Command::Verify { file, key } => return ledger::verify(&cli.keys, &cli.db.url, &file, key.as_deref()),
        Command::User(cmd) => admin::user(&open(&cli.db)?, &op, cmd, now)?,
        Command::Key(cmd) => admin::key(&open(&cli.db)?, &op, cmd, now)?,
        Command::Agency(agency::AgencyCommand::Follow(args)) => {
            agency::run_follow(&args)?;
        }
        Command::Agency(cmd) => agency::run(&open(&cli.db)?, &op, cmd, now)?,
        Command::Keys(admin::KeysCommand::RotateSigning) => {
            ledger::rotate_signing(&open(&cli.db)?, &cli.keys, &cli.db.url)?
        }
        Command::Keys(cmd) => admin::keys(&cli.db.url, &op, cmd, now)?,
        Command::Totp { seed } => {
            println!("{}", reestr_store::totp_code(&seed, now).context("the seed is not base32")?);
        }
        Command::Log(args) => {
            for e in open(&cli.db)?.events(args.after, args.limit)? {
                println!("{}", serde_json::to_string(&e)?);
            }
        }
        Command::Stats => {
            let s = open(&cli.db)?.stats()?;
            println!("persons: {}", s.persons);
            for (status, n) in &s.summonses {
                println!("summonses {status}: {n}");
            }
            println!("measures in force: {}", s.measures_in_force);
            println!("events: {}", s.last_event);
        }
        Command::Demo(args) => demo::run(&cli.db, &args, &cli.keys, now, cli.at)?,
        Command::Migrate => db::migrate(&cli.db)?,
        Command::Db(cmd) => db::run(cmd)?,
        Command::Backup(args) => backup::backup(&cli.db, &cli.keys, &args)?,
        Command::Restore(args) => backup::restore(&cli.db, &cli.keys, &args)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn deadlines_of(a: DeadlinesArgs) -> anyhow::Result<Deadlines> {
    let zone = &a.zone;
    let posted = parse_instant(&a.posted, Some(zone)).context("--posted")?;
    let book = PolicyBook::builtin();
    let policy = match &a.policy {
        Some(name) => book.get(name)?,
        None => book.in_force_on(reestr_core::days::local_date(posted, zone.tz()))?,
    };
    let mut early = Vec::new();
    for (flag, how, value) in [
        ("--served-in-person", ServiceMethod::InPerson, &a.served_in_person),
        ("--served-by-mail", ServiceMethod::RegisteredMail, &a.served_by_mail),
        ("--opened-in-account", ServiceMethod::AccountOpened, &a.opened_in_account),
    ] {
        if let Some(v) = value {
            early.push((how, parse_instant(v, Some(zone)).context(flag)?));
        }
    }
    // Of several early services, the first serves.
    let early_service = early.into_iter().min_by_key(|(_, at)| *at);
    Ok(deadlines(&Facts {
        policy,
        zone,
        posted_at: posted,
        appointment: a.appointment,
        early_service,
        excused: &a.excused,
    })?)
}

fn summons(reg: &Register, op: &Principal, cmd: SummonsCommand, now: Timestamp) -> anyhow::Result<()> {
    let (number, step) = match cmd {
        SummonsCommand::Issue { person, commissariat, purpose, appointment, address } => {
            let p = reg.read_person(
                op,
                PersonId(person),
                Some(&[reestr_core::person::Field::Commissariat]),
                Some("command line"),
                now,
            )?;
            let commissariat = match commissariat {
                Some(c) => c,
                None => p.record.commissariat().cloned().context("the person has no commissariat")?,
            };
            let address = match address {
                Some(a) => a,
                None => reg.directory().commissariat(&commissariat)?.address_ru.clone(),
            };
            let draft =
                Draft { person: p.id, commissariat, purpose, appointment: Appointment { at: appointment, address } };
            let s = reg.issue(op, draft, now)?;
            return print_json(&show::summons(reg, &s, now)?);
        }
        SummonsCommand::Show { number } => {
            let s = reg.summons_for_operator(op, &number, now)?;
            return print_json(&show::summons(reg, &s, now)?);
        }
        SummonsCommand::List { person } => {
            for s in reg.summonses_of(op, PersonId(person), Some("command line"), now)? {
                println!("{}  {:<9} posted {}  {}", s.number, s.status, s.posted_at, s.purpose.as_str());
            }
            return Ok(());
        }
        SummonsCommand::Serve { number, how } => (number, Step::Serve { how }),
        SummonsCommand::Appear { number } => (number, Step::Appear),
        SummonsCommand::Excuse { number, reason, evidence, covers } => {
            (number, Step::Excuse { reason, evidence, covers })
        }
        SummonsCommand::Cancel { number, reason, court_decision } => {
            let cancellation = match (reason, court_decision) {
                (_, Some(reference)) => Cancellation::CourtDecision { reference },
                (Some(reason), None) => Cancellation::Registrar { reason },
                (None, None) => bail!("give --reason or --court-decision"),
            };
            (number, Step::Cancel { cancellation })
        }
    };
    let s = reg.act(op, &number, step, now)?;
    print_json(&show::summons(reg, &s, now)?)
}

/// Today's date in UTC, for provenance.
pub fn today(now: Timestamp) -> Date {
    reestr_store::time::date_utc(now)
}
