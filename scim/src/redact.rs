//! Redaction by meaning: every value a SCIM request puts into a write-only attribute (RFC 7643
//! §7: `mutability` writeOnly or `returned` never, such as `password`) is replaced, wherever
//! the request puts it — resource bodies (any case, URN-qualified names and extension
//! objects), PATCH operations (by `path`, or as the keys of a path-less `value`), Bulk
//! operations (their `data`, recursively), and filters comparing such an attribute (a
//! `.search` body's `filter` or a query's). The values removed are returned as [`Secrets`], so
//! that whatever else is kept about the request (an error message that echoes a value) can be
//! scrubbed of them too.
//!
//! The walk follows the shape of the request rather than trusting its method or its
//! `schemas`, so malformed requests (the ones that end in a 400 whose detail may quote them)
//! are redacted as well as well-formed ones.

use std::fmt;

use serde_json::{Map, Value};

use crate::filter::FilterLimits;
use crate::json::get_ci;
use crate::path::{AttrPath, PatchPath};
use crate::schema::{AttributeDef, Mutability, ResourceSchema, Returned, SchemaDef, GROUP_RESOURCE, USER_RESOURCE};

/// What replaces a redacted value.
pub const REDACTED: &str = "[redacted]";

/// Secrets shorter than this (in characters) are replaced where they stand but not searched for
/// elsewhere: scrubbing every `abc` from a log row would garble it and protect nothing.
pub const MIN_SCRUBBED_CHARS: usize = 4;

/// The secret values removed from a request. `Debug` shows only how many there are.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secrets(Vec<String>);

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secrets({} redacted)", self.0.len())
    }
}

impl Secrets {
    /// Whether nothing was removed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds a value (empty strings and repeats are ignored).
    pub fn insert(&mut self, secret: &str) {
        if !secret.is_empty() && !self.0.iter().any(|s| s == secret) {
            self.0.push(secret.to_owned());
        }
    }

    /// Replaces `value` by [`REDACTED`], remembering the strings (and numbers) it held.
    pub fn take(&mut self, value: &mut Value) {
        fn collect(value: &Value, secrets: &mut Secrets) {
            match value {
                Value::String(s) => secrets.insert(s),
                Value::Number(n) => secrets.insert(&n.to_string()),
                Value::Array(items) => items.iter().for_each(|v| collect(v, secrets)),
                Value::Object(map) => map.values().for_each(|v| collect(v, secrets)),
                Value::Bool(_) | Value::Null => {}
            }
        }
        if matches!(value, Value::Null) || value.as_str() == Some(REDACTED) {
            return;
        }
        collect(value, self);
        *value = Value::from(REDACTED);
    }

    /// Adds every value of `other`.
    pub fn extend(&mut self, other: &Secrets) {
        other.0.iter().for_each(|s| self.insert(s));
    }

    /// Whether `text` contains one of the secrets (as written, or JSON-escaped).
    pub fn found_in(&self, text: &str) -> bool {
        self.forms().any(|form| text.contains(form.as_str()))
    }

    /// `text` with every occurrence of every secret (as written, or JSON-escaped) replaced by
    /// [`REDACTED`]; `None` when there was none.
    pub fn scrub(&self, text: &str) -> Option<String> {
        let mut forms: Vec<String> = self.forms().filter(|form| text.contains(form.as_str())).collect();
        if forms.is_empty() {
            return None;
        }
        // Longest first, so a secret that contains another is replaced whole.
        forms.sort_by_key(|form| std::cmp::Reverse(form.len()));
        Some(forms.iter().fold(text.to_owned(), |text, form| text.replace(form.as_str(), REDACTED)))
    }

    /// The spellings searched for: each secret as written and, when it differs, as it appears
    /// inside a JSON string.
    fn forms(&self) -> impl Iterator<Item = String> + '_ {
        self.0.iter().filter(|s| s.chars().nth(MIN_SCRUBBED_CHARS - 1).is_some()).flat_map(|secret| {
            let escaped = Value::from(secret.as_str()).to_string();
            let escaped = escaped.get(1..escaped.len() - 1).unwrap_or_default().to_owned();
            let differs = escaped != *secret;
            std::iter::once(secret.clone()).chain(differs.then_some(escaped))
        })
    }
}

/// Redacts requests against a set of resource types: a name is write-only when it resolves to
/// a write-only attribute in any of them (a password sent to `/Groups` by mistake is still a
/// password).
#[derive(Debug, Clone, Copy)]
pub struct Redactor<'s> {
    schemas: &'s [&'s ResourceSchema],
}

