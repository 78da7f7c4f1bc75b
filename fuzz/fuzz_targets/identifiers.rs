//! Every identifier parser: never a panic, and whatever parses prints back to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use reestr_core::{
    days::DateRange,
    ids::{Inn, IssuerCode, Passport, Snils},
    region::{CommissariatCode, RegionCode},
    summons::SummonsNumber,
};

fn round_trip<T>(s: &str)
where
    T: std::str::FromStr + std::fmt::Display + PartialEq + std::fmt::Debug,
{
    if let Ok(v) = s.parse::<T>() {
        let again: T = v.to_string().parse().ok().expect("a printed value parses");
        assert_eq!(again, v);
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    round_trip::<Snils>(s);
    round_trip::<Inn>(s);
    round_trip::<Passport>(s);
    round_trip::<IssuerCode>(s);
    round_trip::<DateRange>(s);
    round_trip::<RegionCode>(s);
    round_trip::<CommissariatCode>(s);
    round_trip::<SummonsNumber>(s);
});
