//! `reestr demo`: a synthetic population in the pilot regions with summonses in every state, an
//! account of every role, and then the register served over HTTP.
//!
//! The history is simulated over the hundred days before now: persons are imported, summonses
//! posted, some handed over, appeared, excused or cancelled, and the legal clock runs day by day,
//! so measures exist where people did not appear. The demo accounts (passwords, second-factor
//! seeds, API keys) are written beside the database in DB.demo.json: synthetic data only.

use std::{path::PathBuf, sync::Arc};

use anyhow::Context;
use clap::Args;
use jiff::{SignedDuration, Timestamp, civil::Time};
use rand::{RngExt, SeedableRng, rngs::StdRng};
use reestr_core::{
    access::{Principal, Role, Scope},
    days::DateRange,
    event::EventKind,
    measure::MeasureKind,
    person::{Field, PersonId, Provenance, Record, Registration, Value},
    policy::ServiceMethod,
    region::PILOT_REGIONS,
    summons::{Appointment, Cancellation, Command, Draft, Purpose, SummonsNumber, ValidReason},
};
use reestr_store::{ImportRow, NewUser, Register, RowOutcome};
use reestr_synth::Population;
use serde::{Deserialize, Serialize};

use crate::{db, serve, today};

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

/// The demo's accounts, kept beside the database so a second run can print them again.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Accounts {
    pub users: Vec<Account>,
    pub keys: Vec<KeyAccount>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Account {
    pub role: String,
    pub login: String,
    pub password: String,
    pub totp_seed: Option<String>,
    pub scope: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct KeyAccount {
    pub agency: String,
    pub role: String,
    pub kinds: Vec<String>,
    pub key: String,
}

/// Beside the SQLite file; for PostgreSQL, beside its keys.
fn accounts_file(db: &db::Db) -> anyhow::Result<PathBuf> {
    let mut name = match db::sqlite_path(&db.url) {
        Ok(path) => path.into_os_string(),
        Err(_) => std::env::var_os("REESTR_KEYS_DIR").context("REESTR_KEYS_DIR")?,
    };
    name.push(".demo.json");
    Ok(PathBuf::from(name))
}

enum Step {
    Issue(usize),
    Act(usize, Command),
}

pub fn run(
    db: &db::Db,
    args: &DemoArgs,
    keys: &crate::ledger::KeyArgs,
    now: Timestamp,
    at: Option<Timestamp>,
) -> anyhow::Result<()> {
    let reg = db::open(db)?;
    let existing = reg.stats()?.persons;
    let file = accounts_file(db)?;
    if existing > 0 {
        println!("{db} already holds {existing} persons; not seeding again.");
    } else {
        let accounts = seed(&reg, args, now)?;
        std::fs::write(&file, serde_json::to_vec_pretty(&accounts)?)
            .with_context(|| format!("writing {}", file.display()))?;
    }
    summary(&reg, db)?;
    match std::fs::read(&file).ok().and_then(|b| serde_json::from_slice::<Accounts>(&b).ok()) {
        Some(accounts) => print_accounts(&accounts, &file, now, &args.listen),
        None => println!("\n(No demo accounts file at {}.)", file.display()),
    }
    if !args.no_serve {
        let serve_args = serve::ServeArgs {
            listen: args.listen.clone(),
            secure_cookies: false,
            no_clock: false,
            no_dispatcher: false,
            smtp_url: std::env::var("REESTR_SMTP_URL").ok(),
            smtp_from: std::env::var("REESTR_SMTP_FROM")
                .unwrap_or_else(|_| "Реестр воинского учёта <notices@reestr.invalid>".into()),
            smtp_user: std::env::var("REESTR_SMTP_USER").ok(),
        };
        serve::run(reg, &serve_args, keys, &db.url, at)?;
    }
    Ok(())
}

fn password(rng: &mut StdRng) -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    (0..14).map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())])).collect()
}

