//! Notices to the citizen: which notices an event causes, their texts in Russian and English
//! (each naming what happens next and by when), the reminders the legal clock sends, quiet hours
//! and per-channel preferences, and the short verification code every notice carries.
//!
//! Everything here is a pure function of the summons, the policy and the instant: the store
//! decides nothing about content, and tests pin time.
//!
//! A notice never asks for a password, a code from an SMS or a payment, and every text says so:
//! phishing that imitates the register's notices is a known harm, and the verification code lets
//! anyone check on the register's own page that a notice is genuine.

use std::{collections::BTreeSet, fmt, str::FromStr};

use jiff::{SignedDuration, Timestamp, civil::Time, tz::TimeZone};
use serde::{Deserialize, Serialize};

use crate::{
    ErrorCode,
    access::Role,
    explain::instant,
    measure::{Lang, LiftCause, MeasureKind},
    policy::{Policy, ServiceMethod},
    summons::{Change, Purpose, Status, Summons, SummonsNumber},
    zone::Zone,
};

/// The appointment reminder goes this long before the appointment.
pub const REMIND_BEFORE_APPOINTMENT: SignedDuration = SignedDuration::from_hours(24);
/// The report-window reminder goes this long before the window ends (and measures would start).
pub const REMIND_BEFORE_WINDOW_ENDS: SignedDuration = SignedDuration::from_hours(72);

/// What a notice tells. The names are stable: they are stored and published.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    SummonsPosted,
    SummonsServed,
    AppointmentReminder,
    ReportWindowEnding,
    MeasuresStarted,
    MeasuresLifted,
    CorrectionAnswered,
    /// A security service read the record (where the policy allows telling).
    SecurityServiceRead,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 8] = [
        NoticeKind::SummonsPosted,
        NoticeKind::SummonsServed,
        NoticeKind::AppointmentReminder,
        NoticeKind::ReportWindowEnding,
        NoticeKind::MeasuresStarted,
        NoticeKind::MeasuresLifted,
        NoticeKind::CorrectionAnswered,
        NoticeKind::SecurityServiceRead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::SummonsPosted => "summons_posted",
            NoticeKind::SummonsServed => "summons_served",
            NoticeKind::AppointmentReminder => "appointment_reminder",
            NoticeKind::ReportWindowEnding => "report_window_ending",
            NoticeKind::MeasuresStarted => "measures_started",
            NoticeKind::MeasuresLifted => "measures_lifted",
            NoticeKind::CorrectionAnswered => "correction_answered",
            NoticeKind::SecurityServiceRead => "security_service_read",
        }
    }

    /// Notices the law requires (the summons, its service, the measures, the answer to a
    /// request) go on every channel at once, whatever the preferences and the hour. Reminders
    /// and reads are a courtesy the person may turn off or hold for quiet hours.
    pub fn required(self) -> bool {
        matches!(
            self,
            NoticeKind::SummonsPosted
                | NoticeKind::SummonsServed
                | NoticeKind::MeasuresStarted
                | NoticeKind::MeasuresLifted
                | NoticeKind::CorrectionAnswered
        )
    }

    /// The kinds a person may turn off for e-mail.
    pub fn optional() -> impl Iterator<Item = NoticeKind> {
        NoticeKind::ALL.into_iter().filter(|k| !k.required())
    }

    /// The short title of the kind; it carries no personal data, so the public check shows it.
    pub fn title(self, lang: Lang) -> &'static str {
        use NoticeKind::*;
        match (self, lang) {
            (SummonsPosted, Lang::Ru) => "Вам направлена повестка",
            (SummonsPosted, Lang::En) => "A summons has been posted to you",
            (SummonsServed, Lang::Ru) => "Повестка считается врученной",
            (SummonsServed, Lang::En) => "The summons counts as served",
            (AppointmentReminder, Lang::Ru) => "Напоминание о явке",
            (AppointmentReminder, Lang::En) => "Reminder of your appointment",
            (ReportWindowEnding, Lang::Ru) => "Срок явки скоро истекает",
            (ReportWindowEnding, Lang::En) => "The time to report ends soon",
            (MeasuresStarted, Lang::Ru) => "Начали действовать ограничения",
            (MeasuresStarted, Lang::En) => "Restrictions have started",
            (MeasuresLifted, Lang::Ru) => "Ограничения сняты",
            (MeasuresLifted, Lang::En) => "Restrictions have been lifted",
            (CorrectionAnswered, Lang::Ru) => "Дан ответ на ваше обращение об исправлении",
            (CorrectionAnswered, Lang::En) => "Your correction request has been answered",
            (SecurityServiceRead, Lang::Ru) => "Ваши сведения прочитала служба безопасности",
            (SecurityServiceRead, Lang::En) => "A security service read your record",
        }
    }
}

