//! The register's HTTP API, driven over real HTTP against a server spawned on port 0.
#![allow(clippy::unwrap_used)]

#[path = "api/agency.rs"]
mod agency;

use std::{collections::BTreeSet, net::SocketAddr, sync::Arc};

use jiff::Timestamp;
use reestr_core::{
    access::{Principal, Role, Scope},
    correction::{Request, Subject},
    event::Actor,
    measure::MeasureKind,
    person::{Field, PersonId, Provenance, Record},
    region::Directory,
    summons::{Appointment, Draft, Purpose, SummonsNumber},
};
use reestr_server::{AppState, FixedClock, LedgerState, Settings};
use reestr_sqlite::SqliteStore;
use reestr_store::{Codec, ImportRow, Keyring, NewAgency, NewUser, Register, RowOutcome};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

const T0: &str = "2025-06-10T09:00:00Z";

#[path = "api/hostile.rs"]
mod hostile;
#[path = "api/web.rs"]
mod web;

#[path = "api/notices.rs"]
mod notices;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// Who makes a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    Anonymous,
    /// The person the requests are about.
    CitizenA,
    CitizenB,
    /// Registrar of the person's commissariat (62-001).
    Registrar,
    /// Registrar of another commissariat of the same region (62-002).
    OtherRegistrar,
    Medic,
    Supervisor,
    /// Supervisor of another region (12).
    OtherSupervisor,
    Agency,
    Security,
    Admin,
}

const EVERYONE: [Who; 11] = [
    Who::Anonymous,
    Who::CitizenA,
    Who::CitizenB,
    Who::Registrar,
    Who::OtherRegistrar,
    Who::Medic,
    Who::Supervisor,
    Who::OtherSupervisor,
    Who::Agency,
    Who::Security,
    Who::Admin,
];

struct World {
    _dir: tempfile::TempDir,
    reg: Register,
    base: String,
    person_a: PersonId,
    clients: Vec<(Who, Client)>,
    agency_key: String,
    security_key: String,
    clock: Arc<FixedClock>,
}

fn op() -> Principal {
    Principal::operator("test")
}

fn record(n: u64, commissariat: &str) -> Record {
    let snils = reestr_core::ids::Snils::from_number(200_000_000 + n).unwrap().to_string();
    let number = format!("{:06}", 500_000 + n);
    let region = &commissariat[..2];
    let texts = vec![
        (Field::Surname, "Смирнов"),
        (Field::GivenName, "Олег"),
        (Field::Sex, "M"),
        (Field::BirthDate, "2003-04-05"),
        (Field::Snils, snils.as_str()),
        (Field::PassportSeries, "6105"),
        (Field::PassportNumber, number.as_str()),
        (Field::Phone, "+79035550101"),
        (Field::Region, region),
        (Field::Commissariat, commissariat),
    ];
    let prov = Arc::new(Provenance { source: "test".into(), as_of: jiff::civil::date(2025, 1, 1) });
    Record::from_texts(texts, &prov, Directory::builtin()).unwrap()
}

fn draft(person: PersonId) -> Draft {
    Draft {
        person,
        commissariat: "62-001".parse().unwrap(),
        purpose: Purpose::ClarifyRecords,
        appointment: Appointment { at: "2025-06-25T09:00".parse().unwrap(), address: "г. Рязань".into() },
    }
}

impl World {
    async fn new() -> World {
        World::with(Settings { secure_cookies: false, run_clock: false, run_dispatcher: false, ..Settings::default() })
            .await
    }

    async fn with(settings: Settings) -> World {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open(dir.path().join("r.db")).unwrap());
        let reg = Register::new(store, Codec::new(Arc::new(Keyring::generate())));
        let now = ts(T0);
        let rows: Vec<ImportRow> = [(1, "62-001"), (2, "62-001"), (3, "12-001")]
            .iter()
            .map(|(n, c)| ImportRow::new(*n + 1, &record(*n, c), reg.codec()).unwrap())
            .collect();
        let ids: Vec<PersonId> = reg
            .import(&op(), rows, ts("2025-05-01T00:00:00Z"))
            .unwrap()
            .into_iter()
            .map(|o| match o {
                RowOutcome::Created(id) => id,
                other => panic!("{other:?}"),
            })
            .collect();
        let (person_a, person_b) = (ids[0], ids[1]);
        // A summons whose window has ended: measures in force.
        reg.issue(&op(), draft(person_a), ts("2025-05-09T11:00:00Z")).unwrap();
        reg.run_clock(now, 100).unwrap();

        let clock = Arc::new(FixedClock::new(now));
        let signing = reestr_ledger::keys::SigningKeyPair::generate("reestr.test/log").unwrap();
        let keys = reestr_ledger::keys::KeyRing::new(signing, Default::default()).unwrap();
        let extracts = reestr_docs::Extracts::new(reg.store().clone(), reg.codec().clone(), "http://reestr.test");
        let state = AppState::new(reg.clone(), LedgerState { keys, extracts }, clock.clone(), settings);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        tokio::spawn(reestr_server::serve(listener, state));
        let base = format!("http://{addr}");

