//! The tests every backend passes, run by each backend through [`conformance_tests!`].
//!
//! They drive the register's use cases over a fresh database and check what was stored.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use jiff::Timestamp;
use reestr_core::{
    event::{Actor, EventKind},
    ids::{Inn, Snils},
    person::{Field, PersonId, Provenance, Record},
    region::{Directory, Rollout},
    summons::{Appointment, Command, Draft, Purpose, Status, Summons},
};

use crate::{ImportRow, Register, RowOutcome, Store, StoreError, image};

/// A backend under test.
pub trait Harness {
    /// Whether the backend can be tested here. When it cannot, each test prints why and passes
    /// without running; a backend must only say so when it was not asked for (e.g. no database
    /// URL given), never when the database it was given is unreachable.
    fn available() -> bool {
        true
    }
    /// A fresh, empty database.
    fn fresh() -> Self;
    fn store(&self) -> Arc<dyn Store>;
    /// Another handle on the same database, as a second process would open it.
    fn reopen(&self) -> Arc<dyn Store>;
}

/// Generates one `#[test]` per conformance test for a [`Harness`].
#[macro_export]
macro_rules! conformance_tests {
    ($harness:ty) => {
        $crate::conformance_tests!(@each $harness;
            import_creates_each_person_with_an_event,
            reimporting_the_same_rows_changes_nothing_and_adds_no_events,
            an_update_keeps_the_old_value_in_history_with_its_provenance,
            a_passport_of_another_person_is_rejected_and_the_rest_imported,
            a_failed_transaction_leaves_nothing_behind,
            regions_start_in_their_rollout_state_and_changes_are_events,
            no_summons_can_be_posted_where_the_register_is_off,
            summonses_are_numbered_per_region_and_year,
            the_clock_applies_each_step_at_its_legal_instant_once,
            the_clock_catches_up_after_downtime,
            the_clock_touches_only_what_is_due,
            two_clocks_at_once_start_each_measure_once,
            appearance_lifts_the_stored_measures,
            a_refused_step_changes_nothing,
            the_log_is_gap_free_and_in_order,
            export_gives_every_person_in_id_order,
            one_import_transaction_keeps_every_key_unique,
            a_copy_moves_everything_and_proves_it,
        );
    };
    (@each $harness:ty; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                if <$harness as $crate::conformance::Harness>::available() {
                    $crate::conformance::$name::<$harness>();
                }
            }
        )*
    };
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn actor() -> Actor {
    Actor::cli("test")
}

fn provenance(source: &str) -> Arc<Provenance> {
    Arc::new(Provenance { source: source.into(), as_of: jiff::civil::date(2025, 5, 1) })
}

/// A valid synthetic person number `n` in Ryazan Oblast.
fn record(n: u64, source: &str) -> Record {
    let snils = Snils::from_number(100_000_000 + n).unwrap().to_string();
    let mut prefix = [6, 2, 0, 0, 0, 0, 0, 0, 0, 0];
    for (i, d) in format!("{:08}", n).bytes().enumerate() {
        prefix[2 + i] = d - b'0';
    }
    let inn = Inn::personal_from_prefix(&prefix).to_string();
    let number = format!("{:06}", n);
    let texts = vec![
        (Field::Surname, "Кузнецов"),
        (Field::GivenName, "Пётр"),
        (Field::Patronymic, "Ильич"),
        (Field::Sex, "M"),
        (Field::BirthDate, "2004-02-29"),
        (Field::Snils, snils.as_str()),
        (Field::Inn, inn.as_str()),
        (Field::PassportSeries, "6104"),
        (Field::PassportNumber, number.as_str()),
        (Field::Region, "62"),
        (Field::Commissariat, "62-001"),
    ];
    Record::from_texts(texts, &provenance(source), Directory::builtin()).unwrap()
}

fn rows(range: std::ops::Range<u64>, source: &str) -> Vec<ImportRow> {
    range.map(|n| ImportRow::new(n + 2, &record(n, source)).unwrap()).collect()
}

