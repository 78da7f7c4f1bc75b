//! The register's use cases for extracts: make one for a person (recorded in the log), and look
//! one up by its number (for the public page).

use std::sync::Arc;

use base64::{Engine, prelude::BASE64_STANDARD};
use jiff::Timestamp;
use reestr_core::{
    event::{Actor, EventKind},
    person::PersonId,
    region::Directory,
};
use reestr_ledger::{
    Ledger,
    keys::{KeyRing, Verifiers},
};
use reestr_store::{Codec, NewEvent, Salt, Store, StoreError, StoredExtract, time::truncate};
use serde_json::json;

use crate::{
    DocsError, Result,
    content::{Header, Kind, record_extract, summonses_extract},
    document::{Bundle, Document, digest, signed_text},
    verify::{Verified, VerifyError, verify_document},
};

/// Extracts over a store and its ledger.
#[derive(Debug, Clone)]
pub struct Extracts {
    store: Arc<dyn Store>,
    codec: Codec,
    ledger: Ledger,
    dir: &'static Directory,
    verify_base: String,
}

/// What the public page says about a number.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    /// The register issued it, and its document verifies.
    Genuine { document: Box<Document>, verified: Box<Verified> },
    /// The register's stored copy no longer verifies (the database was altered).
    Altered { reason: String },
    /// No extract has this number.
    Unknown,
}

/// Crockford's base32 alphabet: no I, L, O or U to misread.
const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A new extract number: kind letter, date, and ten random characters (50 bits), e.g.
/// `R-20250607-7KQ2M9XDA3`; unguessable, so that the public page cannot be walked.
fn new_number(kind: Kind, now: Timestamp) -> Result<String> {
    let mut bytes = [0u8; 10];
    getrandom::fill(&mut bytes).map_err(|e| DocsError::Render(e.to_string()))?;
    let tail: String = bytes.iter().map(|b| ALPHABET[usize::from(b % 32)] as char).collect();
    Ok(format!("{}-{}-{tail}", kind.letter(), now.strftime("%Y%m%d")))
}