        let users: Vec<(Who, &str, Role, Scope)> = vec![
            (Who::CitizenA, "citizen-a", Role::Citizen, Scope::Person(person_a)),
            (Who::CitizenB, "citizen-b", Role::Citizen, Scope::Person(person_b)),
            (Who::Registrar, "registrar", Role::Registrar, Scope::Commissariat("62-001".parse().unwrap())),
            (Who::OtherRegistrar, "registrar-2", Role::Registrar, Scope::Commissariat("62-002".parse().unwrap())),
            (Who::Medic, "medic", Role::MedicalCommission, Scope::Commissariat("62-001".parse().unwrap())),
            (Who::Supervisor, "supervisor", Role::Supervisor, Scope::Region("62".parse().unwrap())),
            (Who::OtherSupervisor, "supervisor-12", Role::Supervisor, Scope::Region("12".parse().unwrap())),
            (Who::Admin, "admin", Role::Admin, Scope::All),
        ];
        let mut clients = vec![(Who::Anonymous, Client::new())];
        for (who, login, role, scope) in users {
            let password = format!("{login}-password-1");
            let (_, seed) = reg
                .add_user(&op(), NewUser { login: login.into(), role, scope, password: password.clone() }, now)
                .unwrap();
            let client = Client::builder().cookie_store(true).build().unwrap();
            let body = json!({ "login": login, "password": password, "totp": seed.map(|s| reestr_store::totp_code(&s, now).unwrap()) });
            let r = client.post(format!("{base}/api/v1/auth/login")).json(&body).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK, "login of {login}: {}", r.text().await.unwrap());
            clients.push((who, client));
        }
        for (name, role, kinds) in [
            ("border", Role::Agency, vec![MeasureKind::ExitBan]),
            ("fsb", Role::SecurityService, vec![]),
            ("tax", Role::Agency, vec![MeasureKind::CreditBan]),
        ] {
            let new = NewAgency { name: name.into(), role, kinds, webhook: None, from_start: true };
            reg.add_agency(&op(), new, now).unwrap();
        }
        let agency_key = reg.create_key(&op(), "border", now).unwrap().key;
        let security_key = reg.create_key(&op(), "fsb", now).unwrap().key;
        clients.push((Who::Agency, Client::new()));
        clients.push((Who::Security, Client::new()));
        World { _dir: dir, reg, base, person_a, clients, agency_key, security_key, clock }
    }

    /// Sends a request as `who`: people by session, agencies by key. The security service always
    /// states a purpose; others when `purpose` is set.
    async fn send(&self, who: Who, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        self.send_with(who, method, path, body, false).await
    }

    async fn send_with(
        &self,
        who: Who,
        method: Method,
        path: &str,
        body: Option<Value>,
        purpose: bool,
    ) -> (StatusCode, Value) {
        let client = &self.clients.iter().find(|(w, _)| *w == who).unwrap().1;
        let mut req = client.request(method, format!("{}{path}", self.base));
        match who {
            Who::Agency => req = req.bearer_auth(&self.agency_key),
            Who::Security => {
                req =
                    req.bearer_auth(&self.security_key).header("x-purpose", "%D0%B7%D0%B0%D0%BF%D1%80%D0%BE%D1%81%2012")
            }
            _ if purpose => req = req.header("x-purpose", "check"),
            _ => {}
        }
        // The check at a post reads the passport from this header; other endpoints ignore it.
        req = req.header("x-passport", "6105 500001");
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    fn fresh_summons(&self) -> SummonsNumber {
        self.reg.issue(&op(), draft(self.person_a), ts(T0)).unwrap().number
    }

    /// A new admin account on a register, logged in to a server.
    async fn admin_client(reg: &Register, base: &str, now: Timestamp) -> Client {
        let login = format!("admin{}", rand_suffix());
        let password = "admin password 1".to_owned();
        let new = NewUser { login: login.clone(), role: Role::Admin, scope: Scope::All, password: password.clone() };
        let (_, seed) = tokio::task::block_in_place(|| reg.add_user(&op(), new, now)).unwrap();
        let client = Client::builder().cookie_store(true).build().unwrap();
        let totp = seed.map(|s| reestr_store::totp_code(&s, now).unwrap());
        let body = json!({ "login": login, "password": password, "totp": totp });
        let r = client.post(format!("{base}/api/v1/auth/login")).json(&body).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        client
    }

    fn fresh_agency(&self) -> i64 {
        let new = NewAgency {
            name: format!("fresh-{}", rand_suffix()),
            role: Role::Agency,
            kinds: vec![MeasureKind::DrivingBan],
            webhook: None,
            from_start: false,
        };
        self.reg.add_agency(&op(), new, ts(T0)).unwrap().agency.id
    }

    /// A campaign of commissariat 62-001 (person A's), made by the operator.
    fn fresh_campaign(&self) -> i64 {
        let spec = reestr_core::campaign::CampaignSpec {
            name: campaign_body()["name"].as_str().unwrap().into(),
            purpose: Purpose::ClarifyRecords,
            quotas: vec![reestr_core::campaign::Quota { region: "62".parse().unwrap(), quota: 2 }],
            commissariat: Some("62-001".parse().unwrap()),
            cohort: reestr_core::campaign::Cohort {
                born_from: 2000,
                born_to: 2007,
                statuses: vec![reestr_core::person::Registration::Registered],
            },
            appointments: reestr_core::campaign::Appointments {
                from: jiff::civil::date(2025, 6, 23),
                to: jiff::civil::date(2025, 6, 27),
                time: jiff::civil::time(9, 0, 0, 0),
            },
        };
        self.reg.create_campaign(&op(), spec, ts(T0)).unwrap().id
    }

    fn fresh_correction(&self) -> i64 {
        let citizen =
            Principal { actor: Actor::user(1, "a"), role: Role::Citizen, scope: Scope::Person(self.person_a) };
        let request =
            Request { explanation: "ошибка".into(), evidence: None, proposed: Some("Смирнова".into()) };
        self.reg.file_correction(&citizen, Subject::Field(Field::Patronymic), request, ts(T0)).unwrap().correction.id
    }
}

/// One endpoint: how to call it (possibly preparing a fresh object first) and who may.
struct Case {
    name: &'static str,
    allowed: &'static [Who],
    call: fn(&World) -> (Method, String, Option<Value>),
    /// For searches: allowed means found, denied means nothing found (or refused).
    finds: bool,
    /// Every caller states a purpose, so a denial is about the role, not the purpose.
    purpose: bool,
}