fn seed(reg: &Register, args: &DemoArgs, now: Timestamp) -> anyhow::Result<Accounts> {
    let op = Principal { actor: reestr_core::event::Actor::demo(), ..crate::operator() };
    let now = Timestamp::from_second(now.as_second())?;
    let start = now - SignedDuration::from_hours(24 * HISTORY_DAYS);
    let mut population = Population::new(args.seed, &PILOT_REGIONS, today(now));
    let provenance = Arc::new(Provenance { source: "demo:synthetic".into(), as_of: today(start) });
    let mut people: Vec<(PersonId, Record)> = Vec::new();
    let mut line = 1;
    while (people.len() as u64) < args.persons {
        let chunk = (args.persons - people.len() as u64).min(5000);
        let mut rows = Vec::new();
        let mut records = Vec::new();
        for _ in 0..chunk {
            line += 1;
            let record = population
                .next_record(&provenance, reg.directory())
                .map_err(|p| anyhow::anyhow!("the synthetic person at line {line} is invalid: {p:?}"))?;
            rows.push(ImportRow::new(line, &record, reg.codec())?);
            records.push(record);
        }
        for (record, outcome) in records.into_iter().zip(reg.import(&op, rows, start)?) {
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
        let step = match rng.random_range(0..100) {
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
            Step::Issue(i) => numbers[i] = Some(reg.issue(&op, drafts[i].clone(), at)?.number),
            Step::Act(i, command) => {
                if let Some(number) = &numbers[i] {
                    // A planned step may no longer fit (e.g. a hand-over after deemed service).
                    let _ = reg.act(&op, number, command, at);
                }
            }
        }
    }
    reg.run_clock(now, 1000)?;
    accounts(reg, &op, &mut rng, now)
}

/// An account of every role, around a person who has measures in force.
fn accounts(reg: &Register, op: &Principal, rng: &mut StdRng, now: Timestamp) -> anyhow::Result<Accounts> {
    let events = reg.events(0, usize::MAX >> 1)?;
    let person = events
        .iter()
        .rev()
        .find(|e| {
            e.kind == EventKind::MeasureStarted && e.summons.as_ref().is_some_and(|n| n.as_str().starts_with("62-"))
        })
        .or_else(|| events.iter().find(|e| e.kind == EventKind::SummonsPosted))
        .and_then(|e| e.person)
        .context("the demo posted no summons")?;
    let commissariat = reg
        .read_person(op, person, Some(&[Field::Commissariat]), Some("demo set-up"), now)?
        .record
        .commissariat()
        .cloned()
        .context("no commissariat")?;
    let region = commissariat.region();
    // A security service reads the citizen's record with a stated purpose: the seed policy tells
    // the person, so the inbox shows that notice beside the summons's.
    let security = Principal {
        actor: reestr_core::event::Actor::key("demo", "security-service"),
        role: Role::SecurityService,
        scope: Scope::All,
    };
    reg.read_person(&security, person, None, Some("проверка по запросу 12/7 (демонстрация)"), now)?;
    let me = Principal { actor: op.actor.clone(), role: Role::Citizen, scope: Scope::Person(person) };
    let inbox = reg.inbox(&me, None, reestr_store::MAX_INBOX_PAGE)?;
    println!("The demo citizen's inbox holds {} notices, newest first:", inbox.len());
    for n in inbox.iter().take(8) {
        println!("  {}  {}  code {}", n.created_at, n.content.ru.subject, n.code);
    }
    demo_campaigns(reg, op, region, now)?;
    let mut out = Accounts::default();
    let roles: [(&str, Role, Scope); 6] = [
        ("citizen", Role::Citizen, Scope::Person(person)),
        ("registrar", Role::Registrar, Scope::Commissariat(commissariat.clone())),
        ("medic", Role::MedicalCommission, Scope::Commissariat(commissariat.clone())),
        ("supervisor", Role::Supervisor, Scope::Region(region)),
        ("security", Role::SecurityService, Scope::All),
        ("admin", Role::Admin, Scope::All),
    ];
    for (login, role, scope) in roles {
        let password = password(rng);
        let shown = serde_json::to_string(&scope)?;
        let (_, seed) =
            reg.add_user(op, NewUser { login: login.into(), role, scope, password: password.clone() }, now)?;
        out.users.push(Account {
            role: role.to_string(),
            login: login.into(),
            password,
            totp_seed: seed,
            scope: shown,
        });
    }
    for (agency, role, kinds) in [
        ("border-service", Role::Agency, vec![MeasureKind::ExitBan]),
        ("traffic-police", Role::Agency, vec![MeasureKind::DrivingBan, MeasureKind::VehicleRegistrationBan]),
        ("security-service", Role::SecurityService, vec![]),
    ] {
        let new = reestr_store::NewAgency {
            name: agency.into(),
            role,
            kinds: kinds.clone(),
            webhook: None,
            from_start: true,
        };
        reg.add_agency(op, new, now)?;
        let key = reg.create_key(op, agency, now)?.key;
        out.keys.push(KeyAccount {
            agency: agency.into(),
            role: role.to_string(),
            kinds: kinds.iter().map(|k| k.to_string()).collect(),
            key,
        });
    }
    Ok(out)
}

/// Two campaigns in the supervisor's region: one issued (its summonses appointed over the next
/// two weeks), one a draft to dry-run.
fn demo_campaigns(
    reg: &Register,
    op: &Principal,
    region: reestr_core::region::RegionCode,
    now: Timestamp,
) -> anyhow::Result<()> {
    use reestr_core::campaign::{Appointments, CampaignSpec, Cohort, Quota};
    let first = today(now).tomorrow()?.saturating_add(jiff::Span::new().days(7));
    let year = today(now).year();
    let nine = Time::new(9, 0, 0, 0)?;
    let spec = |name: &str, purpose, quota, born: (i16, i16)| CampaignSpec {
        name: name.into(),
        purpose,
        quotas: vec![Quota { region, quota }],
        commissariat: None,
        cohort: Cohort { born_from: born.0, born_to: born.1, statuses: vec![Registration::Registered] },
        appointments: Appointments { from: first, to: first.saturating_add(jiff::Span::new().days(14)), time: nine },
    };
    let issued = reg.create_campaign(
        op,
        spec("Медицинское освидетельствование (демонстрация)", Purpose::MedicalExamination, 40, (year - 27, year - 18)),
        now,
    )?;
    reg.issue_campaign(op, issued.id, 1000, &mut || now, &mut |_| true)?;
    reg.create_campaign(
        op,
        spec("Уточнение данных резерва (демонстрация)", Purpose::ClarifyRecords, 100, (year - 50, year - 28)),
        now,
    )?;
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
    let mail = reg.mail_stats()?;
    println!("  notices' e-mails: {} sent, {} waiting, {} failed", mail.sent, mail.pending, mail.dead);
    Ok(())
}

fn print_accounts(a: &Accounts, file: &std::path::Path, now: Timestamp, listen: &str) {
    println!("\nDemo accounts (synthetic; also in {}):", file.display());
    for u in &a.users {
        let code = u.totp_seed.as_deref().and_then(|s| reestr_store::totp_code(s, now));
        match (&u.totp_seed, code) {
            (Some(seed), Some(code)) => println!(
                "  {:<18} login {:<11} password {}  one-time code now {code} (seed {seed}; `reestr totp {seed}`)",
                u.role, u.login, u.password
            ),
            _ => println!("  {:<18} login {:<11} password {}", u.role, u.login, u.password),
        }
    }
    for k in &a.keys {
        println!(
            "  API key of {} ({}{}): {}",
            k.agency,
            k.role,
            if k.kinds.is_empty() { String::new() } else { format!(": {}", k.kinds.join(", ")) },
            k.key
        );
    }
    println!(
        "\nLog in: curl -c jar -H 'Content-Type: application/json' -d '{{\"login\":\"citizen\",\"password\":\"…\"}}' http://{listen}/api/v1/auth/login"
    );
    println!("Then:   curl -b jar http://{listen}/api/v1/me/summonses");
    println!(
        "        curl -b jar http://{listen}/api/v1/me/notices   (the inbox; check a code at http://{listen}/notices/verify)"
    );
    println!(
        "Staff add \"totp\" (the current code); agencies send Authorization: Bearer KEY. The API: http://{listen}/api/openapi.json"
    );
}
