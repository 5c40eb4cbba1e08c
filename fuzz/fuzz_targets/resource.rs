//! `scim::resource::prepare` (RFC 7643 §2, §4; RFC 7644 §3.3) on arbitrary JSON (inputs that
//! are not JSON are skipped), for the User and the Group schema under each `Tolerance`. Checks
//! that nothing panics (errors are fine); that a prepared resource has no `password` and is
//! canonical (preparing it again, or canonicalising it, changes nothing); and that
//! `scim::resource::project` with empty `attributes`/`excludedAttributes` never panics nor
//! returns a `password`.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use scim::resource;
use scim::schema::{GROUP_RESOURCE, USER_RESOURCE};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<Value>(data) else { return };
    for schema in [&USER_RESOURCE, &GROUP_RESOURCE] {
        for tolerance in common::TOLERANCES {
            let Ok(prepared) = resource::prepare(body.clone(), schema, tolerance) else { continue };
            let out = prepared.resource;
            assert!(!has_password(&out), "prepare left a password in {out}");
            let again = resource::prepare(out.clone(), schema, tolerance).expect("a prepared resource prepares again");
            assert_eq!(again.resource, out, "preparing a prepared resource changed it");
            let mut canonical = out.clone();
            resource::canonicalize(&mut canonical, schema, tolerance).expect("a prepared resource canonicalises");
            assert_eq!(canonical, out, "canonicalising a prepared resource changed it");
            let projected = resource::project(&out, schema, &[], &[]);
            assert!(!has_password(&projected), "project returned a password: {projected}");
        }
    }
});

fn has_password(resource: &Value) -> bool {
    resource.as_object().is_some_and(|map| map.keys().any(|k| k.eq_ignore_ascii_case("password")))
}
