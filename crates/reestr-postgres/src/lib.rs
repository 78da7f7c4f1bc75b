//! The national-scale store: the register on PostgreSQL.
//!
//! **Writers** take the one row of `log_head` with `SELECT ... FOR UPDATE` as their first
//! statement, and set it to the last sequence number they gave out just before they commit. So
//! writing transactions run one at a time, like SQLite's `BEGIN IMMEDIATE`, and the event log is
//! gap-free and in commit order: a sequence would hand out numbers in the order transactions
//! *asked*, and a reader could see event 8 committed before event 7, and skip 7 for ever. The cost
//! is that the primary applies one writing transaction at a time; the register's heavy writes
//! (imports, the clock, campaigns) are few, large transactions, and their rows go in bulk (COPY),
//! so what one transaction holds the lock for is short per row. docs/DEPLOYMENT.md has the
//! figures. Serialised writers also make the legal clock safe to run twice: a second clock reads
//! what is due only after the first has committed, so it never applies a step again.
//!
//! Inside a writing transaction, events, started measures and summons updates are buffered and
//! sent in bulk (COPY, or one `UPDATE ... FROM unnest(...)`) before anything reads those tables
//! and at commit; new persons in bulk go through COPY into a temporary table and one
//! `INSERT ... SELECT`.
//!
//! **Readers** run in `REPEATABLE READ READ ONLY` transactions: one consistent snapshot each.
//! With a replica configured they go to the replica, except after this store wrote something the
//! replica has not replayed yet (its replay position is compared with the primary's WAL position
//! after the write): then to the primary, so a process always reads its own writes.

mod agencies;
pub mod backup;
mod campaigns;
mod image;
mod notices;
mod persons;
mod pool;
mod sql;
pub mod testing;
mod tx;

use std::sync::{
    Mutex,
    atomic::{AtomicU64, Ordering},
};

use postgres::Config;
use reestr_core::region::Directory;
use reestr_store::{ReadTx, Result, Store, StoreError, WriteTx};

use crate::{
    pool::{Conn, Pool},
    sql::backend,
    tx::PgTx,
};

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// How long a writer waits for the log's lock (another writer's transaction) before giving up
/// with [`StoreError::Busy`]; the same as the SQLite store's busy timeout.
const LOCK_TIMEOUT: &str = "60s";

/// How to reach the register's database.
#[derive(Clone)]
pub struct PgOptions {
    /// The primary: `postgres://USER@HOST:PORT/DATABASE` (or `postgresql://`, or a key=value
    /// connection string).
    pub url: String,
    /// A streaming replica that serves reads.
    pub replica_url: Option<String>,
    /// The schema to keep the register in (created if missing); default: the server's search
    /// path (normally `public`).
    pub schema: Option<String>,
    /// Connections to each server, at most.
    pub max_connections: usize,
}

impl std::fmt::Debug for PgOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // URLs may carry passwords.
        f.debug_struct("PgOptions")
            .field("replica", &self.replica_url.is_some())
            .field("schema", &self.schema)
            .field("max_connections", &self.max_connections)
            .finish_non_exhaustive()
    }
}

impl PgOptions {
    pub fn new(url: &str) -> PgOptions {
        PgOptions { url: url.to_owned(), replica_url: None, schema: None, max_connections: 8 }
    }

    pub fn replica(mut self, url: Option<&str>) -> PgOptions {
        self.replica_url = url.map(str::to_owned);
        self
    }

    pub fn schema(mut self, schema: Option<&str>) -> PgOptions {
        self.schema = schema.map(str::to_owned);
        self
    }

    fn config(&self, url: &str) -> Result<Config> {
        let mut config: Config =
            url.parse().map_err(|e| StoreError::Backend(format!("the PostgreSQL URL does not parse: {e}")))?;
        let mut options = config.get_options().unwrap_or_default().to_owned();
        options.push_str(&format!(" -c lock_timeout={LOCK_TIMEOUT}"));
        if let Some(schema) = &self.schema {
            check_identifier(schema)?;
            options.push_str(&format!(" -c search_path={schema}"));
        }
        config.options(options.trim());
        if config.get_application_name().is_none() {
            config.application_name("reestr");
        }
        Ok(config)
    }
}

/// A schema name goes into SQL text, so it must be a plain identifier.
fn check_identifier(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    if ok { Ok(()) } else { Err(StoreError::Backend(format!("{name:?} is not a plain schema name"))) }
}