fn register<H: Harness>(h: &H) -> Register {
    Register::new(h.store())
}

/// Imports `n` persons and posts each a summons at `posted`.
fn summoned(reg: &Register, n: u64, posted: Timestamp) -> Vec<Summons> {
    let outcomes = reg.import(rows(0..n, "test"), &actor(), posted).unwrap();
    outcomes
        .iter()
        .map(|o| {
            let RowOutcome::Created(id) = o else { panic!("{o:?}") };
            reg.issue(draft(*id), &actor(), posted).unwrap()
        })
        .collect()
}

fn draft(person: PersonId) -> Draft {
    Draft {
        person,
        commissariat: "62-001".parse().unwrap(),
        purpose: Purpose::ClarifyRecords,
        appointment: Appointment {
            at: "2025-05-20T09:00".parse().unwrap(),
            address: "г. Рязань, ул. Ленина, 1".into(),
        },
    }
}

fn kinds(reg: &Register) -> Vec<EventKind> {
    reg.events(0, usize::MAX >> 1).unwrap().into_iter().map(|e| e.kind).collect()
}

pub fn import_creates_each_person_with_an_event<H: Harness>() {
    let h = H::fresh();
    let reg = register(&h);
    let out = reg.import(rows(0..3, "import:a.csv"), &actor(), ts("2025-05-01T10:00:00Z")).unwrap();
    assert!(out.iter().all(|o| matches!(o, RowOutcome::Created(_))), "{out:?}");
    assert_eq!(reg.stats().unwrap().persons, 3);
    let events = reg.events(0, 100).unwrap();
    assert_eq!(events.len(), 3);
    assert!(events.iter().all(|e| e.kind == EventKind::PersonCreated && e.person.is_some()));
    let p = reg.person_by_snils(record(1, "x").snils().unwrap()).unwrap();
    assert_eq!(p.record, record(1, "import:a.csv"));
    assert_eq!(p.record.entry(Field::Surname).unwrap().provenance.source, "import:a.csv");
    // The log names the fields and commits to the record, but holds no personal data.
    let payload = events[1].payload.to_string();
    assert!(payload.contains("record_sha256") && !payload.contains("Кузнецов"), "{payload}");
}

pub fn reimporting_the_same_rows_changes_nothing_and_adds_no_events<H: Harness>() {
    let h = H::fresh();
    let reg = register(&h);
    reg.import(rows(0..5, "import:a.csv"), &actor(), ts("2025-05-01T10:00:00Z")).unwrap();
    let before = reg.stats().unwrap().last_event;
    let out = reg.import(rows(0..5, "import:a.csv"), &actor(), ts("2025-05-02T10:00:00Z")).unwrap();
    assert!(out.iter().all(|o| matches!(o, RowOutcome::Unchanged(_))), "{out:?}");
    assert_eq!(reg.stats().unwrap().last_event, before);
}

pub fn an_update_keeps_the_old_value_in_history_with_its_provenance<H: Harness>() {
    let h = H::fresh();
    let reg = register(&h);
    reg.import(rows(0..1, "import:a.csv"), &actor(), ts("2025-05-01T10:00:00Z")).unwrap();
    let mut changed = record(0, "import:b.csv");
    let id = reg.person_by_snils(changed.snils().unwrap()).unwrap().id;
    changed.set(Field::Surname, "Кузнецова", &provenance("import:b.csv"), Directory::builtin()).unwrap();
    let out = reg.import(vec![ImportRow::new(2, &changed).unwrap()], &actor(), ts("2025-05-03T10:00:00Z")).unwrap();
    assert_eq!(out, [RowOutcome::Updated(id)]);
    let p = reg.person(id).unwrap();
    assert_eq!(p.record.text(Field::Surname).unwrap(), "Кузнецова");
    assert_eq!(p.record.entry(Field::Surname).unwrap().provenance.source, "import:b.csv");
    assert_eq!(p.record.entry(Field::GivenName).unwrap().provenance.source, "import:a.csv");
    let history = reg.history(id).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!((history[0].field, history[0].value.to_string()), (Field::Surname, "Кузнецов".to_owned()));
    assert_eq!(history[0].provenance.source, "import:a.csv");
    assert_eq!(history[0].replaced_at, ts("2025-05-03T10:00:00Z"));
    let events = reg.events_of_person(id).unwrap();
    assert_eq!(events.iter().map(|e| e.kind).collect::<Vec<_>>(), [EventKind::PersonCreated, EventKind::PersonUpdated]);
    assert_eq!(history[0].event_seq, events[1].seq);

    // One field by hand, with its provenance.
    let prov = Provenance { source: "registrar:62-001/petrova".into(), as_of: jiff::civil::date(2025, 5, 4) };
    let change =
        reg.update_field(id, Field::Phone, "+7 912 000-00-01", prov, &actor(), ts("2025-05-04T10:00:00Z")).unwrap();
    assert!(change.is_some_and(|c| c.old.is_none()));
    assert_eq!(reg.person(id).unwrap().record.text(Field::Phone).unwrap(), "+79120000001");
}

