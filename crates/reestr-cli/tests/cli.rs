//! The `reestr` binary, driven as a person at a terminal would.
#![allow(clippy::unwrap_used)]

use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
};

struct Env {
    dir: tempfile::TempDir,
    /// A PostgreSQL schema for the register instead of a file beside the test.
    pg: Option<reestr_postgres::testing::Schema>,
}

impl Env {
    fn new() -> Env {
        Env { dir: tempfile::tempdir().unwrap(), pg: None }
    }

    /// A register in a schema of its own on REESTR_TEST_POSTGRES's server; None when none is named.
    fn postgres() -> Option<Env> {
        let schema = reestr_postgres::testing::Schema::new(&reestr_postgres::testing::url()?);
        drop(schema.open());
        Some(Env { dir: tempfile::tempdir().unwrap(), pg: Some(schema) })
    }

    /// The binary, with the register's database (and, on PostgreSQL, its keys' directory).
    fn command(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_reestr"));
        c.env("REESTR_DATABASE_URL", self.db()).current_dir(self.dir.path());
        if self.pg.is_some() {
            c.env("REESTR_KEYS_DIR", self.path("keys"));
        }
        c
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn db(&self) -> String {
        match &self.pg {
            Some(schema) => {
                let sep = if schema.url.contains('?') { '&' } else { '?' };
                format!("{}{sep}options=-c%20search_path%3D{}", schema.url, schema.name)
            }
            None => format!("sqlite://{}", self.path("reestr.db").display()),
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    fn write(&self, name: &str, content: &[u8]) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, content).unwrap();
        p
    }

    fn events(&self) -> u64 {
        let stats = self.ok(&["stats"]);
        let line = stats.lines().find(|l| l.starts_with("events: ")).unwrap();
        line["events: ".len()..].parse().unwrap()
    }
}

fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap()
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn deadlines_reproduce_the_worked_example_under_both_policies() {
    let env = Env::new();
    let base = ["deadlines", "--zone", "Europe/Moscow", "--posted", "2025-05-09T14:00:00+03:00"];
    let seed = json(&env.ok(&[&base[..], &["--policy", "seed-2025"]].concat()));
    assert_eq!(seed["served_at"], "2025-05-16T21:00:00Z");
    assert_eq!(seed["report_window_ends_at"], "2025-06-06T21:00:00Z");
    let measures = seed["measures"].as_array().unwrap();
    assert_eq!(measures.len(), 7);
    assert!(measures.iter().all(|m| m["starts_at"] == "2025-06-06T21:00:00Z"));

    let fz = json(&env.ok(&[&base[..], &["--policy", "fz53-2023", "--appointment", "2025-05-20T09:00"]].concat()));
    assert_eq!(fz["served_at"], "2025-05-16T21:00:00Z");
    assert_eq!(fz["report_window_ends_at"], "2025-06-09T21:00:00Z");
    let exit = fz["measures"].as_array().unwrap().iter().find(|m| m["kind"] == "exit_ban").unwrap().clone();
    assert_eq!(exit["starts_at"], "2025-05-16T21:00:00Z");

    let out = env.run(&[&base[..], &["--policy", "fz53-2023"]].concat());
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs the appointment"));

    // Excused days and an earlier hand-over.
    let v = json(
        &env.ok(&[
            &base[..],
            &["--policy", "seed-2025", "--served-in-person", "2025-05-10T10:00", "--excused", "2025-05-12..2025-05-18"],
        ]
        .concat()),
    );
    assert_eq!(v["served_at"], "2025-05-10T07:00:00Z");
    assert_eq!(v["served_how"], "in_person");
    assert_eq!(v["report_window_ends_at"], "2025-06-06T21:00:00Z");
}

const HEADER: &str = "surname,given_name,patronymic,sex,birth_date,snils,inn,passport_series,passport_number,region,registered_address,phone,email";

#[test]
fn an_import_takes_the_good_rows_and_reports_exactly_the_bad_ones() {
    let env = Env::new();
    let csv = [
        HEADER,
        "Иванов,Иван,Иванович,М,2001-03-15,112-233-445 95,500100732259,6101,000001,62,\"г. Рязань, ул. Ленина, д. 1\",+79120000001,ivanov@example.org",
        "Петров,Пётр,,M,2002-04-16,112-233-445 96,,6101,000002,62,,,",
        "Сидоров,Сидор,,M,2002-02-30,100-000-109 21,,6101,000003,62,,,",
        "Смирнов,Олег,,M,2000-01-01,100-000-110 14,,6101,000004,99,,,",
        "Козлов,Антон,,M,2000-01-01,112-233-445 95,,6101,000005,62,,,",
        ",Игорь,,M,2000-01-01,100-000-111 15,,6101,000006,62,,,",
        "Орлова,Анна,Петровна,Ж,1999-12-31,100-000-112 16,,6101,000007,12,,,",
    ]
    .join("\n");
    let file = env.write("persons.csv", csv.as_bytes());
    let out = env.run(&["import", "persons", p(&file)]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stdout}{stderr}");
    assert!(stdout.contains("imported 2, updated 0, rejected 5"), "{stdout}");
    for expected in [
        "persons.csv:3: snils:",
        "(checksum_mismatch)",
        "persons.csv:4: birth_date:",
        "(not_a_date)",
        "persons.csv:5: region:",
        "(unknown_region)",
        "persons.csv:6: snils: the same snils as line 2 (duplicate_in_file)",
        "persons.csv:7: surname: a required field is missing (required)",
    ] {
        assert!(stderr.contains(expected), "missing {expected:?} in\n{stderr}");
    }
    assert!(!stderr.contains("112-233-445"), "personal data must not be echoed: {stderr}");
    let rejects = std::fs::read_to_string(env.path("persons.csv.rejects.csv")).unwrap();
    let lines: Vec<&str> = rejects.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(lines, ["3", "4", "5", "6", "7"], "{rejects}");

    // The same file again changes nothing and adds no events.
    let events = env.events();
    let out = env.run(&["import", "persons", p(&file)]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("imported 0, updated 0, rejected 5"));
    assert_eq!(env.events(), events);

    let shown = json(&env.ok(&["person", "show", "--snils", "11223344595"]));
    assert_eq!(shown["name"], "Иванов Иван Иванович");
    assert_eq!(shown["fields"]["registered_address"]["value"], "г. Рязань, ул. Ленина, д. 1");
    assert_eq!(shown["fields"]["surname"]["source"], "import:persons.csv");
}

#[test]
fn an_import_handles_a_bom_crlf_quoted_newlines_and_cyrillic_and_updates_with_history() {
    let env = Env::new();
    let mut data = b"\xEF\xBB\xBF".to_vec();
    data.extend_from_slice(
        "region,snils,surname,given_name,sex,birth_date,passport_series,passport_number,actual_address\r\n\
         62,11223344595,Ёлкин,Семён,м,15.03.2001,6101,000001,\"г. Рязань,\r\nул. Есенина, д. 5\"\r\n\
         62,11223344596,Ёлкин,Семён,м,15.03.2001,6101,000002,\r\n"
            .as_bytes(),
    );
    let file = env.write("bom.csv", &data);
    let out = env.run(&["import", "persons", p(&file), "--as-of", "2025-05-01"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("imported 1, updated 0, rejected 1"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bom.csv:4: snils:"), "the line counts the quoted line break: {stderr}");
    let shown = json(&env.ok(&["person", "show", "--snils", "112-233-445 95"]));
    assert_eq!(shown["fields"]["surname"]["value"], "Ёлкин");
    assert_eq!(shown["fields"]["actual_address"]["value"], "г. Рязань,\r\nул. Есенина, д. 5");
    assert_eq!(shown["fields"]["birth_date"]["value"], "2001-03-15");

    let update = "snils,surname,given_name,sex,birth_date,passport_series,passport_number,region\n\
                  11223344595,Ёлкин,Семён,M,2001-03-15,6101,000009,62\n";
    let file = env.write("update.csv", update.as_bytes());
    let out = env.ok(&["import", "persons", p(&file), "--source", "mvd", "--as-of", "2025-06-01"]);
    assert!(out.contains("imported 0, updated 1, rejected 0"), "{out}");
    let shown = json(&env.ok(&["person", "show", "--snils", "11223344595"]));
    assert_eq!(shown["fields"]["passport_number"]["value"], "000009");
    assert_eq!(shown["fields"]["passport_number"]["source"], "mvd");
    assert_eq!(shown["history"][0]["field"], "passport_number");
    assert_eq!(shown["history"][0]["value"], "000001");
    assert_eq!(shown["history"][0]["source"], "import:bom.csv");
}

#[test]
fn json_lines_import_and_export_round_trip() {
    let env = Env::new();
    let jsonl = [
        r#"{"surname":"Иванов","given_name":"Иван","sex":"M","birth_date":"2001-03-15","snils":"11223344595","passport_series":"6101","passport_number":"000001","region":62,"children":2}"#,
        r#"{"surname":"Петров","given_name":"Пётр","sex":"M","birth_date":"2001-03-15","snils":"10000010921","passport_series":"6101","passport_number":"000002","region":"12","nickname":"x"}"#,
        "",
        r#"not json"#,
    ]
    .join("\n");
    let file = env.write("persons.jsonl", jsonl.as_bytes());
    let out = env.run(&["import", "persons", p(&file)]);
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("persons.jsonl:2: nickname: not a field of the record (unknown_field)"), "{stderr}");
    assert!(stderr.contains("persons.jsonl:4: -:"), "{stderr}");

    for format in ["csv", "jsonl"] {
        let exported = env.path(&format!("out.{format}"));
        env.ok(&["export", "persons", "--format", format, "--out", p(&exported)]);
        let other = Env::new();
        assert!(other.ok(&["import", "persons", p(&exported)]).contains("imported 1, updated 0, rejected 0"));
        let again = other.path(&format!("again.{format}"));
        other.ok(&["export", "persons", "--format", format, "--out", p(&again)]);
        assert_eq!(std::fs::read(&exported).unwrap(), std::fs::read(&again).unwrap(), "{format} round-trips");
    }
}

#[test]
fn a_header_with_an_unknown_or_missing_column_stops_before_anything_is_imported() {
    let env = Env::new();
    let file = env.write("bad.csv", "surname,snils2\nИванов,1\n".as_bytes());
    let out = env.run(&["import", "persons", p(&file)]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.csv:1: column 2 is \"snils2\""), "{stderr}");
    let file = env.write("short.csv", "surname,given_name\nИванов,Иван\n".as_bytes());
    let stderr = String::from_utf8_lossy(&env.run(&["import", "persons", p(&file)]).stderr).into_owned();
    assert!(stderr.contains("the required column sex is missing"), "{stderr}");
}

#[test]
fn a_summons_lives_through_the_command_line_with_the_clock() {
    let env = Env::new();
    let file = env.write(
        "one.csv",
        format!("{HEADER}\nИванов,Иван,Иванович,M,2001-03-15,11223344595,,6101,000001,62,,,\n").as_bytes(),
    );
    env.ok(&["import", "persons", p(&file)]);
    let at = ["--at", "2025-05-09T11:00:00Z"];
    let issued =
        json(&env.ok(&[&["summons", "issue", "--person", "1", "--appointment", "2025-05-20T09:00"], &at[..]].concat()));
    let number = issued["number"].as_str().unwrap().to_owned();
    assert_eq!(number, "62-2025-0000001");
    assert_eq!(issued["deadlines"]["report_window_ends_at"], "2025-06-06T21:00:00Z");

    let out = env.ok(&["clock", "--at", "2025-06-06T21:00:00Z"]);
    assert!(out.contains("1 served, 1 overdue, 7 measures started"), "{out}");
    let out = env.ok(&["clock", "--at", "2025-06-07T21:00:00Z"]);
    assert!(out.contains("0 summonses advanced"), "{out}");
    let shown = json(&env.ok(&["summons", "show", &number, "--at", "2025-06-08T00:00:00Z"]));
    assert_eq!(shown["status"], "overdue");
    assert_eq!(shown["measures_in_force"].as_array().unwrap().len(), 7);

    let appeared = json(&env.ok(&["summons", "appear", &number, "--at", "2025-06-08T07:00:00Z"]));
    assert_eq!(appeared["status"], "appeared");
    assert_eq!(appeared["measures_in_force"].as_array().unwrap().len(), 0);
    let out = env.run(&["summons", "appear", &number, "--at", "2025-06-09T07:00:00Z"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("accepts no further step"));

    // No summons where the register is off.
    env.ok(&["region", "set", "62", "off"]);
    let out = env.run(&[
        "summons",
        "issue",
        "--person",
        "1",
        "--appointment",
        "2025-07-20T09:00",
        "--at",
        "2025-07-01T00:00:00Z",
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not yet operate in region 62"));
}

#[test]
fn a_killed_import_leaves_whole_batches_and_a_rerun_resumes_it() {
    let env = Env::new();
    let file = env.path("many.csv");
    let regions = reestr_core::region::PILOT_REGIONS;
    reestr_synth::Population::new(3, &regions, jiff::civil::date(2026, 1, 1))
        .write_csv(std::fs::File::create(&file).unwrap(), 30_000)
        .unwrap();
    let mut child = env
        .command()
        .args(["import", "persons", p(&file), "--batch", "100"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once some batches have landed.
    let db = env.path("reestr.db");
    let started = std::time::Instant::now();
    loop {
        let persons = count(&db, "persons");
        if persons >= 300 || started.elapsed().as_secs() > 60 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let persons = count(&db, "persons");
    assert!(persons > 0 && persons < 30_000, "killed in the middle: {persons}");
    assert_eq!(persons % 100, 0, "only whole batches are committed");
    assert_eq!(count(&db, "events"), persons, "each person with its event");

    let out = env.ok(&["import", "persons", p(&file), "--batch", "100"]);
    assert!(out.contains(&format!("imported {}, updated 0, rejected 0", 30_000 - persons)), "{out}");
    assert!(out.contains(&format!("unchanged {persons}")), "{out}");
    assert_eq!(count(&db, "persons"), 30_000);
}

#[test]
fn a_campaign_killed_mid_issue_resumes_and_summons_nobody_twice() {
    let env = Env::new();
    let file = env.path("cohort.csv");
    reestr_synth::Population::new(4, &["62".parse().unwrap()], jiff::civil::date(2026, 1, 1))
        .write_csv(std::fs::File::create(&file).unwrap(), 3_000)
        .unwrap();
    let at = ["--at", "2026-03-02T10:00:00Z"];
    env.ok(&["import", "persons", p(&file)]);
    let created = env.ok(&[
        &at[..],
        &["campaign", "create", "--name", "Весенний призыв 2026", "--quota", "62=2500", "--born", "1970..2010"],
        &["--status", "registered,deferred", "--appointments", "2026-04-06..2026-04-30"],
    ]
    .concat());
    assert!(created.starts_with("campaign 1: Весенний призыв 2026"), "{created}");
    let dry = env.ok(&[&at[..], &["campaign", "dry-run", "1", "--sample", "3"]].concat());
    let would: u64 = dry.split_whitespace().nth(2).unwrap().parse().unwrap();
    assert!(would > 100 && would <= 2500, "{dry}");
    assert_eq!(dry.lines().filter(|l| l.contains(", born ")).count(), 3, "{dry}");

    let mut child = Command::new(env!("CARGO_BIN_EXE_reestr"))
        .args([&at[..], &["campaign", "issue", "1", "--batch", "10"]].concat())
        .env("REESTR_DATABASE_URL", env.db())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let db = env.path("reestr.db");
    let started = std::time::Instant::now();
    while count(&db, "campaign_members") < 50 && started.elapsed().as_secs() < 60 {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let members = count(&db, "campaign_members");
    assert!(members > 0 && members < would, "killed in the middle: {members} of {would}");
    assert_eq!(members % 10, 0, "only whole batches are committed");
    assert_eq!(count(&db, "summonses"), members);
    let shown = env.ok(&[&at[..], &["campaign", "show", "1"]].concat());
    assert!(
        shown.contains("state       issuing") && shown.contains(&format!("issued      {members} of 2500")),
        "{shown}"
    );

    let out = env.run(&[&at[..], &["campaign", "issue", "1", "--batch", "100"]].concat());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("state       done") && stdout.contains(&format!("issued      {would} of 2500")),
        "{stdout}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("issued {would} of 2500")));
    assert_eq!(count(&db, "campaign_members"), would);
    assert_eq!(count(&db, "summonses"), would);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let persons: i64 = conn.query_row("SELECT count(DISTINCT person_id) FROM summonses", [], |r| r.get(0)).unwrap();
    assert_eq!(persons as u64, would);
    let posted: i64 =
        conn.query_row("SELECT count(*) FROM events WHERE kind = 'summons_posted'", [], |r| r.get(0)).unwrap();
    assert_eq!(posted as u64, would);
}

/// Rows in a table, read as another process would, while the import may be writing.
fn count(db: &Path, table: &str) -> u64 {
    let Ok(conn) = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY) else {
        return 0;
    };
    conn.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get::<_, i64>(0)).map_or(0, |n| n as u64)
}

#[test]
fn the_database_file_holds_no_sensitive_value_in_clear() {
    let env = Env::new();
    env.ok(&["demo", "--no-serve", "--persons", "300"]);
    let db = env.path("reestr.db");
    // The demo fills the inboxes, and the e-mail outbox with the synthetic addresses, sealed.
    assert!(count(&db, "notices") > 100 && count(&db, "notice_mail") > 100, "{}", count(&db, "notices"));
    let mut bytes = std::fs::read(&db).unwrap();
    bytes.extend(std::fs::read(env.path("reestr.db-wal")).unwrap_or_default());
    let contains = |needle: &str| memchr::memmem::find(&bytes, needle.as_bytes()).is_some();
    // The demo's people, made again from the same seed.
    let mut population =
        reestr_synth::Population::new(2025, &reestr_core::region::PILOT_REGIONS, jiff::civil::date(2026, 1, 1));
    let column = |name: &str| reestr_synth::COLUMNS.iter().position(|f| f.name() == name).unwrap();
    let mut names_found = 0;
    for _ in 0..300 {
        let row = population.next_row();
        for field in ["snils", "inn", "registered_address", "phone", "email"] {
            let value = &row[column(field)];
            assert!(!contains(value), "{field} of a demo person is stored in clear");
        }
        let digits: String = row[column("snils")].chars().filter(char::is_ascii_digit).collect();
        assert!(!contains(&digits));
        let passport = format!("{}{}", row[column("passport_series")], row[column("passport_number")]);
        assert!(!contains(&passport));
        names_found += usize::from(contains(&row[column("surname")].to_lowercase()));
    }
    assert!(names_found > 250, "names are not sensitive and stay searchable ({names_found})");
}

/// A free port on loopback (bound, then released for the server to take).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn serve(env: &Env, port: u16) -> std::process::Child {
    let mut child = env
        .command()
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--no-clock", "--no-dispatcher"])
        .args(["--at", "2025-06-08T00:00:00Z"])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..400 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return child;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    panic!("the server did not start");
}

#[test]
fn the_reference_consumer_killed_mid_batch_and_a_restarted_register_still_get_every_item_once_in_order_on_sqlite() {
    the_reference_consumer_killed_mid_batch_and_a_restarted_register_still_get_every_item_once_in_order(Env::new());
}

#[test]
fn the_reference_consumer_killed_mid_batch_and_a_restarted_register_still_get_every_item_once_in_order_on_postgres() {
    if let Some(env) = Env::postgres() {
        the_reference_consumer_killed_mid_batch_and_a_restarted_register_still_get_every_item_once_in_order(env);
    }
}

fn the_reference_consumer_killed_mid_batch_and_a_restarted_register_still_get_every_item_once_in_order(env: Env) {
    use std::io::{BufRead, BufReader};
    let file = env.path("few.csv");
    reestr_synth::Population::new(7, &["62".parse().unwrap()], jiff::civil::date(2025, 1, 1))
        .write_csv(std::fs::File::create(&file).unwrap(), 12)
        .unwrap();
    env.ok(&["import", "persons", p(&file)]);
    let kinds = "exit_ban,driving_ban,vehicle_registration_ban,real_estate_ban,credit_ban,foreign_passport_ban,entrepreneur_registration_ban";
    env.ok(&["agency", "add", "everything", "--kinds", kinds]);
    let key = env.ok(&["key", "create", "--agency", "everything"]).trim().to_owned();
    assert!(key.starts_with("rk_") && !key.contains('\n'), "the key alone: {key}");
    for person in 1..=12 {
        let id = person.to_string();
        env.ok(&[
            "summons",
            "issue",
            "--person",
            &id,
            "--appointment",
            "2025-05-20T09:00",
            "--at",
            "2025-05-09T11:00:00Z",
        ]);
    }
    env.ok(&["clock", "--at", "2025-06-07T00:00:00Z"]);
    let expected: Vec<u64> = env
        .ok(&["log", "--limit", "100000"])
        .lines()
        .map(json)
        .filter(|e| e["kind"] == "measure_started")
        .map(|e| e["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(expected.len(), 12 * 7);

    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let mut server = serve(&env, port);
    let cursor = env.path("cursor");
    let follow = |once: bool| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_reestr"));
        c.args(["agency", "follow", "--key", &key, "--url", &url, "--confirm", "--limit", "5", "--interval", "0.1"])
            .args(["--cursor-file", p(&cursor)])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null());
        if once {
            c.arg("--once");
        }
        c.spawn().unwrap()
    };
    // The first follower is killed after 23 items: in the middle of its fifth page.
    let mut first = follow(false);
    let mut lines = Vec::new();
    let mut reader = BufReader::new(first.stdout.take().unwrap());
    while lines.len() < 23 {
        let mut line = String::new();
        assert!(reader.read_line(&mut line).unwrap() > 0);
        lines.push(line);
    }
    first.kill().unwrap();
    first.wait().unwrap();
    // The register is restarted while the second follower runs.
    server.kill().unwrap();
    server.wait().unwrap();
    let second = follow(true);
    std::thread::sleep(std::time::Duration::from_millis(500));
    let mut server = serve(&env, port);
    let out = second.wait_with_output().unwrap();
    assert!(out.status.success());
    lines.extend(String::from_utf8(out.stdout).unwrap().lines().map(|l| format!("{l}\n")));
    server.kill().unwrap();
    server.wait().unwrap();

    let mut seen: Vec<u64> = Vec::new();
    let mut by_id = std::collections::BTreeMap::new();
    for line in &lines {
        let item = json(line);
        let id = item["id"].as_u64().unwrap();
        if let Some(before) = by_id.insert(id, line.clone()) {
            assert_eq!(&before, line, "a duplicate is the same item");
        } else {
            seen.push(id);
        }
        assert!(item["person"]["passport"].as_str().unwrap().len() == 11);
    }
    assert_eq!(seen, expected, "every item, in order, none lost");
    assert!(lines.len() < expected.len() + 5, "duplicates only from the page the kill interrupted");
    let list = env.ok(&["agency", "list", "--at", "2025-06-08T00:00:00Z"]);
    assert!(list.contains("pending 0  unconfirmed 0  breaches 0"), "all confirmed: {list}");
}
