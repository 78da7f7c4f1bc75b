//! The tests every backend passes, run by each backend through [`conformance_tests!`].
//!
//! They drive the register's use cases over a fresh database and check what was stored.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use reestr_core::{
    access::{Principal, Role, Scope},
    correction::{Answer, Request, Subject},
    event::{Actor, EventKind},
    ids::{Inn, Snils},
    measure::MeasureKind,
    notice::{self, NoticeKind},
    person::{Field, PersonId, Provenance, Record},
    region::{Directory, Rollout},
    summons::{Appointment, Command, Draft, Purpose, Status, Summons},
};

use crate::{
    Codec, Credentials, ImportRow, Keyring, NewUser, Register, RowOutcome, Search, Store, StoreError, image,
    register::AuthError,
};

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
    /// The raw bytes the backend keeps, to check that no personal data is stored in clear. A
    /// backend that cannot give them returns `None`.
    fn raw_bytes(&self) -> Option<Vec<u8>>;
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
            personal_data_is_sealed_and_found_by_blind_index,
            every_read_by_another_is_logged_and_the_person_sees_it,
            a_registrar_reaches_only_its_commissariat,
            agencies_see_only_their_measure_kinds,
            login_starts_a_fresh_session_and_failures_say_nothing,
            guessing_is_slowed_but_a_known_device_is_not_locked_out,
            sessions_end_when_idle_and_after_a_fixed_time,
            api_keys_are_kept_hashed_and_can_be_revoked,
            corrections_are_due_in_five_working_days_and_an_accepted_one_changes_the_field,
            rotating_keys_reseals_everything_and_keeps_it_readable,
            one_import_transaction_keeps_every_key_unique,
            a_copy_moves_everything_and_proves_it,
            measures_reach_each_agency_that_enforces_them_in_order_and_each_hand_over_is_a_logged_read,
            a_feed_never_skips_an_event_that_commits_late,
            a_new_agency_receives_the_history_of_its_kinds_and_keys_act_as_their_agency,
            confirmations_are_kept_and_late_ones_are_breaches_in_the_supervisors_region,
            the_border_check_answers_from_the_blind_index_and_every_check_is_logged,
            webhook_pushes_back_off_then_become_dead_letters_after_72_hours_and_can_be_replayed,
            a_campaign_dry_run_counts_the_cohort_and_open_summonses_per_region_and_logs_its_sample,
            an_open_summons_of_a_region_the_person_has_left_still_counts,
            a_campaign_batch_notifies_each_person_as_a_single_summons_would,
            a_campaign_issues_within_quotas_and_resumes_where_it_was_interrupted,
            two_issuers_at_once_never_summon_a_person_twice_for_one_campaign,
            campaigns_are_run_within_the_principals_scope,
            each_step_of_a_summons_is_a_notice_written_with_its_event_and_checked_by_code,
            reminders_follow_the_summons_and_the_clock_sends_each_once,
            mail_is_retried_with_backoff_set_aside_after_72_hours_and_never_sent_twice,
            preferences_hold_optional_mail_but_required_notices_always_go,
            dashboards_count_each_step_on_its_local_day_by_region,
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

fn op() -> Principal {
    Principal::operator("test")
}

fn provenance(source: &str) -> Arc<Provenance> {
    Arc::new(Provenance { source: source.into(), as_of: jiff::civil::date(2025, 5, 1) })
}

fn snils(n: u64) -> String {
    Snils::from_number(100_000_000 + n).unwrap().to_string()
}

/// A valid synthetic person number `n` in Ryazan Oblast, commissariat 62-001.
fn record(n: u64, source: &str) -> Record {
    let snils = snils(n);
    let mut prefix = [6, 2, 0, 0, 0, 0, 0, 0, 0, 0];
    for (i, d) in format!("{:08}", n).bytes().enumerate() {
        prefix[2 + i] = d - b'0';
    }
    let inn = Inn::personal_from_prefix(&prefix).to_string();
    let number = format!("{:06}", 700_000 + n);
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
        (Field::Phone, "+79161234567"),
        (Field::RegisteredAddress, "г. Рязань, ул. Вишнёвая, д. 7"),
        (Field::Region, "62"),
        (Field::Commissariat, "62-001"),
    ];
    Record::from_texts(texts, &provenance(source), Directory::builtin()).unwrap()
}

struct Fixture<H> {
    h: H,
    keys: Arc<Keyring>,
    reg: Register,
}

impl<H: Harness> Fixture<H> {
    fn new() -> Fixture<H> {
        let h = H::fresh();
        let keys = Arc::new(Keyring::generate());
        let reg = Register::new(h.store(), Codec::new(keys.clone()));
        Fixture { h, keys, reg }
    }

    /// The register over a second handle on the same database.
    fn again(&self) -> Register {
        Register::new(self.h.reopen(), Codec::new(self.keys.clone()))
    }

    fn rows(&self, range: std::ops::Range<u64>, source: &str) -> Vec<ImportRow> {
        range.map(|n| ImportRow::new(n + 2, &record(n, source), self.reg.codec()).unwrap()).collect()
    }

    fn import(&self, range: std::ops::Range<u64>, source: &str, at: Timestamp) -> Vec<RowOutcome> {
        self.reg.import(&op(), self.rows(range, source), at).unwrap()
    }

    /// The id of person `n`, found without a logged read.
    fn person(&self, n: u64) -> PersonId {
        let s: Snils = snils(n).parse().unwrap();
        let mut id = None;
        self.reg
            .for_each_person(&op(), |p| {
                if p.record.snils() == Some(s) {
                    id = Some(p.id);
                }
                Ok(())
            })
            .unwrap();
        id.unwrap()
    }

    /// Imports `n` persons and posts each a summons at `posted`.
    fn summoned(&self, n: u64, posted: Timestamp) -> Vec<Summons> {
        self.import(0..n, "test", posted)
            .iter()
            .map(|o| {
                let RowOutcome::Created(id) = o else { panic!("{o:?}") };
                self.reg.issue(&op(), draft(*id), posted).unwrap()
            })
            .collect()
    }

    fn kinds(&self) -> Vec<EventKind> {
        self.reg.events(0, usize::MAX >> 1).unwrap().into_iter().map(|e| e.kind).collect()
    }

