//! Serving stored resources: the stored JSON plus `id` and `meta` derived from the columns.

use serde_json::{json, Value};

use crate::clock::rfc3339_ms;
use crate::db::user::UserRecord;
use crate::scim_http::response::weak_etag;

/// The full User resource (before `attributes`/`excludedAttributes` projection).
pub fn user(record: &UserRecord, base_url: &str) -> Value {
    let mut resource = record.resource.clone();
    if let Some(obj) = resource.as_object_mut() {
        obj.insert("id".into(), Value::from(record.id.as_str()));
        obj.insert(
            "meta".into(),
            json!({
                "resourceType": "User",
                "created": rfc3339_ms(record.created_at),
                "lastModified": rfc3339_ms(record.updated_at),
                "location": format!("{base_url}/Users/{}", record.id),
                "version": weak_etag(record.version),
            }),
        );
    }
    resource
}
