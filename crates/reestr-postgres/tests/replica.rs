//! Reads go to the replica, writes and reads of one's own writes to the primary: against a
//! second database standing in for a replica (always, with REESTR_TEST_POSTGRES), and against a
//! real streaming replica when REESTR_TEST_POSTGRES_REPLICA names one (`.ci/postgres` makes it).
#![allow(clippy::unwrap_used)]

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use jiff::Timestamp;
use reestr_core::{access::Principal, region::Rollout};
use reestr_postgres::testing::{self, Schema};
use reestr_postgres::{PgStore, ReadRouting};
use reestr_store::{Codec, Keyring, Register, Store};

fn register(store: Arc<dyn Store>) -> Register {
    Register::new(store, Codec::new(Arc::new(Keyring::generate())))
}

fn op() -> Principal {
    Principal::operator("test")
}

fn at() -> Timestamp {
    "2025-05-09T10:00:00Z".parse().unwrap()
}

/// A database of its own on the test server, dropped at the end.
struct Database {
    admin: String,
    name: String,
}

impl Database {
    fn new(url: &str) -> Database {
        let name = testing::unique_name("reestr_fake_replica");
        let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
        c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        Database { admin: url.to_owned(), name }
    }

    /// The test server's URL with this database instead.
    fn url(&self) -> String {
        let (base, _) = self.admin.rsplit_once('/').unwrap();
        format!("{base}/{}", self.name)
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}

#[test]
fn reads_go_to_the_replica_until_this_process_writes_what_it_lacks() {
    let Some(url) = testing::url() else { return };
    // The stand-in replica: another database, whose register differs in one region's state.
    let other = Database::new(&url);
    let primary = Schema::new(&url);
    let stand_in = primary.options();
    let stand_in = reestr_postgres::PgOptions { url: other.url(), ..stand_in };
    let moscow: reestr_core::region::RegionCode = "77".parse().unwrap();
    register(Arc::new(PgStore::open_with(&stand_in).unwrap())).set_rollout(&op(), moscow, Rollout::Live, at()).unwrap();

    let store = Arc::new(PgStore::open_with(&primary.options().replica(Some(&other.url()))).unwrap());
    let reg = register(store.clone());
    assert_eq!(reg.rollout().unwrap()[&moscow], Rollout::Live, "read from the replica");
    assert_eq!(store.read_routing(), ReadRouting { primary: 0, replica: 1 });

    // A write goes to the primary; the stand-in is no standby and can never prove it has
    // replayed it, so from now on this store reads from the primary.
    let adygea: reestr_core::region::RegionCode = "01".parse().unwrap();
    reg.set_rollout(&op(), adygea, Rollout::Pilot, at()).unwrap();
    let rollout = reg.rollout().unwrap();
    assert_eq!((rollout[&adygea], rollout[&moscow]), (Rollout::Pilot, Rollout::Off), "read from the primary");
    assert_eq!(store.read_routing(), ReadRouting { primary: 1, replica: 1 });
    drop(reg);
    drop(store);
}

#[test]
fn a_streaming_replica_serves_reads_and_never_hides_a_write() {
    let Some(url) = testing::url() else { return };
    let Ok(replica) = std::env::var("REESTR_TEST_POSTGRES_REPLICA") else {
        eprintln!("note: REESTR_TEST_POSTGRES_REPLICA is not set, so no streaming replica is tested");
        return;
    };
    let schema = Schema::new(&url);
    let store = Arc::new(
        PgStore::open_with(&schema.options().replica(Some(&replica)))
            .unwrap_or_else(|e| panic!("REESTR_TEST_POSTGRES_REPLICA is set, but cannot be used: {e}")),
    );
    let reg = register(store.clone());
    let deadline = Instant::now() + Duration::from_secs(30);
    // Each write is read back at once: from the primary while the replica lags, from the
    // replica once it has replayed the write. Both must show it.
    for (i, code) in ["01", "02", "03", "04", "05"].into_iter().enumerate() {
        let region: reestr_core::region::RegionCode = code.parse().unwrap();
        reg.set_rollout(&op(), region, Rollout::Live, at()).unwrap();
        assert_eq!(reg.rollout().unwrap()[&region], Rollout::Live, "write {i} not visible");
        assert_eq!(reg.stats().unwrap().last_event, i as u64 + 1);
    }
    // The replica catches up and then serves the reads, with everything in them. (A read during
    // the writes may already have gone to the replica, so only a read after the last write counts.)
    let events = loop {
        let before = store.read_routing().replica;
        let events = reg.events(0, 10).unwrap();
        if store.read_routing().replica > before {
            break events;
        }
        assert!(Instant::now() < deadline, "the replica never served a read: {:?}", store.read_routing());
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(events.len(), 5, "a caught-up replica serves every write");
    let before = store.read_routing().replica;
    assert_eq!(reg.stats().unwrap().last_event, 5);
    assert_eq!(store.read_routing().replica, before + 1, "a caught-up replica goes on serving reads");
    // A process that never wrote reads from the replica from the start.
    let reader = Arc::new(PgStore::open_with(&schema.options().replica(Some(&replica))).unwrap());
    assert_eq!(register(reader.clone()).events(0, 10).unwrap().len(), 5);
    assert_eq!(reader.read_routing(), ReadRouting { primary: 0, replica: 1 });
}
