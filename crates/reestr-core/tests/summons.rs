//! The summons state machine, step by step, under both built-in policies.
#![allow(clippy::unwrap_used)]

use jiff::Timestamp;
use reestr_core::{
    ErrorCode,
    measure::{LiftCause, MeasureKind, Trigger},
    person::PersonId,
    policy::{Policy, PolicyBook, ServiceMethod},
    summons::{
        Appointment, Cancellation, Change, Command, Draft, Purpose, Status, Summons, SummonsNumber, ValidReason,
    },
    zone::Zone,
};

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn policy(name: &str) -> &'static Policy {
    PolicyBook::builtin().get(name).unwrap()
}

/// The worked example: posted 2025-05-09 14:00 in Moscow, to appear on 20 May at 09:00.
fn posted(policy_name: &str) -> Summons {
    let draft = Draft {
        person: PersonId(1),
        commissariat: "62-001".parse().unwrap(),
        purpose: Purpose::ClarifyRecords,
        appointment: Appointment {
            at: "2025-05-20T09:00".parse().unwrap(),
            address: "г. Рязань, ул. Ленина, 1".into(),
        },
    };
    let number = SummonsNumber::new("62".parse().unwrap(), 2025, 1);
    let zone = Zone::get("Europe/Moscow").unwrap();
    Summons::post(number, draft, policy(policy_name), zone, ts("2025-05-09T11:00:00Z")).unwrap().0
}

fn excuse(covers: &str) -> Command {
    Command::Excuse {
        reason: ValidReason::IllnessOrInjury,
        evidence: "medical certificate 17/2025".into(),
        covers: covers.parse().unwrap(),
    }
}

#[test]
fn the_worked_example_served_then_overdue_with_every_measure() {
    let p = policy("seed-2025");
    let mut s = posted("seed-2025");
    assert!(s.advance(p, ts("2025-05-16T20:59:59Z")).unwrap().is_empty());
    assert_eq!(
        s.advance(p, ts("2025-05-16T21:00:00Z")).unwrap(),
        [Change::Served { at: ts("2025-05-16T21:00:00Z"), how: ServiceMethod::Deemed }]
    );
    assert!(s.advance(p, ts("2025-06-06T20:59:59Z")).unwrap().is_empty());
    let changes = s.advance(p, ts("2025-06-06T21:00:00Z")).unwrap();
    assert_eq!(changes[0], Change::Overdue { at: ts("2025-06-06T21:00:00Z") });
    assert_eq!(changes.len(), 1 + MeasureKind::ALL.len());
    assert!(changes.iter().all(|c| c.at() == ts("2025-06-06T21:00:00Z")));
    assert_eq!(s.status, Status::Overdue);
    assert_eq!(s.measures_in_force(ts("2025-06-07T00:00:00Z")).count(), 7);
    assert!(s.advance(p, ts("2026-01-01T00:00:00Z")).unwrap().is_empty(), "nothing happens twice");
}

#[test]
fn catching_up_after_downtime_dates_each_step_at_its_legal_instant() {
    let p = policy("seed-2025");
    let mut s = posted("seed-2025");
    let changes = s.advance(p, ts("2025-09-01T00:00:00Z")).unwrap();
    assert_eq!(changes[0], Change::Served { at: ts("2025-05-16T21:00:00Z"), how: ServiceMethod::Deemed });
    assert_eq!(changes[1], Change::Overdue { at: ts("2025-06-06T21:00:00Z") });
    assert_eq!(s.measures[0].started_at, ts("2025-06-06T21:00:00Z"));
}

#[test]
fn appearing_lifts_every_measure_at_the_instant_it_is_recorded() {
    let p = policy("seed-2025");
    let mut s = posted("seed-2025");
    s.advance(p, ts("2025-06-10T00:00:00Z")).unwrap();
    let at = ts("2025-06-11T07:30:00Z");
    let changes = s.apply(p, Command::Appear, at).unwrap();
    assert_eq!(changes.len(), 8);
    assert!(changes[..7].iter().all(|c| matches!(c, Change::MeasureLifted { cause: LiftCause::Appearance, .. })));
    assert_eq!(changes[7], Change::Appeared { at });
    assert_eq!(s.status, Status::Appeared);
    assert_eq!(s.measures_in_force(at).count(), 0);
    assert_eq!(s.measures_in_force(ts("2025-06-11T07:29:59Z")).count(), 7);
    assert_eq!(s.next_due(p).unwrap(), None);
}

#[test]
fn under_fz53_the_exit_ban_starts_at_service_and_the_rest_when_the_window_ends() {
    let p = policy("fz53-2023");
    let mut s = posted("fz53-2023");
    let opened = ts("2025-05-10T06:00:00Z");
    let changes = s.apply(p, Command::Serve { how: ServiceMethod::AccountOpened }, opened).unwrap();
    assert_eq!(
        changes,
        [
            Change::Served { at: opened, how: ServiceMethod::AccountOpened },
            Change::MeasureStarted { at: opened, kind: MeasureKind::ExitBan, trigger: Trigger::Service },
        ]
    );
    // The window counts 20 days from the appointment on 20 May: it ends at 24:00 on 9 June.
    assert_eq!(s.next_due(p).unwrap(), Some(ts("2025-06-09T21:00:00Z")));
    let changes = s.advance(p, ts("2025-06-09T21:00:00Z")).unwrap();
    assert_eq!(changes.len(), 1 + 6, "the exit ban is already in force");
    assert_eq!(s.measures_in_force(ts("2025-06-10T00:00:00Z")).count(), 7);
}

