//! Campaigns: a cohort summoned at once, with a quota per region, and the rules that decide who
//! in the cohort gets a summons.
//!
//! A campaign names its purpose, its quotas by region (optionally one commissariat), its cohort
//! (birth years and registration statuses) and how appointments are given (a span of local dates
//! and a time of day; persons are spread over the span's working days in turn). Pure: the
//! register reads the persons and writes the summonses; here is only what is valid and who is
//! eligible.

use std::{fmt, str::FromStr};

use jiff::{
    Timestamp,
    civil::{Date, DateTime, Time},
};
use serde::{Deserialize, Serialize};

use crate::{
    ErrorCode,
    calendar::is_working_day,
    days::local_date,
    person::{Field, Record, Registration, Value},
    region::{CommissariatCode, Directory, RegionCode},
    summons::Purpose,
};

/// The longest name of a campaign, in characters.
pub const MAX_NAME: usize = 200;
/// The largest quota of one region.
pub const MAX_QUOTA: u32 = 10_000_000;
/// The longest span of appointment dates, in days.
pub const MAX_SPAN_DAYS: i32 = 366;
/// The widest span of birth years.
pub const MAX_BIRTH_YEARS: i16 = 60;

/// How many summonses one region may receive.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quota {
    /// The federal subject's code, e.g. `62`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "62"))]
    pub region: RegionCode,
    /// At most this many summonses in the region.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10_000_000))]
    pub quota: u32,
}

/// Who is summoned: persons born in these years (inclusive) whose registration status is one
/// of these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cohort {
    pub born_from: i16,
    pub born_to: i16,
    /// Among `registered`, `deferred` and `exempt`.
    pub statuses: Vec<Registration>,
}

/// When appointments are given: the persons of a region are spread over the working days from
/// `from` to `to` (local dates, inclusive) in turn, each at `time` local.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appointments {
    pub from: Date,
    pub to: Date,
    pub time: Time,
}

/// What a campaign is, as created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignSpec {
    pub name: String,
    pub purpose: Purpose,
    /// Regions in ascending order of code, each once.
    pub quotas: Vec<Quota>,
    /// Only the persons of this commissariat (its region must be the campaign's only one).
    pub commissariat: Option<CommissariatCode>,
    pub cohort: Cohort,
    pub appointments: Appointments,
}

/// Where a campaign stands.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignState {
    /// Created; dry runs only.
    Draft,
    /// Issuing summonses, batch after batch (resumed after an interruption).
    Issuing,
    /// Every region has reached its quota or run out of eligible persons.
    Done,
}

impl CampaignState {
    pub const ALL: [CampaignState; 3] = [CampaignState::Draft, CampaignState::Issuing, CampaignState::Done];

    pub fn as_str(self) -> &'static str {
        match self {
            CampaignState::Draft => "draft",
            CampaignState::Issuing => "issuing",
            CampaignState::Done => "done",
        }
    }
}

