//! `reestr import persons`: CSV or JSON Lines into the register, every bad row reported.
//!
//! One thread reads and validates rows while the other writes batches, each batch in one
//! transaction. A row that is already in the register as given changes nothing, so rerunning an
//! interrupted import resumes it.

use std::{
    collections::HashMap,
    fs::File,
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::ExitCode,
    sync::{Arc, mpsc},
};

use anyhow::{Context, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use jiff::{Timestamp, civil::Date};
use reestr_core::{
    access::Principal,
    person::{Field, Problem, Provenance, Record},
    region::Directory,
};
use reestr_store::{Codec, ImportRow, Lookup, Register, RowOutcome};

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

/// A rejected row's problem, as reported.
#[derive(Debug)]
struct Reject {
    line: u64,
    field: String,
    code: String,
    message: String,
}

impl Reject {
    fn row(line: u64, code: &str, message: String) -> Reject {
        Reject { line, field: "-".into(), code: code.into(), message }
    }

    fn from_problems(line: u64, problems: Vec<Problem>) -> Vec<Reject> {
        problems
            .into_iter()
            .map(|p| Reject { line, field: p.field.name().into(), code: p.code.into(), message: p.message })
            .collect()
    }
}

/// Validated rows and rejects, in file order, and how far into the file they reach.
#[derive(Default)]
struct Batch {
    rows: Vec<ImportRow>,
    info: BatchInfo,
}

/// What the report needs of a batch once its rows are stored.
#[derive(Default)]
struct BatchInfo {
    /// The line of each row, in order.
    lines: Vec<u64>,
    rejects: Vec<Reject>,
    rejected_rows: u64,
    position: u64,
}

impl Batch {
    fn reject(&mut self, rejects: impl IntoIterator<Item = Reject>) {
        self.info.rejects.extend(rejects);
        self.info.rejected_rows += 1;
    }

    fn len(&self) -> usize {
        self.rows.len() + self.info.rejected_rows as usize
    }
}

/// Checks each row and rejects repeats of an identifier within the file.
struct Validator {
    provenance: Arc<Provenance>,
    codec: Codec,
    dir: &'static Directory,
    /// The line where each identifier was first seen.
    seen: HashMap<Lookup, u64>,
}

impl Validator {
    fn check<'a>(&mut self, line: u64, texts: impl IntoIterator<Item = (Field, &'a str)>, batch: &mut Batch) {
        let rejects = match Record::from_texts(texts, &self.provenance, self.dir) {
            Ok(record) => match self.repeated(line, &record) {
                None => match ImportRow::new(line, &record, &self.codec) {
                    Ok(row) => {
                        batch.rows.push(row);
                        batch.info.lines.push(line);
                        return;
                    }
                    Err(e) => vec![Reject::row(line, "unstorable", e.to_string())],
                },
                Some(r) => vec![r],
            },
            Err(problems) => Reject::from_problems(line, problems),
        };
        batch.reject(rejects);
    }

    fn repeated(&mut self, line: u64, r: &Record) -> Option<Reject> {
        let keys = [
            (Field::Snils, r.snils().map(|s| self.codec.snils(s))),
            (Field::PassportNumber, r.passport().as_ref().map(|p| self.codec.passport(p))),
            (Field::Inn, r.inn().map(|i| self.codec.inn(i))),
        ];
        for (field, key) in keys {
            if let Some(first) = key.and_then(|k| self.seen.get(&k)) {
                return Some(Reject {
                    line,
                    field: field.name().into(),
                    code: "duplicate_in_file".into(),
                    message: format!("the same {} as line {first}", field.name()),
                });
            }
        }
        for key in keys.into_iter().filter_map(|(_, k)| k) {
            self.seen.insert(key, line);
        }
        None
    }
}