/// Whether a URL names a PostgreSQL database.
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// How many reads each server served, for tests and metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadRouting {
    pub primary: u64,
    pub replica: u64,
}

/// The PostgreSQL store.
#[derive(Debug)]
pub struct PgStore {
    primary: Pool,
    replica: Option<Pool>,
    /// The primary's WAL position after this store's last write (0: none yet).
    written_lsn: AtomicU64,
    primary_reads: AtomicU64,
    replica_reads: AtomicU64,
    /// Serialises this process's writers before they queue on the database's lock, so that a
    /// pool's connections are not all held by writers waiting for one another.
    writer: Mutex<()>,
}

impl PgStore {
    /// Opens the register at `url`, migrating it first.
    pub fn open(url: &str) -> Result<PgStore> {
        PgStore::open_with(&PgOptions::new(url))
    }

    /// Opens the register, creating its schema if need be, running the migrations this build
    /// has (one process at a time: an advisory lock keyed by the schema), and filling in the
    /// rollout state of regions the database does not know yet.
    pub fn open_with(options: &PgOptions) -> Result<PgStore> {
        let primary = Pool::new(options.config(&options.url)?, options.max_connections);
        let replica = match &options.replica_url {
            Some(url) => Some(Pool::new(options.config(url)?, options.max_connections)),
            None => None,
        };
        let mut conn = primary.connect()?;
        if let Some(schema) = &options.schema {
            conn.client.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}")).map_err(backend)?;
        }
        migrate(&mut conn)?;
        seed_rollout(&mut conn)?;
        Ok(PgStore {
            primary,
            replica,
            written_lsn: AtomicU64::new(0),
            primary_reads: AtomicU64::new(0),
            replica_reads: AtomicU64::new(0),
            writer: Mutex::new(()),
        })
    }

    /// The migration versions this build applies, for the pairing test with other backends.
    pub fn migration_versions() -> Vec<i64> {
        embedded::migrations::runner().get_migrations().iter().map(|m| i64::from(m.version())).collect()
    }

    /// How many reads went to each server so far.
    pub fn read_routing(&self) -> ReadRouting {
        ReadRouting {
            primary: self.primary_reads.load(Ordering::Relaxed),
            replica: self.replica_reads.load(Ordering::Relaxed),
        }
    }

    /// Whether a read may go to the replica: one is configured, and it has replayed this store's
    /// last write (a server that is not a standby reports no replay position: never trusted).
    fn replica_has_our_writes(&self, conn: &mut Conn) -> Result<bool> {
        let written = self.written_lsn.load(Ordering::Acquire);
        if written == 0 {
            return Ok(true);
        }
        let row = conn.client.query_one("SELECT pg_last_wal_replay_lsn()::text", &[]).map_err(backend)?;
        Ok(row.get::<_, Option<&str>>(0).and_then(parse_lsn).is_some_and(|replayed| replayed >= written))
    }

    fn note_write(&self, conn: &mut Conn) -> Result<()> {
        if self.replica.is_some() {
            let row = conn.client.query_one("SELECT pg_current_wal_lsn()::text", &[]).map_err(backend)?;
            if let Some(lsn) = row.get::<_, Option<&str>>(0).and_then(parse_lsn) {
                self.written_lsn.fetch_max(lsn, Ordering::AcqRel);
            }
        }
        Ok(())
    }

    fn read_on(&self, conn: &mut Conn, f: &mut dyn FnMut(&mut dyn ReadTx) -> Result<()>) -> Result<()> {
        conn.client.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").map_err(backend)?;
        let result = f(&mut PgTx::read(conn));
        if let Err(e) = conn.client.batch_execute("COMMIT") {
            conn.broken = true;
            return result.and(Err(backend(e)));
        }
        result
    }
}

/// `X/Y` (two hexadecimal halves) as one number.
fn parse_lsn(s: &str) -> Option<u64> {
    let (hi, lo) = s.split_once('/')?;
    Some((u64::from_str_radix(hi, 16).ok()? << 32) | u64::from_str_radix(lo, 16).ok()?)
}

