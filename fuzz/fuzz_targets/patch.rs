//! `scim::patch::PatchRequest::parse` and `scim::patch::apply` (RFC 7644 §3.5.2) on arbitrary
//! JSON (inputs that are not JSON are skipped). Under each `Tolerance`, a request that parses is
//! applied to the RFC 7643 §8.3 User and §8.4 Group as the server stores them. Checks that
//! nothing panics (errors are fine); that a failed PATCH leaves the resource unchanged (it is
//! atomic); and that a successful one leaves it canonical, so canonicalising again changes
//! nothing.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use scim::filter::FilterLimits;
use scim::patch::{self, PatchRequest};
use scim::resource;
use scim::schema::{GROUP_RESOURCE, USER_RESOURCE};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<Value>(data) else { return };
    for tolerance in common::TOLERANCES {
        let Ok(request) = PatchRequest::parse(&body, tolerance) else { continue };
        for (stored, schema) in [(&*common::STORED_USER, &USER_RESOURCE), (&*common::STORED_GROUP, &GROUP_RESOURCE)] {
            let mut patched = stored.clone();
            match patch::apply(&mut patched, &request, schema, tolerance, &FilterLimits::default()) {
                Ok(_) => {
                    let mut again = patched.clone();
                    resource::canonicalize(&mut again, schema, tolerance).expect("a patched resource canonicalises");
                    assert_eq!(again, patched, "the result of a PATCH is not canonical");
                }
                Err(_) => assert_eq!(&patched, stored, "a failed PATCH changed the resource"),
            }
        }
    }
});