    fn count(&self, kind: EventKind) -> usize {
        self.kinds().into_iter().filter(|k| *k == kind).count()
    }
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

fn registrar(commissariat: &str) -> Principal {
    Principal {
        actor: Actor::user(5, "petrova"),
        role: Role::Registrar,
        scope: Scope::Commissariat(commissariat.parse().unwrap()),
    }
}

fn citizen(id: PersonId) -> Principal {
    Principal { actor: Actor::user(9, "citizen"), role: Role::Citizen, scope: Scope::Person(id) }
}

pub fn import_creates_each_person_with_an_event<H: Harness>() {
    let f = Fixture::<H>::new();
    let out = f.import(0..3, "import:a.csv", ts("2025-05-01T10:00:00Z"));
    assert!(out.iter().all(|o| matches!(o, RowOutcome::Created(_))), "{out:?}");
    assert_eq!(f.reg.stats().unwrap().persons, 3);
    let events = f.reg.events(0, 100).unwrap();
    assert_eq!(events.len(), 3);
    assert!(events.iter().all(|e| e.kind == EventKind::PersonCreated && e.person.is_some()));
    let p = f.reg.find_by_snils(&op(), record(1, "x").snils().unwrap(), ts("2025-05-02T00:00:00Z")).unwrap();
    assert_eq!(p.record, record(1, "import:a.csv"));
    assert_eq!(p.record.entry(Field::Surname).unwrap().provenance.source, "import:a.csv");
    // The log names the fields and commits to the record, but holds no personal data.
    let payload = events[1].payload.to_string();
    assert!(payload.contains("record_digest") && !payload.contains("Кузнецов"), "{payload}");
}

pub fn reimporting_the_same_rows_changes_nothing_and_adds_no_events<H: Harness>() {
    let f = Fixture::<H>::new();
    f.import(0..5, "import:a.csv", ts("2025-05-01T10:00:00Z"));
    let before = f.reg.stats().unwrap().last_event;
    let out = f.import(0..5, "import:a.csv", ts("2025-05-02T10:00:00Z"));
    assert!(out.iter().all(|o| matches!(o, RowOutcome::Unchanged(_))), "{out:?}");
    assert_eq!(f.reg.stats().unwrap().last_event, before);
}

pub fn an_update_keeps_the_old_value_in_history_with_its_provenance<H: Harness>() {
    let f = Fixture::<H>::new();
    f.import(0..1, "import:a.csv", ts("2025-05-01T10:00:00Z"));
    let id = f.person(0);
    let mut changed = record(0, "import:b.csv");
    changed.set(Field::Phone, "+79160000000", &provenance("import:b.csv"), Directory::builtin()).unwrap();
    let row = ImportRow::new(2, &changed, f.reg.codec()).unwrap();
    let out = f.reg.import(&op(), vec![row], ts("2025-05-03T10:00:00Z")).unwrap();
    assert_eq!(out, [RowOutcome::Updated(id)]);
    let p = f.reg.read_person(&op(), id, Some(Field::ALL), Some("test"), ts("2025-05-03T11:00:00Z")).unwrap();
    assert_eq!(p.record.text(Field::Phone).unwrap(), "+79160000000");
    assert_eq!(p.record.entry(Field::Phone).unwrap().provenance.source, "import:b.csv");
    assert_eq!(p.record.entry(Field::GivenName).unwrap().provenance.source, "import:a.csv");
    let history = f.reg.history(&op(), id, Some("test"), ts("2025-05-03T11:00:00Z")).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!((history[0].field, history[0].value.to_string()), (Field::Phone, "+79161234567".to_owned()));
    assert_eq!(history[0].provenance.source, "import:a.csv");
    assert_eq!(history[0].replaced_at, ts("2025-05-03T10:00:00Z"));
    let events = f.reg.events_of_person(&op(), id).unwrap();
    let updated = events.iter().find(|e| e.kind == EventKind::PersonUpdated).unwrap();
    assert_eq!(history[0].event_seq, updated.seq);

    // Fields by hand, with their provenance.
    let prov = Provenance { source: "registrar:62-001/petrova".into(), as_of: jiff::civil::date(2025, 5, 4) };
    let changes = f
        .reg
        .update_person(
            &registrar("62-001"),
            id,
            &[(Field::Email, "p@example.org".into())],
            prov,
            ts("2025-05-04T10:00:00Z"),
        )
        .unwrap();
    assert!(changes[0].old.is_none());
}

pub fn a_passport_of_another_person_is_rejected_and_the_rest_imported<H: Harness>() {
    let f = Fixture::<H>::new();
    f.import(0..1, "a", ts("2025-05-01T10:00:00Z"));
    // Person 1 with person 0's passport number, and person 2 as it is.
    let mut clash = record(1, "b");
    clash.set(Field::PassportNumber, "700000", &provenance("b"), Directory::builtin()).unwrap();
    let batch = vec![
        ImportRow::new(2, &clash, f.reg.codec()).unwrap(),
        ImportRow::new(3, &record(2, "b"), f.reg.codec()).unwrap(),
    ];
    let out = f.reg.import(&op(), batch, ts("2025-05-02T10:00:00Z")).unwrap();
    assert!(matches!(&out[0], RowOutcome::Rejected(p) if p[0].code == "passport_taken"), "{out:?}");
    assert!(matches!(out[1], RowOutcome::Created(_)));
    assert_eq!(f.reg.stats().unwrap().persons, 2);
}

pub fn a_failed_transaction_leaves_nothing_behind<H: Harness>() {
    let f = Fixture::<H>::new();
    let row = crate::PersonRow::new(&record(0, "a"), f.reg.codec()).unwrap();
    let r = f.h.store().write(&mut |tx| {
        tx.insert_person(&row)?;
        Err(StoreError::Backend("interrupted".into()))
    });
    assert!(r.is_err());
    assert_eq!(f.reg.stats().unwrap().persons, 0);
    assert_eq!(f.reg.stats().unwrap().last_event, 0);
}

pub fn regions_start_in_their_rollout_state_and_changes_are_events<H: Harness>() {
    let f = Fixture::<H>::new();
    let rollout = f.reg.rollout().unwrap();
    assert_eq!(rollout.len(), 89);
    assert_eq!(rollout[&"62".parse().unwrap()], Rollout::Pilot);
    assert_eq!(rollout[&"77".parse().unwrap()], Rollout::Off);
    let moscow = "77".parse().unwrap();
    assert!(f.reg.set_rollout(&op(), moscow, Rollout::Live, ts("2025-05-09T00:00:00Z")).unwrap());
    assert!(!f.reg.set_rollout(&op(), moscow, Rollout::Live, ts("2025-05-09T00:00:01Z")).unwrap());
    assert_eq!(f.reg.rollout().unwrap()[&moscow], Rollout::Live);
    assert_eq!(f.kinds(), [EventKind::RolloutChanged]);
    assert_eq!(f.again().rollout().unwrap()[&moscow], Rollout::Live, "reopening keeps it");
    let supervisor =
        Principal { actor: Actor::user(3, "s"), role: Role::Supervisor, scope: Scope::Region("62".parse().unwrap()) };
    assert!(f.reg.set_rollout(&supervisor, moscow, Rollout::Off, ts("2025-05-10T00:00:00Z")).is_err());
    assert!(f.reg.set_rollout(&supervisor, "62".parse().unwrap(), Rollout::Live, ts("2025-05-10T00:00:00Z")).unwrap());
}

pub fn no_summons_can_be_posted_where_the_register_is_off<H: Harness>() {
    let f = Fixture::<H>::new();
    let at = ts("2025-05-09T11:00:00Z");
    f.import(0..1, "a", at);
    let id = f.person(0);
    f.reg.set_rollout(&op(), "62".parse().unwrap(), Rollout::Off, at).unwrap();
    let e = f.reg.issue(&op(), draft(id), at).unwrap_err();
    assert!(matches!(e, StoreError::RegionOff(_)), "{e:?}");
    let mut elsewhere = draft(id);
    elsewhere.commissariat = "12-001".parse().unwrap();
    let e = f.reg.issue(&op(), elsewhere, at).unwrap_err();
    assert!(matches!(e, StoreError::Invalid(ref p) if p[0].code == "commissariat_not_in_region"), "{e:?}");
}

pub fn summonses_are_numbered_per_region_and_year<H: Harness>() {
    let f = Fixture::<H>::new();
    let s = f.summoned(2, ts("2025-05-09T11:00:00Z"));
    assert_eq!(s[0].number.as_str(), "62-2025-0000001");
    assert_eq!(s[1].number.as_str(), "62-2025-0000002");
    assert_eq!(s[0].policy, "seed-2025");
    assert_eq!(s[0].zone.name(), "Europe/Moscow");
    let now = ts("2025-05-10T00:00:00Z");
    assert_eq!(f.reg.summons(&op(), &s[1].number, None, now).unwrap(), s[1]);
    assert_eq!(f.reg.summonses_of(&op(), s[0].person, None, now).unwrap(), [s[0].clone()]);
}

pub fn the_clock_applies_each_step_at_its_legal_instant_once<H: Harness>() {
    let f = Fixture::<H>::new();
    let s = f.summoned(1, ts("2025-05-09T11:00:00Z")).remove(0);
    let reg = &f.reg;
    assert_eq!(reg.next_due().unwrap(), Some(ts("2025-05-16T21:00:00Z")));
    assert_eq!(reg.run_clock(ts("2025-05-16T20:59:59Z"), 100).unwrap().summonses, 0);
    let r = reg.run_clock(ts("2025-05-16T21:00:00Z"), 100).unwrap();
    assert_eq!((r.served, r.overdue), (1, 0));
    assert_eq!(reg.summons(&op(), &s.number, None, ts("2025-05-17T00:00:00Z")).unwrap().status, Status::Served);
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
    let f = Fixture::<H>::new();
    let s = f.summoned(1, ts("2025-05-09T11:00:00Z")).remove(0);
    let back = ts("2025-08-01T08:00:00Z");
    let r = f.reg.run_clock(back, 100).unwrap();
    assert_eq!((r.served, r.overdue, r.measures_started), (1, 1, 7));
    let events = f.reg.events(0, 1000).unwrap();
    let served = events.iter().find(|e| e.kind == EventKind::SummonsServed).unwrap();
    assert_eq!((served.effective_at, served.recorded_at), (ts("2025-05-16T21:00:00Z"), back));
    let stored = f.reg.summons(&op(), &s.number, None, back).unwrap();
    assert_eq!(stored.measures[0].started_at, ts("2025-06-06T21:00:00Z"));
}

pub fn the_clock_touches_only_what_is_due<H: Harness>() {
    let f = Fixture::<H>::new();
    let early = f.summoned(3, ts("2025-05-09T11:00:00Z"));
    // Posted a day later in local time, so served a day later.
    for o in f.import(10..12, "b", ts("2025-05-10T11:00:00Z")) {
        let RowOutcome::Created(id) = o else { panic!() };
        f.reg.issue(&op(), draft(id), ts("2025-05-10T11:00:00Z")).unwrap();
    }
    let r = f.reg.run_clock(ts("2025-05-16T21:00:00Z"), 2).unwrap();
    assert_eq!((r.summonses, r.served), (3, 3));
    assert!(r.batches >= 2, "batches of two: {r:?}");
    for s in &early {
        assert_eq!(f.reg.summons(&op(), &s.number, None, ts("2025-05-17T00:00:00Z")).unwrap().status, Status::Served);
    }
    assert_eq!(f.reg.stats().unwrap().summonses[&Status::Posted], 2);
}

pub fn two_clocks_at_once_start_each_measure_once<H: Harness>() {
    let f = Fixture::<H>::new();
    let n = 40;
    f.summoned(n, ts("2025-05-09T11:00:00Z"));
    let at = ts("2025-07-01T00:00:00Z");
    let clocks: Vec<_> =
        [f.reg.clone(), f.again()].into_iter().map(|reg| std::thread::spawn(move || reg.run_clock(at, 3))).collect();
    let reports: Vec<_> = clocks.into_iter().map(|c| c.join().unwrap().unwrap()).collect();
    let started: u64 = reports.iter().map(|r| r.measures_started).sum();
    assert_eq!(started, 7 * n, "{reports:?}");
    assert_eq!(f.count(EventKind::MeasureStarted) as u64, 7 * n);
    assert_eq!(f.count(EventKind::SummonsServed) as u64, n);
    assert_eq!(f.reg.stats().unwrap().measures_in_force, 7 * n);
}

pub fn appearance_lifts_the_stored_measures<H: Harness>() {
    let f = Fixture::<H>::new();
    let s = f.summoned(1, ts("2025-05-09T11:00:00Z")).remove(0);
    f.reg.run_clock(ts("2025-06-10T00:00:00Z"), 100).unwrap();
    assert_eq!(f.reg.stats().unwrap().measures_in_force, 7);
    let after = f.reg.act(&registrar("62-001"), &s.number, Command::Appear, ts("2025-06-11T07:30:00Z")).unwrap();
    assert_eq!(after.status, Status::Appeared);
    assert_eq!(f.reg.stats().unwrap().measures_in_force, 0);
    assert_eq!(f.count(EventKind::MeasureLifted), 7);
}

pub fn a_refused_step_changes_nothing<H: Harness>() {
    let f = Fixture::<H>::new();
    let s = f.summoned(1, ts("2025-05-09T11:00:00Z")).remove(0);
    f.reg.act(&op(), &s.number, Command::Appear, ts("2025-05-12T07:00:00Z")).unwrap();
    let before = f.reg.stats().unwrap().last_event;
    let e = f.reg.act(&op(), &s.number, Command::Appear, ts("2025-05-13T07:00:00Z")).unwrap_err();
    assert_eq!(reestr_core::ErrorCode::code(&e), "summons_closed");
    assert_eq!(f.reg.stats().unwrap().last_event, before);
    let missing = "62-2025-0009999".parse().unwrap();
    let e = f.reg.act(&op(), &missing, Command::Appear, ts("2025-05-13T07:00:00Z"));
    assert!(matches!(e, Err(StoreError::NotFound { .. })));
}

pub fn the_log_is_gap_free_and_in_order<H: Harness>() {
    let f = Fixture::<H>::new();
    f.summoned(5, ts("2025-05-09T11:00:00Z"));
    f.reg.run_clock(ts("2025-07-01T00:00:00Z"), 2).unwrap();
    let events = f.reg.events(0, 100_000).unwrap();
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e.seq, i as u64 + 1);
    }
    let page = f.reg.events(3, 4).unwrap();
    assert_eq!(page.iter().map(|e| e.seq).collect::<Vec<_>>(), [4, 5, 6, 7]);
    assert_eq!(f.reg.stats().unwrap().last_event, events.len() as u64);
}

pub fn export_gives_every_person_in_id_order<H: Harness>() {
    let f = Fixture::<H>::new();
    f.import(0..20, "a", ts("2025-05-01T10:00:00Z"));
    let mut seen = Vec::new();
    f.reg
        .for_each_person(&op(), |p| {
            seen.push(p.id);
            Ok(())
        })
        .unwrap();
    assert_eq!(seen.len(), 20);
    assert!(seen.windows(2).all(|w| w[0] < w[1]));
}

pub fn personal_data_is_sealed_and_found_by_blind_index<H: Harness>() {
    let f = Fixture::<H>::new();
    f.summoned(3, ts("2025-05-09T11:00:00Z"));
    let s = f.reg.list_summonses(&op(), None, 0, 10).unwrap().remove(0).1;
    let illness = Command::Excuse {
        reason: reestr_core::summons::ValidReason::IllnessOrInjury,
        evidence: "справка о болезни 4417".into(),
        covers: "2025-05-20..2025-05-25".parse().unwrap(),
    };
    f.reg.run_clock(ts("2025-05-18T00:00:00Z"), 10).unwrap();
    f.reg.act(&op(), &s.number, illness, ts("2025-05-19T00:00:00Z")).unwrap();
    let r = record(1, "test");
    let key = |f: Field| r.text(f).unwrap();
    // Found by each identifier through its blind index.
    for query in [
        Search::Snils(r.snils().unwrap()),
        Search::Inn(r.inn().unwrap().clone()),
        Search::Passport(r.passport().unwrap()),
    ] {
        let found = f.reg.search(&op(), &query, Some("test"), ts("2025-06-01T00:00:00Z")).unwrap();
        assert_eq!(found.len(), 1, "{query:?}");
    }
    let Some(bytes) = f.h.raw_bytes() else { return };
    let contains = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    for secret in [
        key(Field::Snils),
        key(Field::Snils).replace(['-', ' '], ""),
        key(Field::Inn),
        key(Field::PassportNumber),
        key(Field::Phone),
        "Вишнёвая".into(),
        "4417".into(),
    ] {
        assert!(!contains(&secret), "{secret:?} is stored in clear");
    }
    assert!(contains("Кузнецов"), "names are not sensitive and stay searchable");
}

pub fn every_read_by_another_is_logged_and_the_person_sees_it<H: Harness>() {
    let f = Fixture::<H>::new();
    f.import(0..1, "a", ts("2025-05-01T10:00:00Z"));
    let id = f.person(0);
    let before = f.count(EventKind::RecordRead);
    let now = ts("2025-05-02T10:00:00Z");
    f.reg.read_person(&citizen(id), id, None, None, now).unwrap();
    assert_eq!(f.count(EventKind::RecordRead), before, "the person's own reads are not logged");
    let reg_ = registrar("62-001");
    let p = f.reg.read_person(&reg_, id, None, None, now).unwrap();
    assert!(p.record.get(Field::Snils).is_none(), "sensitive fields only when asked for");
    let e = f.reg.read_person(&reg_, id, Some(&[Field::Snils]), None, now).unwrap_err();
    assert_eq!(reestr_core::ErrorCode::code(&e), "purpose_required");
    let p = f.reg.read_person(&reg_, id, Some(&[Field::Snils]), Some("сверка данных"), now).unwrap();
    assert!(p.record.get(Field::Snils).is_some());
    let security = Principal { actor: Actor::key("ab12", "fsb"), role: Role::SecurityService, scope: Scope::All };
    assert!(f.reg.read_person(&security, id, None, None, now).is_err());
    f.reg.read_person(&security, id, None, Some("запрос 12/7"), now).unwrap();
    let reads = f.reg.reads_of(&citizen(id), id).unwrap();
    assert_eq!(reads.len(), 3);
    assert!(reads[0].actor.as_str().starts_with("key:ab12"), "newest first");
    assert_eq!(reads[0].payload["purpose"], "запрос 12/7");
    assert_eq!(reads[1].payload["fields"], serde_json::json!(["snils"]));
    assert!(f.reg.reads_of(&citizen(PersonId(999)), id).is_err(), "only the person sees their reads");
}