impl fmt::Display for NoticeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for NoticeKind {
    type Err = NoticeError;
    fn from_str(s: &str) -> Result<Self, NoticeError> {
        NoticeKind::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| NoticeError::UnknownKind(s.to_owned()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoticeError {
    #[error("unknown notice kind {0:?}")]
    UnknownKind(String),
    #[error("{0} notices are required by law and always sent; they cannot be turned off")]
    Required(NoticeKind),
    #[error("quiet hours must start and end at different times")]
    EmptyQuietHours,
    #[error("a verification code has 12 letters and digits, e.g. 7KQM-2D9X-HC4T")]
    CodeFormat,
}

impl ErrorCode for NoticeError {
    fn code(&self) -> &'static str {
        match self {
            NoticeError::UnknownKind(_) => "unknown_notice_kind",
            NoticeError::Required(_) => "notice_required",
            NoticeError::EmptyQuietHours => "empty_quiet_hours",
            NoticeError::CodeFormat => "notice_code_format",
        }
    }
}

/// One language's text of a notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    pub subject: String,
    /// What happened.
    pub body: String,
    /// What happens next and by when.
    pub next: String,
}

/// A notice's content, as the person receives it (the verification code is added by the store).
/// It names the summons by number but never the person, a document number or an address other
/// than the commissariat's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Content {
    pub kind: NoticeKind,
    pub summons: Option<SummonsNumber>,
    /// The instant by which the next step is due, if there is one.
    pub by: Option<Timestamp>,
    pub ru: Text,
    pub en: Text,
}

impl Content {
    pub fn text(&self, lang: Lang) -> &Text {
        match lang {
            Lang::Ru => &self.ru,
            Lang::En => &self.en,
        }
    }
}

/// The line every notice ends with.
pub fn safety_line(lang: Lang) -> &'static str {
    match lang {
        Lang::Ru => {
            "Реестр никогда не просит в уведомлениях пароль, код из СМС или оплату и не присылает ссылок для \
             входа. Проверить, что уведомление подлинное, можно по его коду на странице проверки уведомлений \
             реестра."
        }
        Lang::En => {
            "The register never asks in a notice for a password, a code from a text message or a payment, and \
             never sends links to log in. You can check that a notice is genuine by its code on the register's \
             notice check page."
        }
    }
}

fn purpose(p: Purpose, lang: Lang) -> &'static str {
    match (p, lang) {
        (Purpose::ClarifyRecords, Lang::Ru) => "уточнение документов воинского учёта",
        (Purpose::ClarifyRecords, Lang::En) => "clarifying the registration records",
        (Purpose::MedicalExamination, Lang::Ru) => "медицинское освидетельствование",
        (Purpose::MedicalExamination, Lang::En) => "a medical examination",
        (Purpose::CallUp, Lang::Ru) => "призыв на военную службу",
        (Purpose::CallUp, Lang::En) => "call-up to military service",
        (Purpose::MilitaryTraining, Lang::Ru) => "военные сборы",
        (Purpose::MilitaryTraining, Lang::En) => "military training",
    }
}

fn service_rule(how: ServiceMethod, days: u32, lang: Lang) -> String {
    match (how, lang) {
        (ServiceMethod::Deemed, Lang::Ru) => format!("прошло {days} дней с её размещения в реестре"),
        (ServiceMethod::Deemed, Lang::En) => format!("{days} days have passed since it was posted in the register"),
        (ServiceMethod::InPerson, Lang::Ru) => "она вручена вам лично под подпись".into(),
        (ServiceMethod::InPerson, Lang::En) => "it was handed to you in person against signature".into(),
        (ServiceMethod::RegisteredMail, Lang::Ru) => "доставлено заказное письмо с ней".into(),
        (ServiceMethod::RegisteredMail, Lang::En) => "registered mail with it was delivered".into(),
        (ServiceMethod::AccountOpened, Lang::Ru) => "вы открыли её в личном кабинете".into(),
        (ServiceMethod::AccountOpened, Lang::En) => "you opened it in your personal account".into(),
    }
}

fn cause(c: LiftCause, lang: Lang) -> &'static str {
    match (c, lang) {
        (LiftCause::Appearance, Lang::Ru) => "вы явились по повестке",
        (LiftCause::Appearance, Lang::En) => "you appeared as summoned",
        (LiftCause::ValidReason, Lang::Ru) => "принята уважительная причина неявки",
        (LiftCause::ValidReason, Lang::En) => "a valid reason for not appearing was accepted",
        (LiftCause::Cancellation, Lang::Ru) => "повестка отменена",
        (LiftCause::Cancellation, Lang::En) => "the summons was cancelled",
        (LiftCause::CourtDecision, Lang::Ru) => "повестка отменена решением суда",
        (LiftCause::CourtDecision, Lang::En) => "the summons was cancelled by a court decision",
    }
}