pub fn a_passport_of_another_person_is_rejected_and_the_rest_imported<H: Harness>() {
    let h = H::fresh();
    let reg = register(&h);
    reg.import(rows(0..1, "a"), &actor(), ts("2025-05-01T10:00:00Z")).unwrap();
    // Person 1 with person 0's passport number, and person 2 as it is.
    let mut clash = record(1, "b");
    clash.set(Field::PassportNumber, "000000", &provenance("b"), Directory::builtin()).unwrap();
    let batch = vec![ImportRow::new(2, &clash).unwrap(), ImportRow::new(3, &record(2, "b")).unwrap()];
    let out = reg.import(batch, &actor(), ts("2025-05-02T10:00:00Z")).unwrap();
    assert!(matches!(&out[0], RowOutcome::Rejected(p) if p[0].code == "passport_taken"), "{out:?}");
    assert!(matches!(out[1], RowOutcome::Created(_)));
    assert_eq!(reg.stats().unwrap().persons, 2);
}

pub fn a_failed_transaction_leaves_nothing_behind<H: Harness>() {
    let h = H::fresh();
    let store = h.store();
    let r = store.write(&mut |tx| {
        tx.insert_person(&crate::PersonRow::new(&record(0, "a"))?)?;
        Err(StoreError::Backend("interrupted".into()))
    });
    assert!(r.is_err());
    let reg = register(&h);
    assert_eq!(reg.stats().unwrap().persons, 0);
    assert_eq!(reg.stats().unwrap().last_event, 0);
}

pub fn regions_start_in_their_rollout_state_and_changes_are_events<H: Harness>() {
    let h = H::fresh();
    let reg = register(&h);
    let rollout = reg.rollout().unwrap();
    assert_eq!(rollout.len(), 89);
    assert_eq!(rollout[&"62".parse().unwrap()], Rollout::Pilot);
    assert_eq!(rollout[&"77".parse().unwrap()], Rollout::Off);
    let moscow = "77".parse().unwrap();
    assert!(reg.set_rollout(moscow, Rollout::Live, &actor(), ts("2025-05-09T00:00:00Z")).unwrap());
    assert!(!reg.set_rollout(moscow, Rollout::Live, &actor(), ts("2025-05-09T00:00:01Z")).unwrap());
    assert_eq!(reg.rollout().unwrap()[&moscow], Rollout::Live);
    assert_eq!(kinds(&reg), [EventKind::RolloutChanged]);
    // Reopening keeps the switched state.
    assert_eq!(Register::new(h.reopen()).rollout().unwrap()[&moscow], Rollout::Live);
}