pub fn a_registrar_reaches_only_its_commissariat<H: Harness>() {
    let f = Fixture::<H>::new();
    let s = f.summoned(1, ts("2025-05-09T11:00:00Z")).remove(0);
    let id = s.person;
    let now = ts("2025-05-10T00:00:00Z");
    let other = registrar("62-002");
    let forbidden = |r: Result<(), StoreError>| assert_eq!(reestr_core::ErrorCode::code(&r.unwrap_err()), "forbidden");
    forbidden(f.reg.read_person(&other, id, None, None, now).map(drop));
    forbidden(f.reg.history(&other, id, Some("x"), now).map(drop));
    forbidden(
        f.reg.update_person(&other, id, &[(Field::Rank, "рядовой".into())], (*provenance("x")).clone(), now).map(drop),
    );
    forbidden(f.reg.summons(&other, &s.number, None, now).map(drop));
    forbidden(f.reg.summonses_of(&other, id, None, now).map(drop));
    forbidden(f.reg.act(&other, &s.number, Command::Appear, now).map(drop));
    forbidden(f.reg.issue(&other, draft(id), now).map(drop));
    let search = f.reg.search(&other, &Search::Snils(record(0, "t").snils().unwrap()), None, now).unwrap();
    assert!(search.is_empty(), "a search does not show persons of other commissariats");
    assert!(f.reg.list_summonses(&other, None, 0, 10).unwrap().is_empty());
    // The owner may do all of it, and may not move the person away.
    let own = registrar("62-001");
    f.reg.update_person(&own, id, &[(Field::Rank, "рядовой".into())], (*provenance("x")).clone(), now).unwrap();
    let moved =
        f.reg.update_person(&own, id, &[(Field::Commissariat, "62-002".into())], (*provenance("x")).clone(), now);
    assert!(moved.is_err());
    assert_eq!(f.reg.list_summonses(&own, None, 0, 10).unwrap().len(), 1);
}

pub fn agencies_see_only_their_measure_kinds<H: Harness>() {
    let f = Fixture::<H>::new();
    f.summoned(2, ts("2025-05-09T11:00:00Z"));
    f.reg.run_clock(ts("2025-07-01T00:00:00Z"), 100).unwrap();
    let border = Principal {
        actor: Actor::key("cd34", "border"),
        role: Role::Agency,
        scope: Scope::Agency { name: "border".into(), kinds: vec![MeasureKind::ExitBan] },
    };
    let seen = f.reg.measures(&border, true, 0, 100).unwrap();
    assert_eq!(seen.len(), 2);
    assert!(seen.iter().all(|m| m.kind == "exit_ban"));
    assert!(f.reg.read_person(&border, seen[0].person, None, Some("x"), ts("2025-07-02T00:00:00Z")).is_err());
    assert_eq!(f.reg.measures(&op(), true, 0, 100).unwrap().len(), 14);
    let page = f.reg.measures(&op(), true, 0, 5).unwrap();
    let next = f.reg.measures(&op(), true, page.last().unwrap().id, 100).unwrap();
    assert_eq!(page.len() + next.len(), 14);
}

fn staff(f: &Fixture<impl Harness>) -> (i64, String) {
    let (user, seed) = f
        .reg
        .add_user(
            &op(),
            NewUser {
                login: "Petrova".into(),
                role: Role::Registrar,
                scope: Scope::Commissariat("62-001".parse().unwrap()),
                password: "верный пароль 1".into(),
            },
            ts("2025-05-01T00:00:00Z"),
        )
        .unwrap();
    (user.id, seed.unwrap())
}

fn creds(login: &str, password: &str, totp: Option<String>, device: Option<String>) -> Credentials {
    Credentials { login: login.into(), password: password.into(), totp, address: "192.0.2.7".into(), device }
}

pub fn login_starts_a_fresh_session_and_failures_say_nothing<H: Harness>() {
    let f = Fixture::<H>::new();
    let (_, seed) = staff(&f);
    let now = ts("2025-05-02T09:00:00Z");
    let code = crate::register::totp_code(&seed, now);
    let ok = f.reg.login(&creds("petrova", "верный пароль 1", code.clone(), None), now).unwrap();
    assert_eq!(ok.principal.role, Role::Registrar);
    let again = f.reg.login(&creds("PETROVA", "верный пароль 1", code.clone(), None), now).unwrap();
    assert_ne!(ok.session, again.session, "every login a fresh session id");
    assert!(f.reg.session(&ok.session, now).unwrap().is_some());
    // Wrong password, wrong code, no code, unknown login: the same answer.
    for c in [
        creds("petrova", "неверный пароль", code.clone(), None),
        creds("petrova", "верный пароль 1", Some("000000".into()), None),
        creds("petrova", "верный пароль 1", None, None),
        creds("nobody", "верный пароль 1", code.clone(), None),
    ] {
        let e = f.reg.login(&c, now).unwrap_err();
        assert!(matches!(e, AuthError::Invalid), "{e:?}");
    }
    f.reg.logout(&ok.session).unwrap();
    assert!(f.reg.session(&ok.session, now).unwrap().is_none());
    assert!(f.count(EventKind::UserAdded) == 1);
}

pub fn guessing_is_slowed_but_a_known_device_is_not_locked_out<H: Harness>() {
    let f = Fixture::<H>::new();
    let (_, seed) = staff(&f);
    let t0 = ts("2025-05-02T09:00:00Z");
    let good = |at: Timestamp, device: Option<String>| {
        creds("petrova", "верный пароль 1", crate::register::totp_code(&seed, at), device)
    };
    let device = f.reg.login(&good(t0, None), t0).unwrap().device;
    // An attacker elsewhere tries passwords against the account.
    let mut at = t0;
    let mut throttled = false;
    for _ in 0..12 {
        at += SignedDuration::from_secs(1);
        let mut c = creds("petrova", "guess", None, None);
        c.address = "198.51.100.9".into();
        match f.reg.login(&c, at) {
            Err(AuthError::Throttled { .. }) => throttled = true,
            Err(AuthError::Invalid) => {}
            other => panic!("{other:?}"),
        }
    }
    assert!(throttled, "guessing is slowed");
    // The same attempts for an unknown account are slowed alike (nothing tells them apart).
    // The person on their own device still gets in; a new device waits.
    assert!(f.reg.login(&good(at, Some(device)), at).is_ok());
    assert!(matches!(f.reg.login(&good(at, None), at), Err(AuthError::Throttled { .. })));
    // The wait ends.
    let later = at + SignedDuration::from_mins(20);
    assert!(f.reg.login(&good(later, None), later).is_ok());
}

pub fn sessions_end_when_idle_and_after_a_fixed_time<H: Harness>() {
    let f = Fixture::<H>::new();
    let (_, seed) = staff(&f);
    let t0 = ts("2025-05-02T09:00:00Z");
    let login = |at| {
        f.reg
            .login(&creds("petrova", "верный пароль 1", crate::register::totp_code(&seed, at), None), at)
            .unwrap()
            .session
    };
    let idle = login(t0);
    assert!(f.reg.session(&idle, t0 + SignedDuration::from_mins(29)).unwrap().is_some());
    assert!(f.reg.session(&idle, t0 + SignedDuration::from_mins(29 + 31)).unwrap().is_none());
    let busy = login(t0);
    let mut at = t0;
    for _ in 0..28 {
        at += SignedDuration::from_mins(25);
        assert!(f.reg.session(&busy, at).unwrap().is_some(), "active at {at}");
    }
    at += SignedDuration::from_mins(25);
    assert!(f.reg.session(&busy, at).unwrap().is_none(), "12 hours at most");
}

pub fn api_keys_are_kept_hashed_and_can_be_revoked<H: Harness>() {
    let f = Fixture::<H>::new();
    let now = ts("2025-05-02T09:00:00Z");
    assert!(f.reg.create_key(&op(), "border", now).is_err(), "a key belongs to an agency the register knows");
    agency(&f, "border", &[MeasureKind::ExitBan], None);
    let k = f.reg.create_key(&op(), "border", now).unwrap();
    let p = f.reg.authenticate_key(&k.key).unwrap().unwrap();
    assert_eq!(p.role, Role::Agency);
    assert!(f.reg.authenticate_key(&format!("{}x", k.key)).unwrap().is_none());
    assert!(f.reg.authenticate_key("rk_nothing_here").unwrap().is_none());
    let stored = f.reg.keys(&op()).unwrap();
    assert!(!format!("{stored:?}").contains(k.key.rsplit('_').next().unwrap()), "only the hash is kept");
    assert!(f.reg.revoke_key(&op(), k.id, now).unwrap());
    assert!(f.reg.authenticate_key(&k.key).unwrap().is_none());
    assert!(f.reg.create_key(&registrar("62-001"), "border", now).is_err());
}

pub fn corrections_are_due_in_five_working_days_and_an_accepted_one_changes_the_field<H: Harness>() {
    let f = Fixture::<H>::new();
    f.import(0..1, "a", ts("2025-05-01T10:00:00Z"));
    let id = f.person(0);
    // Filed Wednesday 7 May 2025 in Moscow: due at the end of Thursday 15 May.
    let filed = ts("2025-05-07T09:00:00Z");
    let request = Request {
        explanation: "Фамилия записана с ошибкой".into(),
        evidence: None,
        proposed: Some("Кузнецов-Ленский".into()),
    };
    let c = f.reg.file_correction(&citizen(id), Subject::Field(Field::Surname), request, filed).unwrap();
    assert_eq!(c.correction.due_at, ts("2025-05-15T21:00:00Z"));
    let own = registrar("62-001");
    assert_eq!(f.reg.open_corrections(&own, filed).unwrap().len(), 1);
    assert!(f.reg.open_corrections(&registrar("62-002"), filed).unwrap().is_empty());
    let late = f.reg.open_corrections(&own, ts("2025-05-16T00:00:00Z")).unwrap();
    assert!(late[0].late);
    let answer = Answer { accepted: true, text: "Исправлено по паспорту".into() };
    assert!(
        f.reg
            .answer_correction(&registrar("62-002"), c.correction.id, answer.clone(), Some("X".into()), filed)
            .is_err()
    );
    let done =
        f.reg.answer_correction(&own, c.correction.id, answer.clone(), Some("Кузнецов-Ленский".into()), filed).unwrap();
    assert!(!done.late && done.correction.answer.is_some());
    let p = f.reg.read_person(&citizen(id), id, None, None, filed).unwrap();
    assert_eq!(p.record.text(Field::Surname).unwrap(), "Кузнецов-Ленский");
    assert_eq!(p.record.entry(Field::Surname).unwrap().provenance.source, format!("correction:{}", c.correction.id));
    assert!(f.reg.answer_correction(&own, c.correction.id, answer, Some("Y".into()), filed).is_err(), "answered once");
    assert_eq!(f.reg.my_corrections(&citizen(id), filed).unwrap().len(), 1);
}