fn kinds(list: &[MeasureKind], lang: Lang) -> String {
    list.iter().map(|k| k.title(lang)).collect::<Vec<_>>().join("; ")
}

struct Writer<'a> {
    s: &'a Summons,
}

impl Writer<'_> {
    fn at(&self, t: Timestamp, lang: Lang) -> String {
        instant(t, &self.s.zone, lang)
    }

    fn appointment(&self, lang: Lang) -> String {
        let when = crate::explain::local_datetime(self.s.appointment.at, lang);
        match lang {
            Lang::Ru => format!("{when} по адресу: {}", self.s.appointment.address),
            Lang::En => format!("{when} at {}", self.s.appointment.address),
        }
    }

    fn content(&self, kind: NoticeKind, by: Option<Timestamp>, ru: (String, String), en: (String, String)) -> Content {
        Content {
            kind,
            summons: Some(self.s.number.clone()),
            by,
            ru: Text { subject: format!("{} (№ {})", kind.title(Lang::Ru), self.s.number), body: ru.0, next: ru.1 },
            en: Text { subject: format!("{} (No. {})", kind.title(Lang::En), self.s.number), body: en.0, next: en.1 },
        }
    }
}

/// The notices that the changes of one step of a summons cause, in order. `s` is the summons as
/// it stands after the changes. Measures started (or lifted) together make one notice.
pub fn for_changes(s: &Summons, policy: &Policy, changes: &[Change]) -> Vec<Content> {
    let w = Writer { s };
    let Ok(d) = s.deadlines(policy) else { return Vec::new() };
    let mut out = Vec::new();
    let mut started = Vec::new();
    let mut lifted: Vec<MeasureKind> = Vec::new();
    let mut lift_cause = None;
    for change in changes {
        match change {
            Change::Posted { .. } => {
                let ru = (
                    format!(
                        "Вам направлена повестка № {} военного комиссариата {}. Цель: {}. Явиться нужно {}.",
                        s.number,
                        s.commissariat,
                        purpose(s.purpose, Lang::Ru),
                        w.appointment(Lang::Ru)
                    ),
                    format!(
                        "Если повестку не вручат раньше, она будет считаться врученной {}. После этого начинается \
                         срок явки ({} дней); если не явиться и не сообщить об уважительной причине, по его \
                         окончании начнут действовать ограничения.",
                        w.at(d.served_at, Lang::Ru),
                        policy.report_window.days
                    ),
                );
                let en = (
                    format!(
                        "Summons No. {} of military commissariat {} has been posted to you. Purpose: {}. You are to \
                         appear on {}.",
                        s.number,
                        s.commissariat,
                        purpose(s.purpose, Lang::En),
                        w.appointment(Lang::En)
                    ),
                    format!(
                        "Unless it is served earlier, the summons will count as served on {}. Then the time to \
                         report ({} days) begins; if you neither appear nor give a valid reason, restrictions \
                         start when it ends.",
                        w.at(d.served_at, Lang::En),
                        policy.report_window.days
                    ),
                );
                out.push(w.content(NoticeKind::SummonsPosted, Some(d.served_at), ru, en));
            }
            Change::Served { at, how } => {
                let days = policy.service.deemed_after_days;
                let end = d.report_window_ends_at;
                let ru = (
                    format!(
                        "Повестка № {} считается врученной с {}: {}. Явиться нужно {}.",
                        s.number,
                        w.at(*at, Lang::Ru),
                        service_rule(*how, days, Lang::Ru),
                        w.appointment(Lang::Ru)
                    ),
                    format!(
                        "Явитесь или сообщите в военкомат об уважительной причине до {}. Если этого не сделать, \
                         с этого момента начнут действовать ограничения: {}.",
                        w.at(end, Lang::Ru),
                        kinds(&d.measures.iter().map(|m| m.kind).collect::<Vec<_>>(), Lang::Ru)
                    ),
                );
                let en = (
                    format!(
                        "Summons No. {} counts as served from {}: {}. You are to appear on {}.",
                        s.number,
                        w.at(*at, Lang::En),
                        service_rule(*how, days, Lang::En),
                        w.appointment(Lang::En)
                    ),
                    format!(
                        "Appear, or tell the commissariat of a valid reason, before {}. Otherwise these \
                         restrictions start then: {}.",
                        w.at(end, Lang::En),
                        kinds(&d.measures.iter().map(|m| m.kind).collect::<Vec<_>>(), Lang::En)
                    ),
                );
                out.push(w.content(NoticeKind::SummonsServed, Some(end), ru, en));
            }
            Change::MeasureStarted { kind, .. } => started.push(*kind),
            Change::MeasureLifted { kind, cause, .. } => {
                lifted.push(*kind);
                lift_cause = Some(*cause);
            }
            _ => {}
        }
    }
    if let Some(at) = changes.iter().find_map(|c| matches!(c, Change::MeasureStarted { .. }).then(|| c.at())) {
        let ru = (
            format!(
                "По повестке № {} с {} действуют ограничения: {}.",
                s.number,
                w.at(at, Lang::Ru),
                kinds(&started, Lang::Ru)
            ),
            "Ограничения снимаются сразу, как только вы явитесь в военкомат, будет принята уважительная причина \
             или повестка будет отменена. Ведомства, которые их применяют, получают сведения о снятии в тот же \
             момент."
                .to_owned(),
        );
        let en = (
            format!(
                "Under summons No. {}, these restrictions apply from {}: {}.",
                s.number,
                w.at(at, Lang::En),
                kinds(&started, Lang::En)
            ),
            "They are lifted the moment you appear at the commissariat, a valid reason is accepted or the summons \
             is cancelled; the agencies that enforce them are told of the lifting at once."
                .to_owned(),
        );
        out.push(w.content(NoticeKind::MeasuresStarted, None, ru, en));
    }
    if let (Some(c), Some(at)) =
        (lift_cause, changes.iter().find_map(|c| matches!(c, Change::MeasureLifted { .. }).then(|| c.at())))
    {
        let deadline = at + SignedDuration::from_hours(24);
        let ru = (
            format!(
                "По повестке № {} сняты ограничения с {}: {}. Причина: {}.",
                s.number,
                w.at(at, Lang::Ru),
                kinds(&lifted, Lang::Ru),
                cause(c, Lang::Ru)
            ),
            format!(
                "От вас ничего не требуется. Ведомства, которые применяли ограничения, уже получили сведения о \
                 снятии и должны подтвердить его до {}.",
                w.at(deadline, Lang::Ru)
            ),
        );
        let en = (
            format!(
                "Under summons No. {}, these restrictions were lifted at {}: {}. Why: {}.",
                s.number,
                w.at(at, Lang::En),
                kinds(&lifted, Lang::En),
                cause(c, Lang::En)
            ),
            format!(
                "Nothing is required of you. The agencies that enforced them have been told and must confirm the \
                 lifting by {}.",
                w.at(deadline, Lang::En)
            ),
        );
        out.push(w.content(NoticeKind::MeasuresLifted, Some(deadline), ru, en));
    }
    out
}

