//! The person record: every field of PRODUCT.md, each with its provenance.
//!
//! A record is a map from [`Field`] to a checked [`Value`] and the [`Provenance`] that supplied
//! it. Fields are addressed by their snake_case names, which are also the import columns. The
//! history of a field (its earlier values) is kept by the store as each change is made.

use std::{fmt, str::FromStr, sync::Arc};

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::{
    ErrorCode,
    ids::{IdError, Inn, IssuerCode, Passport, PassportNumber, PassportSeries, Snils},
    region::{CommissariatCode, Directory, RegionCode},
};

/// The register's internal number for a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PersonId(pub i64);

impl fmt::Display for PersonId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for PersonId {
    type Err = std::num::ParseIntError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse().map(PersonId)
    }
}

macro_rules! fields {
    ($($variant:ident => $name:literal),* $(,)?) => {
        /// A field of the person record. Its name is the import and export column.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Field { $($variant),* }

        impl Field {
            /// Every field, in the order of the export columns.
            pub const ALL: &'static [Field] = &[$(Field::$variant),*];

            pub fn name(self) -> &'static str {
                match self { $(Field::$variant => $name),* }
            }
        }
    };
}

fields! {
    Surname => "surname",
    GivenName => "given_name",
    Patronymic => "patronymic",
    Sex => "sex",
    BirthDate => "birth_date",
    BirthPlace => "birth_place",
    Citizenship => "citizenship",
    PassportSeries => "passport_series",
    PassportNumber => "passport_number",
    PassportIssuer => "passport_issuer",
    PassportIssuerCode => "passport_issuer_code",
    PassportIssueDate => "passport_issue_date",
    Snils => "snils",
    Inn => "inn",
    RegisteredAddress => "registered_address",
    ActualAddress => "actual_address",
    Phone => "phone",
    Email => "email",
    Education => "education",
    Employment => "employment",
    MaritalStatus => "marital_status",
    Children => "children",
    FitnessCategory => "fitness_category",
    MilitarySpecialty => "military_specialty",
    ReserveCategory => "reserve_category",
    Rank => "rank",
    RegistrationStatus => "registration_status",
    DeferredUntil => "deferred_until",
    Region => "region",
    Commissariat => "commissariat",
}

