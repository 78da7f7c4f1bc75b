//! The command line's ledger commands: keys, checkpoints, proofs, the audit, extracts and
//! their verification.

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use jiff::Timestamp;
use reestr_core::person::PersonId;
use reestr_docs::{Extracts, content::Kind, html, pdf, verify::verify_file};
use reestr_ledger::{
    Ledger,
    audit::audit,
    keys::{DEFAULT_ORIGIN, KeyDir, KeyRing, SigningKeyPair, Verifiers},
};
use reestr_store::Register;

use crate::operator;

/// Exit status when the audit finds tampering, or an extract is not genuine.
pub const EXIT_NOT_GENUINE: u8 = 4;

/// Where the register's signing key comes from.
#[derive(Debug, Args, Clone)]
pub struct KeyArgs {
    /// The log's signing key: a file with a private key in Go's note format
    /// (PRIVATE+KEY+name+hash+base64). Default: the key directory's, generated on first use.
    #[arg(long, global = true, env = "REESTR_SIGNING_KEY", value_name = "FILE")]
    pub signing_key: Option<PathBuf>,
    /// The key directory (default: REESTR_KEYS_DIR, else beside the database file, e.g.
    /// reestr.db.keys/, which also holds the keys that seal personal data).
    #[arg(long = "keys-dir", global = true, value_name = "DIR")]
    pub keys: Option<PathBuf>,
    /// The log's origin, which names a newly generated key.
    #[arg(long, global = true, env = "REESTR_LOG_ORIGIN", default_value = DEFAULT_ORIGIN, hide = true)]
    pub origin: String,
    /// The public address QR codes lead to (`{URL}/verify/{number}`).
    #[arg(long, global = true, env = "REESTR_PUBLIC_URL", default_value = "http://127.0.0.1:8080", hide = true)]
    pub public_url: String,
}

impl KeyArgs {
    pub fn key_dir(&self, db_url: &str) -> anyhow::Result<KeyDir> {
        if let Some(dir) = &self.keys {
            return Ok(KeyDir::new(dir));
        }
        if reestr_postgres::is_postgres_url(db_url) {
            let dir = std::env::var_os("REESTR_KEYS_DIR")
                .context("a PostgreSQL register's keys are where REESTR_KEYS_DIR (or --keys-dir) says")?;
            return Ok(KeyDir::new(std::path::PathBuf::from(dir)));
        }
        Ok(KeyDir::new(crate::db::keys_dir(&crate::db::sqlite_path(db_url)?)))
    }

    /// The key ring: the signing key from --signing-key, or the key directory's (generated, and
    /// said so on stderr, on first use); with every verifier key of the directory.
    pub fn ring(&self, db_url: &str) -> anyhow::Result<KeyRing> {
        let dir = self.key_dir(db_url)?;
        if let Some(file) = &self.signing_key {
            let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
            return Ok(KeyRing::new(SigningKeyPair::from_private(&text)?, dir.verifiers()?)?);
        }
        let (ring, created) = dir.load_or_create(&self.origin)?;
        if created {
            eprintln!(
                "generated a new signing key for the log in {} (public key {})",
                dir.path().display(),
                ring.signing.verifier_key()
            );
        }
        Ok(ring)
    }

    /// The verifier keys: from FILE (one a line) if given, else the key directory's.
    pub fn verifiers(&self, db_url: Option<&str>, file: Option<&Path>) -> anyhow::Result<Verifiers> {
        let v = match (file, db_url) {
            (Some(f), _) => {
                Verifiers::parse(&std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?)?
            }
            (None, Some(url)) => self.key_dir(url)?.verifiers()?,
            (None, None) => Verifiers::default(),
        };
        if v.keys().is_empty() {
            bail!("no public key of the register to verify with: give --key FILE (see `reestr log key`)");
        }
        Ok(v)
    }
}

#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// Hash the events not yet in the Merkle tree and sign a checkpoint of the whole log (C2SP
    /// tlog-checkpoint as a signed note); prints it. Refuses to sign a tree inconsistent with the
    /// last checkpoint signed. Nothing new is signed when the log has not grown.
    Checkpoint,
    /// Print the register's verifier keys (name+hash+base64), oldest first, the current last.
    Key,
    /// Print the inclusion proof of event SEQ against the latest checkpoint (JSON).
    Prove { seq: u64 },
    /// Print the consistency proof between two tree sizes (JSON, base64 hashes).
    Consistency { old: u64, new: u64 },
}