fn migrate(conn: &mut Conn) -> Result<()> {
    let lock = "SELECT pg_advisory_lock(hashtext('reestr-migrate:' || current_schema()))";
    conn.client.batch_execute(lock).map_err(backend)?;
    let result = embedded::migrations::runner()
        .run(&mut conn.client)
        .map_err(|e| StoreError::Backend(format!("migrating the PostgreSQL database: {e}")));
    conn.client
        .batch_execute("SELECT pg_advisory_unlock(hashtext('reestr-migrate:' || current_schema()))")
        .map_err(backend)?;
    result.map(|_| ())
}

fn seed_rollout(conn: &mut Conn) -> Result<()> {
    let (regions, states): (Vec<i64>, Vec<&str>) =
        Directory::builtin().regions().map(|r| (i64::from(r.code.get()), r.initial_rollout().as_str())).unzip();
    conn.client
        .execute(
            "INSERT INTO rollout (region, state) SELECT * FROM unnest($1::bigint[], $2::text[])
             ON CONFLICT (region) DO NOTHING",
            &[&regions, &states],
        )
        .map_err(backend)?;
    Ok(())
}

impl Store for PgStore {
    fn write(&self, f: &mut dyn FnMut(&mut dyn WriteTx) -> Result<()>) -> Result<()> {
        let _one = self.writer.lock().map_err(|_| StoreError::Backend("writer lock poisoned".into()))?;
        let mut conn = self.primary.get()?;
        let rows = conn.client.simple_query("BEGIN; SELECT seq FROM log_head FOR UPDATE").map_err(|e| {
            let _ = conn.client.batch_execute("ROLLBACK");
            backend(e)
        })?;
        let head = rows
            .iter()
            .find_map(|m| match m {
                postgres::SimpleQueryMessage::Row(r) => r.get(0).and_then(|s| s.parse::<i64>().ok()),
                _ => None,
            })
            .ok_or_else(|| StoreError::Corrupt("log_head has no row".into()));
        let head = match head {
            Ok(h) => h,
            Err(e) => {
                let _ = conn.client.batch_execute("ROLLBACK");
                return Err(e);
            }
        };
        let mut tx = PgTx::write(&mut conn, head);
        let result = f(&mut tx).and_then(|()| tx.finish());
        let commit = match result {
            Ok(last) => {
                let sql = match last {
                    Some(seq) if seq != head => format!("UPDATE log_head SET seq = {seq}; COMMIT"),
                    _ => "COMMIT".to_owned(),
                };
                conn.client.batch_execute(&sql).map_err(backend)
            }
            Err(e) => Err(e),
        };
        match commit {
            Ok(()) => self.note_write(&mut conn),
            Err(e) => {
                if conn.client.batch_execute("ROLLBACK").is_err() {
                    conn.broken = true;
                }
                Err(e)
            }
        }
    }

    fn read(&self, f: &mut dyn FnMut(&mut dyn ReadTx) -> Result<()>) -> Result<()> {
        if let Some(replica) = &self.replica {
            let mut conn = replica.get()?;
            if self.replica_has_our_writes(&mut conn)? {
                self.replica_reads.fetch_add(1, Ordering::Relaxed);
                return self.read_on(&mut conn, f);
            }
        }
        self.primary_reads.fetch_add(1, Ordering::Relaxed);
        let mut conn = self.primary.get()?;
        self.read_on(&mut conn, f)
    }

    /// `ANALYZE` of the persons and their history: a sample, so it costs about the same at any
    /// size. Without it the planner knows nothing of a freshly imported region until autovacuum
    /// comes by (never, where it is off), and walks a whole region for each page of a cohort.
    fn refresh_statistics(&self) -> Result<()> {
        let mut conn = self.primary.get()?;
        conn.client.batch_execute("ANALYZE persons, person_history").map_err(backend)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lsns_compare_as_numbers() {
        assert_eq!(parse_lsn("0/16B3748"), Some(0x16B3748));
        assert!(parse_lsn("1/0").unwrap() > parse_lsn("0/FFFFFFFF").unwrap());
        assert_eq!(parse_lsn("garbage"), None);
    }

    #[test]
    fn schema_names_are_plain_identifiers() {
        assert!(check_identifier("reestr_test_1").is_ok());
        for bad in ["", "1abc", "a;drop", "A", "a b"] {
            assert!(check_identifier(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn urls_name_the_backend() {
        assert!(is_postgres_url("postgres://postgres@127.0.0.1/test"));
        assert!(is_postgres_url("postgresql://h/d"));
        assert!(!is_postgres_url("sqlite://reestr.db"));
    }
}