impl Field {
    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL.iter().copied().find(|f| f.name() == name)
    }

    /// The fields every record has.
    pub fn is_required(self) -> bool {
        use Field::*;
        matches!(self, Surname | GivenName | Sex | BirthDate | Snils | PassportSeries | PassportNumber | Region)
    }

    /// Personal data that is encrypted at rest and shown only to roles that need it.
    pub fn is_sensitive(self) -> bool {
        use Field::*;
        matches!(
            self,
            PassportSeries
                | PassportNumber
                | PassportIssuer
                | PassportIssuerCode
                | PassportIssueDate
                | Snils
                | Inn
                | RegisteredAddress
                | ActualAddress
                | Phone
                | Email
                | FitnessCategory
        )
    }

    /// Parses and checks one field's text. Empty text is never a value: callers treat it as absent.
    pub fn parse(self, raw: &str) -> Result<Value, Problem> {
        use Field::*;
        let raw = raw.trim();
        let p = |code: &'static str, message: String| Problem { field: self, code, message };
        let id = |e: IdError| p(e.code(), e.to_string());
        Ok(match self {
            Surname | GivenName | Patronymic => Value::Text(name(raw).map_err(|m| p("invalid_name", m.into()))?),
            Sex => Value::Sex(raw.parse().map_err(|_| p("invalid_value", "expected M or F (М or Ж)".into()))?),
            BirthDate | PassportIssueDate | DeferredUntil => {
                Value::Date(parse_date(raw).map_err(|m| p("not_a_date", m))?)
            }
            BirthPlace | PassportIssuer | RegisteredAddress | ActualAddress | Education | Employment
            | MilitarySpecialty | Rank => Value::Text(text(raw, self.max_len()).map_err(|(c, m)| p(c, m))?),
            Citizenship => Value::Citizenship(citizenship(raw).map_err(|m| p("invalid_value", m.into()))?),
            PassportSeries => Value::PassportSeries(raw.parse().map_err(id)?),
            PassportNumber => Value::PassportNumber(raw.parse().map_err(id)?),
            PassportIssuerCode => Value::IssuerCode(raw.parse().map_err(id)?),
            Snils => Value::Snils(raw.parse().map_err(id)?),
            Inn => {
                let inn: crate::ids::Inn = raw.parse().map_err(id)?;
                if !inn.is_personal() {
                    return Err(p("inn_not_personal", "a person's INN has 12 digits".into()));
                }
                Value::Inn(inn)
            }
            Phone => Value::Phone(phone(raw).map_err(|m| p("invalid_phone", m.into()))?),
            Email => Value::Email(email(raw).map_err(|m| p("invalid_email", m.into()))?),
            MaritalStatus => Value::MaritalStatus(raw.parse().map_err(|m: &str| p("invalid_value", m.into()))?),
            Children => Value::Count(
                raw.parse::<u8>()
                    .ok()
                    .filter(|n| *n <= 30)
                    .ok_or_else(|| p("invalid_value", "a whole number from 0 to 30".into()))?,
            ),
            FitnessCategory => Value::Fitness(raw.parse().map_err(|m: &str| p("invalid_value", m.into()))?),
            ReserveCategory => Value::ReserveCategory(match raw {
                "1" => 1,
                "2" => 2,
                _ => return Err(p("invalid_value", "1 or 2".into())),
            }),
            RegistrationStatus => Value::Registration(raw.parse().map_err(|m: &str| p("invalid_value", m.into()))?),
            Region => Value::Region(raw.parse().map_err(|e: crate::region::RegionError| p(e.code(), e.to_string()))?),
            Commissariat => {
                Value::Commissariat(raw.parse().map_err(|e: crate::region::RegionError| p(e.code(), e.to_string()))?)
            }
        })
    }

    fn max_len(self) -> usize {
        match self {
            Field::RegisteredAddress | Field::ActualAddress | Field::PassportIssuer | Field::Employment => 300,
            _ => 200,
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What is wrong with a field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub field: Field,
    /// A stable snake_case code.
    pub code: &'static str,
    /// A sentence for people; it never repeats the value (which may be personal data).
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ({})", self.field, self.message, self.code)
    }
}

fn name(raw: &str) -> Result<String, &'static str> {
    let ok_char = |c: char| c.is_alphabetic() || matches!(c, ' ' | '-' | '\'' | '’' | '.');
    if raw.chars().count() > 100 {
        return Err("at most 100 characters");
    }
    if !raw.chars().any(char::is_alphabetic) || !raw.chars().all(ok_char) {
        return Err("letters, spaces, hyphens and apostrophes only");
    }
    Ok(raw.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Free text: line breaks are allowed (an address may span lines), other control characters not.
fn text(raw: &str, max: usize) -> Result<String, (&'static str, String)> {
    if raw.chars().count() > max {
        return Err(("too_long", format!("at most {max} characters")));
    }
    if raw.chars().any(|c| c.is_control() && c != '\n' && c != '\r') {
        return Err(("control_character", "control characters other than line breaks are not allowed".into()));
    }
    Ok(raw.to_owned())
}

/// `YYYY-MM-DD`, or `DD.MM.YYYY` as Russians write dates.
fn parse_date(raw: &str) -> Result<Date, String> {
    let iso = match raw.split('.').collect::<Vec<_>>().as_slice() {
        [d, m, y] if d.len() == 2 && m.len() == 2 && y.len() == 4 => format!("{y}-{m}-{d}"),
        _ => raw.to_owned(),
    };
    let bytes = iso.as_bytes();
    let shaped = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes.iter().enumerate().all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shaped {
        return Err("expected a date as YYYY-MM-DD or DD.MM.YYYY".into());
    }
    iso.parse::<Date>().map_err(|_| "no such date in the calendar".into())
}

fn citizenship(raw: &str) -> Result<Vec<String>, &'static str> {
    let codes: Vec<String> = raw.split([';', ',']).map(|c| c.trim().to_uppercase()).collect();
    if codes.iter().any(|c| c.len() != 3 || !c.bytes().all(|b| b.is_ascii_uppercase())) {
        return Err("ISO 3166 three-letter country codes separated by ';', e.g. RUS or RUS;KAZ");
    }
    Ok(codes)
}