pub fn no_summons_can_be_posted_where_the_register_is_off<H: Harness>() {
    let h = H::fresh();
    let reg = register(&h);
    let at = ts("2025-05-09T11:00:00Z");
    let id = match reg.import(rows(0..1, "a"), &actor(), at).unwrap()[0] {
        RowOutcome::Created(id) => id,
        ref o => panic!("{o:?}"),
    };
    reg.set_rollout("62".parse().unwrap(), Rollout::Off, &actor(), at).unwrap();
    let e = reg.issue(draft(id), &actor(), at).unwrap_err();
    assert!(matches!(e, StoreError::RegionOff(_)), "{e:?}");
    let mut elsewhere = draft(id);
    elsewhere.commissariat = "12-001".parse().unwrap();
    let e = reg.issue(elsewhere, &actor(), at).unwrap_err();
    assert!(matches!(e, StoreError::Invalid(ref p) if p[0].code == "commissariat_not_in_region"), "{e:?}");
}

pub fn summonses_are_numbered_per_region_and_year<H: Harness>() {
    let h = H::fresh();
    let reg = register(&h);
    let s = summoned(&reg, 2, ts("2025-05-09T11:00:00Z"));
    assert_eq!(s[0].number.as_str(), "62-2025-0000001");
    assert_eq!(s[1].number.as_str(), "62-2025-0000002");
    assert_eq!(s[0].policy, "seed-2025");
    assert_eq!(s[0].zone.name(), "Europe/Moscow");
    assert_eq!(reg.summons(&s[1].number).unwrap(), s[1]);
    assert_eq!(reg.summonses_of(s[0].person).unwrap(), [s[0].clone()]);
}

pub fn the_clock_applies_each_step_at_its_legal_instant_once<H: Harness>() {
    let h = H::fresh();
    let reg = register(&h);
    let s = summoned(&reg, 1, ts("2025-05-09T11:00:00Z")).remove(0);
    assert_eq!(reg.next_due().unwrap(), Some(ts("2025-05-16T21:00:00Z")));
    assert_eq!(reg.run_clock(ts("2025-05-16T20:59:59Z"), 100).unwrap().summonses, 0);
    let r = reg.run_clock(ts("2025-05-16T21:00:00Z"), 100).unwrap();
    assert_eq!((r.served, r.overdue), (1, 0));
    assert_eq!(reg.summons(&s.number).unwrap().status, Status::Served);
    assert_eq!(reg.next_due().unwrap(), Some(ts("2025-06-06T21:00:00Z")));
    let r = reg.run_clock(ts("2025-06-06T21:00:00Z"), 100).unwrap();
    assert_eq!((r.overdue, r.measures_started), (1, 7));
    assert_eq!(reg.run_clock(ts("2025-06-07T00:00:00Z"), 100).unwrap().summonses, 0, "nothing twice");
    assert_eq!(reg.next_due().unwrap(), None);
    assert_eq!(reg.stats().unwrap().measures_in_force, 7);
    let started: Vec<_> =
        reg.events(0, 1000).unwrap().into_iter().filter(|e| e.kind == EventKind::MeasureStarted).collect();
    assert_eq!(started.len(), 7);
    assert!(started.iter().all(|e| e.effective_at == ts("2025-06-06T21:00:00Z") && e.recorded_at == e.effective_at));
}

pub fn the_clock_catches_up_after_downtime<H: Harness>() {
    let h = H::fresh();
    let reg = register(&h);
    let s = summoned(&reg, 1, ts("2025-05-09T11:00:00Z")).remove(0);
    let back = ts("2025-08-01T08:00:00Z");
    let r = reg.run_clock(back, 100).unwrap();
    assert_eq!((r.served, r.overdue, r.measures_started), (1, 1, 7));
    let events = reg.events(0, 1000).unwrap();
    let served = events.iter().find(|e| e.kind == EventKind::SummonsServed).unwrap();
    assert_eq!((served.effective_at, served.recorded_at), (ts("2025-05-16T21:00:00Z"), back));
    let stored = reg.summons(&s.number).unwrap();
    assert_eq!(stored.measures[0].started_at, ts("2025-06-06T21:00:00Z"));
}