fn format_of(path: &Path, given: Option<Format>) -> anyhow::Result<Format> {
    if let Some(f) = given {
        return Ok(f);
    }
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("csv") => Ok(Format::Csv),
        Some("jsonl" | "ndjson") => Ok(Format::Jsonl),
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
    let mut validator =
        Validator { provenance, codec: reg.codec().clone(), dir: reg.directory(), seen: HashMap::new() };
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
        let (tx, rx) = mpsc::sync_channel::<anyhow::Result<Batch>>(1);
        let display = path.display().to_string();
        let reading = std::thread::Builder::new().name("import-read".into());
        reading.spawn_scoped(scope, move || {
            let send = |b| tx.send(b).is_ok();
            let result = match format {
                Format::Csv => read_csv(reader, &display, batch_size, &mut validator, &send),
                Format::Jsonl => read_jsonl(reader, batch_size, &mut validator, &send),
            };
            if let Err(e) = result {
                let _ = tx.send(Err(e));
            }
        })?;
        let batches = rx.into_iter().map(|b| b.map(|b| (b.info, b.rows)));
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

type Send<'a> = dyn Fn(anyhow::Result<Batch>) -> bool + 'a;

fn read_csv(
    reader: impl std::io::Read,
    display: &str,
    batch_size: usize,
    v: &mut Validator,
    send: &Send<'_>,
) -> anyhow::Result<()> {
    // Lines end at '\n' only: the csv crate's CRLF handling reports each record one line early.
    // A '\r' before it stays on the last value, and every value is trimmed.
    let mut rdr = csv::ReaderBuilder::new().flexible(true).terminator(csv::Terminator::Any(b'\n')).from_reader(reader);
    let header = rdr.byte_headers().with_context(|| format!("{display}:1: reading the header"))?.clone();
    if header.is_empty() || (header.len() == 1 && header[0].is_empty()) {
        bail!("{display} is empty: a CSV file starts with a header row naming its columns");
    }
    let columns = columns(display, &header)?;
    let mut batch = Batch::default();
    let mut record = csv::ByteRecord::new();
    while rdr.read_byte_record(&mut record).with_context(|| format!("{display}: reading"))? {
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != columns.len() {
            let msg = format!("expected {} fields as in the header, found {}", columns.len(), record.len());
            batch.reject([Reject::row(line, "field_count", msg)]);
        } else {
            let bad: Vec<Reject> = columns
                .iter()
                .zip(record.iter())
                .filter(|(_, b)| std::str::from_utf8(b).is_err())
                .map(|(f, _)| Reject {
                    line,
                    field: f.name().into(),
                    code: "not_utf8".into(),
                    message: "not valid UTF-8 text".into(),
                })
                .collect();
            if bad.is_empty() {
                let texts = columns.iter().zip(record.iter()).map(|(f, b)| (*f, std::str::from_utf8(b).unwrap_or("")));
                v.check(line, texts, &mut batch);
            } else {
                batch.reject(bad);
            }
        }
        if batch.len() >= batch_size {
            batch.info.position = rdr.position().byte();
            if !send(Ok(std::mem::take(&mut batch))) {
                return Ok(());
            }
        }
    }
    batch.info.position = rdr.position().byte();
    send(Ok(batch));
    Ok(())
}

/// Maps the header's names to fields: an unknown, repeated or missing required column is an
/// error for the whole file, before anything is imported.
fn columns(display: &str, header: &csv::ByteRecord) -> anyhow::Result<Vec<Field>> {
    let mut fields = Vec::with_capacity(header.len());
    for (i, raw) in header.iter().enumerate() {
        let name = String::from_utf8_lossy(raw).trim().to_owned();
        let Some(field) = Field::from_name(&name) else {
            bail!(
                "{display}:1: column {} is {name:?}, which is not a field of the record \
                 (the columns are the field names in snake_case, e.g. surname, snils; see the README)",
                i + 1
            );
        };
        if fields.contains(&field) {
            bail!("{display}:1: column {name:?} appears twice");
        }
        fields.push(field);
    }
    if let Some(missing) = Field::ALL.iter().find(|f| f.is_required() && !fields.contains(f)) {
        bail!("{display}:1: the required column {missing} is missing");
    }
    Ok(fields)
}

fn read_jsonl(reader: impl BufRead, batch_size: usize, v: &mut Validator, send: &Send<'_>) -> anyhow::Result<()> {
    let mut batch = Batch::default();
    let mut position = 0u64;
    let mut buf = Vec::new();
    let mut reader = reader;
    let mut line = 0u64;
    loop {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf)?;
        if n == 0 {
            break;
        }
        line += 1;
        position += n as u64;
        let mut text: &[u8] = &buf;
        if line == 1 {
            text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
        }
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match json_texts(line, text) {
            Ok(texts) => v.check(line, texts.iter().map(|(f, s)| (*f, s.as_str())), &mut batch),
            Err(rejects) => batch.reject(rejects),
        }
        if batch.len() >= batch_size {
            batch.info.position = position;
            if !send(Ok(std::mem::take(&mut batch))) {
                return Ok(());
            }
        }
    }
    batch.info.position = position;
    send(Ok(batch));
    Ok(())
}

/// One JSON object per line: field names as keys, values as strings (numbers are taken as
/// written; null means absent).
fn json_texts(line: u64, text: &[u8]) -> Result<Vec<(Field, String)>, Vec<Reject>> {
    let object: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(text)
        .map_err(|e| vec![Reject::row(line, "not_json", format!("not a JSON object: {e}"))])?;
    let mut texts = Vec::with_capacity(object.len());
    let mut rejects = Vec::new();
    for (key, value) in object {
        let Some(field) = Field::from_name(&key) else {
            rejects.push(Reject {
                line,
                field: key,
                code: "unknown_field".into(),
                message: "not a field of the record".into(),
            });
            continue;
        };
        match value {
            serde_json::Value::String(s) => texts.push((field, s)),
            serde_json::Value::Number(n) => texts.push((field, n.to_string())),
            serde_json::Value::Null => {}
            _ => rejects.push(Reject {
                line,
                field: key,
                code: "not_text".into(),
                message: "expected a string or a number".into(),
            }),
        }
    }
    if rejects.is_empty() { Ok(texts) } else { Err(rejects) }
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
