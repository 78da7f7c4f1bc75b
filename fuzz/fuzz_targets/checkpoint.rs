//! Opening a signed checkpoint: never a panic, and nothing unsigned opens.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use reestr_ledger::keys::{SigningKeyPair, Verifiers};

static VERIFIERS: LazyLock<Verifiers> = LazyLock::new(|| {
    let key = SigningKeyPair::from_seed("reestr.fuzz/log", &[9; 32]).expect("a key");
    Verifiers::parse(key.verifier_key()).expect("its verifier")
});

fuzz_target!(|data: &[u8]| {
    let Ok(note) = std::str::from_utf8(data) else { return };
    assert!(reestr_ledger::checkpoint::open(note, &VERIFIERS).is_err());
});
