//! A small, bounded pool of connections to one server, each with its prepared statements.

use std::{
    collections::HashMap,
    ops::{Deref, DerefMut},
    sync::{Condvar, Mutex},
    time::Duration,
};

use postgres::{Client, Config, NoTls, Statement};
use reestr_store::{Result, StoreError};

use crate::sql::backend;

/// How long a caller waits for a free connection before the store reports itself busy.
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(60);

/// One connection and the statements prepared on it.
pub(crate) struct Conn {
    pub(crate) client: Client,
    statements: HashMap<&'static str, Statement>,
    /// Set when the connection can no longer be trusted (an error left it mid-transaction).
    pub(crate) broken: bool,
}

impl Conn {
    /// A statement prepared once per connection: later uses skip the parse and describe round
    /// trip.
    pub(crate) fn statement(&mut self, sql: &'static str) -> Result<Statement> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.prepare(sql).map_err(backend)?;
        self.statements.insert(sql, s.clone());
        Ok(s)
    }
}

/// Connections to one server: at most `max` at once, idle ones kept for reuse.
pub(crate) struct Pool {
    config: Config,
    max: usize,
    state: Mutex<State>,
    freed: Condvar,
}

struct State {
    idle: Vec<Conn>,
    open: usize,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The configuration may hold a password: show only where it points.
        f.debug_struct("Pool").field("hosts", &self.config.get_hosts().len()).field("max", &self.max).finish()
    }
}

impl Pool {
    pub(crate) fn new(config: Config, max: usize) -> Pool {
        Pool { config, max: max.max(1), state: Mutex::new(State { idle: Vec::new(), open: 0 }), freed: Condvar::new() }
    }

    pub(crate) fn connect(&self) -> Result<Conn> {
        let client = self.config.connect(NoTls).map_err(|e| match e.as_db_error() {
            Some(_) => backend(e),
            None => StoreError::Backend(format!("connecting to PostgreSQL: {e}")),
        })?;
        Ok(Conn { client, statements: HashMap::new(), broken: false })
    }

    /// A connection: an idle one, a new one if fewer than `max` are open, else the next one
    /// given back.
    pub(crate) fn get(&self) -> Result<Pooled<'_>> {
        fn poisoned<T>(_: T) -> StoreError {
            StoreError::Backend("connection pool poisoned".into())
        }
        let mut state = self.state.lock().map_err(poisoned)?;
        loop {
            if let Some(conn) = state.idle.pop() {
                return Ok(Pooled { pool: self, conn: Some(conn) });
            }
            if state.open < self.max {
                state.open += 1;
                drop(state);
                return match self.connect() {
                    Ok(conn) => Ok(Pooled { pool: self, conn: Some(conn) }),
                    Err(e) => {
                        self.release(None);
                        Err(e)
                    }
                };
            }
            let (s, timeout) = self.freed.wait_timeout(state, CHECKOUT_TIMEOUT).map_err(poisoned)?;
            state = s;
            if timeout.timed_out() && state.idle.is_empty() && state.open >= self.max {
                return Err(StoreError::Busy);
            }
        }
    }

    fn release(&self, conn: Option<Conn>) {
        if let Ok(mut state) = self.state.lock() {
            match conn {
                Some(c) if !c.broken && !c.client.is_closed() => state.idle.push(c),
                _ => state.open -= 1,
            }
        }
        self.freed.notify_one();
    }
}

impl Drop for Pool {
    /// Closes the idle connections on a thread of their own: the client closes a connection by
    /// blocking on a runtime of its own, which would panic on an async runtime's worker thread,
    /// where a server may drop the last handle on the store.
    fn drop(&mut self) {
        let idle = self.state.get_mut().map(|s| std::mem::take(&mut s.idle)).unwrap_or_default();
        if !idle.is_empty() {
            let _ = std::thread::Builder::new().name("reestr-pg-close".into()).spawn(move || drop(idle));
        }
    }
}

/// A connection on loan from a [`Pool`]; it goes back when dropped (or is closed, if broken).
pub(crate) struct Pooled<'p> {
    pool: &'p Pool,
    conn: Option<Conn>,
}

impl Deref for Pooled<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        self.conn.as_ref().unwrap_or_else(|| unreachable!("a pooled connection is present until dropped"))
    }
}

impl DerefMut for Pooled<'_> {
    fn deref_mut(&mut self) -> &mut Conn {
        self.conn.as_mut().unwrap_or_else(|| unreachable!("a pooled connection is present until dropped"))
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        self.pool.release(self.conn.take());
    }
}
