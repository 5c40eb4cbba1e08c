//! Sample resources shared by the targets: the RFC 7643 §8.3 enterprise User and §8.4 Group,
//! taken from the seed corpus of the `resource` target.
// Each target uses part of this module.
#![allow(dead_code)]

use std::sync::LazyLock;

use scim::resource::{self, Tolerance};
use scim::schema::{GROUP_RESOURCE, USER_RESOURCE};
use serde_json::Value;

/// RFC 7643 §8.3 as a client sends it (with `id`, `meta` and `password`).
pub static USER: LazyLock<Value> =
    LazyLock::new(|| json(include_str!("../corpus/resource/rfc7643-8.3-enterprise-user.json")));

/// RFC 7643 §8.4 as a client sends it.
pub static GROUP: LazyLock<Value> = LazyLock::new(|| json(include_str!("../corpus/resource/rfc7643-8.4-group.json")));

/// The User as the server hands it to `patch::apply`: prepared, then given its `id`.
pub static STORED_USER: LazyLock<Value> = LazyLock::new(|| stored(&USER, &USER_RESOURCE));

/// The Group as the server hands it to `patch::apply`.
pub static STORED_GROUP: LazyLock<Value> = LazyLock::new(|| stored(&GROUP, &GROUP_RESOURCE));

pub const TOLERANCES: [Tolerance; 2] = [Tolerance::Strict, Tolerance::Azure];

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("the sample resource is JSON")
}

fn stored(body: &Value, schema: &scim::schema::ResourceSchema) -> Value {
    let mut prepared =
        resource::prepare(body.clone(), schema, Tolerance::Strict).expect("the sample is valid").resource;
    let id = body.get("id").cloned().expect("the sample has an id");
    prepared.as_object_mut().expect("a resource is an object").insert("id".into(), id);
    prepared
}