/// A campaign of commissariat 62-001 as the API takes it.
fn campaign_body() -> Value {
    json!({
        "name": "Уточнение данных, июнь 2025",
        "purpose": "clarify_records",
        "quotas": [{ "region": "62", "quota": 2 }],
        "commissariat": "62-001",
        "born_from": 2000,
        "born_to": 2007,
        "appointments_from": "2025-06-23",
        "appointments_to": "2025-06-27",
        "appointment_time": "09:00"
    })
}

fn snils_a() -> String {
    reestr_core::ids::Snils::from_number(200_000_001).unwrap().to_string()
}

use Who::*;

fn cases() -> Vec<Case> {
    let public: &'static [Who] = &EVERYONE;
    vec![
        Case {
            name: "deadlines",
            allowed: public,
            finds: false,
            purpose: false,
            call: |_| {
                (
                    Method::POST,
                    "/api/v1/deadlines".into(),
                    Some(json!({ "zone": "Europe/Moscow", "posted": "2025-05-09T11:00:00Z" })),
                )
            },
        },
        Case {
            name: "regions",
            allowed: public,
            finds: false,
            purpose: false,
            call: |_| (Method::GET, "/api/v1/regions".into(), None),
        },
        Case {
            name: "stats",
            allowed: public,
            finds: false,
            purpose: false,
            call: |_| (Method::GET, "/api/v1/stats".into(), None),
        },
        Case {
            name: "session",
            allowed: &[CitizenA, CitizenB, Registrar, OtherRegistrar, Medic, Supervisor, OtherSupervisor, Admin],
            finds: false,
            purpose: false,
            call: |_| (Method::GET, "/api/v1/auth/session".into(), None),
        },
        Case {
            name: "notices/verify",
            allowed: public,
            finds: false,
            purpose: false,
            call: |_| (Method::POST, "/api/v1/notices/verify".into(), Some(json!({ "code": "0000-0000-0000" }))),
        },
        Case {
            name: "me/notices",
            allowed: &[CitizenA, CitizenB],
            finds: false,
            purpose: false,
            call: |_| (Method::GET, "/api/v1/me/notices?limit=5".into(), None),
        },
        Case {
            name: "me/notices/preferences",
            allowed: &[CitizenA, CitizenB],
            finds: false,
            purpose: false,
            call: |_| (Method::GET, "/api/v1/me/notices/preferences".into(), None),
        },
        Case {
            name: "me/notices/preferences put",
            allowed: &[CitizenA, CitizenB],
            finds: false,
            purpose: false,
            call: |_| {
                (
                    Method::PUT,
                    "/api/v1/me/notices/preferences".into(),
                    Some(json!({ "email": ["appointment_reminder"], "quiet_hours": null })),
                )
            },
        },
        Case {
            name: "me",
            allowed: &[CitizenA, CitizenB],
            finds: false,
            purpose: false,
            call: |_| (Method::GET, "/api/v1/me".into(), None),
        },
        Case {
            name: "me/summonses",
            allowed: &[CitizenA, CitizenB],
            finds: false,
            purpose: false,
            call: |_| (Method::GET, "/api/v1/me/summonses".into(), None),
        },
        Case {
            name: "me/summonses/open",
            allowed: &[CitizenA],
            finds: false,
            purpose: false,
            call: |w| (Method::POST, format!("/api/v1/me/summonses/{}/open", w.fresh_summons()), None),
        },
        Case {
            name: "me/measures",
            allowed: &[CitizenA, CitizenB],
            finds: false,
            purpose: false,
            call: |_| (Method::GET, "/api/v1/me/measures".into(), None),
        },
        Case {
            name: "me/reads",
            allowed: &[CitizenA, CitizenB],
            finds: false,
            purpose: false,
            call: |_| (Method::GET, "/api/v1/me/reads".into(), None),
        },
        Case {
            name: "me/corrections",
            allowed: &[CitizenA, CitizenB],
            finds: false,
            purpose: false,
            call: |_| (Method::GET, "/api/v1/me/corrections".into(), None),
        },
        Case {
            name: "me/corrections (file)",
            allowed: &[CitizenA, CitizenB],
            finds: false,
            purpose: false,
            call: |_| {
                (
                    Method::POST,
                    "/api/v1/me/corrections".into(),
                    Some(json!({ "subject": "field:surname", "explanation": "опечатка" })),
                )
            },
        },
        Case {
            name: "persons (create)",
            allowed: &[Registrar],
            finds: false,
            purpose: false,
            call: |w| {
                let n = 10_000 + w.reg.count_persons().unwrap() * 7 + rand_suffix();
                let snils = reestr_core::ids::Snils::from_number(300_000_000 + n).unwrap().to_string();
                let fields = json!({ "surname": "Новиков", "given_name": "Ян", "sex": "M", "birth_date": "2004-01-01", "snils": snils,
                "passport_series": "6106", "passport_number": format!("{:06}", n % 1_000_000), "region": "62", "commissariat": "62-001" });
                (Method::POST, "/api/v1/persons".into(), Some(json!({ "fields": fields })))
            },
        },
        Case {
            name: "persons/search",
            allowed: &[CitizenA, Registrar, Medic, Supervisor, Security],
            finds: true,
            purpose: false,
            call: |_| {
                (
                    Method::POST,
                    "/api/v1/persons/search".into(),
                    Some(json!({ "snils": snils_a(), "purpose": "проверка" })),
                )
            },
        },
        Case {
            name: "persons/{id}",
            allowed: &[CitizenA, Registrar, Medic, Supervisor, Security],
            finds: false,
            purpose: false,
            call: |w| (Method::GET, format!("/api/v1/persons/{}", w.person_a.0), None),
        },
        Case {
            name: "persons/{id}?fields=snils",
            allowed: &[CitizenA, Registrar, Security],
            finds: false,
            purpose: true,
            call: |w| (Method::GET, format!("/api/v1/persons/{}?fields=snils", w.person_a.0), None),
        },
        Case {
            name: "persons/{id} (update)",
            allowed: &[Registrar],
            finds: false,
            purpose: false,
            call: |w| {
                (
                    Method::PATCH,
                    format!("/api/v1/persons/{}", w.person_a.0),
                    Some(json!({ "fields": { "rank": format!("рядовой {}", rand_suffix()) } })),
                )
            },
        },
        Case {
            name: "persons/{id} (fitness)",
            allowed: &[Registrar, Medic],
            finds: false,
            purpose: false,
            call: |w| {
                let category = ["А", "Б", "В"][(rand_suffix() % 3) as usize];
                (
                    Method::PATCH,
                    format!("/api/v1/persons/{}", w.person_a.0),
                    Some(json!({ "fields": { "fitness_category": category } })),
                )
            },
        },
        Case {
            name: "persons/{id}/history",
            allowed: &[CitizenA, Registrar, Medic, Supervisor, Security],
            finds: false,
            purpose: false,
            call: |w| (Method::GET, format!("/api/v1/persons/{}/history", w.person_a.0), None),
        },
        Case {
            name: "persons/{id}/summonses",
            allowed: &[CitizenA, Registrar, Medic, Supervisor, Security],
            finds: false,
            purpose: false,
            call: |w| (Method::GET, format!("/api/v1/persons/{}/summonses", w.person_a.0), None),
        },
        Case {
            name: "summonses (issue)",
            allowed: &[Registrar],
            finds: false,
            purpose: false,
            call: |w| {
                (
                    Method::POST,
                    "/api/v1/summonses".into(),
                    Some(json!({ "person": w.person_a.0, "purpose": "call_up", "appointment": "2025-07-01T10:00" })),
                )
            },
        },
        Case {
            name: "summonses (list)",
            allowed: &[Registrar, OtherRegistrar, Medic, Supervisor, OtherSupervisor],
            finds: false,
            purpose: false,
            call: |_| (Method::GET, "/api/v1/summonses".into(), None),
        },
        Case {
            name: "summonses/{n}",
            allowed: &[CitizenA, Registrar, Medic, Supervisor, Security],
            finds: false,
            purpose: false,
            call: |w| (Method::GET, format!("/api/v1/summonses/{}", w.fresh_summons()), None),
        },
        Case {
            name: "summonses/{n}/serve",
            allowed: &[Registrar],
            finds: false,
            purpose: false,
            call: |w| {
                (
                    Method::POST,
                    format!("/api/v1/summonses/{}/serve", w.fresh_summons()),
                    Some(json!({ "how": "in_person" })),
                )
            },
        },
        Case {
            name: "summonses/{n}/appear",
            allowed: &[Registrar],
            finds: false,
            purpose: false,
            call: |w| (Method::POST, format!("/api/v1/summonses/{}/appear", w.fresh_summons()), None),
        },
        Case {
            name: "summonses/{n}/excuse",
            allowed: &[Registrar],
            finds: false,
            purpose: false,
            call: |w| {
                let n = w.fresh_summons();
                w.reg
                    .act(
                        &op(),
                        &n,
                        reestr_core::summons::Command::Serve { how: reestr_core::policy::ServiceMethod::InPerson },
                        ts(T0),
                    )
                    .unwrap();
                (
                    Method::POST,
                    format!("/api/v1/summonses/{n}/excuse"),
                    Some(
                        json!({ "reason": "illness_or_injury", "evidence": "справка", "from": "2025-06-10", "to": "2025-06-12" }),
                    ),
                )
            },
        },
        Case {
            name: "summonses/{n}/cancel",
            allowed: &[Registrar],
            finds: false,
            purpose: false,
            call: |w| {
                (
                    Method::POST,
                    format!("/api/v1/summonses/{}/cancel", w.fresh_summons()),
                    Some(json!({ "reason": "ошибка" })),
                )
            },
        },
        Case {
            name: "measures",
            allowed: &[Registrar, OtherRegistrar, Supervisor, OtherSupervisor, Agency],
            finds: false,
            purpose: false,
            call: |_| (Method::GET, "/api/v1/measures".into(), None),
        },
        Case {
            name: "corrections",
            allowed: &[Registrar, OtherRegistrar, Supervisor, OtherSupervisor],
            finds: false,
            purpose: false,
            call: |_| (Method::GET, "/api/v1/corrections".into(), None),
        },
        Case {
            name: "corrections/{id}/answer",
            allowed: &[Registrar],
            finds: false,
            purpose: false,
            call: |w| {
                let id = w.fresh_correction();
                (
                    Method::POST,
                    format!("/api/v1/corrections/{id}/answer"),
                    Some(json!({ "accepted": false, "text": "верно" })),
                )
            },
        },
        Case {
            name: "campaigns (create)",
            allowed: &[Registrar, Supervisor, Admin],
            finds: false,
            purpose: false,
            call: |_| (Method::POST, "/api/v1/campaigns".into(), Some(campaign_body())),
        },
        Case {
            name: "campaigns",
            allowed: &[Registrar, OtherRegistrar, Supervisor, OtherSupervisor, Admin],
            finds: false,
            purpose: false,
            call: |_| (Method::GET, "/api/v1/campaigns".into(), None),
        },
        Case {
            name: "campaigns/{id}",
            allowed: &[Registrar, Supervisor, Admin],
            finds: false,
            purpose: false,
            call: |w| (Method::GET, format!("/api/v1/campaigns/{}", w.fresh_campaign()), None),
        },
        Case {
            name: "campaigns/{id}/dry-run",
            allowed: &[Registrar, Supervisor, Admin],
            finds: false,
            purpose: false,
            call: |w| (Method::POST, format!("/api/v1/campaigns/{}/dry-run?sample=1", w.fresh_campaign()), None),
        },
        Case {
            name: "campaigns/{id}/issue",
            allowed: &[Registrar, Supervisor, Admin],
            finds: false,
            purpose: false,
            call: |w| (Method::POST, format!("/api/v1/campaigns/{}/issue", w.fresh_campaign()), None),
        },
        Case {
            name: "regions/{code}/rollout",
            allowed: &[Supervisor, Admin],
            finds: false,
            purpose: false,
            call: |_| (Method::PUT, "/api/v1/regions/62/rollout".into(), Some(json!({ "state": "pilot" }))),
        },
        Case {
            name: "admin/users",
            allowed: &[Admin],
            finds: false,
            purpose: false,
            call: |_| (Method::GET, "/api/v1/admin/users".into(), None),
        },
        Case {
            name: "admin/users (add)",
            allowed: &[Admin],
            finds: false,
            purpose: false,
            call: |_| {
                (
                    Method::POST,
                    "/api/v1/admin/users".into(),
                    Some(
                        json!({ "login": format!("user{}", rand_suffix()), "role": "supervisor", "region": "65", "password": "long enough password" }),
                    ),
                )
            },
        },
        Case {
            name: "admin/users/{id}/disable",
            allowed: &[Admin],
            finds: false,
            purpose: false,
            call: |w| {
                let (u, _) = w
                    .reg
                    .add_user(
                        &op(),
                        NewUser {
                            login: format!("victim{}", rand_suffix()),
                            role: Role::Admin,
                            scope: Scope::All,
                            password: "long enough password".into(),
                        },
                        ts(T0),
                    )
                    .unwrap();
                (Method::POST, format!("/api/v1/admin/users/{}/disable", u.id), None)
            },
        },
        Case {
            name: "admin/keys",
            allowed: &[Admin],
            finds: false,
            purpose: false,
            call: |_| (Method::GET, "/api/v1/admin/keys".into(), None),
        },
        Case {
            name: "admin/keys (create)",
            allowed: &[Admin],
            finds: false,
            purpose: false,
            call: |_| (Method::POST, "/api/v1/admin/keys".into(), Some(json!({ "agency": "tax" }))),
        },
        Case {
            name: "admin/keys/{id}/revoke",
            allowed: &[Admin],
            finds: false,
            purpose: false,
            call: |w| {
                let k = w.reg.create_key(&op(), "tax", ts(T0)).unwrap();
                (Method::POST, format!("/api/v1/admin/keys/{}/revoke", k.id), None)
            },
        },
        Case {
            name: "agency/feed",
            allowed: &[Agency],
            finds: false,
            purpose: false,
            call: |_| (Method::GET, "/api/v1/agency/feed?after=0&limit=5".into(), None),
        },
        Case {
            name: "agency/confirmations",
            allowed: &[Agency],
            finds: false,
            purpose: false,
            call: |_| (Method::POST, "/api/v1/agency/confirmations".into(), Some(json!({ "ids": [1] }))),
        },
        Case {
            name: "agency/measures (header)",
            allowed: &[Agency],
            finds: false,
            purpose: false,
            call: |_| (Method::GET, "/api/v1/agency/measures".into(), None),
        },
        Case {
            name: "agency/measures (body)",
            allowed: &[Agency],
            finds: false,
            purpose: false,
            call: |_| (Method::POST, "/api/v1/agency/measures".into(), Some(json!({ "passport": "6105 500001" }))),
        },
        Case {
            name: "agency/breaches",
            allowed: &[Supervisor, OtherSupervisor, Admin],
            finds: false,
            purpose: false,
            call: |_| (Method::GET, "/api/v1/agency/breaches".into(), None),
        },
        Case {
            name: "admin/agencies",
            allowed: &[Admin],
            finds: false,
            purpose: false,
            call: |_| (Method::GET, "/api/v1/admin/agencies".into(), None),
        },
        Case {
            name: "admin/agencies (add)",
            allowed: &[Admin],
            finds: false,
            purpose: false,
            call: |_| {
                (
                    Method::POST,
                    "/api/v1/admin/agencies".into(),
                    Some(json!({ "name": format!("agency-{}", rand_suffix()), "kinds": ["real_estate_ban"] })),
                )
            },
        },
        Case {
            name: "admin/agencies/{id}/webhook",
            allowed: &[Admin],
            finds: false,
            purpose: false,
            call: |w| {
                (
                    Method::PUT,
                    format!("/api/v1/admin/agencies/{}/webhook", w.fresh_agency()),
                    Some(json!({ "url": "http://127.0.0.1:9/hook" })),
                )
            },
        },
        Case {
            name: "admin/agencies/{id}/disable",
            allowed: &[Admin],
            finds: false,
            purpose: false,
            call: |w| (Method::POST, format!("/api/v1/admin/agencies/{}/disable", w.fresh_agency()), None),
        },
        Case {
            name: "admin/agencies/{id}/enable",
            allowed: &[Admin],
            finds: false,
            purpose: false,
            call: |w| (Method::POST, format!("/api/v1/admin/agencies/{}/enable", w.fresh_agency()), None),
        },
        Case {
            name: "admin/agencies/{id}/dead-letters",
            allowed: &[Admin],
            finds: false,
            purpose: false,
            call: |w| (Method::GET, format!("/api/v1/admin/agencies/{}/dead-letters", w.fresh_agency()), None),
        },
        Case {
            name: "admin/agencies/{id}/dead-letters/replay",
            allowed: &[Admin],
            finds: false,
            purpose: false,
            call: |w| {
                (
                    Method::POST,
                    format!("/api/v1/admin/agencies/{}/dead-letters/replay", w.fresh_agency()),
                    Some(json!({})),
                )
            },
        },
    ]
}

