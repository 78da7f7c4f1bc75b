//! Extracts end to end over the SQLite store: both kinds, every form, and the ways a forgery
//! fails.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use jiff::Timestamp;
use reestr_core::access::Principal;
use reestr_core::{
    event::Actor,
    ids::Snils,
    person::{Field, PersonId, Provenance, Record},
    region::Directory,
    summons::{Appointment, Cancellation, Command, Draft, Purpose},
};
use reestr_docs::{
    Extracts, Lookup,
    content::{Extract, Kind},
    document::Document,
    html, pdf,
    verify::{VerifyError, verify_document, verify_file},
};
use reestr_ledger::keys::{KeyRing, SigningKeyPair, Verifiers};
use reestr_sqlite::SqliteStore;
use reestr_store::{Codec, ImportRow, Keyring, Register, RowOutcome};

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn record(n: u64) -> Record {
    let snils = Snils::from_number(100_000_000 + n).unwrap().to_string();
    let number = format!("{:06}", 314_159 + n);
    let texts = vec![
        (Field::Surname, "Кузнецов"),
        (Field::GivenName, "Пётр"),
        (Field::Patronymic, "Ильич"),
        (Field::Sex, "M"),
        (Field::BirthDate, "2004-02-29"),
        (Field::Snils, snils.as_str()),
        (Field::PassportSeries, "6104"),
        (Field::PassportNumber, number.as_str()),
        (Field::Inn, "500100732259"),
        (Field::Region, "62"),
        (Field::Commissariat, "62-001"),
        (Field::FitnessCategory, "Б"),
        (Field::Rank, "рядовой"),
    ];
    let mut texts = texts;
    if n != 0 {
        texts.retain(|(f, _)| *f != Field::Inn);
    }
    let prov = Arc::new(Provenance { source: "test".into(), as_of: jiff::civil::date(2025, 5, 1) });
    Record::from_texts(texts, &prov, Directory::builtin()).unwrap()
}

struct World {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    extracts: Extracts,
    keys: KeyRing,
}

fn ring(seed: u8, old: &Verifiers) -> KeyRing {
    KeyRing::new(SigningKeyPair::from_seed("reestr.test/log", &[seed; 32]).unwrap(), old.clone()).unwrap()
}

/// Two persons: the first with an overdue summons (measures in force) and a cancelled one.
fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reestr.db");
    let store = Arc::new(SqliteStore::open(&path).unwrap());
    let codec = Codec::new(Arc::new(Keyring::generate()));
    let reg = Register::new(store.clone(), codec.clone());
    let actor = Principal::operator("test");
    let at = ts("2025-05-09T11:00:00Z");
    let rows = (0..2).map(|i| ImportRow::new(i + 2, &record(i), &codec).unwrap()).collect();
    let ids: Vec<PersonId> = reg
        .import(&actor, rows, at)
        .unwrap()
        .into_iter()
        .map(|o| match o {
            RowOutcome::Created(id) => id,
            o => panic!("{o:?}"),
        })
        .collect();
    let draft = |person| Draft {
        person,
        commissariat: "62-001".parse().unwrap(),
        purpose: Purpose::CallUp,
        appointment: Appointment {
            at: "2025-05-20T09:00".parse().unwrap(),
            address: "г. Рязань, ул. Ленина, 1".into(),
        },
    };
    reg.issue(&actor, draft(ids[0]), at).unwrap();
    let second = reg.issue(&actor, draft(ids[0]), at).unwrap();
    reg.act(
        &actor,
        &second.number,
        Command::Cancel { cancellation: Cancellation::CourtDecision { reference: "2а-117/2025".into() } },
        ts("2025-05-12T08:00:00Z"),
    )
    .unwrap();
    reg.issue(&actor, draft(ids[1]), at).unwrap();
    reg.run_clock(ts("2025-06-10T00:00:00Z"), 100).unwrap();
    World {
        _dir: dir,
        path,
        extracts: Extracts::new(store, codec, "https://reestr.test"),
        keys: ring(1, &Verifiers::default()),
    }
}

fn make(w: &World, person: i64, kind: Kind) -> Document {
    w.extracts.make(PersonId(person), kind, &w.keys, &Actor::cli("citizen"), ts("2025-06-11T09:00:00Z")).unwrap()
}

fn content(d: &Document) -> Extract {
    serde_json::from_value(d.extract.clone()).unwrap()
}