pub fn the_clock_touches_only_what_is_due<H: Harness>() {
    let h = H::fresh();
    let reg = register(&h);
    let early = summoned(&reg, 3, ts("2025-05-09T11:00:00Z"));
    // Posted a day later in local time, so served a day later.
    let late = reg.import(rows(10..12, "b"), &actor(), ts("2025-05-10T11:00:00Z")).unwrap();
    for o in late {
        let RowOutcome::Created(id) = o else { panic!() };
        reg.issue(draft(id), &actor(), ts("2025-05-10T11:00:00Z")).unwrap();
    }
    let r = reg.run_clock(ts("2025-05-16T21:00:00Z"), 2).unwrap();
    assert_eq!((r.summonses, r.served), (3, 3));
    assert!(r.batches >= 2, "batches of two: {r:?}");
    for s in &early {
        assert_eq!(reg.summons(&s.number).unwrap().status, Status::Served);
    }
    assert_eq!(reg.stats().unwrap().summonses[&Status::Posted], 2);
}

pub fn two_clocks_at_once_start_each_measure_once<H: Harness>() {
    let h = H::fresh();
    let reg = register(&h);
    let n = 40;
    summoned(&reg, n, ts("2025-05-09T11:00:00Z"));
    let at = ts("2025-07-01T00:00:00Z");
    let clocks: Vec<_> = [h.store(), h.reopen()]
        .into_iter()
        .map(|store| std::thread::spawn(move || Register::new(store).run_clock(at, 3)))
        .collect();
    let reports: Vec<_> = clocks.into_iter().map(|c| c.join().unwrap().unwrap()).collect();
    let started: u64 = reports.iter().map(|r| r.measures_started).sum();
    assert_eq!(started, 7 * n, "{reports:?}");
    let events = reg.events(0, 100_000).unwrap();
    assert_eq!(events.iter().filter(|e| e.kind == EventKind::MeasureStarted).count() as u64, 7 * n);
    assert_eq!(events.iter().filter(|e| e.kind == EventKind::SummonsServed).count() as u64, n);
    assert_eq!(reg.stats().unwrap().measures_in_force, 7 * n);
}

pub fn appearance_lifts_the_stored_measures<H: Harness>() {
    let h = H::fresh();
    let reg = register(&h);
    let s = summoned(&reg, 1, ts("2025-05-09T11:00:00Z")).remove(0);
    reg.run_clock(ts("2025-06-10T00:00:00Z"), 100).unwrap();
    assert_eq!(reg.stats().unwrap().measures_in_force, 7);
    let after = reg.act(&s.number, Command::Appear, &actor(), ts("2025-06-11T07:30:00Z")).unwrap();
    assert_eq!(after.status, Status::Appeared);
    assert_eq!(reg.stats().unwrap().measures_in_force, 0);
    let lifted = reg.events(0, 1000).unwrap().into_iter().filter(|e| e.kind == EventKind::MeasureLifted).count();
    assert_eq!(lifted, 7);
}

pub fn a_refused_step_changes_nothing<H: Harness>() {
    let h = H::fresh();
    let reg = register(&h);
    let s = summoned(&reg, 1, ts("2025-05-09T11:00:00Z")).remove(0);
    reg.act(&s.number, Command::Appear, &actor(), ts("2025-05-12T07:00:00Z")).unwrap();
    let before = reg.stats().unwrap().last_event;
    let e = reg.act(&s.number, Command::Appear, &actor(), ts("2025-05-13T07:00:00Z")).unwrap_err();
    assert_eq!(reestr_core::ErrorCode::code(&e), "summons_closed");
    assert_eq!(reg.stats().unwrap().last_event, before);
    let missing = "62-2025-0009999".parse().unwrap();
    assert!(matches!(
        reg.act(&missing, Command::Appear, &actor(), ts("2025-05-13T07:00:00Z")),
        Err(StoreError::NotFound { .. })
    ));
}

pub fn the_log_is_gap_free_and_in_order<H: Harness>() {
    let h = H::fresh();
    let reg = register(&h);
    summoned(&reg, 5, ts("2025-05-09T11:00:00Z"));
    reg.run_clock(ts("2025-07-01T00:00:00Z"), 2).unwrap();
    let events = reg.events(0, 100_000).unwrap();
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e.seq, i as u64 + 1);
    }
    let page = reg.events(3, 4).unwrap();
    assert_eq!(page.iter().map(|e| e.seq).collect::<Vec<_>>(), [4, 5, 6, 7]);
    assert_eq!(reg.stats().unwrap().last_event, events.len() as u64);
}

