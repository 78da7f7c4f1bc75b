//! `reestr import persons`: CSV or JSON Lines into the register, every bad row reported.
//!
//! One thread reads and validates rows while the other writes batches, each batch in one
//! transaction. A row that is already in the register as given changes nothing, so rerunning an
//! interrupted import resumes it.

use std::{
    fs::File,
    io::BufReader,
    path::{Path, PathBuf},
    process::ExitCode,
    sync::{Arc, mpsc},
};

use anyhow::{Context, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use jiff::{Timestamp, civil::Date};
use reestr_core::{access::Principal, person::Provenance};
use reestr_import::{Batch, BatchInfo, ReadError, Reject, Validator};
use reestr_store::{Register, RowOutcome};

use crate::{EXIT_REJECTED, Format, today};

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file: CSV with a header row (.csv), or JSON Lines (.jsonl), UTF-8.
    file: PathBuf,
    /// The file's format, when its name does not tell.
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Provenance: the source of the data [default: import:FILE_NAME].
    #[arg(long)]
    source: Option<String>,
    /// Provenance: the date as of which the source vouches for the data [default: today].
    #[arg(long, value_name = "YYYY-MM-DD")]
    as_of: Option<Date>,
    /// Rows per transaction: an interrupted import loses at most the one under way.
    #[arg(long, default_value_t = 100_000)]
    batch: usize,
}

fn format_of(path: &Path, given: Option<Format>) -> anyhow::Result<reestr_import::Format> {
    let given = given.map(|f| match f {
        Format::Csv => reestr_import::Format::Csv,
        Format::Jsonl => reestr_import::Format::Jsonl,
    });
    if let Some(f) = given {
        return Ok(f);
    }
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("csv") => Ok(reestr_import::Format::Csv),
        Some("jsonl" | "ndjson") => Ok(reestr_import::Format::Jsonl),
        _ => bail!("cannot tell the format of {} from its name; give --format csv or --format jsonl", path.display()),
    }
}

pub fn run(reg: &Register, args: &ImportArgs, op: &Principal, now: Timestamp) -> anyhow::Result<ExitCode> {
    let path = &args.file;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let format = format_of(path, args.format)?;
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let provenance = Arc::new(Provenance {
        source: args.source.clone().unwrap_or_else(|| format!("import:{name}")),
        as_of: args.as_of.unwrap_or_else(|| today(now)),
    });
    let mut validator = Validator::new(provenance, reg.codec().clone(), reg.directory());
    let rejects_path = rejects_path(path);
    if rejects_path.exists() {
        std::fs::remove_file(&rejects_path)
            .with_context(|| format!("removing the stale {}", rejects_path.display()))?;
    }
    let mut report = Report::new(path, rejects_path, size);
    let per_transaction = args.batch.max(1);
    // The reading thread hands over rows in small batches, so memory stays small whatever the
    // size of a transaction.
    let batch_size = per_transaction.min(5_000);
    let reader = BufReader::with_capacity(1 << 20, file);

    std::thread::scope(|scope| -> anyhow::Result<()> {
        let (tx, rx) = mpsc::sync_channel::<Result<Batch, ReadError>>(1);
        let display = path.display().to_string();
        let reading = std::thread::Builder::new().name("import-read".into());
        reading.spawn_scoped(scope, move || {
            let send = |b| tx.send(Ok(b)).is_ok();
            if let Err(e) = reestr_import::read(format, reader, &display, batch_size, &mut validator, &send) {
                let _ = tx.send(Err(e));
            }
        })?;
        let batches = rx.into_iter().map(|b| b.map(|b| (b.info, b.rows)).map_err(anyhow::Error::from));
        reg.import_chunks(op, batches, per_transaction, now, |done| {
            for (info, outcomes) in done {
                report.add(info, outcomes).map_err(|e| reestr_store::StoreError::Backend(format!("{e:#}")))?;
            }
            Ok(())
        })
    })?;
    report.finish()
}

fn rejects_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".rejects.csv");
    PathBuf::from(name)
}

/// Counts, the progress bar, and the rejects on stderr and in the rejects file.
struct Report {
    display: String,
    rejects_path: PathBuf,
    rejects_file: Option<csv::Writer<File>>,
    progress: ProgressBar,
    created: u64,
    updated: u64,
    unchanged: u64,
    rejected: u64,
}

impl Report {
    fn new(path: &Path, rejects_path: PathBuf, size: u64) -> Report {
        let progress = ProgressBar::new(size);
        progress.set_style(
            ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Report {
            display: path.display().to_string(),
            rejects_path,
            rejects_file: None,
            progress,
            created: 0,
            updated: 0,
            unchanged: 0,
            rejected: 0,
        }
    }

    fn add(&mut self, batch: BatchInfo, outcomes: Vec<RowOutcome>) -> anyhow::Result<()> {
        let mut rejects = batch.rejects;
        self.rejected += batch.rejected_rows;
        for (line, outcome) in batch.lines.iter().zip(outcomes) {
            match outcome {
                RowOutcome::Created(_) => self.created += 1,
                RowOutcome::Updated(_) => self.updated += 1,
                RowOutcome::Unchanged(_) => self.unchanged += 1,
                RowOutcome::Rejected(problems) => {
                    self.rejected += 1;
                    rejects.extend(Reject::from_problems(*line, problems));
                }
            }
        }
        rejects.sort_by_key(|r| r.line);
        if !rejects.is_empty() {
            let file = match &mut self.rejects_file {
                Some(f) => f,
                None => {
                    let mut w = csv::Writer::from_path(&self.rejects_path)
                        .with_context(|| format!("creating {}", self.rejects_path.display()))?;
                    w.write_record(["line", "field", "code", "message"])?;
                    self.rejects_file.insert(w)
                }
            };
            for r in &rejects {
                file.write_record([r.line.to_string().as_str(), &r.field, &r.code, &r.message])?;
            }
            file.flush()?;
            self.progress.suspend(|| {
                for r in &rejects {
                    eprintln!("{}:{}: {}: {} ({})", self.display, r.line, r.field, r.message, r.code);
                }
            });
        }
        self.progress.set_position(batch.position);
        self.progress.set_message(format!("{} rows", self.created + self.updated + self.unchanged + self.rejected));
        Ok(())
    }

    fn finish(self) -> anyhow::Result<ExitCode> {
        self.progress.finish_and_clear();
        println!("imported {}, updated {}, rejected {}", self.created, self.updated, self.rejected);
        if self.unchanged > 0 {
            println!("unchanged {} (already in the register as given)", self.unchanged);
        }
        if self.rejected > 0 {
            eprintln!("the rejected rows are listed in {}", self.rejects_path.display());
            return Ok(ExitCode::from(EXIT_REJECTED));
        }
        Ok(ExitCode::SUCCESS)
    }
}
