//! Building a record from any field texts: never a panic, and every value of a record that is
//! accepted parses back from its canonical text to the same value.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use reestr_core::{
    person::{Field, Provenance, Record},
    region::Directory,
};

fuzz_target!(|data: &[u8]| {
    // Fields separated by 0x1e, each "index 0x1f text".
    let text = String::from_utf8_lossy(data);
    let pairs: Vec<(Field, &str)> = text
        .split('\u{1e}')
        .filter_map(|part| {
            let (i, t) = part.split_once('\u{1f}')?;
            let field = *Field::ALL.get(i.parse::<usize>().ok()? % Field::ALL.len())?;
            Some((field, t))
        })
        .collect();
    let provenance = Arc::new(Provenance { source: "fuzz".into(), as_of: jiff::civil::date(2025, 6, 1) });
    if let Ok(record) = Record::from_texts(pairs, &provenance, Directory::builtin()) {
        for (field, entry) in record.entries() {
            let again = field.parse(&entry.value.to_string()).expect("a canonical text parses");
            assert_eq!(again, entry.value, "{field}");
        }
    }
});