pub fn export_gives_every_person_in_id_order<H: Harness>() {
    let h = H::fresh();
    let reg = register(&h);
    reg.import(rows(0..20, "a"), &actor(), ts("2025-05-01T10:00:00Z")).unwrap();
    let mut seen = Vec::new();
    reg.for_each_person(|p| {
        seen.push(p.id);
        Ok(())
    })
    .unwrap();
    assert_eq!(seen.len(), 20);
    assert!(seen.windows(2).all(|w| w[0] < w[1]));
}

fn with_keys(n: u64, passport: Option<&str>, inn_of: Option<u64>, source: &str) -> Record {
    let mut r = record(n, source);
    if let Some(p) = passport {
        r.set(Field::PassportNumber, p, &provenance(source), Directory::builtin()).unwrap();
    }
    if let Some(other) = inn_of {
        let inn = record(other, source).text(Field::Inn).unwrap().to_owned();
        r.set(Field::Inn, &inn, &provenance(source), Directory::builtin()).unwrap();
    }
    r
}

fn codes(o: &RowOutcome) -> Vec<&'static str> {
    match o {
        RowOutcome::Rejected(p) => p.iter().map(|p| p.code).collect(),
        _ => vec![],
    }
}

/// Many rows in one transaction (so that backends take their bulk path), with rows that compete
/// for the same keys: each row gets the outcome it would get if the new rows were inserted one
/// by one in order and the known persons updated after them.
pub fn one_import_transaction_keeps_every_key_unique<H: Harness>() {
    let h = H::fresh();
    let reg = register(&h);
    let at = ts("2025-05-01T10:00:00Z");
    reg.import(rows(0..2, "a"), &actor(), at).unwrap();
    let first = reg.person_by_snils(record(0, "a").snils().unwrap()).unwrap().id;
    let mut batch = rows(1000..1100, "b");
    let special = [
        // Person 0 takes a passport that a new row of the same batch also claims.
        with_keys(0, Some("777777"), None, "b"),
        with_keys(5, Some("777777"), None, "b"),
        // Two new rows with one passport: the first wins.
        with_keys(6, Some("888888"), None, "b"),
        with_keys(7, Some("888888"), None, "b"),
        // A new row whose INN is person 1's, with a passport that a later row takes: only the INN
        // is reported, as the later row was not in the register when this one was tried.
        with_keys(8, Some("999999"), Some(1), "b"),
        with_keys(9, Some("999999"), None, "b"),
    ];
    batch.extend(special.iter().enumerate().map(|(i, r)| ImportRow::new(200 + i as u64, r).unwrap()));
    let out = reg.import(batch, &actor(), ts("2025-05-02T10:00:00Z")).unwrap();
    assert!(out[..100].iter().all(|o| matches!(o, RowOutcome::Created(_))), "{:?}", &out[..3]);
    let tail = &out[100..];
    assert_eq!(codes(&tail[0]), ["passport_taken"], "{tail:?}");
    assert!(matches!(tail[1], RowOutcome::Created(_)), "{tail:?}");
    assert!(matches!(tail[2], RowOutcome::Created(_)), "{tail:?}");
    assert_eq!(codes(&tail[3]), ["passport_taken"], "{tail:?}");
    assert_eq!(codes(&tail[4]), ["inn_taken"], "{tail:?}");
    assert!(matches!(tail[5], RowOutcome::Created(_)), "{tail:?}");
    assert_eq!(reg.stats().unwrap().persons, 2 + 100 + 3);
    assert_eq!(reg.person(first).unwrap().record.text(Field::PassportNumber).unwrap(), "000000");
    // New persons are numbered in row order.
    let ids: Vec<_> =
        out.iter().filter_map(|o| if let RowOutcome::Created(id) = o { Some(*id) } else { None }).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    let events = reg.events(0, 100_000).unwrap();
    assert_eq!(events.len(), 2 + 103);
    assert!(events.iter().enumerate().all(|(i, e)| e.seq == i as u64 + 1));
    // The same rows again: all unchanged or rejected as before, nothing added.
    let again = reg.import(rows(1000..1100, "b"), &actor(), ts("2025-05-03T10:00:00Z")).unwrap();
    assert!(again.iter().all(|o| matches!(o, RowOutcome::Unchanged(_))));
    assert_eq!(reg.stats().unwrap().last_event, 105);
}

