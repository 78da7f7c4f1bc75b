//! A synthetic population for the demo, the tests and the benchmarks.
//!
//! Everything here is invented: names drawn from lists of common names, identifiers with valid
//! check digits built from the person's index so they never collide, dates that fit the person's
//! age. The same seed gives the same population.

use std::sync::Arc;

use jiff::{Span, civil::Date};
use rand::{RngExt, SeedableRng, rngs::StdRng, seq::IndexedRandom};
use reestr_core::{
    ids::{Inn, Snils},
    person::{Field, Problem, Provenance, Record},
    region::{Directory, RegionCode},
};

const SURNAMES: &str = include_str!("../data/surnames_male.txt");
const INVARIANT_SURNAMES: &str = include_str!("../data/surnames_invariant.txt");
const GIVEN_MALE: &str = include_str!("../data/given_male.txt");
const GIVEN_FEMALE: &str = include_str!("../data/given_female.txt");
const PATRONYMICS: &str = include_str!("../data/patronymic_bases.txt");
const STREETS: &str = include_str!("../data/streets.txt");
const BIRTH_PLACES: &str = include_str!("../data/birth_places.txt");

/// The columns [`Population::next_row`] fills, in order.
pub const COLUMNS: [Field; 22] = [
    Field::Surname,
    Field::GivenName,
    Field::Patronymic,
    Field::Sex,
    Field::BirthDate,
    Field::BirthPlace,
    Field::Citizenship,
    Field::PassportSeries,
    Field::PassportNumber,
    Field::PassportIssuer,
    Field::PassportIssuerCode,
    Field::PassportIssueDate,
    Field::Snils,
    Field::Inn,
    Field::RegisteredAddress,
    Field::Phone,
    Field::Email,
    Field::FitnessCategory,
    Field::RegistrationStatus,
    Field::DeferredUntil,
    Field::Region,
    Field::Commissariat,
];

/// A bijection on `0..m` (for `a` coprime to `m`): spreads consecutive indexes apart.
fn scatter(n: u64, a: u64, m: u64) -> u64 {
    (n % m) * a % m
}

