//! `reestr campaign`: create a campaign, see a dry run, issue it with progress, follow it.

use std::io::Write;

use anyhow::bail;
use clap::{Args, Subcommand};
use jiff::{
    Timestamp,
    civil::{Date, Time},
};
use reestr_core::{
    access::Principal,
    campaign::{Appointments, CampaignSpec, Cohort, Quota},
    person::{Field, Registration},
    region::CommissariatCode,
    summons::Purpose,
};
use reestr_store::{Campaign, DryRun, Register};

#[derive(Debug, Subcommand)]
pub enum CampaignCommand {
    /// Create a campaign (a draft): quotas by region, a cohort, appointment dates. Prints it.
    ///
    /// Example: reestr campaign create --name "Весенний призыв 2025" --purpose call_up
    /// --quota 62=1000 --quota 12=500 --born 1998..2007 --appointments 2025-05-12..2025-05-30
    Create(CreateArgs),
    /// What issuing would do now: per region the cohort, those holding an open summons (left
    /// out), the eligible and how many would be summoned within the quota; and a sample of whom
    /// (each shown is a logged read).
    DryRun {
        id: i64,
        /// How many persons to show (at most 100).
        #[arg(long, default_value_t = 20)]
        sample: usize,
    },
    /// Issue a campaign's summonses, BATCH per transaction, printing progress. Interrupted, it
    /// resumes where it stood when run again; nobody is ever summoned twice by one campaign.
    Issue {
        id: i64,
        #[arg(long, default_value_t = 1000)]
        batch: usize,
    },
    /// A campaign and its progress by region.
    Show { id: i64 },
    /// Every campaign, newest first.
    List,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    #[arg(long)]
    name: String,
    #[arg(long, default_value = "call_up")]
    purpose: Purpose,
    /// REGION=N, e.g. 62=1000; repeat for each region.
    #[arg(long = "quota", required = true, value_parser = quota_arg)]
    quotas: Vec<Quota>,
    /// Only the persons of this commissariat (its region must be the only one).
    #[arg(long)]
    commissariat: Option<CommissariatCode>,
    /// Birth years FROM..TO (inclusive), e.g. 1998..2007.
    #[arg(long, value_parser = years_arg)]
    born: (i16, i16),
    /// Registration statuses, comma-separated: registered, deferred, exempt.
    #[arg(long = "status", value_delimiter = ',', default_value = "registered", value_parser = status_arg)]
    statuses: Vec<Registration>,
    /// Appointment dates FROM..TO (local, inclusive); persons are spread over their working days.
    #[arg(long, value_parser = dates_arg)]
    appointments: (Date, Date),
    /// The local time of every appointment.
    #[arg(long, default_value = "09:00", value_parser = time_arg)]
    time: Time,
}

fn quota_arg(s: &str) -> Result<Quota, String> {
    let (region, n) = s.split_once('=').ok_or("give REGION=N, e.g. 62=1000")?;
    Ok(Quota {
        region: region.parse().map_err(|e| format!("{e}"))?,
        quota: n.trim().parse().map_err(|_| format!("{n:?} is not a number"))?,
    })
}

fn range<T: std::str::FromStr>(s: &str, what: &str) -> Result<(T, T), String> {
    let (a, b) = s.split_once("..").ok_or_else(|| format!("give {what} as FROM..TO"))?;
    let parse = |x: &str| x.trim().parse::<T>().map_err(|_| format!("{x:?} is not {what}"));
    Ok((parse(a)?, parse(b)?))
}

fn years_arg(s: &str) -> Result<(i16, i16), String> {
    range(s, "a year")
}

fn dates_arg(s: &str) -> Result<(Date, Date), String> {
    range(s, "a date (YYYY-MM-DD)")
}

fn time_arg(s: &str) -> Result<Time, String> {
    s.parse().map_err(|_| format!("{s:?} is not a time (HH:MM)"))
}

fn status_arg(s: &str) -> Result<Registration, String> {
    s.parse().map_err(|e: &str| e.to_owned())
}

