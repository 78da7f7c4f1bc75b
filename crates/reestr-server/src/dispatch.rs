//! The webhook dispatcher: a task beside the legal clock's that pushes each agency's measures to
//! its webhook, in order, signed as Standard Webhooks (`webhook-id`, `webhook-timestamp`,
//! `webhook-signature`: v1, HMAC-SHA256 of `id.timestamp.body` with the agency's secret). The
//! register keeps where each agency stands, so a restart resumes; failures back off
//! exponentially and, after 72 hours, become dead letters an admin sees and replays. Time comes
//! from the service's clock.

use std::time::Duration;

use reestr_store::{PushBatch, PushResult};
use serde_json::json;
use standardwebhooks::Webhook;

use crate::{AppState, api::agency::FeedItemView};

/// Items sent per claim of an agency.
const BATCH: usize = 100;

/// Pushes what is due, every `dispatch_interval`, until the process ends.
pub async fn dispatch_task(state: AppState) {
    let client = match reqwest::Client::builder()
        .timeout(state.settings.webhook_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("the webhook dispatcher cannot start: {e}");
            return;
        }
    };
    loop {
        let now = state.now();
        let due = state.blocking(move |reg, _| Ok(reg.push_due(now)?)).await.unwrap_or_else(|e| {
            eprintln!("the webhook dispatcher could not read what is due: {} (will retry)", e.code);
            Vec::new()
        });
        let mut running = tokio::task::JoinSet::new();
        for agency in due {
            running.spawn(deliver(state.clone(), client.clone(), agency));
        }
        while running.join_next().await.is_some() {}
        tokio::time::sleep(state.settings.dispatch_interval).await;
    }
}

/// Sends an agency's batches until nothing is due or one attempt fails.
async fn deliver(state: AppState, client: reqwest::Client, agency: i64) {
    loop {
        let taken = state.blocking(move |reg, now| Ok(reg.take_push_batch(agency, BATCH, now)?)).await;
        let batch = match taken {
            Ok(Some(b)) => b,
            Ok(None) => return,
            Err(e) => {
                eprintln!("the webhook dispatcher could not read agency {agency}'s deliveries: {}", e.code);
                return;
            }
        };
        let results = send(&state, &client, batch).await;
        let failed = results.iter().any(|(_, _, r)| r.is_err());
        let recorded = state.blocking(move |reg, now| Ok(reg.record_push(agency, &results, now)?)).await;
        if let Err(e) = recorded {
            eprintln!("the webhook dispatcher could not record agency {agency}'s deliveries: {}", e.code);
            return;
        }
        if failed {
            return;
        }
    }
}

/// Sends a batch in order, stopping at the first failure.
async fn send(state: &AppState, client: &reqwest::Client, batch: PushBatch) -> Vec<(u64, bool, PushResult)> {
    let mut results = Vec::with_capacity(batch.items.len());
    let Ok(signer) = Webhook::from_bytes(batch.secret.clone()) else { return results };
    for pushed in batch.items {
        let id = pushed.item.id;
        let change = pushed.item.change.to_string();
        let now = state.now();
        let body = json!({ "type": change, "timestamp": now.to_string(), "data": FeedItemView::from(pushed.item) });
        let body = body.to_string();
        let msg_id = id.to_string();
        let outcome = match signer.sign(&msg_id, now.as_second(), body.as_bytes()) {
            Err(e) => Err(format!("signing failed: {e}")),
            Ok(signature) => {
                let sent = client
                    .post(&batch.url)
                    .header("webhook-id", &msg_id)
                    .header("webhook-timestamp", now.as_second().to_string())
                    .header("webhook-signature", signature)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status().is_success() => Ok(()),
                    Ok(r) => Err(format!("HTTP {}", r.status().as_u16())),
                    Err(e) if e.is_timeout() => Err("timed out".to_owned()),
                    Err(e) if e.is_connect() => Err("could not connect".to_owned()),
                    Err(_) => Err("the request failed".to_owned()),
                }
            }
        };
        let label = if outcome.is_ok() { "delivered" } else { "failed" };
        metrics::counter!("reestr_webhook_attempts_total", "agency" => batch.name.clone(), "outcome" => label)
            .increment(1);
        let failed = outcome.is_err();
        results.push((id, pushed.replay, outcome));
        if failed {
            break;
        }
    }
    results
}

/// How often the dispatcher looks for work by default.
pub const DISPATCH_INTERVAL: Duration = Duration::from_secs(1);
/// How long a webhook has to answer by default.
pub const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);