pub fn rotating_keys_reseals_everything_and_keeps_it_readable<H: Harness>() {
    let f = Fixture::<H>::new();
    let s = f.summoned(3, ts("2025-05-09T11:00:00Z"));
    staff(&f);
    let id = s[0].person;
    let mut rotated = (*f.keys).clone();
    let new_key = rotated.rotate();
    let reg = Register::new(f.h.store(), Codec::new(Arc::new(rotated)));
    let report = reg.reseal(&op(), ts("2025-06-01T00:00:00Z")).unwrap();
    // Other: the staff member's second factor and the three summonses' notices.
    assert_eq!((report.key, report.persons, report.summonses, report.other), (new_key, 3, 3, 4));
    f.h.store()
        .read(&mut |tx| {
            let notices = tx.notices_after(0, 100)?;
            assert_eq!(notices.len(), 3);
            assert!(notices.iter().all(|n| Keyring::sealed_key(&n.content) == Some(new_key)));
            Ok(())
        })
        .unwrap();
    assert_eq!(reg.inbox(&citizen(id), None, 10).unwrap().len(), 1);
    assert_eq!(reg.reseal(&op(), ts("2025-06-01T00:00:01Z")).unwrap().persons, 0, "nothing left to do");
    let p = reg.read_person(&op(), id, Some(Field::ALL), Some("x"), ts("2025-06-01T00:00:02Z")).unwrap();
    assert_eq!(p.record.snils(), record(0, "t").snils());
    assert_eq!(reg.summons(&op(), &s[0].number, None, ts("2025-06-02T00:00:00Z")).unwrap().number, s[0].number);
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
    let f = Fixture::<H>::new();
    f.import(0..2, "a", ts("2025-05-01T10:00:00Z"));
    let first = f.person(0);
    let mut batch = f.rows(1000..1100, "b");
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
    batch.extend(special.iter().enumerate().map(|(i, r)| ImportRow::new(200 + i as u64, r, f.reg.codec()).unwrap()));
    let out = f.reg.import(&op(), batch, ts("2025-05-02T10:00:00Z")).unwrap();
    assert!(out[..100].iter().all(|o| matches!(o, RowOutcome::Created(_))), "{:?}", &out[..3]);
    let tail = &out[100..];
    assert_eq!(codes(&tail[0]), ["passport_taken"], "{tail:?}");
    assert!(matches!(tail[1], RowOutcome::Created(_)), "{tail:?}");
    assert!(matches!(tail[2], RowOutcome::Created(_)), "{tail:?}");
    assert_eq!(codes(&tail[3]), ["passport_taken"], "{tail:?}");
    assert_eq!(codes(&tail[4]), ["inn_taken"], "{tail:?}");
    assert!(matches!(tail[5], RowOutcome::Created(_)), "{tail:?}");
    assert_eq!(f.reg.stats().unwrap().persons, 2 + 100 + 3);
    let mut passport = None;
    f.reg
        .for_each_person(&op(), |p| {
            if p.id == first {
                passport = p.record.text(Field::PassportNumber);
            }
            Ok(())
        })
        .unwrap();
    assert_eq!(passport.as_deref(), Some("700000"));
    // New persons are numbered in row order.
    let ids: Vec<_> =
        out.iter().filter_map(|o| if let RowOutcome::Created(id) = o { Some(*id) } else { None }).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    let events = f.reg.events(0, 100_000).unwrap();
    assert_eq!(events.len(), 2 + 103);
    assert!(events.iter().enumerate().all(|(i, e)| e.seq == i as u64 + 1));
    // The same rows again: all unchanged, nothing added.
    let again = f.import(1000..1100, "b", ts("2025-05-03T10:00:00Z"));
    assert!(again.iter().all(|o| matches!(o, RowOutcome::Unchanged(_))));
    assert_eq!(f.reg.stats().unwrap().last_event, 105);
}

/// A register with something in every table.
fn populated<H: Harness>(f: &Fixture<H>) -> Vec<Summons> {
    let s = f.summoned(4, ts("2025-05-09T11:00:00Z"));
    f.reg.set_rollout(&op(), "77".parse().unwrap(), Rollout::Live, ts("2025-05-10T09:00:00Z")).unwrap();
    f.reg.act(&op(), &s[1].number, Command::Appear, ts("2025-05-12T07:00:00Z")).unwrap();
    f.reg.run_clock(ts("2025-06-10T00:00:00Z"), 100).unwrap();
    f.reg.act(&op(), &s[2].number, Command::Appear, ts("2025-06-11T07:00:00Z")).unwrap();
    let (_, seed) = staff(f);
    let now = ts("2025-06-11T08:00:00Z");
    let code = crate::register::totp_code(&seed, now);
    f.reg.login(&creds("petrova", "верный пароль 1", code, None), now).unwrap();
    let _ = f.reg.login(&creds("petrova", "неверный", None, None), now);
    agency(f, "border", &[MeasureKind::ExitBan], None);
    f.reg.create_key(&op(), "border", now).unwrap();
    let request = Request {
        explanation: "Фамилия записана с ошибкой".into(), evidence: None, proposed: None
    };
    f.reg.file_correction(&citizen(s[0].person), Subject::Field(Field::Surname), request, now).unwrap();
    let person = f.person(0);
    f.reg.history(&op(), person, Some("test"), now).unwrap();
    // A campaign: the two who appeared hold no open summons and are summoned again.
    let c = f.reg.create_campaign(&op(), later_campaign(), now).unwrap();
    let c = f.reg.issue_campaign(&op(), c.id, 10, &mut || now, &mut |_| true).unwrap();
    assert_eq!(c.issued(), 2);
    s
}

/// A campaign of Ryazan, appointments in the second half of June 2025.
fn later_campaign() -> reestr_core::campaign::CampaignSpec {
    let mut spec = campaign_spec();
    spec.purpose = Purpose::ClarifyRecords;
    spec.quotas = vec![reestr_core::campaign::Quota { region: "62".parse().unwrap(), quota: 3 }];
    spec.appointments.from = jiff::civil::date(2025, 6, 16);
    spec.appointments.to = jiff::civil::date(2025, 6, 20);
    spec
}

pub fn a_copy_moves_everything_and_proves_it<H: Harness>() {
    let from = Fixture::<H>::new();
    let s = populated(&from);
    let to = H::fresh();
    let mut seen = Vec::new();
    let report = image::copy(&*from.h.store(), &*to.store(), &mut |t, _| seen.push(t)).unwrap();
    assert_eq!(report.source, report.target);
    let count = |t: image::Table| report.target.iter().find(|d| d.table == t).unwrap().rows;
    assert_eq!(count(image::Table::Persons), 4);
    assert_eq!(count(image::Table::Rollout), 89);
    assert_eq!(count(image::Table::Summonses), 6);
    assert_eq!(count(image::Table::Campaigns), 1);
    assert_eq!(count(image::Table::CampaignRegions), 1);
    assert_eq!(count(image::Table::CampaignMembers), 2);
    assert_eq!(count(image::Table::Measures), 21);
    assert!(count(image::Table::Users) == 1 && count(image::Table::ApiKeys) == 1);
    assert!(count(image::Table::Sessions) == 1 && count(image::Table::Corrections) == 1);
    assert!(count(image::Table::Agencies) == 1 && count(image::Table::AgencyKinds) == 1);
    let last = from.reg.stats().unwrap().last_event;
    assert_eq!(count(image::Table::Events), last);
    assert!(image::Table::ALL.iter().all(|t| seen.contains(t)));

    // The copy is a working register, read with the same keys, that goes on where the source
    // stopped.
    let copy = Register::new(to.store(), Codec::new(from.keys.clone()));
    assert_eq!(copy.stats().unwrap(), from.reg.stats().unwrap());
    assert_eq!(copy.events(0, 10_000).unwrap(), from.reg.events(0, 10_000).unwrap());
    assert_eq!(copy.rollout().unwrap(), from.reg.rollout().unwrap());
    let now = ts("2025-06-12T10:00:00Z");
    let at = |r: &Register| r.summons(&op(), &s[3].number, None, now).unwrap();
    assert_eq!(at(&copy), at(&from.reg));
    let rows = vec![ImportRow::new(2, &record(50, "c"), copy.codec()).unwrap()];
    let out = copy.import(&op(), rows, now).unwrap();
    let RowOutcome::Created(id) = out[0] else { panic!("{out:?}") };
    assert!(id > s[3].person);
    let mut later = draft(id);
    later.appointment.at = "2025-06-20T09:00".parse().unwrap();
    let next = copy.issue(&op(), later, now).unwrap();
    assert_eq!(next.number.as_str(), "62-2025-0000007");
    let campaign = copy.create_campaign(&op(), later_campaign(), now).unwrap();
    assert_eq!(campaign.id, 2);
    assert_eq!(copy.campaigns(&op()).unwrap().len(), 2);
    copy.act(&op(), &next.number, Command::Appear, ts("2025-06-13T10:00:00Z")).unwrap();
    let events = copy.events(0, 100_000).unwrap();
    assert!(events.iter().enumerate().all(|(i, e)| e.seq == i as u64 + 1));
    assert!(events.len() as u64 > last + 2);

    // A register that is not empty is never a copy's target.
    let again = image::copy(&*from.h.store(), &*to.store(), &mut |_, _| {});
    assert!(matches!(again, Err(StoreError::NotEmpty)), "{again:?}");
}

// ---- agencies ----

fn agency(f: &Fixture<impl Harness>, name: &str, kinds: &[MeasureKind], webhook: Option<&str>) -> crate::AgencyCreated {
    let new = crate::NewAgency {
        name: name.into(),
        role: Role::Agency,
        kinds: kinds.to_vec(),
        webhook: webhook.map(str::to_owned),
        from_start: true,
    };
    f.reg.add_agency(&op(), new, ts("2025-05-01T00:00:00Z")).unwrap()
}

/// The principal of an agency's new key.
fn agency_key(f: &Fixture<impl Harness>, name: &str) -> Principal {
    let k = f.reg.create_key(&op(), name, ts("2025-05-01T00:00:00Z")).unwrap();
    f.reg.authenticate_key(&k.key).unwrap().unwrap()
}

/// Every item of an agency's feed, page by page.
fn drain(f: &Fixture<impl Harness>, who: &Principal, page: usize, at: Timestamp) -> Vec<crate::FeedItem> {
    let mut all = Vec::new();
    let mut cursor = 0;
    loop {
        let p = f.reg.feed(who, cursor, page, at).unwrap();
        if p.items.is_empty() {
            assert_eq!(p.cursor, cursor);
            return all;
        }
        cursor = p.cursor;
        all.extend(p.items);
    }
}

pub fn measures_reach_each_agency_that_enforces_them_in_order_and_each_hand_over_is_a_logged_read<H: Harness>() {
    let f = Fixture::<H>::new();
    agency(&f, "border", &[MeasureKind::ExitBan], None);
    agency(&f, "traffic", &[MeasureKind::DrivingBan, MeasureKind::VehicleRegistrationBan], None);
    let border = agency_key(&f, "border");
    let traffic = agency_key(&f, "traffic");
    let s = f.summoned(3, ts("2025-05-09T11:00:00Z"));
    f.reg.run_clock(ts("2025-06-07T00:00:00Z"), 100).unwrap();
    f.reg.act(&registrar("62-001"), &s[1].number, Command::Appear, ts("2025-06-08T07:00:00Z")).unwrap();
    let at = ts("2025-06-09T00:00:00Z");

    let items = drain(&f, &border, 2, at);
    assert_eq!(items.len(), 4, "three exit bans started, one lifted: {items:#?}");
    assert!(items.iter().all(|i| i.kind == MeasureKind::ExitBan));
    assert!(items.windows(2).all(|w| w[0].id < w[1].id), "in log order");
    let lifted = items.last().unwrap();
    assert_eq!((lifted.change, lifted.summons.clone()), (EventKind::MeasureLifted, s[1].number.clone()));
    assert_eq!(lifted.cause, Some(reestr_core::measure::LiftCause::Appearance));
    // Each item names the person as an agency needs it, and its id is the event's position.
    let r = record(1, "t");
    let p = r.passport().unwrap();
    assert_eq!(lifted.person.passport, format!("{} {}", p.series, p.number));
    assert_eq!((lifted.person.surname.as_str(), lifted.person.birth_date.as_str()), ("Кузнецов", "2004-02-29"));
    let events = f.reg.events(0, 10_000).unwrap();
    assert_eq!(events.iter().find(|e| e.seq == lifted.id).unwrap().kind, EventKind::MeasureLifted);

    let traffic_items = drain(&f, &traffic, 100, at);
    assert_eq!(traffic_items.len(), 8);
    assert!(
        traffic_items.iter().all(|i| matches!(i.kind, MeasureKind::DrivingBan | MeasureKind::VehicleRegistrationBan))
    );

    // Each hand-over is a read the person sees, once per item however often it is fetched.
    let reads = f.reg.reads_of(&citizen(s[1].person), s[1].person).unwrap();
    let by_border: Vec<_> = reads.iter().filter(|e| e.actor == border.actor).collect();
    assert_eq!(by_border.len(), 2, "{reads:#?}");
    assert_eq!(by_border[0].payload["purpose"], "enforcement of exit_ban");
    assert_eq!(by_border[0].payload["fields"][5], "passport_number");
    let again = drain(&f, &border, 100, at);
    assert_eq!(again, items, "the same items with the same ids");
    assert_eq!(f.reg.reads_of(&citizen(s[1].person), s[1].person).unwrap().len(), reads.len());
    // Others have no feed.
    assert!(f.reg.feed(&registrar("62-001"), 0, 10, at).is_err());
}

