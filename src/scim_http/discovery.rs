//! Discovery endpoints (RFC 7644 §4): what this service provider supports, truthfully.

use axum::extract::Path;
use axum::http::Method;
use scim::schema::{SchemaDef, GROUP, GROUP_SCHEMA, USER_SCHEMA};
use scim::ScimError;
use serde_json::{json, Value};

use super::error::ApiError;
use super::extract::ScimContext;
use super::response::ScimResponse;
use crate::tenant::Profile;

/// The schemas of this tenant: core User, its extensions (enterprise, and the custom ones the
/// tenant's mappers read), and Group.
fn schemas_of(cx: &ScimContext) -> Vec<&'static SchemaDef> {
    let user = cx.caller.mapping.user_schema;
    std::iter::once(user.core).chain(user.extensions.iter().copied()).chain(std::iter::once(&GROUP)).collect()
}

/// GET /ServiceProviderConfig (RFC 7643 §5)
pub async fn service_provider_config(cx: ScimContext) -> ScimResponse {
    let base = &cx.caller.base_url;
    ScimResponse::ok(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "documentationUri": "https://github.com/scimhub/scimhub#readme",
        "patch": { "supported": true },
        "bulk": {
            "supported": true,
            "maxOperations": cx.state.config.max_bulk_operations,
            "maxPayloadSize": cx.state.config.max_body_bytes,
        },
        "filter": { "supported": true, "maxResults": cx.state.config.max_page_size },
        "changePassword": { "supported": false },
        "sort": { "supported": true },
        "etag": { "supported": true },
        "authenticationSchemes": authentication_schemes(&cx),
        "meta": { "resourceType": "ServiceProviderConfig", "location": format!("{base}/ServiceProviderConfig") },
    }))
}

/// A resource type (RFC 7643 §6).
struct ResourceType {
    id: &'static str,
    endpoint: &'static str,
    description: &'static str,
    schema: &'static str,
    extensions: Vec<&'static str>,
}

/// The ways this tenant's endpoint accepts callers, as its settings say.
fn authentication_schemes(cx: &ScimContext) -> Vec<Value> {
    let auth = &cx.caller.tenant.auth;
    let mut schemes = vec![json!({
        "type": "oauthbearertoken",
        "name": "OAuth Bearer Token",
        "description": "The tenant's secret token as a bearer token (RFC 6750).",
        "specUri": "https://www.rfc-editor.org/rfc/rfc6750",
        "primary": true,
    })];
    if auth.remote_token_auth {
        let realm = cx.caller.base_url.trim_end_matches("/scim/v2");
        schemes.push(json!({
            "type": "oauth2",
            "name": "OAuth 2.0 client credentials",
            "description": format!(
                "Access tokens from {realm}/protocol/openid-connect/token (grant client_credentials)."
            ),
            "specUri": "https://www.rfc-editor.org/rfc/rfc6749#section-4.4",
        }));
    }
    if let (Profile::Azure, Some(azure_tenant)) = (cx.caller.tenant.profile, &auth.azure_tenant_id) {
        schemes.push(json!({
            "type": "oauthbearertoken",
            "name": "Microsoft Entra ID token",
            "description": format!("Tokens issued by the Entra tenant {azure_tenant} to its provisioning service."),
            "specUri": "https://www.rfc-editor.org/rfc/rfc6750",
        }));
    }
    schemes
}

/// This tenant's resource types: User with its extensions, and Group.
fn resource_types_of(cx: &ScimContext) -> [ResourceType; 2] {
    let extensions = cx.caller.mapping.user_schema.extensions.iter().map(|s| s.id).collect();
    [
        ResourceType { id: "User", endpoint: "/Users", description: "User Account", schema: USER_SCHEMA, extensions },
        ResourceType {
            id: "Group",
            endpoint: "/Groups",
            description: "Group",
            schema: GROUP_SCHEMA,
            extensions: Vec::new(),
        },
    ]
}

impl ResourceType {
    fn to_json(&self, base: &str) -> Value {
        let extensions: Vec<Value> =
            self.extensions.iter().map(|urn| json!({ "schema": urn, "required": false })).collect();
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": self.id,
            "name": self.id,
            "endpoint": self.endpoint,
            "description": self.description,
            "schema": self.schema,
            "schemaExtensions": extensions,
            "meta": { "resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/{}", self.id) },
        })
    }
}

/// GET /ResourceTypes (RFC 7643 §6)
pub async fn resource_types(cx: ScimContext) -> ScimResponse {
    let types: Vec<Value> = resource_types_of(&cx).iter().map(|t| t.to_json(&cx.caller.base_url)).collect();
    let n = types.len() as u64;
    ScimResponse::ok(scim::list::list_response(types, n, 1))
}

/// GET /ResourceTypes/{id}
pub async fn resource_type(cx: ScimContext, Path((_, id)): Path<(String, String)>) -> Result<ScimResponse, ApiError> {
    resource_types_of(&cx)
        .iter()
        .find(|t| t.id == id)
        .map(|t| ScimResponse::ok(t.to_json(&cx.caller.base_url)))
        .ok_or_else(|| ApiError(ScimError::not_found(format!("no resource type \"{id}\""))))
}

/// GET /Schemas (RFC 7643 §7)
pub async fn schemas(cx: ScimContext) -> ScimResponse {
    let all: Vec<Value> = schemas_of(&cx).iter().map(|s| s.to_json(&cx.caller.base_url)).collect();
    let n = all.len() as u64;
    ScimResponse::ok(scim::list::list_response(all, n, 1))
}

/// GET /Schemas/{urn}
pub async fn schema(cx: ScimContext, Path((_, id)): Path<(String, String)>) -> Result<ScimResponse, ApiError> {
    schemas_of(&cx)
        .iter()
        .find(|s| s.id.eq_ignore_ascii_case(&id))
        .map(|s| ScimResponse::ok(s.to_json(&cx.caller.base_url)))
        .ok_or_else(|| ApiError(ScimError::not_found(format!("no schema \"{id}\""))))
}

/// Any other path below the SCIM base.
pub async fn unknown_endpoint(_cx: ScimContext) -> ApiError {
    ApiError(ScimError::not_found("no such SCIM endpoint"))
}

/// A method the endpoint does not offer (RFC 7644 §3.12: SCIM error JSON on every error);
/// axum adds the `Allow` header.
pub async fn method_not_allowed(_cx: ScimContext, method: Method) -> ApiError {
    ApiError(ScimError::new(405, None, format!("{method} is not supported at this endpoint")))
}

/// `/Me` (RFC 7644 §3.11): not supported, so 501 (after authentication, like every SCIM path).
pub async fn me(_cx: ScimContext) -> ApiError {
    ApiError(ScimError::new(501, None, "the /Me endpoint is not supported"))
}