/// Normalises a phone number to E.164; Russian numbers may be written 8XXXXXXXXXX.
fn phone(raw: &str) -> Result<String, &'static str> {
    const MSG: &str = "a phone number such as +7 912 345-67-89";
    if !raw.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c)) || raw[1..].contains('+') {
        return Err(MSG);
    }
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    let e164 = match (raw.starts_with('+'), digits.len(), digits.chars().next()) {
        (false, 11, Some('8' | '7')) => format!("+7{}", &digits[1..]),
        (false, 10, _) => format!("+7{digits}"),
        (true, 8..=15, Some(c)) if c != '0' => format!("+{digits}"),
        _ => return Err(MSG),
    };
    Ok(e164)
}

fn email(raw: &str) -> Result<String, &'static str> {
    const MSG: &str = "an e-mail address such as name@example.ru";
    let (local, domain) = raw.rsplit_once('@').ok_or(MSG)?;
    let ok = !local.is_empty()
        && raw.len() <= 254
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !raw.chars().any(|c| c.is_whitespace() || c.is_control())
        && !local.contains('@');
    ok.then(|| format!("{local}@{}", domain.to_lowercase())).ok_or(MSG)
}

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident, $expected:literal, { $($variant:ident => [$canonical:literal $(, $alias:literal)*]),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name { $($variant),* }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $canonical),* }
            }
        }

        impl FromStr for $name {
            type Err = &'static str;
            fn from_str(s: &str) -> Result<Self, &'static str> {
                let s = s.trim();
                $(if s == $canonical $(|| s.eq_ignore_ascii_case($alias) || s == $alias)* { return Ok($name::$variant); })*
                Err($expected)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum!(
    /// M or F; the Cyrillic М and Ж are accepted.
    Sex, "expected M or F (М or Ж)", {
    Male => ["M", "m", "М", "м"],
    Female => ["F", "f", "Ж", "ж"],
});

text_enum!(MaritalStatus, "single, married, divorced or widowed", {
    Single => ["single"],
    Married => ["married"],
    Divorced => ["divorced"],
    Widowed => ["widowed"],
});

text_enum!(
    /// The fitness category for military service, written with Cyrillic letters.
    Fitness, "А, Б, В, Г or Д", {
    A => ["А", "а", "A", "a"],
    B => ["Б", "б"],
    V => ["В", "в"],
    G => ["Г", "г"],
    D => ["Д", "д"],
});

text_enum!(
    /// The person's standing in the military register.
    Registration, "registered, deferred, exempt or deregistered", {
    Registered => ["registered"],
    Deferred => ["deferred"],
    Exempt => ["exempt"],
    Deregistered => ["deregistered"],
});

/// A checked field value. `Debug` does not print it: values are personal data.
#[derive(Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Date(Date),
    Sex(Sex),
    Citizenship(Vec<String>),
    PassportSeries(PassportSeries),
    PassportNumber(PassportNumber),
    IssuerCode(IssuerCode),
    Snils(Snils),
    Inn(Inn),
    Phone(String),
    Email(String),
    MaritalStatus(MaritalStatus),
    Count(u8),
    Fitness(Fitness),
    ReserveCategory(u8),
    Registration(Registration),
    Region(RegionCode),
    Commissariat(CommissariatCode),
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Value(<redacted>)")
    }
}

