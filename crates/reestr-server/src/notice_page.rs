//! The public page that checks a notice's verification code: a form (works without JavaScript),
//! and the verdict. Anyone sees the kind, when it was sent, the deadline it names and the summons
//! number masked; the person it was sent to, logged in, sees the whole notice. The page says
//! plainly that the register never asks for a password, an SMS code or a payment.

use axum::{
    Form, Router,
    extract::State,
    http::StatusCode,
    response::{Html, IntoResponse, Response},
    routing::get,
};
use reestr_core::{ErrorCode, measure::Lang, notice::safety_line};
use serde::Deserialize;

use crate::{
    AppState,
    api::notices::{CheckView, ContentView},
    error::ApiError,
    extract::MaybeCaller,
    log::PAGE_STYLE,
};

pub fn router() -> Router<AppState> {
    Router::new().route("/notices/verify", get(form).post(check))
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn page(status: StatusCode, inner: &str) -> Response {
    let body = format!(
        "<!DOCTYPE html>\n<html lang=\"ru\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Проверка уведомления · Notice check</title><style>{PAGE_STYLE}\
         label{{display:block;margin:12px 0 4px}}input{{font-size:1.2em;padding:6px;letter-spacing:.1em}}\
         button{{font-size:1em;padding:6px 16px;margin-left:8px}}.warning{{background:#fff4d6;padding:12px 16px}}</style></head>\
         <body><main><h1>Проверка уведомления <span lang=\"en\">/ Notice check</span></h1>\
         <p class=\"warning\" role=\"note\"><strong>{ru}</strong><br><span lang=\"en\">{en}</span></p>\
         {inner}\
         <form method=\"post\" action=\"/notices/verify\">\
         <label for=\"code\">Код из уведомления <span lang=\"en\">/ The code on the notice</span></label>\
         <input id=\"code\" name=\"code\" autocomplete=\"off\" required maxlength=\"40\" placeholder=\"7KQM-2D9X-HC4T\">\
         <button type=\"submit\">Проверить <span lang=\"en\">/ Check</span></button></form></main></body></html>",
        ru = safety_line(Lang::Ru),
        en = safety_line(Lang::En),
    );
    (status, Html(body)).into_response()
}

async fn form() -> Response {
    page(StatusCode::OK, "")
}

#[derive(Debug, Deserialize)]
struct CheckForm {
    code: String,
}

fn content(c: &ContentView) -> String {
    let lang = |t: &crate::api::notices::TextView, l: &str| {
        format!(
            "<section lang=\"{l}\"><h3>{}</h3><p>{}</p><p><strong>{}</strong> {}</p></section>",
            esc(&t.subject),
            esc(&t.body),
            if l == "ru" { "Что дальше:" } else { "What happens next:" },
            esc(&t.next)
        )
    };
    format!("{}{}", lang(&c.ru, "ru"), lang(&c.en, "en"))
}

async fn check(
    State(state): State<AppState>,
    MaybeCaller(who): MaybeCaller,
    Form(f): Form<CheckForm>,
) -> Result<Response, ApiError> {
    let found = state.blocking(move |reg, _| match reg.check_notice(who.as_ref(), &f.code) {
        Ok(found) => Ok(Some(found)),
        Err(e) if e.code() == "notice_code_format" => Ok(None),
        Err(e) => Err(e.into()),
    });
    let Some(found) = found.await? else {
        return Ok(page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "<div class=\"verdict unknown\" role=\"status\"><p><strong>Код записан неверно: в нём 12 букв и цифр, \
             например 7KQM-2D9X-HC4T.</strong></p><p lang=\"en\">The code is mistyped: it has 12 letters and \
             digits, e.g. 7KQM-2D9X-HC4T.</p></div>",
        ));
    };
    let v = CheckView::of(found);
    if v.status != "genuine" {
        return Ok(page(
            StatusCode::NOT_FOUND,
            "<div class=\"verdict altered\" role=\"status\"><p><strong>Реестр не отправлял уведомления с таким \
             кодом. Не выполняйте того, что в нём просят, и не переходите по ссылкам из него.</strong></p>\
             <p lang=\"en\">The register sent no notice with this code. Do not do what it asks, and do not \
             follow its links.</p></div>",
        ));
    }
    let row = |ru: &str, en: &str, value: &str| {
        format!("<tr><th scope=\"row\">{ru} <span lang=\"en\">/ {en}</span></th><td>{}</td></tr>", esc(value))
    };
    let mut rows = String::new();
    rows += &row(
        "Уведомление",
        "Notice",
        &format!("{} / {}", v.title_ru.unwrap_or_default(), v.title_en.unwrap_or_default()),
    );
    rows += &row("Отправлено (UTC)", "Sent (UTC)", &v.sent_at.unwrap_or_default());
    if let Some(s) = &v.summons {
        rows += &row("Повестка", "Summons", s);
    }
    if let Some(b) = &v.by {
        rows += &row("Срок (UTC)", "Deadline (UTC)", b);
    }
    let full = match &v.content {
        Some(c) => content(c),
        None => "<p>Полный текст виден только адресату после входа в личный кабинет. \
                 <span lang=\"en\">The full text shows only to the person it was sent to, logged in.</span></p>"
            .to_owned(),
    };
    Ok(page(
        StatusCode::OK,
        &format!(
            "<div class=\"verdict genuine\" role=\"status\"><p><strong>Уведомление подлинное: его отправил \
             реестр.</strong></p><p lang=\"en\">The notice is genuine: the register sent it.</p></div>\
             <table>{rows}</table>{full}"
        ),
    ))
}
