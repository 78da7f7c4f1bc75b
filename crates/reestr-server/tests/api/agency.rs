//! Agencies over HTTP: the feed, confirmations and the check at a post; webhooks to a receiver on
//! loopback that is down, answers 500, is slow, or sees the register restarted in the middle of a
//! delivery; afterwards every item has arrived, none lost, duplicates only with the same id.
//! Each runs on SQLite, and on PostgreSQL when REESTR_TEST_POSTGRES names a server.

use std::{
    collections::BTreeMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU8, Ordering},
    },
    time::Duration,
};

use axum::{body::Bytes, http::HeaderMap, http::StatusCode as AxumStatus, routing::post};
use base64::Engine;
use hmac::{KeyInit, Mac};
use jiff::{SignedDuration, Timestamp};
use reestr_core::{
    access::Role,
    measure::MeasureKind,
    person::PersonId,
    summons::{Command, SummonsNumber},
};
use reestr_postgres::testing::Schema;
use reestr_server::{AppState, FixedClock, LedgerState, Settings};
use reestr_sqlite::SqliteStore;
use reestr_store::{Codec, ImportRow, Keyring, NewAgency, Register, RowOutcome, Store};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use super::{draft, op, record, ts};

/// Where the register lives.
enum Backend {
    Sqlite(tempfile::TempDir),
    Postgres(Schema),
}

impl Backend {
    /// SQLite always; PostgreSQL only when a server is named (None otherwise: the test returns).
    fn of(postgres: bool) -> Option<Backend> {
        if postgres {
            reestr_postgres::testing::url().map(|url| Backend::Postgres(Schema::new(&url)))
        } else {
            Some(Backend::Sqlite(tempfile::tempdir().unwrap()))
        }
    }

    /// A new handle on the database, as a new process would open it.
    fn open(&self) -> Arc<dyn Store> {
        match self {
            Backend::Sqlite(dir) => Arc::new(SqliteStore::open(dir.path().join("r.db")).unwrap()),
            Backend::Postgres(schema) => Arc::new(schema.open()),
        }
    }
}

/// A register, served (and served again after a kill) by a server in its own runtime.
struct Served {
    /// The register and its database, dropped off the runtime's threads (PostgreSQL's client
    /// closes its connections by blocking on a runtime of its own).
    db: Option<(Register, Backend)>,
    keys: Arc<Keyring>,
    clock: Arc<FixedClock>,
    runtime: Option<tokio::runtime::Runtime>,
    base: String,
}

impl Served {
    fn new(backend: Backend, persons: u64) -> (Served, Vec<SummonsNumber>) {
        tokio::task::block_in_place(|| Served::filled(backend, persons))
    }

    fn filled(backend: Backend, persons: u64) -> (Served, Vec<SummonsNumber>) {
        let keys = Arc::new(Keyring::generate());
        let reg = Register::new(backend.open(), Codec::new(keys.clone()));
        let rows: Vec<ImportRow> =
            (0..persons).map(|n| ImportRow::new(n + 2, &record(100 + n, "62-001"), reg.codec()).unwrap()).collect();
        let ids: Vec<PersonId> = reg
            .import(&op(), rows, ts("2025-05-01T00:00:00Z"))
            .unwrap()
            .into_iter()
            .map(|o| match o {
                RowOutcome::Created(id) => id,
                other => panic!("{other:?}"),
            })
            .collect();
        let numbers =
            ids.iter().map(|id| reg.issue(&op(), draft(*id), ts("2025-05-09T11:00:00Z")).unwrap().number).collect();
        let clock = Arc::new(FixedClock::new(ts("2025-06-10T09:00:00Z")));
        (Served { db: Some((reg, backend)), keys, clock, runtime: None, base: String::new() }, numbers)
    }

    fn now(&self) -> Timestamp {
        reestr_server::Clock::now(&*self.clock)
    }

    /// Calls the register from the test's async code: PostgreSQL's client blocks on a runtime
    /// of its own, which may not start on a runtime's worker thread.
    fn on<T>(&self, call: impl FnOnce(&Register) -> T) -> T {
        tokio::task::block_in_place(|| call(self.reg()))
    }

