//! Hostile input over HTTP: every request gets a clear 4xx, never a 5xx or a hang, and the
//! register is unchanged by what it refused.

use std::{
    io::{Read, Write},
    net::TcpStream,
    time::{Duration, Instant},
};

use reestr_server::Settings;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{Who::*, World};

/// Sends raw bytes and returns the status line's code (0 when the server closed without one).
fn raw(base: &str, request: &[u8], wait: Duration) -> (u16, Duration) {
    let addr = base.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(wait)).unwrap();
    let start = Instant::now();
    let _ = s.write_all(request);
    let mut buf = [0u8; 64];
    let n = s.read(&mut buf).unwrap_or(0);
    let text = String::from_utf8_lossy(&buf[..n]);
    let code = text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    (code, start.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_bodies_get_clear_4xx() {
    let w = World::new().await;
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let client = &w.clients.iter().find(|(x, _)| *x == Registrar).unwrap().1;
    for (body, ctype) in [
        (deep.into_bytes(), "application/json"),
        (b"{\"person\": \"\xff\xfe\"}".to_vec(), "application/json"),
        (b"\x00\x01\x02".to_vec(), "application/json"),
        (b"{}".to_vec(), "text/plain"),
        (vec![b'{'; 10], "application/json"),
    ] {
        let r = client
            .post(format!("{}/api/v1/summonses", w.base))
            .header("content-type", ctype)
            .body(body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_client_error(), "{}", r.status());
        let v: Value = r.json().await.unwrap();
        assert!(v["error"].is_string());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn path_tricks_find_nothing() {
    let w = World::new().await;
    let long = format!("/api/v1/persons/{}", "9".repeat(50_000));
    for path in [
        "/api/v1/../api/v1/admin/users",
        "/api/v1/persons/%2e%2e/admin",
        "/api/v1/persons/1%00",
        "//api//v1//me",
        "/api/v1/persons/-1",
        "/api/v1/persons/1e3",
        "/api/v1/summonses/..%2f..%2fetc%2fpasswd",
        "/verify/%3Cscript%3E",
        long.as_str(),
    ] {
        let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let (code, _) = raw(&w.base, req.as_bytes(), Duration::from_secs(10));
        assert!((400..500).contains(&code), "{path:.60}: {code}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_metacharacters_in_every_field_change_nothing_they_should_not() {
    let w = World::new().await;
    let evil =
        ["'; DROP TABLE persons; --", "\" OR 1=1 --", "%' OR '%'='", "\\'; DELETE FROM events; --", "Robert'); --"];
    let before = w.reg.stats().unwrap();
    for e in evil {
        let requests: Vec<(Method, String, Option<Value>)> = vec![
            (
                Method::POST,
                "/api/v1/persons/search".into(),
                Some(json!({ "surname": e, "given_name": e, "birth_date": e })),
            ),
            (Method::POST, "/api/v1/persons/search".into(), Some(json!({ "snils": e }))),
            (
                Method::POST,
                "/api/v1/persons".into(),
                Some(json!({ "fields": { "surname": e, "given_name": e, "snils": e, "region": e }, "source": e })),
            ),
            (Method::PATCH, format!("/api/v1/persons/{}", w.person_a.0), Some(json!({ "fields": { "rank": e } }))),
            (
                Method::POST,
                "/api/v1/summonses".into(),
                Some(json!({ "person": w.person_a.0, "purpose": "call_up", "appointment": e, "address": e })),
            ),
            (Method::GET, format!("/api/v1/summonses/{}", urlencode(e)), None),
            (Method::GET, format!("/api/v1/summonses?status={}", urlencode(e)), None),
            (Method::POST, "/api/v1/auth/login".into(), Some(json!({ "login": e, "password": e }))),
        ];
        for (method, path, body) in requests {
            let (status, answer) = w.send(Registrar, method.clone(), &path, body).await;
            assert!(!status.is_server_error(), "{method} {path}: {status} {answer}");
        }
    }
    let after = w.reg.stats().unwrap();
    assert_eq!(after.persons, before.persons, "no person appeared or vanished");
    assert!(after.last_event >= before.last_event);
    assert_eq!(after.summonses.values().sum::<u64>(), before.summonses.values().sum::<u64>());
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_are_cut_off_and_others_still_served() {
    let w = World::with(Settings {
        run_clock: false,
        run_dispatcher: false,
        request_timeout: Duration::from_secs(2),
        ..Settings::default()
    })
    .await;
    // Headers that never finish (slowloris).
    let slow_headers: Vec<_> = (0..20)
        .map(|_| {
            let base = w.base.clone();
            std::thread::spawn(move || {
                raw(&base, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ", Duration::from_secs(20))
            })
        })
        .collect();
    // A body that never arrives.
    let base = w.base.clone();
    let slow_body = std::thread::spawn(move || {
        raw(&base, b"POST /api/v1/deadlines HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{", Duration::from_secs(20))
    });
    // Meanwhile everyone else is served.
    let (status, _) = w.send(Anonymous, Method::GET, "/healthz", None).await;
    assert_eq!(status, StatusCode::OK);
    for t in slow_headers {
        let (_, took) = t.join().unwrap();
        assert!(took < Duration::from_secs(10), "a slow client was held {took:?}");
    }
    let (code, took) = slow_body.join().unwrap();
    assert_eq!(code, 408);
    assert!(took < Duration::from_secs(10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_headers_and_bodies_are_refused() {
    let w = World::new().await;
    let huge_header = format!("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "a".repeat(1 << 20));
    let (code, _) = raw(&w.base, huge_header.as_bytes(), Duration::from_secs(10));
    assert!(code == 431 || code == 400 || code == 0, "{code}");
    let big_body = format!(
        "POST /api/v1/deadlines HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
        1 << 20,
        "x".repeat(1 << 20)
    );
    let (code, _) = raw(&w.base, big_body.as_bytes(), Duration::from_secs(10));
    assert_eq!(code, 413);
}