/// The reminders a summons has scheduled, as it stands: the appointment reminder a day before
/// the appointment while the person has not appeared, and the report-window reminder three days
/// before the window ends once the summons is served. Reminders that would come before the
/// notice they follow are left out.
pub fn reminders(s: &Summons, policy: &Policy) -> Vec<(NoticeKind, Timestamp)> {
    let mut out = Vec::new();
    if matches!(s.status, Status::Appeared | Status::Cancelled | Status::Overdue) {
        return out;
    }
    if let Some(appointment) = s.appointment_at() {
        let due = appointment - REMIND_BEFORE_APPOINTMENT;
        if due > s.posted_at {
            out.push((NoticeKind::AppointmentReminder, due));
        }
    }
    if let (Some(service), Ok(d)) = (s.service, s.deadlines(policy)) {
        let due = d.report_window_ends_at - REMIND_BEFORE_WINDOW_ENDS;
        if due > service.at {
            out.push((NoticeKind::ReportWindowEnding, due));
        }
    }
    out
}

/// The reminder due at `due`, if it still holds at `now`: the summons still schedules it, and
/// what it reminds of is still ahead (after downtime, a reminder of a passed instant is dropped).
pub fn reminder(s: &Summons, policy: &Policy, kind: NoticeKind, due: Timestamp, now: Timestamp) -> Option<Content> {
    if !reminders(s, policy).contains(&(kind, due)) {
        return None;
    }
    let w = Writer { s };
    match kind {
        NoticeKind::AppointmentReminder => {
            let at = s.appointment_at().filter(|a| *a > now)?;
            let ru = (
                format!("Напоминаем: по повестке № {} вам нужно явиться {}.", s.number, w.appointment(Lang::Ru)),
                format!(
                    "Явитесь {}. Если вы не можете прийти по уважительной причине (болезнь, тяжёлая болезнь или \
                     похороны близкого родственника, обстоятельства вне вашей воли), сообщите об этом в военкомат \
                     и представьте подтверждающий документ.",
                    w.at(at, Lang::Ru)
                ),
            );
            let en = (
                format!("A reminder: under summons No. {} you are to appear on {}.", s.number, w.appointment(Lang::En)),
                format!(
                    "Appear on {}. If you cannot come for a valid reason (illness, a close relative's grave illness \
                     or funeral, circumstances beyond your control), tell the commissariat and bring the document \
                     that shows it.",
                    w.at(at, Lang::En)
                ),
            );
            Some(w.content(kind, Some(at), ru, en))
        }
        NoticeKind::ReportWindowEnding => {
            let d = s.deadlines(policy).ok()?;
            let end = Some(d.report_window_ends_at).filter(|e| *e > now)?;
            let list: Vec<MeasureKind> = d.measures.iter().map(|m| m.kind).collect();
            let ru = (
                format!("Срок явки по повестке № {} истекает {}.", s.number, w.at(end, Lang::Ru)),
                format!(
                    "Явитесь или сообщите об уважительной причине до {}. Иначе с этого момента начнут действовать \
                     ограничения: {}.",
                    w.at(end, Lang::Ru),
                    kinds(&list, Lang::Ru)
                ),
            );
            let en = (
                format!("The time to report under summons No. {} ends on {}.", s.number, w.at(end, Lang::En)),
                format!(
                    "Appear, or give a valid reason, before {}. Otherwise these restrictions start then: {}.",
                    w.at(end, Lang::En),
                    kinds(&list, Lang::En)
                ),
            );
            Some(w.content(kind, Some(end), ru, en))
        }
        _ => None,
    }
}

