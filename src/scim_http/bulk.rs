//! `POST /Bulk` (RFC 7644 §3.7): many operations in one request, with `bulkId` references
//! between them and `failOnErrors`. Each operation runs as it would alone — its own
//! transaction, its own provisioning-log row — so a bulk request is exactly as safe and as
//! visible as the single requests it stands for.

use std::collections::HashMap;

use scim::list::ListQuery;
use scim::patch::PatchRequest;
use scim::ScimError;
use serde_json::{json, Map, Value};

use super::error::ApiError;
use super::extract::{ScimBody, ScimContext};
use super::response::ScimResponse;
use crate::provisioning::groups::GroupRequest;
use crate::provisioning::log::{json_excerpt, LogDraft, LogFacts, LoggedBody, LoggedOutcome};
use crate::provisioning::outcome::Outcome;
use crate::provisioning::precondition::Preconditions;
use crate::provisioning::render::version_tag;
use crate::provisioning::users::UserRequest;

/// URN of the bulk request message.
pub const BULK_REQUEST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
/// URN of the bulk response message.
pub const BULK_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

/// One operation of the request.
#[derive(Debug, Clone)]
struct Operation {
    method: String,
    path: String,
    bulk_id: Option<String>,
    version: Option<String>,
    data: Option<Value>,
}

/// POST /Bulk
pub async fn bulk(cx: ScimContext, ScimBody(body): ScimBody) -> Result<ScimResponse, ApiError> {
    let (operations, fail_on_errors) = parse(&body, cx.state.config.max_bulk_operations)?;
    let limit_reached = |errors: usize| fail_on_errors.is_some_and(|limit| errors >= limit);
    let mut ids: HashMap<String, String> = HashMap::new();
    let mut results = Vec::with_capacity(operations.len());
    let mut errors = 0usize;
    let mut pending = operations;
    // Operations whose bulkId references are not resolved yet wait for a later round. Once
    // `failOnErrors` errors happened, the remaining operations are not run (RFC 7644 §3.7.3).
    while !pending.is_empty() && !limit_reached(errors) {
        let before = pending.len();
        let mut waiting = Vec::new();
        for op in pending {
            if limit_reached(errors) {
                break;
            }
            let Some(op) = resolve_references(&op, &ids) else {
                waiting.push(op);
                continue;
            };
            let result = run(&cx, &op).await;
            match &result {
                Ok(response) => {
                    let created = response.body.as_ref().and_then(|b| b.get("id")).and_then(Value::as_str);
                    if let (Some(bulk_id), Some(id)) = (&op.bulk_id, created) {
                        ids.insert(bulk_id.clone(), id.to_owned());
                    }
                }
                Err(_) => errors += 1,
            }
            results.push(outcome(&op, result));
        }
        if waiting.len() == before {
            // Nothing could run: the rest reference bulkIds no operation creates, or each other.
            for op in &waiting {
                let dangling = ScimError::new(
                    409,
                    Some(scim::ScimType::InvalidValue),
                    "a bulkId it references is not created by any operation of this request, or the references are circular",
                );
                results.push(outcome(op, Err(ApiError(dangling))));
            }
            break;
        }
        pending = waiting;
    }
    let body = json!({ "schemas": [BULK_RESPONSE_SCHEMA], "Operations": results });
    let facts = LogFacts { operation: Some("bulk"), ..LogFacts::default() };
    Ok(ScimResponse::ok(body).with_facts(facts))
}

