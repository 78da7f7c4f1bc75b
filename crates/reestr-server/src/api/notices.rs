//! Notices: the inbox of the personal account, the person's preferences, and the public check of
//! a notice's verification code.

use std::collections::BTreeSet;

use axum::{Json, extract::State};
use reestr_core::{
    measure::Lang,
    notice::{Content, NoticeKind, Preferences, QuietHours, safety_line},
};
use reestr_store::{CheckedNotice, InboxItem, MailState};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::dto::Errors;
use crate::{
    AppState,
    error::ApiResult,
    extract::{Body, Caller, MaybeCaller, QueryOf},
};

/// One language's text of a notice.
#[derive(Debug, Serialize, ToSchema)]
pub struct TextView {
    pub subject: String,
    /// What happened.
    pub body: String,
    /// What happens next and by when.
    pub next: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContentView {
    pub kind: NoticeKind,
    /// Required by law: sent on every channel whatever the preferences.
    pub required: bool,
    pub summons: Option<String>,
    /// The deadline the notice names, if any.
    #[schema(format = DateTime)]
    pub by: Option<String>,
    pub ru: TextView,
    pub en: TextView,
}

impl From<Content> for ContentView {
    fn from(c: Content) -> ContentView {
        let text = |t: reestr_core::notice::Text| TextView { subject: t.subject, body: t.body, next: t.next };
        ContentView {
            kind: c.kind,
            required: c.kind.required(),
            summons: c.summons.map(|n| n.to_string()),
            by: c.by.map(|t| t.to_string()),
            ru: text(c.ru),
            en: text(c.en),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EmailView {
    /// `pending` (waiting for quiet hours to end, or being retried), `sent` or `failed`.
    #[schema(pattern = "^(pending|sent|failed)$")]
    pub state: String,
    #[schema(format = DateTime)]
    pub sent_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeView {
    pub id: i64,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// The verification code printed on the notice: anyone can check it on the register's page.
    #[schema(example = "7KQM-2D9X-HC4T")]
    pub code: String,
    pub content: ContentView,
    /// The notice's e-mail, if one was due (the record has an address and the kind is wanted).
    pub email: Option<EmailView>,
}

impl From<InboxItem> for NoticeView {
    fn from(n: InboxItem) -> NoticeView {
        NoticeView {
            id: n.id,
            created_at: n.created_at.to_string(),
            code: n.code,
            content: n.content.into(),
            email: n.email.map(|(state, at)| EmailView {
                state: match state {
                    MailState::Pending => "pending",
                    MailState::Sent => "sent",
                    MailState::Failed => "failed",
                }
                .to_owned(),
                sent_at: at.map(|t| t.to_string()),
            }),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxQuery {
    /// Notices with ids below this one (the last id of the previous page); absent for the newest.
    pub before: Option<i64>,
    /// At most this many (1 to 200, default 50).
    pub limit: Option<i32>,
}

/// The person's notices, newest first: every notice the register sent, whatever the e-mail
/// preferences, each with its verification code.
#[utoipa::path(get, path = "/api/v1/me/notices", tag = "me", params(InboxQuery),
    responses((status = 200, body = Vec<NoticeView>), Errors), security(("session" = [])))]
pub async fn inbox(
    State(state): State<AppState>,
    Caller(who): Caller,
    QueryOf(q): QueryOf<InboxQuery>,
) -> ApiResult<Json<Vec<NoticeView>>> {
    let limit = q.limit.unwrap_or(50).clamp(1, reestr_store::MAX_INBOX_PAGE as i32) as usize;
    let list = state.blocking(move |reg, _| Ok(reg.inbox(&who, q.before, limit)?)).await?;
    Ok(Json(list.into_iter().map(NoticeView::from).collect()))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PreferencesView {
    /// The optional kinds also sent by e-mail (`appointment_reminder`, `report_window_ending`,
    /// `security_service_read`). Required notices always go by e-mail and cannot be listed here.
    pub email: BTreeSet<NoticeKind>,
    /// Local hours (the commissariat's zone) in which optional e-mail waits, e.g. 22:00 to 08:00.
    pub quiet_hours: Option<QuietHours>,
    /// The kinds that always go, on every channel, at once (read-only).
    #[serde(default, skip_deserializing)]
    pub required: Vec<NoticeKind>,
}

impl From<Preferences> for PreferencesView {
    fn from(p: Preferences) -> PreferencesView {
        PreferencesView {
            email: p.email,
            quiet_hours: p.quiet_hours,
            required: NoticeKind::ALL.into_iter().filter(|k| k.required()).collect(),
        }
    }
}

/// The person's notice preferences. The inbox always receives every notice.
#[utoipa::path(get, path = "/api/v1/me/notices/preferences", tag = "me",
    responses((status = 200, body = PreferencesView), Errors), security(("session" = [])))]
pub async fn preferences(State(state): State<AppState>, Caller(who): Caller) -> ApiResult<Json<PreferencesView>> {
    let p = state.blocking(move |reg, _| Ok(reg.notice_preferences(&who)?)).await?;
    Ok(Json(p.into()))
}

/// Sets which optional notices go by e-mail and the quiet hours. Legally required notices cannot
/// be turned off (`notice_required`).
#[utoipa::path(put, path = "/api/v1/me/notices/preferences", tag = "me", request_body = PreferencesView,
    responses((status = 200, body = PreferencesView), Errors), security(("session" = [])))]
pub async fn set_preferences(
    State(state): State<AppState>,
    Caller(who): Caller,
    Body(p): Body<PreferencesView>,
) -> ApiResult<Json<PreferencesView>> {
    let prefs = Preferences { email: p.email, quiet_hours: p.quiet_hours };
    let p = state.blocking(move |reg, now| Ok(reg.set_notice_preferences(&who, prefs, now)?)).await?;
    Ok(Json(p.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CheckRequest {
    /// The code printed on the notice; case, spaces and hyphens do not matter.
    #[schema(example = "7KQM-2D9X-HC4T")]
    pub code: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckView {
    /// `genuine` or `unknown`.
    #[schema(pattern = "^(genuine|unknown)$")]
    pub status: String,
    pub kind: Option<NoticeKind>,
    pub title_ru: Option<String>,
    pub title_en: Option<String>,
    #[schema(format = DateTime)]
    pub sent_at: Option<String>,
    /// The summons number, masked unless the notice is the caller's own.
    pub summons: Option<String>,
    /// The deadline the notice names.
    #[schema(format = DateTime)]
    pub by: Option<String>,
    /// The whole notice, only when its person asks (logged in).
    pub content: Option<ContentView>,
    /// The register never asks in a notice for a password, an SMS code or a payment.
    pub warning_ru: String,
    pub warning_en: String,
}

impl CheckView {
    pub fn of(found: Option<CheckedNotice>) -> CheckView {
        let warning_ru = safety_line(Lang::Ru).to_owned();
        let warning_en = safety_line(Lang::En).to_owned();
        match found {
            None => CheckView {
                status: "unknown".into(),
                kind: None,
                title_ru: None,
                title_en: None,
                sent_at: None,
                summons: None,
                by: None,
                content: None,
                warning_ru,
                warning_en,
            },
            Some(n) => CheckView {
                status: "genuine".into(),
                kind: Some(n.kind),
                title_ru: Some(n.kind.title(Lang::Ru).to_owned()),
                title_en: Some(n.kind.title(Lang::En).to_owned()),
                sent_at: Some(n.created_at.to_string()),
                summons: n.summons,
                by: n.by.map(|t| t.to_string()),
                content: n.content.map(ContentView::from),
                warning_ru,
                warning_en,
            },
        }
    }
}

/// Whether a notice with this code was sent by the register (no login). The answer shows the
/// kind, when it was sent, the deadline it names and the summons number masked; logged in as the
/// person it was sent to, the whole notice.
#[utoipa::path(post, path = "/api/v1/notices/verify", tag = "public", request_body = CheckRequest,
    responses((status = 200, body = CheckView), Errors))]
pub async fn verify(
    State(state): State<AppState>,
    MaybeCaller(who): MaybeCaller,
    Body(r): Body<CheckRequest>,
) -> ApiResult<Json<CheckView>> {
    let found = state.blocking(move |reg, _| Ok(reg.check_notice(who.as_ref(), &r.code)?)).await?;
    Ok(Json(CheckView::of(found)))
}
