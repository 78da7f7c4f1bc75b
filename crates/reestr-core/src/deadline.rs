//! The legal clock's arithmetic: when a summons counts as served, when its report window ends,
//! and when each measure starts.

use jiff::{Timestamp, civil::DateTime};
use serde::Serialize;

use crate::{
    ErrorCode,
    days::{DateRange, DayError, local_date, period_end, period_end_from_date},
    measure::{MeasureKind, Trigger},
    policy::{Policy, ServiceMethod, WindowStart},
    zone::Zone,
};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeadlineError {
    #[error("policy {0} counts the report window from the appointment, so it needs the appointment")]
    AppointmentRequired(String),
    #[error("the appointment is before the summons was posted")]
    AppointmentBeforePosting,
    #[error("policy {policy} does not recognise service by {how}")]
    ServiceMethodNotAllowed { policy: String, how: ServiceMethod },
    #[error("a summons cannot be served before it is posted")]
    ServiceBeforePosting,
    #[error(transparent)]
    Days(#[from] DayError),
}

impl ErrorCode for DeadlineError {
    fn code(&self) -> &'static str {
        match self {
            DeadlineError::AppointmentRequired(_) => "appointment_required",
            DeadlineError::AppointmentBeforePosting => "appointment_before_posting",
            DeadlineError::ServiceMethodNotAllowed { .. } => "service_method_not_allowed",
            DeadlineError::ServiceBeforePosting => "service_before_posting",
            DeadlineError::Days(e) => e.code(),
        }
    }
}

/// What the deadlines depend on.
#[derive(Debug, Clone)]
pub struct Facts<'a> {
    pub policy: &'a Policy,
    pub zone: &'a Zone,
    pub posted_at: Timestamp,
    /// The appointment, in the commissariat's local time.
    pub appointment: Option<DateTime>,
    /// An earlier service than the deemed one, if there was one.
    pub early_service: Option<(ServiceMethod, Timestamp)>,
    /// Days covered by accepted valid reasons.
    pub excused: &'a [DateRange],
}

/// The instants that follow from the facts, in UTC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deadlines {
    pub policy: String,
    pub zone: String,
    pub served_at: Timestamp,
    pub served_how: ServiceMethod,
    pub report_window_ends_at: Timestamp,
    /// Each measure of the policy with the instant it starts if the person has not appeared.
    pub measures: Vec<MeasureStart>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MeasureStart {
    pub kind: MeasureKind,
    pub starts_at: Timestamp,
}

/// When the summons is deemed served: the end of the deemed-service period after posting.
pub fn deemed_service(policy: &Policy, zone: &Zone, posted_at: Timestamp) -> Result<Timestamp, DayError> {
    period_end(posted_at, policy.service.deemed_after_days, zone.tz(), &[])
}

