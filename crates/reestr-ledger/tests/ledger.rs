//! The ledger over the SQLite store: checkpoints, proofs, tiles, and the audit catching every
//! kind of tampering with the database file.
#![allow(clippy::unwrap_used)]

use std::{path::PathBuf, sync::Arc};

use jiff::Timestamp;
use reestr_core::access::Principal;
use reestr_core::{
    ids::Snils,
    person::{Field, Provenance, Record},
    region::Directory,
    summons::{Appointment, Draft, Purpose},
};
use reestr_ledger::{
    Hash, Ledger, LedgerError,
    audit::audit,
    checkpoint,
    keys::{KeyRing, SigningKeyPair, Verifiers},
    leaf::leaf_hash,
};
use reestr_sqlite::SqliteStore;
use reestr_store::{Codec, ImportRow, Keyring, Register, RowOutcome};

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

struct World {
    _dir: tempfile::TempDir,
    path: PathBuf,
    reg: Register,
    codec: Codec,
    ledger: Ledger,
    keys: KeyRing,
}

fn record(n: u64) -> Record {
    let snils = Snils::from_number(100_000_000 + n).unwrap().to_string();
    let number = format!("{n:06}");
    let texts = vec![
        (Field::Surname, "Кузнецов"),
        (Field::GivenName, "Пётр"),
        (Field::Sex, "M"),
        (Field::BirthDate, "2004-02-29"),
        (Field::Snils, snils.as_str()),
        (Field::PassportSeries, "6104"),
        (Field::PassportNumber, number.as_str()),
        (Field::Region, "62"),
        (Field::Commissariat, "62-001"),
    ];
    let prov = Arc::new(Provenance { source: "test".into(), as_of: jiff::civil::date(2025, 5, 1) });
    Record::from_texts(texts, &prov, Directory::builtin()).unwrap()
}

fn keys(seed: u8) -> KeyRing {
    KeyRing::new(SigningKeyPair::from_seed("reestr.test/log", &[seed; 32]).unwrap(), Verifiers::default()).unwrap()
}

/// A register with `n` persons, a summons each, and the clock run so that measures started.
fn world(n: u64) -> World {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reestr.db");
    let store = Arc::new(SqliteStore::open(&path).unwrap());
    let codec = Codec::new(Arc::new(Keyring::generate()));
    let reg = Register::new(store.clone(), codec.clone());
    let actor = Principal::operator("test");
    let at = ts("2025-05-09T11:00:00Z");
    let rows = (0..n).map(|i| ImportRow::new(i + 2, &record(i), &codec).unwrap()).collect();
    for o in reg.import(&actor, rows, at).unwrap() {
        let RowOutcome::Created(id) = o else { panic!() };
        let draft = Draft {
            person: id,
            commissariat: "62-001".parse().unwrap(),
            purpose: Purpose::ClarifyRecords,
            appointment: Appointment { at: "2025-05-20T09:00".parse().unwrap(), address: "Рязань".into() },
        };
        reg.issue(&actor, draft, at).unwrap();
    }
    reg.run_clock(ts("2025-06-10T00:00:00Z"), 100).unwrap();
    World { _dir: dir, path, ledger: Ledger::new(store), reg, codec, keys: keys(1) }
}

fn raw(w: &World) -> rusqlite::Connection {
    let c = rusqlite::Connection::open(&w.path).unwrap();
    // As an attacker with the file would: the triggers only stop honest mistakes.
    c.execute_batch("DROP TRIGGER IF EXISTS events_no_update; DROP TRIGGER IF EXISTS events_no_delete;").unwrap();
    c
}

fn now() -> Timestamp {
    ts("2025-06-10T00:00:00Z")
}