    fn reg(&self) -> &Register {
        &self.db.as_ref().expect("dropped only with the test").0
    }

    fn advance(&self, by: SignedDuration) {
        self.clock.set(self.now() + by);
    }

    /// Starts a server as a new process would: a new handle on the database.
    fn start(&mut self, dispatcher: bool) {
        let store = tokio::task::block_in_place(|| self.db.as_ref().expect("not dropped").1.open());
        let reg = Register::new(store, Codec::new(self.keys.clone()));
        let signing = reestr_ledger::keys::SigningKeyPair::generate("reestr.test/log").unwrap();
        let ledger_keys = reestr_ledger::keys::KeyRing::new(signing, Default::default()).unwrap();
        let extracts = reestr_docs::Extracts::new(reg.store().clone(), reg.codec().clone(), "http://reestr.test");
        let settings = Settings {
            run_clock: false,
            run_dispatcher: dispatcher,
            dispatch_interval: Duration::from_millis(30),
            webhook_timeout: Duration::from_millis(700),
            ..Settings::default()
        };
        let state = AppState::new(reg, LedgerState { keys: ledger_keys, extracts }, self.clock.clone(), settings);
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        self.base = format!("http://{}", listener.local_addr().unwrap());
        runtime.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            reestr_server::serve(listener, state).await
        });
        self.runtime = Some(runtime);
    }

    /// Stops the server at once, as a crash would: tasks are dropped wherever they are.
    fn kill(&mut self) {
        if let Some(rt) = self.runtime.take() {
            // Off this runtime's thread: the server's tasks, dropped with it, hold the database.
            std::thread::spawn(move || rt.shutdown_background()).join().expect("shutting the server down");
        }
    }

    fn agency(&self, name: &str, kinds: &[MeasureKind], webhook: Option<String>) -> (i64, Option<String>, String) {
        let new = NewAgency { name: name.into(), role: Role::Agency, kinds: kinds.to_vec(), webhook, from_start: true };
        let created = self.on(|r| r.add_agency(&op(), new, self.now())).unwrap();
        let key = self.on(|r| r.create_key(&op(), name, self.now())).unwrap().key;
        (created.agency.id, created.webhook_secret, key)
    }

    /// Adds the agency `border` (exit bans) with a webhook at an address where nothing listens
    /// yet (its endpoint is down), runs the clock and starts the server with its dispatcher.
    /// Gives the agency's id, its webhook secret and the address to bring the receiver up on.
    fn serve_with_webhook_down(&mut self) -> (i64, String, std::net::SocketAddr) {
        let reserved = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = reserved.local_addr().unwrap();
        drop(reserved);
        let (id, secret, _) = self.agency("border", &[MeasureKind::ExitBan], Some(format!("http://{addr}/hook")));
        self.on(|r| r.run_clock(self.now(), 100)).unwrap();
        self.start(true);
        (id, secret.expect("a webhook has a secret"), addr)
    }

    fn exit_bans(&self) -> Vec<u64> {
        let events = self.on(|r| r.events(0, 1_000_000)).unwrap();
        events.into_iter().filter(|e| e.payload["kind"] == "exit_ban").map(|e| e.seq).collect()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.kill();
        if let Some(db) = self.db.take() {
            let _ = std::thread::spawn(move || drop(db)).join();
        }
    }
}

async fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    // A minute at most: generous, for a machine busy with other builds.
    for _ in 0..2400 {
        if ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agency_reads_its_feed_confirms_it_and_checks_a_passport_and_the_person_sees_each_read_on_sqlite() {
    an_agency_reads_its_feed_confirms_it_and_checks_a_passport_and_the_person_sees_each_read(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agency_reads_its_feed_confirms_it_and_checks_a_passport_and_the_person_sees_each_read_on_postgres() {
    an_agency_reads_its_feed_confirms_it_and_checks_a_passport_and_the_person_sees_each_read(true).await;
}

async fn an_agency_reads_its_feed_confirms_it_and_checks_a_passport_and_the_person_sees_each_read(postgres: bool) {
    let Some(backend) = Backend::of(postgres) else { return };
    let (mut s, numbers) = Served::new(backend, 3);
    let (_, _, key) = s.agency("border", &[MeasureKind::ExitBan], None);
    s.on(|r| r.run_clock(s.now(), 100)).unwrap();
    s.on(|r| r.act(&op(), &numbers[0], Command::Appear, s.now())).unwrap();
    s.start(false);
    let client = Client::new();
    let get = |path: &str| client.get(format!("{}{path}", s.base)).bearer_auth(&key);
    let page: Value = get("/api/v1/agency/feed?limit=2").send().await.unwrap().json().await.unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let first = &page["items"][0];
    assert_eq!((first["type"].as_str(), first["kind"].as_str()), (Some("measure_started"), Some("exit_ban")));
    assert_eq!(first["person"]["passport"], "6105 500100");
    assert_eq!(first["trigger"], "report_window_end");
    let cursor = page["cursor"].as_u64().unwrap();
    assert_eq!(cursor, page["items"][1]["id"].as_u64().unwrap());
    let rest: Value = get(&format!("/api/v1/agency/feed?after={cursor}")).send().await.unwrap().json().await.unwrap();
    let ids: Vec<u64> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(rest["items"].as_array().unwrap())
        .map(|i| i["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, s.exit_bans(), "three started, one lifted, in order");
    let r: Value = client
        .post(format!("{}/api/v1/agency/confirmations", s.base))
        .bearer_auth(&key)
        .json(&json!({ "ids": [ids[0], 12345678] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((r["confirmed"].clone(), r["unknown"].clone()), (json!([ids[0]]), json!([12345678])));

    // The check: from a header or a body, never the URL.
    let check: Value =
        get("/api/v1/agency/measures").header("x-passport", "6105 500101").send().await.unwrap().json().await.unwrap();
    assert_eq!(check["measures"][0]["kind"], "exit_ban");
    assert_eq!(check["measures"][0]["summons"], numbers[1].as_str());
    let lifted: Value = client
        .post(format!("{}/api/v1/agency/measures", s.base))
        .bearer_auth(&key)
        .json(&json!({ "passport": "6105500100" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(lifted["measures"], json!([]), "lifted by the appearance");
    let missing = get("/api/v1/agency/measures").send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
    let bad = get("/api/v1/agency/measures").header("x-passport", "12").send().await.unwrap();
    assert_eq!(bad.json::<Value>().await.unwrap()["error"], "invalid_passport");

    // The person sees the delivery and the check, with the agency as the reader.
    let person = s.on(|r| r.find_by_snils(&op(), record(101, "62-001").snils().unwrap(), s.now())).unwrap().id;
    let citizen = reestr_core::access::Principal {
        actor: reestr_core::event::Actor::user(1, "c"),
        role: Role::Citizen,
        scope: reestr_core::access::Scope::Person(person),
    };
    let reads = s.on(|r| r.reads_of(&citizen, person)).unwrap();
    let by_border: Vec<&str> = reads
        .iter()
        .filter(|e| e.actor.as_str().ends_with(":border"))
        .map(|e| e.payload["purpose"].as_str().unwrap())
        .collect();
    assert_eq!(by_border.len(), 2, "{reads:#?}");
    assert!(by_border.contains(&"enforcement of exit_ban"));
    assert!(by_border.iter().any(|p| p.starts_with("check of measures in force")));
}

/// What the test receiver does with a request.
const OK: u8 = 0;
const FAIL: u8 = 1;
const SLOW: u8 = 2;

#[derive(Default)]
struct Received {
    /// (webhook-id, body) of every request, in arrival order.
    all: Vec<(u64, Value)>,
    /// Ids answered 2xx, in order.
    accepted: Vec<u64>,
    bad_signatures: u32,
}

/// A webhook receiver on loopback that checks each signature independently (HMAC-SHA256 of
/// `id.timestamp.body`, base64) and behaves as `mode` says.
async fn receiver(listener: tokio::net::TcpListener, secret: String, mode: Arc<AtomicU8>, got: Arc<Mutex<Received>>) {
    let key = base64::engine::general_purpose::STANDARD.decode(secret.trim_start_matches("whsec_")).unwrap();
    let app = axum::Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: Bytes| {
            let (mode, got, key) = (mode.clone(), got.clone(), key.clone());
            async move {
                let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                let (id, timestamp, signature) = (h("webhook-id"), h("webhook-timestamp"), h("webhook-signature"));
                let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(&key).unwrap();
                mac.update(format!("{id}.{timestamp}.").as_bytes());
                mac.update(&body);
                let expected =
                    format!("v1,{}", base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()));
                let value: Value = serde_json::from_slice(&body).unwrap();
                let id: u64 = id.parse().unwrap();
                {
                    let mut g = got.lock().unwrap();
                    if signature != expected {
                        g.bad_signatures += 1;
                    }
                    g.all.push((id, value));
                }
                match mode.load(Ordering::SeqCst) {
                    FAIL => AxumStatus::INTERNAL_SERVER_ERROR,
                    SLOW => {
                        tokio::time::sleep(Duration::from_millis(1500)).await;
                        got.lock().unwrap().accepted.push(id);
                        AxumStatus::OK
                    }
                    _ => {
                        got.lock().unwrap().accepted.push(id);
                        AxumStatus::NO_CONTENT
                    }
                }
            }
        }),
    );
    axum::serve(listener, app).await.unwrap();
}

/// Checks that every item arrived, in order of first acceptance, and duplicates carry the same id
/// and the same data.
fn every_item_arrived(got: &Received, expected: &[u64]) {
    assert_eq!(got.bad_signatures, 0);
    let mut first = Vec::new();
    for id in &got.accepted {
        if !first.contains(id) {
            first.push(*id);
        }
    }
    assert_eq!(first, expected, "every item, in order, none lost");
    let mut bodies: BTreeMap<u64, &Value> = BTreeMap::new();
    for (id, body) in &got.all {
        assert_eq!(body["data"]["id"].as_u64(), Some(*id), "the webhook id is the item's id");
        if let Some(before) = bodies.insert(*id, body) {
            assert_eq!(before["data"], body["data"], "a duplicate is the same item");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_arrive_in_order_through_a_receiver_down_failing_slow_and_a_register_restart_on_sqlite() {
    webhooks_arrive_in_order_through_a_receiver_down_failing_slow_and_a_register_restart(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_arrive_in_order_through_a_receiver_down_failing_slow_and_a_register_restart_on_postgres() {
    webhooks_arrive_in_order_through_a_receiver_down_failing_slow_and_a_register_restart(true).await;
}

async fn webhooks_arrive_in_order_through_a_receiver_down_failing_slow_and_a_register_restart(postgres: bool) {
    let Some(backend) = Backend::of(postgres) else { return };
    let (mut s, numbers) = Served::new(backend, 6);
    let (id, secret, addr) = s.serve_with_webhook_down();
    let admin = || s.on(|r| r.agency_by_name(&op(), "border", s.now())).unwrap();
    wait_for("a failed attempt", || admin().push.failures >= 1).await;
    assert_eq!(admin().push.last_error.as_deref(), Some("could not connect"));
    let metrics = Client::new().get(format!("{}/metrics", s.base)).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("reestr_webhook_consecutive_failures{agency=\"border\"} 1"), "failures show: {metrics}");
    assert!(metrics.contains("reestr_pending_deliveries{agency=\"border\"} 6"));

    // It comes up answering 500: each retry waits for its backoff, on the register's clock.
    let mode = Arc::new(AtomicU8::new(FAIL));
    let got = Arc::new(Mutex::new(Received::default()));
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    tokio::spawn(receiver(listener, secret, mode.clone(), got.clone()));
    s.advance(SignedDuration::from_secs(10));
    wait_for("an answer of 500", || got.lock().unwrap().all.len() == 1).await;
    wait_for("the failure recorded", || admin().push.last_error.as_deref() == Some("HTTP 500")).await;
    assert!(got.lock().unwrap().accepted.is_empty());

    // Slow: the attempt times out (the receiver may still apply it: a duplicate later).
    mode.store(SLOW, Ordering::SeqCst);
    s.advance(SignedDuration::from_mins(1));
    wait_for("a timed-out attempt", || admin().push.last_error.as_deref() == Some("timed out")).await;

    // Healthy again: everything arrives in order.
    mode.store(OK, Ordering::SeqCst);
    s.advance(SignedDuration::from_mins(5));
    let mut expected = s.exit_bans();
    wait_for("all six", || got.lock().unwrap().accepted.iter().filter(|i| expected.contains(i)).count() >= 6).await;
    wait_for("a clean state", || admin().push.failures == 0 && admin().stats.pending == 0).await;

    // New measures are lifted; the register is killed in the middle of delivering them.
    // (Counted before the lifts: the dispatcher may send the first of them at once.)
    mode.store(SLOW, Ordering::SeqCst);
    let before = got.lock().unwrap().all.len();
    for n in &numbers[..4] {
        s.on(|r| r.act(&op(), n, Command::Appear, s.now())).unwrap();
    }
    expected = s.exit_bans();
    wait_for("a delivery under way", || got.lock().unwrap().all.len() > before).await;
    s.kill();
    mode.store(OK, Ordering::SeqCst);
    // A new process; its clock has moved past the dead one's claim on the agency.
    s.advance(reestr_store::CLAIM + SignedDuration::from_secs(1));
    s.start(true);
    wait_for("the rest after the restart", || {
        let g = got.lock().unwrap();
        expected.iter().all(|i| g.accepted.contains(i))
    })
    .await;
    every_item_arrived(&got.lock().unwrap(), &expected);
    assert_eq!(expected.len(), 10);
    assert!(s.on(|r| r.dead_letters(&op(), id)).unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_down_for_72_hours_leaves_dead_letters_that_an_admin_sees_and_replays_on_sqlite() {
    a_webhook_down_for_72_hours_leaves_dead_letters_that_an_admin_sees_and_replays(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_down_for_72_hours_leaves_dead_letters_that_an_admin_sees_and_replays_on_postgres() {
    a_webhook_down_for_72_hours_leaves_dead_letters_that_an_admin_sees_and_replays(true).await;
}

async fn a_webhook_down_for_72_hours_leaves_dead_letters_that_an_admin_sees_and_replays(postgres: bool) {
    let Some(backend) = Backend::of(postgres) else { return };
    let (mut s, _) = Served::new(backend, 2);
    let (id, secret, addr) = s.serve_with_webhook_down();
    let admin = || s.on(|r| r.agency_by_name(&op(), "border", s.now())).unwrap();
    let start = s.now();
    // The clock runs through three days of retries, one backoff at a time.
    while s.now().duration_since(start) <= reestr_store::RETRY_WINDOW {
        let failures = admin().push.failures;
        wait_for("an attempt", || admin().push.failures > failures).await;
        let next = admin().push.next_at.unwrap();
        s.clock.set(next);
    }
    wait_for("dead letters", || admin().stats.dead_letters == 2).await;
    let a = admin();
    assert!(a.webhook_url.is_some(), "the endpoint is never disabled");
    assert!(a.push.failures > 60, "{a:?}");
    let client = Client::new();
    let login = super::World::admin_client(s.reg(), &s.base, s.now()).await;
    let listed: Value =
        login.get(format!("{}/api/v1/admin/agencies", s.base)).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed[0]["dead_letters"], 2);
    assert!(listed[0]["push"]["failures"].as_u64().unwrap() > 60);
    let dead: Value = login
        .get(format!("{}/api/v1/admin/agencies/{id}/dead-letters", s.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(dead.as_array().unwrap().len(), 2);
    assert_eq!(dead[0]["last_error"], "could not connect");
    let metrics = client.get(format!("{}/metrics", s.base)).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("reestr_dead_letters{agency=\"border\"} 2"), "{metrics}");

    // The agency fixes its endpoint; the admin replays.
    let mode = Arc::new(AtomicU8::new(OK));
    let got = Arc::new(Mutex::new(Received::default()));
    tokio::spawn(receiver(tokio::net::TcpListener::bind(addr).await.unwrap(), secret, mode, got.clone()));
    let r: Value = login
        .post(format!("{}/api/v1/admin/agencies/{id}/dead-letters/replay", s.base))
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["replaying"], 2);
    wait_for("the replays", || got.lock().unwrap().accepted.len() == 2).await;
    every_item_arrived(&got.lock().unwrap(), &s.exit_bans());
    wait_for("the count to clear", || admin().stats.dead_letters == 0).await;
}