/// Computes the deadlines of a summons from its facts.
pub fn deadlines(f: &Facts<'_>) -> Result<Deadlines, DeadlineError> {
    let zone = f.zone.tz();
    if let Some(a) = f.appointment
        && a.date() < local_date(f.posted_at, zone)
    {
        return Err(DeadlineError::AppointmentBeforePosting);
    }
    let deemed = deemed_service(f.policy, f.zone, f.posted_at)?;
    let (served_at, served_how) = match f.early_service {
        Some((how, at)) => {
            if !f.policy.allows_early(how) {
                return Err(DeadlineError::ServiceMethodNotAllowed { policy: f.policy.name.clone(), how });
            }
            if at < f.posted_at {
                return Err(DeadlineError::ServiceBeforePosting);
            }
            if at < deemed { (at, how) } else { (deemed, ServiceMethod::Deemed) }
        }
        None => (deemed, ServiceMethod::Deemed),
    };
    let days = f.policy.report_window.days;
    let window_end = match f.policy.report_window.from {
        WindowStart::Service => period_end(served_at, days, zone, f.excused)?,
        WindowStart::Appointment => {
            let a = f.appointment.ok_or_else(|| DeadlineError::AppointmentRequired(f.policy.name.clone()))?;
            period_end_from_date(a.date(), days, zone, f.excused)?
        }
    };
    let measures = f
        .policy
        .measures
        .iter()
        .map(|(kind, trigger)| MeasureStart {
            kind: *kind,
            starts_at: match trigger {
                Trigger::Service => served_at,
                Trigger::ReportWindowEnd => window_end,
            },
        })
        .collect();
    Ok(Deadlines {
        policy: f.policy.name.clone(),
        zone: f.zone.name().to_owned(),
        served_at,
        served_how,
        report_window_ends_at: window_end,
        measures,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::PolicyBook;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn facts<'a>(policy: &'a str, zone: &'a Zone) -> Facts<'a> {
        Facts {
            policy: PolicyBook::builtin().get(policy).unwrap(),
            zone,
            posted_at: ts("2025-05-09T11:00:00Z"), // 14:00 in Moscow
            appointment: None,
            early_service: None,
            excused: &[],
        }
    }

    #[test]
    fn the_worked_example_under_seed_2025() {
        let msk = Zone::get("Europe/Moscow").unwrap();
        let d = deadlines(&facts("seed-2025", &msk)).unwrap();
        assert_eq!(d.served_at, ts("2025-05-16T21:00:00Z"));
        assert_eq!(d.served_how, ServiceMethod::Deemed);
        assert_eq!(d.report_window_ends_at, ts("2025-06-06T21:00:00Z"));
        assert_eq!(d.measures.len(), 7);
        assert!(d.measures.iter().all(|m| m.starts_at == ts("2025-06-06T21:00:00Z")));
    }

    #[test]
    fn the_worked_example_under_fz53_2023() {
        let msk = Zone::get("Europe/Moscow").unwrap();
        let mut f = facts("fz53-2023", &msk);
        f.appointment = Some("2025-05-20T09:00".parse().unwrap());
        let d = deadlines(&f).unwrap();
        assert_eq!(d.served_at, ts("2025-05-16T21:00:00Z"));
        // 20 days after 20 May: 21 May .. 9 June; the window ends at 24:00 on 9 June.
        assert_eq!(d.report_window_ends_at, ts("2025-06-09T21:00:00Z"));
        for m in &d.measures {
            let expected = if m.kind == MeasureKind::ExitBan { d.served_at } else { d.report_window_ends_at };
            assert_eq!(m.starts_at, expected, "{}", m.kind);
        }
    }

    #[test]
    fn fz53_2023_without_an_appointment_is_a_clear_error() {
        let msk = Zone::get("Europe/Moscow").unwrap();
        let e = deadlines(&facts("fz53-2023", &msk)).unwrap_err();
        assert_eq!(e.code(), "appointment_required");
    }

    #[test]
    fn service_in_person_before_the_deemed_date_starts_the_window_earlier() {
        let msk = Zone::get("Europe/Moscow").unwrap();
        let mut f = facts("seed-2025", &msk);
        f.early_service = Some((ServiceMethod::InPerson, ts("2025-05-10T07:00:00Z")));
        let d = deadlines(&f).unwrap();
        assert_eq!((d.served_at, d.served_how), (ts("2025-05-10T07:00:00Z"), ServiceMethod::InPerson));
        assert_eq!(d.report_window_ends_at, ts("2025-05-30T21:00:00Z"));
    }

    #[test]
    fn a_late_early_service_changes_nothing() {
        let msk = Zone::get("Europe/Moscow").unwrap();
        let mut f = facts("seed-2025", &msk);
        f.early_service = Some((ServiceMethod::RegisteredMail, ts("2025-05-20T07:00:00Z")));
        let d = deadlines(&f).unwrap();
        assert_eq!((d.served_at, d.served_how), (ts("2025-05-16T21:00:00Z"), ServiceMethod::Deemed));
    }

    #[test]
    fn opening_in_the_account_serves_only_under_fz53() {
        let msk = Zone::get("Europe/Moscow").unwrap();
        let mut f = facts("seed-2025", &msk);
        f.early_service = Some((ServiceMethod::AccountOpened, ts("2025-05-10T07:00:00Z")));
        assert_eq!(deadlines(&f).unwrap_err().code(), "service_method_not_allowed");
    }

    #[test]
    fn excused_days_do_not_count_in_the_report_window() {
        let msk = Zone::get("Europe/Moscow").unwrap();
        let excused = ["2025-05-20..2025-05-26".parse().unwrap()];
        let mut f = facts("seed-2025", &msk);
        f.excused = &excused;
        let d = deadlines(&f).unwrap();
        assert_eq!(d.served_at, ts("2025-05-16T21:00:00Z"), "service is not moved");
        assert_eq!(d.report_window_ends_at, ts("2025-06-13T21:00:00Z"));
    }

    #[test]
    fn the_same_example_in_sakhalin_ends_at_sakhalin_midnight() {
        // 14:00 in Sakhalin (UTC+11) on 9 May.
        let zone = Zone::get("Asia/Sakhalin").unwrap();
        let mut f = facts("seed-2025", &zone);
        f.posted_at = ts("2025-05-09T03:00:00Z");
        let d = deadlines(&f).unwrap();
        assert_eq!(d.served_at, ts("2025-05-16T13:00:00Z"));
        assert_eq!(d.report_window_ends_at, ts("2025-06-06T13:00:00Z"));
    }

    #[test]
    fn an_appointment_before_posting_is_refused() {
        let msk = Zone::get("Europe/Moscow").unwrap();
        let mut f = facts("fz53-2023", &msk);
        f.appointment = Some("2025-05-08T09:00".parse().unwrap());
        assert_eq!(deadlines(&f).unwrap_err().code(), "appointment_before_posting");
    }
}
