//! Notices over HTTP: the inbox, preferences, the public check (JSON and the HTML form), and
//! e-mail through a real SMTP server on loopback (Python's aiosmtpd) that is down for a while and
//! comes back: every notice arrives, exactly once.

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use base64::Engine;
use jiff::SignedDuration;
use reestr_core::person::{Field, Provenance};
use reestr_server::{Settings, SmtpSettings};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{Who::*, World, draft, op, ts};

const ADDRESS: &str = "oleg.smirnov@example.test";

/// aiosmtpd on loopback, saving what it receives into a maildir.
struct Smtp {
    child: Child,
}

impl Smtp {
    fn start(port: u16, maildir: &Path) -> Smtp {
        let child = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 with aiosmtpd (python3 -m pip install aiosmtpd)");
        let smtp = Smtp { child };
        for _ in 0..400 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return smtp;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("aiosmtpd did not start on port {port}");
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Every message the server saved.
fn received(maildir: &Path) -> Vec<String> {
    ["new", "cur"]
        .iter()
        .filter_map(|d| std::fs::read_dir(maildir.join(d)).ok())
        .flatten()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect()
}

fn header<'a>(message: &'a str, name: &str) -> Option<&'a str> {
    message
        .lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim()))
}

/// The text of a single-part message, whichever transfer encoding lettre chose.
fn body(message: &str) -> String {
    let (_, raw) = message.split_once("\n\n").or_else(|| message.split_once("\r\n\r\n")).unwrap();
    match header(message, "content-transfer-encoding").map(str::to_ascii_lowercase).as_deref() {
        Some("base64") => {
            let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
            String::from_utf8(base64::engine::general_purpose::STANDARD.decode(compact).unwrap()).unwrap()
        }
        Some("quoted-printable") => {
            let joined = raw.replace("=\r\n", "").replace("=\n", "");
            let mut bytes = Vec::new();
            let mut it = joined.bytes();
            while let Some(b) = it.next() {
                if b == b'=' {
                    let hex: String = [it.next().unwrap(), it.next().unwrap()].iter().map(|&c| c as char).collect();
                    bytes.push(u8::from_str_radix(&hex, 16).unwrap());
                } else {
                    bytes.push(b);
                }
            }
            String::from_utf8(bytes).unwrap()
        }
        _ => raw.to_owned(),
    }
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..600 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inbox_shows_every_notice_with_a_code_anyone_can_check() {
    let w = World::new().await;
    // The set-up's summons was posted, served, and its measures started.
    let (status, inbox) = w.send(CitizenA, Method::GET, "/api/v1/me/notices", None).await;
    assert_eq!(status, StatusCode::OK, "{inbox}");
    let kinds: Vec<&str> = inbox.as_array().unwrap().iter().map(|n| n["content"]["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["measures_started", "summons_served", "summons_posted"], "newest first");
    let served = &inbox[1];
    assert_eq!(served["content"]["required"], true);
    assert!(served["content"]["ru"]["next"].as_str().unwrap().contains("7 июня 2025 г."), "{served}");
    assert!(served["content"]["en"]["body"].as_str().unwrap().contains("7 days have passed"), "{served}");
    assert_eq!(served["email"], Value::Null, "the record has no e-mail address");
    let (_, page) =
        w.send(CitizenA, Method::GET, &format!("/api/v1/me/notices?before={}&limit=1", inbox[0]["id"]), None).await;
    assert_eq!(page.as_array().unwrap().len(), 1);
    assert_eq!(page[0]["id"], served["id"]);
    let (_, other) = w.send(CitizenB, Method::GET, "/api/v1/me/notices", None).await;
    assert_eq!(other, json!([]), "each person sees their own");

    // The public check: anyone learns it is genuine, with the summons number masked; the person
    // sees the whole notice.
    let code = served["code"].as_str().unwrap();
    let w = &w;
    let check = |who, code: &str| {
        let body = json!({ "code": code });
        async move { w.send(who, Method::POST, "/api/v1/notices/verify", Some(body)).await }
    };
    let (status, anyone) = check(Anonymous, &code.to_lowercase().replace('-', " ")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((anyone["status"].as_str(), anyone["kind"].as_str()), (Some("genuine"), Some("summons_served")));
    assert_eq!(anyone["content"], Value::Null);
    let number = served["content"]["summons"].as_str().unwrap();
    assert!(anyone["summons"].as_str().unwrap().ends_with(&number[number.len() - 3..]));
    assert_ne!(anyone["summons"].as_str().unwrap(), number);
    assert!(anyone["warning_ru"].as_str().unwrap().contains("никогда не просит"));
    let (_, stranger) = check(CitizenB, code).await;
    assert_eq!(stranger["content"], Value::Null);
    let (_, mine) = check(CitizenA, code).await;
    assert_eq!(mine["content"], served["content"]);
    assert_eq!(mine["summons"].as_str(), Some(number));
    let (_, unknown) = check(Anonymous, "0000-0000-0000").await;
    assert_eq!(unknown["status"], "unknown");
    let (status, bad) = check(Anonymous, "not a code").await;
    assert_eq!((status, bad["error"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("notice_code_format")));

    // The HTML form, without JavaScript or login.
    let client = reqwest::Client::new();
    let form = client.get(format!("{}/notices/verify", w.base)).send().await.unwrap();
    assert_eq!(form.status(), StatusCode::OK);
    assert!(form.text().await.unwrap().contains("никогда не просит в уведомлениях пароль"));
    let post = |code: &str| {
        let body = format!("code={}", percent_encoding::utf8_percent_encode(code, percent_encoding::NON_ALPHANUMERIC));
        client
            .post(format!("{}/notices/verify", w.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let genuine = post(code).await.unwrap();
    assert_eq!(genuine.status(), StatusCode::OK);
    let text = genuine.text().await.unwrap();
    assert!(text.contains("Уведомление подлинное") && text.contains("Повестка считается врученной"), "{text}");
    assert!(!text.contains(number), "the number is masked for anyone");
    assert_eq!(post("0000-0000-0000").await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(post("<script>").await.unwrap().status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Preferences: optional kinds and quiet hours; required notices cannot be turned off.
    let (_, prefs) = w.send(CitizenA, Method::GET, "/api/v1/me/notices/preferences", None).await;
    assert_eq!(prefs["email"], json!(["appointment_reminder", "report_window_ending", "security_service_read"]));
    assert!(prefs["required"].as_array().unwrap().contains(&json!("measures_started")));
    let put = |body: Value| w.send(CitizenA, Method::PUT, "/api/v1/me/notices/preferences", Some(body));
    let (status, e) = put(json!({ "email": ["summons_served"], "quiet_hours": null })).await;
    assert_eq!((status, e["error"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("notice_required")));
    let (status, e) = put(json!({ "email": ["no_such_kind"] })).await;
    assert!(status.is_client_error(), "{e}");
    let (status, set) =
        put(json!({ "email": ["security_service_read"], "quiet_hours": { "from": "22:00", "to": "08:00" } })).await;
    assert_eq!(status, StatusCode::OK, "{set}");
    let (_, prefs) = w.send(CitizenA, Method::GET, "/api/v1/me/notices/preferences", None).await;
    assert_eq!(prefs["email"], json!(["security_service_read"]));
    assert!(prefs["quiet_hours"]["from"].as_str().unwrap().starts_with("22:00"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_notice_reaches_a_real_smtp_server_once_though_it_was_down_for_a_while() {
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let maildir: PathBuf = dir.path().join("mail");
    let smtp = SmtpSettings {
        url: format!("smtp://127.0.0.1:{port}"),
        from: "Реестр воинского учёта <notices@reestr.test>".into(),
        credentials: None,
        public_url: Some("https://reestr.test".into()),
        timeout: Duration::from_secs(5),
    };
    let w = World::with(Settings {
        run_clock: false,
        run_dispatcher: true,
        dispatch_interval: Duration::from_millis(50),
        smtp: Some(smtp),
        ..Settings::default()
    })
    .await;
    let provenance = Provenance { source: "gosuslugi".into(), as_of: jiff::civil::date(2025, 6, 1) };
    w.reg.update_person(&op(), w.person_a, &[(Field::Email, ADDRESS.into())], provenance, ts(super::T0)).unwrap();
    let issue = |n: usize, at| {
        for _ in 0..n {
            w.reg.issue(&op(), draft(w.person_a), at).unwrap();
        }
    };
    let stats = || w.reg.mail_stats().unwrap();

    // The server is down: the sender tries, fails, and backs off (the service's clock stands still).
    issue(3, ts(super::T0));
    wait_for("failed attempts", || stats().retrying == 3).await;
    let up = Smtp::start(port, &maildir);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(received(&maildir).is_empty(), "nothing is retried before its backoff ends");
    w.clock.set(ts(super::T0) + SignedDuration::from_mins(1));
    wait_for("three sent", || stats().sent == 3).await;
    assert_eq!(received(&maildir).len(), 3);

    // Down again while two more summonses are posted; back later.
    drop(up);
    let later = ts(super::T0) + SignedDuration::from_mins(2);
    w.clock.set(later);
    issue(2, later);
    wait_for("two failing", || stats().retrying == 2).await;
    let _up = Smtp::start(port, &maildir);
    w.clock.set(later + SignedDuration::from_mins(10));
    wait_for("five sent", || stats().sent == 5).await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    let messages = received(&maildir);
    assert_eq!(messages.len(), 5, "each notice once");
    assert_eq!(stats(), reestr_store::MailStats { pending: 0, retrying: 0, sent: 5, dead: 0 });
    let ids: BTreeSet<&str> = messages.iter().map(|m| header(m, "message-id").unwrap()).collect();
    assert_eq!(ids.len(), 5, "every message its own id");
    let (_, inbox) = w.send(CitizenA, Method::GET, "/api/v1/me/notices?limit=5", None).await;
    let mut codes: BTreeSet<String> =
        inbox.as_array().unwrap().iter().map(|n| n["code"].as_str().unwrap().to_owned()).collect();
    assert!(inbox.as_array().unwrap().iter().all(|n| n["email"]["state"] == "sent"), "{inbox}");
    for m in &messages {
        assert_eq!(header(m, "x-rcptto"), Some(ADDRESS));
        let text = body(m);
        assert!(text.contains("Вам направлена повестка") && text.contains("has been posted to you"), "{text}");
        assert!(text.contains("никогда не просит") && text.contains("never asks"), "{text}");
        let code = codes.iter().find(|c| text.contains(c.as_str())).cloned().expect("the notice's code");
        codes.remove(&code);
    }
    assert!(codes.is_empty(), "each message carries the code of a different notice");
}