fn parse(body: &Value, max_operations: usize) -> Result<(Vec<Operation>, Option<usize>), ScimError> {
    let listed = body
        .get("schemas")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|u| u.as_str().is_some_and(|u| u.eq_ignore_ascii_case(BULK_REQUEST_SCHEMA))));
    if !listed {
        return Err(ScimError::invalid_syntax(format!(
            "a bulk request must list \"{BULK_REQUEST_SCHEMA}\" in \"schemas\""
        )));
    }
    let fail_on_errors = match body.get("failOnErrors") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_u64()
                .filter(|n| *n > 0)
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| ScimError::invalid_value("\"failOnErrors\" must be a positive integer"))?,
        ),
    };
    let ops = body
        .get("Operations")
        .and_then(Value::as_array)
        .ok_or_else(|| ScimError::invalid_syntax("a bulk request needs an \"Operations\" array"))?;
    if ops.len() > max_operations {
        return Err(ScimError::new(
            413,
            Some(scim::ScimType::TooMany),
            format!("a bulk request may carry at most {max_operations} operations"),
        ));
    }
    let text = |op: &Value, key: &str| op.get(key).and_then(Value::as_str).map(str::to_owned);
    let operations = ops
        .iter()
        .enumerate()
        .map(|(i, op)| {
            let method = text(op, "method")
                .map(|m| m.to_ascii_uppercase())
                .filter(|m| matches!(m.as_str(), "POST" | "PUT" | "PATCH" | "DELETE"))
                .ok_or_else(|| {
                    ScimError::invalid_syntax(format!("Operations[{i}]: method must be POST, PUT, PATCH or DELETE"))
                })?;
            let path = text(op, "path")
                .ok_or_else(|| ScimError::invalid_syntax(format!("Operations[{i}]: path is required")))?;
            let bulk_id = text(op, "bulkId");
            if method == "POST" && bulk_id.is_none() {
                return Err(ScimError::invalid_syntax(format!("Operations[{i}]: a POST needs a bulkId")));
            }
            Ok(Operation { method, path, bulk_id, version: text(op, "version"), data: op.get("data").cloned() })
        })
        .collect::<Result<Vec<_>, ScimError>>()?;
    Ok((operations, fail_on_errors))
}

/// The operation with every `bulkId:<id>` replaced by the id it created, or `None` while one
/// is still unknown.
fn resolve_references(op: &Operation, ids: &HashMap<String, String>) -> Option<Operation> {
    fn walk(value: &Value, ids: &HashMap<String, String>) -> Option<Value> {
        Some(match value {
            Value::String(s) => match s.strip_prefix("bulkId:") {
                Some(bulk_id) => Value::String(ids.get(bulk_id)?.clone()),
                None => value.clone(),
            },
            Value::Array(items) => Value::Array(items.iter().map(|v| walk(v, ids)).collect::<Option<_>>()?),
            Value::Object(map) => {
                Value::Object(map.iter().map(|(k, v)| Some((k.clone(), walk(v, ids)?))).collect::<Option<Map<_, _>>>()?)
            }
            other => other.clone(),
        })
    }
    let path = op
        .path
        .split('/')
        .map(|segment| match segment.strip_prefix("bulkId:") {
            Some(bulk_id) => ids.get(bulk_id).cloned(),
            None => Some(segment.to_owned()),
        })
        .collect::<Option<Vec<_>>>()?
        .join("/");
    let data = match &op.data {
        Some(d) => Some(walk(d, ids)?),
        None => None,
    };
    Some(Operation { path, data, ..op.clone() })
}

/// Runs one operation through the same code as its single request, logged as its own row.
async fn run(cx: &ScimContext, op: &Operation) -> Result<Outcome, ApiError> {
    let draft = LogDraft {
        method: op.method.clone(),
        path: op.path.clone(),
        request_excerpt: op.data.clone().map(json_excerpt),
        ..cx.draft.clone()
    };
    let preconditions = Preconditions::new(op.version.as_deref(), []);
    let result = dispatch(cx, op, &draft, &preconditions).await;
    if let Err(ApiError(e)) = &result {
        // Successful mutations logged themselves in their transaction; failures are logged here.
        // Named as the same request alone would be.
        let method = axum::http::Method::from_bytes(op.method.as_bytes()).unwrap_or(axum::http::Method::POST);
        let facts = super::gate::facts_from_path(&method, &op.path);
        let entry = draft.finish(LoggedOutcome {
            status: e.status,
            operation: facts.operation.unwrap_or("other").to_owned(),
            resource_type: facts.resource_type.map(str::to_owned),
            resource_id: facts.resource_id,
            response: LoggedBody::of(e.status, &e.to_json()),
            ..LoggedOutcome::default()
        });
        cx.state.log_sink.append(entry).await;
    }
    result
}