pub fn log(reg: &Register, keys: &KeyArgs, db: &str, cmd: LogCommand, now: Timestamp) -> anyhow::Result<()> {
    let ledger = Ledger::new(reg.store().clone());
    match cmd {
        LogCommand::Checkpoint => {
            let ring = keys.ring(db)?;
            print!("{}", ledger.checkpoint(&ring, now)?.note);
        }
        LogCommand::Key => print!("{}", keys.ring(db)?.verifiers.to_text()),
        LogCommand::Prove { seq } => {
            let cp = ledger.latest()?.context("no checkpoint yet: run `reestr log checkpoint`")?;
            let proof = ledger.prove(seq, &cp)?;
            println!("{}", serde_json::to_string_pretty(&proof)?);
        }
        LogCommand::Consistency { old, new } => {
            let hashes: Vec<String> = ledger.consistency_proof(old, new)?.iter().map(|h| h.to_string()).collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({ "old": old, "new": new, "proof": hashes }))?
            );
        }
    }
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute the Merkle tree from the database and check it against every signed checkpoint,
    /// and each person's record against the digest its latest event commits to. Reports the first
    /// event that differs; exit status 4 when anything does.
    Verify {
        /// The register's verifier keys, one a line (default: the key directory's). Trust keys
        /// kept apart from the database: whoever can change the file can change what is in it.
        #[arg(long, value_name = "FILE")]
        key: Option<PathBuf>,
    },
}

pub fn audit_cmd(reg: &Register, keys: &KeyArgs, db: &str, cmd: AuditCommand) -> anyhow::Result<ExitCode> {
    let AuditCommand::Verify { key } = cmd;
    let verifiers = keys.verifiers(Some(db), key.as_deref())?;
    let r = audit(&**reg.store(), reg.codec(), &verifiers)?;
    println!(
        "checked {} events ({} in the tree), {} checkpoints (the last signed covers {}; {} events after it not yet signed), {} persons",
        r.events,
        r.tree_size,
        r.checkpoints,
        r.last_signed_size,
        r.uncovered(),
        r.persons
    );
    if r.is_clean() {
        println!("the log and the records are as signed and recorded");
        return Ok(ExitCode::SUCCESS);
    }
    for f in &r.findings {
        println!("{}: {}", f.code, f.message);
    }
    if let Some(seq) = r.first_event_that_differs() {
        println!("first event that differs: {seq}");
    }
    Ok(ExitCode::from(EXIT_NOT_GENUINE))
}

/// `reestr keys rotate-signing`. The register is opened first so that a new database gets its
/// data keys before the key directory exists.
pub fn rotate_signing(_reg: &Register, keys: &KeyArgs, db: &str) -> anyhow::Result<()> {
    if keys.signing_key.is_some() {
        bail!("the signing key comes from a file (--signing-key): replace that file to rotate");
    }
    let dir = keys.key_dir(db)?;
    let ring = keys.ring(db)?;
    let old = ring.signing.key_id();
    let ring = dir.rotate(ring)?;
    println!("rotated the log's signing key: {old} -> {}", ring.signing.key_id());
    println!("{}", ring.signing.verifier_key());
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum ExtractCommand {
    /// Make an extract for a person, recorded in the log, and write it as JSON, a printable
    /// page (.html) or a PDF (.pdf), by the file's extension.
    Make {
        /// The person's number in the register.
        #[arg(long)]
        person: i64,
        /// summonses (from the register of summonses) or record (from the military
        /// registration record).
        #[arg(long)]
        kind: Kind,
        /// Where to write it: FILE.json, FILE.html or FILE.pdf.
        #[arg(long)]
        out: PathBuf,
    },
}

/// Writes a document in the form its file name asks for.
fn write_document(doc: &reestr_docs::document::Document, out: &Path) -> anyhow::Result<()> {
    let bytes = match out.extension().and_then(|e| e.to_str()) {
        Some("json") => doc.to_json().into_bytes(),
        Some("html" | "htm") => html::render(doc)?.into_bytes(),
        Some("pdf") => pdf::render(doc)?,
        _ => bail!("the output file must end in .json, .html or .pdf"),
    };
    std::fs::write(out, bytes).with_context(|| format!("writing {}", out.display()))
}

pub fn extract(reg: &Register, keys: &KeyArgs, db: &str, cmd: ExtractCommand, now: Timestamp) -> anyhow::Result<()> {
    let ExtractCommand::Make { person, kind, out } = cmd;
    let ring = keys.ring(db)?;
    let extracts = Extracts::new(reg.store().clone(), reg.codec().clone(), &keys.public_url);
    let doc = extracts.make(PersonId(person), kind, &ring, &operator().actor, now)?;
    write_document(&doc, &out)?;
    let number = doc.extract.get("number").and_then(|n| n.as_str()).unwrap_or_default();
    println!("extract {number} written to {}", out.display());
    Ok(())
}

/// `reestr verify FILE`: offline, with the register's public keys.
pub fn verify(keys: &KeyArgs, db: &str, file: &Path, key: Option<&Path>) -> anyhow::Result<ExitCode> {
    // Without --key, the key directory beside the database (when there is one) holds the keys.
    let verifiers = keys.verifiers(Some(db), key)?;
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    match verify_file(&bytes, &verifiers) {
        Ok(v) => {
            println!(
                "genuine: extract {} ({}), made {}, signed by {}, issuance event {} proven in a log of {} events",
                v.extract.number,
                v.extract.kind.as_str(),
                v.extract.made_at,
                v.signed_by,
                v.event,
                v.checkpoint_size
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!("NOT genuine ({}): {e}", reestr_core::ErrorCode::code(&e));
            Ok(ExitCode::from(EXIT_NOT_GENUINE))
        }
    }
}
