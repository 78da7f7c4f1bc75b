//! Benchmarks of the tamper-evident log and the extracts, printed as Markdown for
//! docs/BENCHMARKS.md: log append cost per event up to a million events, hashing the tree,
//! signing checkpoints, inclusion proofs per second, extracts signed per second.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use clap::Parser;
use jiff::Timestamp;
use reestr_core::{
    access::Principal,
    event::{Actor, EventKind},
    person::{PersonId, Provenance, Record},
    region::{Directory, PILOT_REGIONS},
};
use reestr_docs::{Extracts, content::Kind, document::signed_text};
use reestr_ledger::{
    Ledger,
    keys::{KeyRing, SigningKeyPair, Verifiers},
};
use reestr_sqlite::SqliteStore;
use reestr_store::{Codec, ImportRow, Keyring, NewEvent, Register, Salt, Store};
use reestr_synth::{COLUMNS, Population};

#[derive(Debug, Parser)]
struct Args {
    /// Events to append to the log.
    #[arg(long, default_value_t = 1_000_000)]
    events: u64,
    /// Events per transaction.
    #[arg(long, default_value_t = 10_000)]
    batch: u64,
    /// Inclusion proofs to compute.
    #[arg(long, default_value_t = 20_000)]
    proofs: u64,
    /// Extracts to make.
    #[arg(long, default_value_t = 300)]
    extracts: u64,
}

fn per_sec(n: u64, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

fn us(d: Duration, n: u64) -> f64 {
    d.as_secs_f64() * 1e6 / n as f64
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path().join("reestr.db"))?);
    let actor = Actor::clock();
    let at: Timestamp = "2025-06-01T00:00:00Z".parse()?;
    let payload = r#"{"change":"served","at":"2025-06-01T00:00:00Z","how":"deemed"}"#;
    let number = "62-2025-0000001".parse()?;

    // 1. Appending events, in transactions of `batch`, each with its salt.
    let mut first = Duration::ZERO;
    let mut last = Duration::ZERO;
    let started = Instant::now();
    let batches = args.events / args.batch;
    for b in 0..batches {
        let t = Instant::now();
        store.write(&mut |tx| {
            for _ in 0..args.batch {
                let e = NewEvent {
                    kind: EventKind::SummonsServed,
                    actor: &actor,
                    effective_at: at,
                    person: Some(PersonId(1)),
                    summons: Some(&number),
                    payload,
                    salt: Salt::random(),
                };
                tx.append(&e, at)?;
            }
            Ok(())
        })?;
        let d = t.elapsed();
        if b == 0 {
            first = d;
        }
        last = d;
    }
    let append = started.elapsed();
    let n = batches * args.batch;

    // 2. Hashing them into the tree, and signing a checkpoint.
    let ledger = Ledger::new(store.clone());
    let keys = KeyRing::new(SigningKeyPair::from_seed("reestr.bench/log", &[7; 32])?, Verifiers::default())?;
    let t = Instant::now();
    let size = ledger.sync_tree()?;
    let sync = t.elapsed();
    let t = Instant::now();
    let cp = ledger.checkpoint(&keys, at)?;
    let sign = t.elapsed();
    // One more batch: the cost of extending a tree of a million by one batch and re-signing.
    store.write(&mut |tx| {
        for _ in 0..args.batch {
            let e = NewEvent {
                kind: EventKind::SummonsServed,
                actor: &actor,
                effective_at: at,
                person: Some(PersonId(1)),
                summons: Some(&number),
                payload,
                salt: Salt::random(),
            };
            tx.append(&e, at)?;
        }
        Ok(())
    })?;
    let t = Instant::now();
    let cp2 = ledger.checkpoint(&keys, at)?;
    let extend = t.elapsed();

    // 3. Inclusion proofs against the latest checkpoint.
    let t = Instant::now();
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    for _ in 0..args.proofs {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        ledger.inclusion_proof(x % cp2.size, cp2.size)?;
    }
    let proofs = t.elapsed();

    // 4. Extracts: signing the content alone, and the whole use case (read, sign, record the
    //    issuance in the log, hash it in, sign a checkpoint, prove it).
    let codec = Codec::new(Arc::new(Keyring::generate()));
    let reg = Register::new(store.clone(), codec.clone());
    let mut population = Population::new(1, &PILOT_REGIONS, jiff::civil::date(2025, 1, 1));
    let provenance = Arc::new(Provenance { source: "bench".into(), as_of: jiff::civil::date(2025, 1, 1) });
    let mut rows = Vec::new();
    for i in 0..100u64 {
        let texts = population.next_row();
        let pairs = COLUMNS.iter().zip(&texts).filter(|(_, t)| !t.is_empty()).map(|(f, t)| (*f, t.as_str()));
        let record = Record::from_texts(pairs, &provenance, Directory::builtin())
            .map_err(|p| anyhow::anyhow!("a synthetic person is invalid: {p:?}"))?;
        rows.push(ImportRow::new(i + 2, &record, &codec)?);
    }
    reg.import(&Principal::operator("bench"), rows, at)?;
    let extracts = Extracts::new(store.clone(), codec, "https://reestr.example");
    let sample = extracts.make(PersonId(1), Kind::Record, &keys, &actor, at)?;
    let text = signed_text(&sample.extract);
    let t = Instant::now();
    for _ in 0..args.extracts * 10 {
        keys.signing.sign_note(&text)?;
    }
    let signing = t.elapsed();
    let t = Instant::now();
    for i in 0..args.extracts {
        let kind = if i % 2 == 0 { Kind::Record } else { Kind::Summonses };
        extracts.make(PersonId((i % 100) as i64 + 1), kind, &keys, &actor, at)?;
    }
    let making = t.elapsed();

    println!("## The tamper-evident log and extracts\n");
    println!("| what | figure |");
    println!("|---|---:|");
    println!("| events appended (with salt, {} per transaction) | {n} in {:.2} s |", args.batch, append.as_secs_f64());
    println!("| append cost per event, first {} | {:.1} µs |", args.batch, us(first, args.batch));
    println!("| append cost per event, last {} (log at {n}) | {:.1} µs |", args.batch, us(last, args.batch));
    println!("| hashing {size} events into the tree | {:.2} s ({:.1} µs/event) |", sync.as_secs_f64(), us(sync, size));
    println!("| signing the checkpoint of {} | {:.1} ms |", cp.size, sign.as_secs_f64() * 1e3);
    println!(
        "| {} more events: extend the tree and sign | {:.1} ms ({:.1} µs/event) |",
        args.batch,
        extend.as_secs_f64() * 1e3,
        us(extend, args.batch)
    );
    println!("| inclusion proofs in a tree of {} | {:.0} /s |", cp2.size, per_sec(args.proofs, proofs));
    println!("| extract content signed (Ed25519 signed note) | {:.0} /s |", per_sec(args.extracts * 10, signing));
    println!(
        "| extracts made end to end (read, sign, log, checkpoint, proof) | {:.0} /s |",
        per_sec(args.extracts, making)
    );
    Ok(())
}
