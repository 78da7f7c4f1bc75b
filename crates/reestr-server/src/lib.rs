//! The register as a service: the JSON API under `/api/v1` with its OpenAPI document at
//! `/api/openapi.json`, health, readiness and Prometheus metrics, and the legal clock's task.
//!
//! Handlers are thin: each takes the caller, calls one use case of the [`Register`] (which checks
//! access inside its transaction) on a blocking thread, and shapes the answer.

mod api;
mod campaigns;
mod clock;
mod dispatch;
pub mod error;
mod extract;
mod log;
mod mail;
mod notice_page;
mod ops;
mod web;

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{Router, extract::DefaultBodyLimit, http::HeaderValue};
use jiff::Timestamp;
use reestr_store::Register;
use tower_http::{set_header::SetResponseHeaderLayer, timeout::TimeoutLayer};

use crate::error::ApiError;
pub use crate::{
    api::openapi,
    campaigns::resume_campaigns,
    clock::clock_task,
    dispatch::dispatch_task,
    extract::{DEVICE_COOKIE, PURPOSE_HEADER, SESSION_COOKIE},
    mail::{SmtpSettings, check_smtp, mail_task},
};

/// Where the service takes "now" from: the system clock in production, a settable one in tests
/// and simulations. Nothing else in the service reads the time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> Timestamp;
}

/// The system clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        #[allow(clippy::disallowed_methods)]
        Timestamp::now()
    }
}

/// A clock that says what it is told.
#[derive(Debug)]
pub struct FixedClock(Mutex<Timestamp>);

impl FixedClock {
    pub fn new(at: Timestamp) -> FixedClock {
        FixedClock(Mutex::new(at))
    }

    pub fn set(&self, at: Timestamp) {
        if let Ok(mut t) = self.0.lock() {
            *t = at;
        }
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.0.lock().map(|t| *t).unwrap_or(Timestamp::UNIX_EPOCH)
    }
}

/// How the service behaves.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// Run the legal clock in the background.
    pub run_clock: bool,
    /// The longest a request may take, its body included; and the longest a client may take to
    /// send a request's headers.
    pub request_timeout: Duration,
    /// Push measures to agencies' webhooks in the background.
    pub run_dispatcher: bool,
    /// How often the dispatcher looks for deliveries due.
    pub dispatch_interval: Duration,
    /// How long a webhook has to answer before the attempt counts as failed.
    pub webhook_timeout: Duration,
    /// Send notices by e-mail through this server (none: the inbox only).
    pub smtp: Option<SmtpSettings>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            secure_cookies: false,
            run_clock: true,
            request_timeout: Duration::from_secs(30),
            run_dispatcher: true,
            dispatch_interval: dispatch::DISPATCH_INTERVAL,
            webhook_timeout: dispatch::WEBHOOK_TIMEOUT,
            smtp: None,
        }
    }
}

/// The tamper-evident log's signing keys and the extracts made over it.
#[derive(Debug)]
pub struct LedgerState {
    pub keys: reestr_ledger::keys::KeyRing,
    pub extracts: reestr_docs::Extracts,
}

/// What every handler shares.
#[derive(Clone, Debug)]
pub struct AppState {
    register: Register,
    ledger: Arc<LedgerState>,
    clock: Arc<dyn Clock>,
    settings: Arc<Settings>,
    metrics: ops::Metrics,
}

impl AppState {
    pub fn new(register: Register, ledger: LedgerState, clock: Arc<dyn Clock>, settings: Settings) -> AppState {
        AppState {
            register,
            ledger: Arc::new(ledger),
            clock,
            settings: Arc::new(settings),
            metrics: ops::Metrics::get(),
        }
    }

    pub fn ledger(&self) -> &Arc<LedgerState> {
        &self.ledger
    }

    pub fn register(&self) -> &Register {
        &self.register
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Runs a use case on a blocking thread (the store's calls block), with `now`.
    pub(crate) async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Register, Timestamp) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let register = self.register.clone();
        let now = self.now();
        tokio::task::spawn_blocking(move || f(&register, now)).await.map_err(|_| {
            ApiError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "internal", "the request failed")
        })?
    }
}

/// The longest request body the API accepts.
const BODY_LIMIT: usize = 256 * 1024;

/// The whole service as a router.
pub fn app(state: AppState) -> Router {
    let (api, doc) = api::router().split_for_parts();
    let doc = Arc::new(doc);
    Router::new()
        .merge(api)
        .route("/api/openapi.json", axum::routing::get(move || async move { axum::Json((*doc).clone()) }))
        .merge(ops::router())
        .merge(log::router())
        .merge(notice_page::router())
        .merge(web::router(&state))
        .fallback(|| async { ApiError::new(axum::http::StatusCode::NOT_FOUND, "not_found", "no such endpoint") })
        .layer(axum::middleware::from_fn_with_state(state.clone(), ops::track))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, state.settings.request_timeout))
        .layer(SetResponseHeaderLayer::overriding(
            axum::http::header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            axum::http::header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .with_state(state)
}

/// Serves until interrupted, with the legal clock running in the background if so set.
///
/// Each connection must send a request's headers within the request timeout (a client that
/// trickles them, "slowloris", is cut off), and each request must complete within it.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    use hyper_util::{
        rt::{TokioExecutor, TokioIo, TokioTimer},
        server::{conn::auto::Builder, graceful::GracefulShutdown},
        service::TowerToHyperService,
    };
    use tower::ServiceExt;

    if state.settings.run_clock {
        tokio::spawn(clock_task(state.clone()));
    }
    if state.settings.run_dispatcher {
        tokio::spawn(dispatch_task(state.clone()));
        tokio::spawn(mail_task(state.clone()));
    }
    tokio::spawn(log::checkpoint_task(state.clone()));
    tokio::spawn(resume_campaigns(state.clone()));
    let timeout = state.settings.request_timeout;
    let app = app(state);
    let graceful = GracefulShutdown::new();
    let mut interrupted = std::pin::pin!(tokio::signal::ctrl_c());
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                // A failed accept (e.g. too many open files) must not stop the service.
                Err(_) => { tokio::time::sleep(Duration::from_millis(50)).await; continue; }
            },
            _ = &mut interrupted => break,
        };
        let service = app.clone().map_request(move |req: hyper::Request<hyper::body::Incoming>| {
            let mut req = req.map(axum::body::Body::new);
            req.extensions_mut().insert(axum::extract::ConnectInfo(peer));
            req
        });
        let mut builder = Builder::new(TokioExecutor::new());
        builder.http1().timer(TokioTimer::new()).header_read_timeout(timeout);
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(service))
            .into_owned();
        let watched = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = watched.await;
        });
    }
    // Finish the requests under way, for a while.
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(timeout) => {}
    }
    Ok(())
}
