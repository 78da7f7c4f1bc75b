//! The tamper-evident log, published: the latest signed checkpoint (C2SP tlog-checkpoint as a
//! signed note), the verifier keys, the C2SP tlog-tiles hash tiles, and the public page that
//! says whether an extract is genuine.

use std::time::Duration;

use axum::{
    Router,
    extract::{Path, State},
    http::{StatusCode, header},
    response::{Html, IntoResponse, Response},
    routing::get,
};
use reestr_docs::{Lookup, html};

use crate::{AppState, error::ApiError};

/// How often a checkpoint is considered; one is signed only if the log grew.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(5);

pub async fn checkpoint_task(state: AppState) {
    loop {
        let s = state.clone();
        let now = state.now();
        let _ = tokio::task::spawn_blocking(move || {
            if let Err(e) = s.ledger.extracts.ledger().checkpoint(&s.ledger.keys, now) {
                eprintln!("signing a checkpoint failed: {} (will retry)", reestr_core::ErrorCode::code(&e));
            }
        })
        .await;
        tokio::time::sleep(CHECKPOINT_EVERY).await;
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/log/checkpoint", get(checkpoint))
        .route("/log/key", get(key))
        .route("/log/tile/{*path}", get(tile))
        .route("/verify/{number}", get(verify_page))
}

fn text(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

pub(crate) fn internal(e: impl reestr_core::ErrorCode) -> ApiError {
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.code(), "the log could not be read")
}

/// The latest signed checkpoint, signing one first if the log has none yet.
async fn checkpoint(State(state): State<AppState>) -> Result<Response, ApiError> {
    let s = state.clone();
    let note = state
        .blocking(move |_, now| {
            let ledger = s.ledger.extracts.ledger();
            let latest = match ledger.latest().map_err(internal)? {
                Some(c) => c,
                None => ledger.checkpoint(&s.ledger.keys, now).map_err(internal)?,
            };
            Ok(latest.note)
        })
        .await?;
    Ok(text(note))
}

/// The verifier keys of the log, every one ever used, the current one last.
async fn key(State(state): State<AppState>) -> Response {
    text(state.ledger.keys.verifiers.to_text())
}

/// A hash tile of the tree of the latest checkpoint.
async fn tile(State(state): State<AppState>, Path(path): Path<String>) -> Result<Response, ApiError> {
    let s = state.clone();
    let bytes = state
        .blocking(move |_, _| {
            s.ledger.extracts.ledger().tile(&format!("tile/{path}")).map_err(|e| {
                let code = reestr_core::ErrorCode::code(&e);
                if code == "tile_not_found" || code == "bad_tile_path" {
                    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such tile")
                } else {
                    internal(e)
                }
            })
        })
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        bytes,
    )
        .into_response())
}

pub(crate) fn lookup(
    state: &AppState,
    number: String,
) -> impl std::future::Future<Output = Result<Lookup, ApiError>> + Send {
    let s = state.clone();
    state.blocking(move |_, _| s.ledger.extracts.lookup(&number, &s.ledger.keys.verifiers).map_err(internal))
}

pub(crate) const PAGE_STYLE: &str = "body{font-family:'DejaVu Sans',Arial,sans-serif;margin:0}main{max-width:800px;margin:0 auto;padding:24px}\
.verdict{padding:12px 16px;border:2px solid}.genuine{border-color:#0a6b2d;color:#0a6b2d}.altered{border-color:#a30000;color:#a30000}\
.unknown{border-color:#555;color:#333}";

fn verdict_page(status: StatusCode, class: &str, ru: &str, en: &str, detail: Option<&str>) -> Response {
    let detail = detail.map(|d| format!("<p>{}</p>", d.replace('&', "&amp;").replace('<', "&lt;"))).unwrap_or_default();
    let body = format!(
        "<!DOCTYPE html>\n<html lang=\"ru\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Проверка выписки · Extract check</title><style>{PAGE_STYLE}</style></head>\
         <body><main><h1>Проверка выписки <span lang=\"en\">/ Extract check</span></h1>\
         <div class=\"verdict {class}\" role=\"status\"><p><strong>{ru}</strong></p><p lang=\"en\">{en}</p>{detail}</div></main></body></html>"
    );
    (status, Html(body)).into_response()
}

/// The public page an extract's QR code leads to: genuine (showing the extract, no more),
/// altered, or unknown. No login.
async fn verify_page(State(state): State<AppState>, Path(number): Path<String>) -> Result<Response, ApiError> {
    Ok(match lookup(&state, number).await? {
        Lookup::Genuine { document, .. } => {
            let page = html::render(&document).map_err(internal)?;
            let banner = "<main>\n<div class=\"verdict genuine\" role=\"status\" style=\"border:2px solid #0a6b2d;color:#0a6b2d;padding:12px 16px\">\
                <p><strong>Выписка подлинная: её выдал реестр, и она не изменена.</strong></p>\
                <p lang=\"en\">The extract is genuine: the register issued it and it is unchanged.</p></div>\n";
            (StatusCode::OK, Html(page.replacen("<main>\n", banner, 1))).into_response()
        }
        Lookup::Altered { reason } => verdict_page(
            StatusCode::OK,
            "altered",
            "Выписка с этим номером изменена: ей нельзя доверять.",
            "The extract with this number has been altered: do not trust it.",
            Some(&reason),
        ),
        Lookup::Unknown => verdict_page(
            StatusCode::NOT_FOUND,
            "unknown",
            "Реестр не выдавал выписку с таким номером.",
            "The register issued no extract with this number.",
            None,
        ),
    })
}