impl fmt::Display for CampaignState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CampaignState {
    type Err = CampaignError;
    fn from_str(s: &str) -> Result<Self, CampaignError> {
        CampaignState::ALL.into_iter().find(|c| c.as_str() == s).ok_or(CampaignError::UnknownState)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CampaignError {
    #[error("the campaign's name must not be empty")]
    NameEmpty,
    #[error("the campaign's name is longer than {MAX_NAME} characters")]
    NameTooLong,
    #[error("a campaign needs a quota for at least one region")]
    NoQuotas,
    #[error("region {0} has more than one quota")]
    DuplicateRegion(RegionCode),
    #[error("the quota of region {0} must be from 1 to {MAX_QUOTA}")]
    QuotaOutOfRange(RegionCode),
    #[error("the commissariat {0} is not in the campaign's only region")]
    CommissariatOutsideQuotas(CommissariatCode),
    #[error("the birth years run backwards, or before 1900, or over more than {MAX_BIRTH_YEARS} years")]
    BirthYears,
    #[error("a cohort needs at least one registration status")]
    NoStatuses,
    #[error("a deregistered person is not summoned")]
    StatusNotEligible,
    #[error("the appointment dates run backwards or over more than {MAX_SPAN_DAYS} days")]
    AppointmentSpan,
    #[error("the appointment dates hold no working day")]
    NoWorkingDay,
    #[error("the appointments must begin after today (local date {today} in region {region})")]
    AppointmentsBegun { region: RegionCode, today: Date },
    #[error("a call-up is held from 1 April to 15 July or from 1 October to 31 December")]
    OutsideCallUpSeason,
    #[error("unknown campaign state")]
    UnknownState,
    #[error("the campaign is {0}; that cannot be done now")]
    WrongState(CampaignState),
    #[error(transparent)]
    Region(#[from] crate::region::RegionError),
}

impl CampaignError {
    /// The field of the campaign as asked for (the API's request) that the error is about.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            CampaignError::NameEmpty | CampaignError::NameTooLong => Some("name"),
            CampaignError::NoQuotas
            | CampaignError::DuplicateRegion(_)
            | CampaignError::QuotaOutOfRange(_)
            | CampaignError::CommissariatOutsideQuotas(_) => Some("quotas"),
            CampaignError::BirthYears => Some("born_from"),
            CampaignError::NoStatuses | CampaignError::StatusNotEligible => Some("statuses"),
            CampaignError::AppointmentSpan
            | CampaignError::NoWorkingDay
            | CampaignError::AppointmentsBegun { .. }
            | CampaignError::OutsideCallUpSeason => Some("appointments_from"),
            CampaignError::UnknownState | CampaignError::WrongState(_) | CampaignError::Region(_) => None,
        }
    }
}

impl ErrorCode for CampaignError {
    fn code(&self) -> &'static str {
        match self {
            CampaignError::NameEmpty => "campaign_name_empty",
            CampaignError::NameTooLong => "campaign_name_too_long",
            CampaignError::NoQuotas => "campaign_no_quotas",
            CampaignError::DuplicateRegion(_) => "campaign_duplicate_region",
            CampaignError::QuotaOutOfRange(_) => "campaign_quota_out_of_range",
            CampaignError::CommissariatOutsideQuotas(_) => "campaign_commissariat_outside_quotas",
            CampaignError::BirthYears => "campaign_birth_years",
            CampaignError::NoStatuses => "campaign_no_statuses",
            CampaignError::StatusNotEligible => "campaign_status_not_eligible",
            CampaignError::AppointmentSpan => "campaign_appointment_span",
            CampaignError::NoWorkingDay => "campaign_no_working_day",
            CampaignError::AppointmentsBegun { .. } => "campaign_appointments_begun",
            CampaignError::OutsideCallUpSeason => "campaign_outside_call_up_season",
            CampaignError::UnknownState => "campaign_unknown_state",
            CampaignError::WrongState(_) => "campaign_wrong_state",
            CampaignError::Region(e) => e.code(),
        }
    }
}

/// The call-up seasons of a year: spring (1 April to 15 July) and autumn (1 October to 31
/// December), as inclusive local dates.
pub fn call_up_seasons(year: i16) -> [(Date, Date); 2] {
    let d = |m, day| Date::new(year, m, day).unwrap_or(Date::MIN);
    [(d(4, 1), d(7, 15)), (d(10, 1), d(12, 31))]
}

/// How many days of appointments a campaign proposes by default.
pub const DEFAULT_SPAN_DAYS: i64 = 28;

/// The appointment dates a new call-up campaign proposes when `today` is the latest local date
/// of its regions: from the first day after today that lies in a call-up season, for four weeks
/// (or to the season's end).
pub fn proposed_appointments(today: Date) -> (Date, Date) {
    let seasons = [today.year(), today.year().saturating_add(1)].into_iter().flat_map(call_up_seasons);
    for (start, end) in seasons {
        let Ok(tomorrow) = today.tomorrow() else { break };
        let from = start.max(tomorrow);
        if from <= end {
            let to = from.checked_add(jiff::ToSpan::days(DEFAULT_SPAN_DAYS - 1)).unwrap_or(end).min(end);
            return (from, to);
        }
    }
    (today, today)
}

