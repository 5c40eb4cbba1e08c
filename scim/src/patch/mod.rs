//! PATCH (RFC 7644 §3.5.2): parsing of `PatchOp` requests and their atomic application to a
//! resource, with the shapes Entra ID and Okta really send (op names in any case, no-path values
//! with dotted and URN-qualified keys, `manager` as a string or `[{"value"}]`, member removal by
//! a `value` array, Okta's group rename carrying the group's own `id`).
//!
//! The module is split by concern: the request types live here, reading the body in `request`,
//! the engine and its per-attribute operations in `apply`, resolving a path to its target in
//! `target`, value-filtered paths in `filtered`, and the editing of multi-valued and complex
//! values in `values`.

use serde_json::Value;

mod apply;
mod filtered;
mod request;
mod target;
mod values;

pub use apply::apply;

/// The kind of a PATCH operation (RFC 7644 §3.5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchOpKind {
    /// `add` (RFC 7644 §3.5.2.1).
    Add,
    /// `remove` (RFC 7644 §3.5.2.2).
    Remove,
    /// `replace` (RFC 7644 §3.5.2.3).
    Replace,
}

/// One operation of a PATCH request.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    /// What to do.
    pub op: PatchOpKind,
    /// The target path; `None` when the operation has none (or an empty one).
    pub path: Option<String>,
    /// The value as sent; `Some(Value::Null)` when the client sent `"value": null`.
    pub value: Option<Value>,
}

/// A parsed `PatchOp` request.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchRequest {
    /// The operations, applied in order.
    pub operations: Vec<PatchOperation>,
}

/// The name of an operation as requests spell it (lowercase).
fn op_name(kind: PatchOpKind) -> &'static str {
    match kind {
        PatchOpKind::Add => "add",
        PatchOpKind::Remove => "remove",
        PatchOpKind::Replace => "replace",
    }
}

#[cfg(test)]
mod tests;
