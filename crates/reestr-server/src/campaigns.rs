//! Issuing campaigns in the background: batch after batch on the blocking pool, each batch one
//! transaction that persists its progress, so a restarted server resumes every campaign left
//! `issuing` where it stood.

use std::{
    collections::BTreeSet,
    sync::{LazyLock, Mutex},
};

use crate::AppState;

/// Summonses per transaction.
const BATCH: usize = 1000;

/// Campaigns this process is issuing now: one worker per campaign. (Workers of other processes
/// do no harm: a batch re-reads the campaign's progress inside its transaction.)
static RUNNING: LazyLock<Mutex<BTreeSet<i64>>> = LazyLock::new(Mutex::default);

/// Issues the campaign to its end in the background, unless this process already is.
pub(crate) fn spawn_issue(state: &AppState, id: i64) {
    if !RUNNING.lock().map(|mut r| r.insert(id)).unwrap_or(false) {
        return;
    }
    let state = state.clone();
    tokio::spawn(async move {
        loop {
            let now = state.now();
            let register = state.register().clone();
            let batch = tokio::task::spawn_blocking(move || register.issue_campaign_batch(id, BATCH, now)).await;
            match batch {
                Ok(Ok(report)) if !report.done => continue,
                Ok(Ok(_)) => break,
                Ok(Err(reestr_store::StoreError::Busy)) => {
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                }
                Ok(Err(e)) => {
                    eprintln!(
                        "issuing campaign {id} stopped: {} (resumed at the next start)",
                        reestr_core::ErrorCode::code(&e)
                    );
                    break;
                }
                Err(_) => break,
            }
        }
        if let Ok(mut r) = RUNNING.lock() {
            r.remove(&id);
        }
    });
}

/// Resumes every campaign left `issuing` (after an interruption).
pub async fn resume_campaigns(state: AppState) {
    let register = state.register().clone();
    match tokio::task::spawn_blocking(move || register.unfinished_campaigns()).await {
        Ok(Ok(ids)) => ids.into_iter().for_each(|id| spawn_issue(&state, id)),
        Ok(Err(e)) => eprintln!("could not look for campaigns to resume: {}", reestr_core::ErrorCode::code(&e)),
        Err(_) => {}
    }
}
