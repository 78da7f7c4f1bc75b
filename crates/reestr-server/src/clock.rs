//! The legal clock as a task: sleep until the earliest due instant (at most a minute), apply
//! everything due (the summonses' steps, then the reminders), repeat. It catches up after downtime because the store keeps what is due.

use std::time::Duration;

use crate::AppState;

/// The longest the task sleeps, so new summonses and changed clocks are noticed.
const MAX_SLEEP: Duration = Duration::from_secs(60);

pub async fn clock_task(state: AppState) {
    loop {
        let now = state.now();
        let register = state.register().clone();
        let next = tokio::task::spawn_blocking(move || {
            if let Err(e) = register.run_clock(now, 1000) {
                eprintln!("the legal clock failed: {} (will retry)", reestr_core::ErrorCode::code(&e));
            }
            register.next_wake().ok().flatten()
        })
        .await
        .ok()
        .flatten();
        let wait = next
            .map(|t| t.duration_since(state.now()))
            .and_then(|d| Duration::try_from(d).ok())
            .map_or(MAX_SLEEP, |d| d.min(MAX_SLEEP));
        tokio::time::sleep(wait.max(Duration::from_millis(50))).await;
    }
}
