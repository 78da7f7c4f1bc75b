//! `reestr serve`: the register over HTTP.

use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use jiff::Timestamp;
use reestr_docs::Extracts;
use reestr_server::{AppState, Clock, FixedClock, LedgerState, Settings, SmtpSettings, SystemClock};
use reestr_store::Register;

use crate::ledger::KeyArgs;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address to listen on.
    #[arg(long, env = "REESTR_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Mark cookies Secure: set this when the register is reached over HTTPS.
    #[arg(long)]
    pub secure_cookies: bool,
    /// Do not run the legal clock in this process (when another process runs it).
    #[arg(long)]
    pub no_clock: bool,
    /// Do not push measures to agencies' webhooks, nor send notices by e-mail, from this process
    /// (when another process does).
    #[arg(long)]
    pub no_dispatcher: bool,
    /// Send notices by e-mail through this SMTP server: `smtp://host:port?tls=required`
    /// (STARTTLS), `smtps://host:port` (TLS), or `smtp://host:port` (plain: a relay on the same
    /// host only). Without it notices go to the personal account's inbox only.
    #[arg(long, env = "REESTR_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// The sender of notices' e-mail.
    #[arg(long, env = "REESTR_SMTP_FROM", default_value = "Реестр воинского учёта <notices@reestr.invalid>")]
    pub smtp_from: String,
    /// The SMTP login (the password comes from REESTR_SMTP_PASSWORD; neither is ever logged).
    #[arg(long, env = "REESTR_SMTP_USER")]
    pub smtp_user: Option<String>,
}

/// Serves until interrupted. With `--at`, the service's clock stands still at that instant.
pub fn run(
    register: Register,
    args: &ServeArgs,
    keys: &KeyArgs,
    db: &str,
    at: Option<Timestamp>,
) -> anyhow::Result<()> {
    let ledger = LedgerState {
        keys: keys.ring(db)?,
        extracts: Extracts::new(register.store().clone(), register.codec().clone(), &keys.public_url),
    };
    let clock: Arc<dyn Clock> = match at {
        Some(t) => Arc::new(FixedClock::new(t)),
        None => Arc::new(SystemClock),
    };
    let smtp = args.smtp_url.clone().map(|url| SmtpSettings {
        url,
        from: args.smtp_from.clone(),
        credentials: args.smtp_user.clone().map(|u| (u, std::env::var("REESTR_SMTP_PASSWORD").unwrap_or_default())),
        public_url: Some(keys.public_url.trim_end_matches('/').to_owned()),
        timeout: std::time::Duration::from_secs(30),
    });
    if let Some(s) = &smtp {
        // Fails early on a URL lettre cannot use, rather than in the background.
        reestr_server::check_smtp(s).map_err(anyhow::Error::msg)?;
    }
    let settings = Settings {
        secure_cookies: args.secure_cookies,
        run_clock: !args.no_clock,
        run_dispatcher: !args.no_dispatcher,
        smtp,
        ..Settings::default()
    };
    let state = AppState::new(register, ledger, clock, settings);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .with_context(|| format!("listening on {}", args.listen))?;
        let addr = listener.local_addr()?;
        eprintln!("reestr: serving on http://{addr} (API under /api/v1, document at /api/openapi.json); Ctrl-C stops");
        reestr_server::serve(listener, state).await?;
        Ok(())
    })
}