#[test]
fn the_two_kinds_for_one_person_differ_and_each_verifies() {
    let w = world();
    let s = make(&w, 1, Kind::Summonses);
    let r = make(&w, 1, Kind::Record);
    assert_ne!(s.extract, r.extract);
    let (cs, cr) = (content(&s), content(&r));
    assert_ne!(cs.number, cr.number);
    let summonses = cs.summonses.as_ref().unwrap();
    assert!(cs.record.is_none() && cr.summonses.is_none());
    assert_eq!(summonses.len(), 2);
    assert_eq!(summonses[0].measures.len(), 7, "each measure with its start");
    assert_eq!(summonses[0].outcome.status, "overdue");
    assert_eq!(summonses[1].outcome.court_decision.as_deref(), Some("2а-117/2025"));
    assert!(summonses[0].served.as_ref().is_some_and(|s| s.how == "deemed"));
    let rec = cr.record.as_ref().unwrap();
    assert_eq!(rec.measures_in_force.len(), 7);
    assert_eq!(rec.fitness_category.as_deref(), Some("Б"));
    // Documents masked: no SNILS, passport or INN in the clear anywhere in the extract.
    let json = r.to_json();
    for secret in ["100-000-000", "100000000", "314159", "500100732259", "6104"] {
        assert!(!json.contains(secret), "{secret} in the record extract");
    }
    assert!(rec.snils.starts_with("***") && rec.passport.starts_with("**"));
    assert!(cs.verify_url.ends_with(&format!("/verify/{}", cs.number)));
    assert!(cs.made_at > cs.as_of || cs.as_of_event > 0);
    for doc in [&s, &r] {
        let v = verify_document(doc, &w.keys.verifiers).unwrap();
        assert_eq!(v.signed_by, w.keys.signing.key_id());
        for bytes in [doc.to_json().into_bytes(), html::render(doc).unwrap().into_bytes(), pdf::render(doc).unwrap()] {
            verify_file(&bytes, &w.keys.verifiers).unwrap();
        }
    }
}

#[test]
fn the_printable_forms_are_what_people_expect() {
    let w = world();
    let doc = make(&w, 1, Kind::Summonses);
    let page = html::render(&doc).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"ru\">"));
    assert!(page.contains("Выписка из реестра повесток") && page.contains("Extract from the register of summonses"));
    assert!(page.contains("<svg") && page.contains("https://reestr.test/verify/S-"), "a QR code to the public page");
    assert!(page.contains("запрет на выезд"));
    assert!(!page.contains("<script>") && !page.contains("<script src"), "no script runs");
    let pdf = pdf::render(&doc).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(pdf.windows(17).any(|w| w == b"RSTRAA+DejaVuSans"), "the font is embedded");
    assert!(pdf.windows(12).any(|w| w == b"extract.json"), "the signed document is attached");
    assert_eq!(pdf, pdf::render(&doc).unwrap(), "deterministic");
}

#[test]
fn a_changed_byte_is_caught_in_every_form() {
    let w = world();
    let doc = make(&w, 1, Kind::Record);
    // JSON: one digit of the birth date.
    let json = doc.to_json().replacen("2004-02-29", "2004-02-28", 1);
    assert!(matches!(verify_file(json.as_bytes(), &w.keys.verifiers), Err(VerifyError::Signature(_))));
    // The page: a visible letter, outside the signed data block.
    let page = html::render(&doc).unwrap().replacen("<td>Кузнецов", "<td>Кузнецев", 1);
    assert!(matches!(verify_file(page.as_bytes(), &w.keys.verifiers), Err(VerifyError::Altered(_))));
    // The page: the signed data block itself.
    let page = html::render(&doc).unwrap().replacen("\"full_name\":\"Кузнецов", "\"full_name\":\"Кузнецев", 1);
    assert!(matches!(verify_file(page.as_bytes(), &w.keys.verifiers), Err(VerifyError::Signature(_))));
    // The PDF: any single byte, anywhere.
    let pdf = pdf::render(&doc).unwrap();
    for at in [pdf.len() / 3, pdf.len() / 2, pdf.len() - 40] {
        let mut bad = pdf.clone();
        bad[at] ^= 0x01;
        assert!(verify_file(&bad, &w.keys.verifiers).is_err(), "byte {at}");
    }
}

