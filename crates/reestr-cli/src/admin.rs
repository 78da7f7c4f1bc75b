//! Users, API keys and the data keys, from the command line.

use std::io::BufRead;

use anyhow::{Context, bail};
use clap::Subcommand;
use jiff::Timestamp;
use reestr_core::{
    access::{Principal, Role, Scope},
    person::PersonId,
    region::{CommissariatCode, RegionCode},
};
use reestr_store::{NewUser, Register};

use crate::db::{keys_dir, keys_for, open_with, sqlite_path};

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user. The password is read from REESTR_USER_PASSWORD or the first line of standard
    /// input. Staff get a second-factor seed, printed once with an otpauth:// address.
    Add {
        #[arg(long)]
        login: String,
        /// citizen, registrar, medical_commission, supervisor, security_service or admin.
        #[arg(long)]
        role: Role,
        /// The person (citizen).
        #[arg(long)]
        person: Option<i64>,
        /// The commissariat (registrar, medical commission).
        #[arg(long)]
        commissariat: Option<CommissariatCode>,
        /// The region (supervisor).
        #[arg(long)]
        region: Option<RegionCode>,
    },
    /// List users.
    List,
    /// Disable a user and end their sessions.
    Disable { id: i64 },
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Create an API key for an agency (see `reestr agency add`); prints the key alone on
    /// standard output (shown once, stored hashed). The key acts with the agency's role and kinds.
    Create {
        /// The agency's name, e.g. border-service.
        #[arg(long)]
        agency: String,
    },
    /// Revoke a key.
    Revoke { id: i64 },
    /// List keys (never their secrets).
    List,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Add a new data key, make it current, and re-seal every sealed value under it. Old keys
    /// stay to read backups. Restart a running server afterwards so it reads the new key.
    Rotate,
    /// Finish an interrupted rotation: re-seal what is not under the current key.
    Reseal,
    /// Replace the log's signing key (checkpoints, extracts) with a new one; the old public key
    /// is kept, so what it signed stays verifiable. The old private key is destroyed.
    RotateSigning,
}

pub fn scope_of(
    role: Role,
    person: Option<i64>,
    commissariat: Option<CommissariatCode>,
    region: Option<RegionCode>,
) -> anyhow::Result<Scope> {
    Ok(match role {
        Role::Citizen => Scope::Person(PersonId(person.context("a citizen needs --person")?)),
        Role::Registrar | Role::MedicalCommission => {
            Scope::Commissariat(commissariat.context("this role needs --commissariat")?)
        }
        Role::Supervisor => Scope::Region(region.context("a supervisor needs --region")?),
        Role::Agency => bail!("agencies use API keys: reestr key create"),
        _ => Scope::All,
    })
}

pub fn user(reg: &Register, op: &Principal, cmd: UserCommand, now: Timestamp) -> anyhow::Result<()> {
    match cmd {
        UserCommand::Add { login, role, person, commissariat, region } => {
            let scope = scope_of(role, person, commissariat, region)?;
            let password = match std::env::var("REESTR_USER_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    let mut line = String::new();
                    std::io::stdin().lock().read_line(&mut line)?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            let (user, seed) = reg.add_user(op, NewUser { login, role, scope, password }, now)?;
            println!("user {} ({}) added as {}", user.id, user.login, user.role);
            if let Some(seed) = seed {
                println!("second-factor seed: {seed}");
                println!("otpauth://totp/reestr:{}?secret={seed}&issuer=reestr", user.login);
            }
        }
        UserCommand::List => {
            for u in reg.users(op)? {
                let scope = serde_json::to_string(&u.scope)?;
                let state = if u.disabled_at.is_some() { "disabled" } else { "active" };
                println!("{:>4}  {:<20} {:<18} {scope} {state}", u.id, u.login, u.role);
            }
        }
        UserCommand::Disable { id } => {
            reg.disable_user(op, id, now)?;
            println!("user {id} disabled");
        }
    }
    Ok(())
}

pub fn key(reg: &Register, op: &Principal, cmd: KeyCommand, now: Timestamp) -> anyhow::Result<()> {
    match cmd {
        KeyCommand::Create { agency } => println!("{}", reg.create_key(op, &agency, now)?.key),
        KeyCommand::Revoke { id } => {
            if !reg.revoke_key(op, id, now)? {
                bail!("no active key {id}");
            }
            println!("key {id} revoked");
        }
        KeyCommand::List => {
            for k in reg.keys(op)? {
                let state = if k.revoked_at.is_some() { "revoked" } else { "active" };
                println!("{:>4}  rk_{}_…  {:<16} {} {state}", k.id, k.prefix, k.role, k.scope);
            }
        }
    }
    Ok(())
}

pub fn keys(url: &str, op: &Principal, cmd: KeysCommand, now: Timestamp) -> anyhow::Result<()> {
    let path = sqlite_path(url)?;
    let mut keyring = keys_for(&path)?;
    if let KeysCommand::Rotate = cmd {
        if std::env::var_os("REESTR_DATA_KEYS").is_some() {
            bail!("the keys come from the environment: rotate them where they are kept, then run reestr keys reseal");
        }
        let id = keyring.rotate();
        // The new key is saved before anything is sealed with it.
        keyring.save(&keys_dir(&path))?;
        eprintln!("new data key {id} saved in {}", keys_dir(&path).display());
    }
    if let KeysCommand::RotateSigning = cmd {
        bail!("reestr keys rotate-signing is handled by the ledger commands");
    }
    let reg = open_with(&path, keyring)?;
    let report = reg.reseal(op, now)?;
    println!(
        "re-sealed under key {}: {} persons, {} summonses, {} other values",
        report.key, report.persons, report.summonses, report.other
    );
    Ok(())
}