pub fn a_feed_never_skips_an_event_that_commits_late<H: Harness>() {
    let f = Fixture::<H>::new();
    agency(&f, "border", &[MeasureKind::ExitBan], None);
    let border = agency_key(&f, "border");
    let n = 30;
    let s = f.summoned(n, ts("2025-05-09T11:00:00Z"));
    let end = ts("2025-06-07T00:00:00Z");
    f.reg.run_clock(end, 100).unwrap();
    // Two writers on two handles lift measures (an appearance each) while a reader follows.
    let writers: Vec<_> = [(f.reg.clone(), 0), (f.again(), 1)]
        .into_iter()
        .map(|(reg, half)| {
            let numbers: Vec<_> = s.iter().skip(half).step_by(2).map(|x| x.number.clone()).collect();
            std::thread::spawn(move || {
                for (i, number) in numbers.iter().enumerate() {
                    let at = end + SignedDuration::from_mins(i as i64);
                    reg.act(&op(), number, Command::Appear, at).unwrap();
                }
            })
        })
        .collect();
    let mut seen = Vec::new();
    let mut cursor = 0;
    let reader = f.again();
    while writers.iter().any(|w| !w.is_finished()) {
        let page = reader.feed(&border, cursor, 7, end).unwrap();
        cursor = page.cursor;
        seen.extend(page.items.into_iter().map(|i| i.id));
    }
    for w in writers {
        w.join().unwrap();
    }
    loop {
        let page = reader.feed(&border, cursor, 7, end).unwrap();
        if page.items.is_empty() {
            break;
        }
        cursor = page.cursor;
        seen.extend(page.items.into_iter().map(|i| i.id));
    }
    let all: Vec<u64> = f
        .reg
        .events(0, 100_000)
        .unwrap()
        .into_iter()
        .filter(|e| e.payload["kind"] == "exit_ban")
        .map(|e| e.seq)
        .collect();
    assert_eq!(all.len(), 2 * n as usize);
    assert_eq!(seen, all, "every item once, in order, none skipped");
}

pub fn a_new_agency_receives_the_history_of_its_kinds_and_keys_act_as_their_agency<H: Harness>() {
    let f = Fixture::<H>::new();
    f.summoned(2, ts("2025-05-09T11:00:00Z"));
    f.reg.run_clock(ts("2025-06-07T00:00:00Z"), 100).unwrap();
    let late = agency(&f, "credit", &[MeasureKind::CreditBan], None);
    assert_eq!(late.agency.kinds, [MeasureKind::CreditBan]);
    let fresh = f
        .reg
        .add_agency(
            &op(),
            crate::NewAgency {
                name: "Tax".into(),
                role: Role::Agency,
                kinds: vec![MeasureKind::CreditBan],
                webhook: None,
                from_start: false,
            },
            ts("2025-06-08T00:00:00Z"),
        )
        .unwrap();
    assert_eq!(fresh.agency.name, "tax");
    let at = ts("2025-06-09T00:00:00Z");
    assert_eq!(drain(&f, &agency_key(&f, "credit"), 100, at).len(), 2, "the history of its kinds");
    assert!(drain(&f, &agency_key(&f, "tax"), 100, at).is_empty(), "from now on");
    assert!(
        f.reg
            .add_agency(
                &op(),
                crate::NewAgency {
                    name: "credit".into(),
                    role: Role::Agency,
                    kinds: vec![MeasureKind::ExitBan],
                    webhook: None,
                    from_start: true
                },
                at
            )
            .is_err(),
        "names are unique"
    );
    assert!(
        f.reg
            .add_agency(
                &registrar("62-001"),
                crate::NewAgency {
                    name: "x".into(),
                    role: Role::Agency,
                    kinds: vec![MeasureKind::ExitBan],
                    webhook: None,
                    from_start: true
                },
                at
            )
            .is_err()
    );

    // A key acts as its agency: a disabled agency's keys do nothing, and work again when enabled.
    let k = f.reg.create_key(&op(), "credit", at).unwrap();
    assert!(f.reg.set_agency_disabled(&op(), late.agency.id, true, at).unwrap());
    assert!(f.reg.authenticate_key(&k.key).unwrap().is_none());
    assert!(f.reg.create_key(&op(), "credit", at).is_err());
    f.reg.set_agency_disabled(&op(), late.agency.id, false, at).unwrap();
    assert_eq!(f.reg.authenticate_key(&k.key).unwrap().unwrap().role, Role::Agency);
    // A security service is an agency too, without measures: it reads with a purpose.
    let fsb = crate::NewAgency {
        name: "fsb".into(),
        role: Role::SecurityService,
        kinds: vec![],
        webhook: None,
        from_start: false,
    };
    f.reg.add_agency(&op(), fsb, at).unwrap();
    let s = agency_key(&f, "fsb");
    assert_eq!((s.role, s.scope), (Role::SecurityService, Scope::All));
    assert_eq!(f.count(EventKind::AgencyAdded), 3);
}

pub fn confirmations_are_kept_and_late_ones_are_breaches_in_the_supervisors_region<H: Harness>() {
    let f = Fixture::<H>::new();
    agency(&f, "border", &[MeasureKind::ExitBan], None);
    let border = agency_key(&f, "border");
    f.summoned(3, ts("2025-05-09T11:00:00Z"));
    let made = ts("2025-06-07T00:00:00Z");
    f.reg.run_clock(made, 100).unwrap();
    let items = drain(&f, &border, 100, made);
    let ids: Vec<u64> = items.iter().map(|i| i.id).collect();
    let c = f.reg.confirm(&border, &[ids[0], 999_999], made).unwrap();
    assert_eq!((c.confirmed, c.unknown), (vec![ids[0]], vec![999_999]));
    assert_eq!(f.reg.confirm(&border, &[ids[0]], made).unwrap().already, [ids[0]]);
    let supervisor = |r: &str| Principal {
        actor: Actor::user(3, "s"),
        role: Role::Supervisor,
        scope: Scope::Region(r.parse().unwrap()),
    };
    assert!(f.reg.breaches(&supervisor("62"), made + SignedDuration::from_hours(23), 0, 100).unwrap().is_empty());
    let late = made + SignedDuration::from_hours(25);
    let breaches = f.reg.breaches(&supervisor("62"), late, 0, 100).unwrap();
    assert_eq!(breaches.iter().map(|b| b.delivery.seq).collect::<Vec<_>>(), ids[1..]);
    assert_eq!(breaches[0].agency, "border");
    assert_eq!(breaches[0].due_at, made + SignedDuration::from_hours(24));
    assert!(f.reg.breaches(&supervisor("12"), late, 0, 100).unwrap().is_empty(), "another region's supervisor");
    assert_eq!(f.reg.breaches(&op(), late, breaches[0].delivery.id, 100).unwrap().len(), 1, "by cursor");
    assert!(f.reg.breaches(&registrar("62-001"), late, 0, 100).is_err());
    let info = f.reg.agencies(&op(), late).unwrap();
    assert_eq!((info[0].stats.unconfirmed, info[0].stats.overdue), (2, 2));
    f.reg.confirm(&border, &ids, late).unwrap();
    assert!(f.reg.breaches(&supervisor("62"), late, 0, 100).unwrap().is_empty());
    assert_eq!(f.count(EventKind::DeliveriesConfirmed), 2);
}

pub fn the_border_check_answers_from_the_blind_index_and_every_check_is_logged<H: Harness>() {
    let f = Fixture::<H>::new();
    agency(&f, "border", &[MeasureKind::ExitBan], None);
    agency(&f, "credit", &[MeasureKind::CreditBan, MeasureKind::RealEstateBan], None);
    let border = agency_key(&f, "border");
    let s = f.summoned(2, ts("2025-05-09T11:00:00Z"));
    f.reg.run_clock(ts("2025-06-07T00:00:00Z"), 100).unwrap();
    f.reg.act(&op(), &s[1].number, Command::Appear, ts("2025-06-08T00:00:00Z")).unwrap();
    let at = ts("2025-06-09T00:00:00Z");
    let passport = |n| record(n, "t").passport().unwrap();
    let found = f.reg.check_measures(&border, &passport(0), at).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].kind, found[0].since), (MeasureKind::ExitBan, ts("2025-06-06T21:00:00Z")));
    assert_eq!(found[0].summons, s[0].number);
    assert!(f.reg.check_measures(&border, &passport(1), at).unwrap().is_empty(), "lifted");
    let credit = f.reg.check_measures(&agency_key(&f, "credit"), &passport(0), at).unwrap();
    assert_eq!(credit.len(), 2, "only its own kinds");
    let unknown: reestr_core::ids::Passport = "9999 000001".parse().unwrap();
    let before = f.count(EventKind::RecordRead);
    assert!(f.reg.check_measures(&border, &unknown, at).unwrap().is_empty(), "the same answer as none in force");
    assert_eq!(f.count(EventKind::RecordRead), before, "no person, nobody to tell");
    let reads = f.reg.reads_of(&citizen(s[1].person), s[1].person).unwrap();
    assert_eq!(reads[0].actor, border.actor);
    assert_eq!(reads[0].payload["fields"], serde_json::json!(["measures"]));
    assert!(reads[0].payload["purpose"].as_str().unwrap().contains("exit_ban"));
    assert!(f.reg.check_measures(&registrar("62-001"), &passport(0), at).is_err());
}

pub fn webhook_pushes_back_off_then_become_dead_letters_after_72_hours_and_can_be_replayed<H: Harness>() {
    let f = Fixture::<H>::new();
    let created = agency(&f, "border", &[MeasureKind::ExitBan], Some("http://127.0.0.1:9/hook"));
    let secret = created.webhook_secret.unwrap();
    assert!(secret.starts_with("whsec_"));
    let id = created.agency.id;
    f.summoned(2, ts("2025-05-09T11:00:00Z"));
    let t0 = ts("2025-06-07T00:00:00Z");
    f.reg.run_clock(t0, 100).unwrap();
    assert_eq!(f.reg.push_due(t0).unwrap(), [id]);
    let batch = f.reg.take_push_batch(id, 10, t0).unwrap().unwrap();
    assert_eq!(batch.items.len(), 2);
    assert_eq!(batch.secret.len(), 32);
    assert!(f.reg.take_push_batch(id, 10, t0).unwrap().is_none(), "claimed by the first dispatcher");
    let first = batch.items[0].item.id;
    // The first is delivered, the second fails: the cursor moves past the first only.
    f.reg
        .record_push(id, &[(first, false, Ok(())), (batch.items[1].item.id, false, Err("HTTP 500".into()))], t0)
        .unwrap();
    let a = f.reg.agency_by_name(&op(), "border", t0).unwrap();
    assert_eq!((a.push.cursor, a.push.failures, a.push.next_at), (first, 1, Some(t0 + SignedDuration::from_secs(5))));
    assert_eq!(a.stats.pending, 1);
    assert!(f.reg.push_due(t0).unwrap().is_empty(), "backing off");
    // Failures go on: the waits double up to an hour; nothing is dropped before 72 hours.
    let mut at = t0;
    let mut waits = Vec::new();
    while at.duration_since(t0) < crate::RETRY_WINDOW {
        at = f.reg.agency_by_name(&op(), "border", at).unwrap().push.next_at.unwrap();
        let batch = f.reg.take_push_batch(id, 10, at).unwrap().unwrap();
        assert_eq!(batch.items.len(), 1);
        f.reg.record_push(id, &[(batch.items[0].item.id, false, Err("connection refused".into()))], at).unwrap();
        waits.push(f.reg.agency_by_name(&op(), "border", at).unwrap().push.next_at.unwrap().duration_since(at));
    }
    assert_eq!(waits[0], SignedDuration::from_secs(10));
    assert_eq!(*waits.last().unwrap(), SignedDuration::from_hours(1));
    let dead = f.reg.dead_letters(&op(), id).unwrap();
    assert_eq!(dead.len(), 1, "after 72 hours of failures");
    assert_eq!((dead[0].seq, dead[0].last_error.as_str()), (batch.items[1].item.id, "connection refused"));
    let a = f.reg.agency_by_name(&op(), "border", at).unwrap();
    assert_eq!((a.stats.pending, a.stats.dead_letters), (0, 1));
    assert!(a.push.failures > 60 && a.push.last_error.is_some(), "the failures show: {a:?}");
    // An admin replays it; it goes out first, and once delivered leaves the count.
    assert_eq!(f.reg.replay(&op(), id, None, at).unwrap(), 1);
    let again = f.reg.take_push_batch(id, 10, at).unwrap().unwrap();
    assert!(again.items[0].replay);
    f.reg.record_push(id, &[(again.items[0].item.id, true, Ok(()))], at).unwrap();
    let a = f.reg.agency_by_name(&op(), "border", at).unwrap();
    assert_eq!((a.stats.dead_letters, a.push.failures), (0, 0));
    assert!(f.reg.dead_letters(&op(), id).unwrap()[0].redelivered_at.is_some());
    assert_eq!(f.count(EventKind::DeliveriesDeadLettered), 1);
    assert!(f.reg.replay(&registrar("62-001"), id, None, at).is_err());
    // The secret is kept sealed.
    if let Some(bytes) = f.h.raw_bytes() {
        let b64 = secret.trim_start_matches("whsec_");
        assert!(!bytes.windows(b64.len()).any(|w| w == b64.as_bytes()));
        assert!(!bytes.windows(32).any(|w| w == &batch.secret[..]), "the secret is stored sealed");
    }
}