impl fmt::Display for Value {
    /// The canonical text: what export writes and [`Field::parse`] reads back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Text(s) | Value::Phone(s) | Value::Email(s) => f.write_str(s),
            Value::Date(d) => write!(f, "{d}"),
            Value::Sex(s) => write!(f, "{s}"),
            Value::Citizenship(c) => f.write_str(&c.join(";")),
            Value::PassportSeries(s) => write!(f, "{s}"),
            Value::PassportNumber(n) => write!(f, "{n}"),
            Value::IssuerCode(c) => write!(f, "{c}"),
            Value::Snils(s) => write!(f, "{s}"),
            Value::Inn(i) => write!(f, "{i}"),
            Value::MaritalStatus(m) => write!(f, "{m}"),
            Value::Count(n) | Value::ReserveCategory(n) => write!(f, "{n}"),
            Value::Fitness(x) => write!(f, "{x}"),
            Value::Registration(r) => write!(f, "{r}"),
            Value::Region(r) => write!(f, "{r}"),
            Value::Commissariat(c) => write!(f, "{c}"),
        }
    }
}

/// Where a value came from and as of when that source vouched for it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Provenance {
    /// E.g. `import:persons.csv`, `registrar:62-001/petrova`, `correction:17`.
    pub source: String,
    pub as_of: Date,
}

/// A value with its provenance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub value: Value,
    pub provenance: Arc<Provenance>,
}

/// One field's change: its value before (with its provenance), and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub field: Field,
    pub old: Option<Entry>,
    pub new: Entry,
}

/// The person record: a slot per field, in the order of [`Field::ALL`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    entries: Vec<Option<Entry>>,
}

impl Default for Record {
    fn default() -> Record {
        Record { entries: vec![None; Field::ALL.len()] }
    }
}

/// The record's earliest plausible birth date.
const EARLIEST_BIRTH: Date = jiff::civil::date(1900, 1, 1);

impl Record {
    /// Builds a record from `(field, text)` pairs, as a row of an import supplies them.
    ///
    /// Empty texts count as absent. Returns every problem found, not just the first. A missing
    /// commissariat defaults to the region's regional commissariat.
    pub fn from_texts<'a>(
        texts: impl IntoIterator<Item = (Field, &'a str)>,
        provenance: &Arc<Provenance>,
        dir: &Directory,
    ) -> Result<Record, Vec<Problem>> {
        let mut record = Record::default();
        let mut problems = Vec::new();
        for (field, raw) in texts {
            if raw.trim().is_empty() {
                continue;
            }
            match field.parse(raw) {
                Ok(value) => {
                    record.put(field, Entry { value, provenance: provenance.clone() });
                }
                Err(p) => problems.push(p),
            }
        }
        let failed: Vec<Field> = problems.iter().map(|p| p.field).collect();
        for f in Field::ALL.iter().filter(|f| f.is_required() && !failed.contains(f)) {
            if record.get(*f).is_none() {
                problems.push(Problem { field: *f, code: "required", message: "a required field is missing".into() });
            }
        }
        if problems.is_empty()
            && record.get(Field::Commissariat).is_none()
            && let Some(region) = record.region()
        {
            let value = Value::Commissariat(CommissariatCode::regional(region));
            record.put(Field::Commissariat, Entry { value, provenance: provenance.clone() });
        }
        if problems.is_empty() {
            problems = record.check(dir);
        }
        if problems.is_empty() { Ok(record) } else { Err(problems) }
    }

