//! Health, readiness and Prometheus metrics: requests, latencies, the legal clock's lag, and the
//! register's counts.

use std::{sync::OnceLock, time::Instant};

use axum::{
    Json, Router,
    extract::{MatchedPath, Request, State},
    http::{StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use serde_json::json;

use crate::AppState;

/// The process's metrics registry (one per process: the recorder is global).
#[derive(Clone, Debug)]
pub struct Metrics(PrometheusHandle);

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

impl Metrics {
    pub fn get() -> Metrics {
        Metrics(
            HANDLE
                .get_or_init(|| {
                    let recorder = PrometheusBuilder::new()
                        .set_buckets_for_metric(
                            Matcher::Full("http_request_duration_seconds".into()),
                            &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0],
                        )
                        .map(|b| b.build_recorder())
                        .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
                    let handle = recorder.handle();
                    let _ = metrics::set_global_recorder(recorder);
                    handle
                })
                .clone(),
        )
    }
}

/// Counts every request and times it, by method, route template and status.
pub async fn track(State(_): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().to_string();
    let route = req.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels[..2]).record(start.elapsed().as_secs_f64());
    response
}

pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz)).route("/metrics", get(metrics_text))
}

/// The process is up.
async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// The database answers and the keys open what it holds.
async fn readyz(State(state): State<AppState>) -> Response {
    match state.blocking(|reg, _| reg.stats().map_err(Into::into)).await {
        Ok(_) => Json(json!({ "status": "ready" })).into_response(),
        Err(e) => {
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "not_ready", "error": e.code }))).into_response()
        }
    }
}

async fn metrics_text(State(state): State<AppState>) -> Response {
    let figures = state
        .blocking(|reg, now| {
            let stats = reg.stats()?;
            let lag = reg.next_due()?.map_or(0.0, |due| now.duration_since(due).as_secs_f64().max(0.0));
            Ok((stats, lag, reg.agencies_with_stats(now)?, reg.mail_stats()?))
        })
        .await;
    if let Ok((stats, lag, agencies, mail)) = figures {
        for (state, n) in
            [("pending", mail.pending), ("retrying", mail.retrying), ("sent", mail.sent), ("failed", mail.dead)]
        {
            metrics::gauge!("reestr_notice_mail", "state" => state).set(n as f64);
        }
        for a in agencies {
            let name = a.name.clone();
            metrics::gauge!("reestr_unconfirmed_deliveries", "agency" => name.clone()).set(a.stats.unconfirmed as f64);
            metrics::gauge!("reestr_delivery_breaches", "agency" => name.clone()).set(a.stats.overdue as f64);
            metrics::gauge!("reestr_pending_deliveries", "agency" => name.clone()).set(a.stats.pending as f64);
            metrics::gauge!("reestr_dead_letters", "agency" => name.clone()).set(a.stats.dead_letters as f64);
            metrics::gauge!("reestr_webhook_consecutive_failures", "agency" => name).set(f64::from(a.push.failures));
        }
        metrics::gauge!("reestr_clock_lag_seconds").set(lag);
        metrics::gauge!("reestr_persons").set(stats.persons as f64);
        metrics::gauge!("reestr_measures_in_force").set(stats.measures_in_force as f64);
        metrics::gauge!("reestr_log_events").set(stats.last_event as f64);
        for (status, n) in stats.summonses {
            metrics::gauge!("reestr_summonses", "status" => status.as_str()).set(n as f64);
        }
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.0.render()).into_response()
}