/// A register with something in every table.
fn populated(reg: &Register) -> Vec<Summons> {
    let s = summoned(reg, 4, ts("2025-05-09T11:00:00Z"));
    let id = s[0].person;
    let prov = Provenance { source: "registrar:62-001/petrova".into(), as_of: jiff::civil::date(2025, 5, 10) };
    reg.update_field(id, Field::Surname, "Кузнецова", prov, &actor(), ts("2025-05-10T09:00:00Z")).unwrap();
    reg.set_rollout("77".parse().unwrap(), Rollout::Live, &actor(), ts("2025-05-10T09:00:00Z")).unwrap();
    reg.act(&s[1].number, Command::Appear, &actor(), ts("2025-05-12T07:00:00Z")).unwrap();
    reg.run_clock(ts("2025-06-10T00:00:00Z"), 100).unwrap();
    reg.act(&s[2].number, Command::Appear, &actor(), ts("2025-06-11T07:00:00Z")).unwrap();
    s
}

pub fn a_copy_moves_everything_and_proves_it<H: Harness>() {
    let from = H::fresh();
    let reg = register(&from);
    let s = populated(&reg);
    let to = H::fresh();
    let mut seen = Vec::new();
    let report = image::copy(&*from.store(), &*to.store(), &mut |t, _| seen.push(t)).unwrap();
    assert_eq!(report.source, report.target);
    let count = |t: image::Table| report.target.iter().find(|d| d.table == t).unwrap().rows;
    assert_eq!(count(image::Table::Persons), 4);
    assert_eq!(count(image::Table::PersonHistory), 1);
    assert_eq!(count(image::Table::Rollout), 89);
    assert_eq!(count(image::Table::Summonses), 4);
    assert_eq!(count(image::Table::Measures), 21);
    let last = reg.stats().unwrap().last_event;
    assert_eq!(count(image::Table::Events), last);
    assert!(image::Table::ALL.iter().all(|t| seen.contains(t)));

    // The copy is a working register that goes on where the source stopped.
    let copy = register(&to);
    assert_eq!(copy.stats().unwrap(), reg.stats().unwrap());
    assert_eq!(copy.summons(&s[3].number).unwrap(), reg.summons(&s[3].number).unwrap());
    assert_eq!(copy.history(s[0].person).unwrap(), reg.history(s[0].person).unwrap());
    assert_eq!(copy.events(0, 10_000).unwrap(), reg.events(0, 10_000).unwrap());
    assert_eq!(copy.rollout().unwrap(), reg.rollout().unwrap());
    let out = copy.import(rows(50..51, "c"), &actor(), ts("2025-06-12T10:00:00Z")).unwrap();
    let RowOutcome::Created(id) = out[0] else { panic!("{out:?}") };
    assert!(id > s[3].person);
    let mut later = draft(id);
    later.appointment.at = "2025-06-20T09:00".parse().unwrap();
    let next = copy.issue(later, &actor(), ts("2025-06-12T10:00:00Z")).unwrap();
    assert_eq!(next.number.as_str(), "62-2025-0000005");
    assert_eq!(copy.stats().unwrap().last_event, last + 2);
    copy.act(&next.number, Command::Appear, &actor(), ts("2025-06-13T10:00:00Z")).unwrap();

    // A register that is not empty is never a copy's target.
    let again = image::copy(&*from.store(), &*to.store(), &mut |_, _| {});
    assert!(matches!(again, Err(StoreError::NotEmpty)), "{again:?}");
}