#[test]
fn a_valid_reason_lifts_the_measures_and_its_days_extend_the_window() {
    let p = policy("seed-2025");
    let mut s = posted("seed-2025");
    s.advance(p, ts("2025-06-08T00:00:00Z")).unwrap();
    assert_eq!(s.status, Status::Overdue);
    // Ill from 1 to 20 June, recorded on 12 June: the counted days are 18..31 May and 21..26 June.
    let at = ts("2025-06-12T08:00:00Z");
    let changes = s.apply(p, excuse("2025-06-01..2025-06-20"), at).unwrap();
    assert_eq!(changes.iter().filter(|c| matches!(c, Change::MeasureLifted { .. })).count(), 7);
    let new_end = ts("2025-06-26T21:00:00Z");
    assert!(matches!(changes.last(), Some(Change::Excused { report_window_ends_at: Some(e), .. }) if *e == new_end));
    assert_eq!(s.status, Status::Excused);
    assert_eq!(s.next_due(p).unwrap(), Some(new_end));
    // No appearance by then: overdue again, the measures start again.
    let changes = s.advance(p, new_end).unwrap();
    assert_eq!(changes[0], Change::Overdue { at: new_end });
    assert_eq!(s.measures_in_force(new_end).count(), 7);
    assert_eq!(s.measures.len(), 14);
}

#[test]
fn a_valid_reason_recorded_after_its_extended_window_excuses_the_whole_delay() {
    let p = policy("seed-2025");
    let mut s = posted("seed-2025");
    s.advance(p, ts("2025-07-01T00:00:00Z")).unwrap();
    let changes = s.apply(p, excuse("2025-05-20..2025-05-22"), ts("2025-07-01T00:00:00Z")).unwrap();
    assert!(matches!(changes.last(), Some(Change::Excused { report_window_ends_at: None, .. })));
    assert_eq!(s.next_due(p).unwrap(), None);
    assert!(s.advance(p, ts("2026-01-01T00:00:00Z")).unwrap().is_empty());
    assert_eq!(s.measures_in_force(ts("2026-01-01T00:00:00Z")).count(), 0);
}

#[test]
fn cancellation_by_a_court_lifts_with_that_cause() {
    let p = policy("seed-2025");
    let mut s = posted("seed-2025");
    s.advance(p, ts("2025-06-08T00:00:00Z")).unwrap();
    let cancellation = Cancellation::CourtDecision { reference: "2а-117/2025".into() };
    let changes = s.apply(p, Command::Cancel { cancellation }, ts("2025-06-09T00:00:00Z")).unwrap();
    assert!(matches!(changes[0], Change::MeasureLifted { cause: LiftCause::CourtDecision, .. }));
    assert_eq!(s.status, Status::Cancelled);
}

#[test]
fn illegal_steps_are_errors_and_change_nothing() {
    let p = policy("seed-2025");
    let s = posted("seed-2025");

    let code = |s: &Summons, c: Command, at: &str| {
        let mut copy = s.clone();
        let e = copy.apply(p, c, ts(at)).unwrap_err();
        assert_eq!(&copy, s, "a refused step leaves the summons as it was");
        e.code()
    };
    assert_eq!(code(&s, excuse("2025-05-10..2025-05-11"), "2025-05-10T00:00:00Z"), "not_served");
    assert_eq!(
        code(&s, Command::Serve { how: ServiceMethod::AccountOpened }, "2025-05-10T00:00:00Z"),
        "service_method_not_allowed"
    );
    assert_eq!(code(&s, Command::Serve { how: ServiceMethod::Deemed }, "2025-05-10T00:00:00Z"), "deemed_by_hand");
    assert_eq!(code(&s, Command::Serve { how: ServiceMethod::InPerson }, "2025-05-20T00:00:00Z"), "already_served");
    assert_eq!(code(&s, Command::Appear, "2025-05-01T00:00:00Z"), "instant_in_past");
    let blank = Command::Cancel { cancellation: Cancellation::Registrar { reason: " ".into() } };
    assert_eq!(code(&s, blank, "2025-05-10T00:00:00Z"), "empty_field");

    let mut appeared = s.clone();
    appeared.apply(p, Command::Appear, ts("2025-05-12T00:00:00Z")).unwrap();
    assert_eq!(code(&appeared, Command::Appear, "2025-05-13T00:00:00Z"), "summons_closed");
    let cancel = Command::Cancel { cancellation: Cancellation::Registrar { reason: "error".into() } };
    assert_eq!(code(&appeared, cancel, "2025-05-13T00:00:00Z"), "summons_closed");

    let mut wrong = s.clone();
    assert_eq!(wrong.advance(policy("fz53-2023"), ts("2025-06-01T00:00:00Z")).unwrap_err().code(), "policy_mismatch");
}

#[test]
fn a_person_may_appear_before_the_summons_is_served() {
    let p = policy("seed-2025");
    let mut s = posted("seed-2025");
    s.apply(p, Command::Appear, ts("2025-05-10T06:00:00Z")).unwrap();
    assert_eq!(s.status, Status::Appeared);
    assert!(s.advance(p, ts("2026-01-01T00:00:00Z")).unwrap().is_empty());
}
