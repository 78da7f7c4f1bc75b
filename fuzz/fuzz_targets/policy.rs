//! Policy files: any text is either a checked policy or an error naming the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use reestr_core::policy::Policy;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match Policy::from_toml("fuzz.toml", text) {
        Ok(p) => assert!(p.service.deemed_after_days >= 1 && p.report_window.days >= 1 && !p.measures.is_empty()),
        Err(e) => assert!(e.to_string().contains("fuzz.toml")),
    }
});