impl CampaignSpec {
    /// Puts the quotas in order of region, then checks everything. `now` decides which dates are
    /// past: appointments must begin after today's local date in every region of the campaign.
    pub fn validate(mut self, dir: &Directory, now: Timestamp) -> Result<CampaignSpec, CampaignError> {
        self.name = self.name.trim().to_owned();
        if self.name.is_empty() {
            return Err(CampaignError::NameEmpty);
        }
        if self.name.chars().count() > MAX_NAME {
            return Err(CampaignError::NameTooLong);
        }
        self.quotas.sort_by_key(|q| q.region);
        if self.quotas.is_empty() {
            return Err(CampaignError::NoQuotas);
        }
        for pair in self.quotas.windows(2) {
            if pair[0].region == pair[1].region {
                return Err(CampaignError::DuplicateRegion(pair[0].region));
            }
        }
        for q in &self.quotas {
            dir.region(q.region)?;
            if q.quota == 0 || q.quota > MAX_QUOTA {
                return Err(CampaignError::QuotaOutOfRange(q.region));
            }
        }
        if let Some(c) = &self.commissariat {
            dir.commissariat(c)?;
            if self.quotas.len() != 1 || self.quotas[0].region != c.region() {
                return Err(CampaignError::CommissariatOutsideQuotas(c.clone()));
            }
        }
        let c = &mut self.cohort;
        if c.born_from < 1900 || c.born_to < c.born_from || c.born_to - c.born_from >= MAX_BIRTH_YEARS {
            return Err(CampaignError::BirthYears);
        }
        c.statuses.sort_by_key(|s| *s as u8);
        c.statuses.dedup();
        if c.statuses.is_empty() {
            return Err(CampaignError::NoStatuses);
        }
        if c.statuses.contains(&Registration::Deregistered) {
            return Err(CampaignError::StatusNotEligible);
        }
        let a = self.appointments;
        let span = a.from.until(a.to).map(|s| s.get_days()).unwrap_or(-1);
        if !(0..MAX_SPAN_DAYS).contains(&span) {
            return Err(CampaignError::AppointmentSpan);
        }
        if working_days(&a).next().is_none() {
            return Err(CampaignError::NoWorkingDay);
        }
        if self.purpose == Purpose::CallUp
            && !call_up_seasons(a.from.year()).iter().any(|(start, end)| *start <= a.from && a.to <= *end)
        {
            return Err(CampaignError::OutsideCallUpSeason);
        }
        self.check_not_begun(dir, now)?;
        Ok(self)
    }

    /// Appointments must still lie ahead: the first date after today's local date in each region.
    pub fn check_not_begun(&self, dir: &Directory, now: Timestamp) -> Result<(), CampaignError> {
        for q in &self.quotas {
            let today = local_date(now, dir.region(q.region)?.zone.tz());
            if self.appointments.from <= today {
                return Err(CampaignError::AppointmentsBegun { region: q.region, today });
            }
        }
        Ok(())
    }

    pub fn regions(&self) -> impl Iterator<Item = RegionCode> + '_ {
        self.quotas.iter().map(|q| q.region)
    }

    /// The first and last birth dates of the cohort, as `YYYY-MM-DD`.
    pub fn birth_dates(&self) -> (String, String) {
        (format!("{:04}-01-01", self.cohort.born_from), format!("{:04}-12-31", self.cohort.born_to))
    }

    /// The appointment of the `n`-th summons (from 0) of a region: the working days of the span
    /// in turn.
    pub fn appointment(&self, n: u64) -> DateTime {
        let days: Vec<Date> = working_days(&self.appointments).collect();
        let day = days.get((n % days.len().max(1) as u64) as usize).copied().unwrap_or(self.appointments.from);
        day.to_datetime(self.appointments.time)
    }
}

fn working_days(a: &Appointments) -> impl Iterator<Item = Date> {
    let (from, to) = (a.from, a.to);
    from.series(jiff::ToSpan::days(1)).take_while(move |d| *d <= to).filter(|d| is_working_day(*d))
}

/// A person's registration status on a date: a deferment that ended before it counts as
/// registered; a record without a status is registered (being in the register is being
/// registered).
pub fn status_on(record: &Record, on: Date) -> Registration {
    match record.get(Field::RegistrationStatus) {
        Some(Value::Registration(Registration::Deferred)) => match record.date(Field::DeferredUntil) {
            Some(until) if until < on => Registration::Registered,
            _ => Registration::Deferred,
        },
        Some(Value::Registration(r)) => *r,
        _ => Registration::Registered,
    }
}

/// Where a person of the campaign's regions stands with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Not born in the cohort's years, or not in one of its statuses (on the first appointment
    /// date).
    OutsideCohort,
    /// In the cohort, but already holding a summons that is not closed: reported, not summoned.
    HoldsOpenSummons,
    /// Already summoned by this campaign.
    AlreadySummoned,
    /// To be summoned, within the region's quota.
    Eligible,
}