#[test]
fn every_event_is_provably_in_the_signed_tree() {
    let w = world(3);
    let events = w.reg.stats().unwrap().last_event;
    assert!(events > 20, "{events}");
    let cp = w.ledger.checkpoint(&w.keys, now()).unwrap();
    assert_eq!(cp.size, events);
    let opened = checkpoint::open(&cp.note, &w.keys.verifiers).unwrap();
    assert_eq!(opened.checkpoint.size(), events);
    for seq in 1..=events {
        let row = w.ledger.leaf(seq).unwrap();
        let leaf = leaf_hash(row.salt.as_ref().unwrap(), row.event.as_ref().unwrap());
        let proof = w.ledger.prove(seq, &cp).unwrap();
        assert_eq!(proof.verify(leaf, &w.keys.verifiers).unwrap(), events);
        // The proof of one event does not prove another.
        if seq > 1 {
            let other = w.ledger.leaf(seq - 1).unwrap();
            let wrong = leaf_hash(other.salt.as_ref().unwrap(), other.event.as_ref().unwrap());
            assert!(proof.verify(wrong, &w.keys.verifiers).is_err());
        }
    }
    // The same log, asked again, gives the same checkpoint: no signature per request.
    assert_eq!(w.ledger.checkpoint(&w.keys, now()).unwrap(), cp);
}

#[test]
fn checkpoints_are_per_batch_and_consistent_with_each_other() {
    let w = world(2);
    let first = w.ledger.checkpoint(&w.keys, now()).unwrap();
    w.reg
        .set_rollout(&Principal::operator("t"), "77".parse().unwrap(), reestr_core::region::Rollout::Live, now())
        .unwrap();
    w.reg
        .set_rollout(&Principal::operator("t"), "78".parse().unwrap(), reestr_core::region::Rollout::Live, now())
        .unwrap();
    let second = w.ledger.checkpoint(&w.keys, now()).unwrap();
    assert_eq!(second.size, first.size + 2);
    let proof = w.ledger.consistency_proof(first.size, second.size).unwrap();
    tlog_tiles::check_tree(&proof, second.size, Hash(second.root), first.size, Hash(first.root)).unwrap();
    assert!(audit(&**w.ledger.store(), &w.codec, &w.keys.verifiers).unwrap().is_clean());
}

/// Found by the crash harness: a checkpoint of the empty log (a register's first `reestr log
/// checkpoint`) made every later signing fail, since RFC 6962 has no proof from size 0.
#[test]
fn a_checkpoint_of_the_empty_log_is_extended_by_the_next() {
    let w = world(0);
    let empty = w.ledger.checkpoint(&w.keys, now()).unwrap();
    assert_eq!(empty.size, 0);
    w.reg
        .set_rollout(&Principal::operator("t"), "77".parse().unwrap(), reestr_core::region::Rollout::Live, now())
        .unwrap();
    let next = w.ledger.checkpoint(&w.keys, now()).unwrap();
    assert_eq!(next.size, 1);
    assert!(audit(&**w.ledger.store(), &w.codec, &w.keys.verifiers).unwrap().is_clean());
}

#[test]
fn the_register_refuses_to_sign_a_tree_inconsistent_with_its_last_checkpoint() {
    let w = world(2);
    w.ledger.checkpoint(&w.keys, now()).unwrap();
    // Someone rewrites the stored tree, then the log grows.
    raw(&w).execute("UPDATE tree_hashes SET hash = zeroblob(32)", []).unwrap();
    w.reg
        .set_rollout(&Principal::operator("t"), "77".parse().unwrap(), reestr_core::region::Rollout::Live, now())
        .unwrap();
    let e = w.ledger.checkpoint(&w.keys, now()).unwrap_err();
    assert!(matches!(e, LedgerError::Inconsistent { .. }), "{e}");
    assert_eq!(w.ledger.store().read(&mut |tx| tx.checkpoints().map(|c| assert_eq!(c.len(), 1))).ok(), Some(()));
}