// ---- campaigns ----

/// Person `n` with the given region, commissariat, birth date and registration status.
fn cohort_record(n: u64, commissariat: &str, birth: &str, status: Option<(&str, Option<&str>)>) -> Record {
    let base = record(n, "test");
    let mut texts: Vec<(Field, String)> = base.entries().map(|(f, e)| (f, e.value.to_string())).collect();
    texts.retain(|(f, _)| !matches!(f, Field::Region | Field::Commissariat | Field::BirthDate));
    texts.push((Field::Region, commissariat[..2].to_owned()));
    texts.push((Field::Commissariat, commissariat.to_owned()));
    texts.push((Field::BirthDate, birth.to_owned()));
    if let Some((status, until)) = status {
        texts.push((Field::RegistrationStatus, status.to_owned()));
        if let Some(u) = until {
            texts.push((Field::DeferredUntil, u.to_owned()));
        }
    }
    Record::from_texts(texts.iter().map(|(f, v)| (*f, v.as_str())), &provenance("test"), Directory::builtin()).unwrap()
}

/// Ryazan: persons 0..8 born in 2004 (2 with an open summons, 3 deferred until before the
/// campaign), 8 born in 1990, 9 exempt; Mari El: 10..13; Moscow (off): 13..15, in 77-000.
fn cohort_fixture<H: Harness>() -> (Fixture<H>, Vec<PersonId>) {
    let f = Fixture::<H>::new();
    let at = ts("2025-05-01T10:00:00Z");
    let records: Vec<Record> = (0..15u64)
        .map(|n| match n {
            3 => cohort_record(n, "62-001", "2004-03-01", Some(("deferred", Some("2025-05-05")))),
            8 => cohort_record(n, "62-002", "1990-03-01", None),
            9 => cohort_record(n, "62-001", "2004-03-01", Some(("exempt", None))),
            10..13 => cohort_record(n, "12-001", "2003-07-01", Some(("registered", None))),
            13..15 => cohort_record(n, "77-000", "2005-01-01", None),
            _ => cohort_record(n, if n % 2 == 0 { "62-001" } else { "62-002" }, "2004-03-01", None),
        })
        .collect();
    let rows =
        records.iter().enumerate().map(|(i, r)| ImportRow::new(i as u64 + 2, r, f.reg.codec()).unwrap()).collect();
    let ids: Vec<PersonId> = f
        .reg
        .import(&op(), rows, at)
        .unwrap()
        .into_iter()
        .map(|o| match o {
            RowOutcome::Created(id) => id,
            other => panic!("{other:?}"),
        })
        .collect();
    f.reg.issue(&op(), draft(ids[2]), at).unwrap();
    (f, ids)
}

fn campaign_spec() -> reestr_core::campaign::CampaignSpec {
    use reestr_core::{campaign::*, person::Registration};
    CampaignSpec {
        name: "Весенний призыв 2025".into(),
        purpose: Purpose::CallUp,
        quotas: vec![
            Quota { region: "62".parse().unwrap(), quota: 5 },
            Quota { region: "12".parse().unwrap(), quota: 10 },
            Quota { region: "77".parse().unwrap(), quota: 3 },
        ],
        commissariat: None,
        cohort: Cohort { born_from: 2000, born_to: 2007, statuses: vec![Registration::Registered] },
        appointments: Appointments {
            from: jiff::civil::date(2025, 5, 12),
            to: jiff::civil::date(2025, 5, 16),
            time: jiff::civil::time(9, 0, 0, 0),
        },
    }
}

/// A person of Mari El summoned there moves to Ryazan with the summons still open: a Ryazan
/// campaign must see it (a backend that looks summonses up only in the person's current region
/// would not), and once the person appears, the campaign summons them.
pub fn an_open_summons_of_a_region_the_person_has_left_still_counts<H: Harness>() {
    let (f, ids) = cohort_fixture::<H>();
    let at = ts("2025-05-02T10:00:00Z");
    let mut there = draft(ids[10]);
    there.commissariat = "12-001".parse().unwrap();
    let s = f.reg.issue(&op(), there, at).unwrap();
    let moved = [(Field::Region, "62".to_owned()), (Field::Commissariat, "62-001".to_owned())];
    f.reg.update_person(&op(), ids[10], &moved, (*provenance("переезд")).clone(), at).unwrap();
    let now = ts("2025-05-05T10:00:00Z");
    let c = f.reg.create_campaign(&op(), campaign_spec(), now).unwrap();
    let ryazan = |d: &crate::DryRun| d.regions.iter().find(|r| r.region.get() == 62).unwrap().clone();
    let dry = f.reg.dry_run(&op(), c.id, 0, now).unwrap();
    assert_eq!((ryazan(&dry).cohort, ryazan(&dry).open_summonses, ryazan(&dry).eligible), (9, 2, 7));
    f.reg.act(&op(), &s.number, reestr_core::summons::Command::Appear, now).unwrap();
    let dry = f.reg.dry_run(&op(), c.id, 0, now).unwrap();
    assert_eq!((ryazan(&dry).cohort, ryazan(&dry).open_summonses, ryazan(&dry).eligible), (9, 1, 8));
}

/// A campaign writes the notices, e-mails and reminders of a whole batch at once: each person
/// gets what a single summons would give, the e-mail only where the record has an address.
pub fn a_campaign_batch_notifies_each_person_as_a_single_summons_would<H: Harness>() {
    let (f, ids) = cohort_fixture::<H>();
    let at = ts("2025-05-02T10:00:00Z");
    for (i, id) in [ids[0], ids[1], ids[10]].into_iter().enumerate() {
        let email = [(Field::Email, format!("person{i}@example.ru"))];
        f.reg.update_person(&op(), id, &email, (*provenance("test")).clone(), at).unwrap();
    }
    // The baseline: person 2's single summons (the fixture's).
    let reminders_of = |f: &Fixture<H>, number: &reestr_core::summons::SummonsNumber| {
        let mut n = 0;
        f.h.store()
            .read(&mut |tx| {
                n = tx.due_reminders(ts("2030-01-01T00:00:00Z"), 1000)?.iter().filter(|r| &r.summons == number).count();
                Ok(())
            })
            .unwrap();
        n
    };
    let single = f.reg.summonses_of(&op(), ids[2], Some("test"), at).unwrap().remove(0);
    let per_summons = reminders_of(&f, &single.number);
    assert!(per_summons > 0);

    let now = ts("2025-05-05T10:00:00Z");
    let c = f.reg.create_campaign(&op(), campaign_spec(), now).unwrap();
    let c = f.reg.issue_campaign(&op(), c.id, 100, &mut || now, &mut |_| true).unwrap();
    assert_eq!(c.issued(), 8);
    let mut mailed = 0;
    for id in [ids[0], ids[1], ids[4], ids[10], ids[11]] {
        let inbox = f.reg.inbox(&citizen(id), None, 10).unwrap();
        assert_eq!(inbox.len(), 1, "one notice for {id:?}: {inbox:?}");
        assert_eq!(inbox[0].content.kind, reestr_core::notice::NoticeKind::SummonsPosted);
        let has_address = [ids[0], ids[1], ids[10]].contains(&id);
        assert_eq!(inbox[0].email.is_some(), has_address, "{id:?}");
        mailed += usize::from(inbox[0].email.is_some());
        let s = f.reg.summonses_of(&op(), id, Some("test"), now).unwrap().remove(0);
        assert_eq!(reminders_of(&f, &s.number), per_summons, "{id:?}");
    }
    assert_eq!(mailed, 3);
}

pub fn a_campaign_dry_run_counts_the_cohort_and_open_summonses_per_region_and_logs_its_sample<H: Harness>() {
    let (f, ids) = cohort_fixture::<H>();
    let now = ts("2025-05-05T10:00:00Z");
    let c = f.reg.create_campaign(&op(), campaign_spec(), now).unwrap();
    assert_eq!(c.state, reestr_core::campaign::CampaignState::Draft);
    assert_eq!((c.quota(), c.issued()), (18, 0));
    assert_eq!(f.count(EventKind::CampaignCreated), 1);

    let before = f.count(EventKind::RecordRead);
    let dry = f.reg.dry_run(&op(), c.id, 5, now).unwrap();
    let by = |code: u8| dry.regions.iter().find(|r| r.region.get() == code).unwrap().clone();
    let ryazan = by(62);
    // 0..8 born in the years, 9 exempt and 8 born too early left out; 3's deferment ended.
    assert_eq!((ryazan.cohort, ryazan.open_summonses, ryazan.eligible, ryazan.would_issue), (8, 1, 7, 5));
    let mari = by(12);
    assert_eq!((mari.cohort, mari.open_summonses, mari.eligible, mari.would_issue), (3, 0, 3, 3));
    let moscow = by(77);
    assert_eq!((moscow.rollout, moscow.cohort, moscow.would_issue), (Rollout::Off, 2, 0));
    assert_eq!((dry.would_issue(), dry.cohort(), dry.open_summonses()), (8, 13, 1));
    let sample: Vec<PersonId> = dry.sample.iter().map(|e| e.person).collect();
    // Region by region in order of code, persons in order of id.
    assert_eq!(sample, [ids[10], ids[11], ids[12], ids[0], ids[1]]);
    assert!(dry.sample.iter().all(|e| e.record.get(Field::Snils).is_none() && e.record.get(Field::Surname).is_some()));
    assert_eq!(dry.sample[2].status, reestr_core::person::Registration::Registered);
    // Each person shown is a read the person sees, with the purpose.
    assert_eq!(f.count(EventKind::RecordRead), before + 5);
    let reads = f.reg.reads_of(&citizen(ids[0]), ids[0]).unwrap();
    assert_eq!(reads.len(), 1);
    assert_eq!(reads[0].payload["purpose"], format!("campaign {}: dry run", c.id));
    // A dry run changes nothing else.
    assert_eq!(f.reg.campaign(&op(), c.id).unwrap().issued(), 0);
    assert_eq!(f.reg.stats().unwrap().summonses.values().sum::<u64>(), 1);
}