/// The notice of an answered correction request.
pub fn correction_answered(id: i64, accepted: bool, at: Timestamp, zone: &Zone) -> Content {
    let when = |lang| instant(at, zone, lang);
    let (body_ru, next_ru, body_en, next_en) = if accepted {
        (
            format!("Ваше обращение № {id} об исправлении сведений принято {}.", when(Lang::Ru)),
            "Сведения уже исправлены; от вас ничего не требуется. Новые сведения видны в личном кабинете.".to_owned(),
            format!("Your correction request No. {id} was accepted on {}.", when(Lang::En)),
            "The record is already corrected; nothing is required of you. The new value shows in your personal \
             account."
                .to_owned(),
        )
    } else {
        (
            format!("Ваше обращение № {id} об исправлении сведений отклонено {}.", when(Lang::Ru)),
            "Объяснение военкомата — в личном кабинете, в разделе обращений. Вы можете подать новое обращение с \
             другими доказательствами или обжаловать ответ в вышестоящем военкомате или в суде."
                .to_owned(),
            format!("Your correction request No. {id} was declined on {}.", when(Lang::En)),
            "The commissariat's explanation is in your personal account, under requests. You may file a new \
             request with other evidence, or appeal the answer to the higher commissariat or a court."
                .to_owned(),
        )
    };
    let kind = NoticeKind::CorrectionAnswered;
    Content {
        kind,
        summons: None,
        by: None,
        ru: Text { subject: kind.title(Lang::Ru).to_owned(), body: body_ru, next: next_ru },
        en: Text { subject: kind.title(Lang::En).to_owned(), body: body_en, next: next_en },
    }
}

/// Whether a read by this role is told to the person, under the policy in force: only reads by a
/// security service are notices (every other read is listed in the account without one).
pub fn tells_read(role: Role, policy: &Policy) -> bool {
    role == Role::SecurityService && policy.notices.tell_security_service_reads
}

/// The notice of a read of the record by a security service, with its stated purpose.
pub fn security_service_read(purpose: Option<&str>, at: Timestamp, zone: &Zone) -> Content {
    let kind = NoticeKind::SecurityServiceRead;
    let stated = purpose.unwrap_or("—");
    Content {
        kind,
        summons: None,
        by: None,
        ru: Text {
            subject: kind.title(Lang::Ru).to_owned(),
            body: format!(
                "{} служба безопасности прочитала сведения о вас в реестре. Указанная цель: «{stated}».",
                instant(at, zone, Lang::Ru)
            ),
            next: "От вас ничего не требуется. Все чтения ваших сведений, с целью и перечнем полей, видны в личном \
                   кабинете в разделе «Кто читал мои данные»."
                .to_owned(),
        },
        en: Text {
            subject: kind.title(Lang::En).to_owned(),
            body: format!(
                "On {} a security service read your record in the register. Stated purpose: \"{stated}\".",
                instant(at, zone, Lang::En)
            ),
            next: "Nothing is required of you. Every read of your record, with its purpose and fields, is listed in \
                   your personal account under \"Who read my data\"."
                .to_owned(),
        },
    }
}