/// A generator of synthetic persons.
#[derive(Debug)]
pub struct Population {
    rng: StdRng,
    next: u64,
    regions: Vec<RegionCode>,
    as_of: Date,
    surnames: Vec<&'static str>,
    invariant: Vec<&'static str>,
    given_male: Vec<&'static str>,
    given_female: Vec<&'static str>,
    patronymics: Vec<(&'static str, &'static str)>,
    streets: Vec<&'static str>,
    birth_places: Vec<(u8, &'static str)>,
}

fn lines(s: &'static str) -> Vec<&'static str> {
    s.lines().filter(|l| !l.is_empty()).collect()
}

impl Population {
    /// A population living in `regions`, of ages as of `as_of`.
    pub fn new(seed: u64, regions: &[RegionCode], as_of: Date) -> Population {
        Population {
            rng: StdRng::seed_from_u64(seed),
            next: 0,
            regions: regions.to_vec(),
            as_of,
            surnames: lines(SURNAMES),
            invariant: lines(INVARIANT_SURNAMES),
            given_male: lines(GIVEN_MALE),
            given_female: lines(GIVEN_FEMALE),
            patronymics: lines(PATRONYMICS)
                .into_iter()
                .filter_map(|l| {
                    let mut p = l.split(',').skip(1);
                    Some((p.next()?, p.next()?))
                })
                .collect(),
            streets: lines(STREETS),
            birth_places: lines(BIRTH_PLACES)
                .into_iter()
                .filter_map(|l| {
                    let (code, place) = l.split_once(',')?;
                    Some((code.parse().ok()?, place))
                })
                .collect(),
        }
    }

    /// The index the next person gets; identifiers are unique for indexes below 100 million.
    pub fn position(&self) -> u64 {
        self.next
    }

    /// The next person as a checked record, each field with `provenance`.
    pub fn next_record(&mut self, provenance: &Arc<Provenance>, dir: &Directory) -> Result<Record, Vec<Problem>> {
        let row = self.next_row();
        Record::from_texts(COLUMNS.iter().copied().zip(row.iter().map(String::as_str)), provenance, dir)
    }

    /// The next person, as texts in the order of [`COLUMNS`] (empty where the field is absent).
    pub fn next_row(&mut self) -> Vec<String> {
        let n = self.next;
        self.next += 1;
        let r = &mut self.rng;
        let male = r.random_bool(0.93);
        let surname = {
            let base = if r.random_bool(0.08) {
                *self.invariant.choose(r).unwrap_or(&"Черных")
            } else {
                *self.surnames.choose(r).unwrap_or(&"Иванов")
            };
            if male { base.to_owned() } else { feminine(base) }
        };
        let given =
            if male { self.given_male.choose(r) } else { self.given_female.choose(r) }.copied().unwrap_or("Иван");
        let (pm, pf) = self.patronymics.choose(r).copied().unwrap_or(("Иванович", "Ивановна"));
        // Most are of call-up age (18–30), the rest reservists up to 50.
        let age_days =
            if r.random_bool(0.65) { r.random_range(18 * 365..30 * 365) } else { r.random_range(30 * 365..50 * 365) };
        let birth = self.as_of.saturating_sub(Span::new().days(age_days));
        let region = *self.regions.choose(r).unwrap_or(&reestr_core::region::PILOT_REGIONS[1]);
        let dir = Directory::builtin();
        let commissariats: Vec<_> = dir.commissariats_of(region).collect();
        let commissariat = commissariats.choose(r).map(|c| c.code.to_string()).unwrap_or_default();
        let places: Vec<_> = self.birth_places.iter().filter(|(c, _)| *c == region.get()).map(|(_, p)| *p).collect();
        let birth_place = places.choose(r).copied().unwrap_or("г. Москва");
        let town = places.first().copied().unwrap_or("г. Москва");

        let snils = Snils::from_number(100_000_000 + scatter(n, 48_271, 800_000_000))
            .map(|s| s.to_string())
            .unwrap_or_default();
        let mut prefix = [0u8; 10];
        let inn_digits = format!("{:02}{:08}", region.get(), scatter(n, 7_919, 100_000_000));
        for (d, b) in prefix.iter_mut().zip(inn_digits.bytes()) {
            *d = b - b'0';
        }
        let inn = Inn::personal_from_prefix(&prefix).to_string();
        let issued = birth
            .saturating_add(Span::new().years(if r.random_bool(0.5) { 14 } else { 20 }).days(r.random_range(1..300)));
        let series = format!("{:02}{:02}", region.get(), (n / 1_000_000) % 100);
        let number = format!("{:06}", scatter(n, 7_919, 1_000_000));
        let issuer_code = format!("{:03}-{:03}", 600 + u64::from(region.get()) % 400, r.random_range(1..60));
        let address = format!(
            "{town}, {}, д. {}, кв. {}",
            self.streets.choose(r).copied().unwrap_or("ул. Ленина"),
            r.random_range(1..120),
            r.random_range(1..200)
        );
        let phone = format!("+79{:09}", scatter(n, 1_000_003, 1_000_000_000));
        let email = format!("{}.{}{}@example.org", translit(given), translit(&surname), n);
        let fitness = if r.random_bool(0.6) {
            ["А", "А", "Б", "Б", "В", "Г", "Д"].choose(r).copied().unwrap_or("А")
        } else {
            ""
        };
        let (status, until) = match r.random_range(0..100) {
            0..=84 => ("registered", String::new()),
            85..=94 => ("deferred", self.as_of.saturating_add(Span::new().days(r.random_range(30..900))).to_string()),
            95..=97 => ("exempt", String::new()),
            _ => ("deregistered", String::new()),
        };
        vec![
            surname,
            given.to_owned(),
            if male { pm } else { pf }.to_owned(),
            if male { "M" } else { "F" }.to_owned(),
            birth.to_string(),
            birth_place.to_owned(),
            "RUS".to_owned(),
            series,
            number,
            format!("УМВД России по {}", dir.region(region).map(|r| r.name_ru.as_str()).unwrap_or("")),
            issuer_code,
            issued.min(self.as_of).to_string(),
            snils,
            inn,
            address,
            phone,
            email,
            fitness.to_owned(),
            status.to_owned(),
            until,
            region.to_string(),
            commissariat,
        ]
    }

    /// Writes `count` persons as CSV with a header row.
    pub fn write_csv<W: std::io::Write>(&mut self, out: W, count: u64) -> csv::Result<()> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(COLUMNS.iter().map(|f| f.name()))?;
        for _ in 0..count {
            w.write_record(self.next_row())?;
        }
        w.flush()?;
        Ok(())
    }
}

/// The feminine form of a surname (-ов → -ова, -ин → -ина, -ский → -ская, -ой → -ая).
pub fn feminine(surname: &str) -> String {
    for (m, f) in [("ский", "ская"), ("цкий", "цкая"), ("ой", "ая")] {
        if let Some(stem) = surname.strip_suffix(m) {
            return format!("{stem}{f}");
        }
    }
    if ["ов", "ев", "ёв", "ин", "ын"].iter().any(|s| surname.ends_with(s)) {
        return format!("{surname}а");
    }
    surname.to_owned()
}

/// Latin letters for an e-mail address (a simplified passport transliteration).
pub fn translit(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            let l = c.to_lowercase().next().unwrap_or(c);
            let t = match l {
                'а' => "a",
                'б' => "b",
                'в' => "v",
                'г' => "g",
                'д' => "d",
                'е' => "e",
                'ё' => "e",
                'ж' => "zh",
                'з' => "z",
                'и' => "i",
                'й' => "i",
                'к' => "k",
                'л' => "l",
                'м' => "m",
                'н' => "n",
                'о' => "o",
                'п' => "p",
                'р' => "r",
                'с' => "s",
                'т' => "t",
                'у' => "u",
                'ф' => "f",
                'х' => "kh",
                'ц' => "ts",
                'ч' => "ch",
                'ш' => "sh",
                'щ' => "shch",
                'ъ' => "",
                'ы' => "y",
                'ь' => "",
                'э' => "e",
                'ю' => "iu",
                'я' => "ia",
                _ if l.is_ascii_alphanumeric() => return vec![l],
                _ => "",
            };
            t.chars().collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::{collections::HashSet, sync::Arc};

    use super::*;

    #[test]
    fn every_generated_person_is_a_valid_record_with_unique_identifiers() {
        let as_of = jiff::civil::date(2026, 11, 1);
        let mut pop = Population::new(7, &reestr_core::region::PILOT_REGIONS, as_of);
        let prov = Arc::new(Provenance { source: "synth".into(), as_of });
        let (mut snils, mut passports, mut inns) = (HashSet::new(), HashSet::new(), HashSet::new());
        for _ in 0..3000 {
            let record = pop.next_record(&prov, Directory::builtin()).unwrap_or_else(|p| panic!("{p:?}"));
            assert!(snils.insert(record.snils().unwrap()));
            assert!(passports.insert(record.passport().unwrap().key()));
            assert!(inns.insert(record.inn().unwrap().to_string()));
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_people() {
        let as_of = jiff::civil::date(2026, 11, 1);
        let regions = reestr_core::region::PILOT_REGIONS;
        let a: Vec<_> = (0..10)
            .map({
                let mut p = Population::new(1, &regions, as_of);
                move |_| p.next_row()
            })
            .collect();
        let b: Vec<_> = (0..10)
            .map({
                let mut p = Population::new(1, &regions, as_of);
                move |_| p.next_row()
            })
            .collect();
        assert_eq!(a, b);
    }

    #[test]
    fn surnames_take_the_feminine_form() {
        assert_eq!(feminine("Иванов"), "Иванова");
        assert_eq!(feminine("Вишневский"), "Вишневская");
        assert_eq!(feminine("Толстой"), "Толстая");
        assert_eq!(feminine("Черных"), "Черных");
        assert_eq!(translit("Пётр Щукин"), "petrshchukin");
    }
}
