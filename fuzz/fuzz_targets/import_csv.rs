//! The CSV importer on any bytes: never a panic; every row is either taken or rejected.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    common::import(reestr_import::Format::Csv, data);
});