#[test]
fn a_swapped_signature_is_caught() {
    let w = world();
    let a = make(&w, 1, Kind::Record);
    let b = make(&w, 1, Kind::Summonses);
    let mut swapped = a.clone();
    swapped.signature = b.signature.clone();
    assert!(matches!(verify_document(&swapped, &w.keys.verifiers), Err(VerifyError::Signature(_))));
    // Signed by someone else's key.
    let other = ring(9, &Verifiers::default());
    let note = other.signing.sign_note(&reestr_docs::document::signed_text(&a.extract)).unwrap();
    let mut forged = a.clone();
    forged.signature = note[reestr_docs::document::signed_text(&a.extract).len() + 1..].to_owned();
    assert!(matches!(verify_document(&forged, &w.keys.verifiers), Err(VerifyError::Signature(_))));
}

#[test]
fn an_extract_of_another_person_or_another_proof_is_caught() {
    let w = world();
    let mine = make(&w, 1, Kind::Record);
    let theirs = make(&w, 2, Kind::Record);
    // My signed content with the proof of their extract's issuance.
    let mut mixed = mine.clone();
    mixed.proof = theirs.proof.clone();
    assert!(matches!(verify_document(&mixed, &w.keys.verifiers), Err(VerifyError::Proof(_))));
    // My content and event, but the inclusion proof of another leaf.
    let mut wrong_leaf = mine.clone();
    let p = wrong_leaf.proof.as_mut().unwrap();
    p.proof.inclusion = theirs.proof.as_ref().unwrap().proof.inclusion.clone();
    assert!(matches!(verify_document(&wrong_leaf, &w.keys.verifiers), Err(VerifyError::Proof(_))));
    // Another person's id put into my content breaks the signature.
    let mut renamed = mine.clone();
    renamed.extract["person"]["id"] = 2.into();
    assert!(verify_document(&renamed, &w.keys.verifiers).is_err());
}

#[test]
fn an_extract_made_before_a_key_rotation_stays_genuine() {
    let mut w = world();
    let before = make(&w, 1, Kind::Summonses);
    let old = w.keys.verifiers.clone();
    w.keys = ring(2, &old);
    let after = make(&w, 1, Kind::Summonses);
    assert_ne!(
        verify_document(&before, &w.keys.verifiers).unwrap().signed_by,
        verify_document(&after, &w.keys.verifiers).unwrap().signed_by
    );
    // Downloaded again after the rotation: a fresh proof against a checkpoint signed by the new key.
    let (_, again) =
        w.extracts.document(&content(&before).number, &w.keys, ts("2025-06-12T00:00:00Z")).unwrap().unwrap();
    verify_document(&again, &w.keys.verifiers).unwrap();
    // Only the new key: the old extract's signature is unknown.
    let only_new = ring(2, &Verifiers::default());
    assert!(verify_document(&before, &only_new.verifiers).is_err());
}

#[test]
fn the_public_lookup_says_genuine_unknown_or_altered() {
    let w = world();
    let doc = make(&w, 1, Kind::Record);
    let number = content(&doc).number;
    assert!(matches!(w.extracts.lookup(&number, &w.keys.verifiers).unwrap(), Lookup::Genuine { .. }));
    assert_eq!(w.extracts.lookup("R-20250611-0000000000", &w.keys.verifiers).unwrap(), Lookup::Unknown);
    let file = doc.to_json();
    assert!(w.extracts.check_file(file.as_bytes(), &w.keys.verifiers).unwrap().is_ok());
    // Someone edits the stored (sealed) copy in the database.
    let c = rusqlite::Connection::open(&w.path).unwrap();
    let mut sealed: Vec<u8> =
        c.query_row("SELECT document FROM extracts WHERE number = ?1", [&number], |r| r.get(0)).unwrap();
    sealed[40] ^= 1;
    c.execute("UPDATE extracts SET document = ?2 WHERE number = ?1", rusqlite::params![number, sealed]).unwrap();
    assert!(matches!(w.extracts.lookup(&number, &w.keys.verifiers).unwrap(), Lookup::Altered { .. }));
    // The citizen's genuine file is no longer vouched for by the register either.
    assert!(w.extracts.check_file(file.as_bytes(), &w.keys.verifiers).unwrap().is_err());
}

#[test]
fn making_an_extract_is_recorded_in_the_log() {
    let w = world();
    let doc = make(&w, 2, Kind::Summonses);
    let event = &doc.proof.as_ref().unwrap().event;
    assert_eq!(event.kind, reestr_core::event::EventKind::ExtractIssued);
    assert_eq!(event.person, Some(PersonId(2)));
    assert_eq!(event.payload["number"], content(&doc).number.as_str());
    assert!(!event.payload.to_string().contains("Кузнецов"), "the log holds no personal data");
}
