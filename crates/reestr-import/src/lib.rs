//! Reading persons from files: CSV with a header row, or JSON Lines; every row checked, every
//! rejected row reported with its line, field and reason, none dropped.
//!
//! The reader hands over small batches of checked rows ([`ImportRow`], sealed and ready to store)
//! and rejects, in file order, so one thread can read while another writes. It never panics on
//! any input (it is fuzzed), and it never echoes a value: values may be personal data.

use std::{collections::HashMap, io::BufRead, sync::Arc};

use reestr_core::{
    person::{Field, Problem, Provenance, Record},
    region::Directory,
};
use reestr_store::{Codec, ImportRow, Lookup};

/// A file's formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Jsonl,
}

/// Why a whole file cannot be read (rows with problems are rejects, not errors).
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The header is unusable: nothing is imported.
    #[error("{0}")]
    Header(String),
    #[error("{file}: reading: {source}")]
    Io { file: String, source: std::io::Error },
    #[error("{file}: {message}")]
    Csv { file: String, message: String },
}

/// A rejected row's problem, as reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    pub line: u64,
    /// The field, or `-` for the whole row.
    pub field: String,
    pub code: String,
    pub message: String,
}

impl Reject {
    pub fn row(line: u64, code: &str, message: String) -> Reject {
        Reject { line, field: "-".into(), code: code.into(), message }
    }

    pub fn from_problems(line: u64, problems: Vec<Problem>) -> Vec<Reject> {
        problems
            .into_iter()
            .map(|p| Reject { line, field: p.field.name().into(), code: p.code.into(), message: p.message })
            .collect()
    }
}

/// Validated rows and rejects, in file order, and how far into the file they reach.
#[derive(Debug, Default)]
pub struct Batch {
    pub rows: Vec<ImportRow>,
    pub info: BatchInfo,
}

/// What the report needs of a batch once its rows are stored.
#[derive(Debug, Default)]
pub struct BatchInfo {
    /// The line of each row, in order.
    pub lines: Vec<u64>,
    pub rejects: Vec<Reject>,
    pub rejected_rows: u64,
    /// How far into the file (bytes) the batch reaches.
    pub position: u64,
}

impl Batch {
    fn reject(&mut self, rejects: impl IntoIterator<Item = Reject>) {
        self.info.rejects.extend(rejects);
        self.info.rejected_rows += 1;
    }

    /// Rows in the batch, taken and rejected.
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.rows.len() + self.info.rejected_rows as usize
    }
}

/// Checks each row and rejects repeats of an identifier within the file.
#[derive(Debug)]
pub struct Validator {
    provenance: Arc<Provenance>,
    codec: Codec,
    dir: &'static Directory,
    /// The line where each identifier was first seen.
    seen: HashMap<Lookup, u64>,
}

impl Validator {
    pub fn new(provenance: Arc<Provenance>, codec: Codec, dir: &'static Directory) -> Validator {
        Validator { provenance, codec, dir, seen: HashMap::new() }
    }

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

/// Where batches go; `false` means stop reading.
pub type Send<'a> = dyn Fn(Batch) -> bool + 'a;

/// Reads a file of `format`, sending batches of about `batch_size` rows (checked rows and rejects).
/// `display` names the file in messages.
pub fn read(
    format: Format,
    reader: impl BufRead,
    display: &str,
    batch_size: usize,
    v: &mut Validator,
    send: &Send<'_>,
) -> Result<(), ReadError> {
    match format {
        Format::Csv => read_csv(reader, display, batch_size.max(1), v, send),
        Format::Jsonl => read_jsonl(reader, display, batch_size.max(1), v, send),
    }
}

fn read_csv(
    reader: impl std::io::Read,
    display: &str,
    batch_size: usize,
    v: &mut Validator,
    send: &Send<'_>,
) -> Result<(), ReadError> {
    // Lines end at '\n' only: the csv crate's CRLF handling reports each record one line early.
    // A '\r' before it stays on the last value, and every value is trimmed.
    let mut rdr = csv::ReaderBuilder::new().flexible(true).terminator(csv::Terminator::Any(b'\n')).from_reader(reader);
    let csv_error = |e: csv::Error| ReadError::Csv { file: display.to_owned(), message: e.to_string() };
    let header = rdr.byte_headers().map_err(csv_error)?.clone();
    if header.is_empty() || (header.len() == 1 && header[0].is_empty()) {
        return Err(ReadError::Header(format!(
            "{display} is empty: a CSV file starts with a header row naming its columns"
        )));
    }
    let columns = columns(display, &header)?;
    let mut batch = Batch::default();
    let mut record = csv::ByteRecord::new();
    while rdr.read_byte_record(&mut record).map_err(csv_error)? {
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
            if !send(std::mem::take(&mut batch)) {
                return Ok(());
            }
        }
    }
    batch.info.position = rdr.position().byte();
    send(batch);
    Ok(())
}

/// Maps the header's names to fields: an unknown, repeated or missing required column is an
/// error for the whole file, before anything is imported.
fn columns(display: &str, header: &csv::ByteRecord) -> Result<Vec<Field>, ReadError> {
    let mut fields = Vec::with_capacity(header.len());
    for (i, raw) in header.iter().enumerate() {
        let name = String::from_utf8_lossy(raw).trim().to_owned();
        let Some(field) = Field::from_name(&name) else {
            return Err(ReadError::Header(format!(
                "{display}:1: column {} is {name:?}, which is not a field of the record \
                 (the columns are the field names in snake_case, e.g. surname, snils; see the README)",
                i + 1
            )));
        };
        if fields.contains(&field) {
            return Err(ReadError::Header(format!("{display}:1: column {name:?} appears twice")));
        }
        fields.push(field);
    }
    if let Some(missing) = Field::ALL.iter().find(|f| f.is_required() && !fields.contains(f)) {
        return Err(ReadError::Header(format!("{display}:1: the required column {missing} is missing")));
    }
    Ok(fields)
}

fn read_jsonl(
    reader: impl BufRead,
    display: &str,
    batch_size: usize,
    v: &mut Validator,
    send: &Send<'_>,
) -> Result<(), ReadError> {
    let mut batch = Batch::default();
    let mut position = 0u64;
    let mut buf = Vec::new();
    let mut reader = reader;
    let mut line = 0u64;
    loop {
        buf.clear();
        let n =
            reader.read_until(b'\n', &mut buf).map_err(|source| ReadError::Io { file: display.to_owned(), source })?;
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
            if !send(std::mem::take(&mut batch)) {
                return Ok(());
            }
        }
    }
    batch.info.position = position;
    send(batch);
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
