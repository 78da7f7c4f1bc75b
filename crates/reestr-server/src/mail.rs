//! The e-mail sender: a task beside the legal clock's that takes the notices' e-mails due from
//! the outbox, sends them over SMTP (lettre; STARTTLS or implicit TLS and authentication as the
//! URL and settings say) and records each outcome. At least once: an e-mail stays in the outbox
//! until a server accepted it, and failures are retried with backoff for 72 hours. Never twice
//! for the same notice to the same address: the outbox has one row per (notice, address), and the
//! message's `Message-ID` is derived from that key, so a resend after an answer lost on the way is
//! recognisable as the same message. Addresses and texts never reach the service's own logs.

use std::time::Duration;

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, header::ContentType},
    transport::smtp::authentication::Credentials,
};
use reestr_core::{measure::Lang, notice::safety_line};
use reestr_store::{MailItem, MailResult};

use crate::AppState;

/// E-mails taken per round.
const BATCH: usize = 50;

/// Where and how notices are sent by e-mail.
#[derive(Clone)]
pub struct SmtpSettings {
    /// `smtp://host:port` (plain; for a relay on the same host or tests), `smtp://host:port?tls=required`
    /// (STARTTLS), `smtps://host:port` (TLS). Credentials in the URL are accepted but better
    /// given separately.
    pub url: String,
    /// The sender, e.g. `Реестр воинского учёта <notices@reestr.example>`.
    pub from: String,
    pub credentials: Option<(String, String)>,
    /// The register's public address, named in the text so the person can type it themselves.
    pub public_url: Option<String>,
    /// How long one message may take.
    pub timeout: Duration,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let url = match self.url.split_once('@') {
            Some((scheme_user, host)) => {
                format!("{}://…@{host}", scheme_user.split("://").next().unwrap_or_default())
            }
            None => self.url.clone(),
        };
        f.debug_struct("SmtpSettings")
            .field("url", &url)
            .field("from", &self.from)
            .field("credentials", &self.credentials.as_ref().map(|_| "…"))
            .finish_non_exhaustive()
    }
}

/// Builds the transport the settings describe.
pub fn transport(smtp: &SmtpSettings) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(&smtp.url)
        .map_err(|e| format!("the SMTP URL is not usable: {e}"))?
        .timeout(Some(smtp.timeout));
    if let Some((user, password)) = &smtp.credentials {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    Ok(builder.build())
}

/// Checks settings before serving: a URL lettre can use and a sender that is an address.
pub fn check_smtp(smtp: &SmtpSettings) -> Result<(), String> {
    transport(smtp)?;
    smtp.from.parse::<Mailbox>().map(|_| ()).map_err(|e| format!("the sender is not an address: {e}"))
}

/// The message of a notice's e-mail: Russian first, then English; the verification code and the
/// warning that the register never asks for passwords or payments.
pub fn message(item: &MailItem, smtp: &SmtpSettings) -> Result<Message, String> {
    let from: Mailbox = smtp.from.parse().map_err(|e| format!("the sender is not an address: {e}"))?;
    let to: Mailbox = item.to.parse().map_err(|_| "the recipient's address is not usable".to_owned())?;
    let domain = from.email.domain().to_owned();
    let c = &item.content;
    let check = |lang| match (lang, &smtp.public_url) {
        (Lang::Ru, Some(u)) => format!("Страница проверки: {u}/notices/verify (наберите адрес сами)."),
        (Lang::En, Some(u)) => format!("The check page: {u}/notices/verify (type the address yourself)."),
        _ => String::new(),
    };
    let body = format!(
        "{ru_body}\n\nЧто дальше: {ru_next}\n\nКод проверки уведомления: {code}\n{ru_safe}\n{ru_check}\n\n\
         ----- English -----\n\n{en_body}\n\nWhat happens next: {en_next}\n\nNotice check code: {code}\n{en_safe}\n{en_check}\n",
        ru_body = c.ru.body,
        ru_next = c.ru.next,
        ru_safe = safety_line(Lang::Ru),
        ru_check = check(Lang::Ru),
        en_body = c.en.body,
        en_next = c.en.next,
        en_safe = safety_line(Lang::En),
        en_check = check(Lang::En),
        code = item.code,
    );
    Message::builder()
        .from(from)
        .to(to)
        .subject(format!("{} / {}", c.ru.subject, c.en.subject))
        .message_id(Some(format!("<{}@{domain}>", item.key)))
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| format!("the message could not be built: {e}"))
}

/// Sends what is due, every `dispatch_interval`, until the process ends.
pub async fn mail_task(state: AppState) {
    let Some(smtp) = state.settings.smtp.clone() else { return };
    let mailer = match transport(&smtp) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("the e-mail sender cannot start: {e}");
            return;
        }
    };
    loop {
        let taken = state.blocking(|reg, now| Ok(reg.take_mail(BATCH, now)?)).await;
        let batch = match taken {
            Ok(b) => b,
            Err(e) => {
                eprintln!("the e-mail sender could not read the outbox: {} (will retry)", e.code);
                Vec::new()
            }
        };
        let full = batch.len() == BATCH;
        if !batch.is_empty() {
            let results = send(&mailer, &smtp, &batch).await;
            if let Err(e) = state.blocking(move |reg, now| Ok(reg.record_mail(&results, now)?)).await {
                eprintln!("the e-mail sender could not record what it sent: {}", e.code);
            }
        }
        if !full {
            tokio::time::sleep(state.settings.dispatch_interval).await;
        }
    }
}

/// How long a round may spend sending: well within the outbox's hold on what it took
/// ([`reestr_store::MAIL_CLAIM`]), so that no other sender takes an e-mail this one may still
/// be sending. What is left when it runs out is not recorded; the hold lapses and it goes next.
const SEND_BUDGET: Duration = Duration::from_secs(60);

/// Sends each e-mail of a batch. When the server cannot be reached, the rest are not tried and
/// count as failed with the same reason (they are retried with the backoff).
async fn send(
    mailer: &AsyncSmtpTransport<Tokio1Executor>,
    smtp: &SmtpSettings,
    batch: &[MailItem],
) -> Vec<(i64, MailResult)> {
    let mut results = Vec::with_capacity(batch.len());
    let mut unreachable: Option<String> = None;
    let budget = tokio::time::Instant::now() + SEND_BUDGET;
    for item in batch {
        if tokio::time::Instant::now() > budget {
            break;
        }
        let outcome = match (&unreachable, message(item, smtp)) {
            (Some(reason), _) => Err(reason.clone()),
            (None, Err(e)) => Err(e),
            (None, Ok(m)) => match mailer.send(m).await {
                Ok(_) => Ok(()),
                Err(e) => {
                    // No addresses or texts in the reason: the kind of failure and the server's code.
                    let reason = match e.status() {
                        Some(code) => format!("SMTP {code}"),
                        None if e.is_timeout() => "timed out".to_owned(),
                        None => "could not connect".to_owned(),
                    };
                    if e.status().is_none() {
                        unreachable = Some(reason.clone());
                    }
                    Err(reason)
                }
            },
        };
        let label = if outcome.is_ok() { "sent" } else { "failed" };
        metrics::counter!("reestr_notice_mail_attempts_total", "outcome" => label).increment(1);
        results.push((item.id, outcome));
    }
    results
}
