//! Verifying a presented extract (JSON, page or PDF bytes): never a panic, and never genuine
//! unless signed by the key.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use reestr_ledger::keys::{SigningKeyPair, Verifiers};

static VERIFIERS: LazyLock<Verifiers> = LazyLock::new(|| {
    let key = SigningKeyPair::from_seed("reestr.fuzz/log", &[7; 32]).expect("a key");
    Verifiers::parse(key.verifier_key()).expect("its verifier")
});

fuzz_target!(|data: &[u8]| {
    // Nothing the fuzzer makes can carry a signature by this key.
    assert!(reestr_docs::verify::verify_file(data, &VERIFIERS).is_err());
});