// ---- preferences and quiet hours ----

/// Hours in which optional e-mail waits (local time of the person's commissariat). `from` after
/// `to` spans midnight: 22:00–08:00.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietHours {
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "22:00"))]
    pub from: Time,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "08:00"))]
    pub to: Time,
}

impl QuietHours {
    fn contains(&self, t: Time) -> bool {
        if self.from <= self.to { t >= self.from && t < self.to } else { t >= self.from || t < self.to }
    }
}

/// What the person wants beyond what the law requires. The inbox always receives every notice;
/// e-mail receives the required ones always and at once, and the optional kinds listed here,
/// outside quiet hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preferences {
    pub email: BTreeSet<NoticeKind>,
    pub quiet_hours: Option<QuietHours>,
}

impl Default for Preferences {
    fn default() -> Preferences {
        Preferences { email: NoticeKind::optional().collect(), quiet_hours: None }
    }
}

impl Preferences {
    /// Checks what a person asks for: only optional kinds can be chosen, and quiet hours must
    /// not be empty.
    pub fn new(email: BTreeSet<NoticeKind>, quiet_hours: Option<QuietHours>) -> Result<Preferences, NoticeError> {
        if let Some(k) = email.iter().find(|k| k.required()) {
            return Err(NoticeError::Required(*k));
        }
        if quiet_hours.is_some_and(|q| q.from == q.to) {
            return Err(NoticeError::EmptyQuietHours);
        }
        Ok(Preferences { email, quiet_hours })
    }

    /// When a notice of this kind made at `at` goes by e-mail, or `None` if it does not.
    pub fn email_at(&self, kind: NoticeKind, at: Timestamp, tz: &TimeZone) -> Option<Timestamp> {
        if kind.required() {
            return Some(at);
        }
        if !self.email.contains(&kind) {
            return None;
        }
        let Some(q) = self.quiet_hours else { return Some(at) };
        let local = tz.to_datetime(at);
        if !q.contains(local.time()) {
            return Some(at);
        }
        // The end of the quiet hours: today's `to`, or tomorrow's if it has passed.
        let mut end = local.date().to_datetime(q.to);
        if end <= local {
            end = end.checked_add(jiff::Span::new().days(1)).ok()?;
        }
        tz.to_timestamp(end).ok()
    }
}

// ---- verification codes ----

/// The alphabet of codes: Crockford's base 32 (no I, L, O or U, which people misread).
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters in a code: 60 bits, far beyond guessing.
pub const CODE_LEN: usize = 12;

/// A notice's verification code, e.g. `7KQM-2D9X-HC4T`.
#[derive(Clone, PartialEq, Eq)]
pub struct Code(String);

impl Code {
    /// The code of 60 random bits (the caller draws them).
    pub fn from_random(bits: u64) -> Code {
        let s = (0..CODE_LEN).map(|i| ALPHABET[((bits >> (5 * i)) & 31) as usize] as char).collect();
        Code(s)
    }

    /// The code without separators, as it is hashed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{}", &self.0[..4], &self.0[4..8], &self.0[8..])
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Code(..)")
    }
}

impl FromStr for Code {
    type Err = NoticeError;
    /// Reads a code as people type it: any case, with spaces or hyphens, O for 0 and I or L for 1.
    fn from_str(s: &str) -> Result<Code, NoticeError> {
        let mut out = String::with_capacity(CODE_LEN);
        for c in s.chars() {
            let c = match c.to_ascii_uppercase() {
                ' ' | '-' => continue,
                'O' => '0',
                'I' | 'L' => '1',
                c if c.is_ascii() && ALPHABET.contains(&(c as u8)) => c,
                _ => return Err(NoticeError::CodeFormat),
            };
            out.push(c);
            if out.len() > CODE_LEN {
                return Err(NoticeError::CodeFormat);
            }
        }
        if out.len() != CODE_LEN {
            return Err(NoticeError::CodeFormat);
        }
        Ok(Code(out))
    }
}

