//! Shared by the importer targets.

use std::{
    cell::RefCell,
    sync::{Arc, LazyLock},
};

use reestr_core::{person::Provenance, region::Directory};
use reestr_import::{Format, Validator, read};
use reestr_store::{Codec, Keyring};

static CODEC: LazyLock<Codec> = LazyLock::new(|| Codec::new(Arc::new(Keyring::generate())));

pub fn import(format: Format, data: &[u8]) {
    let provenance = Arc::new(Provenance { source: "fuzz".into(), as_of: jiff::civil::date(2025, 6, 1) });
    let mut v = Validator::new(provenance, CODEC.clone(), Directory::builtin());
    let seen = RefCell::new((0u64, 0u64));
    let send = |b: reestr_import::Batch| {
        assert_eq!(b.rows.len(), b.info.lines.len());
        let mut s = seen.borrow_mut();
        s.0 += b.rows.len() as u64;
        s.1 += b.info.rejected_rows;
        true
    };
    if read(format, data, "fuzz", 7, &mut v, &send).is_ok() {
        let (taken, rejected) = *seen.borrow();
        let lines = data.iter().filter(|b| **b == b'\n').count() as u64 + 1;
        assert!(taken + rejected <= lines, "more rows than lines");
    }
}