impl Extracts {
    /// `verify_base` is the public address the QR codes lead to, e.g. `https://reestr.example`.
    pub fn new(store: Arc<dyn Store>, codec: Codec, verify_base: &str) -> Extracts {
        Extracts {
            codec,
            ledger: Ledger::new(store.clone()),
            store,
            dir: Directory::builtin(),
            verify_base: verify_base.trim_end_matches('/').to_owned(),
        }
    }

    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// Makes an extract of `kind` for `person` as of now: reads the record and the summonses,
    /// signs the content, and records the issuance in the log, all in one transaction; then
    /// proves the issuance under a checkpoint (signing one if none covers it yet).
    pub fn make(
        &self,
        person: PersonId,
        kind: Kind,
        keys: &KeyRing,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Document> {
        let now = truncate(now);
        let number = new_number(kind, now)?;
        let mut made: Option<(Document, u64)> = None;
        let mut failure: Option<DocsError> = None;
        let r = self.store.write(&mut |tx| {
            let step = (|| -> Result<(Document, u64)> {
                let stored = tx
                    .person(person)?
                    .ok_or_else(|| StoreError::NotFound { what: "person", key: person.to_string() })?;
                let p =
                    reestr_core::person::Person { id: stored.id, record: self.codec.decode_record(&stored.record)? };
                let summonses = tx
                    .summonses_of(person)?
                    .iter()
                    .map(|s| self.codec.decode_summons(&s.state))
                    .collect::<Result<Vec<_>, _>>()?;
                let as_of_event = tx.last_seq()?;
                let as_of = tx.events(as_of_event.saturating_sub(1), 1)?.first().map_or(now, |e| e.recorded_at);
                let header = Header {
                    number: number.clone(),
                    register: keys.signing.name().to_owned(),
                    made_at: now,
                    as_of,
                    as_of_event,
                    verify_base: self.verify_base.clone(),
                };
                let content = match kind {
                    Kind::Summonses => summonses_extract(&header, &p, &summonses, self.dir),
                    Kind::Record => record_extract(&header, &p, &summonses, self.dir),
                }
                .ok_or(DocsError::Incomplete("a field the extract shows"))?;
                let value = serde_json::to_value(&content)?;
                let text = signed_text(&value);
                let note = keys.signing.sign_note(&text)?;
                let signature = note.get(text.len() + 1..).unwrap_or_default().to_owned();
                let payload = json!({ "number": number, "kind": kind, "sha256": digest(&value) }).to_string();
                let event = NewEvent {
                    kind: EventKind::ExtractIssued,
                    actor,
                    effective_at: now,
                    person: Some(person),
                    summons: None,
                    payload: &payload,
                    salt: Salt::random(),
                };
                let seq = tx.append(&event, now)?;
                let document = Document { extract: value, signature, proof: None };
                tx.insert_extract(&StoredExtract {
                    number: number.clone(),
                    person,
                    kind: kind.as_str().into(),
                    made_at: now,
                    event_seq: seq,
                    document: self.codec.seal("extract", serde_json::to_string(&document)?.as_bytes())?,
                })?;
                Ok((document, seq))
            })();
            match step {
                Ok(v) => {
                    made = Some(v);
                    Ok(())
                }
                Err(DocsError::Store(e)) => Err(e),
                Err(e) => {
                    failure = Some(e);
                    Err(StoreError::Backend("rolled back".into()))
                }
            }
        });
        if let Some(e) = failure {
            return Err(e);
        }
        r?;
        let (mut document, seq) = made.ok_or_else(|| StoreError::Backend("the transaction did not run".into()))?;
        document.proof = Some(self.bundle(seq, keys, now)?);
        Ok(document)
    }

    /// The proof of event `seq` under a checkpoint covering it.
    fn bundle(&self, seq: u64, keys: &KeyRing, now: Timestamp) -> Result<Bundle> {
        let checkpoint = self.ledger.covering(keys, seq, now)?;
        let proof = self.ledger.prove(seq, &checkpoint)?;
        let leaf = self.ledger.leaf(seq)?;
        let event = leaf.event.map_err(|e| StoreError::Corrupt(format!("event {seq}: {e}")))?;
        let salt = BASE64_STANDARD.encode(leaf.salt.unwrap_or_default());
        Ok(Bundle { proof, event, salt })
    }

    /// The stored extract with a fresh proof (against the latest checkpoint), and whose it is, if
    /// the number is known: for downloading again.
    pub fn document(&self, number: &str, keys: &KeyRing, now: Timestamp) -> Result<Option<(PersonId, Document)>> {
        let mut stored = None;
        self.store.read(&mut |tx| {
            stored = tx.extract(number)?;
            Ok(())
        })?;
        let Some(stored) = stored else { return Ok(None) };
        let mut document: Document = serde_json::from_slice(&self.codec.open("extract", &stored.document)?)?;
        document.proof = Some(self.bundle(stored.event_seq, keys, now)?);
        Ok(Some((stored.person, document)))
    }

    /// What the public page `/verify/{number}` says: genuine (with the document, which shows no
    /// more than the extract itself), altered, or unknown. Signs no checkpoint: the proof is
    /// against the latest one, and an extract not yet covered by one is reported as altered only
    /// if its signature fails.
    pub fn lookup(&self, number: &str, verifiers: &Verifiers) -> Result<Lookup> {
        let mut stored = None;
        self.store.read(&mut |tx| {
            stored = tx.extract(number)?;
            Ok(())
        })?;
        let Some(stored) = stored else { return Ok(Lookup::Unknown) };
        let opened = self.codec.open("extract", &stored.document).ok();
        let Some(mut document) = opened.and_then(|b| serde_json::from_slice::<Document>(&b).ok()) else {
            return Ok(Lookup::Altered { reason: "the stored copy cannot be read".into() });
        };
        let Some(checkpoint) = self.ledger.latest()?.filter(|c| c.size >= stored.event_seq) else {
            return Ok(Lookup::Altered { reason: "the issuance is not covered by a signed checkpoint".into() });
        };
        let leaf = self.ledger.leaf(stored.event_seq)?;
        let (Ok(event), Some(salt)) = (leaf.event, leaf.salt) else {
            return Ok(Lookup::Altered { reason: "the log's record of the issuance cannot be read".into() });
        };
        document.proof = Some(Bundle {
            proof: self.ledger.prove(stored.event_seq, &checkpoint)?,
            event,
            salt: BASE64_STANDARD.encode(salt),
        });
        Ok(match verify_document(&document, verifiers) {
            Ok(v) if v.extract.number == number => {
                Lookup::Genuine { document: Box::new(document), verified: Box::new(v) }
            }
            Ok(_) => Lookup::Altered { reason: "the stored copy has another number".into() },
            Err(
                VerifyError::Signature(r) | VerifyError::Proof(r) | VerifyError::Malformed(r) | VerifyError::Altered(r),
            ) => Lookup::Altered { reason: r },
        })
    }

    /// Checks a presented file against the register: genuine only if it verifies and the
    /// register issued that number.
    pub fn check_file(&self, bytes: &[u8], verifiers: &Verifiers) -> Result<Result<Verified, VerifyError>> {
        let verified = match crate::verify::verify_file(bytes, verifiers) {
            Ok(v) => v,
            Err(e) => return Ok(Err(e)),
        };
        Ok(match self.lookup(&verified.extract.number, verifiers)? {
            Lookup::Genuine { .. } => Ok(verified),
            Lookup::Unknown => Err(VerifyError::Proof("the register has no extract with this number".into())),
            Lookup::Altered { reason } => Err(VerifyError::Altered(reason)),
        })
    }
}