pub fn a_campaign_issues_within_quotas_and_resumes_where_it_was_interrupted<H: Harness>() {
    let (f, ids) = cohort_fixture::<H>();
    let now = ts("2025-05-05T10:00:00Z");
    let c = f.reg.create_campaign(&op(), campaign_spec(), now).unwrap();
    // Interrupted after the first batch of two.
    let mut batches = 0;
    let stopped = f
        .reg
        .issue_campaign(&op(), c.id, 2, &mut || now, &mut |_| {
            batches += 1;
            false
        })
        .unwrap();
    assert_eq!((batches, stopped.state, stopped.issued()), (1, reestr_core::campaign::CampaignState::Issuing, 2));
    assert_eq!(f.reg.unfinished_campaigns().unwrap(), [c.id]);
    let dry = f.reg.dry_run(&op(), c.id, 0, now).unwrap();
    assert_eq!(dry.regions[0].region.get(), 12);
    assert_eq!((dry.regions[0].issued, dry.regions[0].would_issue), (2, 1));
    assert_eq!(dry.regions[1].would_issue, 5);

    // Another process resumes it, batch after batch, to the end.
    let other = f.again();
    let later = ts("2025-05-05T10:05:00Z");
    let mut reports = Vec::new();
    loop {
        let r = other.issue_campaign_batch(c.id, 2, later).unwrap();
        reports.push(r.issued);
        if r.done {
            break;
        }
    }
    let done = other.campaign(&op(), c.id).unwrap();
    assert_eq!(done.state, reestr_core::campaign::CampaignState::Done);
    let issued: Vec<(u8, u64, u64)> = done.regions.iter().map(|r| (r.region.get(), r.issued, r.held_open)).collect();
    assert_eq!(issued, [(12, 3, 0), (62, 5, 1), (77, 0, 0)]);
    assert!(done.regions.iter().all(|r| r.finished_at.is_some()));
    assert_eq!(other.issue_campaign_batch(c.id, 2, later).unwrap(), crate::BatchReport { issued: 0, done: true });
    assert!(f.reg.unfinished_campaigns().unwrap().is_empty());

    // Each summons went the way of a single one: numbered in the region's series, posted under
    // the policy in force, an event naming the campaign, with the appointment of the rules.
    let posted: Vec<_> = f
        .reg
        .events(0, 100_000)
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == EventKind::SummonsPosted && e.payload["campaign"] == c.id)
        .collect();
    assert_eq!(posted.len(), 8);
    let mut persons: Vec<PersonId> = posted.iter().map(|e| e.person.unwrap()).collect();
    persons.sort();
    persons.dedup();
    assert_eq!(persons, [ids[0], ids[1], ids[3], ids[4], ids[5], ids[10], ids[11], ids[12]]);
    let first = f.reg.summonses_of(&op(), ids[0], Some("test"), later).unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].number.as_str(), "62-2025-0000002");
    assert_eq!(first[0].purpose, Purpose::CallUp);
    assert_eq!(first[0].appointment.at, "2025-05-12T09:00".parse().unwrap());
    assert_eq!(first[0].appointment.address, "г. Рязань, ул. Калинина, д. 32");
    assert_eq!(first[0].commissariat.as_str(), "62-001");
    let second = f.reg.summonses_of(&op(), ids[1], Some("test"), later).unwrap();
    assert_eq!(
        (second[0].commissariat.as_str(), second[0].appointment.at.date()),
        ("62-002", jiff::civil::date(2025, 5, 13))
    );
    assert_eq!(f.reg.summonses_of(&op(), ids[2], Some("test"), later).unwrap().len(), 1);
    assert_eq!(f.count(EventKind::CampaignIssueStarted), 1);
    assert_eq!(f.count(EventKind::CampaignIssued), 1);
    // The legal clock takes them like any other.
    let report = f.reg.run_clock(ts("2025-05-13T00:00:00Z"), 100).unwrap();
    assert_eq!(report.served, 9);
    // And they notify like any other: the posting's notice written with its event, the
    // reminders scheduled and sent by the clock.
    for p in &persons {
        assert_eq!(
            inbox_kinds(&f, *p)[..3],
            [NoticeKind::SummonsPosted, NoticeKind::SummonsServed, NoticeKind::MeasuresStarted]
        );
    }
    // Appointments on 13 May (persons 1 and 11): reminded the day before.
    assert_eq!(report.reminders, 2);
    for p in [ids[1], ids[11]] {
        assert_eq!(inbox_kinds(&f, p).last(), Some(&NoticeKind::AppointmentReminder));
    }

    // The database itself refuses a second summons of the campaign to a person.
    let dup = crate::CampaignMember {
        campaign: c.id,
        person: ids[0],
        summons: "62-2025-0000099".parse().unwrap(),
        region: 62,
    };
    let again = f.h.store().write(&mut |tx| tx.insert_campaign_members(std::slice::from_ref(&dup)));
    assert!(again.is_err());
}

pub fn two_issuers_at_once_never_summon_a_person_twice_for_one_campaign<H: Harness>() {
    let f = Fixture::<H>::new();
    let at = ts("2025-05-01T10:00:00Z");
    f.import(0..60, "test", at);
    let mut spec = campaign_spec();
    spec.quotas = vec![reestr_core::campaign::Quota { region: "62".parse().unwrap(), quota: 50 }];
    let now = ts("2025-05-05T10:00:00Z");
    let c = f.reg.create_campaign(&op(), spec, now).unwrap();
    f.reg.start_campaign(&op(), c.id, now).unwrap();
    let regs = [f.reg.clone(), f.again()];
    std::thread::scope(|scope| {
        for reg in &regs {
            scope.spawn(move || {
                loop {
                    match reg.issue_campaign_batch(c.id, 3, now) {
                        Ok(r) if r.done => return,
                        Ok(_) | Err(StoreError::Busy) => {}
                        Err(e) => panic!("{e}"),
                    }
                }
            });
        }
    });
    let done = f.reg.campaign(&op(), c.id).unwrap();
    assert_eq!(done.issued(), 50);
    let mut persons: Vec<PersonId> = f
        .reg
        .events(0, 100_000)
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == EventKind::SummonsPosted)
        .map(|e| e.person.unwrap())
        .collect();
    assert_eq!(persons.len(), 50);
    persons.sort();
    persons.dedup();
    assert_eq!(persons.len(), 50);
}

pub fn campaigns_are_run_within_the_principals_scope<H: Harness>() {
    let (f, _) = cohort_fixture::<H>();
    let now = ts("2025-05-05T10:00:00Z");
    let supervisor = |r: &str| Principal {
        actor: Actor::user(7, "sidorov"),
        role: Role::Supervisor,
        scope: Scope::Region(r.parse().unwrap()),
    };
    fn denied<T>(r: crate::Result<T>) -> bool {
        matches!(r, Err(StoreError::Access(_)))
    }
    // Three regions: only an admin or the operator.
    assert!(denied(f.reg.create_campaign(&supervisor("62"), campaign_spec(), now)));
    let all = f.reg.create_campaign(&op(), campaign_spec(), now).unwrap();
    let mut ryazan = campaign_spec();
    ryazan.quotas.retain(|q| q.region.get() == 62);
    let regional = f.reg.create_campaign(&supervisor("62"), ryazan.clone(), now).unwrap();
    ryazan.commissariat = Some("62-001".parse().unwrap());
    assert!(denied(f.reg.create_campaign(&registrar("62-002"), ryazan.clone(), now)));
    let own = f.reg.create_campaign(&registrar("62-001"), ryazan, now).unwrap();

    let listed = |who: &Principal| f.reg.campaigns(who).unwrap().iter().map(|c| c.id).collect::<Vec<_>>();
    assert_eq!(listed(&op()), [own.id, regional.id, all.id]);
    assert_eq!(listed(&supervisor("62")), [own.id, regional.id]);
    assert_eq!(listed(&supervisor("12")), Vec::<i64>::new());
    assert_eq!(listed(&registrar("62-001")), [own.id]);
    assert!(denied(f.reg.campaign(&registrar("62-001"), regional.id)));
    assert!(denied(f.reg.dry_run(&supervisor("12"), regional.id, 5, now)));
    assert!(denied(f.reg.start_campaign(&registrar("62-002"), own.id, now)));
    assert!(denied(f.reg.campaigns(&citizen(PersonId(1)))));

    // A registrar's campaign reaches only its commissariat's persons.
    let done = f.reg.issue_campaign(&registrar("62-001"), own.id, 100, &mut || now, &mut |_| true).unwrap();
    assert_eq!(done.issued(), 4);
    let e = f.reg.events(0, 100_000).unwrap();
    let last = e.iter().rev().find(|e| e.kind == EventKind::SummonsPosted).unwrap();
    assert_eq!(last.actor.as_str(), registrar("62-001").actor.as_str());
    // Starting is refused once the appointments have begun.
    let late = f.reg.start_campaign(&supervisor("62"), regional.id, ts("2025-05-12T10:00:00Z"));
    assert!(matches!(late, Err(StoreError::Campaign(reestr_core::campaign::CampaignError::AppointmentsBegun { .. }))));
}

// ---- notices ----

const ADDRESS: &str = "petr.kuznetsov@example.test";

/// Person 0 with an e-mail address, summoned at `posted`.
fn summoned_with_mail<H: Harness>(f: &Fixture<H>, posted: Timestamp) -> Summons {
    f.import(0..1, "test", posted);
    let id = f.person(0);
    f.reg
        .update_person(&op(), id, &[(Field::Email, ADDRESS.into())], (*provenance("gosuslugi")).clone(), posted)
        .unwrap();
    f.reg.issue(&op(), draft(id), posted).unwrap()
}

fn inbox_kinds<H: Harness>(f: &Fixture<H>, id: PersonId) -> Vec<NoticeKind> {
    f.reg.inbox(&citizen(id), None, 100).unwrap().into_iter().rev().map(|n| n.content.kind).collect()
}

pub fn each_step_of_a_summons_is_a_notice_written_with_its_event_and_checked_by_code<H: Harness>() {
    let f = Fixture::<H>::new();
    let s = summoned_with_mail(&f, ts("2025-05-09T11:00:00Z"));
    let me = citizen(s.person);
    // The clock at each instant due: service, the two reminders, the end of the window.
    while let Some(t) = f.reg.next_wake().unwrap() {
        f.reg.run_clock(t, 100).unwrap();
    }
    f.reg.act(&registrar("62-001"), &s.number, Command::Appear, ts("2025-06-08T09:00:00Z")).unwrap();
    // The clock run again (two processes, say) adds nothing.
    f.again().run_clock(ts("2025-06-08T10:00:00Z"), 100).unwrap();
    let kinds = inbox_kinds(&f, s.person);
    assert_eq!(
        kinds,
        [
            NoticeKind::SummonsPosted,
            NoticeKind::SummonsServed,
            NoticeKind::AppointmentReminder,
            NoticeKind::ReportWindowEnding,
            NoticeKind::MeasuresStarted,
            NoticeKind::MeasuresLifted
        ]
    );
    let inbox = f.reg.inbox(&me, None, 100).unwrap();
    let served = inbox.iter().find(|n| n.content.kind == NoticeKind::SummonsServed).unwrap();
    assert_eq!(served.created_at, ts("2025-05-16T21:00:00Z"));
    assert_eq!(served.content.by, Some(ts("2025-06-06T21:00:00Z")));
    // Paging by cursor, newest first.
    let page = f.reg.inbox(&me, Some(inbox[1].id), 2).unwrap();
    assert_eq!(page.iter().map(|n| n.id).collect::<Vec<_>>(), [inbox[2].id, inbox[3].id]);
    // Each code is different and proves its notice: the content to its person only.
    let codes: std::collections::BTreeSet<&str> = inbox.iter().map(|n| n.code.as_str()).collect();
    assert_eq!(codes.len(), inbox.len());
    let anyone = f.reg.check_notice(None, &served.code.to_lowercase()).unwrap().unwrap();
    assert_eq!(
        (anyone.kind, anyone.created_at, anyone.content.as_ref()),
        (NoticeKind::SummonsServed, served.created_at, None)
    );
    assert_eq!(anyone.summons.unwrap(), notice::masked_summons(&s.number));
    let other = citizen(PersonId(s.person.0 + 1000));
    assert!(f.reg.check_notice(Some(&other), &served.code).unwrap().unwrap().content.is_none());
    let mine = f.reg.check_notice(Some(&me), &served.code).unwrap().unwrap();
    assert_eq!(mine.content.as_ref(), Some(&served.content));
    assert_eq!(mine.summons.as_deref(), Some(s.number.as_str()));
    assert!(f.reg.check_notice(None, "0000-0000-0000").unwrap().is_none());
    assert_eq!(reestr_core::ErrorCode::code(&f.reg.check_notice(None, "12").unwrap_err()), "notice_code_format");
    // Only the person reads the inbox.
    assert!(f.reg.inbox(&registrar("62-001"), None, 10).is_err());
    // Every notice has its e-mail, once; the required ones at once.
    let mail = f.reg.take_mail(100, ts("2025-06-08T10:00:00Z")).unwrap();
    assert_eq!(mail.len(), inbox.len());
    assert!(mail.iter().all(|m| m.to == ADDRESS));
    let keys: std::collections::BTreeSet<&str> = mail.iter().map(|m| m.key.as_str()).collect();
    assert_eq!(keys.len(), mail.len());
    // Texts, codes and the address are kept sealed.
    if let Some(bytes) = f.h.raw_bytes() {
        for needle in [ADDRESS, served.code.as_str(), "считается врученной"] {
            assert!(!bytes.windows(needle.len()).any(|w| w == needle.as_bytes()), "{needle} in clear");
        }
    }
}

