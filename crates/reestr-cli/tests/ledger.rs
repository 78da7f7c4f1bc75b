//! The log, the audit and the extracts through the `reestr` binary, and an independent
//! implementation of signed-note (Python with PyNaCl) verifying what it signs.
#![allow(clippy::unwrap_used)]

use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
};

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        let env = Env { dir: tempfile::tempdir().unwrap() };
        let out = env.run(&["demo", "--persons", "20", "--no-serve", "--seed", "7"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        env
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_reestr"))
            .args(args)
            .env("REESTR_DATABASE_URL", format!("sqlite://{}", self.path("reestr.db").display()))
            .env_remove("REESTR_SIGNING_KEY")
            .env_remove("REESTR_KEYS")
            .current_dir(self.dir.path())
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn write(&self, name: &str, content: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, content).unwrap();
        p
    }
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn a_new_database_gets_a_key_and_says_so_and_checkpoints_are_signed_notes() {
    let env = Env::new();
    let out = env.run(&["log", "checkpoint"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("generated a new signing key"));
    let note = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = note.lines().collect();
    assert_eq!(lines[0], "reestr.local/log");
    assert!(lines[1].parse::<u64>().unwrap() > 20);
    assert!(lines[4].starts_with("\u{2014} reestr.local/log "), "{note}");
    let again = env.run(&["log", "checkpoint"]);
    assert!(String::from_utf8_lossy(&again.stderr).is_empty(), "the key is generated once");
    assert_eq!(String::from_utf8(again.stdout).unwrap(), note, "nothing new to sign");
    assert!(env.path("reestr.db.keys/log-signing.key").exists());
}

#[test]
fn an_extract_verifies_offline_and_a_tampered_one_does_not() {
    let env = Env::new();
    let out = env.path("x.json");
    env.ok(&["extract", "make", "--person", "1", "--kind", "record", "--out", p(&out)]);
    let key = env.write("register.pub", &env.ok(&["log", "key"]));
    let moved = env.path("elsewhere.json");
    std::fs::copy(&out, &moved).unwrap();
    assert!(env.ok(&["verify", p(&moved), "--key", p(&key)]).starts_with("genuine: extract R-"));
    let text = std::fs::read_to_string(&out).unwrap();
    let tampered = env.write("t.json", &text.replacen("\"as_of_event\": ", "\"as_of_event\": 1", 1));
    let r = env.run(&["verify", p(&tampered), "--key", p(&key)]);
    assert_eq!(r.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&r.stdout).contains("NOT genuine"));
    for ext in ["html", "pdf"] {
        let f = env.path(&format!("x.{ext}"));
        env.ok(&["extract", "make", "--person", "2", "--kind", "summonses", "--out", p(&f)]);
        env.ok(&["verify", p(&f), "--key", p(&key)]);
    }
    // After a rotation, the old extract is still genuine with the published keys.
    env.ok(&["keys", "rotate-signing"]);
    let keys = env.write("register2.pub", &env.ok(&["log", "key"]));
    assert_eq!(std::fs::read_to_string(&keys).unwrap().lines().count(), 2);
    env.ok(&["verify", p(&out), "--key", p(&keys)]);
}

#[test]
fn the_audit_passes_then_catches_a_changed_event() {
    let env = Env::new();
    env.ok(&["log", "checkpoint"]);
    assert!(env.ok(&["audit", "verify"]).contains("as signed and recorded"));
    let c = rusqlite::Connection::open(env.path("reestr.db")).unwrap();
    c.execute_batch("DROP TRIGGER events_no_update; UPDATE events SET actor = 'cli:nobody' WHERE seq = 12;").unwrap();
    drop(c);
    let r = env.run(&["audit", "verify"]);
    assert_eq!(r.status.code(), Some(4));
    assert!(
        String::from_utf8_lossy(&r.stdout).contains("first event that differs: 12"),
        "{}",
        String::from_utf8_lossy(&r.stdout)
    );
}

/// Python with PyNaCl (`.ci/run` installs it) verifies a checkpoint and an extract's proof,
/// written from the C2SP and RFC texts rather than from this code.
#[test]
fn an_independent_implementation_verifies_the_checkpoint_and_an_extract() {
    let env = Env::new();
    let extract = env.path("x.json");
    env.ok(&["extract", "make", "--person", "3", "--kind", "summonses", "--out", p(&extract)]);
    let checkpoint = env.write("checkpoint.txt", &env.ok(&["log", "checkpoint"]));
    let keys = env.write("keys.pub", &env.ok(&["log", "key"]));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/independent/verify_signed_note.py");
    let python = |args: &[&Path]| {
        let out = Command::new("python3").arg(&script).args(args).output().expect("python3 is needed");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!stderr.contains("No module named 'nacl'"), "PyNaCl is missing: pip install pynacl (.ci/run does)");
        (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned() + &stderr)
    };
    let (ok, said) = python(&[&keys, &checkpoint, &extract]);
    assert!(ok, "{said}");
    assert!(said.contains("signature verified") && said.contains("inclusion verified"), "{said}");
    let cp = std::fs::read_to_string(&checkpoint).unwrap();
    let size: u64 = cp.lines().nth(1).unwrap().parse().unwrap();
    let forged = env.write("forged.txt", &cp.replacen(&format!("\n{size}\n"), &format!("\n{}\n", size + 1), 1));
    let (ok, said) = python(&[&keys, &forged]);
    assert!(!ok && said.contains("does not verify"), "{said}");
    let other = env.write("other.pub", "reestr.local/log+0a1b2c3d+AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=\n");
    let (ok, _) = python(&[&other, &checkpoint]);
    assert!(!ok, "another key does not verify it");
}