#[test]
fn a_forged_last_checkpoint_is_not_trusted() {
    let w = world(1);
    w.ledger.checkpoint(&w.keys, now()).unwrap();
    let forged = checkpoint::sign(&keys(9).signing, 1, Hash([0; 32])).unwrap();
    raw(&w)
        .execute(
            "INSERT INTO checkpoints (size, root, note, key_id, signed_at) VALUES (1, zeroblob(32), ?1, 'x', 0)",
            [forged],
        )
        .unwrap();
    w.reg
        .set_rollout(&Principal::operator("t"), "77".parse().unwrap(), reestr_core::region::Rollout::Live, now())
        .unwrap();
    assert!(matches!(w.ledger.checkpoint(&w.keys, now()), Err(LedgerError::BadSignature(_))));
}

#[test]
fn tiles_hold_the_leaf_hashes() {
    let w = world(2);
    let cp = w.ledger.checkpoint(&w.keys, now()).unwrap();
    let width = cp.size;
    let tile = w.ledger.tile(&format!("tile/0/000.p/{width}")).unwrap();
    assert_eq!(tile.len() as u64, 32 * width);
    let row = w.ledger.leaf(2).unwrap();
    assert_eq!(&tile[32..64], &leaf_hash(row.salt.as_ref().unwrap(), row.event.as_ref().unwrap()).0);
    assert!(w.ledger.tile(&format!("tile/0/000.p/{}", width + 1)).is_err(), "beyond the checkpoint");
    assert!(w.ledger.tile("tile/0/000").is_err(), "a full tile of a smaller tree");
}

fn audited(w: &World) -> reestr_ledger::audit::AuditReport {
    audit(&**w.ledger.store(), &w.codec, &w.keys.verifiers).unwrap()
}

#[test]
fn the_audit_passes_an_untouched_register() {
    let w = world(3);
    w.ledger.checkpoint(&w.keys, now()).unwrap();
    let r = audited(&w);
    assert!(r.is_clean(), "{:?}", r.findings);
    assert_eq!((r.persons, r.checkpoints, r.uncovered()), (3, 1, 0));
}

#[test]
fn the_audit_finds_a_changed_event() {
    let w = world(3);
    w.ledger.checkpoint(&w.keys, now()).unwrap();
    raw(&w).execute("UPDATE events SET effective_at = effective_at + 86400000000 WHERE seq = 5", []).unwrap();
    let r = audited(&w);
    assert_eq!(r.first_event_that_differs(), Some(5), "{:?}", r.findings);
    assert!(r.findings.iter().any(|f| f.code == "checkpoint_mismatch"));
}

#[test]
fn the_audit_finds_a_changed_event_even_when_the_tree_was_rewritten_to_match() {
    let w = world(2);
    w.ledger.checkpoint(&w.keys, now()).unwrap();
    let c = raw(&w);
    c.execute("UPDATE events SET actor = 'cli:someone-else' WHERE seq = 4", []).unwrap();
    c.execute_batch("DELETE FROM tree_hashes; UPDATE tree_size SET size = 0;").unwrap();
    drop(c);
    w.reg
        .set_rollout(&Principal::operator("t"), "77".parse().unwrap(), reestr_core::region::Rollout::Live, now())
        .unwrap();
    // The tree rebuilt from the changed log no longer gives the signed root.
    let e = w.ledger.checkpoint(&w.keys, now()).unwrap_err();
    assert!(matches!(e, LedgerError::Inconsistent { .. }), "{e}");
    let r = audited(&w);
    assert_eq!(r.first_event_that_differs(), Some(1), "bounded by the checkpoints: {:?}", r.findings);
    assert!(r.findings.iter().any(|f| f.code == "checkpoint_mismatch"));
}

#[test]
fn the_audit_finds_a_deleted_event() {
    let w = world(3);
    w.ledger.checkpoint(&w.keys, now()).unwrap();
    raw(&w).execute("DELETE FROM events WHERE seq = 7", []).unwrap();
    let r = audited(&w);
    assert_eq!(r.first_event_that_differs(), Some(7), "{:?}", r.findings);
    assert_eq!(r.findings.iter().filter(|f| f.code == "event_missing").count(), 1);
}