pub fn reminders_follow_the_summons_and_the_clock_sends_each_once<H: Harness>() {
    let f = Fixture::<H>::new();
    let s = summoned_with_mail(&f, ts("2025-05-09T11:00:00Z"));
    // The appointment is 2025-05-20 09:00 Moscow: the reminder is due a day before.
    let due = ts("2025-05-19T06:00:00Z");
    assert_eq!(f.reg.next_wake().unwrap(), Some(ts("2025-05-16T21:00:00Z")), "service comes first");
    f.reg.run_clock(ts("2025-05-17T00:00:00Z"), 100).unwrap();
    assert_eq!(f.reg.next_wake().unwrap(), Some(due));
    assert_eq!(f.reg.run_clock(due - SignedDuration::from_secs(1), 100).unwrap().reminders, 0);
    // Two clocks at once: one reminder.
    let (a, b) = (f.reg.clone(), f.again());
    let t = std::thread::spawn(move || a.run_clock(due, 1).unwrap().reminders);
    let other = b.run_clock(due, 1).unwrap().reminders;
    assert_eq!(t.join().unwrap() + other, 1);
    assert_eq!(f.reg.run_clock(due + SignedDuration::from_hours(1), 100).unwrap().reminders, 0);
    let kinds = inbox_kinds(&f, s.person);
    assert_eq!(kinds.iter().filter(|k| **k == NoticeKind::AppointmentReminder).count(), 1);
    // The window reminder (three days before 2025-06-07 00:00) is dropped once the person appears.
    f.reg.act(&registrar("62-001"), &s.number, Command::Appear, ts("2025-05-20T07:00:00Z")).unwrap();
    assert_eq!(f.reg.next_wake().unwrap(), None);
    f.reg.run_clock(ts("2025-06-10T00:00:00Z"), 100).unwrap();
    assert!(!inbox_kinds(&f, s.person).contains(&NoticeKind::ReportWindowEnding));

    // After downtime past the appointment, the appointment reminder is not sent late.
    let g = Fixture::<H>::new();
    let s = summoned_with_mail(&g, ts("2025-05-09T11:00:00Z"));
    let r = g.reg.run_clock(ts("2025-05-21T00:00:00Z"), 100).unwrap();
    assert_eq!((r.served, r.reminders), (1, 0));
    assert_eq!(inbox_kinds(&g, s.person), [NoticeKind::SummonsPosted, NoticeKind::SummonsServed]);
}

pub fn mail_is_retried_with_backoff_set_aside_after_72_hours_and_never_sent_twice<H: Harness>() {
    let f = Fixture::<H>::new();
    let posted = ts("2025-05-09T11:00:00Z");
    summoned_with_mail(&f, posted);
    let first = f.reg.take_mail(10, posted).unwrap();
    assert_eq!(first.len(), 1);
    assert!(f.reg.take_mail(10, posted).unwrap().is_empty(), "held by the first sender");
    assert!(first[0].content.ru.subject.contains("повестка"));
    f.reg.record_mail(&[(first[0].id, Err("could not connect".into()))], posted).unwrap();
    let stats = f.reg.mail_stats().unwrap();
    assert_eq!((stats.pending, stats.retrying, stats.sent), (1, 1, 0));
    assert!(f.reg.take_mail(10, posted + SignedDuration::from_secs(4)).unwrap().is_empty(), "backing off");
    let again = f.reg.take_mail(10, posted + SignedDuration::from_secs(5)).unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].key, first[0].key, "the same message");
    f.reg.record_mail(&[(again[0].id, Ok(()))], posted + SignedDuration::from_secs(5)).unwrap();
    // A late report of a failure (or a second success) changes nothing; nothing is sent again.
    f.reg.record_mail(&[(again[0].id, Err("timed out".into()))], posted + SignedDuration::from_secs(6)).unwrap();
    let far = posted + SignedDuration::from_hours(200);
    assert!(f.reg.take_mail(10, far).unwrap().is_empty());
    assert_eq!(f.reg.mail_stats().unwrap(), crate::MailStats { pending: 0, retrying: 0, sent: 1, dead: 0 });

    // A second notice failing for 72 hours is set aside.
    let s = f.reg.summonses_of(&op(), f.person(0), Some("x"), far).unwrap().remove(0);
    f.reg.act(&registrar("62-001"), &s.number, Command::Appear, far).unwrap();
    let mut at = far;
    let mut attempts = 0;
    loop {
        let batch = f.reg.take_mail(10, at).unwrap();
        if batch.is_empty() {
            break;
        }
        attempts += 1;
        f.reg.record_mail(&[(batch[0].id, Err("HTTP-like 451".into()))], at).unwrap();
        at += SignedDuration::from_hours(1);
    }
    assert!((70..=80).contains(&attempts), "{attempts}");
    assert_eq!(f.reg.mail_stats().unwrap().dead, 1);
}

/// Sends every e-mail due at `at`; the kinds sent.
fn send_all<H: Harness>(f: &Fixture<H>, at: Timestamp) -> Vec<NoticeKind> {
    let batch = f.reg.take_mail(100, at).unwrap();
    let results: Vec<(i64, crate::MailResult)> = batch.iter().map(|m| (m.id, Ok(()))).collect();
    f.reg.record_mail(&results, at).unwrap();
    batch.iter().map(|m| m.content.kind).collect()
}

pub fn preferences_hold_optional_mail_but_required_notices_always_go<H: Harness>() {
    let f = Fixture::<H>::new();
    f.import(0..1, "test", ts("2025-05-01T00:00:00Z"));
    let id = f.person(0);
    let me = citizen(id);
    f.reg
        .update_person(
            &op(),
            id,
            &[(Field::Email, ADDRESS.into())],
            (*provenance("gosuslugi")).clone(),
            ts("2025-05-01T00:00:00Z"),
        )
        .unwrap();
    assert_eq!(f.reg.notice_preferences(&me).unwrap(), notice::Preferences::default());
    let quiet = notice::QuietHours { from: "22:00".parse().unwrap(), to: "08:00".parse().unwrap() };
    let prefs = notice::Preferences::new([NoticeKind::SecurityServiceRead].into(), Some(quiet)).unwrap();
    f.reg.set_notice_preferences(&me, prefs.clone(), ts("2025-05-01T00:00:00Z")).unwrap();
    assert_eq!(f.reg.notice_preferences(&me).unwrap(), prefs);
    let bad = notice::Preferences { email: [NoticeKind::MeasuresStarted].into(), quiet_hours: None };
    assert_eq!(
        reestr_core::ErrorCode::code(&f.reg.set_notice_preferences(&me, bad, ts("2025-05-01T00:00:00Z")).unwrap_err()),
        "notice_required"
    );
    assert!(f.reg.notice_preferences(&registrar("62-001")).is_err());

    // Posted at 23:30 Moscow: the summons goes by e-mail at once, quiet hours or not.
    let night = ts("2025-05-09T20:30:00Z");
    let s = f.reg.issue(&op(), draft(id), night).unwrap();
    assert_eq!(send_all(&f, night), [NoticeKind::SummonsPosted]);
    // The appointment reminder is not wanted by e-mail: inbox only.
    f.reg.run_clock(ts("2025-05-19T06:00:00Z"), 100).unwrap();
    assert_eq!(send_all(&f, ts("2025-05-19T06:00:00Z")), [NoticeKind::SummonsServed]);
    let inbox = f.reg.inbox(&me, None, 10).unwrap();
    let reminder = inbox.iter().find(|n| n.content.kind == NoticeKind::AppointmentReminder).unwrap();
    assert_eq!(reminder.email, None);
    // A read by a security service at 23:30 is told, by e-mail after the quiet hours end.
    let security = Principal { actor: Actor::key("ab12", "fsb"), role: Role::SecurityService, scope: Scope::All };
    let late = ts("2025-05-19T20:30:00Z");
    f.reg.read_person(&security, id, None, Some("запрос 12/7"), late).unwrap();
    let read = f.reg.inbox(&me, None, 1).unwrap().remove(0);
    assert_eq!(read.content.kind, NoticeKind::SecurityServiceRead);
    assert!(read.content.ru.body.contains("запрос 12/7"));
    assert!(send_all(&f, ts("2025-05-20T04:59:59Z")).is_empty(), "held for the quiet hours");
    assert_eq!(send_all(&f, ts("2025-05-20T05:00:00Z")), [NoticeKind::SecurityServiceRead]);
    // A registrar's read is listed in the account, not a notice.
    let before = f.reg.inbox(&me, None, 100).unwrap().len();
    f.reg.read_person(&registrar("62-001"), id, None, None, late).unwrap();
    assert_eq!(f.reg.inbox(&me, None, 100).unwrap().len(), before);
    // An answered correction is a notice.
    let request = Request {
        explanation: "ошибка в отчестве".into(), evidence: None, proposed: Some("Ильич".into())
    };
    let c = f.reg.file_correction(&me, Subject::Summons(s.number.clone()), request, late).unwrap();
    let answer = Answer { accepted: false, text: "сведения верны".into() };
    f.reg.answer_correction(&registrar("62-001"), c.correction.id, answer, None, late).unwrap();
    let n = f.reg.inbox(&me, None, 1).unwrap().remove(0);
    assert_eq!(n.content.kind, NoticeKind::CorrectionAnswered);
    assert!(n.content.en.body.contains("declined"));
}

pub fn dashboards_count_each_step_on_its_local_day_by_region<H: Harness>() {
    let f = Fixture::<H>::new();
    let list = f.summoned(2, ts("2025-05-09T11:00:00Z"));
    f.reg.run_clock(ts("2025-06-10T00:00:00Z"), 100).unwrap();
    f.reg.act(&registrar("62-001"), &list[0].number, Command::Appear, ts("2025-06-11T07:30:00Z")).unwrap();
    let now = ts("2025-06-12T00:00:00Z");
    let supervisor = |r: &str| Principal {
        actor: Actor::user(7, "sidorov"),
        role: Role::Supervisor,
        scope: Scope::Region(r.parse().unwrap()),
    };

    let a = f.reg.activity(&supervisor("62"), 40, now).unwrap();
    assert_eq!(a.len(), 1);
    let days = &a[0].days;
    assert_eq!(days.len(), 40);
    assert_eq!(days[0].date, Some(jiff::civil::date(2025, 5, 4)));
    assert_eq!(days[39].date, Some(jiff::civil::date(2025, 6, 12)), "today in Moscow");
    let on = |m: i8, d: i8| *days.iter().find(|x| x.date == Some(jiff::civil::date(2025, m, d))).unwrap();
    assert_eq!(on(5, 9).issued, 2);
    assert_eq!(on(5, 17).served, 2, "deemed served at 00:00 local, 16 May in UTC");
    assert_eq!((on(6, 7).overdue, on(6, 7).measures_started), (2, 14));
    assert_eq!((on(6, 11).appeared, on(6, 11).measures_lifted), (1, 7));
    assert_eq!(on(6, 6).measures_in_force, 0);
    assert_eq!(on(6, 10).measures_in_force, 14);
    assert_eq!(on(6, 12).measures_in_force, 7);
    assert_eq!(a[0].measures_in_force, 7);
    let t = a[0].totals();
    assert_eq!((t.issued, t.served, t.appeared, t.overdue, t.excused), (2, 2, 1, 2, 0));

    // A short window sees only its days; an admin sees every region with activity; another
    // region's supervisor sees only that region's (empty) days; a registrar sees none.
    let short = f.reg.activity(&supervisor("62"), 3, now).unwrap();
    assert_eq!(short[0].days.len(), 3);
    assert_eq!(short[0].totals().appeared, 1);
    assert_eq!(short[0].totals().issued, 0);
    let admin = Principal { actor: Actor::user(1, "admin"), role: Role::Admin, scope: Scope::All };
    assert_eq!(f.reg.activity(&admin, 40, now).unwrap(), a);
    let other = f.reg.activity(&supervisor("12"), 40, now).unwrap();
    assert_eq!(other.len(), 1);
    assert_eq!(other[0].totals().issued + other[0].measures_in_force, 0);
    assert!(matches!(f.reg.activity(&registrar("62-001"), 40, now), Err(StoreError::Access(_))));
}
