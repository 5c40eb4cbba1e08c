//! Reading a `PatchOp` request body (RFC 7644 §3.5.2) into a [`PatchRequest`], with the
//! tolerances real clients need (op names in any case, `operations` for `Operations`).

use serde_json::Value;

use crate::error::ScimError;
use crate::json::get_ci;
use crate::resource::Tolerance;
use crate::schema::PATCH_OP_SCHEMA;

use super::{op_name, PatchOpKind, PatchOperation, PatchRequest};

impl PatchRequest {
    /// Parses a PatchOp body: requires the PatchOp schema URN in `schemas` (Strict; Azure
    /// tolerates its absence), `Operations` (also `operations`), `op` in ANY case (both
    /// tolerances: "Replace", "ADD"), otherwise invalidSyntax with a clear detail. Empty
    /// Operations → invalidValue.
    ///
    /// An `add` or `replace` without `value` is rejected with invalidValue (RFC 7644 §3.5.2.1:
    /// the operation MUST contain a value). An empty `path` counts as no path.
    pub fn parse(body: &Value, tolerance: Tolerance) -> Result<PatchRequest, ScimError> {
        let Value::Object(map) = body else {
            return Err(ScimError::invalid_syntax("the PATCH body must be a JSON object"));
        };
        let listed = match get_ci(map, "schemas") {
            None | Some(Value::Null) => tolerance == Tolerance::Azure,
            Some(Value::Array(items)) => {
                items.iter().filter_map(Value::as_str).any(|s| s.eq_ignore_ascii_case(PATCH_OP_SCHEMA))
            }
            Some(Value::String(s)) => tolerance == Tolerance::Azure && s.eq_ignore_ascii_case(PATCH_OP_SCHEMA),
            Some(_) => false,
        };
        if !listed {
            return Err(ScimError::invalid_syntax(format!(
                "a PATCH request must list \"{PATCH_OP_SCHEMA}\" in \"schemas\""
            )));
        }
        let operations = match get_ci(map, "Operations") {
            Some(Value::Array(ops)) => ops,
            Some(_) => return Err(ScimError::invalid_syntax("\"Operations\" must be an array")),
            None => return Err(ScimError::invalid_syntax("a PATCH request needs \"Operations\"")),
        };
        if operations.is_empty() {
            return Err(ScimError::invalid_value("\"Operations\" must not be empty"));
        }
        let operations =
            operations.iter().enumerate().map(|(i, op)| parse_operation(i, op)).collect::<Result<Vec<_>, _>>()?;
        Ok(PatchRequest { operations })
    }
}

fn parse_operation(i: usize, op: &Value) -> Result<PatchOperation, ScimError> {
    let Value::Object(map) = op else {
        return Err(ScimError::invalid_syntax(format!("Operations[{i}] must be a JSON object")));
    };
    let kind = match get_ci(map, "op") {
        Some(Value::String(s)) if s.eq_ignore_ascii_case("add") => PatchOpKind::Add,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("remove") => PatchOpKind::Remove,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("replace") => PatchOpKind::Replace,
        Some(Value::String(s)) => {
            return Err(ScimError::invalid_syntax(format!(
                "Operations[{i}]: unknown op \"{s}\" (expected add, remove or replace)"
            )))
        }
        Some(_) => return Err(ScimError::invalid_syntax(format!("Operations[{i}]: \"op\" must be a string"))),
        None => return Err(ScimError::invalid_syntax(format!("Operations[{i}] has no \"op\""))),
    };
    let path = match get_ci(map, "path") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => Some(s.trim().to_string()),
        Some(_) => return Err(ScimError::invalid_syntax(format!("Operations[{i}]: \"path\" must be a string"))),
    };
    let value = get_ci(map, "value").cloned();
    if value.is_none() && kind != PatchOpKind::Remove {
        return Err(ScimError::invalid_value(format!("Operations[{i}]: \"{}\" needs a \"value\"", op_name(kind))));
    }
    Ok(PatchOperation { op: kind, path, value })
}