/// The built-in resource types (User with the Enterprise extension, Group).
pub const STANDARD: Redactor<'static> = Redactor { schemas: &[&USER_RESOURCE, &GROUP_RESOURCE] };

/// Whether an attribute's value must never be shown.
fn is_write_only(def: &AttributeDef) -> bool {
    def.mutability == Mutability::WriteOnly || def.returned == Returned::Never
}

/// The key of `map` equal to `name` in any case.
fn key_ci(map: &Map<String, Value>, name: &str) -> Option<String> {
    map.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned()
}

impl<'s> Redactor<'s> {
    /// A redactor for these resource types.
    pub const fn new(schemas: &'s [&'s ResourceSchema]) -> Redactor<'s> {
        Redactor { schemas }
    }

    /// Redacts a SCIM request body in place — a resource, a `PatchOp`, a `BulkRequest` or a
    /// `SearchRequest`, told apart by their members — and returns what it removed.
    pub fn request(&self, body: &mut Value) -> Secrets {
        let mut secrets = Secrets::default();
        self.walk_request(body, &mut secrets, 0);
        secrets
    }

    /// A filter with every value compared with a write-only attribute replaced by
    /// `"[redacted]"`, and those values; `None` when it compares none. Malformed filters are
    /// redacted too (by their tokens), since an error message may quote them.
    pub fn filter(&self, filter: &str) -> Option<(String, Secrets)> {
        if !self.write_only_names().any(|name| contains_ci(filter, name)) {
            return None;
        }
        let (text, bytes) = (filter, filter.as_bytes());
        let (mut out, mut copied, mut secrets) = (String::new(), 0, Secrets::default());
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b == b'"' {
                i = string_end(bytes, i);
                continue;
            }
            if !(b.is_ascii_alphabetic() || b == b'$') {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || b"-_.:$".contains(&bytes[i])) {
                i += 1;
            }
            if !self.names_secret(&text[start..i]) {
                continue;
            }
            let op_start = skip_spaces(bytes, i);
            let mut op_end = op_start;
            while op_end < bytes.len() && bytes[op_end].is_ascii_alphabetic() {
                op_end += 1;
            }
            if op_end == op_start || text[op_start..op_end].eq_ignore_ascii_case("pr") {
                i = op_end;
                continue;
            }
            let value_start = skip_spaces(bytes, op_end);
            let value_end = if bytes.get(value_start) == Some(&b'"') {
                string_end(bytes, value_start)
            } else {
                let mut end = value_start;
                while end < bytes.len() && !bytes[end].is_ascii_whitespace() && !b")]".contains(&bytes[end]) {
                    end += 1;
                }
                end
            };
            if value_end > value_start {
                let literal = &text[value_start..value_end];
                match serde_json::from_str::<String>(literal) {
                    Ok(decoded) => secrets.insert(&decoded),
                    Err(_) => secrets.insert(literal.trim_start_matches('"').trim_end_matches('"')),
                }
                secrets.insert(literal.trim_start_matches('"').trim_end_matches('"'));
                out.push_str(&text[copied..value_start]);
                out.push('"');
                out.push_str(REDACTED);
                out.push('"');
                copied = value_end;
            }
            i = value_end;
        }
        if secrets.is_empty() {
            return None;
        }
        out.push_str(&text[copied..]);
        Some((out, secrets))
    }

    /// The names of the write-only attributes and sub-attributes of the schemas.
    fn write_only_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.schemas
            .iter()
            .flat_map(|rs| std::iter::once(rs.core).chain(rs.extensions.iter().copied()))
            .flat_map(|schema| schema.attributes.iter())
            .flat_map(|def| std::iter::once(def).chain(def.sub_attributes.iter()))
            .filter(|def| is_write_only(def))
            .map(|def| def.name)
    }

    /// Whether an attribute path (well-formed or not) names a write-only attribute: it
    /// resolves to one, or one of its name parts is the name of one.
    fn names_secret(&self, path: &str) -> bool {
        let resolved = AttrPath::parse(path).ok().is_some_and(|p| {
            self.schemas.iter().any(|schema| {
                p.resolve(schema).is_some_and(|(top, sub)| is_write_only(top) || sub.is_some_and(is_write_only))
            })
        });
        resolved
            || path
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$'))
                .any(|part| self.write_only_names().any(|name| name.eq_ignore_ascii_case(part)))
    }

    /// The schema (of any resource type) with this URN.
    fn schema(&self, urn: &str) -> Option<&'static SchemaDef> {
        self.schemas.iter().find_map(|rs| rs.schema(urn))
    }

    /// The definition a resource-level key resolves to (the first resource type that knows it),
    /// and whether it is write-only in any of them.
    fn resolve(&self, path: &AttrPath) -> (Option<&'static AttributeDef>, bool) {
        let mut first = None;
        let mut secret = false;
        for schema in self.schemas {
            if let Some((top, sub)) = path.resolve(schema) {
                let target = sub.unwrap_or(top);
                first = first.or(Some(target));
                secret |= is_write_only(top) || is_write_only(target);
            }
        }
        (first, secret)
    }

    fn walk_request(&self, body: &mut Value, secrets: &mut Secrets, depth: usize) {
        // Bulk data nests requests; real ones nest once, hostile ones are cut off.
        if depth > 4 {
            return;
        }
        let map = match body {
            Value::Object(map) => map,
            Value::Array(items) => {
                items.iter_mut().for_each(|item| self.walk_request(item, secrets, depth + 1));
                return;
            }
            _ => return,
        };
        if let Some(key) = key_ci(map, "Operations") {
            if let Some(Value::Array(ops)) = map.get_mut(&key) {
                for op in ops.iter_mut() {
                    self.walk_operation(op, secrets, depth);
                }
            }
        }
        if let Some(key) = key_ci(map, "filter") {
            if let Some(value) = map.get_mut(&key) {
                self.redact_filter_value(value, secrets);
            }
        }
        self.walk_resource(map, None, secrets);
    }

    /// One element of `Operations`: a Bulk operation (its `data` is a request of its own) or a
    /// PATCH operation.
    fn walk_operation(&self, op: &mut Value, secrets: &mut Secrets, depth: usize) {
        let Value::Object(op) = op else { return };
        // A value compared with a write-only attribute in the path: a PATCH value filter, or a
        // query in a Bulk operation's path (both echoed by the errors they cause).
        if let Some(key) = key_ci(op, "path") {
            if let Some(Value::String(path)) = op.get_mut(&key) {
                if let Some((redacted, found)) = self.filter(path) {
                    secrets.extend(&found);
                    *path = redacted;
                }
            }
        }
        if let Some(key) = key_ci(op, "data") {
            if let Some(data) = op.get_mut(&key) {
                self.walk_request(data, secrets, depth + 1);
            }
            return;
        }
        let path = get_ci(op, "path").and_then(Value::as_str).map(str::trim).unwrap_or_default().to_owned();
        let Some(key) = key_ci(op, "value") else { return };
        let Some(value) = op.get_mut(&key) else { return };
        if path.is_empty() {
            self.walk_values(value, None, secrets);
            return;
        }
        if let Some(schema) = self.schema(&path) {
            // The path names an extension: the value holds its attributes.
            self.walk_values(value, Some(schema), secrets);
            return;
        }
        let Ok(parsed) = PatchPath::parse(&path, &FilterLimits::default()) else {
            if self.names_secret(&path) {
                secrets.take(value);
            }
            return;
        };
        let (def, secret) = self.resolve(&parsed.attr);
        let sub = parsed.sub_attr.as_deref().and_then(|name| def.and_then(|d| d.sub_attribute(name)));
        if secret || sub.is_some_and(is_write_only) || (def.is_none() && self.names_secret(&path)) {
            secrets.take(value);
        } else if let Some(def) = sub.or(def) {
            self.walk_attribute(def, value, secrets);
        } else {
            // An unknown path: its value may still hold attributes by name.
            self.walk_values(value, None, secrets);
        }
    }

    /// A path-less PATCH value (an object, or Entra's array of objects) whose keys are
    /// attribute paths.
    fn walk_values(&self, value: &mut Value, schema: Option<&'static SchemaDef>, secrets: &mut Secrets) {
        match value {
            Value::Object(map) => self.walk_resource(map, schema, secrets),
            Value::Array(items) => items.iter_mut().for_each(|v| self.walk_values(v, schema, secrets)),
            _ => {}
        }
    }

    /// An object whose keys are attribute paths (`password`, `PASSWORD`, `name.givenName`,
    /// `urn:…:User:password`) or extension URNs holding objects of their attributes. With
    /// `schema`, unqualified keys belong to that schema.
    fn walk_resource(&self, map: &mut Map<String, Value>, schema: Option<&'static SchemaDef>, secrets: &mut Secrets) {
        for (key, value) in map.iter_mut() {
            if schema.is_none() {
                if let Some(extension) = self.schema(key) {
                    if value.is_object() {
                        self.walk_values(value, Some(extension), secrets);
                        continue;
                    }
                }
            }
            let path = match AttrPath::parse(key) {
                Ok(mut path) => {
                    if path.urn.is_none() {
                        path.urn = schema.map(|s| s.id.to_owned());
                    }
                    path
                }
                Err(_) => {
                    if self.names_secret(key) {
                        secrets.take(value);
                    }
                    continue;
                }
            };
            match self.resolve(&path) {
                (_, true) => secrets.take(value),
                (Some(def), false) => self.walk_attribute(def, value, secrets),
                (None, false) => {}
            }
        }
    }

    /// The value of a (non-secret) attribute: its write-only sub-attributes are redacted. An
    /// attribute without any (a group's `members`, 10,000 references in one PATCH) is not
    /// walked at all.
    fn walk_attribute(&self, def: &AttributeDef, value: &mut Value, secrets: &mut Secrets) {
        if !def.sub_attributes.iter().any(is_write_only) {
            return;
        }
        match value {
            Value::Object(map) => {
                for (key, v) in map.iter_mut() {
                    if def.sub_attribute(key).is_some_and(is_write_only) {
                        secrets.take(v);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.walk_attribute(def, v, secrets)),
            _ => {}
        }
    }

    fn redact_filter_value(&self, value: &mut Value, secrets: &mut Secrets) {
        if let Some((redacted, found)) = value.as_str().and_then(|f| self.filter(f)) {
            secrets.extend(&found);
            *value = Value::from(redacted);
        }
    }
}

/// Whether `haystack` contains `needle`, ignoring ASCII case.
fn contains_ci(haystack: &str, needle: &str) -> bool {
    haystack.as_bytes().windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// The index after the string literal opening at `start` (or the end of an unterminated one).
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

fn skip_spaces(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The body redacted, and whether each of `secrets` was collected and is gone from it.
    fn redacts(mut body: Value, expected: &[&str]) -> Value {
        let found = STANDARD.request(&mut body);
        let text = body.to_string();
        for secret in expected {
            assert!(!text.contains(secret), "{secret} left in {text}");
            assert!(found.found_in(secret), "{secret} not collected from {text}: {found:?}");
        }
        assert!(text.contains(REDACTED) || expected.is_empty(), "{text}");
        body
    }

    fn patch(ops: Value) -> Value {
        json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops })
    }

    #[test]
    fn resource_bodies_by_schema_in_any_case_and_qualified() {
        let body = redacts(
            json!({
                "userName": "alice",
                "PASSWORD": "secret-one",
                "urn:ietf:params:scim:schemas:core:2.0:User:password": "secret-two",
                "urn:ietf:params:scim:schemas:core:2.0:User": { "Password": "secret-three", "title": "boss" },
                "emails": [{ "value": "a@x" }],
            }),
            &["secret-one", "secret-two", "secret-three"],
        );
        assert_eq!(body["userName"], "alice");
        assert_eq!(body["urn:ietf:params:scim:schemas:core:2.0:User"]["title"], "boss");
        assert_eq!(body["emails"][0]["value"], "a@x");
    }

    #[test]
    fn patch_operations_by_path_in_any_form() {
        let body = redacts(
            patch(json!([
                { "op": "replace", "path": "password", "value": "secret-1" },
                { "op": "Add", "path": "PASSWORD", "value": "secret-2" },
                { "OP": "replace", "Path": "urn:ietf:params:scim:schemas:core:2.0:User:password", "Value": "secret-3" },
                { "op": "add", "path": " Password ", "value": ["secret-4"] },
                { "op": "replace", "value": { "password": "secret-5", "displayName": "Alice" } },
                { "op": "replace", "value": { "urn:ietf:params:scim:schemas:core:2.0:User:password": "secret-6" } },
                { "op": "replace", "value": [{ "Password": 12345678 }] },
                { "op": "replace", "path": "displayName", "value": "Alice" },
                { "op": "replace", "path": "name", "value": { "givenName": "Al" } },
            ])),
            &["secret-1", "secret-2", "secret-3", "secret-4", "secret-5", "secret-6", "12345678"],
        );
        assert_eq!(body["Operations"][4]["value"]["displayName"], "Alice");
        assert_eq!(body["Operations"][7]["value"], "Alice");
        assert_eq!(body["Operations"][8]["value"]["givenName"], "Al");
    }

    #[test]
    fn malformed_patches_are_redacted_as_well_as_possible() {
        redacts(
            json!({ "Operations": [
                { "op": "explode", "path": "password]", "value": "secret-a" },
                { "path": "urn:nonsense:password", "value": "secret-b" },
                { "op": "replace", "path": "passwords", "value": { "password": "secret-c" } },
                { "op": "replace", "path": "emails[type eq \"work\"", "value": "x" },
            ] }),
            &["secret-a", "secret-b", "secret-c"],
        );
        // Not a PATCH at all: the keys still carry their meaning.
        redacts(json!([{ "password": "secret-d" }]), &["secret-d"]);
        redacts(json!({ "schemas": "nonsense", "password": { "nested": ["secret-e"] } }), &["secret-e"]);
    }

    #[test]
    fn bulk_operations_post_and_patch() {
        let body = redacts(
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
                "Operations": [
                    { "method": "POST", "path": "/Users", "bulkId": "u", "data": { "userName": "b", "password": "bulk-1" } },
                    { "method": "PATCH", "path": "/Users/x", "data": patch(json!([{ "op": "replace", "path": "password", "value": "bulk-2" }])) },
                    { "method": "PATCH", "path": "/Groups/g", "data": patch(json!([{ "op": "add", "path": "members", "value": [{ "value": "u1" }] }])) },
                    { "method": "DELETE", "path": "/Users?filter=password eq \"bulk-3\"" },
                ],
            }),
            &["bulk-1", "bulk-2", "bulk-3"],
        );
        assert_eq!(body["Operations"][0]["data"]["userName"], "b");
        assert_eq!(body["Operations"][2]["data"]["Operations"][0]["value"][0]["value"], "u1");
    }

    #[test]
    fn search_filters_comparing_write_only_attributes() {
        let body = redacts(
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                "filter": "userName eq \"password\" and (PASSWORD eq \"secret-f\" or password pr)",
            }),
            &["secret-f"],
        );
        assert_eq!(body["filter"], "userName eq \"password\" and (PASSWORD eq \"[redacted]\" or password pr)");
        let (text, found) = STANDARD
            .filter("urn:ietf:params:scim:schemas:core:2.0:User:password sw \"a\\\"b-secret\" and x eq 1")
            .unwrap();
        assert_eq!(text, "urn:ietf:params:scim:schemas:core:2.0:User:password sw \"[redacted]\" and x eq 1");
        assert!(found.found_in("a\"b-secret"));
        // Malformed: unquoted or unterminated values, as an error message would quote them.
        let (text, found) = STANDARD.filter("password eq bare-secret)").unwrap();
        assert_eq!((text.as_str(), found.found_in("bare-secret")), ("password eq \"[redacted]\")", true));
        let (text, found) = STANDARD.filter("password eq \"open-secret").unwrap();
        assert_eq!((text.as_str(), found.found_in("open-secret")), ("password eq \"[redacted]\"", true));
        assert_eq!(STANDARD.filter("userName eq \"password\""), None);
        assert_eq!(STANDARD.filter("emails[type eq \"work\"]"), None);
    }

    #[test]
    fn nothing_secret_means_nothing_changed() {
        let original = json!({ "userName": "a", "name": { "givenName": "b" }, "groups": [], "active": true });
        let mut body = original.clone();
        assert!(STANDARD.request(&mut body).is_empty());
        assert_eq!(body, original);
    }

    #[test]
    fn secrets_are_scrubbed_as_written_and_json_escaped_longest_first() {
        let mut secrets = Secrets::default();
        for s in ["abc", "pa\"ss-word", "pa\"ss-word-longer", "pa\"ss-word"] {
            secrets.insert(s);
        }
        assert_eq!(format!("{secrets:?}"), "Secrets(3 redacted)");
        let text = r#"{"detail":"bad value pa\"ss-word-longer and pa"ss-word, abc"}"#;
        assert_eq!(secrets.scrub(text).unwrap(), r#"{"detail":"bad value [redacted] and [redacted], abc"}"#);
        assert_eq!(secrets.scrub("nothing here"), None);
    }
}
