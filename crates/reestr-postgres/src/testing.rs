//! For tests of this crate and of the crates above it: REESTR_TEST_POSTGRES names the server, and
//! each test works in a schema of its own, dropped when the test ends.

use std::sync::atomic::{AtomicU32, Ordering};

use crate::{PgOptions, PgStore};

/// The server under test, or None (with a note) when REESTR_TEST_POSTGRES is not set. When it is
/// set, the tests run, and fail if the server cannot be reached.
pub fn url() -> Option<String> {
    match std::env::var("REESTR_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!("note: REESTR_TEST_POSTGRES is not set, so the PostgreSQL tests do not run");
            None
        }
    }
}

static NEXT: AtomicU32 = AtomicU32::new(0);

/// A schema name no other test, or test run, uses at the same time.
pub fn unique_name(prefix: &str) -> String {
    format!("{prefix}_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A schema of its own, dropped (with everything in it) when the test ends.
#[derive(Debug)]
pub struct Schema {
    pub url: String,
    pub name: String,
}

impl Schema {
    pub fn new(url: &str) -> Schema {
        Schema { url: url.to_owned(), name: unique_name("reestr_test") }
    }

    pub fn options(&self) -> PgOptions {
        PgOptions::new(&self.url).schema(Some(&self.name))
    }

    /// The register in this schema (migrated on first opening); every call is a new handle, as a
    /// new process would have.
    pub fn open(&self) -> PgStore {
        PgStore::open_with(&self.options())
            .unwrap_or_else(|e| panic!("REESTR_TEST_POSTGRES is set, but the database cannot be used: {e}"))
    }

    /// A plain connection with this schema on its search path.
    pub fn client(&self) -> postgres::Client {
        let mut c = postgres::Client::connect(&self.url, postgres::NoTls).unwrap_or_else(|e| panic!("{e}"));
        c.batch_execute(&format!("SET search_path = {}", self.name)).unwrap_or_else(|e| panic!("{e}"));
        c
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.url, postgres::NoTls) {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
        }
    }
}