pub fn run(reg: &Register, op: &Principal, cmd: CampaignCommand, at: Option<Timestamp>) -> anyhow::Result<()> {
    let now = || crate::time::now(at);
    match cmd {
        CampaignCommand::Create(a) => {
            let spec = CampaignSpec {
                name: a.name,
                purpose: a.purpose,
                quotas: a.quotas,
                commissariat: a.commissariat,
                cohort: Cohort { born_from: a.born.0, born_to: a.born.1, statuses: a.statuses },
                appointments: Appointments { from: a.appointments.0, to: a.appointments.1, time: a.time },
            };
            print!("{}", describe(&reg.create_campaign(op, spec, now())?));
        }
        CampaignCommand::DryRun { id, sample } => {
            if sample > reestr_store::MAX_SAMPLE {
                bail!("--sample: at most {}", reestr_store::MAX_SAMPLE);
            }
            print!("{}", dry_run(&reg.dry_run(op, id, sample, now())?));
        }
        CampaignCommand::Issue { id, batch } => {
            let start = std::time::Instant::now();
            let mut err = std::io::stderr();
            let c = reg.issue_campaign(op, id, batch, &mut || now(), &mut |c| {
                let _ =
                    writeln!(err, "issued {} of {} ({:.1} s)", c.issued(), c.quota(), start.elapsed().as_secs_f64());
                true
            })?;
            print!("{}", describe(&c));
        }
        CampaignCommand::Show { id } => print!("{}", describe(&reg.campaign(op, id)?)),
        CampaignCommand::List => {
            for c in reg.campaigns(op)? {
                println!("{:>4}  {:<8} {:>9} of {:<9} {}", c.id, c.state, c.issued(), c.quota(), c.spec.name);
            }
        }
    }
    Ok(())
}

fn describe(c: &Campaign) -> String {
    let s = &c.spec;
    let statuses: Vec<&str> = s.cohort.statuses.iter().map(|r| r.as_str()).collect();
    let mut out = format!(
        "campaign {}: {}\n  state       {}\n  purpose     {}\n  cohort      born {}..{}, {}{}\n  \
         appointments {}..{} at {}\n  created     {} by {}\n",
        c.id,
        s.name,
        c.state,
        s.purpose.as_str(),
        s.cohort.born_from,
        s.cohort.born_to,
        statuses.join(", "),
        s.commissariat.as_ref().map(|c| format!(", commissariat {c}")).unwrap_or_default(),
        s.appointments.from,
        s.appointments.to,
        s.appointments.time.strftime("%H:%M"),
        c.created_at,
        c.created_by,
    );
    if let Some(started) = c.started_at {
        out += &format!("  started     {started} by {}\n", c.issued_by.as_deref().unwrap_or("?"));
    }
    if let Some(finished) = c.finished_at {
        out += &format!("  finished    {finished}\n");
    }
    out += &format!("  issued      {} of {}\n  region   quota    issued  held open  finished\n", c.issued(), c.quota());
    for r in &c.regions {
        out += &format!(
            "  {:<6} {:>7} {:>9} {:>10}  {}\n",
            r.region,
            r.quota,
            r.issued,
            r.held_open,
            if r.finished_at.is_some() { "yes" } else { "no" }
        );
    }
    out
}

fn dry_run(d: &DryRun) -> String {
    let mut out = format!(
        "would issue {} (cohort {}, holding an open summons {})\n  region rollout   quota  issued   cohort  open  eligible  would issue\n",
        d.would_issue(),
        d.cohort(),
        d.open_summonses()
    );
    for r in &d.regions {
        out += &format!(
            "  {:<6} {:<7} {:>7} {:>7} {:>8} {:>5} {:>9} {:>12}\n",
            r.region,
            r.rollout.as_str(),
            r.quota,
            r.issued,
            r.cohort,
            r.open_summonses,
            r.eligible,
            r.would_issue
        );
    }
    if !d.sample.is_empty() {
        out += "sample:\n";
    }
    for e in &d.sample {
        let f = |field| e.record.text(field).unwrap_or_default();
        out += &format!(
            "  {:>8}  {} {} {}, born {}, {}, {}\n",
            e.person.0,
            f(Field::Surname),
            f(Field::GivenName),
            f(Field::Patronymic),
            f(Field::BirthDate),
            f(Field::Commissariat),
            e.status.as_str()
        );
    }
    out
}
