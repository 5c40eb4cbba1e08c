//! `scim::filter::parse` on arbitrary UTF-8 (RFC 7644 §3.4.2.2). Checks that parsing never
//! panics; that a parsed filter prints (its `Display` is the canonical form) to text that parses
//! back to the same tree and prints the same again; and that evaluating it with `matches`
//! against the RFC 7643 §8.3 User and §8.4 Group never panics.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use scim::filter::{self, FilterLimits};
use scim::schema::{GROUP_RESOURCE, USER_RESOURCE};

/// Printing may lengthen a filter (`not(` → `not (`, Entra's `a[b or c].d eq 1` →
/// `a[(b or c) and d eq 1]`), so the re-parse is not held to the input's limits.
const ROOMY: FilterLimits = FilterLimits { max_length: usize::MAX, max_depth: usize::MAX };

fuzz_target!(|input: &str| {
    let Ok(parsed) = filter::parse(input, &FilterLimits::default()) else { return };
    let printed = parsed.to_string();
    match filter::parse(&printed, &ROOMY) {
        Ok(reparsed) => {
            assert_eq!(reparsed, parsed, "{input:?} prints as {printed:?}, which parses differently");
            assert_eq!(reparsed.to_string(), printed, "printing {input:?} is not idempotent");
        }
        Err(e) => panic!("{input:?} prints as {printed:?}, which does not parse: {}", e.detail),
    }
    parsed.matches(&common::USER, &USER_RESOURCE);
    parsed.matches(&common::GROUP, &GROUP_RESOURCE);
});
