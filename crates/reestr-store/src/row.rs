//! The rows the register hands to a backend, computed once (sealing included) so that every
//! backend stores exactly the same bytes.

use jiff::Timestamp;
use reestr_core::{
    person::{Field, PersonId, Provenance, Record},
    summons::{Status, Summons, SummonsNumber},
};
use serde_json::json;

use crate::{Codec, Result, StoreError, keyring::Blind};

/// A person's row: the record as stored (sealed where sensitive), its digest, the blind indexes
/// of its identifiers and the searchable, non-sensitive fields. `Debug` shows only the digest.
#[derive(Clone, PartialEq, Eq)]
pub struct PersonRow {
    pub record: Vec<u8>,
    /// The keyed digest of the record's content, in hex: what the log commits to.
    pub digest: String,
    pub snils: Blind,
    pub passport: Blind,
    pub inn: Option<Blind>,
    /// Surname and given name, normalised for search ([`name_key`]).
    pub name_key: String,
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
    pub fn new(r: &Record, codec: &Codec) -> Result<PersonRow> {
        let missing = |f: Field| StoreError::Corrupt(format!("a record without {f}"));
        let text = |f: Field| r.text(f).ok_or_else(|| missing(f));
        Ok(PersonRow {
            record: codec.encode_record(r)?,
            digest: codec.record_digest(r),
            snils: *codec.snils(r.snils().ok_or_else(|| missing(Field::Snils))?).key(),
            passport: *codec.passport(&r.passport().ok_or_else(|| missing(Field::PassportNumber))?).key(),
            inn: r.inn().map(|i| *codec.inn(i).key()),
            name_key: name_key(&text(Field::Surname)?, &text(Field::GivenName)?),
            birth_date: text(Field::BirthDate)?,
            region: i64::from(r.region().ok_or_else(|| missing(Field::Region))?.get()),
            commissariat: text(Field::Commissariat)?,
        })
    }

    /// The payload of the event that creates or changes the person: the fields it changed (all,
    /// on creation), their sources, and the stored record's digest. The values stay in the
    /// record, so no personal data enters the log.
    pub fn event_payload(&self, record: &Record, changed: Option<&[Field]>) -> Result<String> {
        let mut sources: Vec<&Provenance> = Vec::new();
        for (field, entry) in record.entries() {
            if changed.is_none_or(|c| c.contains(&field)) && !sources.contains(&&*entry.provenance) {
                sources.push(&entry.provenance);
            }
        }
        Ok(serde_json::to_string(&json!({ "fields": changed, "sources": sources, "record_digest": self.digest }))?)
    }
}

/// Surname and given name as searched: lower case, `ё` as `е`, single spaces.
pub fn name_key(surname: &str, given_name: &str) -> String {
    format!("{} {}", surname.trim(), given_name.trim())
        .to_lowercase()
        .replace('ё', "е")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A person as a backend returns it: the stored record still sealed.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredPerson {
    pub id: PersonId,
    pub record: Vec<u8>,
}

impl std::fmt::Debug for StoredPerson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredPerson").field("id", &self.id).finish_non_exhaustive()
    }
}

/// An earlier value of a field as stored (sealed when sensitive), with the provenance it had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRow {
    pub field: Field,
    pub value: Vec<u8>,
    pub source: String,
    pub as_of: String,
    pub replaced_at: Timestamp,
    pub event_seq: u64,
}

/// A summons's row: the searchable columns and the sealed whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummonsRow {
    pub number: SummonsNumber,
    pub person: PersonId,
    pub region: i64,
    pub commissariat: String,
    pub status: Status,
    pub posted_at: Timestamp,
    /// The next instant the legal clock has something to do.
    pub next_due: Option<Timestamp>,
    pub state: Vec<u8>,
}

impl SummonsRow {
    pub fn new(s: &Summons, next_due: Option<Timestamp>, codec: &Codec) -> Result<SummonsRow> {
        Ok(SummonsRow {
            number: s.number.clone(),
            person: s.person,
            region: i64::from(s.commissariat.region().get()),
            commissariat: s.commissariat.to_string(),
            status: s.status,
            posted_at: s.posted_at,
            next_due,
            state: codec.encode_summons(s)?,
        })
    }
}

/// A summons as a backend returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSummons {
    pub id: i64,
    pub state: Vec<u8>,
}