    /// The rules that tie fields together; returns every rule broken.
    pub fn check(&self, dir: &Directory) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut problem = |field, code, message: &str| problems.push(Problem { field, code, message: message.into() });
        let birth = self.date(Field::BirthDate);
        if let Some(b) = birth {
            let as_of = self.entry(Field::BirthDate).map_or(b, |e| e.provenance.as_of);
            if b < EARLIEST_BIRTH || b > as_of {
                problem(Field::BirthDate, "date_out_of_range", "must be after 1900 and not in the future");
            }
        }
        if let (Some(issued), Some(b)) = (self.date(Field::PassportIssueDate), birth)
            && issued < b.saturating_add(jiff::Span::new().years(14))
        {
            problem(Field::PassportIssueDate, "date_out_of_range", "a passport is issued at 14 at the earliest");
        }
        let deferred = matches!(self.get(Field::RegistrationStatus), Some(Value::Registration(Registration::Deferred)));
        match (deferred, self.date(Field::DeferredUntil).is_some()) {
            (true, false) => problem(Field::DeferredUntil, "required", "required when the status is deferred"),
            (false, true) => problem(Field::DeferredUntil, "not_deferred", "only a deferred status has an end date"),
            _ => {}
        }
        if let Some(region) = self.region() {
            if dir.region(region).is_err() {
                problem(Field::Region, "unknown_region", "no federal subject has this code");
            } else if let Some(Value::Commissariat(c)) = self.get(Field::Commissariat) {
                match dir.commissariat(c) {
                    Err(_) => problem(Field::Commissariat, "unknown_commissariat", "no commissariat has this code"),
                    Ok(c) if c.region != region => problem(
                        Field::Commissariat,
                        "commissariat_not_in_region",
                        "the commissariat serves another region",
                    ),
                    Ok(_) => {}
                }
            }
        }
        problems
    }

    pub fn get(&self, field: Field) -> Option<&Value> {
        self.entry(field).map(|e| &e.value)
    }

    pub fn entry(&self, field: Field) -> Option<&Entry> {
        self.entries[field as usize].as_ref()
    }

    /// Sets a field to an already checked value, without the record's cross-field rules: for
    /// reading back what was stored.
    pub fn put(&mut self, field: Field, entry: Entry) {
        self.entries[field as usize] = Some(entry);
    }

    /// The fields present, in the order of [`Field::ALL`].
    pub fn entries(&self) -> impl Iterator<Item = (Field, &Entry)> {
        Field::ALL.iter().zip(&self.entries).filter_map(|(f, e)| Some((*f, e.as_ref()?)))
    }

    /// The field's canonical text, or `None` when absent.
    pub fn text(&self, field: Field) -> Option<String> {
        self.get(field).map(Value::to_string)
    }

    pub fn date(&self, field: Field) -> Option<Date> {
        match self.get(field) {
            Some(Value::Date(d)) => Some(*d),
            _ => None,
        }
    }

    pub fn snils(&self) -> Option<Snils> {
        match self.get(Field::Snils) {
            Some(Value::Snils(s)) => Some(*s),
            _ => None,
        }
    }

    pub fn inn(&self) -> Option<&Inn> {
        match self.get(Field::Inn) {
            Some(Value::Inn(i)) => Some(i),
            _ => None,
        }
    }

    pub fn passport(&self) -> Option<Passport> {
        match (self.get(Field::PassportSeries), self.get(Field::PassportNumber)) {
            (Some(Value::PassportSeries(series)), Some(Value::PassportNumber(number))) => {
                Some(Passport { series: series.clone(), number: number.clone() })
            }
            _ => None,
        }
    }

    pub fn region(&self) -> Option<RegionCode> {
        match self.get(Field::Region) {
            Some(Value::Region(r)) => Some(*r),
            _ => None,
        }
    }

    pub fn commissariat(&self) -> Option<&CommissariatCode> {
        match self.get(Field::Commissariat) {
            Some(Value::Commissariat(c)) => Some(c),
            _ => None,
        }
    }

    pub fn birth_date(&self) -> Option<Date> {
        self.date(Field::BirthDate)
    }

    /// The same record with only these fields.
    pub fn only(&self, fields: &[Field]) -> Record {
        let mut out = Record::default();
        for (field, entry) in self.entries().filter(|(f, _)| fields.contains(f)) {
            out.put(field, entry.clone());
        }
        out
    }

    /// Surname, given name and patronymic, as written on documents.
    pub fn full_name(&self) -> String {
        [Field::Surname, Field::GivenName, Field::Patronymic]
            .iter()
            .filter_map(|f| self.text(*f))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Takes the values of `other` that differ from this record's, with their provenance, and
    /// says what changed. Fields `other` lacks are kept. Values equal to the current ones keep
    /// their provenance, so taking the same data twice changes nothing.
    pub fn merge(&mut self, other: &Record) -> Vec<FieldChange> {
        let mut changes = Vec::new();
        for (field, entry) in other.entries() {
            let old = self.entry(field);
            if old.map(|o| &o.value) != Some(&entry.value) {
                changes.push(FieldChange { field, old: old.cloned(), new: entry.clone() });
                self.put(field, entry.clone());
            }
        }
        changes
    }

    /// Sets one field, checking the value and the record's rules; on error nothing changes.
    pub fn set(
        &mut self,
        field: Field,
        raw: &str,
        provenance: &Arc<Provenance>,
        dir: &Directory,
    ) -> Result<Option<FieldChange>, Vec<Problem>> {
        self.set_all(&[(field, raw)], provenance, dir).map(|mut changes| changes.pop())
    }

    /// Sets several fields at once, checked together: a move to another region changes the
    /// region and the commissariat in one step, which neither could alone. All or nothing.
    pub fn set_all(
        &mut self,
        texts: &[(Field, &str)],
        provenance: &Arc<Provenance>,
        dir: &Directory,
    ) -> Result<Vec<FieldChange>, Vec<Problem>> {
        let mut update = Record::default();
        let mut problems = Vec::new();
        for (field, raw) in texts {
            match field.parse(raw) {
                Ok(value) => update.put(*field, Entry { value, provenance: provenance.clone() }),
                Err(p) => problems.push(p),
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let mut next = self.clone();
        let changes = next.merge(&update);
        let problems = next.check(dir);
        if !problems.is_empty() {
            return Err(problems);
        }
        *self = next;
        Ok(changes)
    }
}

/// A person in the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: PersonId,
    pub record: Record,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prov() -> Arc<Provenance> {
        Arc::new(Provenance { source: "test".into(), as_of: jiff::civil::date(2025, 5, 1) })
    }

    fn base() -> Vec<(Field, &'static str)> {
        vec![
            (Field::Surname, "Иванов"),
            (Field::GivenName, "Иван"),
            (Field::Patronymic, "Иванович"),
            (Field::Sex, "М"),
            (Field::BirthDate, "15.03.2001"),
            (Field::Snils, "112-233-445 95"),
            (Field::PassportSeries, "6101"),
            (Field::PassportNumber, "123456"),
            (Field::Region, "62"),
        ]
    }

    fn record(extra: &[(Field, &'static str)]) -> Result<Record, Vec<Problem>> {
        let mut rows = base();
        rows.extend_from_slice(extra);
        Record::from_texts(rows, &prov(), Directory::builtin())
    }

    fn codes(r: Result<Record, Vec<Problem>>) -> Vec<(Field, &'static str)> {
        r.unwrap_err().into_iter().map(|p| (p.field, p.code)).collect()
    }

    #[test]
    fn a_complete_row_makes_a_record_with_the_regional_commissariat() {
        let r = record(&[(Field::Phone, "8 (912) 345-67-89"), (Field::Email, "I.Ivanov@Example.RU")]).unwrap();
        assert_eq!(r.full_name(), "Иванов Иван Иванович");
        assert_eq!(r.text(Field::Sex).unwrap(), "M");
        assert_eq!(r.text(Field::BirthDate).unwrap(), "2001-03-15");
        assert_eq!(r.text(Field::Phone).unwrap(), "+79123456789");
        assert_eq!(r.text(Field::Email).unwrap(), "I.Ivanov@example.ru");
        assert_eq!(r.commissariat().unwrap().as_str(), "62-000");
    }

    #[test]
    fn every_problem_is_reported_with_its_field() {
        let rows = vec![(Field::Surname, "Иванов"), (Field::BirthDate, "2001-02-30"), (Field::Snils, "112-233-445 96")];
        let got = codes(Record::from_texts(rows, &prov(), Directory::builtin()));
        assert!(got.contains(&(Field::BirthDate, "not_a_date")));
        assert!(got.contains(&(Field::Snils, "checksum_mismatch")));
        assert!(got.contains(&(Field::GivenName, "required")));
        assert!(got.contains(&(Field::Region, "required")));
        assert!(!got.contains(&(Field::Snils, "required")), "a bad value is not also missing");
    }

    #[test]
    fn a_move_sets_region_and_commissariat_together_or_not_at_all() {
        let mut r = record(&[(Field::Commissariat, "62-001")]).unwrap();
        let before = r.clone();
        let dir = Directory::builtin();
        assert!(r.set(Field::Region, "12", &prov(), dir).is_err(), "the old commissariat serves another region");
        assert!(r.set_all(&[(Field::Region, "12"), (Field::Commissariat, "77-000")], &prov(), dir).is_err());
        assert!(r.set_all(&[(Field::Region, "12"), (Field::Phone, "not a phone")], &prov(), dir).is_err());
        assert_eq!(r, before, "nothing changes on error");
        let changes = r.set_all(&[(Field::Region, "12"), (Field::Commissariat, "12-001")], &prov(), dir).unwrap();
        assert_eq!(changes.iter().map(|c| c.field).collect::<Vec<_>>(), [Field::Region, Field::Commissariat]);
        assert_eq!(r.commissariat().unwrap().as_str(), "12-001");
    }

    #[test]
    fn cross_field_rules_are_checked() {
        assert_eq!(
            codes(record(&[(Field::Commissariat, "12-001")])),
            [(Field::Commissariat, "commissariat_not_in_region")]
        );
        assert_eq!(codes(record(&[(Field::RegistrationStatus, "deferred")])), [(Field::DeferredUntil, "required")]);
        assert_eq!(
            codes(record(&[(Field::PassportIssueDate, "2010-01-01")])),
            [(Field::PassportIssueDate, "date_out_of_range")]
        );
        let rows = [(Field::Region, "99")];
        let mut all = base();
        all.retain(|(f, _)| *f != Field::Region);
        all.extend(rows);
        assert_eq!(codes(Record::from_texts(all, &prov(), Directory::builtin())), [(Field::Region, "unknown_region")]);
    }

    #[test]
    fn values_are_checked() {
        assert_eq!(codes(record(&[(Field::Inn, "7707083893")])), [(Field::Inn, "inn_not_personal")]);
        assert_eq!(codes(record(&[(Field::Phone, "12")])), [(Field::Phone, "invalid_phone")]);
        assert_eq!(codes(record(&[(Field::Email, "nobody")])), [(Field::Email, "invalid_email")]);
        assert_eq!(codes(record(&[(Field::FitnessCategory, "E")])), [(Field::FitnessCategory, "invalid_value")]);
        assert_eq!(codes(record(&[(Field::Citizenship, "Russia")])), [(Field::Citizenship, "invalid_value")]);
        assert!(record(&[(Field::FitnessCategory, "Б"), (Field::Citizenship, "rus;kaz")]).is_ok());
    }

    #[test]
    fn merging_the_same_data_changes_nothing_and_new_data_says_what_changed() {
        let mut r = record(&[]).unwrap();
        assert!(r.merge(&record(&[]).unwrap()).is_empty());
        let newer = Arc::new(Provenance { source: "mvd".into(), as_of: jiff::civil::date(2025, 6, 1) });
        let change = r.set(Field::Surname, "Петров", &newer, Directory::builtin()).unwrap().unwrap();
        assert_eq!(change.old.unwrap().value, Value::Text("Иванов".into()));
        assert_eq!(r.entry(Field::Surname).unwrap().provenance.source, "mvd");
        assert_eq!(r.entry(Field::GivenName).unwrap().provenance.source, "test");
        assert!(r.set(Field::Commissariat, "12-001", &newer, Directory::builtin()).is_err());
        assert_eq!(r.commissariat().unwrap().as_str(), "62-000", "a refused change leaves the record as it was");
    }

    #[test]
    fn debug_prints_no_personal_data() {
        let r = record(&[(Field::Phone, "+79123456789")]).unwrap();
        let dbg = format!("{r:?}");
        for secret in ["Иванов", "2001", "112", "6101", "123456", "912"] {
            assert!(!dbg.contains(secret), "{secret} in {dbg}");
        }
    }

    #[test]
    fn the_names_are_the_columns() {
        for f in Field::ALL {
            assert_eq!(Field::from_name(f.name()), Some(*f));
            assert_eq!(serde_json::to_string(f).unwrap(), format!("\"{}\"", f.name()));
        }
    }
}
