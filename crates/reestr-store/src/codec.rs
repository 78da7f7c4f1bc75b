//! How personal data is written at rest: records, earlier values of fields and summonses, with
//! every sensitive value sealed under the keyring, and lookups by blind index.
//!
//! A record is a compact binary document (postcard): the sources once, the plain values, and the
//! sensitive values each sealed with its own AEAD operation (the field's name authenticated with
//! it) under a per-record random nonce base and the current data key.

use std::sync::Arc;

use reestr_core::{
    ids::{Inn, Passport, Snils},
    person::{Entry, Field, Provenance, Record},
    summons::Summons,
};
use serde::{Deserialize, Serialize};

use crate::{
    Result, StoreError,
    keyring::{Blind, Keyring},
};

/// How a person is found by an identifier: its blind index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lookup {
    Snils(Blind),
    Passport(Blind),
    Inn(Blind),
}

impl Lookup {
    pub fn key(&self) -> &Blind {
        match self {
            Lookup::Snils(k) | Lookup::Passport(k) | Lookup::Inn(k) => k,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct StoredRecord {
    /// (source, as-of date)
    sources: Vec<(String, String)>,
    /// (field index, source index, canonical text)
    plain: Vec<(u8, u8, String)>,
    sealed: Option<SealedFields>,
}

#[derive(Serialize, Deserialize)]
struct SealedFields {
    key: u32,
    nonce: [u8; 24],
    /// (field index, source index, ciphertext)
    fields: Vec<(u8, u8, Vec<u8>)>,
}

/// The nonce of one field: the record's random base with the field's index mixed into its last
/// byte, so no two fields of a record share a nonce.
fn field_nonce(base: &[u8; 24], field: u8) -> [u8; 24] {
    let mut n = *base;
    n[23] ^= field;
    n
}

/// Encodes, seals and looks up with one keyring.
#[derive(Debug, Clone)]
pub struct Codec {
    keys: Arc<Keyring>,
}

impl Codec {
    pub fn new(keys: Arc<Keyring>) -> Codec {
        Codec { keys }
    }

    pub fn keyring(&self) -> &Keyring {
        &self.keys
    }

    pub fn snils(&self, s: Snils) -> Lookup {
        Lookup::Snils(self.keys.blind("snils", &s.as_u64().to_le_bytes()))
    }

    pub fn passport(&self, p: &Passport) -> Lookup {
        Lookup::Passport(self.keys.blind("passport", p.key().as_bytes()))
    }

    pub fn inn(&self, i: &Inn) -> Lookup {
        Lookup::Inn(self.keys.blind("inn", i.as_str().as_bytes()))
    }

    /// The stored form of a record.
    pub fn encode_record(&self, r: &Record) -> Result<Vec<u8>> {
        let mut sources: Vec<&Arc<Provenance>> = Vec::new();
        let mut plain = Vec::new();
        let nonce = Keyring::nonce();
        let mut sealed = Vec::new();
        for (field, entry) in r.entries() {
            let source = match sources.iter().position(|p| Arc::ptr_eq(p, &entry.provenance) || **p == entry.provenance)
            {
                Some(i) => i,
                None => {
                    sources.push(&entry.provenance);
                    sources.len() - 1
                }
            } as u8;
            let index = field as u8;
            let text = entry.value.to_string();
            if field.is_sensitive() {
                let ct = self.keys.seal_with(&field_nonce(&nonce, index), field.name().as_bytes(), text.as_bytes())?;
                sealed.push((index, source, ct));
            } else {
                plain.push((index, source, text));
            }
        }
        let stored = StoredRecord {
            sources: sources.iter().map(|p| (p.source.clone(), p.as_of.to_string())).collect(),
            plain,
            sealed: (!sealed.is_empty()).then(|| SealedFields { key: self.keys.current(), nonce, fields: sealed }),
        };
        postcard::to_allocvec(&stored).map_err(|e| StoreError::Corrupt(format!("encoding a record: {e}")))
    }

    /// Reads a stored record back, opening its sealed values.
    pub fn decode_record(&self, bytes: &[u8]) -> Result<Record> {
        self.decode(bytes, true)
    }

    /// Reads only the plain (non-sensitive) values of a stored record, opening nothing: for
    /// selections over many persons that need no sensitive field.
    pub fn decode_plain(&self, bytes: &[u8]) -> Result<Record> {
        self.decode(bytes, false)
    }

    fn decode(&self, bytes: &[u8], open: bool) -> Result<Record> {
        let corrupt = |what: String| StoreError::Corrupt(format!("a stored record: {what}"));
        let stored: StoredRecord = postcard::from_bytes(bytes).map_err(|e| corrupt(e.to_string()))?;
        let sources = stored
            .sources
            .into_iter()
            .map(|(source, as_of)| {
                Ok(Arc::new(Provenance { source, as_of: as_of.parse().map_err(|_| corrupt("as_of".into()))? }))
            })
            .collect::<Result<Vec<_>>>()?;
        let mut record = Record::default();
        let mut put = |index: u8, source: u8, text: &str| -> Result<()> {
            let field = *Field::ALL.get(index as usize).ok_or_else(|| corrupt(format!("field {index}")))?;
            let value = field.parse(text).map_err(|p| corrupt(p.to_string()))?;
            let provenance = sources.get(source as usize).ok_or_else(|| corrupt("source".into()))?.clone();
            record.put(field, Entry { value, provenance });
            Ok(())
        };
        for (index, source, text) in &stored.plain {
            put(*index, *source, text)?;
        }
        if let Some(s) = stored.sealed.as_ref().filter(|_| open) {
            for (index, source, ct) in &s.fields {
                let name = Field::ALL.get(*index as usize).ok_or_else(|| corrupt(format!("field {index}")))?.name();
                let text = self.keys.open_with(s.key, &field_nonce(&s.nonce, *index), name.as_bytes(), ct)?;
                put(*index, *source, std::str::from_utf8(&text).map_err(|_| corrupt("not UTF-8".into()))?)?;
            }
        }
        Ok(record)
    }

    /// A keyed digest of the record's plain content: what the log commits to. Keyed, so that it
    /// cannot be used to guess a low-entropy value; of the plain content, so that re-sealing
    /// under a new data key does not change it.
    pub fn record_digest(&self, r: &Record) -> String {
        let mut plain = Vec::new();
        for (field, entry) in r.entries() {
            plain.push((
                field as u8,
                entry.provenance.source.as_str(),
                entry.provenance.as_of.to_string(),
                entry.value.to_string(),
            ));
        }
        let bytes = postcard::to_allocvec(&plain).unwrap_or_default();
        hex::encode(self.keys.blind_full("record", &bytes))
    }

    /// The data key a stored record's sealed values are under, if it has any.
    pub fn record_key(bytes: &[u8]) -> Option<u32> {
        postcard::from_bytes::<StoredRecord>(bytes).ok()?.sealed.map(|s| s.key)
    }

    /// An earlier value of a field, as kept in its history: sealed when the field is sensitive.
    pub fn encode_value(&self, field: Field, text: &str) -> Result<Vec<u8>> {
        if field.is_sensitive() {
            self.keys.seal(field.name().as_bytes(), text.as_bytes())
        } else {
            Ok(text.as_bytes().to_vec())
        }
    }

    pub fn decode_value(&self, field: Field, bytes: &[u8]) -> Result<String> {
        let plain = if field.is_sensitive() { self.keys.open(field.name().as_bytes(), bytes)? } else { bytes.to_vec() };
        String::from_utf8(plain).map_err(|_| StoreError::Corrupt("a stored value is not UTF-8".into()))
    }

    /// A summons as stored: sealed whole, since valid reasons and their evidence concern health.
    pub fn encode_summons(&self, s: &Summons) -> Result<Vec<u8>> {
        self.keys.seal(b"summons", &serde_json::to_vec(s)?)
    }

    pub fn decode_summons(&self, bytes: &[u8]) -> Result<Summons> {
        Ok(serde_json::from_slice(&self.keys.open(b"summons", bytes)?)?)
    }

    /// Any other secret (e.g. a second-factor seed), sealed under a context.
    pub fn seal(&self, context: &str, plain: &[u8]) -> Result<Vec<u8>> {
        self.keys.seal(context.as_bytes(), plain)
    }

    pub fn open(&self, context: &str, sealed: &[u8]) -> Result<Vec<u8>> {
        self.keys.open(context.as_bytes(), sealed)
    }
}
