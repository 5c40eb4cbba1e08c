//! Discovery endpoints (RFC 7644 §4): what this service provider supports, truthfully.

use axum::extract::Path;
use scim::schema::{SchemaDef, ENTERPRISE_USER, ENTERPRISE_USER_SCHEMA, USER, USER_SCHEMA};
use scim::ScimError;
use serde_json::{json, Value};

use super::extract::ScimContext;
use super::response::ScimResponse;
use crate::error::ApiError;

const SCHEMAS: [&SchemaDef; 2] = [&USER, &ENTERPRISE_USER];

/// GET /ServiceProviderConfig (RFC 7643 §5)
pub async fn service_provider_config(cx: ScimContext) -> ScimResponse {
    let base = &cx.caller.base_url;
    ScimResponse::ok(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "documentationUri": "https://github.com/scimhub/scimhub#readme",
        "patch": { "supported": true },
        "bulk": { "supported": false, "maxOperations": 0, "maxPayloadSize": 0 },
        "filter": { "supported": true, "maxResults": cx.state.config.max_page_size },
        "changePassword": { "supported": false },
        "sort": { "supported": false },
        "etag": { "supported": true },
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "Authentication with the tenant's bearer secret token (RFC 6750).",
            "specUri": "https://www.rfc-editor.org/rfc/rfc6750",
            "primary": true,
        }],
        "meta": { "resourceType": "ServiceProviderConfig", "location": format!("{base}/ServiceProviderConfig") },
    }))
}

fn user_resource_type(base: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        "id": "User",
        "name": "User",
        "endpoint": "/Users",
        "description": "User Account",
        "schema": USER_SCHEMA,
        "schemaExtensions": [{ "schema": ENTERPRISE_USER_SCHEMA, "required": false }],
        "meta": { "resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/User") },
    })
}

/// GET /ResourceTypes (RFC 7643 §6)
pub async fn resource_types(cx: ScimContext) -> ScimResponse {
    let types = vec![user_resource_type(&cx.caller.base_url)];
    ScimResponse::ok(scim::list::list_response(types, 1, 1))
}

/// GET /ResourceTypes/{id}
pub async fn resource_type(cx: ScimContext, Path((_, id)): Path<(String, String)>) -> Result<ScimResponse, ApiError> {
    if id == "User" {
        Ok(ScimResponse::ok(user_resource_type(&cx.caller.base_url)))
    } else {
        Err(ApiError(ScimError::not_found(format!("no resource type \"{id}\""))))
    }
}

/// GET /Schemas (RFC 7643 §7)
pub async fn schemas(cx: ScimContext) -> ScimResponse {
    let all: Vec<Value> = SCHEMAS.iter().map(|s| s.to_json(&cx.caller.base_url)).collect();
    let n = all.len() as u64;
    ScimResponse::ok(scim::list::list_response(all, n, 1))
}

/// GET /Schemas/{urn}
pub async fn schema(cx: ScimContext, Path((_, id)): Path<(String, String)>) -> Result<ScimResponse, ApiError> {
    SCHEMAS
        .iter()
        .find(|s| s.id == id)
        .map(|s| ScimResponse::ok(s.to_json(&cx.caller.base_url)))
        .ok_or_else(|| ApiError(ScimError::not_found(format!("no schema \"{id}\""))))
}

/// Any other path below the SCIM base.
pub async fn unknown_endpoint(_cx: ScimContext) -> ApiError {
    ApiError(ScimError::not_found("no such SCIM endpoint"))
}