/// The selection rule for one person of a region that operates. `open_summons`: the person holds
/// a summons not yet appeared or cancelled; `member`: this campaign has summoned the person.
pub fn judge(spec: &CampaignSpec, record: &Record, open_summons: bool, member: bool) -> Verdict {
    let born = record.birth_date().map(|d| d.year());
    let in_years = born.is_some_and(|y| spec.cohort.born_from <= y && y <= spec.cohort.born_to);
    if !in_years || !spec.cohort.statuses.contains(&status_on(record, spec.appointments.from)) {
        return Verdict::OutsideCohort;
    }
    if member {
        Verdict::AlreadySummoned
    } else if open_summons {
        Verdict::HoldsOpenSummons
    } else {
        Verdict::Eligible
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::sync::Arc;

    use jiff::civil::date;

    use super::*;

    use crate::person::{Entry, Provenance};

    fn spec() -> CampaignSpec {
        CampaignSpec {
            name: "  Весенний призыв 2025 ".into(),
            purpose: Purpose::CallUp,
            quotas: vec![
                Quota { region: "65".parse().unwrap(), quota: 10 },
                Quota { region: "62".parse().unwrap(), quota: 5 },
            ],
            commissariat: None,
            cohort: Cohort { born_from: 1998, born_to: 2007, statuses: vec![Registration::Registered] },
            appointments: Appointments {
                from: date(2025, 5, 12),
                to: date(2025, 5, 16),
                time: Time::new(9, 0, 0, 0).unwrap(),
            },
        }
    }

    fn now() -> Timestamp {
        "2025-05-01T10:00:00Z".parse().unwrap()
    }

    fn record(birth: &str, status: Option<&str>, until: Option<&str>) -> Record {
        let p = Arc::new(Provenance { source: "test".into(), as_of: date(2025, 1, 1) });
        let mut r = Record::default();
        let mut put = |f: Field, v: &str| r.put(f, Entry { value: f.parse(v).unwrap(), provenance: p.clone() });
        put(Field::BirthDate, birth);
        if let Some(s) = status {
            put(Field::RegistrationStatus, s);
        }
        if let Some(u) = until {
            put(Field::DeferredUntil, u);
        }
        r
    }

    #[test]
    fn a_valid_spec_is_tidied() {
        let s = spec().validate(Directory::builtin(), now()).unwrap();
        assert_eq!(s.name, "Весенний призыв 2025");
        assert_eq!(s.regions().map(|r| r.get()).collect::<Vec<_>>(), [62, 65]);
        assert_eq!(s.birth_dates(), ("1998-01-01".to_owned(), "2007-12-31".to_owned()));
    }

    #[test]
    fn invalid_specs_say_why() {
        let check = |f: &dyn Fn(&mut CampaignSpec)| {
            let mut s = spec();
            f(&mut s);
            s.validate(Directory::builtin(), now()).unwrap_err().code()
        };
        assert_eq!(check(&|s| s.name = " ".into()), "campaign_name_empty");
        assert_eq!(check(&|s| s.name = "я".repeat(201)), "campaign_name_too_long");
        assert_eq!(check(&|s| s.quotas.clear()), "campaign_no_quotas");
        assert_eq!(check(&|s| s.quotas[1].region = "65".parse().unwrap()), "campaign_duplicate_region");
        assert_eq!(check(&|s| s.quotas[0].quota = 0), "campaign_quota_out_of_range");
        assert_eq!(
            check(&|s| s.commissariat = Some("62-001".parse().unwrap())),
            "campaign_commissariat_outside_quotas"
        );
        assert_eq!(check(&|s| s.cohort.born_to = 1990), "campaign_birth_years");
        assert_eq!(check(&|s| s.cohort.born_from = 1800), "campaign_birth_years");
        assert_eq!(check(&|s| s.cohort.statuses.clear()), "campaign_no_statuses");
        assert_eq!(check(&|s| s.cohort.statuses.push(Registration::Deregistered)), "campaign_status_not_eligible");
        assert_eq!(check(&|s| s.appointments.to = date(2025, 5, 1)), "campaign_appointment_span");
        assert_eq!(
            check(
                &|s| s.appointments = Appointments { from: date(2025, 5, 10), to: date(2025, 5, 11), ..s.appointments }
            ),
            "campaign_no_working_day"
        );
        assert_eq!(
            check(&|s| s.appointments = Appointments { from: date(2025, 8, 4), to: date(2025, 8, 8), ..s.appointments }),
            "campaign_outside_call_up_season"
        );
        // Sakhalin (UTC+11) is already on 2 May when Moscow is on 1 May.
        let late: Timestamp = "2025-05-11T14:00:00Z".parse().unwrap();
        let err = spec().validate(Directory::builtin(), late).unwrap_err();
        assert_eq!(err, CampaignError::AppointmentsBegun { region: "65".parse().unwrap(), today: date(2025, 5, 12) });
        // Outside a call-up, any dates will do.
        let mut s = spec();
        s.purpose = Purpose::MedicalExamination;
        s.appointments = Appointments { from: date(2025, 8, 4), to: date(2025, 8, 8), ..s.appointments };
        assert!(s.validate(Directory::builtin(), now()).is_ok());
    }

    #[test]
    fn appointments_take_the_working_days_in_turn() {
        let mut s = spec();
        // 8 to 13 May 2025: the 8th is a working day, 9 to 11 May are the Victory Day holidays and a weekend.
        s.appointments.from = date(2025, 5, 8);
        s.appointments.to = date(2025, 5, 13);
        let days: Vec<Date> = (0..5).map(|n| s.appointment(n).date()).collect();
        assert_eq!(days, [date(2025, 5, 8), date(2025, 5, 12), date(2025, 5, 13), date(2025, 5, 8), date(2025, 5, 12)]);
        assert_eq!(s.appointment(0).time(), Time::new(9, 0, 0, 0).unwrap());
    }

    #[test]
    fn selection_follows_years_statuses_and_open_summonses() {
        let s = spec();
        assert_eq!(judge(&s, &record("2003-02-01", Some("registered"), None), false, false), Verdict::Eligible);
        assert_eq!(judge(&s, &record("2003-02-01", None, None), false, false), Verdict::Eligible);
        assert_eq!(judge(&s, &record("1997-12-31", Some("registered"), None), false, false), Verdict::OutsideCohort);
        assert_eq!(judge(&s, &record("2008-01-01", Some("registered"), None), false, false), Verdict::OutsideCohort);
        assert_eq!(judge(&s, &record("2003-02-01", Some("exempt"), None), false, false), Verdict::OutsideCohort);
        assert_eq!(
            judge(&s, &record("2003-02-01", Some("deferred"), Some("2025-09-01")), false, false),
            Verdict::OutsideCohort
        );
        // A deferment that ended before the first appointment date no longer protects.
        assert_eq!(
            judge(&s, &record("2003-02-01", Some("deferred"), Some("2025-05-11")), false, false),
            Verdict::Eligible
        );
        assert_eq!(judge(&s, &record("2003-02-01", Some("registered"), None), true, false), Verdict::HoldsOpenSummons);
        assert_eq!(judge(&s, &record("2003-02-01", Some("registered"), None), true, true), Verdict::AlreadySummoned);
        let mut deferred_too = spec();
        deferred_too.cohort.statuses.push(Registration::Deferred);
        assert_eq!(
            judge(&deferred_too, &record("2003-02-01", Some("deferred"), Some("2025-09-01")), false, false),
            Verdict::Eligible
        );
    }

    #[test]
    fn proposed_appointments_lie_ahead_in_a_call_up_season() {
        let d = |s: &str| s.parse::<Date>().unwrap();
        // Before the spring season: its first four weeks.
        assert_eq!(proposed_appointments(d("2025-02-10")), (d("2025-04-01"), d("2025-04-28")));
        // Inside it: from tomorrow, cut at the season's end.
        assert_eq!(proposed_appointments(d("2025-06-10")), (d("2025-06-11"), d("2025-07-08")));
        assert_eq!(proposed_appointments(d("2025-07-10")), (d("2025-07-11"), d("2025-07-15")));
        // The season's last day: the autumn one.
        assert_eq!(proposed_appointments(d("2025-07-15")), (d("2025-10-01"), d("2025-10-28")));
        // The year's last day: next spring.
        assert_eq!(proposed_appointments(d("2025-12-31")), (d("2026-04-01"), d("2026-04-28")));
    }
}