#[test]
fn the_audit_finds_the_last_events_deleted() {
    let w = world(2);
    let cp = w.ledger.checkpoint(&w.keys, now()).unwrap();
    let c = raw(&w);
    c.execute("DELETE FROM events WHERE seq >= ?1", [cp.size as i64 - 1]).unwrap();
    let r = audited(&w);
    assert_eq!(r.first_event_that_differs(), Some(cp.size - 1), "{:?}", r.findings);
}

#[test]
fn the_audit_finds_an_inserted_event() {
    let w = world(2);
    w.ledger.checkpoint(&w.keys, now()).unwrap();
    let c = raw(&w);
    // Make room after event 3 and insert a forged one, salt and all.
    c.execute_batch(
        "UPDATE events SET seq = seq + 1000000 WHERE seq > 3;
         UPDATE events SET seq = seq - 999999 WHERE seq > 1000000;
         INSERT INTO events (seq, recorded_at, effective_at, kind, actor, person_id, summons, payload, salt)
         VALUES (4, 1746788400000000, 1746788400000000, 'rollout_changed', 'cli:x', NULL, NULL, '{}', randomblob(32));",
    )
    .unwrap();
    let r = audited(&w);
    assert_eq!(r.first_event_that_differs(), Some(4), "{:?}", r.findings);
}

#[test]
fn the_audit_finds_a_changed_person_record() {
    let w = world(2);
    w.ledger.checkpoint(&w.keys, now()).unwrap();
    let c = raw(&w);
    // Person 2 given person 1's (sealed) record.
    c.execute("UPDATE persons SET record = (SELECT record FROM persons WHERE id = 1) WHERE id = 2", []).unwrap();
    let r = audited(&w);
    let f: Vec<_> = r.findings.iter().map(|f| (f.code, f.person.map(|p| p.0))).collect();
    assert_eq!(f, [("person_record_changed", Some(2))]);
    assert!(!r.findings[0].message.contains("Кузнец"), "no personal data in findings");
}

#[test]
fn the_audit_tells_a_damaged_tree_from_a_changed_event() {
    let w = world(2);
    w.ledger.checkpoint(&w.keys, now()).unwrap();
    raw(&w).execute("UPDATE tree_hashes SET hash = zeroblob(32) WHERE idx = 0", []).unwrap();
    let r = audited(&w);
    assert_eq!(r.findings.iter().map(|f| f.code).collect::<Vec<_>>(), ["tree_damaged"], "{:?}", r.findings);
    assert_eq!(r.first_event_that_differs(), None);
}

#[test]
fn the_audit_finds_a_forged_checkpoint() {
    let w = world(1);
    w.ledger.checkpoint(&w.keys, now()).unwrap();
    let forged = checkpoint::sign(&keys(9).signing, 1, Hash([0; 32])).unwrap();
    raw(&w)
        .execute(
            "INSERT INTO checkpoints (size, root, note, key_id, signed_at) VALUES (1, zeroblob(32), ?1, 'x', 0)",
            [forged],
        )
        .unwrap();
    let r = audited(&w);
    assert_eq!(r.findings.iter().map(|f| f.code).collect::<Vec<_>>(), ["checkpoint_unsigned"]);
}

#[test]
fn events_after_the_last_checkpoint_are_reported_as_uncovered_not_as_tampering() {
    let w = world(1);
    w.ledger.checkpoint(&w.keys, now()).unwrap();
    w.reg
        .set_rollout(&Principal::operator("t"), "77".parse().unwrap(), reestr_core::region::Rollout::Live, now())
        .unwrap();
    let r = audited(&w);
    assert!(r.is_clean(), "{:?}", r.findings);
    assert_eq!(r.uncovered(), 1);
}
