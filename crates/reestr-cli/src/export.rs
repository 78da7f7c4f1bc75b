//! `reestr export persons`: every person in the format `import persons` reads.

use std::{
    fs::File,
    io::{BufWriter, Write},
    path::PathBuf,
};

use anyhow::Context;
use clap::Args;
use reestr_core::{access::Principal, person::Field};
use reestr_store::{Register, StoreError};

use crate::Format;

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[arg(long, value_enum, default_value = "csv")]
    format: Format,
    /// Write to this file instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn run(reg: &Register, args: &ExportArgs, op: &Principal) -> anyhow::Result<()> {
    let out: Box<dyn Write> = match &args.out {
        Some(p) => Box::new(File::create(p).with_context(|| format!("creating {}", p.display()))?),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = BufWriter::with_capacity(1 << 20, out);
    let io = |e: std::io::Error| StoreError::Backend(format!("writing: {e}"));
    match args.format {
        Format::Csv => {
            let mut w = csv::Writer::from_writer(&mut out);
            w.write_record(Field::ALL.iter().map(|f| f.name()))?;
            reg.for_each_person(op, |p| {
                let row = Field::ALL.iter().map(|f| p.record.text(*f).unwrap_or_default());
                w.write_record(row).map_err(|e| StoreError::Backend(format!("writing: {e}")))
            })?;
            w.flush()?;
        }
        Format::Jsonl => reg.for_each_person(op, |p| {
            let object: serde_json::Map<String, serde_json::Value> =
                p.record.entries().map(|(f, e)| (f.name().to_owned(), e.value.to_string().into())).collect();
            serde_json::to_writer(&mut out, &object)?;
            out.write_all(b"\n").map_err(io)
        })?,
    }
    out.flush()?;
    Ok(())
}