/// A summons number as the public check shows it: the region and year, the rest hidden but the
/// last three digits (enough to match a notice in hand, not to learn someone's number).
pub fn masked_summons(n: &SummonsNumber) -> String {
    let s = n.as_str();
    let keep = s.len().saturating_sub(3);
    format!("{}{}", &s[..8], s[8..keep].chars().map(|_| '•').collect::<String>()) + &s[keep..]
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::{
        policy::PolicyBook,
        summons::{Appointment, Command, Draft},
    };

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn posted(policy: &str) -> (Summons, Change, &'static Policy) {
        let policy = PolicyBook::builtin().get(policy).unwrap();
        let draft = Draft {
            person: crate::person::PersonId(1),
            commissariat: "77-001".parse().unwrap(),
            purpose: Purpose::ClarifyRecords,
            appointment: Appointment {
                at: "2025-05-20T09:00".parse().unwrap(), address: "ул. Пример, 1".into()
            },
        };
        let number = SummonsNumber::new("77".parse().unwrap(), 2025, 17);
        let (s, c) =
            Summons::post(number, draft, policy, Zone::get("Europe/Moscow").unwrap(), ts("2025-05-09T11:00:00Z"))
                .unwrap();
        (s, c, policy)
    }

    #[test]
    fn posting_tells_when_it_counts_as_served_and_what_follows() {
        let (s, c, policy) = posted("seed-2025");
        let n = for_changes(&s, policy, &[c]);
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].kind, NoticeKind::SummonsPosted);
        // The worked example: served 2025-05-17 00:00 Moscow.
        assert_eq!(n[0].by, Some(ts("2025-05-16T21:00:00Z")));
        assert!(n[0].ru.next.contains("17 мая 2025 г., 00:00"), "{}", n[0].ru.next);
        assert!(n[0].en.next.contains("17 May 2025, 00:00"), "{}", n[0].en.next);
        assert!(n[0].ru.body.contains("20 мая 2025 г., 09:00 по адресу: ул. Пример, 1"), "{}", n[0].ru.body);
    }

    #[test]
    fn service_names_its_rule_and_the_end_of_the_window() {
        let (mut s, _, policy) = posted("seed-2025");
        let changes = s.advance(policy, ts("2025-05-20T00:00:00Z")).unwrap();
        let n = for_changes(&s, policy, &changes);
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].kind, NoticeKind::SummonsServed);
        assert!(n[0].ru.body.contains("прошло 7 дней"), "{}", n[0].ru.body);
        // The window ends 2025-06-07 00:00 Moscow.
        assert_eq!(n[0].by, Some(ts("2025-06-06T21:00:00Z")));
        assert!(n[0].en.next.contains("7 June 2025, 00:00"), "{}", n[0].en.next);

        let (mut s, _, policy) = posted("seed-2025");
        let changes =
            s.apply(policy, Command::Serve { how: ServiceMethod::InPerson }, ts("2025-05-10T07:00:00Z")).unwrap();
        let n = for_changes(&s, policy, &changes);
        assert!(n[0].ru.body.contains("лично под подпись") && n[0].en.body.contains("in person"));
    }

    #[test]
    fn measures_starting_together_make_one_notice_and_lifting_another() {
        let (mut s, _, policy) = posted("seed-2025");
        let changes = s.advance(policy, ts("2025-06-10T00:00:00Z")).unwrap();
        let n = for_changes(&s, policy, &changes);
        let kinds: Vec<NoticeKind> = n.iter().map(|c| c.kind).collect();
        assert_eq!(kinds, [NoticeKind::SummonsServed, NoticeKind::MeasuresStarted]);
        assert!(n[1].ru.body.contains("запрет на выезд") && n[1].en.body.contains("ban on driving"));
        let changes = s.apply(policy, Command::Appear, ts("2025-06-11T07:00:00Z")).unwrap();
        let n = for_changes(&s, policy, &changes);
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].kind, NoticeKind::MeasuresLifted);
        assert!(n[0].ru.body.contains("вы явились") && n[0].en.next.contains("12 June 2025, 10:00"));
    }

    #[test]
    fn every_notice_says_what_happens_next_in_both_languages() {
        let (mut s, c, policy) = posted("fz53-2023");
        let mut all = for_changes(&s, policy, &[c]);
        let changes = s.advance(policy, ts("2025-07-01T00:00:00Z")).unwrap();
        all.extend(for_changes(&s, policy, &changes));
        let changes = s
            .apply(
                policy,
                Command::Cancel {
                    cancellation: crate::summons::Cancellation::CourtDecision { reference: "2-1/2025".into() },
                },
                ts("2025-07-02T00:00:00Z"),
            )
            .unwrap();
        all.extend(for_changes(&s, policy, &changes));
        let zone = Zone::get("Europe/Moscow").unwrap();
        all.push(correction_answered(3, true, ts("2025-07-02T00:00:00Z"), &zone));
        all.push(correction_answered(4, false, ts("2025-07-02T00:00:00Z"), &zone));
        all.push(security_service_read(Some("проверка"), ts("2025-07-02T00:00:00Z"), &zone));
        assert!(all.len() >= 6);
        for n in &all {
            for t in [&n.ru, &n.en] {
                assert!(!t.subject.is_empty() && !t.body.is_empty() && !t.next.is_empty(), "{n:?}");
                let lower = format!("{} {}", t.body, t.next).to_lowercase();
                assert!(!lower.contains("пароль") && !lower.contains("password"), "{n:?}");
            }
        }
    }

    #[test]
    fn reminders_come_a_day_before_the_appointment_and_three_days_before_the_window_ends() {
        let (mut s, _, policy) = posted("seed-2025");
        let appointment = ts("2025-05-20T06:00:00Z");
        assert_eq!(reminders(&s, policy), [(NoticeKind::AppointmentReminder, appointment - REMIND_BEFORE_APPOINTMENT)]);
        s.advance(policy, ts("2025-05-18T00:00:00Z")).unwrap();
        let end = ts("2025-06-06T21:00:00Z");
        let r = reminders(&s, policy);
        assert_eq!(r[1], (NoticeKind::ReportWindowEnding, end - REMIND_BEFORE_WINDOW_ENDS));
        // Due, and still ahead: a notice naming the end.
        let n = reminder(&s, policy, NoticeKind::ReportWindowEnding, r[1].1, r[1].1).unwrap();
        assert_eq!(n.by, Some(end));
        assert!(n.ru.body.contains("7 июня 2025 г., 00:00"), "{}", n.ru.body);
        // After downtime past the end, or for a schedule that changed, nothing.
        assert!(reminder(&s, policy, NoticeKind::ReportWindowEnding, r[1].1, end).is_none());
        assert!(
            reminder(&s, policy, NoticeKind::ReportWindowEnding, r[1].1 - SignedDuration::from_secs(1), r[1].1)
                .is_none()
        );
        // Appeared: nothing scheduled any more.
        s.apply(policy, Command::Appear, ts("2025-05-21T07:00:00Z")).unwrap();
        assert!(reminders(&s, policy).is_empty());
    }

    #[test]
    fn quiet_hours_hold_optional_email_and_never_required_notices() {
        let tz = Zone::get("Europe/Moscow").unwrap().tz().clone();
        let q = QuietHours { from: "22:00".parse().unwrap(), to: "08:00".parse().unwrap() };
        let p = Preferences::new(NoticeKind::optional().collect(), Some(q)).unwrap();
        let night = ts("2025-05-10T20:30:00Z"); // 23:30 Moscow
        assert_eq!(p.email_at(NoticeKind::AppointmentReminder, night, &tz), Some(ts("2025-05-11T05:00:00Z")));
        let early = ts("2025-05-11T02:00:00Z"); // 05:00 Moscow
        assert_eq!(p.email_at(NoticeKind::AppointmentReminder, early, &tz), Some(ts("2025-05-11T05:00:00Z")));
        assert_eq!(p.email_at(NoticeKind::SummonsPosted, night, &tz), Some(night));
        let day = ts("2025-05-11T09:00:00Z");
        assert_eq!(p.email_at(NoticeKind::AppointmentReminder, day, &tz), Some(day));
        let off = Preferences::new(BTreeSet::new(), None).unwrap();
        assert_eq!(off.email_at(NoticeKind::SecurityServiceRead, day, &tz), None);
        assert_eq!(off.email_at(NoticeKind::MeasuresStarted, day, &tz), Some(day));
        assert_eq!(
            Preferences::new([NoticeKind::SummonsServed].into(), None).unwrap_err(),
            NoticeError::Required(NoticeKind::SummonsServed)
        );
    }

    #[test]
    fn codes_read_as_people_type_them() {
        let c = Code::from_random(0x0123_4567_89ab_cdef);
        assert_eq!(c.as_str().len(), CODE_LEN);
        let shown = c.to_string();
        assert_eq!(shown.len(), CODE_LEN + 2);
        assert_eq!(shown.to_lowercase().replace('-', " ").parse::<Code>().unwrap(), c);
        assert_eq!("oooo-iiii-llll".parse::<Code>().unwrap().as_str(), "000011111111");
        for bad in ["", "ABC", "7KQM-2D9X-HC4TX", "7KQM-2D9X-HC4U", "7KQM-2D9X-HC4Ъ"] {
            assert!(bad.parse::<Code>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_public_check_masks_the_summons_number() {
        let n = SummonsNumber::new("62".parse().unwrap(), 2025, 17);
        assert_eq!(masked_summons(&n), "62-2025-••••017");
    }
}