/// A number unlikely to repeat within a run.
fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(1);
    N.fetch_add(1, Ordering::Relaxed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_against_every_endpoint() {
    let w = World::new().await;
    let mut failures = Vec::new();
    for case in cases() {
        for who in EVERYONE {
            let (method, path, body) = (case.call)(&w);
            let (status, answer) = w.send_with(who, method, &path, body, case.purpose).await;
            let expected = case.allowed.contains(&who);
            let got = if case.finds {
                status.is_success() && answer.as_array().is_some_and(|a| !a.is_empty())
            } else {
                status.is_success()
            };
            let denial_ok = status == StatusCode::UNAUTHORIZED
                || status == StatusCode::FORBIDDEN
                || (case.finds && status.is_success());
            if got != expected || (!expected && !denial_ok) {
                failures.push(format!(
                    "{:<28} {:<16?} expected {}, got {status} {answer}",
                    case.name,
                    who,
                    if expected { "allow" } else { "deny" }
                ));
            }
            if !expected && status.is_success() && !case.finds {
                failures.push(format!("{} {:?} was allowed", case.name, who));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_describes_every_route_and_only_routes_that_exist() {
    let w = World::new().await;
    let (status, doc) = w.send(Anonymous, Method::GET, "/api/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in
            item.as_object().unwrap().keys().filter(|m| ["get", "post", "put", "patch", "delete"].contains(&m.as_str()))
        {
            documented.insert((method.to_uppercase(), path.clone()));
            // Every documented route exists: the router answers, never with its "no such endpoint".
            let concrete = path.replace("{id}", "1").replace("{number}", "62-2025-0000001").replace("{code}", "62");
            let (s, body) = w.send(Admin, method.to_uppercase().parse().unwrap(), &concrete, None).await;
            assert!(
                !(s == StatusCode::NOT_FOUND && body["message"] == "no such endpoint"),
                "{method} {path} is documented but not routed"
            );
            assert_ne!(s, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            assert!(!s.is_server_error(), "{method} {path}: {s} {body}");
        }
    }
    // Every route the role table exercises is documented.
    for case in cases() {
        let (method, path, _) = (case.call)(&w);
        let template = doc["paths"]
            .as_object()
            .unwrap()
            .keys()
            .find(|t| matches_template(t, path.split('?').next().unwrap()))
            .unwrap_or_else(|| panic!("{} {path} is routed but not documented", case.name));
        assert!(documented.contains(&(method.to_string(), template.clone())), "{method} {template}");
    }
    // No personal identifier travels in a URL.
    let text = doc.to_string().to_lowercase();
    for p in doc["paths"].as_object().unwrap().values().flat_map(|i| i.as_object().unwrap().values()) {
        for param in
            p["parameters"].as_array().into_iter().flatten().filter(|p| p["in"] == "path" || p["in"] == "query")
        {
            let name = param["name"].as_str().unwrap();
            assert!(
                !["snils", "inn", "passport", "phone", "email"].iter().any(|s| name.contains(s)),
                "{name} in {text:.0}"
            );
        }
    }
}

fn matches_template(template: &str, path: &str) -> bool {
    let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len() && t.iter().zip(&p).all(|(a, b)| a.starts_with('{') || a == b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logins_get_fresh_sessions_in_strict_cookies_and_failures_say_nothing() {
    let w = World::new().await;
    let client = Client::builder().cookie_store(true).build().unwrap();
    let login = |body: Value| client.post(format!("{}/api/v1/auth/login", w.base)).json(&body).send();
    let r = login(json!({ "login": "citizen-a", "password": "citizen-a-password-1" })).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let cookies: Vec<String> =
        r.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
    let session = cookies.iter().find(|c| c.starts_with("reestr_session=")).unwrap();
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Strict"), "{session}");
    let again = login(json!({ "login": "citizen-a", "password": "citizen-a-password-1" })).await.unwrap();
    let second = again
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("reestr_session="))
        .unwrap();
    assert_ne!(session.split(';').next(), second.split(';').next(), "a fresh session id at every login");

    let mut answers = BTreeSet::new();
    for body in [
        json!({ "login": "citizen-a", "password": "wrong" }),
        json!({ "login": "no-such-user", "password": "citizen-a-password-1" }),
        json!({ "login": "registrar", "password": "registrar-password-1" }),
        json!({ "login": "registrar", "password": "registrar-password-1", "totp": "000000" }),
    ] {
        let r = Client::new().post(format!("{}/api/v1/auth/login", w.base)).json(&body).send().await.unwrap();
        answers.insert((r.status().as_u16(), r.text().await.unwrap()));
    }
    assert_eq!(answers.len(), 1, "one answer for every failure: {answers:?}");
    assert_eq!(answers.first().unwrap().0, 401);

    // Logging out ends the session on the server.
    let r = client.post(format!("{}/api/v1/auth/logout", w.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = client.get(format!("{}/api/v1/me", w.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_failures_are_slowed_with_retry_after() {
    let w = World::new().await;
    let mut last = None;
    for _ in 0..30 {
        let r = Client::new()
            .post(format!("{}/api/v1/auth/login", w.base))
            .json(&json!({ "login": "citizen-b", "password": "guess" }))
            .send()
            .await
            .unwrap();
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            last = r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
            break;
        }
    }
    assert!(last.is_some_and(|s| s.parse::<u64>().unwrap() >= 1), "guessing is slowed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cross_site_request_with_a_session_cookie_is_refused() {
    let w = World::new().await;
    let client = &w.clients.iter().find(|(x, _)| *x == Registrar).unwrap().1;
    let r = client
        .post(format!("{}/api/v1/summonses", w.base))
        .header("origin", "http://evil.example")
        .json(&json!({ "person": w.person_a.0, "purpose": "call_up", "appointment": "2025-07-01T10:00" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "cross_site_request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_citizen_sees_who_read_the_record_and_why() {
    let w = World::new().await;
    let client = &w.clients.iter().find(|(x, _)| *x == Registrar).unwrap().1;
    let r = client
        .get(format!("{}/api/v1/persons/{}?fields=snils,phone", w.base, w.person_a.0))
        .header("x-purpose", "%D1%81%D0%B2%D0%B5%D1%80%D0%BA%D0%B0")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let person: Value = r.json().await.unwrap();
    assert_eq!(person["fields"]["phone"]["value"], "+79035550101");
    let (_, reads) = w.send(CitizenA, Method::GET, "/api/v1/me/reads", None).await;
    let newest = &reads[0];
    assert!(newest["who"].as_str().unwrap().contains("registrar"), "{reads}");
    assert_eq!(newest["purpose"], "сверка");
    assert_eq!(newest["fields"], json!(["snils", "phone"]));
    // The person's own reads are not listed, and another citizen cannot see them.
    w.send(CitizenA, Method::GET, "/api/v1/me", None).await;
    let (_, again) = w.send(CitizenA, Method::GET, "/api/v1/me/reads", None).await;
    assert_eq!(again.as_array().unwrap().len(), reads.as_array().unwrap().len());
    let (_, theirs) = w.send(CitizenB, Method::GET, "/api/v1/me/reads", None).await;
    assert!(theirs.as_array().unwrap().iter().all(|r| r["purpose"] != "сверка"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_citizen_reads_the_deadlines_in_plain_language() {
    let w = World::new().await;
    let (status, list) = w.send(CitizenA, Method::GET, "/api/v1/me/summonses", None).await;
    assert_eq!(status, StatusCode::OK);
    let first = &list[0];
    assert_eq!(first["summons"]["status"], "overdue");
    let ru: Vec<&str> = first["timeline_ru"].as_array().unwrap().iter().map(|s| s["text"].as_str().unwrap()).collect();
    assert!(ru.iter().any(|l| l.contains("7 июня 2025 г., 00:00")), "{ru:?}");
    assert!(ru.iter().any(|l| l.starts_with("Сейчас действуют ограничения")), "{ru:?}");
    let (_, measures) = w.send(CitizenA, Method::GET, "/api/v1/me/measures", None).await;
    assert_eq!(measures.as_array().unwrap().len(), 7);
    assert_eq!(measures[0]["title_ru"], "запрет на выезд из Российской Федерации");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_json_errors_with_stable_codes() {
    let w = World::new().await;
    let client = &w.clients.iter().find(|(x, _)| *x == Registrar).unwrap().1;
    let post = |path: &str| client.post(format!("{}{path}", w.base));
    let r =
        post("/api/v1/summonses").header("content-type", "application/json").body("{not json").send().await.unwrap();
    assert_eq!(
        (r.status(), r.json::<Value>().await.unwrap()["error"].clone()),
        (StatusCode::BAD_REQUEST, json!("bad_json"))
    );
    let r = post("/api/v1/summonses").body("x").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let r = post("/api/v1/summonses")
        .json(&json!({ "person": w.person_a.0, "purpose": "party", "appointment": "2025-07-01T10:00" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "an unknown purpose is not in the document's enumeration");
    let (s, body) = w.send(Registrar, Method::GET, "/api/v1/persons/999999", None).await;
    assert_eq!((s, body["error"].clone()), (StatusCode::NOT_FOUND, json!("not_found")));
    let (s, body) = w.send(Anonymous, Method::GET, "/api/v2/nothing", None).await;
    assert_eq!((s, body["error"].clone()), (StatusCode::NOT_FOUND, json!("not_found")));
    let (s, body) =
        w.send(Registrar, Method::GET, &format!("/api/v1/persons/{}?fields=snils", w.person_a.0), None).await;
    assert_eq!((s, body["error"].clone()), (StatusCode::FORBIDDEN, json!("purpose_required")));
    let huge = "x".repeat(300 * 1024);
    let r = post("/api/v1/me/corrections")
        .json(&json!({ "subject": "field:surname", "explanation": huge }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let (s, _) = w.send(Anonymous, Method::GET, "/healthz", None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = w.send(Anonymous, Method::GET, "/readyz", None).await;
    assert_eq!(s, StatusCode::OK);
    let (_, metrics) = w.send(Anonymous, Method::GET, "/metrics", None).await;
    let text = metrics.as_str().unwrap();
    for name in [
        "http_requests_total",
        "http_request_duration_seconds",
        "reestr_clock_lag_seconds",
        "reestr_measures_in_force",
        "reestr_unconfirmed_deliveries{agency=\"border\"}",
        "reestr_delivery_breaches{agency=\"border\"}",
        "reestr_pending_deliveries{agency=\"border\"}",
        "reestr_dead_letters{agency=\"border\"}",
        "reestr_notice_mail{state=\"failed\"}",
    ] {
        assert!(text.contains(name), "{name} missing from /metrics");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_extract_is_signed_downloadable_and_verifiable_on_the_public_page() {
    let w = World::new().await;
    let mut numbers = Vec::new();
    let mut documents = Vec::new();
    for kind in ["summonses", "record"] {
        let (status, made) = w.send(CitizenA, Method::POST, "/api/v1/me/extracts", Some(json!({ "kind": kind }))).await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        numbers.push(made["number"].as_str().unwrap().to_owned());
        documents.push(made["document"]["extract"].clone());
    }
    assert_ne!(documents[0], documents[1], "the two kinds differ");
    let client = &w.clients.iter().find(|(x, _)| *x == CitizenA).unwrap().1;
    for format in ["json", "html", "pdf"] {
        let r = client.get(format!("{}/api/v1/me/extracts/{}/{format}", w.base, numbers[1])).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{format}");
        let bytes = r.bytes().await.unwrap();
        if format == "pdf" {
            assert!(bytes.starts_with(b"%PDF"));
        }
        // Each download verifies offline with the register's public keys from /log/key.
        let key = Client::new().get(format!("{}/log/key", w.base)).send().await.unwrap().text().await.unwrap();
        let verifiers = reestr_ledger::keys::Verifiers::parse(&key).unwrap();
        let verified =
            reestr_docs::verify::verify_file(&bytes, &verifiers).unwrap_or_else(|e| panic!("{format}: {e:?}"));
        assert_eq!(verified.extract.number, numbers[1]);
    }
    let (s, _) = w.send(CitizenB, Method::GET, &format!("/api/v1/me/extracts/{}/json", numbers[1]), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "another person's extract is not theirs to download");
    // The public page and its JSON twin, without logging in.
    let page = Client::new().get(format!("{}/verify/{}", w.base, numbers[1])).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Выписка подлинная") && html.contains(&numbers[1]));
    assert!(!html.contains("500-001"), "the page shows no more than the extract (documents masked)");
    let (s, verdict) = w.send(Anonymous, Method::GET, &format!("/api/v1/verify/{}", numbers[0]), None).await;
    assert_eq!((s, verdict["status"].clone()), (StatusCode::OK, json!("genuine")));
    let (s, verdict) = w.send(Anonymous, Method::GET, "/api/v1/verify/R-20250610-0000000000", None).await;
    assert_eq!((s, verdict["status"].clone()), (StatusCode::OK, json!("unknown")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_publishes_signed_checkpoints_keys_and_tiles() {
    let w = World::new().await;
    let checkpoint =
        Client::new().get(format!("{}/log/checkpoint", w.base)).send().await.unwrap().text().await.unwrap();
    let lines: Vec<&str> = checkpoint.lines().collect();
    assert_eq!(lines[0], "reestr.test/log", "{checkpoint}");
    let size: u64 = lines[1].parse().unwrap();
    assert!(size > 0);
    assert!(lines.iter().any(|l| l.starts_with("— reestr.test/log ")), "signed: {checkpoint}");
    let key = Client::new().get(format!("{}/log/key", w.base)).send().await.unwrap().text().await.unwrap();
    assert!(key.starts_with("reestr.test/log+"), "{key}");
    let tile = Client::new().get(format!("{}/log/tile/0/000.p/{}", w.base, size.min(255))).send().await.unwrap();
    assert_eq!(tile.status(), StatusCode::OK);
    assert_eq!(tile.bytes().await.unwrap().len() as u64, 32 * size.min(255));
    let missing = Client::new().get(format!("{}/log/tile/0/999", w.base)).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_runs_a_campaign_dry_run_then_issues_it_in_the_background() {
    let w = World::new().await;
    let (status, c) = w.send(Supervisor, Method::POST, "/api/v1/campaigns", Some(campaign_body())).await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    assert_eq!((c["state"].as_str(), c["quota"].as_u64(), c["issued"].as_u64()), (Some("draft"), Some(2), Some(0)));
    let id = c["id"].as_i64().unwrap();

    // Person A holds an open summons: reported, not summoned; person B would be.
    let (status, dry) =
        w.send(Supervisor, Method::POST, &format!("/api/v1/campaigns/{id}/dry-run?sample=5"), None).await;
    assert_eq!(status, StatusCode::OK, "{dry}");
    assert_eq!(
        (dry["cohort"].as_u64(), dry["open_summonses"].as_u64(), dry["would_issue"].as_u64()),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!(dry["regions"][0]["rollout"], "pilot");
    let sample = dry["sample"].as_array().unwrap();
    assert_eq!(sample.len(), 1);
    assert_eq!(
        (sample[0]["surname"].as_str(), sample[0]["birth_date"].as_str()),
        (Some("Смирнов"), Some("2003-04-05"))
    );
    assert!(sample[0].get("snils").is_none() && sample[0].get("phone").is_none());

    let (status, started) = w.send(Supervisor, Method::POST, &format!("/api/v1/campaigns/{id}/issue"), None).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    let mut c = started;
    for _ in 0..100 {
        if c["state"] == "done" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        c = w.send(Supervisor, Method::GET, &format!("/api/v1/campaigns/{id}"), None).await.1;
    }
    assert_eq!((c["state"].as_str(), c["issued"].as_u64()), (Some("done"), Some(1)), "{c}");
    assert_eq!(c["regions"][0]["held_open"], 1);
    assert!(c["issued_by"].as_str().unwrap().ends_with(":supervisor"), "{c}");
    let (_, list) = w.send(Registrar, Method::GET, "/api/v1/campaigns", None).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    // Issuing again changes nothing; a dry run now finds nobody left.
    let (status, again) = w.send(Admin, Method::POST, &format!("/api/v1/campaigns/{id}/issue"), None).await;
    assert_eq!((status, again["issued"].as_u64()), (StatusCode::ACCEPTED, Some(1)));
    let (_, dry) = w.send(Supervisor, Method::POST, &format!("/api/v1/campaigns/{id}/dry-run"), None).await;
    assert_eq!(dry["would_issue"], 0);

    // Bad input is a clear 4xx.
    let bad = |f: fn(&mut Value)| {
        let mut b = campaign_body();
        f(&mut b);
        b
    };
    for (body, code) in [
        (bad(|b| b["quotas"][0]["region"] = json!("xx")), "bad_json"),
        (bad(|b| b["quotas"] = json!([])), "campaign_no_quotas"),
        (bad(|b| b["quotas"][0]["quota"] = json!(0)), "campaign_quota_out_of_range"),
        (bad(|b| b["appointments_from"] = json!("2025-02-30")), "invalid_request"),
        (bad(|b| b["appointments_from"] = json!("2025-06-01")), "campaign_appointments_begun"),
        (bad(|b| b["statuses"] = json!(["deregistered"])), "bad_json"),
        (bad(|b| b["born_from"] = json!(40000)), "bad_json"),
        (bad(|b| b["quotas"][0]["region"] = json!("99")), "unknown_region"),
    ] {
        let (status, e) = w.send(Admin, Method::POST, "/api/v1/campaigns", Some(body)).await;
        assert!(status.is_client_error(), "{status} {e}");
        assert_eq!(e["error"], code, "{e}");
    }
    let (status, _) = w.send(Admin, Method::GET, "/api/v1/campaigns/999", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = w.send(Admin, Method::POST, "/api/v1/campaigns/999/issue", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = w.send(Admin, Method::POST, &format!("/api/v1/campaigns/{id}/dry-run?sample=101"), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
