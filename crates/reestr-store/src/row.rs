//! The stored form of a person, computed once from the record so that every backend stores the
//! same thing, and the keys by which the unique identifiers are looked up.

use reestr_core::{
    ids::{Inn, Passport, Snils},
    person::{Field, Provenance, Record, Value},
};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::{Result, StoreError};

/// How a person is found by an identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lookup {
    Snils(i64),
    Passport(i64),
    Inn(i64),
}

impl Lookup {
    pub fn snils(s: Snils) -> Lookup {
        Lookup::Snils(s.as_u64() as i64)
    }

    /// Series and number as one ten-digit number (fixed width, so no two collide).
    pub fn passport(p: &Passport) -> Lookup {
        Lookup::Passport(p.key().parse().unwrap_or_default())
    }

    pub fn inn(i: &Inn) -> Lookup {
        Lookup::Inn(i.as_str().parse().unwrap_or_default())
    }

    pub fn key(self) -> i64 {
        match self {
            Lookup::Snils(k) | Lookup::Passport(k) | Lookup::Inn(k) => k,
        }
    }
}

/// A person's row: the record as stored (JSON), its digest, the lookup keys and the
/// searchable fields. `Debug` shows only the digest.
#[derive(Clone, PartialEq, Eq)]
pub struct PersonRow {
    pub record: String,
    /// SHA-256 of `record`, in hex: what the log commits to.
    pub digest: String,
    pub snils: i64,
    pub passport: i64,
    pub inn: Option<i64>,
    pub surname: String,
    pub given_name: String,
    pub birth_date: String,
    pub region: i64,
    pub commissariat: String,
}

impl std::fmt::Debug for PersonRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PersonRow").field("digest", &self.digest).finish_non_exhaustive()
    }
}

impl PersonRow {
    pub fn new(r: &Record) -> Result<PersonRow> {
        let missing = |f: Field| StoreError::Corrupt(format!("a record without {f}"));
        let text = |f: Field| match r.get(f) {
            Some(Value::Text(t)) => Ok(t.clone()),
            Some(v) => Ok(v.to_string()),
            None => Err(missing(f)),
        };
        let record = serde_json::to_string(r)?;
        Ok(PersonRow {
            digest: hex::encode(Sha256::digest(record.as_bytes())),
            record,
            snils: Lookup::snils(r.snils().ok_or_else(|| missing(Field::Snils))?).key(),
            passport: Lookup::passport(&r.passport().ok_or_else(|| missing(Field::PassportNumber))?).key(),
            inn: r.inn().map(|i| Lookup::inn(i).key()),
            surname: text(Field::Surname)?,
            given_name: text(Field::GivenName)?,
            birth_date: text(Field::BirthDate)?,
            region: i64::from(r.region().ok_or_else(|| missing(Field::Region))?.get()),
            commissariat: text(Field::Commissariat)?,
        })
    }

    /// The payload of the event that creates or changes the person: the fields it changed (all,
    /// on creation), their sources, and the record's digest. The values stay in the record, so no
    /// personal data enters the log.
    pub fn event_payload(&self, record: &Record, changed: Option<&[Field]>) -> Result<String> {
        let mut sources: Vec<&Provenance> = Vec::new();
        for (field, entry) in record.entries() {
            if changed.is_none_or(|c| c.contains(&field)) && !sources.contains(&&*entry.provenance) {
                sources.push(&entry.provenance);
            }
        }
        Ok(serde_json::to_string(&json!({ "fields": changed, "sources": sources, "record_sha256": self.digest }))?)
    }
}
