//! A summons's life in plain language, for the person it concerns: what happened, what happens
//! next and by when, which measures start when and why, which are in force, and what lifts them.
//! Russian first, English second; instants in the commissariat's local time, written as people
//! write them.

use jiff::{
    Timestamp,
    civil::{Date, DateTime},
};
use serde::Serialize;

use crate::{
    measure::{Lang, MeasureKind},
    policy::{Policy, ServiceMethod, WindowStart},
    summons::{Cancellation, Closure, Status, Summons, ValidReason},
    zone::Zone,
};

const MONTHS_RU: [&str; 12] = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A date as people write it: `9 мая 2025 г.` or `9 May 2025`.
pub fn local_date(d: Date, lang: Lang) -> String {
    let m = (d.month() - 1) as usize;
    match lang {
        Lang::Ru => format!("{} {} {} г.", d.day(), MONTHS_RU[m], d.year()),
        Lang::En => format!("{} {} {}", d.day(), MONTHS_EN[m], d.year()),
    }
}

/// A local date and time as people write it: `9 мая 2025 г., 14:00` or `9 May 2025, 14:00`.
pub fn local_datetime(dt: DateTime, lang: Lang) -> String {
    format!("{}, {:02}:{:02}", local_date(dt.date(), lang), dt.hour(), dt.minute())
}

/// An instant in a zone, as people write it.
pub fn instant(at: Timestamp, zone: &Zone, lang: Lang) -> String {
    local_datetime(zone.tz().to_datetime(at), lang)
}

/// Whether a step has happened, is still ahead, or will not happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    Done,
    Ahead,
    Void,
}

/// One line of the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub at: Option<Timestamp>,
    pub state: StepState,
    pub text: String,
}

fn list(kinds: &[MeasureKind], lang: Lang) -> String {
    kinds.iter().map(|k| k.title(lang)).collect::<Vec<_>>().join("; ")
}