async fn dispatch(
    cx: &ScimContext,
    op: &Operation,
    draft: &LogDraft,
    preconditions: &Preconditions,
) -> Result<Outcome, ApiError> {
    let mut segments = op.path.trim_start_matches('/').split('/');
    let (collection, id) = (segments.next().unwrap_or_default(), segments.next());
    if segments.next().is_some() {
        return Err(ApiError(ScimError::invalid_path(format!("unsupported bulk path \"{}\"", op.path))));
    }
    let data = || op.data.clone().ok_or_else(|| ApiError(ScimError::invalid_syntax("this operation needs \"data\"")));
    let (state, caller) = (&cx.state, &cx.caller);
    let patch_of = |data: Value| PatchRequest::parse(&data, caller.tolerance);
    match collection {
        "Users" => {
            let users = UserRequest { state, caller, draft, preconditions };
            let all = ListQuery::default();
            match (op.method.as_str(), id) {
                ("POST", None) => Ok(users.create(data()?, &all).await?),
                ("PUT", Some(id)) => Ok(users.replace(id, data()?, &all).await?),
                ("PATCH", Some(id)) => Ok(users.patch(id, patch_of(data()?)?, &all).await?),
                ("DELETE", Some(id)) => Ok(users.delete(id).await?),
                _ => Err(unsupported(op)),
            }
        }
        "Groups" => {
            let groups = GroupRequest { state, caller, draft, preconditions };
            match (op.method.as_str(), id) {
                ("POST", None) => Ok(groups.create(data()?).await?),
                ("PUT", Some(id)) => Ok(groups.replace(id, data()?).await?),
                ("PATCH", Some(id)) => Ok(groups.patch(id, patch_of(data()?)?, &ListQuery::default()).await?),
                ("DELETE", Some(id)) => Ok(groups.delete(id).await?),
                _ => Err(unsupported(op)),
            }
        }
        _ => Err(unsupported(op)),
    }
}

fn unsupported(op: &Operation) -> ApiError {
    ApiError(ScimError::invalid_path(format!("{} {} is not a bulk operation", op.method, op.path)))
}

/// The operation's entry in the bulk response (RFC 7644 §3.7.3).
fn outcome(op: &Operation, result: Result<Outcome, ApiError>) -> Value {
    let mut entry = Map::new();
    entry.insert("method".into(), json!(op.method));
    if let Some(bulk_id) = &op.bulk_id {
        entry.insert("bulkId".into(), json!(bulk_id));
    }
    match result {
        Ok(response) => {
            let location = response.location.clone().or_else(|| {
                response
                    .body
                    .as_ref()
                    .and_then(|b| b.pointer("/meta/location"))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            });
            if let Some(location) = location {
                entry.insert("location".into(), json!(location));
            }
            if let Some(version) = response.version {
                entry.insert("version".into(), json!(version_tag(version)));
            }
            entry.insert("status".into(), json!(response.status.code().to_string()));
        }
        Err(ApiError(e)) => {
            entry.insert("status".into(), json!(e.status.to_string()));
            entry.insert("response".into(), e.to_json());
        }
    }
    Value::Object(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(path: &str, data: Value) -> Operation {
        Operation { method: "POST".into(), path: path.into(), bulk_id: None, version: None, data: Some(data) }
    }

    #[test]
    fn references_resolve_in_paths_and_data_or_wait() {
        let ids = HashMap::from([("u1".to_owned(), "id-1".to_owned())]);
        let resolved =
            resolve_references(&op("/Users/bulkId:u1", json!({"members": [{"value": "bulkId:u1"}]})), &ids).unwrap();
        assert_eq!(resolved.path, "/Users/id-1");
        assert_eq!(resolved.data, Some(json!({"members": [{"value": "id-1"}]})));
        assert!(resolve_references(&op("/Groups", json!({"members": [{"value": "bulkId:later"}]})), &ids).is_none());
    }

    #[test]
    fn requests_are_validated() {
        let bad = |body: Value| parse(&body, 1000).unwrap_err().scim_type;
        assert_eq!(bad(json!({"Operations": []})), Some(scim::ScimType::InvalidSyntax));
        let schemas = json!([BULK_REQUEST_SCHEMA]);
        assert_eq!(
            bad(json!({"schemas": schemas, "Operations": [{"method": "GET", "path": "/Users"}]})),
            Some(scim::ScimType::InvalidSyntax)
        );
        assert_eq!(
            bad(json!({"schemas": schemas, "Operations": [{"method": "POST", "path": "/Users"}]})),
            Some(scim::ScimType::InvalidSyntax)
        );
        assert_eq!(
            bad(json!({"schemas": schemas, "failOnErrors": 0, "Operations": []})),
            Some(scim::ScimType::InvalidValue)
        );
        let many: Vec<Value> = (0..=3).map(|_| json!({"method": "DELETE", "path": "/Users/x"})).collect();
        let err = parse(&json!({"schemas": schemas, "Operations": many}), 3).unwrap_err();
        assert_eq!((err.status, err.scim_type), (413, Some(scim::ScimType::TooMany)));
    }
}