/// The timeline of a summons at `now`.
pub fn timeline(s: &Summons, policy: &Policy, now: Timestamp, lang: Lang) -> Vec<Step> {
    let ru = lang == Lang::Ru;
    let at = |t: Timestamp| instant(t, &s.zone, lang);
    let mut steps = Vec::new();
    let mut push = |at: Option<Timestamp>, state, text: String| steps.push(Step { at, state, text });

    push(
        Some(s.posted_at),
        StepState::Done,
        if ru {
            format!(
                "Повестка № {} размещена в реестре {} (здесь и далее — местное время военкомата).",
                s.number,
                at(s.posted_at)
            )
        } else {
            format!(
                "Summons No. {} was posted in the register on {} (all times are the commissariat's local time).",
                s.number,
                at(s.posted_at)
            )
        },
    );

    let Ok(d) = s.deadlines(policy) else { return steps };
    let days = policy.service.deemed_after_days;
    let served = s.service;
    let (served_state, served_at) = match served {
        Some(sv) => (StepState::Done, sv.at),
        None if s.status.is_closed() => (StepState::Void, d.served_at),
        None => (StepState::Ahead, d.served_at),
    };
    let how = served.map_or(ServiceMethod::Deemed, |sv| sv.how);
    let served_text = match (how, served_state, ru) {
        (ServiceMethod::Deemed, StepState::Done, true) => {
            format!("Повестка считается врученной с {}: прошло {days} дней с размещения.", at(served_at))
        }
        (ServiceMethod::Deemed, StepState::Done, false) => {
            format!("The summons counts as served from {}: {days} days have passed since it was posted.", at(served_at))
        }
        (ServiceMethod::InPerson, _, true) => format!("Повестка вручена лично {}.", at(served_at)),
        (ServiceMethod::InPerson, _, false) => format!("The summons was handed over in person on {}.", at(served_at)),
        (ServiceMethod::RegisteredMail, _, true) => {
            format!("Заказное письмо с повесткой доставлено {}.", at(served_at))
        }
        (ServiceMethod::RegisteredMail, _, false) => {
            format!("Registered mail with the summons was delivered on {}.", at(served_at))
        }
        (ServiceMethod::AccountOpened, _, true) => {
            format!("Повестка открыта в личном кабинете {}; с этого момента она считается врученной.", at(served_at))
        }
        (ServiceMethod::AccountOpened, _, false) => format!(
            "The summons was opened in the personal account on {}; from then it counts as served.",
            at(served_at)
        ),
        (ServiceMethod::Deemed, _, true) => format!(
            "Если повестку не вручат раньше, она будет считаться врученной с {} — через {days} дней после размещения.",
            at(served_at)
        ),
        (ServiceMethod::Deemed, _, false) => format!(
            "Unless handed over earlier, the summons will count as served from {}, {days} days after posting.",
            at(served_at)
        ),
    };
    push(Some(served_at), served_state, served_text);

    // The appointment: ahead, or past while the summons is still open (the person may still
    // appear, and the steps below say until when before measures start).
    let appointment = s.appointment_at();
    let (when, place) = (local_datetime(s.appointment.at, lang), &s.appointment.address);
    let (state, text) = match (s.status.is_closed(), appointment.is_some_and(|t| t <= now), ru) {
        (true, _, true) => (StepState::Void, format!("Явиться: {when}, по адресу: {place}.")),
        (true, _, false) => (StepState::Void, format!("Appear on {when} at: {place}.")),
        (false, false, true) => (StepState::Ahead, format!("Явиться: {when}, по адресу: {place}.")),
        (false, false, false) => (StepState::Ahead, format!("Appear on {when} at: {place}.")),
        (false, true, true) => {
            (StepState::Done, format!("Явка была назначена на {when}, по адресу: {place}. Явиться можно и сейчас."))
        }
        (false, true, false) => {
            (StepState::Done, format!("The appointment was on {when} at: {place}. You can still appear."))
        }
    };
    push(appointment, state, text);

    let window_from = match (policy.report_window.from, ru) {
        (WindowStart::Service, true) => "со дня вручения",
        (WindowStart::Service, false) => "from service",
        (WindowStart::Appointment, true) => "со дня явки, указанного в повестке",
        (WindowStart::Appointment, false) => "from the appointment date",
    };
    let excused: i32 = s.excuses.iter().map(|e| e.covers.days()).sum();
    let extra = match (excused, ru) {
        (0, _) => String::new(),
        (n, true) => format!(" Дни, покрытые уважительной причиной ({n}), в срок не входят."),
        (n, false) => format!(" The {n} days covered by a valid reason do not count."),
    };
    let deadline =
        s.next_due(policy).ok().flatten().filter(|_| s.status != Status::Posted).unwrap_or(d.report_window_ends_at);
    let window_done = matches!(s.status, Status::Overdue);
    push(
        Some(deadline),
        if s.status.is_closed() || (s.status == Status::Excused && s.next_due(policy).ok().flatten().is_none()) {
            StepState::Void
        } else if window_done {
            StepState::Done
        } else {
            StepState::Ahead
        },
        if ru {
            format!("Срок явки ({} дней {window_from}) истекает {}.{extra}", policy.report_window.days, at(deadline))
        } else {
            format!(
                "The time to appear ({} days {window_from}) ends on {}.{extra}",
                policy.report_window.days,
                at(deadline)
            )
        },
    );

    // Measures: what starts when, and what is in force now.
    let in_force: Vec<MeasureKind> = s.measures_in_force(now).map(|m| m.kind).collect();
    if !s.status.is_closed() {
        let pending: Vec<(MeasureKind, Timestamp)> = d
            .measures
            .iter()
            .filter(|m| !in_force.contains(&m.kind))
            .map(|m| (m.kind, if m.starts_at == d.report_window_ends_at { deadline } else { m.starts_at }))
            .filter(|(_, t)| *t > now)
            .collect();
        let mut starts: Vec<Timestamp> = pending.iter().map(|(_, t)| *t).collect();
        starts.sort();
        starts.dedup();
        for t in starts {
            let kinds: Vec<MeasureKind> = pending.iter().filter(|(_, x)| *x == t).map(|(k, _)| *k).collect();
            push(
                Some(t),
                StepState::Ahead,
                if ru {
                    format!("Если вы не явитесь, с {} начнут действовать ограничения: {}.", at(t), list(&kinds, lang))
                } else {
                    format!("If you do not appear, from {} these measures start: {}.", at(t), list(&kinds, lang))
                },
            );
        }
    }
    if !in_force.is_empty() {
        let since = s.measures_in_force(now).map(|m| m.started_at).min().unwrap_or(now);
        push(
            Some(since),
            StepState::Done,
            if ru {
                format!("Сейчас действуют ограничения (с {}): {}.", at(since), list(&in_force, lang))
            } else {
                format!("Measures in force now (since {}): {}.", at(since), list(&in_force, lang))
            },
        );
    }

    for e in &s.excuses {
        let reason = match (e.reason, ru) {
            (ValidReason::IllnessOrInjury, true) => "болезнь или травма",
            (ValidReason::IllnessOrInjury, false) => "illness or injury",
            (ValidReason::RelativeGraveIllnessOrFuneral, true) => {
                "тяжёлое заболевание или похороны близкого родственника"
            }
            (ValidReason::RelativeGraveIllnessOrFuneral, false) => "a close relative's grave illness or funeral",
            (ValidReason::CircumstancesBeyondControl, true) => "обстоятельства, не зависящие от вас",
            (ValidReason::CircumstancesBeyondControl, false) => "circumstances beyond your control",
            (ValidReason::OtherAcceptedByCommission, true) => "иная причина, признанная комиссией уважительной",
            (ValidReason::OtherAcceptedByCommission, false) => "another reason the commission accepted",
        };
        push(
            Some(e.recorded_at),
            StepState::Done,
            if ru {
                format!(
                    "{} принята уважительная причина ({reason}) за {} — {}; ограничения этой повестки сняты в этот момент.",
                    at(e.recorded_at),
                    e.covers.from(),
                    e.covers.to()
                )
            } else {
                format!(
                    "On {} a valid reason ({reason}) covering {} to {} was accepted; the measures of this summons were lifted then.",
                    at(e.recorded_at),
                    e.covers.from(),
                    e.covers.to()
                )
            },
        );
    }

    match &s.closure {
        Some(Closure::Appeared { at: t }) => push(
            Some(*t),
            StepState::Done,
            if ru {
                format!("Вы явились {}; все ограничения этой повестки сняты в этот момент.", at(*t))
            } else {
                format!("You appeared on {}; every measure of this summons was lifted then.", at(*t))
            },
        ),
        Some(Closure::Cancelled { at: t, cancellation }) => {
            let by = match (cancellation, ru) {
                (Cancellation::CourtDecision { reference }, true) => format!("по решению суда № {reference}"),
                (Cancellation::CourtDecision { reference }, false) => format!("by court decision No. {reference}"),
                (Cancellation::Registrar { .. }, true) => "военкоматом".into(),
                (Cancellation::Registrar { .. }, false) => "by the commissariat".into(),
            };
            push(
                Some(*t),
                StepState::Done,
                if ru {
                    format!("Повестка отменена {by} {}; все ограничения сняты в этот момент.", at(*t))
                } else {
                    format!("The summons was cancelled {by} on {}; every measure was lifted then.", at(*t))
                },
            );
        }
        None => push(
            None,
            StepState::Ahead,
            if ru {
                "Ограничения снимаются в момент, когда вы явитесь в военкомат, когда принята уважительная причина, или когда повестку отменят (в том числе по решению суда).".into()
            } else {
                "Measures are lifted the moment you appear at the commissariat, a valid reason is accepted, or the summons is cancelled (including by a court).".into()
            },
        ),
    }
    steps
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::{
        person::PersonId,
        policy::PolicyBook,
        summons::{Appointment, Command, Draft, Purpose, SummonsNumber},
    };

    fn example() -> (Summons, &'static Policy) {
        let p = PolicyBook::builtin().get("seed-2025").unwrap();
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
        (Summons::post(number, draft, p, zone, "2025-05-09T11:00:00Z".parse().unwrap()).unwrap().0, p)
    }

    #[test]
    fn the_worked_example_reads_as_a_person_would_say_it() {
        let (mut s, p) = example();
        let now: Timestamp = "2025-05-10T00:00:00Z".parse().unwrap();
        let steps = timeline(&s, p, now, Lang::Ru);
        assert_eq!(steps[2].state, StepState::Ahead, "{steps:?}");
        let ru: Vec<String> = steps.into_iter().map(|s| s.text).collect();
        assert!(ru[0].contains("9 мая 2025 г., 14:00"), "{ru:?}");
        assert!(ru[1].contains("17 мая 2025 г., 00:00"), "{ru:?}");
        assert!(ru[3].contains("7 июня 2025 г., 00:00"), "{ru:?}");
        assert!(ru.iter().any(|l| l.contains("запрет на выезд")), "{ru:?}");
        let en: Vec<String> = timeline(&s, p, now, Lang::En).into_iter().map(|s| s.text).collect();
        assert!(en[3].contains("7 June 2025, 00:00"), "{en:?}");

        s.advance(p, "2025-06-08T00:00:00Z".parse().unwrap()).unwrap();
        let later: Timestamp = "2025-06-08T00:00:00Z".parse().unwrap();
        let steps = timeline(&s, p, later, Lang::Ru);
        // The appointment of 20 May has passed: no longer ahead, and appearing still helps.
        assert_eq!(steps[2].state, StepState::Done, "{steps:?}");
        assert!(steps[2].text.starts_with("Явка была назначена на 20 мая 2025 г., 09:00"), "{steps:?}");
        let ru: Vec<String> = steps.into_iter().map(|s| s.text).collect();
        assert!(ru.iter().any(|l| l.starts_with("Сейчас действуют ограничения (с 7 июня 2025 г., 00:00)")), "{ru:?}");
        s.apply(p, Command::Appear, "2025-06-09T07:00:00Z".parse().unwrap()).unwrap();
        let ru: Vec<String> = timeline(&s, p, later, Lang::Ru).into_iter().map(|s| s.text).collect();
        assert!(ru.last().unwrap().contains("Вы явились 9 июня 2025 г., 10:00"), "{ru:?}");
        assert!(ru.iter().all(|l| !l.contains("deemed") && !l.contains("_")), "no internal codes: {ru:?}");
    }
}
